"""ACD domain errors: each carries a stable ``error_id`` slug that CTI error events reuse."""

from __future__ import annotations


class AcdError(Exception):
    error_id = "acd_error"


class UnknownAgent(AcdError, KeyError):
    error_id = "acd_unknown_agent"

    def __init__(self, agent_id: str) -> None:
        self.agent_id = agent_id
        super().__init__(f"no agent {agent_id!r}")

    def __str__(self) -> str:
        return str(self.args[0])


class UnknownQueue(AcdError, KeyError):
    """No queue of that name; a KeyError, so look-ups may catch either. The slug is the one the
    call use cases have always reported (hyphenated, like the CTI's other error ids)."""

    error_id = "acd-unknown-queue"

    def __init__(self, queue: str) -> None:
        self.queue = queue
        super().__init__(f"no queue {queue!r}")

    def __str__(self) -> str:
        return str(self.args[0])


class UnknownReservation(AcdError, KeyError):
    """The reservation was already settled (ring timeout, caller abandoned, accepted)."""

    error_id = "acd_unknown_reservation"

    def __init__(self, reservation_id: str) -> None:
        self.reservation_id = reservation_id
        super().__init__(f"no open reservation {reservation_id!r}")

    def __str__(self) -> str:
        return str(self.args[0])


class DuplicateTask(AcdError):
    error_id = "acd_duplicate_task"

    def __init__(self, task_id: str) -> None:
        self.task_id = task_id
        super().__init__(f"task {task_id!r} is already queued")
