"""The pure part of call recording: names from validated ids only, the layout, the state machine
for every (state, event) pair, the muted seconds, file verdicts and which rows a purge takes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import product

import pytest

from common.recording import (RECORD_MODES, TRANSITIONS, InvalidRecordingTransition, RecordingEvent,
                              RecordingState, StoredRecording, Timeline, UnsafeRecordingName, check_call_id,
                              relative_path, safe_relative, step, stronger, to_purge, verdict)

R, E = RecordingState, RecordingEvent
UUID = "0b5e6f0a-1c2d-4e5f-8a9b-0c1d2e3f4a5b"


def test_the_layout_is_year_month_day_then_the_call_id() -> None:
    assert str(relative_path("1733065399.42", date(2026, 12, 1))) == "2026/12/01/1733065399.42.wav"
    assert str(relative_path(UUID, date(2027, 1, 9), part=2)) == f"2027/01/09/{UUID}-2.wav"
    assert str(relative_path("1733065399.42", date(2026, 12, 1), ext="raw")).endswith(".raw")


@pytest.mark.parametrize("bad", ["", "../../etc/passwd", "1733065399.42/../x", "1733065399.42,bD", "abc",
                                 "1733065399.42\n", "1733065399", "${CALLERID(num)}", UUID.upper(), " 1.2"])
def test_anything_but_a_uniqueid_or_uuid_never_becomes_a_file_name(bad: str) -> None:
    with pytest.raises(UnsafeRecordingName):
        check_call_id(bad)
    with pytest.raises(UnsafeRecordingName):
        relative_path(bad, date(2026, 12, 1))


def test_part_and_extension_are_checked_too() -> None:
    with pytest.raises(ValueError):
        relative_path("1.2", date(2026, 12, 1), part=0)
    with pytest.raises(ValueError):
        relative_path("1.2", date(2026, 12, 1), ext="sh")


@pytest.mark.parametrize("state,event", list(product(RecordingState, RecordingEvent)))
def test_every_state_event_pair_moves_by_the_table_or_raises(state: RecordingState, event: RecordingEvent) -> None:
    if (state, event) in TRANSITIONS:
        assert step("1.2", state, event) is TRANSITIONS[state, event]
    else:
        with pytest.raises(InvalidRecordingTransition) as info:
            step("1.2", state, event)
        assert info.value.error_id == "recording_invalid_transition"


def test_only_pauses_count_as_paused_seconds_and_an_end_while_paused_closes_the_stretch() -> None:
    t = Timeline("1.2", R.ARMED, since=0.0)
    assert t.muted and not t.started
    t.apply(E.START, 5.0)  # on_demand lead-in: muted, but not a pause
    t.apply(E.PAUSE, 7.0)
    t.apply(E.RESUME, 10.5)
    t.apply(E.PAUSE, 20.0)
    t.apply(E.END, 21.0)
    assert t.state is R.ENDED and t.started and t.paused_s == pytest.approx(4.5)


def test_an_always_recording_starts_recording_and_cannot_be_started_again() -> None:
    t = Timeline("1.2", R.RECORDING, since=0.0)
    assert t.started and not t.muted
    with pytest.raises(InvalidRecordingTransition):
        t.apply(E.START, 1.0)


def test_file_verdicts() -> None:
    assert verdict(False, 0, 0) == "missing"
    assert verdict(True, 0, 0) == "empty"
    assert verdict(True, 44, 0) == "empty"  # a WAV header and no audio
    assert verdict(True, 80_044, 20_000) == "ok"


def test_the_stronger_mode_wins_so_an_always_queue_stays_recorded() -> None:
    assert RECORD_MODES == ("never", "on_demand", "always")
    assert stronger("always", "never") == "always"
    assert stronger("never", "on_demand") == "on_demand"
    assert stronger("never", "never") == "never"


T0 = datetime(2026, 12, 1, tzinfo=UTC)


def test_a_purge_takes_rows_older_than_the_cutoff_not_yet_purged_oldest_first() -> None:
    rows = [StoredRecording("a:1", "2026/09/01/1.1.wav", T0 - timedelta(days=91), "ok"),
            StoredRecording("b:1", "2026/08/01/1.2.wav", T0 - timedelta(days=120), "missing"),
            StoredRecording("c:1", "2026/07/01/1.3.wav", T0 - timedelta(days=150), "purged"),
            StoredRecording("d:1", "2026/11/30/1.4.wav", T0 - timedelta(days=1), "ok"),
            StoredRecording("e:1", "2026/09/02/1.5.wav", T0 - timedelta(days=90), "ok")]
    assert [r.recording_id for r in to_purge(rows, T0 - timedelta(days=90))] == ["b:1", "a:1"]


@pytest.mark.parametrize("path", ["/etc/passwd", "../2026/12/01/1.2.wav", "2026/12/01/../../x.wav",
                                  "2026/12/01/1.2.sh", "2026/12/1.2.wav", "2026/12/01/evil name.wav"])
def test_a_purge_deletes_only_paths_of_our_own_layout(path: str) -> None:
    with pytest.raises(UnsafeRecordingName):
        safe_relative(path)


def test_our_own_paths_pass_the_purge_check() -> None:
    assert str(safe_relative("2026/12/01/1733065399.42.wav")) == "2026/12/01/1733065399.42.wav"
    assert safe_relative(f"2026/12/01/{UUID}-2.wav").name == f"{UUID}-2.wav"
