"""Call recording, the I/O shell around `common.recording`: start, mute, check, record.

Life of one recording (see `common.recording` for the states and the file layout):
- `arm` runs on the caller's FastAGI session just before the first Dial to an agent of a recorded
  queue (or campaign): ``EXEC MixMonitor <asterisk_dir>/YYYY/MM/DD/<call id>.raw,bD``. Dialplan
  applications need no AMI privilege. An on_demand recording is muted at once (AMI
  MixMonitorMute, manager.conf ``write=call``): nothing audible is kept until the agent starts it.
  A call already armed keeps its recording (a blind transfer dials again: same file).
- The agent's desk commands (`command`) START, PAUSE and RESUME it: MixMonitorMute on the
  caller's channel, awaited, so the desk is told the truth (a pause that Asterisk refused is an
  error, not a silent "paused"). Only the agent holding the call reaches it (cti.calls.desk).
- `finish`, after the call's hang-up: wait until Asterisk has closed the stream, wrap it into the
  WAV (cti.services.recording_files), measure it, and submit one `RecordingRecord` (status ok /
  missing / empty). missing and empty are logged as warnings and counted (`counts`, exported
  as ``hotline_recordings{status=...}``): never silently accepted. An on_demand recording the
  agent never started is deleted and leaves no row.

Why the caller's channel: it is the one leg of the call that lives from the first agent to the
last, through blind transfers (the caller's coroutine dials the next agent) and consult transfers
(Asterisk joins the colleague to the caller), so one file holds every side of the call.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Protocol

from common.recording import (R, RecordingEvent, Timeline, UnsafeRecordingName, check_call_id, relative_path)
from cti.agi import AgiCommandError, CallSession
from cti.ami.client import AmiError
from cti.services import recording_files
from cti.store.quality_models import RecordingRecord

log = logging.getLogger("hotline.recording")
OPTIONS = "bD"  # b: only while bridged (no queue music); D: two directions, stereo interleaved


class Ami(Protocol):
    async def action(self, fields: dict[str, Any], **kw: Any) -> Any: ...


class Sink(Protocol):
    def submit(self, record: Any) -> None: ...


@dataclass
class Recording:
    call_id: str
    channel: str  # the caller's channel, as Asterisk named it when the recording started
    mode: str
    timeline: Timeline
    started_at: datetime
    raw: Path  # as the engine sees them
    wav: Path
    relative: str  # the wav, relative to the recordings directory (what the row stores)
    queue: str | None = None
    campaign: str | None = None


class Recorder:
    """Every live recording of one engine, by call id."""

    def __init__(self, engine_dir: Path, asterisk_dir: str, ami: Ami, sink: Sink, *,
                 settle_timeout_s: float = 10.0, channel_of: Callable[[str], str | None] = lambda _: None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.dir, self.asterisk_dir = engine_dir, asterisk_dir.rstrip("/")
        self.ami, self.sink = ami, sink
        self.settle_timeout_s = settle_timeout_s
        self._channel_of = channel_of  # the registry's current name of a channel (it can be renamed)
        self._clock = clock
        self.live: dict[str, Recording] = {}
        self.counts: Counter[str] = Counter()  # finished recordings by status, plus refused/failed starts

    # -- start ----------------------------------------------------------------------------
    async def arm(self, call: CallSession, mode: str, *, queue: str | None = None,
                  campaign: str | None = None) -> Recording | None:
        """Start MixMonitor on the caller's channel (muted for on_demand); once per call."""
        if mode == "never" or call.uniqueid in self.live:
            return self.live.get(call.uniqueid)
        try:
            rec = self._new(call, mode, queue, campaign)
        except UnsafeRecordingName as exc:
            self.counts["refused"] += 1
            log.error("call %s not recorded: %s", call.uniqueid[:80], exc)
            return None
        try:
            rec.raw.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # the call goes on unrecorded rather than fail
            self.counts["start_failed"] += 1
            log.error("call %s NOT recorded: cannot create %s (%s); see docs/recordings.md for permissions",
                      rec.call_id, rec.raw.parent, exc.strerror)
            return None
        try:
            await call.exec("MixMonitor", f"{self.asterisk_dir}/{Path(rec.relative).with_suffix('.raw')}", OPTIONS)
        except AgiCommandError as exc:
            self.counts["start_failed"] += 1
            log.error("call %s: MixMonitor refused (%s): the call is NOT recorded", rec.call_id, exc)
            return None
        self.live[rec.call_id] = rec
        log.info("call %s: recording (%s) to %s", rec.call_id, mode, rec.relative)
        if mode == "on_demand" and not await self._mute(rec, True):
            await self._abandon(call, rec)
            return None
        return rec

    def _new(self, call: CallSession, mode: str, queue: str | None, campaign: str | None) -> Recording:
        call_id = check_call_id(call.uniqueid)
        started = datetime.now(timezone.utc)
        relative = relative_path(call_id, started.date())
        state = R.ARMED if mode == "on_demand" else R.RECORDING
        return Recording(call_id, call.env.get("channel", ""), mode, Timeline(call_id, state, self._clock()),
                         started, self.dir / relative.with_suffix(".raw"), self.dir / relative, str(relative),
                         queue, campaign)

    async def _abandon(self, call: CallSession, rec: Recording) -> None:
        """An on_demand recording that cannot be held muted must not run: stop it, keep nothing."""
        log.error("call %s: on-demand recording could not be muted (AMI); stopped, nothing kept", rec.call_id)
        self.live.pop(rec.call_id, None)
        self.counts["start_failed"] += 1
        try:
            await call.exec("StopMixMonitor")
        except AgiCommandError as exc:
            log.error("call %s: StopMixMonitor failed too (%s)", rec.call_id, exc)

    # -- desk: start / pause / resume ---------------------------------------------------------
    async def command(self, call_id: str, event: RecordingEvent) -> dict[str, Any]:
        """Move the call's recording (raises LookupError, InvalidRecordingTransition, AmiError)."""
        rec = self.live.get(call_id)
        if rec is None:
            raise LookupError(f"call {call_id} is not being recorded (its queue records never)")
        before = rec.timeline.muted
        trial = Timeline(rec.call_id, rec.timeline.state, rec.timeline.since)
        trial.apply(event, self._clock())  # InvalidRecordingTransition before anything is sent
        if trial.muted != before and not await self._mute(rec, trial.muted):
            raise AmiError(f"Asterisk did not {'mute' if trial.muted else 'unmute'} the recording of call "
                           f"{call_id}; it is still {rec.timeline.state}")
        rec.timeline.apply(event, self._clock())
        return {"call": call_id, "recording": str(rec.timeline.state), "paused_s": round(rec.timeline.paused_s, 1)}

    async def _mute(self, rec: Recording, on: bool) -> bool:
        channel = self._channel_of(rec.call_id) or rec.channel
        try:
            await self.ami.action({"Action": "MixMonitorMute", "Channel": channel, "Direction": "both",
                                   "State": "1" if on else "0"})
            return True
        except (AmiError, asyncio.TimeoutError) as exc:
            log.error("call %s: MixMonitorMute %s on %s failed: %s", rec.call_id, on, channel, exc)
            return False

    def state_of(self, call_id: str) -> str | None:
        rec = self.live.get(call_id)
        return str(rec.timeline.state) if rec else None

    # -- after the call -------------------------------------------------------------------
    async def finish(self, call_id: str, *, agent: str | None = None, queue: str | None = None,
                     ended_at: datetime | None = None) -> RecordingRecord | None:
        """The call is over: check the file and record it (None: the call was not recorded, never
        reached an agent, or was on_demand and never started). `agent`: who had the call last."""
        rec = self.live.pop(call_id, None)
        if rec is None:
            return None
        rec.timeline.apply(RecordingEvent.END, self._clock())
        if agent is None:  # never bridged to an agent (hung up while ringing): option b wrote nothing
            await asyncio.to_thread(_discard, rec)
            log.info("call %s never reached an agent; no recording expected, none kept", call_id)
            return None
        await recording_files.settled(rec.raw if not rec.wav.exists() else rec.wav, self.settle_timeout_s)
        if rec.mode == "on_demand" and not rec.timeline.started:
            await asyncio.to_thread(_discard, rec)
            log.info("call %s: on-demand recording never started; nothing kept", call_id)
            return None
        try:
            checked = await asyncio.to_thread(recording_files.finalize, rec.raw, rec.wav)
        except OSError as exc:  # e.g. no write permission: the raw stream stays where Asterisk left it
            log.error("call %s: cannot convert %s into a WAV (%s); the raw stream is kept", call_id, rec.raw,
                      exc.strerror)
            checked = recording_files.check(rec.wav)
        record = self._record(rec, checked, agent, queue or rec.queue, ended_at)
        self.counts[checked.status] += 1
        if checked.status != "ok":
            log.warning("call %s: recording %s is %s (expected from MixMonitor on %s)", call_id, rec.relative,
                        checked.status, rec.channel)
        self.sink.submit(record)
        return record

    def _record(self, rec: Recording, checked: recording_files.FileCheck, agent: str | None, queue: str | None,
                ended_at: datetime | None) -> RecordingRecord:
        return RecordingRecord(
            recording_id=f"{rec.call_id}:1", call_id=rec.call_id, part=1, path=rec.relative, format="wav",
            started_at=rec.started_at, status=checked.status, queue=queue, campaign=rec.campaign, agent=agent,
            ended_at=ended_at or datetime.now(timezone.utc), duration_s=checked.duration_s,
            size_bytes=checked.size_bytes, paused_s=round(rec.timeline.paused_s, 3))


def _discard(rec: Recording) -> None:
    rec.raw.unlink(missing_ok=True)
    rec.wav.unlink(missing_ok=True)
