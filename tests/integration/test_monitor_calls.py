"""Live monitoring with real calls: a caller (600 Hz) talks to agent Dave (1400 Hz); supervisor Sam's
phone (2600 Hz) is rung by the engine into ChanSpy and switched listen -> whisper -> barge within one
session through `hotline supervise`. Every simulated party records only what it hears (MixMonitor
r()), and sox measures each tone's energy in each window: who heard whom is asked of the audio.
Then: refusals and an unreachable phone, the same over MQTT, and the wallboard in a real Chromium."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from cti.ami.client import AmiError
from cti.store.quality_schema import monitor_session
from tests.support.mosquitto import Mosquitto, Observer, anonymous_config, free_port
from tests.support.browser import browser, screenshot_dir  # noqa: F401 (fixture)
from tests.support.until import until

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
ACD_YAML = Path(__file__).parent / "data/acd_monitor.yaml"
CALLER, AGENT, SUPERVISOR = 600, 1400, 2600  # Hz each party sends (asterisk-conf/extensions.conf)
BYTES_PER_S = 16000  # the recordings: 8 kHz 16-bit mono wav
WINDOW_S = 4.0  # audio held in each mode before the next switch
STRAIGHT_TO_BILLING = """\
name: main
language: en
entry: agent
nodes:
  agent:
    type: queue
    queue: billing
    next: done
    on_timeout: done
    on_nobody: done
  done:
    type: hangup
"""


SIMS = r"/^Local\/(10000@hotline|10[0-9][0-9]@agent-spy-sim|20[0-9][0-9]@supervisor-sim)-/"


@pytest.fixture
async def broker(tmp_path):
    port = free_port()
    (tmp_path / "broker").mkdir()
    mosquitto = Mosquitto(tmp_path / "broker", port, anonymous_config(tmp_path / "broker", port))
    await mosquitto.start()
    yield mosquitto
    await mosquitto.stop()


@pytest.fixture
async def hotline(sandbox, engine_factory, tmp_path, ami, broker):
    spy_dir = sandbox.root / "tmp/hotline-spy"
    shutil.rmtree(spy_dir, ignore_errors=True)
    spy_dir.mkdir(parents=True)
    tones = sandbox.root / "tmp/hotline-spy-tones"  # what each simulated party says (extensions.conf)
    tones.mkdir(exist_ok=True)
    for hz in (CALLER, AGENT, SUPERVISOR):
        if not (tones / f"tone-{hz}.wav").exists():
            subprocess.run(["sox", "-n", "-r", "8000", "-b", "16", "-c", "1", "-e", "signed-integer",
                            str(tones / f"tone-{hz}.wav"), "synth", "120", "sine", str(hz), "vol", "0.22"], check=True)
    flows = tmp_path / "ivr"
    flows.mkdir()
    (flows / "main.yaml").write_text(STRAIGHT_TO_BILLING)
    web_port = free_port()
    running = await engine_factory(acd=str(ACD_YAML), flows=str(flows), mqtt_port=broker.port, web_port=web_port)
    running.web_base = f"http://127.0.0.1:{web_port}"
    await running.engine.mqtt.wait_connected(10)
    running.broker = broker
    running.spy_dir = spy_dir
    running.monitor_events = []
    running.engine.acd.notifier.listeners.append(
        lambda kind, payload: running.monitor_events.append(payload) if kind == "monitor" else None)
    yield running
    try:  # the simulated parties play 120 s tones: leave no channel behind for the next test
        await ami.action({"Action": "Hangup", "Channel": SIMS})
    except AmiError:
        pass  # none left


async def supervise(hotline, *args: str) -> dict:
    """`hotline supervise …` as a supervisor types it (a separate process, over the control socket)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cti.cli.main", "supervise", *args, "--json", "-c", str(hotline.config_path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 20)
    assert out, f"no reply from `hotline supervise {' '.join(args)}`: {err.decode()}"
    return json.loads(out)


def state(hotline, agent_id: str) -> str:
    return str(hotline.engine.acd.router.agent(agent_id).state)


async def call_dave(hotline, ami) -> str:
    """A caller (a Local channel sending 600 Hz, recording what it hears) talking to Dave; the call id."""
    assert hotline.engine.commands.execute({"cmd": "agent.login", "agent": "1004"})["ok"]
    await ami.originate("Local/10000@hotline", context="caller-spy-sim", exten="s", caller_id="5557001")
    await until(lambda: state(hotline, "1004") == "on_call", 20, message="Dave talking to the caller")
    return hotline.engine.acd.last_call["1004"].id


def seconds_recorded(path: Path) -> float:
    return max(0, path.stat().st_size - 44) / BYTES_PER_S if path.exists() else 0.0


def band_rms(path: Path, start: float, end: float, hz: int) -> float:
    """RMS amplitude (0..1) of the [hz-150, hz+150] band of `path` between `start` and `end` s."""
    done = subprocess.run(["sox", str(path), "-n", "trim", f"{start:.2f}", f"={end:.2f}",
                           "sinc", f"{hz - 150}-{hz + 150}", "stat"], capture_output=True, text=True, check=True)
    return float(re.search(r"RMS\s+amplitude:\s+([0-9.]+)", done.stderr).group(1))


async def test_supervisor_listens_whispers_and_barges_in_one_session(hotline, ami):
    call_id = await call_dave(hotline, ami)
    files = {"supervisor": hotline.spy_dir / "sup-2001.wav", "agent": hotline.spy_dir / "agent-1004.wav",
             "caller": hotline.spy_dir / "caller.wav"}

    started = await supervise(hotline, "listen", "--supervisor", "sup1", "--agent", "1004")
    assert started["ok"], started
    session_id = started["session"]["session"]
    await until(lambda: getattr(hotline.engine.monitor.sessions.get("sup1"), "state", "") == "active", 15,
                message="Sam's phone answered and spies")
    marks: list[tuple[str, dict[str, float]]] = []  # (mode, where each recording was when it began)

    async def hold(mode: str) -> None:
        """Stay in `mode` until the supervisor's recording has WINDOW_S more seconds of audio."""
        marks.append((mode, {who: seconds_recorded(f) for who, f in files.items()}))
        begin = marks[-1][1]["supervisor"]
        await until(lambda: seconds_recorded(files["supervisor"]) >= begin + WINDOW_S, WINDOW_S + 10,
                    interval=0.1, message=f"{WINDOW_S} s of audio in {mode} mode")

    await hold("listen")
    for mode in ("whisper", "barge"):
        switched = await supervise(hotline, "mode", mode, "--supervisor", "sup1")
        assert switched["ok"] and switched["session"]["mode"] == mode, switched
        await hold(mode)
    marks.append(("end", {who: seconds_recorded(f) for who, f in files.items()}))
    assert (await supervise(hotline, "stop", "--supervisor", "sup1"))["ok"]
    await until(lambda: "sup1" not in hotline.engine.monitor.sessions, 10, message="session ended on Hangup")
    assert hotline.engine.commands.execute({"cmd": "agent.hangup", "agent": "1004"})["ok"]
    await until(lambda: state(hotline, "1004") != "on_call", 10, message="call over")
    await until(lambda: not any(f.name.endswith(".wav") and f.stat().st_size == 0 for f in files.values()), 5)

    # -- who heard whom, window by window (a window starts 1 s after its switch: file buffering)
    energy: dict[str, dict[str, dict[str, float]]] = {}
    for (mode, begin), (_, end) in zip(marks, marks[1:]):
        energy[mode] = {who: {tone: round(band_rms(f, begin[who] + 1.0, end[who] - 0.3, hz), 4)
                              for tone, hz in (("caller", CALLER), ("agent", AGENT), ("supervisor", SUPERVISOR))}
                        for who, f in files.items()}
    print("band RMS per window (listener -> tone -> RMS):", json.dumps(energy, indent=1))
    heard = {mode: {who: {tone for tone, rms in tones.items() if rms > 0.02} for who, tones in by.items()}
             for mode, by in energy.items()}
    silent = {mode: {who: {tone for tone, rms in tones.items() if rms < 0.002} for who, tones in by.items()}
              for mode, by in energy.items()}
    # the supervisor hears both sides in every mode
    for mode in ("listen", "whisper", "barge"):
        assert {"caller", "agent"} <= heard[mode]["supervisor"], (mode, energy[mode])
        assert "caller" in heard[mode]["agent"] and "agent" in heard[mode]["caller"], (mode, energy[mode])
    # listen: nobody hears the supervisor; whisper: the agent only; barge: both
    assert "supervisor" in silent["listen"]["agent"] and "supervisor" in silent["listen"]["caller"], energy
    assert "supervisor" in heard["whisper"]["agent"] and "supervisor" in silent["whisper"]["caller"], energy
    assert "supervisor" in heard["barge"]["agent"] and "supervisor" in heard["barge"]["caller"], energy

    # -- the session's row: who, whom, the call, every mode with its time, start and end
    await hotline.engine.cdrs.flush(5)
    async with hotline.engine.db.connect() as conn:
        rows = (await conn.execute(select(monitor_session).where(monitor_session.c.session_id == session_id))).all()
    assert len(rows) == 1
    row = rows[0]
    assert (row.supervisor, row.agent, row.call_id, row.mode, row.outcome, row.via) == \
        ("sup1", "1004", call_id, "listen", "ended", "cli")
    modes = json.loads(row.modes)
    assert [m for _, m in modes] == ["listen", "whisper", "barge"]
    times = [t for t, _ in modes]
    assert times == sorted(times) and row.ended_at > row.started_at
    assert [e["event"] for e in hotline.monitor_events] == ["started", "switched", "switched", "ended"]


async def test_supervisor_out_of_scope_is_refused_without_ringing_and_failures_are_logged(hotline, ami):
    refused = await supervise(hotline, "listen", "--supervisor", "sup1", "--agent", "1004")
    assert (refused["ok"], refused["error_id"]) == (False, "agent-not-on-call"), refused  # Dave is not on a call

    call_id = await call_dave(hotline, ami)
    refused = await supervise(hotline, "barge", "--supervisor", "sup2", "--agent", "1004")
    assert (refused["ok"], refused["error_id"]) == (False, "out-of-scope"), refused
    assert "outside supervisor sup2's scope" in refused["message"]
    listing = await ami.action({"Action": "CoreShowChannels"}, as_list=True)
    channels = [m.get("Channel", "") for m in listing if m.get("Event") == "CoreShowChannel"]
    assert any(c.startswith("Local/1004@agent-spy-sim") for c in channels), channels  # the call is up ...
    assert not any("supervisor-sim" in c for c in channels), channels  # ... and no supervisor phone rang
    assert "sup2" not in hotline.engine.monitor.sessions
    rung = await supervise(hotline, "listen", "--supervisor", "sup3", "--agent", "1004")  # nobody on his phone
    # the Originate was sent; Asterisk may report the failure before or after the reply
    assert rung["ok"] and rung["session"]["state"] in ("starting", "ended"), rung
    await until(lambda: "sup3" not in hotline.engine.monitor.sessions, 15, message="unreachable phone: session over")
    assert hotline.engine.commands.execute({"cmd": "agent.hangup", "agent": "1004"})["ok"]

    await hotline.engine.cdrs.flush(5)
    async with hotline.engine.db.connect() as conn:
        rows = (await conn.execute(select(monitor_session).order_by(monitor_session.c.id))).all()
    assert [(r.supervisor, r.agent, r.mode, r.outcome, r.via, r.call_id) for r in rows] == [
        ("sup1", "1004", "listen", "agent_not_on_call", "cli", None),
        ("sup2", "1004", "barge", "refused", "cli", call_id),
        ("sup3", "1004", "listen", "failed", "cli", call_id)]
    assert not any(e.get("supervisor") == "sup2" for e in hotline.monitor_events)


async def test_supervisor_barges_in_and_stops_over_mqtt_and_the_agent_is_told(hotline, ami):
    call_id = await call_dave(hotline, ami)
    topics = ["hotline/supervisors/sup1/reply", "hotline/supervisors/sup1/monitor", "hotline/agents/1004/monitor"]
    async with Observer(hotline.broker.port, None, None, topics) as screen:
        await screen.publish("hotline/supervisors/sup1/cmd", {"cmd": "barge", "agent": "1004", "request_id": "b"})
        await until(lambda: screen.on(topics[0]), 15, message="reply to barge")
        [reply] = screen.on(topics[0])
        assert reply["ok"] and reply["request_id"] == "b" and reply["session"]["call"] == call_id, reply
        await until(lambda: getattr(hotline.engine.monitor.sessions.get("sup1"), "state", "") == "active", 15,
                    message="Sam's phone answered and barges in")
        channels = await ami.action({"Action": "CoreShowChannels"}, as_list=True)
        spying = [m.get("ApplicationData", "") for m in channels
                  if m.get("Event") == "CoreShowChannel" and m.get("Application") == "ChanSpy"]
        assert len(spying) == 1 and spying[0].endswith(",qdEuSB"), spying  # ChanSpy on Dave's leg, barge
        await screen.publish("hotline/supervisors/sup1/cmd", {"cmd": "stop", "request_id": "s"})
        await until(lambda: len(screen.on(topics[1])) == 2, 15, message="started and ended news")
        assert [e["event"] for e in screen.on(topics[1])] == ["started", "ended"]
        assert [(e["event"], e["supervisor"], e["mode"]) for e in screen.on(topics[2])] == \
            [("started", "sup1", "barge"), ("ended", "sup1", "barge")]  # Dave's desk knows he was monitored
    assert state(hotline, "1004") == "on_call"  # stopping monitoring leaves the call alone
    assert hotline.engine.commands.execute({"cmd": "agent.hangup", "agent": "1004"})["ok"]
    await hotline.engine.cdrs.flush(5)
    async with hotline.engine.db.connect() as conn:
        rows = (await conn.execute(select(monitor_session))).all()
    assert [(r.supervisor, r.agent, r.call_id, r.mode, r.outcome, r.via) for r in rows] == \
        [("sup1", "1004", call_id, "barge", "ended", "mqtt")]


async def test_supervisor_monitors_from_the_wallboard_in_a_real_browser(hotline, ami, browser, tmp_path):
    from playwright.async_api import expect

    from cti.web.users import UserStore

    users = UserStore(Path(hotline.engine.config.http.users_file))
    users.set("sup1", "supervisor", "board-test-password", queues=("billing",))
    users.set("sup2", "supervisor", "board-test-password", queues=("billing",))  # sees Dave, may not monitor him
    await until(lambda: hotline.engine.web.started, 10, message="web server listening")
    call_id = await call_dave(hotline, ami)
    pages = {}
    for user in ("sup1", "sup2"):
        page = pages[user] = await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
        await page.goto(f"{hotline.web_base}/wallboard")
        await page.fill("#login-user", user)
        await page.fill("#login-password", "board-test-password")
        await page.click("#login-submit")
    dave = {user: page.locator('[data-agent="1004"]') for user, page in pages.items()}
    await expect(dave["sup1"].locator('[data-spy="listen"]')).to_be_visible(timeout=20_000)
    await expect(dave["sup2"]).to_have_attribute("data-state", "on_call", timeout=20_000)
    assert await dave["sup2"].locator("[data-spy]").count() == 0  # out of his monitoring scope: no buttons

    await dave["sup1"].locator('[data-spy="listen"]').click()
    await until(lambda: getattr(hotline.engine.monitor.sessions.get("sup1"), "state", "") == "active", 15,
                message="Sam's phone answered")
    await expect(dave["sup1"].locator('[data-spy="whisper"]')).to_be_visible(timeout=10_000)
    await dave["sup1"].locator('[data-spy="whisper"]').click()
    await expect(dave["sup1"].locator(".spy-actions")).to_have_attribute("data-session", "whisper", timeout=10_000)
    assert hotline.engine.monitor.sessions["sup1"].current == "whisper"
    shot = (screenshot_dir() or tmp_path) / "web-wallboard-monitoring.png"
    await pages["sup1"].screenshot(path=str(shot), full_page=True)
    await dave["sup1"].locator('[data-spy="stop"]').click()
    await until(lambda: "sup1" not in hotline.engine.monitor.sessions, 10, message="session ended")
    await expect(dave["sup1"].locator('[data-spy="listen"]')).to_be_visible(timeout=10_000)  # may start again

    assert hotline.engine.commands.execute({"cmd": "agent.hangup", "agent": "1004"})["ok"]
    await hotline.engine.cdrs.flush(5)
    async with hotline.engine.db.connect() as conn:
        rows = (await conn.execute(select(monitor_session))).all()
    assert [(r.supervisor, r.agent, r.call_id, r.mode, r.outcome, r.via) for r in rows] == \
        [("sup1", "1004", call_id, "listen", "ended", "web")]
    assert [m for _, m in json.loads(rows[0].modes)] == ["listen", "whisper"]
