"""An in-memory FastAGI call: the surface of `cti.agi.CallSession`, driven by what a caller does.

What the caller does is a list of steps, read front to back wherever the engine waits on them:

- ``"123#"``: keys the caller types when asked (GET DATA or WAIT FOR DIGIT). A prompt that only
  allows barge-in plays out and leaves them for the question that follows.
- ``Barge("1")``: keys pressed during the next prompt that takes them (STREAM FILE or SAY with
  that key among its escape digits), or else when next asked.
- ``SILENCE``: the caller lets one question time out.
- ``HANGUP``: the caller hangs up during the next media command (answer, prompt, question, EXEC,
  Dial). That command and every later one raise `CallerHungUp`, as with the real session.

When the steps run out the caller stays silent; after `patience` more questions the fake fails
the test rather than let an endless wait loop hang it.

Values go through the real command builders (`cti.agi.quoting`), so whatever the real session
refuses (a newline in a variable, a comma in a Dial argument) is refused here too. `actions`
records the commands the engine sent, as tuples tests compare (a prompt the caller hung up
during included); reads, WAIT FOR DIGIT polls (counted in `polls`) and VERBOSE are left out.
With a `FakeClock`, a question that times out advances it by its timeout and Dial by its ring
and talk time; `on_answer` hooks run at the moment a Dial is answered (where AMI would report
the answer).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from cti.agi import CallerHungUp, DialOutcome, Reply
from cti.agi.quoting import (check_app_arg, check_app_name, check_digits, check_variable_name, format_command,
                             format_command_quoted, quote)
from tests.support.clock import FakeClock


class Act(Enum):
    SILENCE = "silence"
    HANGUP = "hangup"


SILENCE, HANGUP = Act.SILENCE, Act.HANGUP
ANSWERED = DialOutcome("ANSWER", 30, 35)  # what Dial reports when the test does not say: 5 s ring, 30 s talk
_OK = Reply(200, "0", None, None, "200 result=0")


@dataclass(frozen=True)
class Barge:
    keys: str


Step = str | Barge | Act


class FakeCall:
    """One caller on one FastAGI connection, without Asterisk."""

    def __init__(self, steps: Iterable[Step] = (), *, caller: str = "5551234", dialed: str = "10000",
                 uniqueid: str = "1700000000.1", agi_script: str = "ivr/main", env: Mapping[str, str] | None = None,
                 dials: Iterable[DialOutcome | Act] = (), variables: Mapping[str, str] | None = None,
                 clock: FakeClock | None = None, patience: int = 200) -> None:
        self.steps: list[Step] = [check_digits(s) if isinstance(s, str) else s for s in steps]
        self.env: dict[str, str] = {"network": "yes", "network_script": agi_script, "uniqueid": uniqueid,
                                    "channel": f"PJSIP/caller-{uniqueid}", "callerid": caller,
                                    "calleridname": "", "extension": dialed, **(env or {})}
        self.dials: list[DialOutcome | Act] = list(dials)
        self.variables: dict[str, str] = dict(variables or {})
        self.node = ""  # the Asterisk node (CallSession.node)
        self.clock = clock
        self.patience = patience
        self.actions: list[tuple[Any, ...]] = []
        self.on_answer: list[Callable[[str], object]] = []
        self.hung_up = False
        self.music: str | None = None
        self.polls = 0
        self._idle = 0

    # -- headers, as CallSession reads them -------------------------------------------------
    @property
    def uniqueid(self) -> str:
        return self.env.get("uniqueid", "")

    @property
    def caller(self) -> str:
        return self.env.get("callerid", "")

    @property
    def dialed(self) -> str:
        return self.env.get("extension", "")

    @property
    def script(self) -> str:
        """The AGI script asked for, ``ivr/main`` (what the engine routes on)."""
        return self.env.get("network_script", "").partition("?")[0].strip("/")

    @property
    def args(self) -> list[str]:
        found: list[str] = []
        while f"arg_{len(found) + 1}" in self.env:
            found.append(self.env[f"arg_{len(found) + 1}"])
        return found

    @property
    def prompts(self) -> list[str]:
        """What the caller heard, as language/name (prompts played and questions asked)."""
        return [a[1] for a in self.actions if a[0] in ("play", "collect") and a[1]]

    # -- commands ---------------------------------------------------------------------------
    async def answer(self) -> None:
        await self._media(("answer",))

    async def play(self, prompt: str, escape_digits: str = "", *, timeout: float | None = None) -> str:
        format_command("STREAM FILE", prompt, check_digits(escape_digits))
        await self._media(("play", _name(prompt)))
        return self._barge(escape_digits)

    async def collect(self, prompt: str | None, max_digits: int, timeout_ms: int, terminator: str = "#") -> str:
        _check_positive(max_digits, "max_digits")
        _check_positive(timeout_ms, "timeout_ms")
        check_digits(terminator, what="terminator")
        if prompt is not None:
            format_command("GET DATA", prompt, timeout_ms, max_digits)
        await self._media(("collect", prompt and _name(prompt), max_digits, terminator))
        return self._typed(max_digits, terminator, timeout_ms)

    async def wait_for_digit(self, timeout_ms: int) -> str:
        _check_positive(timeout_ms, "timeout_ms", minimum=0)
        await self._media(None)
        self.polls += 1
        return self._typed(1, "", timeout_ms)

    async def say_digits(self, digits: str, escape: str = "") -> str:
        format_command("SAY DIGITS", check_digits(digits), check_digits(escape))
        await self._media(("say_digits", digits))
        return self._barge(escape)

    async def say_number(self, n: int, escape: str = "") -> str:
        format_command("SAY NUMBER", int(n), check_digits(escape))
        await self._media(("say_number", n))
        return self._barge(escape)

    async def get_variable(self, name: str) -> str | None:
        check_variable_name(name)
        await self._command()
        return self.variables.get(name)

    async def set_variable(self, name: str, value: str) -> None:
        format_command("SET VARIABLE", check_variable_name(name), value)
        await self._command()
        self.variables[name] = value
        self.actions.append(("set", name, value))

    async def music_on(self, cls: str = "default") -> None:
        format_command("SET MUSIC ON", cls)
        await self._command()
        self.music = cls
        self.actions.append(("music_on", cls))

    async def music_off(self) -> None:
        await self._command()
        self.music = None
        self.actions.append(("music_off",))

    async def exec(self, app: str, *args: object, timeout: float | None = None) -> Reply:
        quoted = [check_app_name(app)]
        if args:
            quoted.append(quote(",".join(check_app_arg(arg) for arg in args), force=True))
        format_command_quoted("EXEC", *quoted)
        await self._media(("exec", app, *args))
        if app == "Hangup":  # Asterisk answers result=-1: the channel is gone
            raise self._gone()
        return _OK

    async def dial(self, interface: str, timeout_s: int, options: str = "", *,
                   max_talk_s: float = 4 * 3600) -> DialOutcome:
        _check_positive(timeout_s, "timeout_s")
        format_command_quoted("EXEC", "Dial", quote(",".join(
            check_app_arg(a) for a in [interface, int(timeout_s)] + ([options] if options else [])), force=True))
        await self._media(("dial", interface, timeout_s, options))
        outcome = self.dials.pop(0) if self.dials else ANSWERED
        if outcome is HANGUP:  # the caller gives up while it rings
            raise self._gone()
        assert isinstance(outcome, DialOutcome), outcome
        self._advance(outcome.dialed_s - outcome.answered_s)
        if outcome.status == "ANSWER":
            for hook in self.on_answer:
                hook(interface)
        self._advance(outcome.answered_s)
        self.variables.update(DIALSTATUS=outcome.status, ANSWEREDTIME=str(outcome.answered_s),
                              DIALEDTIME=str(outcome.dialed_s))
        return outcome

    async def hangup(self) -> None:
        if self.hung_up:
            return
        await asyncio.sleep(0)
        self.actions.append(("hangup",))
        self.hung_up = True

    async def verbose(self, msg: str, level: int = 1) -> None:
        if not 1 <= level <= 4:
            raise ValueError(f"verbose level must be 1..4, got {level}")
        format_command("VERBOSE", msg, level)
        await self._command()

    # -- the caller ---------------------------------------------------------------------------
    async def _command(self) -> None:
        await asyncio.sleep(0)  # a yield, as a real command's round trip is: other tasks run meanwhile
        if self.hung_up:
            raise CallerHungUp(f"caller of {self.uniqueid} has hung up")

    async def _media(self, action: tuple[Any, ...] | None) -> None:
        """A command the caller can hang up during: it is sent (and recorded), then may end the call."""
        await self._command()
        if action is not None:
            self.actions.append(action)
        if self.steps and self.steps[0] is HANGUP:
            self.steps.pop(0)
            raise self._gone()

    def _gone(self) -> CallerHungUp:
        self.hung_up = True
        return CallerHungUp(f"caller of {self.uniqueid} hung up (as the test's steps say)")

    def _barge(self, escape: str) -> str:
        """A prompt with escape digits: a Barge step whose next key it takes ends it."""
        head = self.steps[0] if self.steps else None
        if not (escape and isinstance(head, Barge) and head.keys[:1] and head.keys[0] in escape):
            return ""
        self._rest(head.keys[1:], Barge)
        return head.keys[0]

    def _typed(self, max_digits: int, terminator: str, timeout_ms: int) -> str:
        """A question: keys typed now, up to `max_digits` or a terminator key (not returned)."""
        head = self._next_answer()
        if not isinstance(head, (str, Barge)):
            self._advance(timeout_ms / 1000)
            return ""
        keys = head if isinstance(head, str) else head.keys
        typed = ""
        while keys and len(typed) < max_digits:
            key, keys = keys[0], keys[1:]
            if key in terminator:
                break
            typed += key
        self._rest(keys, type(head))
        return typed

    def _next_answer(self) -> Step | None:
        if not self.steps:
            self._idle += 1
            if self._idle > self.patience:
                raise AssertionError(f"the caller's steps ran out {self.patience} questions ago; "
                                     "end it with HANGUP or give the call what it waits for")
            return None
        head = self.steps[0]
        if head is SILENCE:
            self.steps.pop(0)
        return head

    def _rest(self, keys: str, kind: type) -> None:
        """Keys of the head step not used yet stay at the head; a used-up step is dropped."""
        if keys:
            self.steps[0] = keys if kind is str else Barge(keys)
        else:
            self.steps.pop(0)

    def _advance(self, seconds: float) -> None:
        if self.clock is not None and seconds > 0:
            self.clock.advance(seconds)


def _name(prompt: str) -> str:
    """A prompt as language/name: `/repo/sounds/en/welcome` -> `en/welcome`."""
    path = Path(prompt)
    return f"{path.parent.name}/{path.name}"


def _check_positive(value: int, name: str, minimum: int = 1) -> None:
    if int(value) < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
