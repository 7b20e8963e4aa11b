"""The fake call session keeps to the real one's surface and does what its steps say."""

from __future__ import annotations

import inspect

import pytest

from cti.agi import CallerHungUp, CallSession, DialOutcome, UnsafeValueError
from tests.support.clock import FakeClock
from tests.support.fake_call import HANGUP, SILENCE, Barge, FakeCall

LOW_LEVEL = {"command"}  # the wire itself: a fake without a wire has none


def _public(cls: type) -> dict[str, object]:
    return {name: member for name, member in inspect.getmembers(cls)
            if not name.startswith("_") and name not in LOW_LEVEL}


def test_fake_has_every_public_method_and_header_of_the_real_session_with_the_same_signature() -> None:
    real, fake = _public(CallSession), _public(FakeCall)
    assert set(real) <= set(fake) | {"hung_up"}  # hung_up: a property there, a plain attribute here
    for name, member in real.items():
        if inspect.iscoroutinefunction(member):
            assert inspect.iscoroutinefunction(fake[name]), name
            assert inspect.signature(fake[name]) == inspect.signature(member), name
        elif isinstance(member, property) and name != "hung_up":
            assert isinstance(fake[name], property), name


async def test_headers_read_like_the_real_sessions() -> None:
    call = FakeCall(caller="5559001", dialed="10001", agi_script="ivr/selfservice?lang=zh",
                    env={"arg_1": "a", "arg_2": "b c"})
    assert (call.caller, call.dialed, call.script, call.args) == ("5559001", "10001", "ivr/selfservice", ["a", "b c"])
    assert call.uniqueid == call.env["uniqueid"]


async def test_typed_keys_wait_for_the_question_and_barge_in_keys_end_the_prompt() -> None:
    call = FakeCall(["12#9", Barge("5")])
    assert await call.play("/s/en/welcome", "0123456789") == ""  # typed keys are not barge-in
    assert await call.collect("/s/en/account", 6, 3000) == "12"  # '#' ends the entry...
    assert await call.wait_for_digit(500) == "9"  # ...and what follows stays for the next question
    assert await call.play("/s/en/menu", "1234") == ""  # not one of its escape digits
    assert await call.say_number(3, "5") == "5"
    assert call.steps == [] and call.prompts == ["en/welcome", "en/account", "en/menu"]


async def test_silence_times_out_one_question_and_advances_the_clock() -> None:
    clock = FakeClock()
    call = FakeCall([SILENCE, "1"], clock=clock)
    assert await call.collect("/s/en/menu", 1, 5000) == ""
    assert clock() == 105.0
    assert await call.collect("/s/en/menu", 1, 5000) == "1" and clock() == 105.0


async def test_hangup_raises_at_the_next_media_command_and_on_every_command_after() -> None:
    call = FakeCall([HANGUP])
    await call.set_variable("X", "1")  # not a media command: the caller is still there
    with pytest.raises(CallerHungUp):
        await call.play("/s/en/welcome")
    for command in (call.get_variable("X"), call.music_on(), call.wait_for_digit(500)):
        with pytest.raises(CallerHungUp):
            await command
    await call.hangup()  # idempotent, never raises
    assert call.hung_up and call.actions == [("set", "X", "1"), ("play", "en/welcome")]  # sent, then cut short


async def test_dial_reports_the_outcome_sets_dial_variables_and_runs_answer_hooks_at_answer_time() -> None:
    clock = FakeClock()
    call = FakeCall(dials=[DialOutcome("NOANSWER", 0, 18), DialOutcome("ANSWER", 42, 50)], clock=clock)
    answered_at: list[float] = []
    call.on_answer.append(lambda interface: answered_at.append(clock()))
    assert (await call.dial("PJSIP/A", 20, "gt")).status == "NOANSWER"
    assert await call.dial("PJSIP/A", 20) == DialOutcome("ANSWER", 42, 50)
    assert answered_at == [126.0] and clock() == 168.0
    assert await call.get_variable("ANSWEREDTIME") == "42"
    with pytest.raises(UnsafeValueError):
        await call.dial("PJSIP/A,,tT", 20)


async def test_exec_hangup_ends_the_call_like_asterisks_result_minus_one() -> None:
    call = FakeCall()
    with pytest.raises(CallerHungUp):
        await call.exec("Hangup", 16)
    assert call.hung_up and call.actions == [("exec", "Hangup", 16)]


async def test_values_the_real_session_refuses_are_refused() -> None:
    call = FakeCall()
    with pytest.raises(UnsafeValueError):
        await call.set_variable("CALLER", "x\nEXEC System rm")
    with pytest.raises(UnsafeValueError):
        await call.exec("Playback", "${SHELL(rm)}")
    with pytest.raises(ValueError):
        await call.collect(None, 0, 1000)


async def test_a_caller_silent_for_longer_than_its_patience_fails_the_test_instead_of_hanging_it() -> None:
    call = FakeCall(patience=3)
    for _ in range(3):
        assert await call.wait_for_digit(500) == ""
    with pytest.raises(AssertionError, match="ran out 3 questions ago"):
        await call.wait_for_digit(500)
