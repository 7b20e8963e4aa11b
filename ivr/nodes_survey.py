"""The survey question node (`rate`): "press 1 to 5", one key, stored as a survey answer.

A rate node is how a survey flow (a queue's or a campaign's `survey:`) puts one question. Keys
1..scale are the answer. Silence or another key retries (up to `max_attempts`, with the
no_input / no_match prompts as menus have them); when the attempts run out the walk records
`no_answer` (every attempt silent) or `invalid` (a wrong key at least once) and goes on to
`next` all the same: an unanswered question never stops the survey and is never a score.
Scales: 2 is a yes/no question (1 = yes, 2 = no); 3 or more is a rating, higher = better
(docs/survey.md gives the CSAT definition per scale).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ivr.node_base import Exit, NodeName, PromptName, VarName, _Node

QuestionId = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$", max_length=40)]


class RateNode(_Node):
    """Put one survey question: one key 1..scale, retries, then `next` whatever the answer."""

    type: Literal["rate"]
    question: QuestionId | None = Field(None, description="id stored with the answer (default: the node's name)")
    prompt: PromptName
    scale: int = Field(5, ge=2, le=9, description="keys 1..scale answer; 2 = yes/no (1 yes), 3+ = higher is better")
    timeout_s: float = Field(5.0, gt=0, le=60)
    max_attempts: int = Field(2, ge=1, le=5)
    no_input: list[PromptName] = Field(default_factory=list, description="prompt per silent attempt (last repeats)")
    no_match: list[PromptName] = Field(default_factory=list, description="prompt per wrong key (last repeats)")
    variable: VarName | None = Field(None, description="also keep the answer in this call variable: the score, "
                                                       "or no_answer / invalid (for a branch node)")
    next: NodeName

    def question_id(self, name: str) -> str:
        return self.question or name

    def exits(self) -> list[Exit]:
        return [(("next",), self.next, "rated / no answer")]

    def silent_exits(self) -> list[str]:
        return [self.next]

    def prompt_refs(self) -> list[tuple[tuple[str | int, ...], str]]:
        return [(("prompt",), self.prompt), *((("no_input", i), p) for i, p in enumerate(self.no_input)),
                *((("no_match", i), p) for i, p in enumerate(self.no_match))]
