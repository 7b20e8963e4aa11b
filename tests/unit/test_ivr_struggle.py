"""What the walk keeps of a caller's struggle at each question: the annotated path and the IVR exit."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.loader import load_flow
from ivr.stepper import Enqueue, Finish, Walk
from ivr.struggle import IvrExit, NodeVisit, VisitEnd, annotated_path, ivr_exit

ROOT = Path(__file__).resolve().parents[2]


def shipped(name: str):
    return load_flow(ROOT / "config/ivr" / f"{name}.yaml", ROOT / "sounds")


def walk_until_stop(walk: Walk, answers: list[object]) -> object:
    """Feed `answers` in order (silence after them) until the walk finishes or queues."""
    command = walk.start()
    feed = iter(answers)
    while not isinstance(command, (Finish, Enqueue)):
        command = walk.feed(next(feed, ""))
    return command


def test_wrong_keys_twice_at_the_main_menu_go_to_an_agent_with_the_keys_in_the_path() -> None:
    walk = Walk(shipped("main"))
    command = walk_until_stop(walk, ["", "7", "8"])
    assert isinstance(command, Enqueue) and command.queue == "billing"
    menu = walk.visits[0]
    assert (menu.node, menu.no_match, menu.no_input, menu.end) == ("menu", ["7", "8"], 0, VisitEnd.FAILED)
    assert "menu(no_match:7,8)" in walk.path_text
    assert ivr_exit(walk.visits, "completed", queued=True) == IvrExit.TO_AGENT_AFTER_FAILURES


def test_zero_at_the_main_menu_reaches_an_agent_at_the_first_try() -> None:
    walk = Walk(shipped("main"))
    command = walk_until_stop(walk, ["", "0"])
    assert isinstance(command, Enqueue)
    assert walk.visits[0].end == VisitEnd.TO_AGENT and walk.visits[0].tries == 1
    assert walk.path_text == "by_case>by_tier>welcome>menu>agent"
    assert ivr_exit(walk.visits, "completed", queued=True) == IvrExit.TO_AGENT


def test_zero_at_the_selfservice_account_question_reaches_an_agent() -> None:
    walk = Walk(shipped("selfservice"), variables={"caller": "5550000"})
    command = walk.start()
    while not isinstance(command, (Finish, Enqueue)):
        command = walk.feed(None if type(command).__name__ == "Lookup" else "0" if walk.node == "ask_account" else "")
    assert isinstance(command, Enqueue)
    assert walk.visits[0].end == VisitEnd.TO_AGENT


def test_a_silent_caller_keeps_the_silent_script_and_is_not_counted_as_a_failure() -> None:
    walk = Walk(shipped("main"))
    command = walk_until_stop(walk, [])
    assert command == Finish("silent")
    assert walk.visits[0].end == VisitEnd.SILENT and walk.visits[0].no_input == 2
    assert ivr_exit(walk.visits, "silent", queued=False) == IvrExit.SILENT


def test_a_wrong_key_then_a_right_one_is_served_by_self_service() -> None:
    walk = Walk(shipped("main"))
    assert walk_until_stop(walk, ["", "7", "1"]) == Finish("completed")
    assert walk.visits[0].no_match == ["7"] and walk.visits[0].end == VisitEnd.ANSWERED
    assert walk.path_text.startswith("by_case>by_tier>welcome>menu(no_match:7)>billing")
    assert ivr_exit(walk.visits, "completed", queued=False) == IvrExit.SELF_SERVICE


def test_hanging_up_on_a_question_after_a_wrong_key_is_a_failure() -> None:
    walk = Walk(shipped("main"))
    walk.start()
    walk.feed("")
    walk.feed("9")
    walk.caller_left()
    assert walk.visits[0].end == VisitEnd.HUNG_UP
    assert ivr_exit(walk.visits, "caller_hangup", queued=False) == IvrExit.FAILED


def test_hanging_up_during_the_welcome_is_a_plain_caller_hangup() -> None:
    walk = Walk(shipped("main"))
    walk.start()
    walk.caller_left()
    assert walk.visits == []
    assert ivr_exit(walk.visits, "caller_hangup", queued=False) == IvrExit.CALLER_HANGUP


@pytest.mark.parametrize(("visit", "label"), [
    (NodeVisit("menu", "menu", 0), "menu"),
    (NodeVisit("menu", "menu", 0, ["7", "8"]), "menu(no_match:7,8)"),
    (NodeVisit("acct", "collect", 0, ["12"], 1), "acct(no_match:12;no_input:1)"),
])
def test_visit_labels(visit: NodeVisit, label: str) -> None:
    assert visit.label() == label


def test_annotated_path_replaces_each_visit_in_place() -> None:
    visits = [NodeVisit("menu", "menu", 1, ["7"]), NodeVisit("menu", "menu", 3, [], 1)]
    assert annotated_path(["a", "menu", "b", "menu"], visits) == "a>menu(no_match:7)>b>menu(no_input:1)"


def test_validate_warns_when_a_fallback_hangs_up_on_a_caller_who_pressed_keys(tmp_path: Path) -> None:
    from ivr.advice import file_warnings

    text = (ROOT / "config/ivr/main.yaml").read_text().replace("fallback: help_agent", "fallback: goodbye")
    text = text.replace('"1": billing', '"1": billing\n      "9": help_agent')  # keep help_agent reachable
    path = tmp_path / "main.yaml"
    path.write_text(text)
    flow = load_flow(path, ROOT / "sounds")
    [warning] = file_warnings(path, flow)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "fallback: goodbye" in t)
    assert (warning.line, warning.col) == (line, 15)
    assert "menu 'menu' hangs up on a caller who pressed keys" in warning.message
    assert "goodbye -> done" in warning.message


def test_the_shipped_flows_draw_no_warning() -> None:
    from ivr.advice import flow_warnings

    assert flow_warnings(shipped("main")) == [] and flow_warnings(shipped("selfservice")) == []


def test_a_collect_shortcut_must_be_unambiguous() -> None:
    from pydantic import ValidationError

    from ivr.models import CollectNode

    base = {"type": "collect", "variable": "acct", "prompt": "enter_account", "next": "x", "fallback": "y"}
    with pytest.raises(ValidationError, match="min_length of 2"):
        CollectNode.model_validate(base | {"shortcuts": {"0": "agent"}})
    with pytest.raises(ValidationError, match="other than the terminator"):
        CollectNode.model_validate(base | {"min_length": 6, "shortcuts": {"#": "agent"}})
    node = CollectNode.model_validate(base | {"min_length": 6, "shortcuts": {"0": "agent"}})
    assert (("shortcuts", "0"), "agent", "0") in node.exits()
