"""The typed per-call API over one FastAGI connection.

One coroutine owns one call and talks to Asterisk through a :class:`CallSession`:
typed methods that validate their values, format one command each and hand it to
an :class:`~cti.agi.channel.AgiChannel` (one command in flight, a deadline on each).
Deadlines: ``command_timeout`` for plain commands; commands that play a prompt get
``prompt_allowance`` more; commands with their own wait (GET DATA, WAIT FOR DIGIT,
Dial) get that wait more as well.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

from cti.agi.channel import AgiChannel
from cti.agi.errors import AgiCommandError, CallerHungUp
from cti.agi.events import Reply
from cti.agi.protocol import ReplyParser
from cti.agi.quoting import (
    check_app_arg,
    check_app_name,
    check_digits,
    check_variable_name,
    format_command,
    format_command_quoted,
    quote,
)

ALL_KEYS = "0123456789*#"
_MIN_DIGIT_WAIT_S = 5.0  # GET DATA waits the channel's digit timeout between later keys


@dataclass(frozen=True, slots=True)
class DialOutcome:
    """What Dial reported: DIALSTATUS (ANSWER, BUSY, NOANSWER, ...) and its durations."""

    status: str
    answered_s: int
    dialed_s: int


class CallSession:
    """One inbound FastAGI call: its headers and the commands the engine may run on it.

    Why a class of its own: the rest of the engine must not know the wire format,
    must not be able to interleave two commands on one call, and must see a caller
    leaving as one exception (:class:`CallerHungUp`) wherever it happens.
    """

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        env: Mapping[str, str],
        *,
        command_timeout: float = 30.0,
        prompt_allowance: float = 120.0,
        parser: ReplyParser | None = None,
    ) -> None:
        self.env: dict[str, str] = dict(env)
        self.node = ""  # the Asterisk node the call is on (set by the engine: cti.ami.nodes)
        self._channel = AgiChannel(reader, writer, label=self.uniqueid, command_timeout=command_timeout,
                                   parser=parser)
        self._command_timeout = command_timeout
        self._prompt_allowance = prompt_allowance

    @property
    def hung_up(self) -> bool:
        """True once the caller left (or :meth:`hangup` ran); every command then raises CallerHungUp."""
        return self._channel.hung_up

    async def command(self, line: bytes, *, media: bool = False, timeout: float | None = None) -> Reply:
        """Low-level: send one line from :func:`~cti.agi.quoting.format_command`, return its reply."""
        return await self._channel.command(line, media=media, timeout=timeout)

    # -- headers ---------------------------------------------------------------------------
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
        """The path of ``agi://host/ivr/main?x=1`` without its query: ``ivr/main``."""
        return self.env.get("network_script", "").partition("?")[0].strip("/")

    @property
    def args(self) -> list[str]:
        """``agi_arg_1`` .. ``agi_arg_N`` in order."""
        found: list[str] = []
        while f"arg_{len(found) + 1}" in self.env:
            found.append(self.env[f"arg_{len(found) + 1}"])
        return found

    # -- commands --------------------------------------------------------------------------
    async def answer(self) -> None:
        await self.command(format_command("ANSWER"), media=True)

    async def play(self, prompt: str, escape_digits: str = "", *, timeout: float | None = None) -> str:
        """STREAM FILE; return the escape digit pressed, or "" when the prompt played out."""
        line = format_command("STREAM FILE", prompt, check_digits(escape_digits))
        reply = await self.command(line, media=True, timeout=timeout or self._media_budget())
        return _digit(reply)

    async def collect(self, prompt: str | None, max_digits: int, timeout_ms: int, terminator: str = "#") -> str:
        """Collect up to ``max_digits`` keys; return them ("" when none came before the timeout).

        The terminator key ends the entry early and is not returned. Asterisk's GET DATA
        only knows ``#``, so GET DATA is used when there is a prompt and the terminator
        is ``#``. Otherwise (no prompt, another terminator, or "" for none) the prompt is
        played with every key as escape digit and keys are read with WAIT FOR DIGIT, each
        waiting at most ``timeout_ms``; any key in ``terminator`` ends the entry. Keys
        typed before a timeout are returned (GET DATA does the same).
        """
        _check_positive(max_digits, "max_digits")
        _check_positive(timeout_ms, "timeout_ms")
        check_digits(terminator, what="terminator")
        if prompt is not None and terminator == "#":
            return await self._get_data(prompt, max_digits, timeout_ms)
        return await self._collect_by_keys(prompt, max_digits, timeout_ms, terminator)

    async def wait_for_digit(self, timeout_ms: int) -> str:
        """WAIT FOR DIGIT; return the key, or "" on timeout (0 polls; a negative, endless wait is refused)."""
        _check_positive(timeout_ms, "timeout_ms", minimum=0)
        reply = await self.command(
            format_command("WAIT FOR DIGIT", timeout_ms), media=True, timeout=self._command_timeout + timeout_ms / 1000
        )
        return _digit(reply)

    async def say_digits(self, digits: str, escape: str = "") -> str:
        line = format_command("SAY DIGITS", check_digits(digits), check_digits(escape))
        return _digit(await self.command(line, media=True, timeout=self._media_budget()))

    async def say_number(self, n: int, escape: str = "") -> str:
        line = format_command("SAY NUMBER", int(n), check_digits(escape))
        return _digit(await self.command(line, media=True, timeout=self._media_budget()))

    async def get_variable(self, name: str) -> str | None:
        """GET VARIABLE; None when the variable is not set."""
        reply = await self.command(format_command("GET VARIABLE", check_variable_name(name)))
        return (reply.data or "") if reply.result == "1" else None

    async def set_variable(self, name: str, value: str) -> None:
        await self.command(format_command("SET VARIABLE", check_variable_name(name), value))

    async def music_on(self, cls: str = "default") -> None:
        await self.command(format_command("SET MUSIC ON", cls))

    async def music_off(self) -> None:
        await self.command(format_command("SET MUSIC OFF"))

    async def exec(self, app: str, *args: object, timeout: float | None = None) -> Reply:
        """EXEC a dialplan application; ``args`` become ONE quoted, comma-joined argument."""
        quoted = [check_app_name(app)]
        if args:
            quoted.append(quote(",".join(check_app_arg(arg) for arg in args), force=True))
        reply = await self.command(
            format_command_quoted("EXEC", *quoted), media=True, timeout=timeout or self._media_budget()
        )
        if reply.result == "-2":
            raise AgiCommandError(f"no dialplan application {app!r}", code=reply.code, raw=reply.raw,
                                  reason="no-such-application")
        return reply

    async def dial(
        self, interface: str, timeout_s: int, options: str = "", *, max_talk_s: float = 4 * 3600
    ) -> DialOutcome:
        """EXEC Dial, then read DIALSTATUS, ANSWEREDTIME and DIALEDTIME.

        Dial returns only when the bridged call ends, so the deadline is ring time plus
        ``max_talk_s``. Use option ``g`` when the caller should continue afterwards:
        without it Asterisk hangs the caller up with the agent, and this raises
        :class:`CallerHungUp` instead of returning.
        """
        _check_positive(timeout_s, "timeout_s")
        dial_args: list[object] = [interface, int(timeout_s)] + ([options] if options else [])
        await self.exec("Dial", *dial_args, timeout=self._command_timeout + timeout_s + max_talk_s)
        status = await self.get_variable("DIALSTATUS")
        answered = await self.get_variable("ANSWEREDTIME")
        dialed = await self.get_variable("DIALEDTIME")
        return DialOutcome(status or "", _seconds(answered), _seconds(dialed))

    async def hangup(self) -> None:
        """HANGUP the channel; afterwards the session counts as hung up. Idempotent."""
        if self.hung_up:
            return
        try:
            await self.command(format_command("HANGUP"))
        except CallerHungUp:
            pass
        self._channel.hung_up = True

    async def verbose(self, msg: str, level: int = 1) -> None:
        if not 1 <= level <= 4:
            raise ValueError(f"verbose level must be 1..4, got {level}")
        await self.command(format_command("VERBOSE", msg, level))

    # -- helpers ----------------------------------------------------------------------------
    def _media_budget(self) -> float:
        return self._command_timeout + self._prompt_allowance

    async def _get_data(self, prompt: str, max_digits: int, timeout_ms: int) -> str:
        per_key = max(timeout_ms / 1000, _MIN_DIGIT_WAIT_S)
        line = format_command("GET DATA", prompt, timeout_ms, max_digits)
        reply = await self.command(line, media=True, timeout=self._media_budget() + (max_digits + 1) * per_key)
        return reply.result if set(reply.result) <= set(ALL_KEYS) else ""

    async def _collect_by_keys(self, prompt: str | None, max_digits: int, timeout_ms: int, terminator: str) -> str:
        key = await self.play(prompt, ALL_KEYS) if prompt is not None else ""
        key = key or await self.wait_for_digit(timeout_ms)
        keys = ""
        while key and key not in terminator:
            keys += key
            if len(keys) >= max_digits:
                break
            key = await self.wait_for_digit(timeout_ms)
        return keys


def _digit(reply: Reply) -> str:
    code = reply.result_int
    return chr(code) if code is not None and 0 < code < 0x110000 else ""


def _seconds(value: str | None) -> int:
    try:
        return int(float(value or 0))
    except ValueError:
        return 0


def _check_positive(value: int, name: str, minimum: int = 1) -> None:
    if int(value) < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
