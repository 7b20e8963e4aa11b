"""Pure IVR interpreter: (state, result) -> next command. No I/O.

Theory of operation: `Walk.start()` returns the first command for the call shell to execute
(`Play`, `Collect`, `Finish`). The shell performs it and hands the outcome back through
`Walk.feed(result)`, which returns the next command. The walk records the path of nodes and the
keys the caller pressed, so the CDR can say where each caller went and left. A key pressed while
a barge-in prompt plays is kept ("type-ahead") and answers the next menu without replaying it.
A flow that could loop forever without caller input is refused by the validator; as a second
guard the walk stops after `max_steps` steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ivr.models import Flow, HangupNode, MenuNode, PlayNode


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
class Finish:
    disposition: str


Command = Play | Collect | Finish


class FlowLoopError(RuntimeError):
    error_id = "ivr-loop"


@dataclass
class Walk:
    """The state of one call inside one flow."""

    flow: Flow
    max_steps: int = 1000
    path: list[str] = field(default_factory=list)
    digits: list[str] = field(default_factory=list)
    node: str = ""
    _attempt: int = 0
    _silent: int = 0
    _pending: str = ""
    _steps: int = 0

    def start(self) -> Command:
        return self._enter(self.flow.entry)

    @property
    def exit_node(self) -> str:
        return self.node

    def feed(self, result: str) -> Command:
        """`result` is the key pressed ('' for none) of the last Play or Collect."""
        current = self.flow.nodes[self.node]
        if isinstance(current, PlayNode):
            if result and current.barge_in:
                self._pending = result
            return self._enter(current.next)
        if isinstance(current, MenuNode):
            return self._menu_answer(current, result)
        raise RuntimeError(f"nothing to feed at hangup node {self.node!r}")

    # -- nodes ---------------------------------------------------------------------------
    def _enter(self, name: str) -> Command:
        self._steps += 1
        if self._steps > self.max_steps:
            raise FlowLoopError(f"flow {self.flow.name!r} ran {self.max_steps} steps without ending at {name!r}")
        self.node = name
        self.path.append(name)
        self._attempt = self._silent = 0
        node = self.flow.nodes[name]
        if isinstance(node, PlayNode):
            escape = self._all_keys() if node.barge_in else ""
            return Play(tuple(node.prompts), escape)
        if isinstance(node, MenuNode):
            if self._pending:
                key, self._pending = self._pending, ""
                return self._menu_answer(node, key)
            return self._ask(node, (node.prompt,))
        assert isinstance(node, HangupNode)
        return Finish(node.disposition)

    def _ask(self, node: MenuNode, prompts: tuple[str, ...]) -> Collect:
        self._attempt += 1
        return Collect(prompts, int(node.timeout_s * 1000), self._all_keys())

    def _menu_answer(self, node: MenuNode, key: str) -> Command:
        if key in node.choices:
            self.digits.append(key)
            return self._enter(node.choices[key])
        if key:
            self.digits.append(key)
        else:
            self._silent += 1
        if self._attempt >= node.max_attempts:
            if self._silent == self._attempt and node.on_silence:
                return self._enter(node.on_silence)
            return self._enter(node.fallback)
        retry = node.no_match if key else node.no_input
        said = (retry[min(self._attempt, len(retry)) - 1],) if retry else ()
        return self._ask(node, (*said, node.prompt))

    @staticmethod
    def _all_keys() -> str:
        return "0123456789*#"

