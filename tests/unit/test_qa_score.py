"""QA score arithmetic: worked examples computed by hand, auto-fail, na, unanswered questions, and
properties over random forms and answers (bounds, monotonicity, na invariance, weight scale)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from acd.qa_score import Form, Question, ScoreError, Section, score

MINI = Form("mini", (
    Section("opening", "Greeting", (Question("greeting", "Standard greeting"),
                                    Question("tone", "Friendly tone", "scale_1_5", weight=3)), weight=1),
    Section("compliance", "Compliance", (Question("verified", "Verified identity", auto_fail=True),), weight=3),
), version="v1")


def test_worked_example_by_hand() -> None:
    # opening: (1 x yes=1 + 3 x (4-1)/4=0.75) / (1 + 3) = 3.25 / 4 = 81.25
    # overall: (1 x 81.25 + 3 x 100) / (1 + 3) = 381.25 / 4 = 95.3125 -> 95.31
    card = score(MINI, {"greeting": "yes", "tone": 4, "verified": "yes"})
    assert card.section_scores() == {"opening": 81.25, "compliance": 100.0}
    assert (card.score, card.raw_score, card.auto_failed, card.failed_by) == (95.31, 95.31, False, ())
    assert (card.form, card.form_version) == ("mini", "v1")


def test_scale_credits_are_quarter_steps() -> None:
    for value, expected in [(1, 0.0), (2, 25.0), (3, 50.0), (4, 75.0), (5, 100.0)]:
        card = score(MINI, {"greeting": "na", "tone": value, "verified": "na"})
        assert card.score == expected and card.section_scores()["compliance"] is None


def test_auto_fail_no_scores_zero_but_keeps_the_sections() -> None:
    card = score(MINI, {"greeting": "yes", "tone": 4, "verified": "no"})
    # the sections as answered: opening 81.25, compliance 0 -> raw (81.25 + 0) / 4 = 20.3125
    assert (card.score, card.raw_score, card.auto_failed, card.failed_by) == (0.0, 20.31, True, ("verified",))
    assert card.section_scores() == {"opening": 81.25, "compliance": 0.0}


def test_auto_fail_on_a_scale_is_a_one_not_a_two() -> None:
    form = Form("f", (Section("s", "S", (Question("q", "Q", "scale_1_5", auto_fail=True),
                                        Question("r", "R"))),))
    assert score(form, {"q": 1, "r": "yes"}).auto_failed
    card = score(form, {"q": 2, "r": "yes"})  # (0.25 + 1) / 2 = 62.5
    assert (card.auto_failed, card.score) == (False, 62.5)


def test_na_drops_the_question_from_numerator_and_denominator() -> None:
    # opening: only tone counts: 1 -> 0; overall (1 x 0 + 3 x 100) / 4 = 75
    card = score(MINI, {"greeting": "na", "tone": 1, "verified": "yes"})
    assert card.section_scores()["opening"] == 0.0 and card.score == 75.0
    assert [s.answered for s in card.sections] == [1, 1]


def test_an_all_na_section_drops_out_and_its_weight_goes_to_the_others() -> None:
    card = score(MINI, {"greeting": "yes", "tone": 4, "verified": "na"})
    assert card.section_scores() == {"opening": 81.25, "compliance": None} and card.score == 81.25


def test_unanswered_required_questions_are_listed() -> None:
    with pytest.raises(ScoreError, match="unanswered required question\\(s\\): greeting, verified") as info:
        score(MINI, {"tone": 3})
    assert info.value.questions == ("greeting", "verified")


def test_an_optional_question_left_out_counts_as_na() -> None:
    form = dataclasses.replace(MINI, sections=(dataclasses.replace(MINI.sections[0], questions=(
        Question("greeting", "G", required=False), MINI.sections[0].questions[1])), MINI.sections[1]))
    card = score(form, {"tone": 5, "verified": "yes"})
    assert card.answers["greeting"] == "na" and card.score == 100.0


def test_everything_na_is_an_error_not_a_score() -> None:
    with pytest.raises(ScoreError, match="nothing to score"):
        score(MINI, {"greeting": "na", "tone": "na", "verified": "na"})


def test_shipped_form_example_of_the_docs() -> None:
    from pathlib import Path

    from acd.qa_form import load_form

    form = load_form(Path(__file__).resolve().parents[2] / "config/qa/standard.yaml")
    answers = {q: "yes" for q in form.questions()} | {"caller_name": "na", "probing": 4, "accurate": 5,
                                                       "tone": 3, "empathy": "na"}
    card = score(form, answers)
    # need (1 + 2 x 0.75 + 1) / 4 = 87.5; courtesy (2 x 0.5 + 1) / 3 = 66.67 (empathy na)
    # (10x100 + 20x87.5 + 35x100 + 20x66.667 + 10x100 + 5x100) / 100 = 9083.33 / 100 = 90.83
    assert card.section_scores()["need"] == 87.5 and card.section_scores()["courtesy"] == 66.67
    assert card.score == 90.83
    assert score(form, answers | {"no_card_readback": "no"}).score == 0.0


# ---------------------------------------------------------------- properties

QUESTION = st.builds(Question, id=st.just(""), text=st.just("q"), kind=st.sampled_from(["yes_no", "scale_1_5"]),
                     weight=st.integers(1, 10).map(float), auto_fail=st.booleans())


@st.composite
def forms(draw) -> Form:
    sections = []
    for i in range(draw(st.integers(1, 4))):
        questions = draw(st.lists(QUESTION, min_size=1, max_size=4))
        questions = tuple(dataclasses.replace(q, id=f"s{i}q{j}") for j, q in enumerate(questions))
        sections.append(Section(f"s{i}", f"S{i}", questions, float(draw(st.integers(1, 10)))))
    return Form("prop", tuple(sections))


def answer_for(question: Question):
    return st.sampled_from(["yes", "no", "na"] if question.kind == "yes_no" else [1, 2, 3, 4, 5, "na"])


@st.composite
def forms_and_answers(draw):
    form = draw(forms())
    answers = {q.id: draw(answer_for(q)) for q in form.questions().values()}
    assume(any(a != "na" for a in answers.values()))
    return form, answers


BETTER = {"no": "yes", 1: 2, 2: 3, 3: 4, 4: 5}


@settings(max_examples=300, deadline=None)
@given(forms_and_answers())
def test_score_stays_within_0_and_100(case) -> None:
    form, answers = case
    card = score(form, answers)
    assert 0 <= card.score <= card.raw_score <= 100
    assert card.auto_failed == (card.score == 0 and bool(card.failed_by))
    assert all(s.score is None or 0 <= s.score <= 100 for s in card.sections)


@settings(max_examples=300, deadline=None)
@given(forms_and_answers(), st.data())
def test_a_better_answer_never_lowers_the_score(case, data) -> None:
    form, answers = case
    improvable = [q for q, a in answers.items() if a in BETTER]
    assume(improvable)
    qid = data.draw(st.sampled_from(improvable))
    better = score(form, answers | {qid: BETTER[answers[qid]]})
    worse = score(form, answers)
    assert better.score >= worse.score and better.raw_score >= worse.raw_score


@settings(max_examples=300, deadline=None)
@given(forms_and_answers(), st.data())
def test_an_all_na_section_is_as_if_the_section_were_not_there(case, data) -> None:
    form, answers = case
    assume(len(form.sections) > 1)
    dropped = data.draw(st.sampled_from(form.sections))
    rest = dataclasses.replace(form, sections=tuple(s for s in form.sections if s is not dropped))
    kept = {q: a for q, a in answers.items() if q not in {x.id for x in dropped.questions}}
    assume(any(a != "na" for a in kept.values()))
    with_na = score(form, kept | {q.id: "na" for q in dropped.questions})
    without = score(rest, kept)
    assert (with_na.score, with_na.auto_failed) == (without.score, without.auto_failed)


@settings(max_examples=200, deadline=None)
@given(forms_and_answers(), st.integers(2, 7))
def test_only_the_ratio_of_weights_matters(case, factor) -> None:
    form, answers = case
    scaled = dataclasses.replace(form, sections=tuple(
        dataclasses.replace(s, weight=s.weight * factor, questions=tuple(
            dataclasses.replace(q, weight=q.weight * factor) for q in s.questions)) for s in form.sections))
    assert score(scaled, answers).score == pytest.approx(score(form, answers).score, abs=0.01)


@settings(max_examples=200, deadline=None)
@given(forms())
def test_best_answers_score_100_and_worst_score_0(form) -> None:
    best = {q.id: "yes" if q.kind == "yes_no" else 5 for q in form.questions().values()}
    worst = {q.id: "no" if q.kind == "yes_no" else 1 for q in form.questions().values()}
    assert score(form, best).score == 100.0
    card = score(form, worst)
    assert card.score == 0.0 and card.raw_score == 0.0
    assert card.auto_failed == any(q.auto_fail for q in form.questions().values())
