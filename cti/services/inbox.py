"""A waiting call's inbox: where `AcdService` drops the ACD's events (acd.inbox) for the call's coroutine."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from acd.inbox import InboxEvent
from acd.models import Task


@dataclass
class Inbox:
    task: Task
    events: asyncio.Queue[InboxEvent] = field(default_factory=asyncio.Queue)
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    accepted_reservation: str = ""
    answered_at: float | None = None  # when the agent picked up (the ACD clock): talk time of a caller who hangs up
