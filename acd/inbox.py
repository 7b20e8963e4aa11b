"""What the ACD tells a waiting call's coroutine: the events dropped into its inbox.

`AcdService` (cti.services.acd) owns the router; each waiting call opens an inbox
(cti.services.inbox), and the coroutine that owns the call reacts to what arrives there: an
agent reserved for it (`Offered`), that offer taken back (`Withdrawn`), the call refused at the door (`Refused`) or out of time (`TimedOut`).
"""

from __future__ import annotations

from dataclasses import dataclass

from acd.models import Reservation


@dataclass(frozen=True)
class Offered:
    reservation: Reservation


@dataclass(frozen=True)
class Withdrawn:
    reservation: Reservation


@dataclass(frozen=True)
class Refused:
    reason: str  # queue_full | nobody_logged_in | queue_removed | agent_unavailable | not_answered


@dataclass(frozen=True)
class TimedOut:
    pass


InboxEvent = Offered | Withdrawn | Refused | TimedOut
