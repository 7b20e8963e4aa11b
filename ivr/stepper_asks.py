"""The menu and collect nodes of `ivr.stepper.Walk`: asking, retrying, reading back, confirming.

A mixin over the walk's state (attempts, silent and wrong counts, the collect phase: entry ->
readback -> say -> confirm); see `ivr.stepper` for the theory of operation.
"""

from __future__ import annotations

import re

from ivr.commands import Collect, Command, Play, Result, Say
from ivr.models import CollectNode, Flow, MenuNode, PlayNode, QueueNode
from ivr.struggle import VisitEnd
from ivr.trail import Event

ALL_KEYS = "0123456789*#"


class AskingMixin:
    """Menu and collect answers; `Walk` provides the state (`visits` too) and `_leave`, `_note`."""

    def _ask(self, node: MenuNode | CollectNode, prompts: tuple[str, ...]) -> Collect:
        self._attempt += 1
        self._phase = "entry"
        if isinstance(node, MenuNode):
            return Collect(prompts, int(node.timeout_s * 1000), ALL_KEYS)
        return Collect(prompts, int(node.timeout_s * 1000), ALL_KEYS, node.max_length, node.terminator)

    def _menu_answer(self, node: MenuNode, key: str) -> Command:
        self._note(Event.KEY if key else Event.SILENCE, key)
        if key in node.choices:
            self.digits.append(key)
            return self._choose(node.choices[key])
        if key:
            self.digits.append(key)
        self._visit_miss(key)
        return self._retry(node, wrong=bool(key))

    def _collect_answer(self, node: CollectNode, keys: str) -> Command:
        if self._phase == "readback":
            self._phase = "say"
            return Say("digits", self._entry)
        if self._phase == "say":
            self._phase = "confirm"
            return Collect((node.confirm_prompt,), int(node.timeout_s * 1000), ALL_KEYS)
        if self._phase == "confirm":
            return self._confirm_answer(node, keys[:1])
        self._note(Event.ENTRY if keys else Event.SILENCE, keys)
        self.digits.extend(keys)
        if keys in node.shortcuts:
            return self._choose(node.shortcuts[keys])
        if keys and _entry_ok(node, keys):
            if not node.confirm:
                return self._accept(node, keys)
            self._entry, self._phase = keys, "readback"
            return Play((node.readback_prompt,), "")
        self._visit_miss(keys)
        return self._retry(node, wrong=bool(keys))

    def _confirm_answer(self, node: CollectNode, key: str) -> Command:
        if key == "1":
            self.digits.append(key)
            return self._accept(node, self._entry)
        self.digits.extend(key)
        self._note(Event.REENTER, key or "silence")
        if self._attempt >= node.max_attempts:
            self._visit_end(VisitEnd.FAILED)
            return self._leave(Event.FALLBACK, node.fallback)
        return self._ask(node, (node.prompt,))

    def _accept(self, node: CollectNode, keys: str) -> Command:
        self.variables[node.variable] = keys
        self._visit_end(VisitEnd.ANSWERED)
        self._note(Event.CONFIRMED, f"{node.variable}={keys}")
        return self._leave(Event.CHOICE, node.next)

    def _retry(self, node: MenuNode | CollectNode, wrong: bool) -> Command:
        if wrong:
            self._wrong += 1
        else:
            self._silent += 1
        if self._attempt >= node.max_attempts:
            if self._wrong == 0 and node.on_silence:
                self._visit_end(VisitEnd.SILENT)
                return self._leave(Event.ON_SILENCE, node.on_silence)
            self._visit_end(VisitEnd.FAILED)
            return self._leave(Event.FALLBACK, node.fallback)
        retry, count = (node.no_match, self._wrong) if wrong else (node.no_input, self._silent)
        said = (retry[min(count, len(retry)) - 1],) if retry else ()
        self._note(Event.RETRY, f"{'no_match' if wrong else 'no_input'} {self._attempt + 1}/{node.max_attempts}")
        return self._ask(node, (*said, node.prompt))


    def _choose(self, target: str) -> Command:
        """A menu choice or collect shortcut: `to_agent` when it leads (through plays) to a queue."""
        self._visit_end(VisitEnd.TO_AGENT if _reaches_queue(self.flow, target) else VisitEnd.ANSWERED)
        return self._leave(Event.CHOICE, target)

    def _visit_miss(self, keys: str) -> None:
        """A wrong entry (keys) or a silence ('') at the node being asked."""
        visit = self.visits[-1]
        if keys:
            visit.no_match.append(keys)
        else:
            visit.no_input += 1

    def _visit_end(self, end: VisitEnd) -> None:
        self.visits[-1].end = end


def _reaches_queue(flow: Flow, name: str) -> bool:
    """Whether `name` is a queue node, or prompts that lead straight to one ("connecting you...")."""
    for _ in range(len(flow.nodes)):
        node = flow.nodes.get(name)
        if not isinstance(node, PlayNode):
            return isinstance(node, QueueNode)
        name = node.next
    return False


def _entry_ok(node: CollectNode, keys: str) -> bool:
    if not node.min_length <= len(keys) <= node.max_length or not set(keys) <= set(ALL_KEYS):
        return False
    return node.pattern is None or re.fullmatch(node.pattern, keys) is not None


def _keys(result: Result) -> str:
    if not isinstance(result, str):
        raise TypeError(f"expected the keys pressed, got {type(result).__name__}")
    return result
