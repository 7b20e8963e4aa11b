"""The survey question node (`rate`): schema, file:line:col validation, stepping, and simulate."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from common.yamlconf import ConfigError
from ivr.loader import load_flow
from ivr.models import Flow
from ivr.simulate import prompt_texts, scripted, simulate
from ivr.stepper import Collect, Finish, Play, Walk
from ivr.stepper_rate import Rating

REPO = Path(__file__).resolve().parents[2]


def survey(**rating: Any) -> Flow:
    """intro (barge-in play) -> rating (1-5) -> solved (1-2) -> bye."""
    nodes: dict[str, Any] = {
        "intro": {"type": "play", "prompts": ["welcome"], "next": "rating"},
        "rating": {"type": "rate", "question": "csat", "prompt": "survey_rate", "scale": 5, "timeout_s": 4,
                   "max_attempts": 2, "no_input": ["survey_no_input"], "no_match": ["survey_invalid"],
                   "next": "solved"} | rating,
        "solved": {"type": "rate", "prompt": "survey_solved", "scale": 2, "max_attempts": 1, "next": "bye"},
        "bye": {"type": "hangup"},
    }
    return Flow.model_validate({"name": "s", "entry": "intro", "nodes": nodes})


def walk_through(flow: Flow, results: list[str]) -> tuple[Walk, list[object]]:
    walk = Walk(flow)
    commands = [walk.start()]
    feed = iter(results)
    while not isinstance(commands[-1], Finish):
        commands.append(walk.feed(next(feed, "")))
    return walk, commands


def test_a_key_in_the_scale_is_the_score_and_the_walk_goes_on() -> None:
    walk, commands = walk_through(survey(), ["", "4", "1"])
    assert commands[1] == Collect(("survey_rate",), 4000, "0123456789*#")
    assert walk.ratings == [Rating("rating", "csat", 5, "answered", 4), Rating("solved", "solved", 2, "answered", 1)]
    assert walk.path == ["intro", "rating", "solved", "bye"]


def test_silence_retries_with_the_no_input_prompt_then_is_no_answer_without_a_score() -> None:
    walk, commands = walk_through(survey(), ["", "", "", "2"])
    assert commands[2] == Collect(("survey_no_input", "survey_rate"), 4000, "0123456789*#")
    assert walk.ratings[0] == Rating("rating", "csat", 5, "no_answer", None)
    assert walk.ratings[1].score == 2  # an unanswered question never stops the survey


def test_a_wrong_key_retries_with_no_match_and_then_is_invalid() -> None:
    walk, commands = walk_through(survey(), ["", "7", "", "1"])
    assert commands[2] == Collect(("survey_invalid", "survey_rate"), 4000, "0123456789*#")
    assert walk.ratings[0] == Rating("rating", "csat", 5, "invalid", None)
    assert walk.digits == ["7", "1"]


def test_a_valid_key_on_the_retry_counts() -> None:
    walk, _ = walk_through(survey(), ["", "9", "5", "2"])
    assert walk.ratings[0] == Rating("rating", "csat", 5, "answered", 5)


def test_zero_star_and_hash_are_not_scores() -> None:
    for key in "0*#":
        walk, _ = walk_through(survey(max_attempts=1), ["", key])
        assert walk.ratings[0].status == "invalid"


def test_a_score_pressed_during_the_barge_in_intro_answers_the_question() -> None:
    walk, commands = walk_through(survey(), ["3", "1"])
    assert walk.ratings[0] == Rating("rating", "csat", 5, "answered", 3)
    assert not any(isinstance(c, Collect) and c.prompts == ("survey_rate",) for c in commands)


def test_a_wrong_type_ahead_key_is_dropped_and_the_question_is_asked() -> None:
    walk, commands = walk_through(survey(), ["8", "2", "1"])
    assert commands[1] == Collect(("survey_rate",), 4000, "0123456789*#")
    assert walk.ratings[0].score == 2


def test_the_caller_leaving_mid_question_records_it_as_hung_up_once() -> None:
    walk = Walk(survey())
    walk.start()
    walk.feed("")  # now asking the rating
    walk.caller_left()
    walk.caller_left()
    assert walk.ratings == [Rating("rating", "csat", 5, "hung_up", None)]


def test_the_caller_leaving_after_the_questions_adds_nothing() -> None:
    walk = Walk(Flow.model_validate({"name": "s", "entry": "intro", "nodes": {
        **{k: v.model_dump(exclude_defaults=False) for k, v in survey().nodes.items() if k != "bye"},
        "bye": {"type": "play", "prompts": ["goodbye"], "next": "end"}, "end": {"type": "hangup"}}}))
    command = walk.start()
    for result in ["", "5", "1"]:
        command = walk.feed(result)
    assert isinstance(command, Play)
    walk.caller_left()
    assert [r.status for r in walk.ratings] == ["answered", "answered"]


def test_the_answer_goes_into_a_variable_for_a_branch() -> None:
    walk, _ = walk_through(survey(variable="csat"), ["", "", ""])
    assert walk.variables["csat"] == "no_answer"
    walk, _ = walk_through(survey(variable="csat"), ["", "5", "1"])
    assert walk.variables["csat"] == "5"


@pytest.mark.parametrize("bad", [{"scale": 1}, {"scale": 10}, {"max_attempts": 0}, {"question": "a b"},
                                 {"choices": {"1": "bye"}}])
def test_schema_refuses_bad_rate_fields(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        survey(**bad)


BAD_FILE = """\
name: s
entry: rating
nodes:
  rating:
    type: rate
    prompt: survey_rate
    scale: 11
    next: again
  again:
    type: rate
    question: rating
    prompt: survey_rate
    next: rating
"""


def test_a_bad_scale_is_reported_at_its_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(BAD_FILE)
    with pytest.raises(ConfigError) as err:
        load_flow(path)
    assert any(i.line == 7 and i.col == 12 and "scale" in str(i) for i in err.value.issues), err.value


def test_a_question_asked_twice_or_on_a_loop_is_reported_where_it_is(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(BAD_FILE.replace("scale: 11", "scale: 5"))
    with pytest.raises(ConfigError) as err:
        load_flow(path, REPO / "sounds")
    text = str(err.value)
    assert f"{path}:11:15: survey question 'rating' is asked by nodes 'rating' and 'again'" in text
    assert f"{path}:4:3: rate node 'rating' can be reached again from itself" in text


def test_an_unknown_prompt_of_a_rate_node_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("name: s\nentry: r\nnodes:\n  r:\n    type: rate\n    prompt: no_such_prompt\n    next: e\n"
                    "  e:\n    type: hangup\n")
    with pytest.raises(ConfigError) as err:
        load_flow(path, REPO / "sounds")
    assert f"{path}:6:13: prompt 'no_such_prompt' of node 'r'" in str(err.value)


def test_the_shipped_csat_flow_loads_and_simulates_in_both_outcomes() -> None:
    flow = load_flow(REPO / "config/ivr/csat.yaml", REPO / "sounds")
    out = io.StringIO()
    result = simulate(flow, prompt_texts(REPO / "sounds", "en"), scripted(["4", "2"]), out)
    assert [(r.question, r.status, r.score) for r in result.ratings] == [("csat", "answered", 4),
                                                                         ("solved", "answered", 2)]
    assert "survey csat (1-5): 4" in out.getvalue() and "Press 1 to 5" in out.getvalue()
    silent = simulate(flow, {}, scripted([]), io.StringIO())
    assert [(r.question, r.status) for r in silent.ratings] == [("csat", "no_answer")]  # no second question
    assert silent.path[-2:] == ["goodbye", "done"]
