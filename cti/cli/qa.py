"""`hotline qa validate|sample|score|report`: QA scorecards (质检) of recorded calls.

`validate` is offline (forms only). The others read the engine's database (`--db`, else the
config's database.url); `score` writes one qa_evaluation row directly (see cti.store.qa). Forms,
arithmetic and the sampling rule: docs/qa.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cti.cli import qa_print

FORMS_DIR = Path("config/qa")


def register(sub: argparse._SubParsersAction) -> None:
    qa = sub.add_parser("qa", help="QA scorecards: validate forms, calls to review, score a call, report")
    actions = qa.add_subparsers(required=True, metavar="ACTION")
    val = actions.add_parser("validate", help="check QA forms; every error as file:line:col")
    val.add_argument("paths", nargs="*", type=Path, default=[FORMS_DIR], help="form files or folders (config/qa)")
    val.set_defaults(func=_validate)

    smp = _db(actions.add_parser("sample", help="the calls to review in an ISO week, with why each was picked"))
    smp.add_argument("--week", required=True, metavar="YYYY-Www", help="ISO week, e.g. 2026-W48 (UTC)")
    smp.add_argument("--per-agent", type=_non_negative, default=5, metavar="N", help="random calls per agent (5)")
    smp.add_argument("--seed", help="draw seed (default: the week, so every supervisor gets the same list)")
    smp.add_argument("--low-score", type=int, default=2, metavar="S", help="survey answers <= S are low (2)")
    smp.add_argument("--complaint-code", action="append", dest="codes", metavar="CODE",
                     help="dispositions that mark a complaint (repeatable; default: complaint)")
    smp.add_argument("--json", action="store_true", help="one JSON object per call")
    smp.set_defaults(func=_sample)

    sco = _db(actions.add_parser("score", help="score one call against a form and store the evaluation"))
    sco.add_argument("call_id", metavar="CALL_ID")
    sco.add_argument("--form", default="standard", help="form name in --forms-dir, or a .yaml path (standard)")
    sco.add_argument("--forms-dir", type=Path, default=FORMS_DIR)
    sco.add_argument("--reviewer", required=True, type=_text(80), help="who scored it")
    sco.add_argument("--answer", action="append", default=[], metavar="QUESTION=VALUE",
                     help="yes / no / na, or 1..5 / na (repeatable; overrides --answers-file)")
    sco.add_argument("--answers-file", type=Path, metavar="F.yaml", help="'question: answer' lines")
    sco.add_argument("--comment", type=_text(2000), help="the reviewer's note to the agent")
    sco.add_argument("--json", action="store_true")
    sco.set_defaults(func=_score)

    rep = _db(actions.add_parser("report", help="evaluations, mean score, auto-fail rate, section means"))
    rep.add_argument("--from", dest="start", metavar="ISO", help="calls started from (inclusive, naive = UTC)")
    rep.add_argument("--to", dest="end", metavar="ISO", help="calls started before (exclusive, naive = UTC)")
    rep.add_argument("--by", choices=("agent", "queue", "week"), default="agent")
    rep.add_argument("--format", choices=("table", "csv", "json"), default="table")
    rep.set_defaults(func=_report)


def _db(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("-c", "--config", type=Path, default=Path("config/hotline.yaml"))
    parser.add_argument("--db", help="database URL (default: database.url of the config)")
    return parser


def _validate(args: argparse.Namespace) -> int:
    from acd.qa_form import load_form
    from common.validate import check_files

    return check_files(args.paths, load_form, lambda form: f"form {form.name!r} version {form.version}, "
                       f"{len(form.sections)} sections, {len(form.questions())} questions")


def _sample(args: argparse.Namespace) -> int:
    from acd.qa_sample import iso_week
    from cti.store.qa import sample

    try:
        start, end = iso_week(args.week)
    except ValueError as exc:
        return _fail("sample", str(exc))
    seed = args.seed if args.seed is not None else args.week.strip()
    picks = _db_work("sample", _url(args), lambda engine: sample(
        engine, start, end, seed=seed, per_agent=args.per_agent, complaint_codes=args.codes or ["complaint"],
        low_score=args.low_score))
    if picks is _FAILED:
        return 2
    for line in (qa_print.sample_json(picks) if args.json else qa_print.sample_table(picks, args.week, seed)):
        print(line)
    return 0


def _score(args: argparse.Namespace) -> int:
    from acd import qa_answers
    from acd.qa_form import form_path, load_form
    from acd.qa_score import ScoreError, score

    form = load_form(form_path(args.forms_dir, args.form))  # ConfigError: printed by main, exit 2
    try:
        answers = qa_answers.from_file(form, args.answers_file) if args.answers_file else {}
        card = score(form, qa_answers.from_words(form, args.answer, answers))
    except (qa_answers.AnswerError, ScoreError) as exc:
        return _fail("score", str(exc))
    outcome = _db_work("score", _url(args), lambda engine: store_evaluation(engine, args.call_id, card, args.reviewer,
                                                                        args.comment))
    if outcome is _FAILED:
        return 2
    if isinstance(outcome, str):
        return _fail("score", outcome)
    print(json.dumps(qa_print.card_json(outcome, card), ensure_ascii=False) if args.json
          else "\n".join(qa_print.card_lines(outcome, card, form)))
    return 0


async def store_evaluation(engine, call_id: str, card, reviewer: str, comment: str | None = None,
                           now: datetime | None = None):
    """Store ``card`` for the call: the QaEvaluationRecord written, or why not (a sentence)."""
    from cti.store.db import create_schema
    from cti.store.qa import call_of, save_evaluation
    from cti.store.quality_models import QaEvaluationRecord

    call = await call_of(engine, call_id)
    if call is None:
        return f"no CDR for call {call_id!r}: only a finished call with a CDR can be scored"
    if not call["agent"]:
        return f"call {call_id!r} reached no agent (disposition {call['disposition']}): there is nobody to score"
    await create_schema(engine)  # an engine older than the QA tables: add them (idempotent)
    record = QaEvaluationRecord(
        evaluation_id=uuid.uuid4().hex, call_id=call_id, agent=call["agent"], queue=call["queue"], form=card.form,
        form_version=card.form_version, reviewer=reviewer, answers=json.dumps(card.answers, ensure_ascii=False),
        score=card.score, auto_failed=int(card.auto_failed), comment=comment, at=now or datetime.now(UTC),
        sections=json.dumps(card.section_scores()))
    await save_evaluation(engine, record)
    return record


def _report(args: argparse.Namespace) -> int:
    from acd.qa_report import summarize
    from cti.reports import parse_time
    from cti.store.qa import evaluations

    try:
        start = parse_time(args.start) if args.start else None
        end = parse_time(args.end) if args.end else None
    except ValueError as exc:
        return _fail("report", str(exc))
    rows = _db_work("report", _url(args), lambda engine: evaluations(engine, start, end))
    if rows is _FAILED:
        return 2
    table, sections = summarize(rows, args.by)
    print(qa_print.report_text(table, sections, args.by, args.format), end="")
    return 0


class _NoStore(Exception):
    pass


def _with_engine(url: str, work: Callable):
    """``work(engine)`` on the database at ``url``; _NoStore when it is not an engine's database."""
    from cti.store import make_engine
    from cti.store.qa import tables

    async def run():
        engine = make_engine(url, command_timeout=600.0)
        try:
            async with engine.connect() as conn:
                if "cdr" not in await tables(conn):
                    raise _NoStore(f"{url} has no cdr table; point --db at the engine's database "
                                   "(or run the engine once to create it)")
            return await work(engine)
        finally:
            await engine.dispose()

    return asyncio.run(run())


_FAILED = object()


def _db_work(action: str, url: str, work: Callable):
    """``work``'s result, or _FAILED (said on stderr) when ``url`` is not an engine's database."""
    try:
        return _with_engine(url, work)
    except _NoStore as exc:
        _fail(action, str(exc))
        return _FAILED


def _url(args: argparse.Namespace) -> str:
    if args.db:
        return args.db
    from cti.app.config import load_config

    return load_config(args.config).database.url


def _fail(action: str, message: str) -> int:
    for line in message.splitlines():
        print(f"hotline qa {action}: {line}", file=sys.stderr)
    return 2


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be >= 0")
    return value


def _text(limit: int) -> Callable[[str], str]:
    def parse(text: str) -> str:
        from common.safety import check_value

        try:
            value = check_value(text.strip(), "value")
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        if not value or len(value) > limit:
            raise argparse.ArgumentTypeError(f"give 1 to {limit} characters")
        return value
    return parse
