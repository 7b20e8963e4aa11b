"""The rate (survey question) node of `ivr.stepper.Walk`: asking, retrying, and the answer it records.

A mixin over the walk's state, like `ivr.stepper_asks`. Each question put ends as exactly one
`Rating` in `Walk.ratings`: `answered` with its score, `no_answer` (every attempt silent),
`invalid` (the attempts ran out and at least one key was wrong) or `hung_up` (the caller left
while it was being asked: `Walk.caller_left`). A key pressed during a barge-in prompt before the
question answers it when it is a valid score; any other type-ahead key is dropped, since the
caller has not heard the question yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from ivr.commands import Collect, Command
from ivr.nodes_survey import RateNode
from ivr.trail import Event

ALL_KEYS = "0123456789*#"


@dataclass(frozen=True)
class Rating:
    """One survey question put to the caller, and how it ended (score only when answered)."""

    node: str
    question: str
    scale: int
    status: str  # answered | no_answer | invalid | hung_up
    score: int | None = None


class RatingMixin:
    """Rate-node answers; `Walk` provides the state (`ratings`, attempts) and `_enter`, `_note`."""

    def _rate_enter(self, node: RateNode) -> Command:
        key, self._pending = self._pending, ""
        self._rating_open = True
        if _score(node, key):
            self._note(Event.KEY, key)
            return self._rated(node, key)
        return self._rate_ask(node, (node.prompt,))

    def _rate_ask(self, node: RateNode, prompts: tuple[str, ...]) -> Collect:
        self._attempt += 1
        return Collect(prompts, int(node.timeout_s * 1000), ALL_KEYS)

    def _rate_answer(self, node: RateNode, key: str) -> Command:
        self._note(Event.KEY if key else Event.SILENCE, key)
        if _score(node, key):
            return self._rated(node, key)
        if key:
            self.digits.append(key)
            self._wrong += 1
        else:
            self._silent += 1
        if self._attempt >= node.max_attempts:
            return self._unrated(node, "invalid" if self._wrong else "no_answer")
        retry, count = (node.no_match, self._wrong) if key else (node.no_input, self._silent)
        said = (retry[min(count, len(retry)) - 1],) if retry else ()
        self._note(Event.RETRY, f"{'no_match' if key else 'no_input'} {self._attempt + 1}/{node.max_attempts}")
        return self._rate_ask(node, (*said, node.prompt))

    def _rated(self, node: RateNode, key: str) -> Command:
        self.digits.append(key)
        return self._record(node, "answered", int(key))

    def _unrated(self, node: RateNode, status: str) -> Command:
        return self._record(node, status, None)

    def _record(self, node: RateNode, status: str, score: int | None) -> Command:
        rating = Rating(self._label(self.node), node.question_id(self.node), node.scale, status, score)
        self.ratings.append(rating)
        self._rating_open = False
        if node.variable:
            self.variables[node.variable] = str(score) if score is not None else status
        self._note(Event.RATED, f"{rating.question}={score if score is not None else status}")
        return self._enter(node.next)

    def _rating_hung_up(self) -> None:
        """The caller left while a question was being asked: it ends as `hung_up`."""
        node = self.flow.nodes.get(self.node)
        if self._rating_open and isinstance(node, RateNode):
            self.ratings.append(Rating(self._label(self.node), node.question_id(self.node), node.scale, "hung_up"))
            self._rating_open = False


def _score(node: RateNode, key: str) -> bool:
    return len(key) == 1 and key.isdigit() and 1 <= int(key) <= node.scale
