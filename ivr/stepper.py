"""Pure IVR interpreter: (state, result) -> next command. No I/O.

Theory of operation: `Walk.start()` returns the first command for the call shell to execute
(`Play`, `Collect`, `Finish`). The shell performs it and hands the outcome back through
`Walk.feed(result)`, which returns the next command. The walk records the path of nodes and the
keys the caller pressed, so the CDR can say where each caller went and left, and a trail of
`Decision`s (node entered, key, silence, retry, fallback) that the simulator prints and logs can
show. A key pressed while a barge-in prompt plays is kept ("type-ahead") and answers the next
menu without replaying it; a wrong type-ahead key gets the no-match prompt but costs no attempt,
since the caller has not heard the menu yet. A flow that could loop forever without caller input
is refused by the validator; as a second guard one `feed` may enter at most `max_steps` nodes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ivr.models import BranchNode, Flow, HangupNode, MenuNode, PlayNode, QueueNode

ALL_KEYS = "0123456789*#"


@dataclass(frozen=True)
class Play:
    prompts: tuple[str, ...]
    escape_digits: str


@dataclass(frozen=True)
class Collect:
    """Play `prompts` in order (a key ends them) and wait `timeout_ms` for one key."""

    prompts: tuple[str, ...]
    timeout_ms: int
    escape_digits: str


@dataclass(frozen=True)
class Enqueue:
    """Wait in an ACD queue; feed back the outcome (answered, timeout, nobody_logged_in, ...)."""

    queue: str
    priority: int
    callback_key: str


@dataclass(frozen=True)
class Finish:
    disposition: str


Command = Play | Collect | Enqueue | Finish
QUEUE_RESULTS = ("answered", "timeout", "nobody_logged_in", "queue_full", "callback")


class Event(StrEnum):
    ENTER = "enter"            # detail: node type
    KEY = "key"                # detail: key pressed at a menu
    TYPE_AHEAD = "type_ahead"  # detail: key pressed during a barge-in prompt, kept for the next menu
    IGNORED = "ignored"        # detail: key pressed during a prompt without barge-in
    SILENCE = "silence"
    RETRY = "retry"            # detail: "no_input" or "no_match", attempt number
    CHOICE = "choice"          # detail: target node
    FALLBACK = "fallback"      # detail: target node
    ON_SILENCE = "on_silence"  # detail: target node
    FINISH = "finish"          # detail: disposition


@dataclass(frozen=True)
class Decision:
    node: str
    event: Event
    detail: str = ""


class FlowLoopError(RuntimeError):
    error_id = "ivr-loop"


@dataclass
class Walk:
    """The state of one call inside one flow."""

    flow: Flow
    max_steps: int = 1000
    path: list[str] = field(default_factory=list)
    digits: list[str] = field(default_factory=list)
    trail: list[Decision] = field(default_factory=list)
    node: str = ""
    variables: dict[str, str] = field(default_factory=dict)
    _attempt: int = 0
    _silent: int = 0
    _wrong: int = 0
    _pending: str = ""
    _steps: int = 0

    def start(self) -> Command:
        self._steps = 0
        return self._enter(self.flow.entry)

    @property
    def exit_node(self) -> str:
        return self.node

    def feed(self, result: str) -> Command:
        """`result` is the key pressed ('' for none) of the last Play or Collect."""
        self._steps = 0
        current = self.flow.nodes[self.node]
        if isinstance(current, PlayNode):
            if result:
                self._pending = result if current.barge_in else self._pending
                self._note(Event.TYPE_AHEAD if current.barge_in else Event.IGNORED, result)
            return self._enter(current.next)
        if isinstance(current, MenuNode):
            return self._menu_answer(current, result)
        if isinstance(current, QueueNode):
            return self._enter(_after_queue(current, result))
        raise RuntimeError(f"nothing to feed at hangup node {self.node!r}")

    # -- nodes ---------------------------------------------------------------------------
    def _enter(self, name: str) -> Command:
        self._steps += 1
        if self._steps > self.max_steps:
            raise FlowLoopError(f"flow {self.flow.name!r} entered {self.max_steps} nodes without caller "
                                f"input, stopped at {name!r}")
        self.node = name
        self.path.append(name)
        self._attempt = self._silent = self._wrong = 0
        node = self.flow.nodes[name]
        self._note(Event.ENTER, node.type)
        if isinstance(node, PlayNode):
            return Play(tuple(node.prompts), ALL_KEYS if node.barge_in else "")
        if isinstance(node, MenuNode):
            if self._pending:
                key, self._pending = self._pending, ""
                return self._menu_answer(node, key)
            return self._ask(node, (node.prompt,))
        if isinstance(node, BranchNode):
            value = self.variables.get(node.variable, "")
            return self._leave(Event.CHOICE, node.cases.get(value, node.default))
        if isinstance(node, QueueNode):
            self._pending = ""
            return Enqueue(node.queue, node.priority_for(self.variables.get("tier")), node.callback_key)
        assert isinstance(node, HangupNode)
        self._note(Event.FINISH, node.disposition)
        return Finish(node.disposition)

    def _ask(self, node: MenuNode, prompts: tuple[str, ...]) -> Collect:
        self._attempt += 1
        return Collect(prompts, int(node.timeout_s * 1000), ALL_KEYS)

    def _menu_answer(self, node: MenuNode, key: str) -> Command:
        self._note(Event.KEY if key else Event.SILENCE, key)
        if key in node.choices:
            self.digits.append(key)
            return self._leave(Event.CHOICE, node.choices[key])
        if key:
            self.digits.append(key)
            self._wrong += 1
        else:
            self._silent += 1
        if self._attempt >= node.max_attempts:
            if self._wrong == 0 and node.on_silence:
                return self._leave(Event.ON_SILENCE, node.on_silence)
            return self._leave(Event.FALLBACK, node.fallback)
        retry, count = (node.no_match, self._wrong) if key else (node.no_input, self._silent)
        said = (retry[min(count, len(retry)) - 1],) if retry else ()
        self._note(Event.RETRY, f"{'no_match' if key else 'no_input'} {self._attempt + 1}/{node.max_attempts}")
        return self._ask(node, (*said, node.prompt))

    def _leave(self, how: Event, target: str) -> Command:
        self._note(how, target)
        return self._enter(target)

    def _note(self, event: Event, detail: str = "") -> None:
        self.trail.append(Decision(self.node, event, detail))


def _after_queue(node: QueueNode, result: str) -> str:
    if result == "answered":
        return node.next
    if result == "timeout":
        return node.on_timeout
    if result == "callback":
        return node.on_callback or node.next
    if result in ("nobody_logged_in", "queue_full"):
        return node.on_nobody
    raise ValueError(f"unknown queue outcome {result!r}; expected one of {QUEUE_RESULTS}")
