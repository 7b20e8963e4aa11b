"""The recorder's shell with fakes for the channel and AMI: MixMonitor is started once per call from
validated names, a file that never came is recorded as missing (logged, counted), an empty one as
empty, a good one as ok with its measured length; a mute Asterisk refused is an error, not a pause."""

from __future__ import annotations

import logging
import wave
from pathlib import Path

import pytest

from common.recording import InvalidRecordingTransition, RecordingEvent
from cti.ami.client import AmiError
from cti.services import recording_files
from cti.services.recordings import Recorder
from tests.support.fake_call import FakeCall

E = RecordingEvent


class FakeAmi:
    def __init__(self, fail: bool = False) -> None:
        self.sent: list[dict] = []
        self.fail = fail

    async def action(self, fields, **kw):
        if self.fail:
            raise AmiError("MixMonitorMute failed: Permission denied")
        self.sent.append(dict(fields))
        return {}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def recorder(tmp_path: Path, ami: FakeAmi | None = None, clock: Clock | None = None):
    sink: list = []
    rec = Recorder(tmp_path / "rec", "/var/spool/asterisk/monitor/hotline", ami or FakeAmi(),
                   type("Sink", (), {"submit": staticmethod(sink.append)})(), settle_timeout_s=0.3,
                   clock=clock or Clock())
    return rec, sink


def write_raw(path: Path, seconds: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x10\x00\x20\x00" * int(8000 * seconds) + b"\x01")  # a torn last frame too


async def test_always_starts_mixmonitor_once_on_the_callers_channel_with_b_and_D(tmp_path: Path) -> None:
    rec, _ = recorder(tmp_path)
    call = FakeCall(uniqueid="1733065399.42")
    first = await rec.arm(call, "always", queue="billing")
    again = await rec.arm(call, "always", queue="faults")  # a transfer dials again: same recording
    [action] = [a for a in call.actions if a[0] == "exec"]
    assert action == ("exec", "MixMonitor", f"/var/spool/asterisk/monitor/hotline/{first.relative[:-4]}.raw", "bD")
    assert again is first and first.relative.endswith("/1733065399.42.wav") and first.queue == "billing"
    assert first.raw.parent.is_dir()  # the day's folder exists before Asterisk writes into it


async def test_never_records_nothing_and_a_strange_call_id_is_refused(tmp_path: Path, caplog) -> None:
    rec, _ = recorder(tmp_path)
    assert await rec.arm(FakeCall(uniqueid="1.1"), "never") is None
    assert await rec.arm(FakeCall(uniqueid="../../etc/x"), "always") is None
    assert rec.counts["refused"] == 1 and "not recorded" in caplog.text and not rec.live


async def test_a_file_that_never_came_is_recorded_as_missing_logged_and_counted(tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="hotline.recording")
    rec, sink = recorder(tmp_path)
    await rec.arm(FakeCall(uniqueid="1733065399.43"), "always", queue="billing")
    record = await rec.finish("1733065399.43", agent="1001")
    assert sink == [record] and (record.status, record.size_bytes, record.duration_s) == ("missing", None, None)
    assert rec.counts["missing"] == 1
    assert "1733065399.43.wav is missing" in caplog.text


async def test_an_empty_stream_is_recorded_as_empty(tmp_path: Path) -> None:
    rec, sink = recorder(tmp_path)
    r = await rec.arm(FakeCall(uniqueid="1733065399.44"), "always")
    r.raw.write_bytes(b"")
    record = await rec.finish("1733065399.44", agent="1001")
    assert (record.status, record.duration_s) == ("empty", 0.0) and rec.counts["empty"] == 1


async def test_a_good_stream_becomes_a_stereo_wav_with_its_measured_length(tmp_path: Path) -> None:
    rec, sink = recorder(tmp_path)
    r = await rec.arm(FakeCall(uniqueid="1733065399.45"), "always", queue="billing")
    write_raw(r.raw, 2.5)
    record = await rec.finish("1733065399.45", agent="1001")
    assert (record.status, record.duration_s, record.agent, record.queue, record.part) == (
        "ok", 2.5, "1001", "billing", 1)
    assert not r.raw.exists() and record.size_bytes == r.wav.stat().st_size == 44 + 2.5 * 8000 * 4
    with wave.open(str(r.wav)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (2, 2, 8000)
    assert record.path == r.relative and record.recording_id == "1733065399.45:1"


async def test_pause_and_resume_mute_the_callers_channel_and_count_the_paused_seconds(tmp_path: Path) -> None:
    ami, clock = FakeAmi(), Clock()
    rec, sink = recorder(tmp_path, ami, clock)
    r = await rec.arm(FakeCall(uniqueid="1733065399.46"), "always")
    clock.now = 3.0
    assert (await rec.command("1733065399.46", E.PAUSE))["recording"] == "paused"
    with pytest.raises(InvalidRecordingTransition):
        await rec.command("1733065399.46", E.PAUSE)
    clock.now = 7.5
    assert (await rec.command("1733065399.46", E.RESUME))["paused_s"] == 4.5
    assert [(a["Channel"], a["Direction"], a["State"]) for a in ami.sent] == [
        ("PJSIP/caller-1733065399.46", "both", "1"), ("PJSIP/caller-1733065399.46", "both", "0")]
    write_raw(r.raw, 1.0)
    assert (await rec.finish("1733065399.46", agent="1001")).paused_s == 4.5


async def test_a_pause_asterisk_refused_is_an_error_and_the_recording_goes_on(tmp_path: Path) -> None:
    ami = FakeAmi()
    rec, _ = recorder(tmp_path, ami)
    await rec.arm(FakeCall(uniqueid="1733065399.47"), "always")
    ami.fail = True
    with pytest.raises(AmiError, match="did not mute"):
        await rec.command("1733065399.47", E.PAUSE)
    assert rec.state_of("1733065399.47") == "recording"
    with pytest.raises(LookupError, match="not being recorded"):
        await rec.command("1733065399.99", E.PAUSE)


async def test_on_demand_is_muted_at_once_and_discarded_if_never_started(tmp_path: Path) -> None:
    ami = FakeAmi()
    rec, sink = recorder(tmp_path, ami)
    r = await rec.arm(FakeCall(uniqueid="1733065399.48"), "on_demand")
    assert rec.state_of("1733065399.48") == "armed" and ami.sent[0]["State"] == "1"
    write_raw(r.raw, 1.0)
    assert await rec.finish("1733065399.48", agent="1001") is None and sink == [] and not r.raw.exists()


async def test_on_demand_started_by_the_agent_is_kept(tmp_path: Path) -> None:
    ami = FakeAmi()
    rec, sink = recorder(tmp_path, ami)
    r = await rec.arm(FakeCall(uniqueid="1733065399.49"), "on_demand")
    assert (await rec.command("1733065399.49", E.START))["recording"] == "recording"
    assert ami.sent[-1]["State"] == "0"
    write_raw(r.raw, 1.0)
    assert (await rec.finish("1733065399.49", agent="1001")).status == "ok"


async def test_on_demand_that_cannot_be_muted_is_stopped_not_left_recording(tmp_path: Path, caplog) -> None:
    rec, _ = recorder(tmp_path, FakeAmi(fail=True))
    call = FakeCall(uniqueid="1733065399.50")
    assert await rec.arm(call, "on_demand") is None
    assert ("exec", "StopMixMonitor") in call.actions and not rec.live and rec.counts["start_failed"] == 1


def test_a_raw_stream_of_odd_length_converts_without_its_torn_frame(tmp_path: Path) -> None:
    raw, wav = tmp_path / "x.raw", tmp_path / "x.wav"
    write_raw(raw, 0.5)
    assert recording_files.finalize(raw, wav) == recording_files.FileCheck("ok", 44 + 4000 * 4, 0.5)
    assert recording_files.check(tmp_path / "none.wav").status == "missing"


async def test_a_caller_who_never_reached_an_agent_leaves_no_row_and_no_warning(tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="hotline.recording")
    rec, sink = recorder(tmp_path)
    await rec.arm(FakeCall(uniqueid="1733065399.51"), "always")  # armed before the ring; hung up ringing
    assert await rec.finish("1733065399.51", agent=None) is None
    assert sink == [] and not rec.live and caplog.text == "" and sum(rec.counts.values()) == 0


async def test_a_recordings_folder_that_cannot_be_made_leaves_the_call_unrecorded_not_failed(tmp_path: Path,
                                                                                             caplog) -> None:
    (tmp_path / "rec").write_text("not a folder")
    rec, _ = recorder(tmp_path)
    call = FakeCall(uniqueid="1733065399.52")
    assert await rec.arm(call, "always") is None
    assert not [a for a in call.actions if a[0] == "exec"] and rec.counts["start_failed"] == 1
    assert "NOT recorded" in caplog.text
