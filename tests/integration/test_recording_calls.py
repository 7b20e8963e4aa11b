"""Call recording with real calls: a SIPp caller (7 s of A-law speech from sip-tester's g711a.pcap)
presses 0 for billing (record: always); the agents are Local channels into agent-voice, which
answers and plays a steady tone (Alice 1001: 600 Hz, Carol 1003: 1000 Hz) for 10 s. Asterisk's
MixMonitor writes the bridged call; the engine turns it into a stereo WAV (channel 1: the
caller, channel 2: what the caller heard) and records it. Figures are measured with sox.

Tolerances: a recording's length is the bridged time, from the agent's answer to his hang-up:
10 s of tone, so 10 s +- 1 s (the bridge forms a few hundred ms after the answer). The CDR's
talk_s (Dial's ANSWEREDTIME, whole seconds, counted until Dial returns) reads up to ~2 s more
(measured: 12 s for a 10.0 s recording): the recording lies within [talk_s - 2.5 s, talk_s].
Audible: RMS amplitude (sox, full scale = 1) above 0.01 (-40 dBFS); silent: below 0.001
(-60 dBFS; MixMonitor's muted frames are exact zeros).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from cti.store.recordings import fetch_recordings
from tests.support import sipp
from tests.support.mosquitto import Observer
from tests.support.recording import SILENT, silent_stretches, sox_stat, start_recording_engine, stop_recording_engine
from tests.support.sipp import AwaitHangup, Dtmf, Pause, PlayAudio
from tests.support.until import until

pytestmark = pytest.mark.integration
ACD_YAML = Path(__file__).parent / "data/acd_recording.yaml"
AUDIBLE = 0.01  # RMS amplitude (full scale 1): -40 dBFS; SILENT (tests.support.recording) is -60 dBFS
TALK_S = 10.0  # agent-voice's tone
CALLER_TALKS = [Pause(1500), Dtmf("0", via="info"), Pause(1500), PlayAudio(), AwaitHangup(60000)]


@pytest.fixture
async def hotline(sandbox, tmp_path):
    running = await start_recording_engine(sandbox, tmp_path, ACD_YAML)
    yield running
    await stop_recording_engine(running)


@pytest.fixture
async def on_demand(sandbox, tmp_path, broker):
    """billing records on_demand; the agent's desktop talks MQTT to the engine."""
    acd = tmp_path / "acd_on_demand.yaml"
    acd.write_text(ACD_YAML.read_text().replace("record: always", "record: on_demand"))
    running = await start_recording_engine(sandbox, tmp_path, acd, mqtt_port=broker.port)
    await until(lambda: running.engine.mqtt.connected.is_set(), 10, message="engine connected to the broker")
    yield running
    await stop_recording_engine(running)


def command(hotline, cmd: str, agent_id: str, **fields) -> dict:
    return hotline.engine.commands.execute({"cmd": f"agent.{cmd}", "agent": agent_id, **fields})


async def desk(hotline, cmd: str, agent_id: str) -> dict:
    """A recording command as the control socket / MQTT / web desk run it (they await Asterisk)."""
    return await hotline.engine.commands.execute_async({"cmd": f"agent.{cmd}", "agent": agent_id})


def ready(hotline, *agents: str) -> None:
    for agent_id in agents:
        assert command(hotline, "login", agent_id)["ok"]


def state(hotline, agent_id: str) -> str:
    return str(hotline.engine.acd.router.agent(agent_id).state)


async def recording_of(hotline, call_id: str):
    rows: list = []

    async def stored() -> bool:
        await hotline.engine.cdrs.flush(5)
        rows[:] = await fetch_recordings(hotline.engine.db, call_id=call_id)
        return len(rows) == 1

    await until(stored, 20, 0.2, f"one recording row for call {call_id}")
    return rows[0]


async def test_recorded_call_leaves_a_file_of_the_talk_time_with_both_parties_audible(hotline, tmp_path):
    ready(hotline, "1001")
    result = await sipp.call(tmp_path, CALLER_TALKS, caller="5551201", codec="PCMA")
    assert result.ok, result.stderr

    cdr = await hotline.cdr(caller="5551201")
    assert (cdr.queue, cdr.agent, cdr.disposition) == ("billing", "1001", "completed")
    row = await recording_of(hotline, cdr.call_id)
    day = row.started_at
    assert row.path == f"{day:%Y/%m/%d}/{cdr.call_id}.wav"
    assert (row.status, row.agent, row.queue, row.format, row.paused_s) == ("ok", "1001", "billing", "wav", 0.0)
    wav = hotline.recordings_dir / row.path
    assert wav.stat().st_size == row.size_bytes > 0
    assert not wav.with_suffix(".raw").exists()

    caller, agent = sox_stat(wav, 1), sox_stat(wav, 2)
    print(f"\nrecording {row.path}: {row.duration_s} s (CDR talk {cdr.talk_s} s), "
          f"caller RMS {caller['rms']}, agent RMS {agent['rms']} at ~{agent['freq']:.0f} Hz")
    assert abs(row.duration_s - TALK_S) <= 1.0
    assert cdr.talk_s - 2.5 <= row.duration_s <= cdr.talk_s  # talk_s: Dial's whole-second ANSWEREDTIME
    assert abs(caller["length"] - row.duration_s) < 0.01
    assert caller["rms"] > AUDIBLE, "the caller's side is missing from the recording"
    assert agent["rms"] > AUDIBLE, "the agent's side is missing from the recording"
    assert 550 <= agent["freq"] <= 650  # Alice's 600 Hz tone is what the caller heard
    from cti.cli.cdr import show_latest
    [header, line] = await show_latest(hotline.engine.config.database.url, 1)
    assert header.split()[-1] == "recording" and line.split()[-1] == "ok"  # `hotline cdr` links it


async def test_pause_for_a_card_number_leaves_silence_of_that_length_and_keeps_the_timeline(hotline, tmp_path):
    from cti.app.control import request

    ready(hotline, "1001")
    caller = asyncio.create_task(sipp.call(tmp_path, CALLER_TALKS, caller="5551202", codec="PCMA"))
    await until(lambda: state(hotline, "1001") == "on_call" or caller.done(), 20, message="Alice talking")
    assert not caller.done(), caller.result()
    assert command(hotline, "record_pause", "1001")["error_id"] == "async-only"  # it waits for Asterisk
    socket = Path(hotline.engine.config.control.socket)

    await asyncio.sleep(2.0)  # the caller and Alice talk 2 s (call time, not a wait for anything)
    paused = await request(socket, {"cmd": "agent.record_pause", "agent": "1001"})  # the control socket
    paused_at = time.monotonic()
    assert paused["ok"] and paused["recording"] == "paused", paused
    assert (await desk(hotline, "record_pause", "1001"))["error_id"] == "recording_invalid_transition"
    await asyncio.sleep(3.0)  # "my card number is ..." (3 s of call time)
    resumed = await desk(hotline, "record_resume", "1001")
    pause_s = time.monotonic() - paused_at
    assert resumed["ok"] and resumed["recording"] == "recording", resumed
    assert (await caller).ok

    cdr = await hotline.cdr(caller="5551202")
    row = await recording_of(hotline, cdr.call_id)
    wav = hotline.recordings_dir / row.path
    stretches = silent_stretches(wav, 2)  # Alice's tone never stops: silence there is the mute
    print(f"\npaused {pause_s:.2f} s by the engine's clock; row paused_s {row.paused_s}; recording "
          f"{row.duration_s} s; silent stretches of the agent channel (start, length): {stretches}")
    [(start, length)] = [s for s in stretches if s[1] >= 1.0]
    inside = start + 0.2, length - 0.4
    print(f"RMS inside the pause: caller {sox_stat(wav, 1, *inside)['rms']}, agent {sox_stat(wav, 2, *inside)['rms']}; "
          f"agent before {sox_stat(wav, 2, 0.2, start - 0.4)['rms']}, caller after "
          f"{sox_stat(wav, 1, start + length + 0.2, 2.5)['rms']}")
    assert row.status == "ok" and abs(row.duration_s - TALK_S) <= 1.0  # the timeline is kept: no cut
    assert abs(row.paused_s - pause_s) <= 0.2
    assert abs(length - pause_s) <= 0.3  # 100 ms windows: a window half in the pause is not silent
    assert 1.5 <= start <= 3.0  # 2 s of talk, plus the bridge forming after Alice's on_call
    assert sox_stat(wav, 1, *inside)["rms"] < SILENT and sox_stat(wav, 2, *inside)["rms"] < SILENT
    assert sox_stat(wav, 2, 0.2, start - 0.4)["rms"] > AUDIBLE  # before and after: Alice audible
    assert sox_stat(wav, 2, start + length + 0.2, 2.0)["rms"] > AUDIBLE
    assert sox_stat(wav, 1, start + length + 0.2, 2.5)["rms"] > AUDIBLE  # the caller heard again after it


async def test_blind_transfer_keeps_one_recording_with_both_agents_and_the_caller(hotline, tmp_path):
    ready(hotline, "1001", "1003")
    caller = asyncio.create_task(sipp.call(tmp_path, CALLER_TALKS, caller="5551203", codec="PCMA"))
    await until(lambda: state(hotline, "1001") == "on_call" or caller.done(), 20, message="Alice talking")
    assert not caller.done(), caller.result()
    await asyncio.sleep(3.0)  # Alice talks 3 s, then passes the caller to faults (call time)
    moved = await hotline.engine.commands.execute_async({"cmd": "agent.transfer", "agent": "1001",
                                                         "target": "faults"})
    assert moved["ok"], moved
    await until(lambda: state(hotline, "1003") == "on_call" or caller.done(), 20, message="Carol talking")
    assert (await caller).ok

    cdr = await hotline.cdr(caller="5551203")
    assert (cdr.queue, cdr.agent) == ("faults", "1003")
    row = await recording_of(hotline, cdr.call_id)  # exactly one file for the whole call
    wav = hotline.recordings_dir / row.path
    alice, carol = sox_stat(wav, 2, 0.5, 2.0), sox_stat(wav, 2, row.duration_s - 3.0, 2.0)
    caller_side = sox_stat(wav, 1)
    print(f"\ntransferred call {row.path}: {row.duration_s} s; agent channel at start {alice}, at end {carol}; "
          f"caller {caller_side['rms']}")
    assert (row.status, row.part, row.agent, row.queue) == ("ok", 1, "1003", "faults")
    assert 3.0 + TALK_S - 1.0 <= row.duration_s <= 3.0 + TALK_S + 1.5  # Alice's ~3 s, then Carol's 10 s
    assert alice["rms"] > AUDIBLE and 550 <= alice["freq"] <= 650  # Alice's 600 Hz ...
    assert carol["rms"] > AUDIBLE and 950 <= carol["freq"] <= 1050  # ... then Carol's 1000 Hz, same file
    assert caller_side["rms"] > AUDIBLE


async def test_consult_transfer_keeps_one_recording_and_only_the_agent_holding_the_call_controls_it(
        hotline, tmp_path):
    ready(hotline, "1001", "1003")
    caller = asyncio.create_task(sipp.call(tmp_path, CALLER_TALKS, caller="5551204", codec="PCMA"))
    await until(lambda: state(hotline, "1001") == "on_call" or caller.done(), 20, message="Alice talking")
    assert not caller.done(), caller.result()
    call_id = hotline.engine.acd.last_call["1001"].id
    await asyncio.sleep(2.0)  # Alice talks 2 s, then asks faults (call time)
    assert command(hotline, "consult", "1001", target="faults")["ok"]
    await until(lambda: getattr(hotline.engine.consults.of_agent("1001"), "state", "") == "talking", 20,
                message="Carol answered Alice's consult")
    assert command(hotline, "consult_complete", "1001")["ok"]
    await until(lambda: state(hotline, "1001") in ("wrap_up", "ready"), 10, message="Alice leaves the call")
    assert (await desk(hotline, "record_pause", "1001"))["error_id"] == "nothing-to-do"  # not hers any more
    carol = await desk(hotline, "record_pause", "1003")  # Carol holds the call: she may pause its recording
    assert carol["ok"] and carol["call"] == call_id, carol
    assert (await desk(hotline, "record_resume", "1003"))["ok"]
    assert (await caller).ok

    cdr = await hotline.cdr(caller="5551204")
    assert (cdr.call_id, cdr.queue, cdr.agent) == (call_id, "faults", "1003")
    row = await recording_of(hotline, call_id)  # one file for the whole call
    wav = hotline.recordings_dir / row.path
    alice, end = sox_stat(wav, 2, 0.3, 1.2), sox_stat(wav, 2, row.duration_s - 2.5, 2.0)
    print(f"\nconsult-transferred call {row.path}: {row.duration_s} s, paused {row.paused_s} s; agent channel "
          f"at start {alice}, at end {end}; caller {sox_stat(wav, 1)['rms']}")
    assert (row.status, row.part, row.agent, row.queue) == ("ok", 1, "1003", "faults")
    assert alice["rms"] > AUDIBLE and 550 <= alice["freq"] <= 650  # Alice's 600 Hz ...
    assert end["rms"] > AUDIBLE and 950 <= end["freq"] <= 1050  # ... and Carol's 1000 Hz, same file
    assert sox_stat(wav, 1)["rms"] > AUDIBLE


async def test_on_demand_records_only_once_the_agent_starts_it_from_the_mqtt_desk(on_demand, broker, tmp_path):
    hotline = on_demand
    ready(hotline, "1001")
    async with Observer(broker.port, None, None, ["hotline/agents/1001/reply"]) as alice:
        # a call Alice never asks to record leaves no file and no row
        assert (await sipp.call(tmp_path, CALLER_TALKS, caller="5551205", codec="PCMA")).ok
        unrecorded = await hotline.cdr(caller="5551205")
        await until(lambda: state(hotline, "1001") == "ready", 10, message="Alice ready again")

        caller = asyncio.create_task(sipp.call(tmp_path, CALLER_TALKS, caller="5551206", codec="PCMA"))
        await until(lambda: state(hotline, "1001") == "on_call" or caller.done(), 20, message="Alice talking")
        assert not caller.done(), caller.result()
        await asyncio.sleep(2.0)  # Alice decides after 2 s of the call to record it (call time)
        await alice.publish("hotline/agents/1001/cmd", {"cmd": "record_start", "request_id": "rec1"})
        await until(lambda: alice.on("hotline/agents/1001/reply"), 10, message="reply to record_start")
        reply = alice.on("hotline/agents/1001/reply")[0]
        assert (reply["request_id"], reply["ok"], reply["recording"]) == ("rec1", True, "recording"), reply
        assert (await caller).ok

    cdr = await hotline.cdr(caller="5551206")
    row = await recording_of(hotline, cdr.call_id)
    wav = hotline.recordings_dir / row.path
    stretches = silent_stretches(wav, 2)
    print(f"\non-demand recording {row.path}: {row.duration_s} s; silent stretches of the agent channel: {stretches}")
    assert (row.status, row.paused_s) == ("ok", 0.0) and abs(row.duration_s - TALK_S) <= 1.0  # the whole timeline
    [(start, length)] = [s for s in stretches if s[1] >= 1.0]
    assert start == 0.0 and 1.3 <= length <= 2.8  # nothing audible before Alice started it ...
    assert sox_stat(wav, 2, length + 0.2, 3.0)["rms"] > AUDIBLE  # ... her tone from then on
    await hotline.engine.cdrs.flush(5)
    assert await fetch_recordings(hotline.engine.db, call_id=unrecorded.call_id) == []
    assert not list(hotline.recordings_dir.rglob(f"{unrecorded.call_id}.*"))
