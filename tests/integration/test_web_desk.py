"""The browser desk and wallboard with real parts: the engine (HTTP inside its loop), the Asterisk
sandbox, a SIPp caller, a simulated agent phone and a real headless Chromium.

Story: Alice logs in on the desk and pauses; the supervisor's wallboard shows the gold caller
waiting in billing; Alice goes ready, the caller is put through, her screen pop shows the IVR path
and tier; the call ends, she saves a disposition, and the call's record carries it; the wallboard's
figures of today (read from the database) then count the call in billing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from cti.store import fetch_queue_log
from cti.web.users import UserStore
from tests.support import sipp
from tests.support.browser import browser, screenshot_dir  # noqa: F401 (fixture)
from tests.support.mosquitto import free_port
from tests.support.sipp import AwaitHangup, Dtmf, Pause
from tests.support.until import until

pytestmark = pytest.mark.integration
ACD_YAML = Path(__file__).parent / "data/acd.yaml"
GOLD = "5559001"
PASSWORD = "desk-test-password"
WAIT_MS = 20_000


async def _log_in(page, base: str, path: str, user: str) -> None:
    await page.goto(f"{base}{path}")
    await page.fill("#login-user", user)
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-submit")


async def test_agent_desk_and_wallboard_follow_a_real_call_from_queue_to_disposition(engine_factory, browser,
                                                                                    tmp_path):
    from playwright.async_api import expect

    port = free_port()
    hotline = await engine_factory(acd=str(ACD_YAML), web_port=port)
    users = UserStore(Path(hotline.engine.config.http.users_file))
    users.set("1001", "agent", PASSWORD)
    users.set("boss", "supervisor", PASSWORD, queues=("billing",))
    await until(lambda: hotline.engine.web.started, 10, message="web server listening")
    base = f"http://127.0.0.1:{port}"

    desk = await (await browser.new_context(viewport={"width": 1280, "height": 860})).new_page()
    await _log_in(desk, base, "/desk", "1001")
    await expect(desk.locator("#state")).to_have_attribute("data-state", "logged_out", timeout=WAIT_MS)
    await desk.click("#btn-login")
    await expect(desk.locator("#state")).to_have_attribute("data-state", "ready", timeout=WAIT_MS)
    await desk.select_option("#pause-reason", "lunch")
    await desk.click("#btn-pause")
    await expect(desk.locator("#state")).to_have_attribute("data-state", "paused", timeout=WAIT_MS)
    await expect(desk.locator("#reason")).to_have_text("lunch")

    board = await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
    await _log_in(board, base, "/wallboard", "boss")
    waiting = board.locator('tr[data-queue="billing"] [data-field="waiting"]')
    await expect(waiting).to_have_text("0", timeout=WAIT_MS)
    await expect(board.locator('[data-agent="1001"]')).to_contain_text("lunch")
    assert await board.locator("tr[data-queue]").count() == 1  # boss's scope: billing only
    today = {f: board.locator(f'tr[data-queue="billing"] [data-field="{f}-today"]') for f in ("answered", "sl")}
    await expect(today["answered"]).to_have_text("0 / 0", timeout=WAIT_MS)  # read from the (empty) database
    await expect(today["sl"]).to_have_text("-")

    call = asyncio.create_task(sipp.call(tmp_path, [Pause(1500), Dtmf("0"), AwaitHangup(60_000)], caller=GOLD))
    await expect(waiting).to_have_text("1", timeout=WAIT_MS)
    await expect(board.locator("#callers")).to_contain_text(GOLD)
    if screenshot_dir():
        await board.screenshot(path=str(screenshot_dir() / "web-wallboard.png"), full_page=True)

    await desk.click("#btn-ready")
    pop = desk.locator("#pop-fields")
    await expect(pop).to_contain_text("by_case>by_tier>welcome_gold>menu>agent", timeout=WAIT_MS)
    await expect(pop.locator('[data-field="Tier"]')).to_have_text("gold")
    await expect(pop.locator('[data-field="Caller"]')).to_have_text(GOLD)
    await expect(pop.locator('[data-field="Queue"]')).to_have_text("billing")
    await expect(waiting).to_have_text("0", timeout=WAIT_MS)
    await expect(desk.locator("#state")).to_have_attribute("data-state", "on_call", timeout=WAIT_MS)
    if screenshot_dir():
        await desk.screenshot(path=str(screenshot_dir() / "web-desk.png"), full_page=True)

    assert (await call).ok  # agent-sim talks a few seconds and hangs up
    row = await hotline.cdr(caller=GOLD)
    await desk.fill("#disp-code", "resolved")
    await desk.fill("#disp-note", "refund <b>explained</b>")
    await desk.click("#disp-save")
    await expect(desk.locator("#message")).to_contain_text("disposition ✓", timeout=WAIT_MS)
    await expect(desk.locator("#pop")).to_contain_text("No call")

    async def disposed() -> bool:
        await hotline.engine.cdrs.flush(5)
        return bool(await fetch_queue_log(hotline.engine.db, call_id=row.call_id, event="disposition"))

    await until(disposed, 15, 0.2, "disposition stored with the call")
    [event] = await fetch_queue_log(hotline.engine.db, call_id=row.call_id, event="disposition")
    assert (row.agent, row.queue, event.agent_id, event.reason) == ("1001", "billing", "1001", "resolved")
    assert "refund <b>explained</b>" in event.data
    # today's figures come from the database (queue log and rollups through the batching writer)
    await expect(today["answered"]).to_have_text("1 / 1", timeout=WAIT_MS)
    await expect(today["sl"]).to_have_text("100%" if row.wait_s <= 20 else "0%")  # billing: SL 20 s
    await expect(board.locator("#today-note")).to_contain_text("Today's figures")
    if screenshot_dir():
        await board.screenshot(path=str(screenshot_dir() / "web-wallboard-today.png"), full_page=True)

    hostile = '<img src=x onerror="document.title=1">'  # caller-controlled text is shown, never parsed
    hotline.engine.acd.notifier.relay("preview", {"agent": "1001", "campaign": "demo", "lead": "L1",
                                                  "number": "5550100", "name": hostile, "fields": {}})
    await expect(desk.locator('#pop [data-field="Name"]')).to_have_text(hostile, timeout=WAIT_MS)
    assert await desk.locator("#pop img").count() == 0 and await desk.title() != "1"

    await board.click("#lang")  # Mandarin labels
    await expect(board.locator("h1")).to_contain_text("监控大屏")
    await expect(board.locator('[data-agent="1001"]')).to_contain_text("就绪", timeout=WAIT_MS)
    if screenshot_dir():
        await board.screenshot(path=str(screenshot_dir() / "web-wallboard-zh.png"), full_page=True)
