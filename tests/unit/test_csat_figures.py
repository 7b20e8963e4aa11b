"""The CSAT arithmetic of `hotline report`: response rate, mean score, top-2-box, per scale."""

from __future__ import annotations

import pytest

from cti.reports.csat import csat_figures, csat_rows, satisfied


@pytest.mark.parametrize(("scale", "good"), [(5, {4, 5}), (7, {6, 7}), (4, {3, 4}), (3, {3}), (2, {1})])
def test_satisfied_is_the_top_two_boxes_on_four_keys_or_more_the_top_box_on_three_and_yes_on_two(scale, good):
    assert {s for s in range(1, scale + 1) if satisfied(s, scale)} == good


def test_unanswered_questions_lower_the_response_rate_but_never_the_mean_or_the_csat() -> None:
    row = csat_figures("1001", "csat", 5, {("answered", 5): 2, ("answered", 4): 1, ("answered", 1): 1,
                                           ("no_answer", None): 3, ("invalid", None): 1, ("hung_up", None): 2})
    assert row == {"key": "1001", "question": "csat", "scale": 5, "offered": 10, "answered": 4, "no_answer": 3,
                   "invalid": 1, "hung_up": 2, "response_pct": 40.0, "mean_score": 3.75, "csat_pct": 75.0}


def test_nobody_answering_gives_no_mean_and_no_csat_rather_than_zero() -> None:
    row = csat_figures("billing", "csat", 5, {("no_answer", None): 2})
    assert (row["offered"], row["answered"], row["response_pct"], row["mean_score"], row["csat_pct"]) == \
        (2, 0, 0.0, None, None)


def test_rows_are_grouped_per_key_and_question_with_no_agent_as_dash() -> None:
    histogram = [
        {"key": "1001", "question": "csat", "scale": 5, "status": "answered", "score": 5, "n": 1},
        {"key": "1001", "question": "csat", "scale": 5, "status": "no_answer", "score": None, "n": 1},
        {"key": "1001", "question": "solved", "scale": 2, "status": "answered", "score": 2, "n": 1},
        {"key": None, "question": "csat", "scale": 5, "status": "answered", "score": 3, "n": 2},
    ]
    rows = {(r["key"], r["question"]): r for r in csat_rows(histogram)}
    assert set(rows) == {("1001", "csat"), ("1001", "solved"), ("-", "csat")}
    assert (rows[("1001", "csat")]["response_pct"], rows[("1001", "csat")]["csat_pct"]) == (50.0, 100.0)
    assert rows[("1001", "solved")]["csat_pct"] == 0.0  # 2 = no
    assert (rows[("-", "csat")]["offered"], rows[("-", "csat")]["mean_score"]) == (2, 3.0)
