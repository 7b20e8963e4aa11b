"""Call recording: the pure part (modes, file names, the recording state machine, file verdicts).

Theory of operation
-------------------
A queue or campaign says `record: never | on_demand | always`. When the engine rings an agent
for a recorded call it starts Asterisk's MixMonitor on the CALLER's channel with options ``bD``:
``b`` keeps only the bridged audio (no queue music), ``D`` writes the two directions as the two
channels of one stereo stream (channel 1: what the caller said; channel 2: what the caller heard,
i.e. the agent). The caller's channel is the one leg that lives through a blind transfer (the
caller goes back to a queue, then to the next agent) and a consult transfer (the colleague is
joined to the caller), so one file covers every agent of the call.

``always`` starts RECORDING. ``on_demand`` starts ARMED: the same MixMonitor, muted at once, so
nothing audible is written until the agent's START unmutes it (the file keeps the call's timeline:
before START it holds silence). PAUSE / RESUME mute and unmute (card numbers); a muted stretch
is silence of the same length, never a cut. END is the call's hang-up. Any other (state, event)
pair raises `InvalidRecordingTransition` (the desk gets its error id).

File names are made only from validated values: the call id must be an Asterisk uniqueid
(``1733065399.42``) or the UUID the engine gives an originated call; anything else is refused.
Layout: ``YYYY/MM/DD/<call id>.wav`` (UTC day of the recording's start), relative to the
recordings directory; a call recorded in several files would add ``-<n>`` for part n > 1.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Iterable, Literal

log = logging.getLogger("hotline.recording")

RecordMode = Literal["never", "on_demand", "always"]
RECORD_MODES: tuple[RecordMode, ...] = ("never", "on_demand", "always")
_ID = r"(?:[0-9]{1,12}\.[0-9]{1,10}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
_CALL_ID = re.compile(_ID)
_STEM = re.compile(_ID + r"(?:-[0-9]{1,3})?")


def stronger(*modes: str) -> RecordMode:
    """The mode that records most (a campaign's and its queue's: an `always` queue stays recorded)."""
    return max(modes, key=RECORD_MODES.index, default="never")  # type: ignore[return-value]


class UnsafeRecordingName(ValueError):
    """A call id that is not a uniqueid: it never becomes part of a file name."""

    error_id = "recording-unsafe-name"


def check_call_id(call_id: str) -> str:
    if not _CALL_ID.fullmatch(call_id):
        raise UnsafeRecordingName(f"call id {call_id[:80]!r} is neither an Asterisk uniqueid nor a UUID; "
                                  "it is not used as a recording file name")
    return call_id


def relative_path(call_id: str, day: date, part: int = 1, ext: str = "wav") -> PurePosixPath:
    """``YYYY/MM/DD/<call id>[-<part>].<ext>``, from a checked call id only."""
    if part < 1:
        raise ValueError(f"recording part numbers start at 1, got {part}")
    if ext not in ("wav", "raw"):
        raise ValueError(f"recording extension must be wav or raw, got {ext!r}")
    stem = check_call_id(call_id) + (f"-{part}" if part > 1 else "")
    return PurePosixPath(f"{day:%Y}", f"{day:%m}", f"{day:%d}", f"{stem}.{ext}")


# ------------------------------------------------------------------ the recording state machine


class RecordingState(StrEnum):
    ARMED = "armed"  # on_demand: MixMonitor runs muted until the agent starts it
    RECORDING = "recording"
    PAUSED = "paused"  # muted for a card number; the timeline goes on (silence)
    ENDED = "ended"  # the call hung up: the file is checked and recorded


class RecordingEvent(StrEnum):
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    END = "end"


R, RE = RecordingState, RecordingEvent
TRANSITIONS: dict[tuple[RecordingState, RecordingEvent], RecordingState] = {
    (R.ARMED, RE.START): R.RECORDING,
    (R.ARMED, RE.END): R.ENDED,
    (R.RECORDING, RE.PAUSE): R.PAUSED,
    (R.RECORDING, RE.END): R.ENDED,
    (R.PAUSED, RE.RESUME): R.RECORDING,
    (R.PAUSED, RE.END): R.ENDED,
}
MUTED = frozenset({R.ARMED, R.PAUSED})


class InvalidRecordingTransition(ValueError):
    error_id = "recording_invalid_transition"

    def __init__(self, call_id: str, state: RecordingState, event: RecordingEvent) -> None:
        self.call_id, self.state, self.event = call_id, state, event
        super().__init__(f"the recording of call {call_id} cannot {event.value} while {state.value}")


def step(call_id: str, state: RecordingState, event: RecordingEvent) -> RecordingState:
    target = TRANSITIONS.get((state, event))
    if target is None:
        raise InvalidRecordingTransition(call_id, state, event)
    log.info("recording %s: %s -[%s]-> %s", call_id, state, event, target)
    return target


@dataclass
class Timeline:
    """A recording's state with the muted seconds counted (time injected: seconds of any clock).
    ``paused_s`` counts PAUSED stretches only: an on_demand recording's ARMED lead-in is not a pause."""

    call_id: str
    state: RecordingState
    since: float
    paused_s: float = 0.0
    started: bool = False  # ever RECORDING: an on_demand recording never started is discarded

    def __post_init__(self) -> None:
        self.started = self.started or self.state == R.RECORDING

    def apply(self, event: RecordingEvent, now: float) -> RecordingState:
        target = step(self.call_id, self.state, event)
        if self.state == R.PAUSED:
            self.paused_s += max(0.0, now - self.since)
        self.state, self.since = target, now
        self.started = self.started or target == R.RECORDING
        return target

    @property
    def muted(self) -> bool:
        return self.state in MUTED


# ------------------------------------------------------------------ verdicts on files and rows


def verdict(exists: bool, size_bytes: int, frames: int) -> str:
    """``ok`` / ``empty`` / ``missing`` for a recording file that should be there."""
    if not exists:
        return "missing"
    return "ok" if size_bytes > 0 and frames > 0 else "empty"


@dataclass(frozen=True)
class StoredRecording:
    """What a purge needs to know of one row."""

    recording_id: str
    path: str
    started_at: datetime
    status: str


def to_purge(rows: Iterable[StoredRecording], cutoff: datetime) -> list[StoredRecording]:
    """Rows whose recording started before ``cutoff`` and are not purged yet, oldest first."""
    return sorted((r for r in rows if r.started_at < cutoff and r.status != "purged"), key=lambda r: r.started_at)


def safe_relative(path: str) -> PurePosixPath:
    """A stored path, checked before anything is deleted: relative, no '..', our layout's shape."""
    p = PurePosixPath(path)
    if p.is_absolute() or ".." in p.parts or len(p.parts) != 4 or p.suffix not in (".wav", ".raw"):
        raise UnsafeRecordingName(f"stored recording path {path[:120]!r} is not YYYY/MM/DD/<call id>.wav")
    if not _STEM.fullmatch(p.stem):
        raise UnsafeRecordingName(f"stored recording path {path[:120]!r} does not end in <call id>.wav")
    return p
