"""What a dialer simulation measured, per day and in total, and how the CLI shows it.

Definitions (also in every ``--json`` output under ``definitions``):

* abandon rate: abandons / live connects, live connects = connects + abandons. An abandon is a
  live person with no agent within the safe harbour (the live dialer's ``dropped`` outcome); a
  connect is a live person put through to an agent (``human``). Machines, busy, no answer and
  failed dials are not in the denominator. Calls count to the day they were dialed.
* occupancy: busy agent-time (talking, wrap-up) / staffed agent-time, as ``acd simulate`` defines
  it (an outbound agent is never "reserved"); ``talk_share`` is talk time alone / staffed time.
  Staffed time = agents x hours x days; busy time is clipped at each day's end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DEFINITIONS = {
    "abandon_rate": "abandons / live connects (connects + abandons); abandon = live person with no "
                    "agent within the safe harbour; machines, busy, no-answer are not counted",
    "occupancy": "busy agent-time (talking, wrap-up) / staffed agent-time, as in `acd simulate`",
    "talk_share": "talk time / staffed agent-time",
    "contacts_per_agent_hour": "connects / staffed agent-hours",
    "mean_idle_s": "mean ready time of an agent before each connect",
    "per_day": "figures of each simulated day; calls count to the day they were dialed",
}


@dataclass
class DayResult:
    """One simulated campaign day."""

    dials: int = 0
    connects: int = 0
    abandons: int = 0
    talk_s: float = 0.0
    busy_s: float = 0.0
    idle_s: float = 0.0

    @property
    def abandon_rate(self) -> float:
        live = self.connects + self.abandons
        return self.abandons / live if live else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"dials": self.dials, "connects": self.connects, "abandons": self.abandons,
                "abandon_rate": round(self.abandon_rate, 5)}


@dataclass
class ModeResult:
    """What one mode achieved over all simulated days."""

    staffed_s: float
    days: list[DayResult] = field(default_factory=list)

    def _sum(self, name: str) -> float:
        return sum(getattr(d, name) for d in self.days)

    dials = property(lambda self: int(self._sum("dials")))
    connected = property(lambda self: int(self._sum("connects")))
    abandoned = property(lambda self: int(self._sum("abandons")))

    @property
    def abandon_rate(self) -> float:
        live = self.connected + self.abandoned
        return self.abandoned / live if live else 0.0

    @property
    def worst_day_abandon_rate(self) -> float:
        return max((d.abandon_rate for d in self.days), default=0.0)

    @property
    def occupancy(self) -> float:
        return self._sum("busy_s") / self.staffed_s

    @property
    def talk_share(self) -> float:
        return self._sum("talk_s") / self.staffed_s

    @property
    def contacts_per_agent_hour(self) -> float:
        return self.connected / (self.staffed_s / 3600.0)

    @property
    def mean_idle_s(self) -> float:
        return self._sum("idle_s") / self.connected if self.connected else 0.0

    def summary(self) -> dict[str, Any]:
        """The CLI's ``--json`` object for this mode."""
        return {"occupancy": round(self.occupancy, 4), "talk_share": round(self.talk_share, 4),
                "abandon_rate": round(self.abandon_rate, 5),
                "worst_day_abandon_rate": round(self.worst_day_abandon_rate, 5),
                "contacts_per_agent_hour": round(self.contacts_per_agent_hour, 3),
                "mean_idle_s": round(self.mean_idle_s, 1), "dials": self.dials,
                "connects": self.connected, "abandons": self.abandoned,
                "per_day": [d.to_dict() for d in self.days]}


def to_json(results: dict[str, ModeResult], config: dict[str, Any]) -> dict[str, Any]:
    """One object: a key per mode (as before), plus ``config`` and ``definitions``."""
    return {**{mode: r.summary() for mode, r in results.items()}, "config": config,
            "definitions": DEFINITIONS}


def format_table(results: dict[str, ModeResult], head: str) -> str:
    """The modes side by side, as ``hotline dialer simulate`` prints them."""
    rs = results.values()
    rows = [("", *results), ("occupancy (talk + wrap-up)", *(f"{r.occupancy:.1%}" for r in rs)),
            ("talk share", *(f"{r.talk_share:.1%}" for r in rs)),
            ("abandon rate (of live)", *(f"{r.abandon_rate:.2%}" for r in rs)),
            ("worst day abandon rate", *(f"{r.worst_day_abandon_rate:.2%}" for r in rs)),
            ("contacts/agent-hour", *(f"{r.contacts_per_agent_hour:.2f}" for r in rs)),
            ("mean idle before a call (s)", *(f"{r.mean_idle_s:.1f}" for r in rs)),
            ("dials", *(str(r.dials) for r in rs)),
            ("connects / abandons", *(f"{r.connected} / {r.abandoned}" for r in rs))]
    width = max(len(r[0]) for r in rows)
    return "\n".join([head] + ["  ".join([r[0].ljust(width), *(c.rjust(13) for c in r[1:])])
                               for r in rows])
