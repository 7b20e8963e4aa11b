"""In-memory hopper: serves the next callable leads of one campaign in dialing order.

Theory of operation: three heaps, so each lead costs O(log n) to add and to serve.
``_callbacks`` holds customer-requested callbacks keyed by when they become servable;
``_waiting`` holds leads that are not due yet (retry delay, or their call window is closed) keyed
by the instant they become due; ``_ready`` holds due leads keyed (higher priority, older
``next_attempt_at``, insertion order). Serving first moves everything now due from ``_waiting``
to ``_ready``, then serves due callbacks, then ready leads. A lead whose window turns out closed
is parked in ``_waiting`` until its own next opening; a lead on the DNC list or out of attempts
is dropped and counted in ``dropped``. The DB-backed hopper keeps the same order with indexes.
A withdrawn booking (`remove_booking`) is taken out of whichever heap holds it, which costs O(n):
withdrawals are rare (a reopened case), serving is not.
"""

from __future__ import annotations

import heapq
from collections import Counter
from datetime import UTC, datetime

from dialer.campaign import Campaign
from dialer.lead_state import LeadEvent, apply
from dialer.leads import Lead, LeadStatus, callable_now, next_window_open
from dialer.numbers import DncList

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Hopper:
    """Callable leads of one campaign, callbacks due first, then priority, then oldest attempt."""

    def __init__(self, campaign: Campaign, dnc: DncList | None = None) -> None:
        self.campaign = campaign
        self.dnc = dnc if dnc is not None else DncList()
        self.dropped: Counter[str] = Counter()
        self._callbacks: list[tuple[datetime, int, Lead]] = []
        self._waiting: list[tuple[datetime, int, Lead]] = []
        self._ready: list[tuple[int, datetime, int, Lead]] = []
        self._seq = 0

    def __len__(self) -> int:
        return len(self._callbacks) + len(self._waiting) + len(self._ready)

    def add(self, lead: Lead, now: datetime) -> None:
        """Queue a new lead, or one back from an attempt with its status and times updated."""
        self._seq += 1
        if lead.status is LeadStatus.CALLBACK and lead.callback_at is not None:
            heapq.heappush(self._callbacks, (lead.callback_at, self._seq, lead))
        elif lead.next_attempt_at is not None and lead.next_attempt_at > now:
            heapq.heappush(self._waiting, (lead.next_attempt_at, self._seq, lead))
        else:
            self._push_ready(lead)

    def extend(self, leads: list[Lead], now: datetime) -> None:
        for lead in leads:
            self.add(lead, now)

    def remove_booking(self, booking: str) -> list[Lead]:
        """Take the leads of ``booking`` out of the hopper (unchanged: the caller moves them)."""
        removed: list[Lead] = []
        for heap in (self._callbacks, self._waiting, self._ready):
            kept = [entry for entry in heap if entry[-1].booking != booking]
            removed += [entry[-1] for entry in heap if entry[-1].booking == booking]
            if len(kept) != len(heap):
                heap[:] = kept
                heapq.heapify(heap)
        return removed

    def next_batch(self, n: int, now: datetime) -> list[Lead]:
        """Up to ``n`` leads callable at ``now``, marked DIALING and removed from the hopper."""
        self._release_due(now)
        batch: list[Lead] = []
        while len(batch) < n and self._callbacks and self._callbacks[0][0] <= now:
            self._offer(heapq.heappop(self._callbacks)[2], now, batch, self._callbacks)
        while len(batch) < n and self._ready:
            self._offer(heapq.heappop(self._ready)[3], now, batch, self._waiting)
        return batch

    def _offer(self, lead: Lead, now: datetime, batch: list[Lead],
               park: list[tuple[datetime, int, Lead]]) -> None:
        ok, reason = callable_now(lead, self.campaign, now, self.dnc)
        if ok:
            apply(lead, LeadEvent.DIAL)
            batch.append(lead)
        elif reason == "outside_window":
            self._seq += 1
            heapq.heappush(park, (next_window_open(lead, self.campaign, now), self._seq, lead))
        else:
            self.dropped[reason] += 1

    def _release_due(self, now: datetime) -> None:
        while self._waiting and self._waiting[0][0] <= now:
            self._push_ready(heapq.heappop(self._waiting)[2])

    def _push_ready(self, lead: Lead) -> None:
        self._seq += 1
        heapq.heappush(self._ready, (-lead.priority, lead.next_attempt_at or _EPOCH, self._seq, lead))
