"""IVR flow schema: what an operator may write in config/ivr/*.yaml.

A flow is a named graph of nodes. Each node has a `type`; `next`/`choices`/`fallback` name
other nodes. Prompts are names of recordings in sounds/<language>/<name>.wav.
Cross-references (unknown node names, unreachable nodes) are checked in `ivr.validate`.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator

NodeName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$")]
PromptName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*$")]
DIGITS = set("0123456789*#")


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str = ""


class PlayNode(_Node):
    """Play prompts in order; with barge_in a key press skips ahead and is kept for the next menu."""

    type: Literal["play"]
    prompts: list[PromptName] = Field(min_length=1)
    barge_in: bool = True
    next: NodeName


class MenuNode(_Node):
    """Ask for one key; retry on silence or a wrong key; then go to a fallback node."""

    type: Literal["menu"]
    prompt: PromptName
    choices: dict[str, NodeName] = Field(min_length=1)
    timeout_s: float = Field(5.0, gt=0, le=60)
    max_attempts: int = Field(3, ge=1, le=10)
    no_input: list[PromptName] = Field(default_factory=list, description="prompt per silent attempt (last one repeats)")
    no_match: list[PromptName] = Field(default_factory=list, description="prompt per wrong key (last one repeats)")
    on_silence: NodeName | None = Field(None, description="where to go when every attempt was silent")
    fallback: NodeName

    @field_validator("choices")
    @classmethod
    def _keys_are_digits(cls, choices: dict[str, str]) -> dict[str, str]:
        bad = [k for k in choices if len(k) != 1 or k not in DIGITS]
        if bad:
            raise ValueError(f"menu keys must be single keys 0-9, * or #; got {bad}")
        return choices


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


class BranchNode(_Node):
    """Go to a node chosen by a call variable's value (e.g. the customer's tier)."""

    type: Literal["branch"]
    variable: Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*$")]
    cases: dict[str, NodeName] = Field(min_length=1)
    default: NodeName


class HangupNode(_Node):
    """End the call with a CDR disposition."""

    type: Literal["hangup"]
    disposition: Literal["completed", "silent", "invalid_input", "closed", "error"] = "completed"


Node = Annotated[Union[PlayNode, MenuNode, QueueNode, BranchNode, HangupNode], Field(discriminator="type")]


class Flow(BaseModel):
    """One call flow: a language, an entry node, and nodes by name."""

    model_config = ConfigDict(extra="forbid")
    name: NodeName
    description: str = ""
    language: Literal["en", "zh"] = "en"
    entry: NodeName
    nodes: dict[NodeName, Node] = Field(min_length=1)

    def targets(self, name: str) -> list[str]:
        node = self.nodes[name]
        if isinstance(node, PlayNode):
            return [node.next]
        if isinstance(node, MenuNode):
            extra = [node.on_silence] if node.on_silence else []
            return [*node.choices.values(), node.fallback, *extra]
        if isinstance(node, BranchNode):
            return [*node.cases.values(), node.default]
        if isinstance(node, QueueNode):
            return [node.next, node.on_timeout, node.on_nobody, *([node.on_callback] if node.on_callback else [])]
        return []

    def prompts(self) -> set[str]:
        names: set[str] = set()
        for node in self.nodes.values():
            if isinstance(node, PlayNode):
                names.update(node.prompts)
            elif isinstance(node, MenuNode):
                names.update([node.prompt, *node.no_input, *node.no_match])
        return names
