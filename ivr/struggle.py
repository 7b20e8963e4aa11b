"""How a caller fared at each question the IVR asked: tries, wrong keys, silences, and how they left.

Theory of operation: every visit of a menu or collect node is one `NodeVisit`. The walk notes
each wrong entry (keys the node does not accept) and each silence, and how the visit ended:
a valid answer (`answered`), a key that leads straight to an agent queue (`to_agent`, e.g. 0),
the node's fallback after its attempts ran out (`failed`), its on_silence branch (`silent`), or
the caller hanging up there (`hung_up`). From the visits come the annotated path for the CDR and
screen pop (`menu(no_match:7,8)`), and the call's IVR exit: a caller the machine could not help
is told apart from one it served.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class VisitEnd(StrEnum):
    ANSWERED = "answered"
    TO_AGENT = "to_agent"
    FAILED = "failed"
    SILENT = "silent"
    HUNG_UP = "hung_up"
    OPEN = ""  # still asking (the call is in progress)


class IvrExit(StrEnum):
    """How a call left the IVR (the CDR's `ivr_exit`)."""

    SELF_SERVICE = "self_service"            # served by the flow, no failed question
    FAILED = "failed"                        # ended in the IVR after a question the caller could not answer
    SILENT = "silent"                        # silent line: asked, never heard
    CALLER_HANGUP = "caller_hangup"          # hung up in the IVR, no failed question before
    TO_AGENT = "to_agent"                    # reached an agent queue
    TO_AGENT_AFTER_FAILURES = "to_agent_after_failures"  # reached a queue after wrong keys or silences
    TRANSFERRED = "transferred"              # handed on by a transfer node
    ERROR = "error"


@dataclass
class NodeVisit:
    """One visit of a menu or collect node; `index` is its place in the walk's path."""

    node: str
    kind: str
    index: int
    no_match: list[str] = field(default_factory=list)
    no_input: int = 0
    end: VisitEnd = VisitEnd.OPEN

    @property
    def tries(self) -> int:
        return len(self.no_match) + self.no_input + (self.end in (VisitEnd.ANSWERED, VisitEnd.TO_AGENT))

    @property
    def struggled(self) -> bool:
        return bool(self.no_match or self.no_input) or self.end in (VisitEnd.FAILED, VisitEnd.SILENT)

    def label(self) -> str:
        """`menu`, or `menu(no_match:7,8;no_input:1)` when the caller needed more than one try."""
        notes = ([f"no_match:{','.join(k or '?' for k in self.no_match)}"] if self.no_match else []) + \
                ([f"no_input:{self.no_input}"] if self.no_input else [])
        return f"{self.node}({';'.join(notes)})" if notes else self.node


def annotated_path(path: Sequence[str], visits: Sequence[NodeVisit]) -> str:
    """The walk's path joined with `>`, each struggled visit annotated in place."""
    labels = list(path)
    for visit in visits:
        if visit.index < len(labels):
            labels[visit.index] = visit.label()
    return ">".join(labels)


def ivr_exit(visits: Sequence[NodeVisit], disposition: str, queued: bool) -> IvrExit:
    """Classify the call: `disposition` is the walk's (or caller_hangup/error), `queued` whether it
    reached an agent queue. A caller who got an answer after a wrong key was still served; one who
    ran out of attempts, or hung up on a question they were struggling with, was not."""
    if queued:
        return IvrExit.TO_AGENT_AFTER_FAILURES if any(v.struggled for v in visits) else IvrExit.TO_AGENT
    if disposition == "silent":
        return IvrExit.SILENT
    if disposition in ("transferred", "error"):
        return IvrExit(disposition)
    gave_up = bool(visits) and visits[-1].end == VisitEnd.HUNG_UP and visits[-1].struggled
    if gave_up or any(v.end in (VisitEnd.FAILED, VisitEnd.SILENT) for v in visits):
        return IvrExit.FAILED
    return IvrExit.CALLER_HANGUP if disposition == "caller_hangup" else IvrExit.SELF_SERVICE
