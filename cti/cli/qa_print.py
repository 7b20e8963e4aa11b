"""What `hotline qa` prints: a scorecard's breakdown, the week's calls to review, the report."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from acd.qa_sample import Pick
from acd.qa_score import Form, Scorecard

REPORT_COLUMNS = ("key", "evaluations", "calls", "mean_score", "auto_fail_pct", "min_score", "max_score")


def card_lines(record: Any, card: Scorecard, form: Form) -> list[str]:
    verdict = f"AUTO-FAIL ({', '.join(card.failed_by)})" if card.auto_failed else "pass"
    lines = [f"evaluation {record.evaluation_id}: call {record.call_id}, agent {record.agent}, "
             f"queue {record.queue or '-'}, reviewer {record.reviewer}",
             f"form {form.name} version {form.version}", ""]
    questions = form.questions()
    for section in card.sections:
        shown = "na" if section.score is None else f"{section.score:6.2f}"
        lines.append(f"  {section.title} [{section.id}] weight {section.weight:g}: {shown}")
        for q in (questions[q.id] for q in next(s for s in form.sections if s.id == section.id).questions):
            flag = "  AUTO-FAIL" if q.id in card.failed_by else ""
            lines.append(f"      {q.id:<20} {str(card.answers[q.id]):<4} (weight {q.weight:g}){flag}")
    lines += ["", f"score {card.score:.2f} / 100  ({verdict}; before auto-fail {card.raw_score:.2f})"]
    return lines


def card_json(record: Any, card: Scorecard) -> dict[str, Any]:
    return {"evaluation_id": record.evaluation_id, "call_id": record.call_id, "agent": record.agent,
            "queue": record.queue, "reviewer": record.reviewer, "form": card.form, "form_version": card.form_version,
            "score": card.score, "raw_score": card.raw_score, "auto_failed": card.auto_failed,
            "failed_by": list(card.failed_by), "sections": card.section_scores(), "answers": card.answers,
            "at": record.at.isoformat()}


def sample_table(picks: Sequence[Pick], week: str, seed: str) -> list[str]:
    lines = [f"QA sample {week} (seed {seed!r}): {len(picks)} calls, "
             f"{sum(p.evaluated for p in picks)} already evaluated",
             f"{'agent':<10} {'call':<24} {'started (UTC)':<17} {'queue':<12} {'talk_s':>6}  "
             f"{'reasons':<28} {'done':<4} recording"]
    for p in picks:
        reasons = ",".join(p.reasons) + (f"({p.survey_score})" if p.survey_score is not None else "")
        talk = f"{p.talk_s:.0f}" if p.talk_s is not None else "-"
        lines.append(f"{p.agent:<10} {p.call_id:<24} {p.started_at:%Y-%m-%d %H:%M} {p.queue or '-':<12} "
                     f"{talk:>6}  {reasons:<28} {'yes' if p.evaluated else 'no':<4} "
                     f"{' + '.join(p.recordings) or '-'}")
    return lines


def sample_json(picks: Sequence[Pick]) -> list[str]:
    return [json.dumps({"call_id": p.call_id, "agent": p.agent, "queue": p.queue,
                        "started_at": p.started_at.isoformat(), "talk_s": p.talk_s, "reasons": list(p.reasons),
                        "survey_score": p.survey_score, "recordings": list(p.recordings), "evaluated": p.evaluated},
                       ensure_ascii=False) for p in picks]


def report_text(rows: list[dict[str, Any]], sections: list[str], by: str, fmt: str) -> str:
    columns = REPORT_COLUMNS + tuple(sections)
    if fmt == "json":
        return json.dumps({"by": by, "sections": sections, "rows": rows}, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=[by if c == "key" else c for c in columns], lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({(by if c == "key" else c): row[c] for c in columns})
        return out.getvalue()
    if not rows:
        return "no QA evaluations of calls in this period\n"
    header = [by if c == "key" else c for c in columns]
    cells = [[_cell(row[c]) for c in columns] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths)))]
    lines += ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
              for r in cells]
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:g}" if isinstance(value, float) else str(value)
