"""Agents work cases from their desk (MQTT ``case_*`` commands, or ``agent.case_*`` on the control
socket): open a case on the call they are on or just had, take one, note, resolve and close.

The agent acts only as themself: the MQTT topic (the broker's ACL) names the agent, and every
change is made ``by`` that agent; nobody assigns work to a colleague from a desk (supervisors do,
with ``hotline case assign``). A case opened from the desk is linked to the agent's current call,
or the last one they had, and to that call's customer.
"""

from __future__ import annotations

from typing import Any

from acd.cases import CaseRefused
from cti.services.cases import CaseService, view


class CaseDesk:
    """Case use cases for one agent at a time, on behalf of that agent."""

    def __init__(self, cases: CaseService, acd) -> None:
        self.cases, self.acd = cases, acd

    async def run(self, agent: str, action: str, case_id: str | None, **fields: Any) -> dict[str, Any]:
        if self.acd.agent(agent) is None:
            raise CaseRefused(f"no agent {agent!r} in the ACD configuration")
        if action == "open":
            return {"case": view(await self.open(agent, **fields))}
        if not case_id:
            raise CaseRefused(f"case_{action} needs the case id (`case`)")
        text = fields.get("note", "")
        if action == "take":
            case = await self.cases.take(case_id, agent)
        elif action == "note":
            if not text:
                raise CaseRefused("case_note needs the text (`note`)")
            case = await self.cases.note(case_id, agent, text)
        elif action == "resolve":
            case = await self.cases.resolve(case_id, agent, text)
        else:
            case = await self.cases.close(case_id, agent)
        return {"case": view(case)}

    async def open(self, agent: str, *, category: str | None, kind: str = "complaint", priority: str | None = None,
                   description: str = "", **_: Any):
        if not category:
            raise CaseRefused("case_open needs a category (config/cases.yaml `categories`)")
        call = self.acd.last_call.get(agent)  # the call on the desk now, or the one just had
        customer = (call.attributes.get("caller") or call.attributes.get("number", "")) if call else ""
        if not customer:
            raise CaseRefused(f"agent {agent} has no current or last call with a customer number to open a case on")
        return await self.cases.open(kind=kind, category=category, priority=priority, customer=customer,
                                     customer_name=call.attributes.get("customer_name") or call.attributes.get(
                                         "name", ""), description=description, by=agent, call_id=call.id)
