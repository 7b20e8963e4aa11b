"""IVR flow schema: what an operator may write in config/ivr/*.yaml.

A flow is a named graph of nodes. Each node has a `type`; fields such as `next`, `choices`,
`fallback`, `found`... name other nodes. Prompts are names of recordings in
sounds/<language>/<name>.wav. Values written as templates (`"{balance}"`, `"A-{account}"`) are
filled from the call's variables: `{name}` only, no expressions. Cross-references (unknown
node names, unreachable nodes, loops) are checked in `ivr.loader`.

Every node kind lists its exits through `exits()` as (field path, target, label), so the
loader, the graph drawer and the reachability checks share one description of the graph;
`no_input_exits()` are the exits a call may take without waiting for the caller (the loader
refuses loops of them), `silent_exits()` the ones a caller who never presses a key takes.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

NodeName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$")]
PromptName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*$")]
VarName = Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*$")]
DIGITS = set("0123456789*#")
LANGUAGES = ("en", "zh")
TEMPLATE_FIELD = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
# A transfer target: digits (an extension or a number) or a PJSIP/Local interface.
TRANSFER_TARGET = r"^([0-9*#+]+|PJSIP/[A-Za-z0-9_.+\-]+(@[A-Za-z0-9_.\-]+)?|Local/[A-Za-z0-9_*#+.\-]+@[A-Za-z0-9_\-]+)$"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TIME_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
Exit = tuple[tuple[str | int, ...], str, str]
"""(field path inside the node, target node, label for diagrams)."""


def _check_template(text: str) -> str:
    leftover = TEMPLATE_FIELD.sub("", text)
    if "{" in leftover or "}" in leftover:
        raise ValueError(f"{text!r}: braces may only hold a variable name, as in '{{balance}}' "
                         "(lower case letters, digits, _); no expressions")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise ValueError(f"{text!r} holds a control character")
    return text


Template = Annotated[str, AfterValidator(_check_template)]


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str = ""

    def exits(self) -> list[Exit]:
        return []

    def no_input_exits(self) -> list[str]:
        """Targets the call may move to without waiting for the caller."""
        return []

    def silent_exits(self) -> list[str]:
        """Targets a caller who never presses a key can reach from here (beyond no-input ones)."""
        return self.no_input_exits()

    def prompt_refs(self) -> list[tuple[tuple[str | int, ...], str]]:
        return []


class _Next(_Node):
    """A node that does its work without the caller, then goes on to `next`."""

    next: NodeName

    def exits(self) -> list[Exit]:
        return [(("next",), self.next, "next")]

    def no_input_exits(self) -> list[str]:
        return [self.next]


class PlayNode(_Next):
    """Play prompts in order; with barge_in a key press skips ahead and is kept for the next menu."""

    type: Literal["play"]
    prompts: list[PromptName] = Field(min_length=1)
    barge_in: bool = True

    def prompt_refs(self) -> list[tuple[tuple[str | int, ...], str]]:
        return [(("prompts", i), p) for i, p in enumerate(self.prompts)]


class _Asks(_Node):
    """Shared by menu and collect: a prompt, attempts, retry prompts, and where silence ends up."""

    prompt: PromptName
    timeout_s: float = Field(5.0, gt=0, le=60)
    max_attempts: int = Field(3, ge=1, le=10)
    no_input: list[PromptName] = Field(default_factory=list, description="prompt per silent attempt (last one repeats)")
    no_match: list[PromptName] = Field(default_factory=list, description="prompt per wrong entry (last one repeats)")
    on_silence: NodeName | None = Field(None, description="where to go when every attempt was silent")
    fallback: NodeName

    def silent_exits(self) -> list[str]:
        return [self.on_silence or self.fallback]

    def _retry_exits(self) -> list[Exit]:
        return [(("fallback",), self.fallback, "timeout/invalid"),
                *([(("on_silence",), self.on_silence, "silence")] if self.on_silence else [])]

    def prompt_refs(self) -> list[tuple[tuple[str | int, ...], str]]:
        return [(("prompt",), self.prompt), *((("no_input", i), p) for i, p in enumerate(self.no_input)),
                *((("no_match", i), p) for i, p in enumerate(self.no_match))]


class MenuNode(_Asks):
    """Ask for one key; retry on silence or a wrong key; then go to a fallback node."""

    type: Literal["menu"]
    choices: dict[str, NodeName] = Field(min_length=1)

    @field_validator("choices")
    @classmethod
    def _keys_are_digits(cls, choices: dict[str, str]) -> dict[str, str]:
        bad = [k for k in choices if len(k) != 1 or k not in DIGITS]
        if bad:
            raise ValueError(f"menu keys must be single keys 0-9, * or #; got {bad}")
        return choices

    def exits(self) -> list[Exit]:
        return [*((("choices", key), t, key) for key, t in self.choices.items()), *self._retry_exits()]


class CollectNode(_Asks):
    """Read several keys into a variable: length limits, a pattern, retries, an optional read-back."""

    type: Literal["collect"]
    variable: VarName
    min_length: int = Field(1, ge=1, le=32)
    max_length: int = Field(16, ge=1, le=32)
    terminator: Literal["#", "*", ""] = Field("#", description="key that ends the entry early ('' for none)")
    pattern: str | None = Field(None, description="regular expression the whole entry must match")
    confirm: bool = Field(False, description="read the entry back and ask: 1 to confirm, 2 to re-enter")
    readback_prompt: PromptName = "you_entered"
    confirm_prompt: PromptName = "confirm_entry"
    next: NodeName

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} is not a valid regular expression: {exc}") from None
        return pattern

    @model_validator(mode="after")
    def _lengths_in_order(self) -> CollectNode:
        if self.min_length > self.max_length:
            raise ValueError(f"min_length {self.min_length} is above max_length {self.max_length}")
        return self

    def exits(self) -> list[Exit]:
        return [(("next",), self.next, "entered"), *self._retry_exits()]

    def prompt_refs(self) -> list[tuple[tuple[str | int, ...], str]]:
        extra = [(("readback_prompt",), self.readback_prompt), (("confirm_prompt",), self.confirm_prompt)]
        return super().prompt_refs() + (extra if self.confirm else [])


class SayNode(_Next):
    """Say a value from a variable or a literal, in the call's language."""

    type: Literal["say"]
    kind: Literal["digits", "number", "money", "date"]
    value: Template = Field(description="'{balance}', '{account}' or a literal such as '2026-12-25'")

    def prompt_refs(self) -> list[tuple[tuple[str | int, ...], str]]:
        return [(("kind",), p) for p in MONEY_PROMPTS] if self.kind == "money" else []


MONEY_PROMPTS = ("money_major", "money_minor", "money_fen")
"""Unit words a money amount needs: dollars/cents in English, 元/角/分 in Mandarin."""


class SetNode(_Next):
    """Set call variables from literals or other variables (`{name}` templates only)."""

    type: Literal["set"]
    values: dict[VarName, Template] = Field(min_length=1)


class LanguageNode(_Next):
    """Switch the call's language: later prompts come from sounds/<language>/."""

    type: Literal["language"]
    language: Literal["en", "zh"] | None = None
    variable: VarName | None = Field(None, description="take the language from this variable (en or zh; "
                                                       "any other value keeps the current one)")

    @model_validator(mode="after")
    def _one_source(self) -> LanguageNode:
        if (self.language is None) == (self.variable is None):
            raise ValueError("give exactly one of 'language' (en or zh) or 'variable'")
        return self


class HoursNode(_Node):
    """Open or closed now: opening hours per weekday and holiday dates, in a time zone."""

    type: Literal["hours"]
    timezone: str = Field(description="IANA name, e.g. Asia/Shanghai or Europe/London")
    weekly: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], list[str]] = Field(
        description="opening ranges per weekday, e.g. mon: ['09:00-12:00', '13:00-18:00']; unlisted days are closed")
    holidays: list[date] = Field(default_factory=list, description="closed all day (YYYY-MM-DD)")
    open: NodeName
    closed: NodeName
    on_holiday: NodeName | None = Field(None, description="where a holiday goes (default: closed)")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {name!r}; use an IANA name such as Asia/Shanghai") from None
        return name

    @field_validator("weekly")
    @classmethod
    def _ranges(cls, weekly: dict[str, list[str]]) -> dict[str, list[str]]:
        for day, ranges in weekly.items():
            for text in ranges:
                match = TIME_RANGE.match(text)
                if not match or match.group(1, 2) >= match.group(3, 4) or match.group(3, 4) > ("24", "00"):
                    raise ValueError(f"{day}: {text!r} is not an opening range like '09:00-17:30' "
                                     "(24-hour clock, start before end, 24:00 allowed as an end)")
        return weekly

    def exits(self) -> list[Exit]:
        return [(("open",), self.open, "open"), (("closed",), self.closed, "closed"),
                *([(("on_holiday",), self.on_holiday, "holiday")] if self.on_holiday else [])]

    def no_input_exits(self) -> list[str]:
        return [target for _, target, _ in self.exits()]


class LookupNode(_Node):
    """Find customer data (customer table or an HTTP endpoint) and put it into call variables."""

    type: Literal["lookup"]
    source: Literal["customer_db", "http"]
    field: Literal["phone", "account"] = Field("phone", description="customer_db: the column to match")
    key: Template = Field("{caller}", description="customer_db: the value to match")
    url: Template | None = Field(None, description="http: GET this URL; {var} values are URL-encoded")
    timeout_s: float = Field(2.0, gt=0, le=30)
    fields: dict[VarName, str] = Field(default_factory=dict,
                                       description="variable: result key (a.b for nested JSON); "
                                                   "empty (customer_db only) = every field")
    found: NodeName
    not_found: NodeName
    failure: NodeName

    @model_validator(mode="after")
    def _source_fields(self) -> LookupNode:
        if self.source == "http":
            if not self.url or not self.url.startswith(("http://", "https://")):
                raise ValueError("an http lookup needs 'url' starting with http:// or https://")
            if not self.fields:
                raise ValueError("an http lookup needs 'fields' (variable: json_key) to say what to keep")
        elif self.url is not None:
            raise ValueError("'url' is for source http; a customer_db lookup uses 'field' and 'key'")
        return self

    def exits(self) -> list[Exit]:
        return [(("found",), self.found, "found"), (("not_found",), self.not_found, "not found"),
                (("failure",), self.failure, "failure")]

    def no_input_exits(self) -> list[str]:
        return [target for _, target, _ in self.exits()]


class QueueNode(_Node):
    """Hand the caller to an ACD queue; the priority can depend on the caller's tier."""

    type: Literal["queue"]
    queue: str
    priority: int = Field(0, ge=0, le=100)
    tier_priority: dict[str, int] = Field(default_factory=dict,
                                          description="priority by the call's `tier` variable (e.g. gold: 10)")
    callback_key: str = Field("", pattern=r"^[0-9*#]?$", description="key that books a call back while waiting")
    next: NodeName = Field(description="after the caller has talked to an agent")
    on_timeout: NodeName = Field(description="max wait reached")
    on_nobody: NodeName = Field(description="nobody logged in who could take the call, or the queue is full")
    on_callback: NodeName | None = None

    def priority_for(self, tier: str | None) -> int:
        return self.tier_priority.get(tier or "", self.priority)

    def exits(self) -> list[Exit]:
        outcomes = [("next", "answered"), ("on_timeout", "timeout"), ("on_nobody", "nobody"),
                    ("on_callback", "callback")]
        return [((key,), getattr(self, key), label) for key, label in outcomes if getattr(self, key)]


class TransferNode(_Node):
    """Connect the caller to an extension, a number or a device, passing call variables along.

    mode dial: Dial the target (a number or extension through Local/<target>@<context>) and come
    back afterwards: `next` once they talked, `on_failure` when busy/unanswered.
    mode goto: leave the IVR for dialplan <context>,<target>,1 (the call ends here for the flow).
    """

    type: Literal["transfer"]
    target: str = Field(pattern=TRANSFER_TARGET,
                        description="digits 0-9 * # + (extension or number), or PJSIP/… or Local/…@context")
    context: str = Field("hotline", pattern=r"^[A-Za-z0-9_\-]+$")
    mode: Literal["dial", "goto"] = "dial"
    ring_s: int = Field(30, ge=1, le=300)
    variables: dict[VarName, Template] = Field(default_factory=dict,
                                               description="set on the channel as HOTLINE_<NAME> before the transfer")
    next: NodeName | None = None
    on_failure: NodeName | None = None

    @model_validator(mode="after")
    def _mode_fields(self) -> TransferNode:
        if self.mode == "dial" and (self.next is None or self.on_failure is None):
            raise ValueError("a dial transfer needs 'next' (after the call) and 'on_failure' (busy, no answer)")
        if self.mode == "goto":
            if self.next or self.on_failure:
                raise ValueError("a goto transfer leaves the flow: remove 'next' and 'on_failure'")
            if not re.fullmatch(r"[0-9*#+]+", self.target):
                raise ValueError("a goto transfer needs an extension (digits) as target, not an interface")
        return self

    def exits(self) -> list[Exit]:
        pairs = [("next", "answered"), ("on_failure", "failed")]
        return [((key,), getattr(self, key), label) for key, label in pairs if getattr(self, key)]

    def no_input_exits(self) -> list[str]:
        return [self.on_failure] if self.on_failure else []  # a far end that fails at once


class CallbackNode(_Next):
    """Record a call-back request for the number in a variable (the caller ID by default)."""

    type: Literal["callback"]
    number_variable: VarName = "caller"
    on_failure: NodeName | None = Field(None, description="no usable number, or booking failed (default: next)")

    def exits(self) -> list[Exit]:
        return [(("next",), self.next, "booked"),
                *([(("on_failure",), self.on_failure, "failed")] if self.on_failure else [])]

    def no_input_exits(self) -> list[str]:
        return [target for _, target, _ in self.exits()]


class GotoNode(_Node):
    """Continue at another node of this flow, or in another flow (`flow:`, at its entry or `node:`)."""

    type: Literal["goto"]
    node: NodeName | None = None
    flow: NodeName | None = None
    fallback: NodeName | None = Field(None, description="when the other flow is not being served")

    @model_validator(mode="after")
    def _where(self) -> GotoNode:
        if self.node is None and self.flow is None:
            raise ValueError("give 'node' (in this flow) or 'flow' (another flow, optionally with its 'node')")
        if self.fallback and not self.flow:
            raise ValueError("'fallback' is only for a goto into another flow")
        return self

    def exits(self) -> list[Exit]:
        if self.flow:
            return [(("fallback",), self.fallback, "flow missing")] if self.fallback else []
        assert self.node is not None
        return [(("node",), self.node, "goto")]

    def no_input_exits(self) -> list[str]:
        return [target for _, target, _ in self.exits()]


class BranchNode(_Node):
    """Go to a node chosen by a call variable's value (e.g. the customer's tier)."""

    type: Literal["branch"]
    variable: VarName
    cases: dict[str, NodeName] = Field(min_length=1)
    default: NodeName

    def exits(self) -> list[Exit]:
        return [*((("cases", value), t, f"{self.variable}={value}") for value, t in self.cases.items()),
                (("default",), self.default, "default")]

    def no_input_exits(self) -> list[str]:
        return [target for _, target, _ in self.exits()]


class VoicemailNode(_Next):
    """Let the caller leave a message in an Asterisk voicemail box (voicemail.conf), then go on."""

    type: Literal["voicemail"]
    mailbox: Annotated[str, Field(pattern=r"^[0-9]{1,10}$")]
    context: Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]+$")] = "hotline"
    greeting: Literal["unavailable", "busy", "none"] = "unavailable"
    on_failure: NodeName | None = Field(None, description="no such mailbox or it failed (default: next)")

    def exits(self) -> list[Exit]:
        return [(("next",), self.next, "left"),
                *([(("on_failure",), self.on_failure, "failed")] if self.on_failure else [])]

    def no_input_exits(self) -> list[str]:
        return [target for _, target, _ in self.exits()]


class HangupNode(_Node):
    """End the call with a CDR disposition."""

    type: Literal["hangup"]
    disposition: Literal["completed", "silent", "invalid_input", "closed", "error"] = "completed"


Node = Annotated[Union[PlayNode, MenuNode, CollectNode, SayNode, SetNode, LanguageNode, HoursNode, LookupNode,
                       QueueNode, TransferNode, CallbackNode, VoicemailNode, GotoNode, BranchNode, HangupNode],
                 Field(discriminator="type")]


class Flow(BaseModel):
    """One call flow: a language, an entry node, and nodes by name."""

    model_config = ConfigDict(extra="forbid")
    name: NodeName
    description: str = ""
    language: Literal["en", "zh"] = "en"
    entry: NodeName
    nodes: dict[NodeName, Node] = Field(min_length=1)

    def targets(self, name: str) -> list[str]:
        return [target for _, target, _ in self.nodes[name].exits()]

    def prompts(self) -> set[str]:
        return {prompt for node in self.nodes.values() for _, prompt in node.prompt_refs()}
