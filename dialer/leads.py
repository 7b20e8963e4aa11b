"""Leads: who to call, and the pure rules deciding whether a lead may be called right now.

Times are injected and timezone-aware UTC. The call window is read on the lead's own clock
(``zoneinfo``), so a lead in New York and one in Shanghai open at their own 09:00, and a DST
change moves the UTC opening with it. A scheduled callback (the customer asked for a time) skips
the retry delay and max attempts but never the call window or the DNC list. The in-memory
``Hopper`` that serves callable leads in order lives in ``dialer.hopper``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dialer.campaign import Campaign
from dialer.numbers import BadNumberError, DncList, dnc_key, normalize_number

RETRY_OUTCOMES: frozenset[str] = frozenset({"busy", "no_answer", "machine", "failed", "dropped"})


class LeadStatus(StrEnum):
    NEW = "new"
    RETRY = "retry"          # an attempt failed; next_attempt_at says when to try again
    CALLBACK = "callback"    # the customer asked to be called at callback_at
    DIALING = "dialing"      # handed out by the hopper, outcome not yet known
    DONE = "done"            # reached and dispositioned: never dialed again
    EXHAUSTED = "exhausted"  # max attempts used
    DNC = "dnc"              # asked not to be called
    CANCELLING = "cancelling"  # withdrawn by its owner while an attempt is live: not retried
    CANCELLED = "cancelled"  # withdrawn by its owner (a follow-up whose case was reopened)


DIALABLE = frozenset({LeadStatus.NEW, LeadStatus.RETRY, LeadStatus.CALLBACK})
CANCELLABLE = DIALABLE | {LeadStatus.DIALING}  # a booking withdrawn now still stops these


@dataclass(slots=True)
class Lead:
    """One person to call for one campaign. ``next_attempt_at`` and ``callback_at`` are UTC."""

    id: str
    campaign: str
    number: str
    timezone: str
    name: str = ""
    priority: int = 0
    attempts: int = 0
    next_attempt_at: datetime | None = None
    status: LeadStatus = LeadStatus.NEW
    callback_at: datetime | None = None
    data: dict[str, str] = field(default_factory=dict)
    # What tells apart several calls booked to one number in one campaign: "" for a lead imported
    # from a list (one per number and campaign), the booking's own reference for a call-back or a
    # follow-up (回访), so a customer can be booked again after an earlier booking was dialed.
    booking: str = ""

    def __post_init__(self) -> None:
        self.number = normalize_number(self.number)
        zone(self.timezone)


@dataclass(frozen=True, slots=True)
class RowError:
    """A rejected CSV row; ``row`` is the file line where the record starts (header = line 1)."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.column}: {self.message}"


def zone(name: str) -> ZoneInfo:
    """The IANA zone, or ValueError naming it (ZoneInfo caches, so this is cheap to repeat)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}; use an IANA name such as 'Europe/Paris'") from None


# ---------------------------------------------------------------- CSV import

_KNOWN = {"id", "number", "timezone", "name", "priority", "callback_at"}


def parse_leads_csv(text: str, campaign: str, default_tz: str) -> tuple[list[Lead], list[RowError]]:
    """Good rows become leads, bad rows become RowErrors; one bad row never rejects the file.

    Columns: ``number`` (required), ``timezone`` (else ``default_tz``), ``name``, ``priority``
    (integer, higher first), ``id`` (else ``CAMPAIGN-NUMBER``: stable across imports), ``callback_at`` (ISO 8601 with offset);
    any other column is kept in ``Lead.data`` for the agent's screen pop.
    """
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames or "number" not in [f.strip() for f in reader.fieldnames]:
        return [], [RowError(1, "header", "no 'number' column; the first line must name the columns, "
                                          "e.g. number,timezone,name")]
    leads: list[Lead] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    row_start = reader.line_num + 1
    for record in reader:
        row, row_start = row_start, reader.line_num + 1
        cells = {(k or "").strip(): (v or "").strip() for k, v in record.items() if k is not None}
        lead = _lead_from_row(cells, row, campaign, default_tz, errors)
        if lead is None:
            continue
        key = dnc_key(lead.number)
        if key in seen:
            errors.append(RowError(row, "number", f"duplicate of row {seen[key]} ({lead.number}); "
                                                  "keep one row per number"))
            continue
        seen[key] = row
        leads.append(lead)
    return leads, errors


def _lead_from_row(cells: dict[str, str], row: int, campaign: str, default_tz: str,
                   errors: list[RowError]) -> Lead | None:
    before = len(errors)
    number = _cell(cells, row, "number", normalize_number, errors)
    tz = _cell(cells, row, "timezone", lambda v: zone(v or default_tz).key, errors)
    priority = _cell(cells, row, "priority", lambda v: int(v or 0), errors)
    callback_at = _cell(cells, row, "callback_at", _parse_when, errors)
    if len(errors) > before:
        return None
    return Lead(id=cells.get("id") or f"{campaign}-{number}", campaign=campaign, number=number,
                timezone=tz, name=cells.get("name", ""), priority=priority,
                status=LeadStatus.CALLBACK if callback_at else LeadStatus.NEW, callback_at=callback_at,
                data={k: v for k, v in cells.items() if k not in _KNOWN})


def _cell(cells, row, column, convert, errors):  # type: ignore[no-untyped-def]
    try:
        return convert(cells.get(column, ""))
    except (ValueError, BadNumberError) as exc:
        message = str(exc) if column != "priority" else f"{cells[column]!r} is not a whole number"
        errors.append(RowError(row, column, message))
        return None


def _parse_when(value: str) -> datetime | None:
    if not value:
        return None
    when = datetime.fromisoformat(value)
    if when.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset; write e.g. 2024-05-01T10:00:00+08:00")
    return when.astimezone(UTC)


# ---------------------------------------------------------------- rules


def in_window(lead: Lead, campaign: Campaign, now_utc: datetime) -> bool:
    """Is it inside the campaign's call window on the lead's own wall clock?"""
    local = now_utc.astimezone(zone(lead.timezone))
    window = campaign.call_window
    return (local.weekday() in window.weekdays
            and window.start_time <= local.time() < window.end_time)


def next_window_open(lead: Lead, campaign: Campaign, now_utc: datetime) -> datetime:
    """The first UTC instant at or after ``now_utc`` when the lead's window is open."""
    if in_window(lead, campaign, now_utc):
        return now_utc
    tz, window = zone(lead.timezone), campaign.call_window
    local_day = now_utc.astimezone(tz).date()
    for offset in range(8):
        day = local_day + timedelta(days=offset)
        opens = datetime.combine(day, window.start_time, tz).astimezone(UTC)
        if day.weekday() in window.weekdays and opens > now_utc:
            return opens
    raise AssertionError("a window with at least one day opens within a week")


def callable_now(lead: Lead, campaign: Campaign, now_utc: datetime,
                 dnc: DncList | frozenset[str] = frozenset()) -> tuple[bool, str]:
    """(may we dial this lead now?, reason). Reasons are stable slugs for logs and reports."""
    if lead.status not in DIALABLE:
        return False, f"status_{lead.status}"
    if lead.number in dnc:
        return False, "dnc"
    callback = lead.status is LeadStatus.CALLBACK and lead.callback_at is not None
    if callback and now_utc < lead.callback_at:  # type: ignore[operator]
        return False, "callback_pending"
    if not callback and lead.attempts >= campaign.max_attempts:
        return False, "max_attempts"
    if not callback and lead.next_attempt_at is not None and now_utc < lead.next_attempt_at:
        return False, "retry_wait"
    if not in_window(lead, campaign, now_utc):
        return False, "outside_window"
    return True, "callback_due" if callback else "ok"


def retry_after(outcome: str, attempts: int, campaign: Campaign, now: datetime) -> datetime | None:
    """When to try again after ``outcome`` on attempt number ``attempts``; None = do not retry."""
    if outcome not in RETRY_OUTCOMES or attempts >= campaign.max_attempts:
        return None
    minutes = campaign.retry_delays.minutes(outcome, attempts)  # type: ignore[arg-type]
    return now + timedelta(minutes=minutes)
