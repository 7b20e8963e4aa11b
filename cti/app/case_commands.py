"""Case commands of the control socket (`hotline case …`): validated like every command, answered
``{"ok": true, ...}`` or ``{"ok": false, "error_id", "message"}``."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from sqlalchemy.exc import SQLAlchemyError

from acd.case_sla import time_left
from acd.case_state import InvalidCaseTransition
from acd.cases import CaseRefused
from cti.calls.case_desk import CaseDesk
from cti.services.cases import CaseService, view
from cti.store.cases import fetch_case_log, fetch_cases

Id = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[\w.\-]+$")]
Who = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[\w.\-:]+$")]
Name = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[\w.\-]+$")]
Text = Annotated[str, Field(max_length=2000, pattern=r"^[^\x00-\x08\x0b-\x1f\x7f]*$")]


class _Cmd(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OpenCmd(_Cmd):
    cmd: Literal["case.open"]
    type: Name = "complaint"
    category: Name
    customer: Annotated[str, Field(pattern=r"^\+?[0-9]{3,15}$")]
    priority: Name | None = None
    customer_name: Annotated[str, Field(max_length=128, pattern=r"^[^\x00-\x1f\x7f]*$")] = ""
    description: Text = ""
    by: Who = "cli"
    call: Annotated[str, Field(max_length=64, pattern=r"^[\w.\-]+$")] | None = None


class ActCmd(_Cmd):
    cmd: Literal["case.take", "case.assign", "case.note", "case.resolve", "case.close", "case.reopen",
                 "case.answer"]
    case: Id
    by: Who = "cli"
    agent: Annotated[str, Field(max_length=64, pattern=r"^[\w.\-]+$")] | None = None
    level: Annotated[int, Field(ge=1, le=9)] | None = None
    text: Text = ""
    score: Annotated[int, Field(ge=0, le=10)] | None = None


class ReadCmd(_Cmd):
    cmd: Literal["case.list", "case.show", "case.escalations", "case.tick"]
    case: Id | None = None
    state: Annotated[str, Field(pattern=r"^[a-z_]+$")] | None = None
    customer: Annotated[str, Field(pattern=r"^\+?[0-9]{3,15}$")] | None = None


class DeskCaseCmd(_Cmd):
    """An agent's desk command (cti.calls.case_desk): made by `agent`, on its own behalf."""

    cmd: Literal["agent.case_open", "agent.case_take", "agent.case_note", "agent.case_resolve", "agent.case_close"]
    agent: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[\w.\-]+$")]
    case: Id | None = None
    type: Name = "complaint"
    category: Name | None = None
    priority: Name | None = None
    description: Text = ""
    note: Text = ""


_parse = TypeAdapter(Annotated[Union[OpenCmd, ActCmd, ReadCmd, DeskCaseCmd], Field(discriminator="cmd")])


class CaseCommands:
    """Runs case commands against the running engine's `CaseService`."""

    def __init__(self, cases: CaseService, acd=None) -> None:
        self.cases = cases
        self.desk = CaseDesk(cases, acd) if acd is not None else None

    async def execute(self, raw: dict[str, Any]) -> dict[str, Any]:
        try:
            command = _parse.validate_python(raw)
        except ValidationError as exc:
            return _error("invalid-command", "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                                                        for e in exc.errors()))
        try:
            return {"ok": True, **await self._run(command)}
        except (CaseRefused, InvalidCaseTransition) as exc:
            return _error(exc.error_id, str(exc))
        except LookupError as exc:
            return _error("unknown-case", str(exc).strip("'\""))
        except SQLAlchemyError as exc:
            return _error("database", f"the case store failed: {exc}")

    async def _run(self, c: OpenCmd | ActCmd | ReadCmd | DeskCaseCmd) -> dict[str, Any]:
        if isinstance(c, DeskCaseCmd):
            if self.desk is None:
                raise CaseRefused("this engine has no ACD for desk case commands")
            return await self.desk.run(c.agent, c.cmd.split("_", 1)[1], c.case, kind=c.type, category=c.category,
                                       priority=c.priority, description=c.description, note=c.note)
        if isinstance(c, OpenCmd):
            case = await self.cases.open(kind=c.type, category=c.category, customer=c.customer, by=c.by,
                                         priority=c.priority, customer_name=c.customer_name,
                                         description=c.description, call_id=c.call)
            return {"case": view(case)}
        if isinstance(c, ActCmd):
            return {"case": view(await self._act(c))}
        return await self._read(c)

    async def _act(self, c: ActCmd):
        s, action = self.cases, c.cmd.split(".", 1)[1]
        if action == "take":
            return await s.take(c.case, c.agent or c.by)
        if action == "assign":
            return await s.assign(c.case, c.by, agent=c.agent, level=c.level)
        if action == "note":
            return await s.note(c.case, c.by, c.text)
        if action == "resolve":
            return await s.resolve(c.case, c.by, c.text)
        if action == "close":
            return await s.close(c.case, c.by)
        if action == "reopen":
            return await s.reopen(c.case, c.by, c.text)
        if c.score is None:
            raise CaseRefused("an answer needs the customer's score")
        return await s.answer(c.case, c.score, c.text, by=c.by)

    async def _read(self, c: ReadCmd) -> dict[str, Any]:
        s = self.cases
        if c.cmd == "case.tick":
            return {"alarms": [{"case": a.case_id, "deadline": a.deadline, "kind": a.kind, "to_level": a.to_level}
                               for a in await s.tick()]}
        if c.cmd == "case.escalations":
            now = s.clock()
            rows = [{**view(case), "left_min": {k: round(v, 1) for k, v in time_left(case, s.policy, now).items()},
                     "alarms": sorted(case.alarms)} for case in s.cases.values() if case.is_open]
            return {"cases": sorted(rows, key=lambda r: min(r["left_min"].values(), default=0.0))}
        if c.cmd == "case.show":
            if not c.case:
                raise CaseRefused("show needs a case id")
            found = await fetch_cases(s.db, case_id=c.case)
            if not found:
                raise LookupError(f"no case {c.case!r}")
            logs = await fetch_case_log(s.db, c.case)
            return {"case": view(found[0]), "log": [{"at": e.at.isoformat(), "kind": e.kind, "by": e.actor,
                                                     "from": e.from_state, "to": e.to_state, "detail": e.detail}
                                                    for e in logs]}
        found = await fetch_cases(s.db, states=[c.state] if c.state else None, customer=c.customer, limit=200)
        return {"cases": [view(case) for case in found]}


def _error(error_id: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error_id": error_id, "message": message}
