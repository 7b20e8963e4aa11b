"""What every IVR node shares: names, templates, constants, and the exits protocol (see ivr.models)."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from common.calendar import TIME_RANGE, WEEKDAYS  # noqa: F401 (re-exported: the shared calendar's)

NodeName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$")]
PromptName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*$")]
VarName = Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*$")]
DIGITS = set("0123456789*#")
LANGUAGES = ("en", "zh")
TEMPLATE_FIELD = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
# A transfer target: digits (an extension or a number) or a PJSIP/Local interface.
TRANSFER_TARGET = r"^([0-9*#+]+|PJSIP/[A-Za-z0-9_.+\-]+(@[A-Za-z0-9_.\-]+)?|Local/[A-Za-z0-9_*#+.\-]+@[A-Za-z0-9_\-]+)$"
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
