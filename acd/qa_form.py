"""``config/qa/*.yaml``: QA scorecard forms (质检表), checked like every operator file.

Schema problems come from `common.yamlconf.validate` (file:line:col, did-you-mean for unknown keys
and choices); what pydantic cannot see is checked against the same line marks: a question id used
twice in the form (answers are keyed by question id), a section id used twice, and a form whose
``form:`` name differs from its file name (``--form standard`` finds ``standard.yaml``).

`load_form` returns the core's own `acd.qa_score.Form`, whose ``version`` is a short hash of the
form's canonical content (the validated form as sorted JSON): comments and layout do not change
it, any change of a question, weight, type or text does, so an evaluation keeps the exact form it
was scored on.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from acd.qa_score import Form, Question, Section
from common.yamlconf import ConfigError, ConfigIssue, Marks, load_yaml_with_marks, validate

Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
Text = Annotated[str, Field(min_length=1, max_length=300, pattern=r"^[^\x00-\x1f\x7f]*$")]
LongText = Annotated[str, Field(max_length=2000, pattern=r"^[^\x00-\x08\x0b-\x1f\x7f]*$")]
Weight = Annotated[float, Field(gt=0, le=1000)]
VERSION_CHARS = 12


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuestionConfig(_Model):
    id: Id
    text: Text
    type: Literal["yes_no", "scale_1_5"] = "yes_no"
    weight: Weight = 1.0
    auto_fail: bool = Field(False, description='"no" (yes_no) or 1 (scale_1_5) fails the whole evaluation')
    required: bool = True
    guidance: LongText = ""


class SectionConfig(_Model):
    id: Id
    title: Text
    weight: Weight = 1.0
    questions: Annotated[list[QuestionConfig], Field(min_length=1)]


class FormConfig(_Model):
    form: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=80)]
    label: Annotated[str, Field(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")] = ""
    version: Annotated[str, Field(max_length=40, pattern=r"^[^\x00-\x1f\x7f]*$")] = ""
    description: LongText = ""
    sections: Annotated[list[SectionConfig], Field(min_length=1)]


def load_form(path: str | Path) -> Form:
    """The form in ``path``, or ConfigError listing every problem with its line."""
    config = validate(path, FormConfig)
    _, marks = load_yaml_with_marks(path)
    issues = reference_issues(config, str(path), marks)
    if issues:
        raise ConfigError(issues)
    return to_form(config)


def form_path(forms_dir: Path, name: str) -> Path:
    """``--form standard`` -> forms_dir/standard.yaml; a path to a .yaml file is taken as it is."""
    if name.endswith((".yaml", ".yml")) or "/" in name:
        return Path(name)
    return forms_dir / f"{name}.yaml"


def version_of(config: FormConfig) -> str:
    canonical = json.dumps(config.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:VERSION_CHARS]


def to_form(config: FormConfig) -> Form:
    sections = tuple(Section(s.id, s.title, tuple(_question(q) for q in s.questions), s.weight)
                     for s in config.sections)
    return Form(config.form, sections, version_of(config), config.label, config.description)


def _question(q: QuestionConfig) -> Question:
    return Question(q.id, q.text, q.type, q.weight, q.auto_fail, q.required, q.guidance)


def reference_issues(config: FormConfig, file: str, marks: Marks) -> list[ConfigIssue]:
    issues = []
    sections: dict[str, int] = {}
    questions: dict[str, tuple[str, int]] = {}
    for i, section in enumerate(config.sections):
        at = ("sections", i, "id")
        if section.id in sections:
            issues.append(_issue(file, marks, at, f"section id {section.id!r} is used twice (first on line "
                                 f"{sections[section.id]})", "give each section its own id"))
        sections.setdefault(section.id, _line(marks, at))
        for j, question in enumerate(section.questions):
            qat = ("sections", i, "questions", j, "id")
            if question.id in questions:
                first, line = questions[question.id]
                issues.append(_issue(file, marks, qat, f"question id {question.id!r} is used twice (first in "
                                     f"section {first!r}, line {line})",
                                     "give each question its own id: answers are keyed by it"))
            questions.setdefault(question.id, (section.id, _line(marks, qat)))
    stem = Path(file).stem
    if config.form != stem:
        issues.append(_issue(file, marks, ("form",), f"form name {config.form!r} differs from the file name "
                             f"{stem!r}", f"write 'form: {stem}' or rename the file to {config.form}.yaml"))
    return issues


def _line(marks: Marks, path: tuple[Any, ...]) -> int:
    node = marks.get(path)
    return node.value.line if node else 1


def _issue(file: str, marks: Marks, path: tuple[Any, ...], message: str, hint: str) -> ConfigIssue:
    node = marks.get(path)
    line, col = (node.value.line, node.value.col) if node else (1, 1)
    return ConfigIssue(file, line, col, message, hint)
