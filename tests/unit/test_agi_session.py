"""CallSession against a scripted fake Asterisk over real loopback sockets: the lines each
command puts on the wire, and how replies, hang-ups and timeouts come back."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from cti.agi import (
    AgiCommandError,
    AgiCommandTimeout,
    AgiSessionClosed,
    CallerHungUp,
    CallSession,
    DialOutcome,
    FastAgiServer,
    UnsafeValueError,
)
from tests.support.fake_asterisk import (Calls, FakeAsterisk, calls,  # noqa: F401 (fixtures)
                                         close_fake_asterisks, server)

USAGE = [
    "520-Invalid command syntax.  Proper usage follows:",
    " Usage: STREAM FILE <filename> <escape digits> [sample offset]",
    "520 End of proper usage.",
]



async def test_session_exposes_the_call_headers(server: FastAgiServer, calls: Calls) -> None:
    async def handler(s: CallSession) -> tuple[Any, ...]:
        return s.uniqueid, s.caller, s.dialed, s.script, s.args, s.env["calleridname"], s.hung_up

    calls.handler = handler
    await FakeAsterisk.call(server.port)
    assert await calls.outcome() == ("1700000000.1", "5551234", "10000", "ivr/main", ["first", "two words"],
                                     "王小明", False)


async def test_concurrent_commands_on_one_call_are_sent_one_at_a_time(server: FastAgiServer, calls: Calls) -> None:
    async def handler(s: CallSession) -> list[Any]:
        return list(await asyncio.gather(s.play("hotline/welcome", "1"), s.get_variable("LANG")))

    calls.handler = handler
    asterisk = await FakeAsterisk.call(server.port)
    await asterisk.expect('STREAM FILE hotline/welcome 1')
    with pytest.raises(TimeoutError):  # nothing else may arrive while STREAM FILE runs
        await asyncio.wait_for(asterisk.reader.readline(), 0.2)
    await asterisk.send("200 result=49 endpos=800")
    await asterisk.converse([("GET VARIABLE LANG", ["200 result=1 (zh)"])])
    assert await calls.outcome() == ["1", "zh"]


async def test_hangup_during_stream_file_ends_this_and_every_later_command(
    server: FastAgiServer, calls: Calls, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="hotline.agi")
    seen: list[str] = []

    async def handler(s: CallSession) -> None:
        for command in (lambda: s.play("hotline/welcome"), lambda: s.get_variable("X"), s.answer):
            with pytest.raises(CallerHungUp):
                await command()
            seen.append("hung up" if s.hung_up else "still up")
        raise CallerHungUp("handler leaves the normal way")

    calls.handler = handler
    asterisk = await FakeAsterisk.call(server.port)
    await asterisk.converse([('STREAM FILE hotline/welcome ""', ["HANGUP", "200 result=-1 endpos=1234"])])
    await asterisk.assert_closed_without_more_commands()
    assert isinstance(await calls.outcome(), CallerHungUp)
    assert seen == ["hung up"] * 3
    assert "caller hung up" in caplog.text
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.WARNING]


async def test_hangup_notice_while_idle_wins_over_the_next_reply(server: FastAgiServer, calls: Calls) -> None:
    calls.handler = lambda s: _answer_then_read(s)
    asterisk = await FakeAsterisk.call(server.port)
    await asterisk.converse([("ANSWER", ["200 result=0", "HANGUP"]),
                             ("GET VARIABLE X", ["511 Command Not Permitted on a dead channel or intercept routine"])])
    assert isinstance(await calls.outcome(), CallerHungUp)


async def _answer_then_read(s: CallSession) -> str | None:
    await s.answer()
    return await s.get_variable("X")


async def test_result_minus_one_on_a_media_command_means_the_caller_left(server: FastAgiServer, calls: Calls) -> None:
    calls.handler = lambda s: s.wait_for_digit(500)
    asterisk = await FakeAsterisk.call(server.port)
    await asterisk.converse([("WAIT FOR DIGIT 500", ["200 result=-1"])])
    assert isinstance(await calls.outcome(), CallerHungUp)


async def test_eof_in_the_middle_of_a_command_means_the_caller_left(server: FastAgiServer, calls: Calls) -> None:
    calls.handler = lambda s: s.play("hotline/welcome")
    asterisk = await FakeAsterisk.call(server.port)
    await asterisk.expect('STREAM FILE hotline/welcome ""')
    await asterisk.hang_up()
    assert isinstance(await calls.outcome(), CallerHungUp)


async def test_usage_and_unknown_command_replies_raise_without_shifting_later_replies(
    server: FastAgiServer, calls: Calls
) -> None:
    async def handler(s: CallSession) -> list[Any]:
        errors = []
        for _ in range(2):
            with pytest.raises(AgiCommandError) as caught:
                await s.play("x")
            errors.append(caught.value.code)
        return [*errors, await s.get_variable("X")]

    calls.handler = handler
    asterisk = await FakeAsterisk.call(server.port)
    await asterisk.converse([('STREAM FILE x ""', USAGE), ('STREAM FILE x ""', ["510 Invalid or unknown command"]),
                             ("GET VARIABLE X", ["200 result=1 (in step)"])])
    assert await calls.outcome() == [520, 510, "in step"]


async def test_dial_runs_dial_and_reads_its_variables(server: FastAgiServer, calls: Calls) -> None:
    calls.handler = lambda s: s.dial("Local/1001@agent-sim", 20, "g")
    asterisk = await FakeAsterisk.call(server.port)
    await asterisk.converse([
        ('EXEC Dial "Local/1001@agent-sim,20,g"', ["200 result=0"]),
        ("GET VARIABLE DIALSTATUS", ["200 result=1 (ANSWER)"]),
        ("GET VARIABLE ANSWEREDTIME", ["200 result=1 (42)"]),
        ("GET VARIABLE DIALEDTIME", ["200 result=1 (50)"]),
    ])
    assert await calls.outcome() == DialOutcome("ANSWER", 42, 50)


async def test_exec_refuses_argument_injection_and_reports_missing_apps(server: FastAgiServer, calls: Calls) -> None:
    async def handler(s: CallSession) -> str:
        for bad in ("1001,,tT", "${SHELL(rm)}", "x\ny"):
            with pytest.raises(UnsafeValueError):
                await s.exec("Playback", bad)
        with pytest.raises(UnsafeValueError):
            await s.set_variable("CALLER", "x\nEXEC System rm")
        with pytest.raises(AgiCommandError) as caught:
            await s.exec("NoSuchApp")
        return caught.value.reason

    calls.handler = handler
    asterisk = await FakeAsterisk.call(server.port)
    await asterisk.converse([("EXEC NoSuchApp", ["200 result=-2"])])
    assert await calls.outcome() == "no-such-application"


async def test_collect_uses_get_data_when_prompted_and_digit_waits_otherwise(
    server: FastAgiServer, calls: Calls
) -> None:
    async def handler(s: CallSession) -> list[str]:
        return [await s.collect("hotline/account", 4, 3000), await s.collect("hotline/account", 4, 3000),
                await s.collect(None, 4, 2000, terminator="*")]

    calls.handler = handler
    asterisk = await FakeAsterisk.call(server.port)
    await asterisk.converse([
        ("GET DATA hotline/account 3000 4", ["200 result=1234"]),
        ("GET DATA hotline/account 3000 4", ["200 result= (timeout)"]),
        ("WAIT FOR DIGIT 2000", ["200 result=49"]),
        ("WAIT FOR DIGIT 2000", ["200 result=50"]),
        ("WAIT FOR DIGIT 2000", ["200 result=42"]),
    ])
    assert await calls.outcome() == ["1234", "", "12"]


async def test_small_commands_put_the_expected_lines_on_the_wire(server: FastAgiServer, calls: Calls) -> None:
    async def handler(s: CallSession) -> list[Any]:
        await s.music_on()
        await s.music_off()
        await s.verbose("queue wait 王", 2)
        await s.set_variable("HOTLINE_DONE", "1")
        said = [await s.say_digits("123", "#"), await s.say_number(42)]
        await s.hangup()
        await s.hangup()
        return [*said, s.hung_up]

    calls.handler = handler
    asterisk = await FakeAsterisk.call(server.port)
    await asterisk.converse([
        ("SET MUSIC ON default", ["200 result=0"]), ("SET MUSIC OFF", ["200 result=0"]),
        ('VERBOSE "queue wait 王" 2', ["200 result=1"]), ("SET VARIABLE HOTLINE_DONE 1", ["200 result=1"]),
        ("SAY DIGITS 123 #", ["200 result=35"]), ('SAY NUMBER 42 ""', ["200 result=0"]),
        ("HANGUP", ["200 result=1", "HANGUP"]),
    ])
    await asterisk.assert_closed_without_more_commands()
    assert await calls.outcome() == ["#", "", True]


async def test_command_timeout_fires_and_closes_the_session(calls: Calls) -> None:
    async def handler(s: CallSession) -> str:
        with pytest.raises(AgiCommandTimeout):
            await s.get_variable("SLOW")
        with pytest.raises(AgiSessionClosed):
            await s.get_variable("AFTER")
        return "timed out"

    calls.handler = handler
    async with FastAgiServer(calls, port=0, command_timeout=0.2) as srv:
        asterisk = await FakeAsterisk.call(srv.port)
        await asterisk.expect("GET VARIABLE SLOW")  # and never answer
        await asterisk.assert_closed_without_more_commands()
        assert await calls.outcome() == "timed out"
