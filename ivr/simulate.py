"""Walk a flow without a phone: the same `Walk` a call uses, with prompt texts instead of sound.

Keys answer menus only (`--digits 1,-,#`: one entry per menu attempt, `-` or empty = silence);
when the script runs out the caller stays silent, which every valid flow turns into an ending.
Prompts are shown as their text from sounds/prompts.yaml in the flow's language. A queue node
gets the outcome given (`answered` unless told otherwise); branch nodes read the call variables given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TextIO

from cti.yamlconf import load_yaml_with_marks
from ivr.models import DIGITS, Flow
from ivr.stepper import Collect, Decision, Enqueue, Event, Finish, Play, Walk

KeySource = Callable[[str], str]
"""Given the menu node being asked, the key the caller presses ('' for silence)."""


@dataclass(frozen=True)
class Simulation:
    disposition: str
    path: list[str]
    digits: list[str]
    exit_node: str
    prompts: list[str]


def parse_digits(text: str) -> list[str]:
    """'1,-,,#' -> ['1', '', '', '#']; ValueError names a bad entry."""
    keys = []
    for entry in (e.strip() for e in text.split(",")):
        if entry in ("", "-"):
            keys.append("")
        elif len(entry) == 1 and entry in DIGITS:
            keys.append(entry)
        else:
            raise ValueError(f"{entry!r} is not one key; use 0-9, * or #, and - or nothing for silence")
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
            out.write(f"   [{node}] key 0-9 * # (Enter = silence)? ")
            out.flush()
            line = stdin.readline()
            closed = line == ""
            if not stdin.isatty():
                out.write(line if line.endswith("\n") else line + "\n")  # a piped answer is not echoed
            key = line.strip()
            if key == "" or (len(key) == 1 and key in DIGITS):
                return key
            print("   one key please: 0-9, * or #", file=out)
        return ""

    return ask


def prompt_texts(sounds_dir: Path, language: str) -> dict[str, str]:
    """Prompt name -> text for one language, from sounds/prompts.yaml (ConfigError if unreadable)."""
    data, _ = load_yaml_with_marks(sounds_dir / "prompts.yaml")
    texts = data.get(language) if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in (texts or {}).items()}


def simulate(flow: Flow, texts: dict[str, str], keys: KeySource, out: TextIO, caller: str = "", *,
             variables: dict[str, str] | None = None, queue_outcome: str = "answered") -> Simulation:
    """Run `flow` to its end, printing each prompt's text and each decision of the stepper."""
    say = partial(print, file=out)
    shown_caller = "".join(ch for ch in caller if ch.isprintable())
    say(f"flow {flow.name} ({flow.language})" + (f", caller {shown_caller}" if shown_caller else ""))
    walk, heard, shown = Walk(flow, variables=dict(variables or {})), [], 0
    command = walk.start()
    while True:
        shown = _tell(walk.trail, shown, say)
        if isinstance(command, Finish):
            break
        if isinstance(command, Enqueue):
            say(f"   waits in queue {command.queue} (priority {command.priority}): {queue_outcome}")
            command = walk.feed(queue_outcome)
            continue
        command = walk.feed(_play(command, walk, texts, keys, heard, say))
    result = Simulation(command.disposition, list(walk.path), list(walk.digits), walk.exit_node, heard)
    say(f"disposition: {result.disposition}")
    say(f"path: {' > '.join(result.path)}")
    say(f"digits: {''.join(result.digits) or '(none)'}")
    say(f"exit node: {result.exit_node}")
    return result


def _play(command: Play | Collect, walk: Walk, texts: dict[str, str], keys: KeySource, heard: list[str],
          say: Callable[[str], None]) -> str:
    for prompt in command.prompts:
        heard.append(prompt)
        say(f'   plays {prompt}: "{texts.get(prompt, f"[no text for {prompt!r}]")}"')
    return keys(walk.node) if isinstance(command, Collect) else ""


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
    }.get(d.event, f"   {d.event}: {d.detail}")
