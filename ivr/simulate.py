"""Walk a flow without a phone: the same `Walk` a call uses, with prompt texts instead of sound.

Keys answer menus, collect and rate (survey question) nodes (`--digits 1,-,123456#,1`: one entry
per attempt, `-` or empty = silence; a menu or rate node takes the first key of an entry, a collect
node the whole entry up to a terminator); when the script runs out the caller stays silent, which
every valid flow turns into an ending. Prompts are shown as their text from sounds/prompts.yaml in the flow's language. A
queue node gets the outcome given (`answered` unless told otherwise), a transfer `answered`, a
call-back booking `booked`; branch nodes read the call variables given; customer_db lookups look in
the demo customer table (ivr.customers.DEMO) unless another `lookup` is given, http lookups find
nothing; hours nodes read `now` (default: the real time); `goto` another flow needs `flows`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import TextIO

from common.yamlconf import load_yaml_with_marks
from ivr.customers import DEMO, call_variables
from ivr.models import DIGITS, Flow
from ivr.speech import describe, say_parts
from ivr.struggle import ivr_exit
from ivr.stepper import Voicemail
from ivr.stepper import (Callback, Collect, Decision, Enqueue, Event, Finish, GotoFlow, Lookup, LookupFailure, Play,
                         Result, Say, Transfer, Walk)
from ivr.stepper_rate import Rating

KeySource = Callable[[str], str]
"""Given the menu node being asked, the key the caller presses ('' for silence)."""


@dataclass(frozen=True)
class Simulation:
    disposition: str
    path: list[str]
    digits: list[str]
    exit_node: str
    prompts: list[str]
    ratings: tuple[Rating, ...] = ()  # survey questions put (rate nodes)


def parse_digits(text: str) -> list[str]:
    """'1,-,,123#' -> ['1', '', '', '123#']; ValueError names a bad entry."""
    keys = []
    for entry in (e.strip() for e in text.split(",")):
        if entry in ("", "-"):
            keys.append("")
        elif set(entry) <= DIGITS:
            keys.append(entry)
        else:
            raise ValueError(f"{entry!r} is not keys; use 0-9, * or # (several for a collect node), "
                             "and - or nothing for silence")
    return keys


def scripted(keys: Iterable[str]) -> KeySource:
    remaining = iter(keys)
    return lambda node: next(remaining, "")


def interactive(stdin: TextIO, out: TextIO) -> KeySource:
    """Ask on `out`, read a line from `stdin`; Enter is silence, end of input is silence from then on."""
    closed = False

    def ask(node: str) -> str:
        nonlocal closed
        while not closed:
            out.write(f"   [{node}] keys 0-9 * # (Enter = silence)? ")
            out.flush()
            line = stdin.readline()
            closed = line == ""
            if not stdin.isatty():
                out.write(line if line.endswith("\n") else line + "\n")  # a piped answer is not echoed
            key = line.strip()
            if set(key) <= DIGITS:
                return key
            print("   keys please: 0-9, * or #", file=out)
        return ""

    return ask


def prompt_texts(sounds_dir: Path, language: str) -> dict[str, str]:
    """Prompt name -> text for one language, from sounds/prompts.yaml (ConfigError if unreadable)."""
    data, _ = load_yaml_with_marks(sounds_dir / "prompts.yaml")
    texts = data.get(language) if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in (texts or {}).items()}


def simulate(flow: Flow, texts: dict[str, str], keys: KeySource, out: TextIO, caller: str = "", *,
             variables: dict[str, str] | None = None, queue_outcome: str = "answered",
             lookup: Callable[[Lookup], Result] | None = None, now: datetime | None = None,
             flows: Mapping[str, Flow] | None = None, transfer_outcome: str = "answered",
             callback_outcome: str = "booked") -> Simulation:
    """Run `flow` to its end, printing each prompt's text and each decision of the stepper."""
    say = partial(print, file=out)
    shown_caller = "".join(ch for ch in caller if ch.isprintable())
    say(f"flow {flow.name} ({flow.language})" + (f", caller {shown_caller}" if shown_caller else ""))
    start = dict(variables or {})
    if shown_caller:
        start.setdefault("caller", shown_caller)
    walk = Walk(flow, variables=start, now=now or datetime.now(timezone.utc))
    heard: list[str] = []
    answer = {Enqueue: lambda c: queue_outcome, Transfer: lambda c: transfer_outcome,
              Callback: lambda c: callback_outcome, Voicemail: lambda c: "left", Lookup: lookup or demo_lookup,
              GotoFlow: lambda c: (flows or {flow.name: flow}).get(c.flow)}
    command, shown = walk.start(), 0
    while True:
        shown = _tell(walk.trail, shown, say)
        if isinstance(command, Finish):
            break
        if isinstance(command, (Play, Collect)):
            command = walk.feed(_play(command, walk, texts, keys, heard, say))
            continue
        if isinstance(command, Say):
            say(f"   says {command.kind} {command.value}: "
                f"{describe(say_parts(command.kind, command.value, walk.language), texts)}")
            command = walk.feed("")
            continue
        result = answer[type(command)](command)  # type: ignore[operator]
        say(f"   {_service(command)}: {_shown(result)}")
        command = walk.feed(result)
    result = Simulation(command.disposition, list(walk.path), list(walk.digits), walk.exit_node, heard,
                        tuple(walk.ratings))
    say(f"disposition: {result.disposition}")
    say(f"path: {' > '.join(result.path)}")
    say(f"digits: {''.join(result.digits) or '(none)'}")
    say(f"exit node: {result.exit_node}")
    for rating in walk.ratings:
        say(f"survey {rating.question} (1-{rating.scale}): "
            + (str(rating.score) if rating.score is not None else rating.status))
    queued = any(d.event is Event.ENTER and d.detail == "queue" for d in walk.trail)
    say(f"ivr exit: {ivr_exit(walk.visits, result.disposition, queued)}"
        + (f" ({walk.path_text})" if any(v.struggled for v in walk.visits) else ""))
    return result


def demo_lookup(command: Lookup) -> Result:
    """customer_db lookups against the demo customers; http lookups find nothing."""

    if command.source != "customer_db":
        return None
    for row in DEMO:
        if str(row.get(command.field)) == command.key:
            return call_variables(row)  # what the engine's lookup gives the flow
    return None


def _service(command: object) -> str:
    if isinstance(command, Enqueue):
        return f"waits in queue {command.queue} (priority {command.priority})"
    if isinstance(command, Lookup):
        return f"looks up {command.key}" if command.source == "http" else f"looks up customer {command.field}={command.key}"
    if isinstance(command, Transfer):
        extra = f" with {', '.join(f'{k}={v}' for k, v in command.variables.items())}" if command.variables else ""
        return f"transfers ({command.mode}) to {command.target}{extra}"
    if isinstance(command, Callback):
        return f"books a call back to {command.number}"
    if isinstance(command, Voicemail):
        return f"takes a message in voicemail box {command.mailbox}@{command.context}"
    assert isinstance(command, GotoFlow)
    return f"goes to flow {command.flow}"


def _shown(result: Result) -> str:
    if isinstance(result, Flow):
        return f"flow {result.name}"
    if isinstance(result, LookupFailure):
        return f"failure ({result.reason})"
    if isinstance(result, Mapping):
        return "found " + ", ".join(f"{k}={v}" for k, v in result.items())
    return "not found" if result is None else str(result)


def _play(command: Play | Collect, walk: Walk, texts: dict[str, str], keys: KeySource, heard: list[str],
          say: Callable[[str], None]) -> str:
    for prompt in command.prompts:
        heard.append(prompt)
        say(f'   plays {prompt}: "{texts.get(prompt, f"[no text for {prompt!r}]")}"')
    if isinstance(command, Play):
        return ""
    entry = keys(walk.node)
    if command.max_digits == 1:
        return entry[:1]
    for at, key in enumerate(entry):
        if key in command.terminator:
            return entry[:at]
    return entry[:command.max_digits]
def _tell(trail: list[Decision], shown: int, say: Callable[[str], None]) -> int:
    for decision in trail[shown:]:
        say(_describe(decision))
    return len(trail)


def _describe(d: Decision) -> str:
    if d.event is Event.ENTER:
        return f"-> {d.node} ({d.detail})"
    if d.event is Event.RETRY:
        reason, attempt = d.detail.split()
        return f"   retry after {'a wrong key' if reason == 'no_match' else 'silence'}: attempt {attempt}"
    return {
        Event.KEY: f"   caller presses {d.detail}",
        Event.TYPE_AHEAD: f"   caller presses {d.detail} during the prompt (kept for the next menu)",
        Event.IGNORED: f"   caller presses {d.detail}: ignored, no barge-in here",
        Event.SILENCE: "   silence",
        Event.CHOICE: f"   choice -> {d.detail}",
        Event.FALLBACK: f"   no valid key after the last attempt: fallback -> {d.detail}",
        Event.ON_SILENCE: f"   every attempt silent: on_silence -> {d.detail}",
        Event.FINISH: f"== hangup ({d.detail})",
        Event.ENTRY: f"   caller enters {d.detail}",
        Event.CONFIRMED: f"   stored {d.detail}",
        Event.REENTER: f"   not confirmed ({d.detail}): enter again",
        Event.SET: f"   set {d.detail}",
        Event.LANGUAGE: f"   language now {d.detail}",
        Event.SKIPPED: f"   says nothing: {d.detail}",
        Event.LOOKUP: f"   lookup: {d.detail}",
        Event.RATED: f"   survey answer {d.detail}",
    }.get(d.event, f"   {d.event}: {d.detail}")
