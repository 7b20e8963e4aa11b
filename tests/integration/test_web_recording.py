"""The desk's recording buttons in a real Chromium: Alice, on a recorded call (the caller speaks,
her phone plays a tone), presses "Pause recording" while the caller reads a card number and
"Resume recording" after; the call's recording keeps its timeline and says how long it was paused."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from cti.store.recordings import fetch_recordings
from cti.web.users import UserStore
from tests.support import sipp
from tests.support.browser import browser, screenshot_dir  # noqa: F401 (fixture)
from tests.support.mosquitto import free_port
from tests.support.recording import SILENT, silent_stretches, sox_stat, start_recording_engine, stop_recording_engine
from tests.support.sipp import AwaitHangup, Dtmf, Pause, PlayAudio
from tests.support.until import until

pytestmark = pytest.mark.integration
ACD_YAML = Path(__file__).parent / "data/acd_recording.yaml"
PASSWORD = "desk-recording-password"
WAIT_MS = 20_000


@pytest.fixture
async def hotline(sandbox, tmp_path):
    port = free_port()
    running = await start_recording_engine(sandbox, tmp_path, ACD_YAML, web_port=port)
    running.base = f"http://127.0.0.1:{port}"
    yield running
    await stop_recording_engine(running)


async def test_desk_buttons_pause_and_resume_the_recording_of_the_agents_call(hotline, browser, tmp_path):
    from playwright.async_api import expect

    UserStore(Path(hotline.engine.config.http.users_file)).set("1001", "agent", PASSWORD)
    await until(lambda: hotline.engine.web.started, 10, message="web server listening")
    desk = await (await browser.new_context(viewport={"width": 1280, "height": 860})).new_page()
    await desk.goto(f"{hotline.base}/desk")
    await desk.fill("#login-user", "1001")
    await desk.fill("#login-password", PASSWORD)
    await desk.click("#login-submit")
    await desk.click("#btn-login")
    await expect(desk.locator("#state")).to_have_attribute("data-state", "ready", timeout=WAIT_MS)

    steps = [Pause(1500), Dtmf("0", via="info"), Pause(1500), PlayAudio(), AwaitHangup(60000)]
    caller = asyncio.create_task(sipp.call(tmp_path, steps, caller="5551301", codec="PCMA"))
    await expect(desk.locator("#state")).to_have_attribute("data-state", "on_call", timeout=WAIT_MS)
    await asyncio.sleep(2.0)  # 2 s of conversation (call time, not a wait for anything)
    await desk.click("#btn-record-pause")
    paused_at = time.monotonic()
    await expect(desk.locator("#message")).to_contain_text("record_pause ✓", timeout=WAIT_MS)
    if screenshot_dir():
        await desk.screenshot(path=str(screenshot_dir() / "web-desk-recording.png"), full_page=True)
    await asyncio.sleep(3.0)  # the caller reads a card number (3 s of call time)
    await desk.click("#btn-record-resume")
    await expect(desk.locator("#message")).to_contain_text("record_resume ✓", timeout=WAIT_MS)
    pause_s = time.monotonic() - paused_at
    assert (await caller).ok

    cdr = await hotline.cdr(caller="5551301")
    rows: list = []

    async def stored() -> bool:
        await hotline.engine.cdrs.flush(5)
        rows[:] = await fetch_recordings(hotline.engine.db, call_id=cdr.call_id)
        return len(rows) == 1

    await until(stored, 20, 0.2, "the call's recording row")
    [row] = rows
    wav = hotline.recordings_dir / row.path
    [(start, length)] = [s for s in silent_stretches(wav, 2) if s[1] >= 1.0]  # the agent's tone, muted
    print(f"\ndesk pause {pause_s:.2f} s (browser clicks); paused_s {row.paused_s}; silent {length} s from {start} s")
    assert row.status == "ok" and abs(row.duration_s - 10.0) <= 1.0  # the timeline is kept
    assert abs(row.paused_s - pause_s) <= 0.5  # the clicks' round trips are inside pause_s
    assert abs(length - row.paused_s) <= 0.3
    assert sox_stat(wav, 2, start + 0.2, length - 0.4)["rms"] < SILENT
