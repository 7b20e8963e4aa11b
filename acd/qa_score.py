"""QA scorecard arithmetic (质检评分): a form's answers -> a 0..100 score, pure.

Theory of operation. A form has sections, a section has questions; both carry a positive weight
(relative: only the ratios matter). Each answered question gives a credit in 0..1:

- ``yes_no``:    yes = 1, no = 0
- ``scale_1_5``: (v - 1) / 4, so 1 = 0, 2 = 0.25, 3 = 0.5, 4 = 0.75, 5 = 1
- ``na`` (not applicable) drops the question from the numerator AND the denominator.

A section's score is the weighted mean of its questions' credits, x 100. A section whose every
question is na drops out, and its weight goes to the others in proportion (the overall score is a
weighted mean over the sections that remain). The overall score is the weighted mean of the
section scores, rounded to 2 decimals. If an ``auto_fail`` question is answered "no" (yes_no) or 1
(scale_1_5), the evaluation fails: score 0 and ``auto_failed``; the section scores are still worked
out as answered, so the reports can tell what else went well or badly.

A required question left unanswered is an error (listing every such question); an optional one
counts as na. Answers where every question is na leave nothing to score: an error too.

The score is monotone (a better answer never lowers it), stays within 0..100, and does not move
when a whole section is na and removed (tests/unit/test_qa_score.py checks these with Hypothesis).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

Kind = Literal["yes_no", "scale_1_5"]
Answer = str | int  # "yes" | "no" | "na" | 1..5
KINDS: Final = ("yes_no", "scale_1_5")
NA: Final = "na"


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    text: str
    kind: Kind = "yes_no"
    weight: float = 1.0
    auto_fail: bool = False
    required: bool = True
    guidance: str = ""


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    title: str
    questions: tuple[Question, ...]
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class Form:
    """A scorecard; ``version`` is the short hash of its canonical content (see acd.qa_form)."""

    name: str
    sections: tuple[Section, ...]
    version: str = ""
    label: str = ""
    description: str = ""

    def questions(self) -> dict[str, Question]:
        return {q.id: q for s in self.sections for q in s.questions}


@dataclass(frozen=True, slots=True)
class SectionScore:
    id: str
    title: str
    weight: float
    score: float | None  # 0..100, None when every question was na
    answered: int        # questions that counted (not na)


@dataclass(frozen=True, slots=True)
class Scorecard:
    """The worked-out evaluation: what is stored in qa_evaluation and printed."""

    form: str
    form_version: str
    answers: dict[str, Answer]
    sections: tuple[SectionScore, ...]
    raw_score: float           # before auto-fail
    score: float               # 0 when auto_failed
    auto_failed: bool
    failed_by: tuple[str, ...]  # the auto-fail questions that failed it

    def section_scores(self) -> dict[str, float | None]:
        return {s.id: s.score for s in self.sections}


class ScoreError(ValueError):
    """The answers cannot be scored (missing required answers, nothing applicable)."""

    error_id = "qa_unscorable"

    def __init__(self, message: str, questions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.questions = questions


def credit(question: Question, answer: Answer) -> float | None:
    """0..1 for an answer, None for na. The answer must already be valid (acd.qa_answers)."""
    if answer == NA:
        return None
    if question.kind == "yes_no":
        return 1.0 if answer == "yes" else 0.0
    return (int(answer) - 1) / 4


def fails(question: Question, answer: Answer) -> bool:
    """An auto-fail question fails the evaluation on "no", or on 1 for a 1-5 scale."""
    return question.auto_fail and answer in ("no", 1)


def score(form: Form, answers: Mapping[str, Answer]) -> Scorecard:
    """The scorecard of valid ``answers`` ({question id: answer}); ScoreError when unscorable."""
    missing = tuple(q.id for s in form.sections for q in s.questions if q.required and q.id not in answers)
    if missing:
        raise ScoreError(f"unanswered required question(s): {', '.join(missing)}", missing)
    full = {q.id: answers.get(q.id, NA) for s in form.sections for q in s.questions}
    exact = [(s, *_section(s, full)) for s in form.sections]
    counted = [(s.weight, value) for s, value, _ in exact if value is not None]
    if not counted:
        raise ScoreError("every question is 'na': nothing to score")
    raw = round(sum(w * v for w, v in counted) / sum(w for w, _ in counted), 2)
    sections = tuple(SectionScore(s.id, s.title, s.weight, None if v is None else round(v, 2), n)
                     for s, v, n in exact)
    failed_by = tuple(q.id for s in form.sections for q in s.questions if fails(q, full[q.id]))
    return Scorecard(form=form.name, form_version=form.version, answers=full, sections=sections,
                     raw_score=raw, score=0.0 if failed_by else raw, auto_failed=bool(failed_by),
                     failed_by=failed_by)


def _section(section: Section, answers: Mapping[str, Answer]) -> tuple[float | None, int]:
    """The section's exact 0..100 score (None: all na) and how many questions counted."""
    credits = [(q.weight, credit(q, answers[q.id])) for q in section.questions]
    counted = [(w, c) for w, c in credits if c is not None]
    if not counted:
        return None, 0
    return 100 * sum(w * c for w, c in counted) / sum(w for w, _ in counted), len(counted)
