"""Cases: the asyncio shell around the pure case core (acd.cases, acd.case_sla).

Theory of operation: every case not yet confirmed lives in memory (loaded from the database at
start) and every change goes the same way: the core moves the case (the state table checks the
move), the change is logged as `CaseLog` lines, the case row and its log are saved in one
transaction, and a ``case`` CTI event is published (`publish`, the ACD notifier's relay, so MQTT
carries it to ``{prefix}/cases/{id}/events``). A periodic `tick` with the injected clock raises
SLA alarms and escalates. Closing a case books the follow-up call (回访) as a lead of the
follow-up campaign, due ``follow_up.delay_min`` later, whose data (case id, summary, questions)
is the 回访 agent's screen pop. `answer` is the one entry point for the customer's verdict:
the 回访 agent's disposition gives it today (cti.services.case_desk), an automated survey can
call it later; a score under the bar reopens the case with fresh deadlines, anything else
confirms it.

Each closing is one booking, ``{case id}/{times reopened}``, carried in the lead's data
(``case_booking``). When the case leaves CLOSED other than by that call's answer (a supervisor
reopens it, or the verdict is given by hand), the booking is withdrawn from the dialer
(``cancel_follow_up``): the customer is not called about a cycle that is over. An answer that
arrives anyway (a call already under way, a stale screen) is applied only if the case is CLOSED
and the answer is about its current booking; otherwise it is logged as ``late_answer`` and
moves nothing.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from acd.case_sla import alarms, raise_alarm
from acd.case_state import CaseChange, CaseEvent, CaseState
from acd.cases import Case, CasePolicy, CaseRefused, is_dissatisfied, move, open_case
from cti.store.cases import CaseLog, fetch_cases, link_call, save_case

log = logging.getLogger("hotline.cases")
Publish = Callable[[str, dict[str, Any]], None]
BookFollowUp = Callable[..., Awaitable[bool]]
CancelFollowUp = Callable[[str, str], Awaitable[int | None]]  # (campaign, booking) -> leads withdrawn, None: failed
LIVE_STATES = [str(s) for s in CaseState if s is not CaseState.CONFIRMED]


def _utc() -> datetime:
    return datetime.now(UTC)


class CaseService:
    """Opens, moves, escalates and follows up cases; one instance per engine."""

    def __init__(self, policy: CasePolicy, db, *, publish: Publish | None = None,
                 book_follow_up: BookFollowUp | None = None, cancel_follow_up: CancelFollowUp | None = None,
                 clock: Callable[[], datetime] = _utc) -> None:
        self.policy, self.db, self.clock = policy, db, clock
        self.publish = publish or (lambda kind, payload: None)
        self.book_follow_up, self.cancel_follow_up = book_follow_up, cancel_follow_up
        self.cases: dict[str, Case] = {}

    async def load(self) -> int:
        """Every case not yet confirmed, from the database (at engine start)."""
        self.cases = {case.id: case for case in await fetch_cases(self.db, states=LIVE_STATES, limit=100_000)}
        return len(self.cases)

    def get(self, case_id: str) -> Case:
        case = self.cases.get(case_id)
        if case is None:
            raise LookupError(f"no open case {case_id!r} (confirmed cases are read-only: `hotline case show`)")
        return case

    def open_case_of(self, customer: str) -> Case | None:
        """The customer's most recent case still being worked, if any (screen pop, IVR routing)."""
        mine = [c for c in self.cases.values() if c.customer == customer and c.is_open]
        return max(mine, key=lambda c: c.opened_at) if mine else None

    # -- use cases ---------------------------------------------------------------------------
    async def open(self, *, kind: str, category: str, customer: str, by: str, priority: str | None = None,
                   customer_name: str = "", description: str = "", call_id: str | None = None) -> Case:
        now = self.clock()
        case = open_case(f"C-{now:%Y%m%d}-{uuid.uuid4().hex[:6]}", self.policy, now, kind=kind, category=category,
                         customer=customer, priority=priority, customer_name=customer_name,
                         description=description, opened_by=by)
        self.cases[case.id] = case
        await self._save(case, [CaseLog(case.id, now, "opened", by, None, str(case.state),
                                        {"queue": case.queue, "call": call_id} if call_id else {"queue": case.queue})])
        if call_id:
            await self.link(case.id, call_id, "opened_on")
        log.info("case %s opened by %s for %s (%s/%s, level %d, %s)", case.id, by, customer, kind, category,
                 case.level, case.queue)
        return case

    async def take(self, case_id: str, agent: str) -> Case:
        return await self._move(case_id, CaseEvent.TAKE, agent, agent=agent)

    async def assign(self, case_id: str, by: str, agent: str | None = None, level: int | None = None) -> Case:
        if agent is None and level is None:
            raise CaseRefused("assign to an agent or a level")
        return await self._move(case_id, CaseEvent.ASSIGN, by, agent=agent, level=level)

    async def resolve(self, case_id: str, by: str, note: str = "") -> Case:
        agent = by if not by.startswith(("cli", "sla")) else None
        return await self._move(case_id, CaseEvent.RESOLVE, by, note, agent=agent)

    async def reopen(self, case_id: str, by: str, reason: str = "") -> Case:
        """Reopen a resolved or closed case; a closed one's follow-up call is withdrawn."""
        case = self.get(case_id)
        booking, was_closed = follow_up_booking(case), case.state is CaseState.CLOSED
        case = await self._move(case_id, CaseEvent.REOPEN, by, reason)
        if was_closed:
            await self._cancel_follow_up(case, booking)
        return case

    async def note(self, case_id: str, by: str, text: str) -> Case:
        case = self.get(case_id)
        await self._save(case, [CaseLog(case.id, self.clock(), "note", by, detail={"text": text})])
        return case

    async def close(self, case_id: str, by: str) -> Case:
        """Close a resolved case and book its follow-up call."""
        case = await self._move(case_id, CaseEvent.CLOSE, by)
        await self._book_follow_up(case)
        return case

    async def answer(self, case_id: str, score: int, answer: str = "", by: str = "follow_up",
                     call_id: str | None = None, booking: str | None = None) -> Case:
        """The customer's verdict on a closed case: a low score reopens it, any other confirms it.
        ``call_id``: the 回访 call it was given on, ``booking``: the closing that call was about
        (see the module docstring for answers that come too late)."""
        case = self.cases.get(case_id) or await self._stored(case_id)
        current = follow_up_booking(case)
        if call_id:
            await self._link(case, call_id, "follow_up")
        if case.state is not CaseState.CLOSED or booking not in (None, current):
            return await self._late_answer(case, score, answer, by, booking)
        bad = is_dissatisfied(self.policy, score)
        case.score = score
        detail = {"score": score, "answer": answer, "verdict": "dissatisfied" if bad else "satisfied"}
        await self._save(case, [CaseLog(case.id, self.clock(), "answer", by, detail=detail)])
        event = CaseEvent.REOPEN if bad else CaseEvent.CONFIRM
        case = await self._move(case_id, event, by, f"follow-up score {score}")
        if call_id is None:  # given by hand: the 回访 call booked for this closing is not needed
            await self._cancel_follow_up(case, current)
        return case

    async def _late_answer(self, case: Case, score: int, answer: str, by: str, booking: str | None) -> Case:
        detail = {"score": score, "answer": answer, "booking": booking, "case_state": str(case.state),
                  "current_booking": follow_up_booking(case)}
        await self._save(case, [CaseLog(case.id, self.clock(), "late_answer", by, detail=detail)])
        self._publish(case, "late_answer", by=by, score=score)
        log.warning("case %s: follow-up answer (score %d, booking %s) came while %s, current booking %s: "
                    "logged, not applied", case.id, score, booking, case.state, follow_up_booking(case))
        return case

    async def _stored(self, case_id: str) -> Case:
        found = await fetch_cases(self.db, case_id=case_id)
        if not found:
            raise LookupError(f"no case {case_id!r}")
        return found[0]

    async def link(self, case_id: str, call_id: str, role: str) -> None:
        await self._link(self.get(case_id), call_id, role)

    async def _link(self, case: Case, call_id: str, role: str) -> None:
        if call_id not in case.calls:
            case.calls.append(call_id)
        await link_call(self.db, case.id, call_id, role, self.clock())

    # -- SLA ---------------------------------------------------------------------------------
    async def tick(self) -> list:
        """Raise the SLA alarms due now (escalating missed deadlines); the alarms raised."""
        now = self.clock()
        raised = []
        for case in list(self.cases.values()):
            for alarm in alarms(case, self.policy, now):
                change = raise_alarm(case, self.policy, alarm)
                detail = {"deadline": alarm.deadline, "due_at": alarm.due_at.isoformat(), "level": case.level,
                          "queue": case.queue}
                logs = [CaseLog(case.id, now, f"sla_{alarm.kind}", "sla", detail=detail)]
                logs += [self._log(change, "sla")] if change else []
                await self._save(case, logs)
                self._publish(case, f"sla_{alarm.kind}", deadline=alarm.deadline)
                raised.append(alarm)
                log.warning("case %s: %s deadline %s (due %s)%s", case.id, alarm.deadline, alarm.kind,
                            alarm.due_at.isoformat(), f"; escalated to level {case.level} ({case.queue})" if change else "")
        return raised

    async def run(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            await self.tick()

    # -- internals ---------------------------------------------------------------------------
    async def _move(self, case_id: str, event: CaseEvent, by: str, text: str = "", **how: Any) -> Case:
        case = self.get(case_id)
        change = move(case, event, self.policy, self.clock(), **how)
        await self._save(case, [self._log(change, by, text)])
        self._publish(case, str(event), by=by)
        if case.state is CaseState.CONFIRMED:
            self.cases.pop(case.id, None)
        return case

    def _log(self, change: CaseChange, by: str, text: str = "") -> CaseLog:
        case = self.cases.get(change.case_id)
        detail: dict[str, Any] = {"text": text} if text else {}
        if case is not None:
            detail.update(owner=case.owner, level=case.level)
        return CaseLog(change.case_id, change.at, str(change.event), by, str(change.from_state),
                       str(change.to_state), detail)

    async def _save(self, case: Case, logs: list[CaseLog]) -> None:
        await save_case(self.db, case, logs)

    def _publish(self, case: Case, event: str, **extra: Any) -> None:
        self.publish("case", {**view(case), "event": event, **extra})

    async def _book_follow_up(self, case: Case) -> None:
        follow = self.policy.follow_up
        if follow is None or self.book_follow_up is None:
            log.info("case %s closed; no follow-up campaign configured", case.id)
            return
        due = self.clock() + timedelta(minutes=follow.delay_min)
        data = {"case_id": case.id, "case_summary": summary(case), "case_category": case.category,
                "questions": " | ".join(follow.questions), "score_scale": f"1-{follow.scale_max}"}
        booking = follow_up_booking(case)
        data["case_booking"] = booking
        booked = await self.book_follow_up(follow.campaign, case.customer, case.customer_name, data, when=due,
                                           booking=booking)
        await self._save(case, [CaseLog(case.id, self.clock(), "follow_up_booked" if booked else "follow_up_failed",
                                        "follow_up", detail={"campaign": follow.campaign, "due_at": due.isoformat(),
                                                                "booking": booking})])

    async def _cancel_follow_up(self, case: Case, booking: str) -> None:
        follow = self.policy.follow_up
        if follow is None or self.cancel_follow_up is None:
            return
        withdrawn = await self.cancel_follow_up(follow.campaign, booking)
        if withdrawn == 0:
            return  # nothing left to withdraw: already called, given up on, or never booked
        kind = "follow_up_cancelled" if withdrawn else "follow_up_cancel_failed"
        await self._save(case, [CaseLog(case.id, self.clock(), kind, "follow_up",
                                        detail={"campaign": follow.campaign, "booking": booking,
                                                "leads": withdrawn})])


def follow_up_booking(case: Case) -> str:
    """The booking of the case's current (or latest) closing: one 回访 per closing, so a reclosed
    case is called again and an answer can be told apart from one about an earlier closing."""
    return f"{case.id}/{case.reopened}"


def summary(case: Case) -> str:
    text = case.description or f"{case.kind} about {case.category}"
    return text if len(text) <= 120 else text[:117] + "..."


def view(case: Case) -> dict[str, Any]:
    """A case as CTI, the CLI and the screen pop show it (JSON-ready)."""
    def iso(t: datetime | None) -> str | None:
        return t.isoformat() if t else None

    return {"case": case.id, "type": case.kind, "category": case.category, "priority": case.priority,
            "customer": case.customer, "customer_name": case.customer_name, "summary": summary(case),
            "state": str(case.state), "level": case.level, "queue": case.queue, "agent": case.agent,
            "owner": case.owner, "opened_at": iso(case.opened_at), "first_response_at": iso(case.first_response_at),
            "resolved_at": iso(case.resolved_at), "closed_at": iso(case.closed_at),
            "response_due": iso(case.response_due), "resolution_due": iso(case.resolution_due),
            "reopened": case.reopened, "score": case.score, "calls": list(case.calls)}
