"""Cases meet calls: dispositions open cases or answer follow-ups; a customer with an open case is
recognised when calling again.

`CaseCalls` observes the ACD's typed events (`notifier.on_event`):
- a disposition whose code is configured in ``dispositions`` (e.g. ``complaint``) opens a case for
  the call's customer (or, when the caller already has an open case, links the call to it);
- a disposition on a follow-up call (its lead carried ``case_id`` and ``case_booking``) with a
  ``score`` is the customer's answer: `CaseService.answer`, which applies it only to the closing
  that call was booked for (else it is logged as ``late_answer``);
- an offer of a call whose context names an open case links the call to that case.
The work needs the database, so each is a task this object keeps a reference to.

`CaseDirectory` wraps the customer directory: a caller with an open case gets the call variables
``open_case=yes``, ``case_id``, ``case_state``, ``case_queue`` (its owner's queue), ``case_owner``
and ``case_summary``: the IVR can branch on them and the screen pop shows them.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from acd.case_state import InvalidCaseTransition
from acd.cases import CaseRefused
from acd.events import AcdEvent, CallQueueEvent, QueueEvent
from cti.services.cases import CaseService, summary

log = logging.getLogger("hotline.cases")
_EXPECTED = (CaseRefused, InvalidCaseTransition, LookupError, SQLAlchemyError, OSError, asyncio.TimeoutError)


class CaseCalls:
    """The ACD observer that turns dispositions and offers into case changes."""

    def __init__(self, cases: CaseService, acd) -> None:
        self.cases, self.acd = cases, acd
        self._tasks: set[asyncio.Task] = set()

    def on_acd_event(self, event: AcdEvent) -> None:
        if not isinstance(event, CallQueueEvent):
            return
        if event.event is QueueEvent.DISPOSITION and event.agent_id:
            task = self.acd.last_call.get(event.agent_id)
            attributes = dict(task.attributes) if task else {}
            self._spawn(self.disposition(event.agent_id, event.call_id, attributes, _data(event.data)))
        elif event.event is QueueEvent.OFFER and event.context and event.context.get("case_id") \
                and not event.context.get("campaign"):
            self._spawn(self._link(str(event.context["case_id"]), event.call_id, "customer_call"))

    async def disposition(self, agent: str, call_id: str, attributes: dict[str, str], data: dict[str, Any]) -> None:
        """What one disposition means for cases (see the module docstring)."""
        case_id = attributes.get("case_id", "")
        if attributes.get("campaign") and case_id and data.get("score") is not None:
            await self.cases.answer(case_id, int(data["score"]), str(data.get("answer") or data.get("note") or ""),
                                    by=agent, call_id=call_id, booking=attributes.get("case_booking") or None)
            return
        rule = self.cases.policy.dispositions.get(str(data.get("code", "")))
        if rule is None:
            return
        customer = attributes.get("caller") or attributes.get("number", "")
        existing = self.cases.open_case_of(customer) if customer else None
        if existing is not None:
            await self.cases.link(existing.id, call_id, "customer_call")
            await self.cases.note(existing.id, agent, f"{data.get('code')} again on call {call_id}: {data.get('note', '')}")
            return
        await self.cases.open(kind=rule.kind, category=rule.category, priority=rule.priority, customer=customer,
                              customer_name=attributes.get("customer_name") or attributes.get("name", ""),
                              description=str(data.get("note", "")), by=agent, call_id=call_id)

    async def _link(self, case_id: str, call_id: str, role: str) -> None:
        await self.cases.link(case_id, call_id, role)

    def _spawn(self, work) -> None:
        task = asyncio.create_task(self._guarded(work), name="case-from-call")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guarded(self, work) -> None:
        try:
            await work
        except _EXPECTED as exc:
            log.error("case update from a call failed: %s", exc)

    async def drain(self, timeout: float = 5.0) -> None:
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)


def _data(text: str | None) -> dict[str, Any]:
    try:
        data = json.loads(text) if text else {}
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def case_variables(cases: CaseService, customer: str) -> dict[str, str]:
    """The open-case facts of a caller (empty when none)."""
    case = cases.open_case_of(customer) if customer else None
    if case is None:
        return {}
    return {"open_case": "yes", "case_id": case.id, "case_state": str(case.state), "case_queue": case.queue,
            "case_owner": case.agent or "", "case_summary": summary(case)}


class CaseDirectory:
    """A customer directory whose lookups add the caller's open-case facts."""

    def __init__(self, directory, cases: CaseService) -> None:
        self.directory, self.cases = directory, cases

    async def lookup(self, phone: str) -> dict[str, str]:
        return {**await self.directory.lookup(phone), **case_variables(self.cases, phone)}

    async def lookup_by(self, field: str, value: str) -> dict[str, object] | None:
        found = await self.directory.lookup_by(field, value)
        if found is not None and field == "phone":
            return {**found, **case_variables(self.cases, value)}
        return found


def make_case_service(path, db, acd, dialer) -> CaseService | None:
    """The engine's case service from ``path`` (levels checked against the ACD's queues), or None
    (logged with every issue as file:line:col) when the file is missing or wrong: calls go on."""
    from pathlib import Path

    from acd.case_config import load_cases
    from common.yamlconf import ConfigError

    if not Path(path).exists():
        log.warning("no case configuration at %s: cases are off", path)
        return None
    try:
        policy = load_cases(path, acd.queue_names())
    except ConfigError as exc:
        log.error("cases are off: %s has problems:\n%s", path, exc)
        return None
    return CaseService(policy, db, publish=acd.notifier.relay,
                       book_follow_up=dialer.book_callback if dialer is not None else None,
                       cancel_follow_up=dialer.cancel_booking if dialer is not None else None)
