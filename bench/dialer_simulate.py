"""Benchmark: predictive vs progressive pacing, and the per-day abandon cap over a grid.

Run (from the repository root):
  python bench/dialer_simulate.py ratios [DAYS] [SEEDS] [window]
                                                          5, 20, 50 agents, 30% live (default 15 days, 2 seeds;
                                                          window: the WindowPacer rule instead of the line rule)
  python bench/dialer_simulate.py grid [DAYS]             5..100 agents x answer rate 0.15..0.6 (default 3 days)
  python bench/dialer_simulate.py frontier AGENTS RULE DAYS THETA...
                                                          controller off, theta fixed: ratio vs abandonment
                                                          (RULE: line = PredictivePacer, window = WindowPacer)
  python bench/dialer_simulate.py speed                   simulator seconds per 8 h day

Campaign of the issue: answer rate 0.3 and no machines (a true 30% live rate), AHT 180 s
(exponential), wrap-up 10 s, 8 h days, cap 3% of live connects per day. Prints figures; asserts nothing.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dialer.abandon import AbandonController  # noqa: E402
from dialer.pacing import PredictivePacer  # noqa: E402
from dialer.simulate import Simulation, SimConfig  # noqa: E402
from dialer.window import WindowPacer  # noqa: E402

CAP = 0.03
ISSUE = dict(answer_rate=0.3, machine_share=0.0, aht_s=180.0, wrapup_s=10.0, hours=8.0)


def ratios(days: int, seeds: int, rule: str = "line") -> None:
    print(f"agents  seed  progressive  predictive  ratio  abandon avg  worst day  days>3%  idle pred/prog (s)")
    for agents in (5, 20, 50):
        for seed in range(1, seeds + 1):
            config = SimConfig(agents=agents, days=days, seed=seed, **ISSUE)
            prog = Simulation(config, "progressive").run()
            sim = Simulation(config, "predictive")
            if rule == "window":
                sim.pacer = WindowPacer(sim.stats, sim.pacer.controller)
            pred = sim.run()
            over = sum(d.abandon_rate > CAP for d in pred.days)
            print(f"{agents:>6}  {seed:>4}  {prog.contacts_per_agent_hour:>11.2f}  "
                  f"{pred.contacts_per_agent_hour:>10.2f}  "
                  f"{pred.contacts_per_agent_hour / prog.contacts_per_agent_hour:>5.3f}  "
                  f"{pred.abandon_rate:>11.2%}  {pred.worst_day_abandon_rate:>9.2%}  {over:>7}  "
                  f"{pred.mean_idle_s:>6.1f} / {prog.mean_idle_s:.1f}", flush=True)


def grid(days: int) -> None:
    print("agents  answer  abandon avg  worst day  days>3%  contacts/agent-h  (predictive, machines 0%)")
    for agents in (5, 10, 20, 50, 100):
        for rate in (0.15, 0.3, 0.45, 0.6):
            config = SimConfig(agents=agents, days=days, seed=agents, **{**ISSUE, "answer_rate": rate})
            pred = Simulation(config, "predictive").run()
            over = sum(d.abandon_rate > CAP for d in pred.days)
            print(f"{agents:>6}  {rate:>6.2f}  {pred.abandon_rate:>11.2%}  {pred.worst_day_abandon_rate:>9.2%}"
                  f"  {over:>7}  {pred.contacts_per_agent_hour:>16.2f}", flush=True)


class FixedTheta(AbandonController):
    """The controller removed: theta is a constant and there is no hard stop."""

    def __init__(self, theta: float) -> None:
        super().__init__()
        self.theta = theta

    @property
    def aggressiveness(self) -> float:
        return self.theta

    @property
    def hard_stop(self) -> bool:
        return False


def frontier(agents: int, rule: str, days: int, thetas: list[float]) -> None:
    config = SimConfig(agents=agents, days=days, seed=1, **ISSUE)
    prog = Simulation(config, "progressive").run().contacts_per_agent_hour
    kind = {"line": PredictivePacer, "window": WindowPacer}[rule]
    for theta in thetas:
        sim = Simulation(config, "predictive")
        sim.pacer = kind(sim.stats, FixedTheta(theta))
        pred = sim.run()
        print(f"{agents:>3} {rule:>6} theta {theta:.4f}  abandon avg {pred.abandon_rate:.2%}  worst day "
              f"{pred.worst_day_abandon_rate:.2%}  ratio {pred.contacts_per_agent_hour / prog:.3f}  "
              f"idle/connect {pred.mean_idle_s:.1f} s", flush=True)


def speed() -> None:
    for agents in (5, 20, 100):
        started = time.perf_counter()
        Simulation(SimConfig(agents=agents, **ISSUE), "predictive").run()
        print(f"{agents:>3} agents: {time.perf_counter() - started:.1f} s per simulated 8 h day")


if __name__ == "__main__":
    what, rest = (sys.argv[1] if len(sys.argv) > 1 else "ratios"), [int(a) for a in sys.argv[2:] if a.isdigit()]
    if what == "ratios":
        ratios(*(rest + [15, 2][len(rest):]), rule=sys.argv[-1] if sys.argv[-1] == "window" else "line")
    elif what == "frontier":
        frontier(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), [float(t) for t in sys.argv[5:]])
    elif what == "grid":
        grid(*(rest or [3]))
    else:
        speed()
