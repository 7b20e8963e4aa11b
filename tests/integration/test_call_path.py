"""End to end on a real Asterisk: SIPp caller -> PJSIP -> dialplan -> FastAGI engine -> CDR row."""

from __future__ import annotations

import asyncio

import pytest

from cti.ami import events as ev
from tests.support import sipp
from tests.support.sipp import AwaitHangup, Dtmf, HangUp, Pause
from tests.support.until import until

pytestmark = pytest.mark.integration


async def test_caller_pressing_1_hears_billing_and_leaves_a_complete_cdr(engine, tmp_path):
    result = await sipp.call(tmp_path, [Pause(1500), Dtmf("1"), AwaitHangup(30000)], caller="5551001")
    assert result.ok, result.stderr

    row = await engine.cdr(caller="5551001")
    assert row.dialed == "10000"
    assert row.direction == "inbound"
    assert row.ivr_flow == "main"
    assert row.ivr_path == "by_case>by_tier>welcome>menu>billing>goodbye>done"
    assert row.exit_node == "done"
    assert row.digits == "1"
    assert row.disposition == "completed"
    assert row.answered_at is not None and row.started_at <= row.answered_at <= row.ended_at
    assert 2.0 < row.duration_s < 30.0
    assert row.hangup_cause == 16  # normal clearing, reported by Asterisk over AMI
    assert row.linked_id


async def test_caller_hanging_up_mid_prompt_ends_cleanly_with_caller_hangup(engine, tmp_path, caplog):
    result = await sipp.call(tmp_path, [Pause(600), HangUp()], caller="5551002")
    assert result.ok, result.stderr

    row = await engine.cdr(caller="5551002")
    assert row.disposition == "caller_hangup"
    assert row.exit_node == "welcome"
    assert row.ivr_path == "by_case>by_tier>welcome"
    assert row.duration_s < 5.0
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


async def test_engine_down_call_still_reaches_the_dialplan_fallback(sandbox, ami, tmp_path):
    seen: list[ev.UserEvent] = []

    async def watch() -> None:
        while True:
            event = await ami.events.get()
            if isinstance(event, ev.UserEvent) and event.name == "HotlineFallback":
                seen.append(event)

    watcher = asyncio.create_task(watch())
    try:
        result = await sipp.call(tmp_path, [Pause(2500), HangUp()], caller="5551003")
        await until(lambda: seen, 10, message="HotlineFallback user event")
    finally:
        watcher.cancel()
    assert result.ok, result.stderr
    assert seen[0].headers.get("AgiStatus") == "FAILURE"


async def test_engine_reconnects_after_asterisk_restart_and_next_call_works(engine, sandbox, tmp_path):
    first_logins = engine.engine.ami.logins
    await asyncio.to_thread(sandbox.down)
    await until(lambda: not engine.engine.ami.connected.is_set(), 20, message="engine notices AMI loss")
    await asyncio.to_thread(sandbox.up)
    await until(lambda: engine.engine.ami.logins > first_logins and engine.engine.ami.connected.is_set(),
                30, 0.1, "engine logged in again after the restart")

    result = await sipp.call(tmp_path, [Pause(1500), Dtmf("2"), AwaitHangup(30000)], caller="5551004")
    assert result.ok, result.stderr
    row = await engine.cdr(caller="5551004")
    assert row.ivr_path == "by_case>by_tier>welcome>menu>fault>goodbye>done"
    assert row.hangup_cause == 16  # the AMI link after the restart fed the registry


async def test_garbage_on_the_fastagi_port_is_survived(engine, tmp_path):
    port = engine.engine.agi.port
    for payload in (b"\x00\xffGET / HTTP/1.1\r\n\r\n", b"agi_network: yes\nagi_uniq", b"x" * (1 << 20) + b"\n", b""):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(payload)
        await writer.drain()
        writer.close()
        await writer.wait_closed()
    await until(lambda: engine.engine.agi.active_sessions == 0, 10, message="bad sessions dropped")

    result = await sipp.call(tmp_path, [Pause(1500), Dtmf("1"), AwaitHangup(30000)], caller="5551005")
    assert result.ok, result.stderr
    assert (await engine.cdr(caller="5551005")).disposition == "completed"


async def test_call_record_lands_in_postgresql(engine_factory, tmp_path):
    import random

    from tests.support.pg import PG_URL, fresh_tables, require_postgres

    await require_postgres()
    await fresh_tables(PG_URL)  # the default schema holds what earlier tests and runs left there
    caller = f"77{random.randrange(10**8):08d}"
    hotline = await engine_factory(url=PG_URL)
    result = await sipp.call(tmp_path, [Pause(1500), Dtmf("2"), AwaitHangup(30000)], caller=caller)
    assert result.ok, result.stderr
    row = await hotline.cdr(caller=caller)
    assert (row.ivr_path, row.digits, row.disposition, row.hangup_cause) == \
        ("by_case>by_tier>welcome>menu>fault>goodbye>done", "2", "completed", 16)
    assert row.started_at.tzinfo is not None
