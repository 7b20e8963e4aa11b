"""Branch (tier-aware service) and queue hand-off in the pure stepper, on the shipped main flow."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.loader import load_flow
from ivr.stepper import Collect, Enqueue, Finish, Play, Walk

MAIN = load_flow(Path(__file__).resolve().parents[2] / "config/ivr/main.yaml")


def _to_queue(tier: str | None) -> tuple[Walk, Enqueue]:
    walk = Walk(MAIN, variables={"tier": tier} if tier else {})
    command = walk.start()
    assert isinstance(command, Play)
    command = walk.feed("0")  # type-ahead during the welcome answers the menu
    assert isinstance(command, Enqueue)
    return walk, command


@pytest.mark.parametrize("tier, welcome, priority", [("gold", "welcome_gold", 10), ("silver", "welcome", 5),
                                                     (None, "welcome", 0)])
def test_tier_picks_the_welcome_and_the_queue_priority(tier, welcome, priority):
    walk, command = _to_queue(tier)
    assert walk.path[:3] == ["by_case", "by_tier", welcome]  # no open case: the tier route
    assert (command.queue, command.priority, command.callback_key) == ("billing", priority, "1")


@pytest.mark.parametrize("case_queue, tier, priority", [("complaints", None, 5), ("complaints", "gold", 10),
                                                        ("vip", None, 10)])
def test_a_caller_with_an_open_case_goes_to_the_queue_that_owns_it(case_queue, tier, priority):
    walk = Walk(MAIN, variables={"open_case": "yes", "case_id": "C-1", "case_queue": case_queue,
                                 **({"tier": tier} if tier else {})})
    assert isinstance(walk.start(), Play)  # the welcome, no menu
    command = walk.feed("done")
    assert isinstance(command, Enqueue) and (command.queue, command.priority) == (case_queue, priority)
    assert walk.path == ["by_case", f"case_welcome_{case_queue}", f"case_{case_queue}"]


@pytest.mark.parametrize("outcome, then", [("answered", ["done"]), ("timeout", ["queue_timeout", "done"]),
                                           ("nobody_logged_in", ["queue_closed", "done"]),
                                           ("queue_full", ["queue_closed", "done"]),
                                           ("callback", ["callback_booked", "done"])])
def test_queue_outcome_routes_to_its_node(outcome, then):
    walk, _ = _to_queue(None)
    command = walk.feed(outcome)
    while not isinstance(command, Finish):
        assert isinstance(command, (Play, Collect))
        command = walk.feed("")
    assert walk.path[walk.path.index("agent") + 1:] == then
    assert command.disposition == "completed"


def test_unknown_queue_outcome_is_refused():
    walk, _ = _to_queue(None)
    with pytest.raises(ValueError, match="unknown queue outcome"):
        walk.feed("exploded")
