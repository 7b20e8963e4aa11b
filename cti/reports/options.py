"""What a report covers: the period, the filters and the thresholds (a plain value object)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

INTERVALS = (15, 30, 60)


@dataclass(frozen=True)
class ReportOptions:
    """Half-open period [start, end) in UTC; None = unbounded on that side.

    `now` closes the state of agents still logged in when there is no `end` (injected, for tests).
    """

    start: datetime | None = None
    end: datetime | None = None
    queue: str | None = None
    agent: str | None = None
    interval_min: int = 30
    sl_seconds: float = 20.0
    short_abandon_s: float = 5.0
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        if self.interval_min not in INTERVALS:
            raise ValueError(f"interval must be one of {INTERVALS} minutes, got {self.interval_min}")
        if self.start and self.end and self.end <= self.start:
            raise ValueError(f"--to ({self.end.isoformat()}) must be after --from ({self.start.isoformat()})")
        if self.short_abandon_s < 0 or self.sl_seconds <= 0:
            raise ValueError("--sl-seconds must be > 0 and --short-abandon-s >= 0")

    @property
    def until(self) -> datetime:
        """Where open agent states stop: the period end, or now."""
        return self.end or self.now


def parse_time(text: str) -> datetime:
    """ISO date or datetime; a naive value is taken as UTC."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO date/time; write e.g. 2026-11-02 or 2026-11-02T09:00+01:00") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def day_after(value: datetime) -> datetime:
    return value + timedelta(days=1)
