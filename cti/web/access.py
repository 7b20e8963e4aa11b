"""Who may see and do what, as plain functions of the user and the ACD's current staffing.

- an agent user acts and reads only as its own agent: its state, its screen pops, its
  consults and previews; it sees no wallboard;
- a supervisor sees the queues of its scope and every agent who serves one of them (the ACD's
  ``agents_of``, so a hot reload that changes skills changes the scope); it may change those
  agents' state (pause, log out...), never act on their calls, and never reads their pops;
- an admin sees everything and may change any agent's state.

Call actions (disposition, transfer, hang-up, cases...) are the agent's own: nobody acts on a
call for someone else through the web.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from cti.web.users import User

STATE_COMMANDS = frozenset({"login", "logout", "ready", "pause", "end_wrapup"})


class Access:
    """Scope checks; ``agents_of(queue)`` and ``queues()`` come from the ACD."""

    def __init__(self, agents_of: Callable[[str], Iterable[str]], queues: Callable[[], Iterable[str]]) -> None:
        self.agents_of, self.queues = agents_of, queues

    def queues_of(self, user: User) -> set[str]:
        if user.role == "admin":
            return set(self.queues())
        if user.role == "supervisor":
            return set(user.queues) & set(self.queues())
        return set()

    def sees_queue(self, user: User, queue: str) -> bool:
        return queue in self.queues_of(user)

    def sees_agent(self, user: User, agent_id: str) -> bool:
        if user.role == "admin" or user.agent_id == agent_id:
            return True
        if user.role == "supervisor":
            return any(agent_id in set(self.agents_of(q)) for q in self.queues_of(user))
        return False

    def may_command(self, user: User, agent_id: str, cmd: str) -> bool:
        if user.agent_id == agent_id:
            return True
        return cmd in STATE_COMMANDS and user.role in ("supervisor", "admin") and self.sees_agent(user, agent_id)

    def sees_pops_of(self, user: User, agent_id: str) -> bool:
        """Caller data (screen pops, consults, previews) reach only the agent on the call."""
        return user.agent_id == agent_id

    def board(self, user: User, queues: list[dict[str, Any]], agents: list[dict[str, Any]],
              alerts: list[dict[str, Any]]) -> dict[str, Any]:
        """The wallboard as this user may see it."""
        mine = self.queues_of(user)
        return {"queues": [q for q in queues if q.get("queue") in mine],
                "agents": [a for a in agents if self.sees_agent(user, str(a.get("id")))],
                "alerts": [a for a in alerts if not a.get("queue") or a.get("queue") in mine]}
