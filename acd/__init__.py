"""acd: skills-based queues in memory — agents, queues, routing, escalation, live stats.

The pure core (no asyncio, no I/O): `Router` takes events with an injected ``now`` and returns
`Decision`s; `cti.services.acd` is the asyncio shell around it, and tells the world what
happened through the typed events of `acd.events`.
"""

from acd.agent_state import TRANSITIONS, AgentEvent, InvalidTransition, StateChange, apply
from acd.errors import AcdError, DuplicateTask, UnknownAgent, UnknownQueue, UnknownReservation
from acd.events import AcdEvent, AcdEventSink, AgentStateChanged, CallQueueEvent, QueueEvent
from acd.models import Agent, AgentState, EscalationStep, QueueSpec, Reservation, Task
from acd.router import Decision, Router
from acd.stats import QueueStats, WindowStats

__all__ = [
    "TRANSITIONS", "AcdError", "AcdEvent", "AcdEventSink", "Agent", "AgentEvent", "AgentState",
    "AgentStateChanged", "CallQueueEvent", "Decision", "DuplicateTask", "EscalationStep",
    "InvalidTransition", "QueueEvent", "QueueSpec", "QueueStats", "Reservation", "Router",
    "StateChange", "Task", "UnknownAgent", "UnknownQueue", "UnknownReservation", "WindowStats",
    "apply",
]
