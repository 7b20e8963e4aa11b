"""Pure IVR interpreter: (state, result) -> next command. No I/O, no clock.

Theory of operation: `Walk.start()` returns the first command for the call shell to execute
(`Play`, `Collect`, `Say`, `Lookup`, `Enqueue`, `Transfer`, `Callback`, `GotoFlow`, `Finish`).
The shell performs it and hands the outcome back through `Walk.feed(result)`, which returns the
next command. Nodes that need nothing from the outside (branch, set, language, hours, goto in
this flow) are passed through inside one `feed`. The walk records the path of nodes (nodes of
another flow reached by `goto` as `flow:node`) and the keys the caller pressed, so the CDR can
say where each caller went and left, and a trail of `Decision`s that the simulator prints.

Menu and collect answers live in `ivr.stepper_asks` (a mixin over the walk's state), survey
questions (rate nodes, one `Rating` each in `ratings`) in `ivr.stepper_rate`; the decisions it
records in `ivr.trail`.

A key pressed while a barge-in prompt plays is kept ("type-ahead") and answers the next menu
without replaying it; a wrong type-ahead key gets the no-match prompt but costs no attempt,
since the caller has not heard the menu yet. A collect node discards type-ahead (an entry must
start after its prompt). A flow that could loop forever without caller input is refused by the
validator; as a second guard at most `max_steps` nodes may be entered between two commands that
wait for the caller or a far end (a play, collect, queue or transfer), which also stops a loop
of flows that `goto` each other.

The time is injected: `now` (aware) is what hours nodes read; the shell refreshes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote

# the commands and the trail are re-exported: the shells and the simulator import them from here
from ivr.commands import (CALLBACK_RESULTS, QUEUE_RESULTS, TRANSFER_RESULTS, VOICEMAIL_RESULTS,  # noqa: F401
                          Callback, Collect, Command, Enqueue, Finish, GotoFlow, Lookup, LookupFailure, Play, Result,
                          Say, Transfer, Voicemail)
from ivr.models import (LANGUAGES, BranchNode, CallbackNode, CollectNode, Flow, GotoNode, HangupNode, HoursNode,
                        LanguageNode, LookupNode, MenuNode, PlayNode, QueueNode, RateNode, SayNode, SetNode,
                        TransferNode, VoicemailNode)
from ivr.stepper_asks import ALL_KEYS, AskingMixin, _keys
from ivr.stepper_rate import Rating, RatingMixin
from ivr.struggle import NodeVisit, VisitEnd, annotated_path
from ivr.trail import Decision, Event, FlowLoopError  # noqa: F401
from ivr.values import hours_state, missing_fields, pick_fields, render, say_value

_WAITS = (Play, Collect, Enqueue, Transfer)  # commands that wait for the caller or a far end


@dataclass
class Walk(AskingMixin, RatingMixin):
    """The state of one call inside one flow (and the flows it goes on to)."""

    flow: Flow
    max_steps: int = 1000
    path: list[str] = field(default_factory=list)
    digits: list[str] = field(default_factory=list)
    trail: list[Decision] = field(default_factory=list)
    visits: list[NodeVisit] = field(default_factory=list)  # menu and collect visits (ivr.struggle)
    ratings: list[Rating] = field(default_factory=list)  # survey questions put (ivr.stepper_rate)
    node: str = ""
    variables: dict[str, str] = field(default_factory=dict)
    now: datetime | None = None
    language: str = ""
    _home: str = ""
    _attempt: int = 0
    _silent: int = 0
    _wrong: int = 0
    _pending: str = ""
    _entry: str = ""
    _phase: str = ""
    _steps: int = 0
    _rating_open: bool = False
    _last: Command | None = None

    def __post_init__(self) -> None:
        self.language = self.language or self.flow.language
        self._home = self.flow.name

    def start(self) -> Command:
        self._steps = 0
        return self._issue(self._enter(self.flow.entry))

    @property
    def exit_node(self) -> str:
        return self.path[-1] if self.path else ""

    @property
    def path_text(self) -> str:
        """The path for records and screen pops: `a>menu(no_match:7,8)>b`."""
        return annotated_path(self.path, self.visits)

    def caller_left(self) -> None:
        """The caller hung up: a question still being asked ends as `hung_up`."""
        self._rating_hung_up()
        if self.visits and self.visits[-1].end == VisitEnd.OPEN:
            self.visits[-1].end = VisitEnd.HUNG_UP

    def feed(self, result: Result) -> Command:
        """The outcome of the last command: keys ('' for none), a queue/transfer/callback outcome,
        a lookup result, or the flow a `GotoFlow` asked for."""
        if isinstance(self._last, _WAITS):
            self._steps = 0
        return self._issue(self._answer(self.flow.nodes[self.node], result))

    def _issue(self, command: Command) -> Command:
        self._last = command
        return command

    def _answer(self, current: object, result: Result) -> Command:
        if isinstance(current, PlayNode):
            if result:
                self._pending = str(result) if current.barge_in else self._pending
                self._note(Event.TYPE_AHEAD if current.barge_in else Event.IGNORED, str(result))
            return self._enter(current.next)
        if isinstance(current, MenuNode):
            return self._menu_answer(current, _keys(result)[:1])
        if isinstance(current, CollectNode):
            return self._collect_answer(current, _keys(result))
        if isinstance(current, RateNode):
            return self._rate_answer(current, _keys(result)[:1])
        if isinstance(current, SayNode):
            return self._enter(current.next)
        if isinstance(current, LookupNode):
            return self._lookup_answer(current, result)
        if isinstance(current, QueueNode):
            return self._enter(_after_queue(current, _outcome(result, QUEUE_RESULTS, "queue")))
        if isinstance(current, TransferNode):
            return self._transfer_answer(current, _outcome(result, TRANSFER_RESULTS, "transfer"))
        if isinstance(current, CallbackNode):
            booked = _outcome(result, CALLBACK_RESULTS, "callback") == "booked"
            return self._leave(Event.CHOICE, current.next if booked else current.on_failure or current.next)
        if isinstance(current, VoicemailNode):
            left = _outcome(result, VOICEMAIL_RESULTS, "voicemail") == "left"
            return self._leave(Event.CHOICE, current.next if left else current.on_failure or current.next)
        if isinstance(current, GotoNode):
            return self._switch_flow(current, result)
        raise RuntimeError(f"nothing to feed at {type(current).__name__} {self.node!r}")

    # -- entering nodes ------------------------------------------------------------------
    def _enter(self, name: str) -> Command:
        self._steps += 1
        if self._steps > self.max_steps:
            raise FlowLoopError(f"flow {self.flow.name!r} entered {self.max_steps} nodes without caller "
                                f"input, stopped at {name!r}")
        self.node = name
        self.path.append(self._label(name))
        self._attempt = self._silent = self._wrong = 0
        node = self.flow.nodes[name]
        self._note(Event.ENTER, node.type)
        if isinstance(node, PlayNode):
            return Play(tuple(node.prompts), ALL_KEYS if node.barge_in else "")
        if isinstance(node, (MenuNode, CollectNode)):
            self.visits.append(NodeVisit(self._label(name), node.type, len(self.path) - 1))
        if isinstance(node, MenuNode):
            if self._pending:
                key, self._pending = self._pending, ""
                return self._menu_answer(node, key)
            return self._ask(node, (node.prompt,))
        if isinstance(node, CollectNode):
            self._pending = ""
            return self._ask(node, (node.prompt,))
        if isinstance(node, RateNode):
            return self._rate_enter(node)
        if isinstance(node, BranchNode):
            value = self.variables.get(node.variable, "")
            return self._leave(Event.CHOICE, node.cases.get(value, node.default))
        if isinstance(node, QueueNode):
            self._pending = ""
            return Enqueue(node.queue, node.priority_for(self.variables.get("tier")), node.callback_key)
        if isinstance(node, HangupNode):
            self._note(Event.FINISH, node.disposition)
            return Finish(node.disposition)
        return self._enter_service(node)

    def _enter_service(self, node: object) -> Command:
        """Nodes that work on variables, the clock or the outside world rather than the caller."""
        if isinstance(node, SayNode):
            return self._say(node)
        if isinstance(node, SetNode):
            for variable, template in node.values.items():
                self.variables[variable] = render(template, self.variables)
                self._note(Event.SET, f"{variable}={self.variables[variable]}")
            return self._enter(node.next)
        if isinstance(node, LanguageNode):
            wanted = node.language or self.variables.get(node.variable or "", "")
            self.language = wanted if wanted in LANGUAGES else self.language
            self._note(Event.LANGUAGE, self.language)
            return self._enter(node.next)
        if isinstance(node, HoursNode):
            if self.now is None:
                raise RuntimeError(f"hours node {self.node!r} needs the time: give the Walk `now`")
            state = hours_state(node, self.now)
            target = {"open": node.open, "closed": node.closed, "holiday": node.on_holiday or node.closed}[state]
            self._note(Event.CHOICE, f"{state}")
            return self._enter(target)
        if isinstance(node, LookupNode):
            return self._lookup(node)
        if isinstance(node, TransferNode):
            variables = {k: render(v, self.variables) for k, v in node.variables.items()}
            return Transfer(node.target, variables, node.context, node.mode, node.ring_s)
        if isinstance(node, CallbackNode):
            number = self.variables.get(node.number_variable, "")
            if not number:
                self._note(Event.LOOKUP, f"no number in {node.number_variable!r}")
                return self._leave(Event.FALLBACK, node.on_failure or node.next)
            return Callback(node.number_variable, number)
        if isinstance(node, VoicemailNode):
            return Voicemail(node.mailbox, node.context, node.greeting)
        assert isinstance(node, GotoNode), f"unknown node kind {type(node).__name__}"
        if node.flow is None:
            assert node.node is not None
            return self._leave(Event.CHOICE, node.node)
        return GotoFlow(node.flow, node.node)

    # -- say, lookup, transfer, goto -------------------------------------------------------
    def _say(self, node: SayNode) -> Command:
        text = render(node.value, self.variables)
        value = say_value(node.kind, text)
        if value is None:
            self._note(Event.SKIPPED, f"{text!r} is not a {node.kind} value")
            return self._enter(node.next)
        return Say(node.kind, value)

    def _lookup(self, node: LookupNode) -> Command:
        template = node.url if node.source == "http" else node.key
        assert template is not None
        missing = missing_fields(template, self.variables)
        if missing or not template:
            self._note(Event.LOOKUP, f"not found: no value for {', '.join(missing)}")
            return self._leave(Event.CHOICE, node.not_found)
        if node.source == "http":
            return Lookup("http", render(template, self.variables, lambda v: quote(v, safe="")),
                          timeout_s=node.timeout_s)
        return Lookup("customer_db", render(template, self.variables), node.field, node.timeout_s)

    def _lookup_answer(self, node: LookupNode, result: Result) -> Command:
        if isinstance(result, LookupFailure):
            self._note(Event.LOOKUP, f"failure: {result.reason}")
            return self._leave(Event.CHOICE, node.failure)
        if result is None or (isinstance(result, Mapping) and not result):
            self._note(Event.LOOKUP, "not found")
            return self._leave(Event.CHOICE, node.not_found)
        if not isinstance(result, Mapping):
            raise TypeError(f"lookup result must be a mapping, None or LookupFailure, got {type(result).__name__}")
        found = pick_fields(result, node.fields)
        self.variables.update(found)
        self._note(Event.LOOKUP, f"found: {', '.join(sorted(found))}")
        return self._leave(Event.CHOICE, node.found)

    def _transfer_answer(self, node: TransferNode, outcome: str) -> Command:
        if node.mode == "goto" or outcome == "transferred":
            self._note(Event.FINISH, "transferred")
            return Finish("transferred")
        target = node.next if outcome == "answered" else node.on_failure
        assert target is not None
        return self._leave(Event.CHOICE, target)

    def _switch_flow(self, node: GotoNode, result: Result) -> Command:
        target = (node.node or result.entry) if isinstance(result, Flow) else None
        if isinstance(result, Flow) and target in result.nodes:
            self._note(Event.CHOICE, f"{result.name}:{target}")
            self.flow = result
            return self._enter(target)
        self._note(Event.FALLBACK, f"flow {node.flow!r} is not served" + (f" (or has no node {node.node!r})"
                                                                          if node.node else ""))
        if node.fallback:
            return self._enter(node.fallback)
        self._note(Event.FINISH, "error")
        return Finish("error")

    # -- bookkeeping -------------------------------------------------------------------------
    def _leave(self, how: Event, target: str) -> Command:
        self._note(how, target)
        return self._enter(target)

    def _label(self, name: str) -> str:
        return name if self.flow.name == self._home else f"{self.flow.name}:{name}"

    def _note(self, event: Event, detail: str = "") -> None:
        self.trail.append(Decision(self._label(self.node), event, detail))


def _outcome(result: Result, known: tuple[str, ...], what: str) -> str:
    if result not in known:
        raise ValueError(f"unknown {what} outcome {result!r}; expected one of {known}")
    return str(result)


def _after_queue(node: QueueNode, result: str) -> str:
    if result == "answered":
        return node.next
    if result == "timeout":
        return node.on_timeout
    if result == "callback":
        return node.on_callback or node.next
    return node.on_nobody  # nobody_logged_in, queue_full
