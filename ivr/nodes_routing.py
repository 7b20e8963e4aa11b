"""IVR nodes that decide where the call goes: hours, lookup, branch, queue, transfer, callback,
voicemail, goto, hangup (see ivr.models)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from common.calendar import BusinessCalendar, check_ranges, check_zone
from ivr.node_base import TRANSFER_TARGET, Exit, NodeName, Template, VarName, _Next, _Node

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
        return check_zone(name)

    @field_validator("weekly")
    @classmethod
    def _ranges(cls, weekly: dict[str, list[str]]) -> dict[str, list[str]]:
        check_ranges(weekly)
        return weekly

    def calendar(self) -> BusinessCalendar:
        """The node's hours as the shared business calendar (common.calendar)."""
        return BusinessCalendar.of(self.timezone, self.weekly, self.holidays)

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
