"""Engine lease state machine: when may this engine act (standby engine, docs/standby.md).

Theory of operation
-------------------
Two engines share one PostgreSQL. A single row there (cti/store/lease.py) names the holder, an
epoch (incremented on every takeover) and an expiry computed by the DATABASE's clock. This module
decides, from what the database answered and from this engine's own monotonic clock, whether the
engine may act; the SQL stays a thin shell around it.

* STANDBY: the engine polls "take the lease if it has expired (by the database's clock)".
  ACQUIRED moves it to ACTIVE with the epoch the database gave it.
* ACTIVE: the engine renews every few seconds. It may act only until its SAFE TIME:
  the local monotonic time at which it SENT its last successful renewal (or the acquire), plus
  lease_s, minus margin_s. The database computed the expiry as now() + lease_s at some moment
  after that send, so (with clock rates that drift less than margin_s per lease_s) the engine
  stops before the database considers the lease free, and a standby takes it only then: the two
  never act at once. A renewal that fails (database down, timeout) changes nothing: the engine
  keeps acting until its safe time, which then moves it to LOST (EXPIRED).
  A renewal that finds another holder or epoch (RENEW_REFUSED) means someone took over: LOST.
  A successful renewal whose reply arrives after the safe time is also EXPIRED: the engine
  already stopped acting at the safe time and must not start again.
* LOST is terminal: the engine stops acting at once and exits; a supervisor restarts it and it
  comes back as STANDBY with everything rebuilt from the records.
* RELEASE (clean shutdown) ends STANDBY or ACTIVE in STOPPED; the shell then expires the row so a
  standby takes over without waiting for lease_s.

``TRANSITIONS`` is the whole machine; any other (state, event) pair raises `InvalidLeaseTransition`.
Time is injected (``now`` arguments, seconds of a monotonic clock): tests advance a number.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

log = logging.getLogger("hotline.ha")


class LeaseState(StrEnum):
    STANDBY = "standby"
    ACTIVE = "active"
    LOST = "lost"
    STOPPED = "stopped"


class LeaseEvent(StrEnum):
    ACQUIRED = "acquired"  # the database gave us the lease (a new epoch)
    ACQUIRE_REFUSED = "acquire_refused"  # someone holds an unexpired lease
    ACQUIRE_FAILED = "acquire_failed"  # database error or timeout, or our acquire's reply came too late
    RENEWED = "renewed"
    RENEW_FAILED = "renew_failed"  # database error or timeout: keep acting until the safe time
    RENEW_REFUSED = "renew_refused"  # the row names another holder or epoch: someone took over
    EXPIRED = "expired"  # the safe time passed without a renewal
    RELEASE = "release"  # clean shutdown


S, E = LeaseState, LeaseEvent

TRANSITIONS: dict[tuple[LeaseState, LeaseEvent], LeaseState] = {
    (S.STANDBY, E.ACQUIRED): S.ACTIVE,
    (S.STANDBY, E.ACQUIRE_REFUSED): S.STANDBY,
    (S.STANDBY, E.ACQUIRE_FAILED): S.STANDBY,
    (S.STANDBY, E.RELEASE): S.STOPPED,
    (S.ACTIVE, E.RENEWED): S.ACTIVE,
    (S.ACTIVE, E.RENEW_FAILED): S.ACTIVE,
    (S.ACTIVE, E.RENEW_REFUSED): S.LOST,
    (S.ACTIVE, E.EXPIRED): S.LOST,
    (S.ACTIVE, E.RELEASE): S.STOPPED,
}


class InvalidLeaseTransition(Exception):
    error_id = "lease-invalid-transition"

    def __init__(self, state: LeaseState, event: LeaseEvent) -> None:
        super().__init__(f"lease: no transition from {state} on {event}")
        self.state, self.event = state, event


@dataclass(frozen=True)
class LeaseTiming:
    lease_s: float  # the database's expiry is now() + lease_s at each acquire or renewal
    margin_s: float  # how much earlier than that this engine stops acting (clock rate drift, loop stalls)

    def __post_init__(self) -> None:
        if not 0 < self.margin_s < self.lease_s:
            raise ValueError("lease margin must be positive and shorter than the lease")


class LeaseMachine:
    """One engine's view of its lease. Feed it what the database answered, with the local
    monotonic times; ask `may_act(now)` before acting."""

    def __init__(self, node: str, timing: LeaseTiming) -> None:
        self.node = node
        self.timing = timing
        self.state = S.STANDBY
        self.epoch: int | None = None
        self.safe_until: float | None = None  # local monotonic time; set while ACTIVE
        self.last_reason = ""

    # -- what the database said -------------------------------------------------------------
    def acquired(self, epoch: int, sent_at: float, now: float) -> LeaseState:
        """Our acquire, sent at `sent_at`, returned `epoch` at `now`."""
        safe = sent_at + self.timing.lease_s - self.timing.margin_s
        if now >= safe:  # the database held it for us, but too briefly to act safely; it will lapse
            return self._fire(E.ACQUIRE_FAILED, "the acquire's reply came after its safe time")
        self.epoch, self.safe_until = epoch, safe
        return self._fire(E.ACQUIRED, f"epoch {epoch}")

    def refused(self, holder: str, epoch: int | None) -> LeaseState:
        """Our acquire found an unexpired lease held by `holder`."""
        return self._fire(E.ACQUIRE_REFUSED, f"held by {holder}@{epoch}")

    def acquire_failed(self, why: str) -> LeaseState:
        return self._fire(E.ACQUIRE_FAILED, why)

    def renewed(self, sent_at: float, now: float) -> LeaseState:
        """Our renewal, sent at `sent_at`, matched our epoch; its reply arrived at `now`."""
        if self.state is S.ACTIVE and self.safe_until is not None and now >= self.safe_until:
            return self._fire(E.EXPIRED, "the renewal's reply came after the safe time")
        self.safe_until = max(self.safe_until or 0.0, sent_at + self.timing.lease_s - self.timing.margin_s)
        return self._fire(E.RENEWED, f"epoch {self.epoch}")

    def renew_refused(self, holder: str | None, epoch: int | None) -> LeaseState:
        """Our renewal matched no row: `holder`@`epoch` (if any) holds the lease now."""
        return self._fire(E.RENEW_REFUSED, f"the lease is {holder}@{epoch}, not {self.node}@{self.epoch}")

    def renew_failed(self, why: str, now: float) -> LeaseState:
        if self.expire_if_due(now) is S.LOST:
            return S.LOST
        return self._fire(E.RENEW_FAILED, why)

    def release(self) -> LeaseState:
        return self._fire(E.RELEASE, "shutdown")

    # -- time ---------------------------------------------------------------------------------
    def expire_if_due(self, now: float) -> LeaseState:
        """ACTIVE past the safe time becomes LOST; otherwise nothing changes."""
        if self.state is S.ACTIVE and self.safe_until is not None and now >= self.safe_until:
            return self._fire(E.EXPIRED, f"no renewal for {self.timing.lease_s - self.timing.margin_s:.1f} s")
        return self.state

    def may_act(self, now: float) -> bool:
        """True only while ACTIVE and before the safe time: the one question the engine asks."""
        return self.state is S.ACTIVE and self.safe_until is not None and now < self.safe_until

    @property
    def fence(self) -> str | None:
        """`node@epoch` while this engine has held the lease (written into its CDRs)."""
        return f"{self.node}@{self.epoch}" if self.epoch is not None else None

    def _fire(self, event: LeaseEvent, reason: str) -> LeaseState:
        try:
            target = TRANSITIONS[(self.state, event)]
        except KeyError:
            raise InvalidLeaseTransition(self.state, event) from None
        if target is not self.state or event not in (E.RENEWED, E.ACQUIRE_REFUSED, E.RENEW_FAILED,
                                                       E.ACQUIRE_FAILED):
            log.info("lease %s: %s -[%s]-> %s (%s)", self.node, self.state, event, target, reason)
        else:
            log.debug("lease %s: %s -[%s]-> %s (%s)", self.node, self.state, event, target, reason)
        self.state, self.last_reason = target, reason
        return target
