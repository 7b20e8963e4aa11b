"""The pure IVR stepper: every node kind and path, and termination over every flow the loader accepts."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ivr.loader import graph_issues
from ivr.models import Flow
from ivr.stepper import ALL_KEYS, Callback, Collect, Event, Finish, Lookup, LookupFailure, Play, Say, Transfer, Walk


def flow(**overrides: Any) -> Flow:
    """welcome (play) -> menu {1: billing, 2: fault}; fallback goodbye; on_silence cannot_hear."""
    menu = {"type": "menu", "prompt": "main_menu", "choices": {"1": "billing", "2": "fault"},
            "timeout_s": 4, "max_attempts": 3, "no_match": ["invalid", "invalid_again"],
            "no_input": ["no_input"], "on_silence": "cannot_hear", "fallback": "goodbye"}
    nodes: dict[str, Any] = {
        "welcome": {"type": "play", "prompts": ["welcome", "intro"], "next": "menu"},
        "menu": menu | overrides.pop("menu", {}),
        "billing": {"type": "play", "prompts": ["billing"], "next": "goodbye"},
        "fault": {"type": "play", "prompts": ["fault"], "barge_in": False, "next": "goodbye"},
        "goodbye": {"type": "play", "prompts": ["goodbye"], "barge_in": False, "next": "done"},
        "cannot_hear": {"type": "play", "prompts": ["cannot_hear"], "next": "silent"},
        "silent": {"type": "hangup", "disposition": "silent"},
        "done": {"type": "hangup"},
    }
    for name, change in overrides.pop("nodes", {}).items():
        nodes[name] = nodes[name] | change
    return Flow.model_validate({"name": "t", "entry": "welcome", "nodes": nodes, **overrides})


def run(walk: Walk, results: list[str]) -> list[Play | Collect | Finish]:
    """Commands issued, feeding `results` in order (silence once they run out)."""
    commands = [walk.start()]
    feed = iter(results)
    while not isinstance(commands[-1], Finish):
        commands.append(walk.feed(next(feed, "")))
    return commands


MENU = Collect(("main_menu",), 4000, ALL_KEYS)


def test_play_node_offers_every_key_when_barge_in_and_none_without() -> None:
    walk = Walk(flow())
    assert walk.start() == Play(("welcome", "intro"), ALL_KEYS)
    assert walk.feed("") == MENU
    assert walk.feed("2") == Play(("fault",), "")


def test_menu_choice_goes_to_its_node_and_records_path_digits_and_exit() -> None:
    walk = Walk(flow())
    commands = run(walk, ["", "1", "", ""])
    assert commands == [Play(("welcome", "intro"), ALL_KEYS), MENU, Play(("billing",), ALL_KEYS),
                        Play(("goodbye",), ""), Finish("completed")]
    assert walk.path == ["welcome", "menu", "billing", "goodbye", "done"]
    assert walk.digits == ["1"]
    assert walk.exit_node == "done"


def test_barge_in_key_answers_the_next_menu_without_replaying_it() -> None:
    walk = Walk(flow())
    walk.start()
    assert walk.feed("2") == Play(("fault",), "")
    assert walk.path == ["welcome", "menu", "fault"]
    assert walk.digits == ["2"]
    assert [d.event for d in walk.trail[:3]] == [Event.ENTER, Event.TYPE_AHEAD, Event.ENTER]


def test_key_during_prompt_without_barge_in_is_ignored() -> None:
    walk = Walk(flow(nodes={"welcome": {"barge_in": False}}))
    assert walk.start() == Play(("welcome", "intro"), "")
    assert walk.feed("1") == MENU
    assert walk.digits == []
    assert Event.IGNORED in [d.event for d in walk.trail]


def test_wrong_key_plays_no_match_then_the_menu_again() -> None:
    walk = Walk(flow())
    walk.start()
    walk.feed("")
    assert walk.feed("9") == Collect(("invalid", "main_menu"), 4000, ALL_KEYS)
    assert walk.feed("7") == Collect(("invalid_again", "main_menu"), 4000, ALL_KEYS)
    assert walk.digits == ["9", "7"]
    assert walk.node == "menu"


def test_silence_plays_no_input_then_the_menu_again_and_last_prompt_repeats() -> None:
    walk = Walk(flow())
    walk.start()
    walk.feed("")
    assert walk.feed("") == Collect(("no_input", "main_menu"), 4000, ALL_KEYS)
    assert walk.feed("") != MENU  # third silent attempt ends the menu


def test_silence_without_no_input_prompts_replays_only_the_menu() -> None:
    walk = Walk(flow(menu={"no_input": []}))
    walk.start()
    walk.feed("")
    assert walk.feed("") == MENU


def test_retry_prompts_count_wrong_keys_and_silences_separately() -> None:
    walk = Walk(flow(menu={"max_attempts": 4}))
    walk.start()
    walk.feed("")
    assert walk.feed("") == Collect(("no_input", "main_menu"), 4000, ALL_KEYS)
    assert walk.feed("9") == Collect(("invalid", "main_menu"), 4000, ALL_KEYS)  # first wrong key
    assert walk.feed("9") == Collect(("invalid_again", "main_menu"), 4000, ALL_KEYS)


def test_max_attempts_with_a_wrong_key_goes_to_fallback() -> None:
    walk = Walk(flow())
    commands = run(walk, ["", "9", "", ""])
    assert commands[-2:] == [Play(("goodbye",), ""), Finish("completed")]
    assert walk.path == ["welcome", "menu", "goodbye", "done"]
    assert walk.digits == ["9"]
    assert any(d.event is Event.FALLBACK and d.detail == "goodbye" for d in walk.trail)


def test_all_silent_attempts_go_to_on_silence() -> None:
    walk = Walk(flow())
    assert run(walk, [])[-1] == Finish("silent")
    assert walk.path == ["welcome", "menu", "cannot_hear", "silent"]
    assert walk.exit_node == "silent"
    assert [d.event for d in walk.trail].count(Event.SILENCE) == 3


def test_all_silent_without_on_silence_goes_to_fallback() -> None:
    walk = Walk(flow(menu={"on_silence": None}))
    assert run(walk, [])[-1] == Finish("completed")
    assert walk.path == ["welcome", "menu", "goodbye", "done"]


def test_wrong_type_ahead_key_costs_no_attempt_and_plays_first_no_match() -> None:
    walk = Walk(flow(menu={"max_attempts": 1}))
    walk.start()
    assert walk.feed("5") == Collect(("invalid", "main_menu"), 4000, ALL_KEYS)
    assert walk.feed("") == Play(("goodbye",), "")  # a wrong key was pressed: not a silent caller


def test_hangup_entry_finishes_at_once_and_cannot_be_fed() -> None:
    walk = Walk(Flow.model_validate({"name": "t", "entry": "bye",
                                     "nodes": {"bye": {"type": "hangup", "disposition": "closed"}}}))
    assert walk.start() == Finish("closed")
    assert walk.path == ["bye"]
    with pytest.raises(RuntimeError):
        walk.feed("1")


def test_a_long_call_through_a_menu_loop_is_not_mistaken_for_a_runaway_flow() -> None:
    walk = Walk(flow(nodes={"billing": {"next": "menu"}}), max_steps=5)
    walk.start()
    walk.feed("")
    for _ in range(20):
        assert walk.feed("1") == Play(("billing",), ALL_KEYS)
        assert walk.feed("") == MENU
    assert len(walk.path) == 42


# ---------------------------------------------------------------- property: every valid flow ends

ENTRIES = st.one_of(st.sampled_from(["", *"0123456789*#"]), st.text(alphabet="0123456789*#", max_size=8))
KINDS = ["play", "menu", "hangup", "collect", "say", "set", "language", "branch", "hours", "lookup", "goto",
         "callback", "transfer"]
NOW = datetime(2026, 3, 16, 10, 30, tzinfo=timezone.utc)


@st.composite
def flows(draw: st.DrawFn) -> Flow:
    """Random graphs of every node kind the stepper runs without an ACD; edges may point anywhere, loops included."""
    n = draw(st.integers(2, 8))
    names = [f"n{i}" for i in range(n)]
    kinds = [draw(st.sampled_from(KINDS)) for _ in names]
    kinds[-1] = "hangup"
    # Bias the silent path (play next, menu on_silence/fallback) forward so most draws are valid.
    forward = lambda i: st.one_of(st.sampled_from(names[i + 1:] or names), st.sampled_from(names))  # noqa: E731
    nodes = {name: _node(draw, kind, names, forward(i)) for i, (name, kind) in enumerate(zip(names, kinds))}
    built = Flow.model_validate({"name": "rand", "entry": "n0", "nodes": nodes})
    reachable = _reachable(built)
    return built.model_copy(update={"nodes": {k: v for k, v in built.nodes.items() if k in reachable}})


def _node(draw: st.DrawFn, kind: str, names: list[str], ahead: st.SearchStrategy[str]) -> dict[str, Any]:
    anywhere = st.sampled_from(names)
    asks = {"prompt": "m", "max_attempts": draw(st.integers(1, 3)), "no_match": draw(st.lists(st.just("nm"), max_size=2)),
            "no_input": draw(st.lists(st.just("ni"), max_size=2)),
            "on_silence": draw(st.one_of(st.none(), ahead)), "fallback": draw(ahead)}
    if kind == "play":
        return {"type": "play", "prompts": ["p"], "barge_in": draw(st.booleans()), "next": draw(ahead)}
    if kind == "menu":
        keys = draw(st.lists(st.sampled_from(list("0123456789*#")), min_size=1, max_size=4, unique=True))
        return {"type": "menu", "choices": {k: draw(anywhere) for k in keys}, **asks}
    if kind == "collect":
        low = draw(st.integers(1, 4))
        return {"type": "collect", "variable": "v", "min_length": low, "max_length": draw(st.integers(low, 6)),
                "terminator": draw(st.sampled_from(["#", "*", ""])), "confirm": draw(st.booleans()),
                "pattern": draw(st.sampled_from([None, "1.*", "[0-9]+"])), "next": draw(anywhere), **asks}
    if kind == "say":
        return {"type": "say", "kind": draw(st.sampled_from(["digits", "number", "money", "date"])),
                "value": "{v}", "next": draw(ahead)}
    if kind == "set":
        return {"type": "set", "values": {"tier": draw(st.sampled_from(["gold", "{v}"]))}, "next": draw(ahead)}
    if kind == "language":
        return {"type": "language", "language": draw(st.sampled_from(["en", "zh"])), "next": draw(ahead)}
    if kind == "branch":
        return {"type": "branch", "variable": "tier", "cases": {"gold": draw(ahead)}, "default": draw(ahead)}
    if kind == "hours":
        return {"type": "hours", "timezone": "Asia/Shanghai", "weekly": {"mon": ["09:00-18:00"]},
                "open": draw(ahead), "closed": draw(ahead)}
    if kind == "lookup":
        return {"type": "lookup", "source": "customer_db", "key": "{v}", "found": draw(ahead),
                "not_found": draw(ahead), "failure": draw(ahead)}
    if kind == "goto":
        return {"type": "goto", "node": draw(ahead)}
    if kind == "callback":
        return {"type": "callback", "number_variable": "v", "next": draw(ahead), "on_failure": draw(ahead)}
    if kind == "transfer":
        return {"type": "transfer", "target": "2001", "next": draw(anywhere), "on_failure": draw(ahead)}
    return {"type": "hangup"}


def _reachable(f: Flow) -> set[str]:
    seen, todo = set(), [f.entry]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += f.targets(name)
    return seen


LOOKUP_RESULTS = st.sampled_from([None, {}, {"tier": "gold"}, {"v": "12"}, LookupFailure("down")])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(flows(), st.lists(ENTRIES, max_size=30), st.data())
def test_every_accepted_flow_finishes_for_any_keys_then_silence(f: Flow, entries: list[str], data: st.DataObject) -> None:
    """Caller input (keys, and what far ends answer while the caller is active) comes from a finite script;
    then the caller is silent and every far end fails; lookups may answer anything at any time."""
    assume(not graph_issues(f))
    walk = Walk(f, max_steps=2 * len(f.nodes) + 2, now=NOW)  # within one input no node is entered twice
    attempts = max((getattr(node, "max_attempts", 1) for node in f.nodes.values()))
    bound = (len(entries) + 1) * (len(f.nodes) + 2) * (2 * attempts + 3)
    command, fed, script = walk.start(), 0, iter(entries)
    while not isinstance(command, Finish):
        assert fed < bound, f"no Finish after {fed} results; path {walk.path}"
        command = walk.feed(_result(command, script, data))
        fed += 1
    assert walk.path[0] == f.entry and walk.exit_node == walk.path[-1]
    assert all(d in "0123456789*#" and len(d) == 1 for d in walk.digits)


def _result(command: Any, script: Any, data: st.DataObject) -> Any:
    if isinstance(command, Lookup):
        return data.draw(LOOKUP_RESULTS)
    if isinstance(command, Callback):
        return data.draw(st.sampled_from(["booked", "failed"]))
    if isinstance(command, Transfer):
        return "answered" if next(script, "") else "failed"
    if isinstance(command, Say):
        return ""
    entry = next(script, "")
    return entry[:1] if isinstance(command, Play) or command.max_digits == 1 else entry
