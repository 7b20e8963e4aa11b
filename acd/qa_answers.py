"""A reviewer's answers to a QA form, checked against it: from ``--answer id=value`` words or from a
YAML file (``id: value`` lines, errors as file:line:col like every other YAML of the product).

Accepted values: yes_no questions take yes / no / na (true / false from YAML too); scale_1_5
questions take 1..5 / na. Unknown question ids get a did-you-mean.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from acd.qa_score import NA, Answer, Form, Question
from common.yamlconf import ConfigError, ConfigIssue, load_yaml_with_marks


class AnswerError(ValueError):
    """Every problem with the answers given on the command line, one per line."""

    error_id = "qa_bad_answers"

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def check(form: Form, qid: str, value: Any) -> tuple[Answer | None, tuple[str, str] | None]:
    """(the answer, None) or (None, (what is wrong, how to fix it))."""
    questions = form.questions()
    question = questions.get(qid)
    if question is None:
        guess = difflib.get_close_matches(qid, list(questions), n=1, cutoff=0.6)
        hint = f"did you mean {guess[0]!r}?" if guess else f"use one of: {', '.join(questions)}"
        return None, (f"unknown question {qid!r} in form {form.name!r}", hint)
    answer = normalise(question, value)
    if answer is None:
        allowed = "yes, no or na" if question.kind == "yes_no" else "1, 2, 3, 4, 5 or na"
        return None, (f"{qid}: {value!r} is not an answer to a {question.kind} question", f"answer {allowed}")
    return answer, None


def normalise(question: Question, value: Any) -> Answer | None:
    """The canonical answer ("yes"/"no"/"na" or 1..5), or None when ``value`` is not one."""
    if isinstance(value, bool):
        return ("yes" if value else "no") if question.kind == "yes_no" else None
    text = str(value).strip().lower()
    if text in (NA, "n/a"):
        return NA
    if question.kind == "yes_no":
        return {"yes": "yes", "y": "yes", "no": "no", "n": "no"}.get(text)
    return int(text) if text in ("1", "2", "3", "4", "5") else None


def from_words(form: Form, words: Iterable[str], start: Mapping[str, Answer] | None = None) -> dict[str, Answer]:
    """``["greet=yes", "empathy=4"]`` on top of ``start`` (e.g. an answers file); AnswerError lists
    every problem."""
    answers, problems = dict(start or {}), []
    for word in words:
        qid, sep, value = word.partition("=")
        if not sep or not qid.strip():
            problems.append(f"--answer {word!r}: write QUESTION=VALUE, e.g. greeting=yes")
            continue
        answer, problem = check(form, qid.strip(), value)
        if problem:
            problems.append(f"--answer {word!r}: {problem[0]}; {problem[1]}")
        else:
            answers[qid.strip()] = answer
    if problems:
        raise AnswerError(problems)
    return answers


def from_file(form: Form, path: str | Path) -> dict[str, Answer]:
    """A YAML mapping ``question id: answer``; ConfigError with file:line:col for each problem."""
    data, marks = load_yaml_with_marks(path)
    file, issues, answers = str(path), [], {}
    if not isinstance(data, dict):
        root = marks[()].value
        raise ConfigError([ConfigIssue(file, root.line, root.col, "the answers file is not a mapping",
                                       "write one 'question_id: answer' line per question")])
    for qid, value in data.items():
        answer, problem = check(form, str(qid), value)
        if problem:
            node = marks[(qid,)]
            where = node.key if problem[0].startswith("unknown") else node.value
            issues.append(ConfigIssue(file, where.line, where.col, *problem))
        else:
            answers[str(qid)] = answer
    if issues:
        raise ConfigError(issues)
    return answers
