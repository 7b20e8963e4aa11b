"""IVR behaviour heard by real callers (SIPp through the sandbox Asterisk)."""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path

import pytest

from tests.support import sipp
from tests.support.sipp import AwaitHangup, Dtmf, HangUp, Pause

pytestmark = pytest.mark.integration


def played(caplog, call_id: str) -> list[str]:
    pattern = re.compile(rf"call {re.escape(call_id)} flow \S+ node \S+ plays (\S+)")
    return [m.group(1) for r in caplog.records if (m := pattern.search(r.getMessage()))]


async def test_gold_and_normal_callers_hear_different_welcomes(engine, tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="hotline.ivr")  # prompts played: DEBUG lines
    results = await asyncio.gather(*(sipp.call(tmp_path, [Pause(1500), Dtmf("1"), AwaitHangup(30000)], caller=caller)
                                     for caller in ("5559001", "5559003")))  # seeded: gold, normal; at once
    for result in results:
        assert result.ok, result.stderr
    gold, normal = await engine.cdr(caller="5559001"), await engine.cdr(caller="5559003")
    assert gold.ivr_path == "by_case>by_tier>welcome_gold>menu>billing>goodbye>done"
    assert normal.ivr_path == "by_case>by_tier>welcome>menu>billing>goodbye>done"
    assert played(caplog, gold.call_id)[0] == "welcome_gold"
    assert played(caplog, normal.call_id)[0] == "welcome"


async def test_silent_caller_hears_the_menu_twice_then_cannot_hear_and_is_hung_up(engine, tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="hotline.ivr")  # prompts played: DEBUG lines
    result = await sipp.call(tmp_path, [AwaitHangup(60000)], caller="5551201")
    assert result.ok, result.stderr
    row = await engine.cdr(caller="5551201")
    assert row.disposition == "silent"
    assert (row.ivr_path, row.ivr_exit) == ("by_case>by_tier>welcome>menu(no_input:2)>cannot_hear>hangup_silent", "silent")
    assert played(caplog, row.call_id) == ["welcome", "agent_option", "agent_option", "cannot_hear"]
    assert 12.0 < row.duration_s < 40.0  # two 5 s waits after the menu prompts
    assert row.digits == ""


async def test_invalid_keys_twice_are_told_an_agent_will_help_and_hear_the_queue_is_closed_when_nobody_is_in(
        engine, tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="hotline.ivr")  # prompts played: DEBUG lines
    # both keys come while the (6 s) menu prompt or the retry plays: two wrong answers, two attempts
    result = await sipp.call(tmp_path, [Pause(3500), Dtmf("7"), Pause(2500), Dtmf("8"), AwaitHangup(40000)],
                             caller="5551202")
    assert result.ok, result.stderr
    row = await engine.cdr(caller="5551202")
    assert (row.ivr_path, row.digits) == ("by_case>by_tier>welcome>menu(no_match:7,8)>help_agent>agent>queue_closed>done", "78")
    assert (row.queue, row.ivr_exit) == ("billing", "to_agent_after_failures")
    heard = played(caplog, row.call_id)
    assert heard[:3] == ["welcome", "agent_option", "invalid"] and heard[-2:] == ["help_agent", "queue_closed"]


async def test_self_service_reads_the_known_callers_balance(engine, tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="hotline.ivr")  # prompts played: DEBUG lines
    result = await sipp.call(tmp_path, [AwaitHangup(40000)], dialed="10001", caller="5559001")  # Li Wei, 1234.50
    assert result.ok, result.stderr
    row = await engine.cdr(caller="5559001")
    assert row.ivr_flow == "selfservice" and row.disposition == "completed"
    assert row.ivr_path == "welcome>find_caller>their_language>balance>say_balance>goodbye>done"
    heard = played(caplog, row.call_id)
    assert heard[:2] == ["welcome", "your_balance_is"] and heard[-1] == "goodbye"
    said = [r.getMessage() for r in caplog.records if "say" in r.getMessage().lower() and row.call_id in r.getMessage()]
    assert any("1234" in message for message in said), said


async def test_hot_reload_rejects_a_broken_flow_keeps_serving_and_then_switches_to_a_valid_one(
        engine_factory, tmp_path, caplog):
    import os
    import shutil

    from tests.support.until import until

    repo = Path(__file__).resolve().parents[2]
    flows = tmp_path / "ivr"
    shutil.copytree(repo / "config/ivr", flows)
    hotline = await engine_factory(flows=str(flows))
    main = flows / "main.yaml"
    served = hotline.engine.flows.flows["main"]

    main.write_text(main.read_text().replace("next: menu", "next: menuu", 1))
    os.utime(main, ns=(main.stat().st_mtime_ns + 10**9,) * 2)
    await until(lambda: "main.yaml rejected" in caplog.text, 5, message="broken file rejected")
    assert "did you mean 'menu'" in caplog.text
    assert hotline.engine.flows.flows["main"] is served  # the old version keeps serving
    result = await sipp.call(tmp_path, [Pause(1500), Dtmf("1"), AwaitHangup(30000)], caller="5551301")
    assert result.ok, result.stderr
    assert (await hotline.cdr(caller="5551301")).ivr_path == "by_case>by_tier>welcome>menu>billing>goodbye>done"

    swapped = (repo / "config/ivr/main.yaml").read_text().replace('"1": billing', '"1": FAULT')
    main.write_text(swapped.replace('"2": fault', '"2": billing').replace("FAULT", "fault"))  # 1 and 2 swapped
    os.utime(main, ns=(main.stat().st_mtime_ns + 2 * 10**9,) * 2)
    await until(lambda: hotline.engine.flows.flows["main"] is not served, 2.5, message="valid change live in 2 s")
    result = await sipp.call(tmp_path, [Pause(1500), Dtmf("1"), AwaitHangup(30000)], caller="5551302")
    assert result.ok, result.stderr
    assert (await hotline.cdr(caller="5551302")).ivr_path == "by_case>by_tier>welcome>menu>fault>goodbye>done"


async def test_voicemail_node_records_the_callers_message_in_asterisk(engine_factory, sandbox, tmp_path):
    flows = tmp_path / "ivr"
    flows.mkdir()
    (flows / "main.yaml").write_text(
        "name: main\nentry: sorry\nnodes:\n"
        "  sorry: {type: play, prompts: [queue_closed], barge_in: false, next: message}\n"
        "  message: {type: voicemail, mailbox: '9000', greeting: none, next: done}\n"
        "  done: {type: hangup}\n")
    hotline = await engine_factory(flows=str(flows))
    inbox = sandbox.root / "var/spool/asterisk/voicemail/hotline/9000/INBOX"
    before = set(inbox.glob("msg*.txt")) if inbox.exists() else set()

    result = await sipp.call(tmp_path, [Pause(9000), HangUp()], caller="5551401")  # speaks 4 s after the beep
    assert result.ok, result.stderr

    row = await hotline.cdr(caller="5551401")
    assert (row.ivr_path, row.exit_node, row.disposition) == ("sorry>message", "message", "caller_hangup")
    new = set(inbox.glob("msg*.txt")) - before
    assert len(new) == 1 and "callerid=" in (text := new.pop().read_text()) and "5551401" in text
