"""Load bench: N calls a second for T seconds through the real path, the engine beside a bare responder.

Run it holding the sandbox lock (nobody else may use Asterisk meanwhile):

    flock /tmp/hotline-asterisk.lock .venv/bin/python bench/load.py --rate 20 --duration 30 [--json]

For each responder (`--responders bare,engine` by default, in that order) it starts the responder
on FastAGI 127.0.0.1:4573 (the engine as a `hotline run` subprocess with its own SQLite database in
a temporary folder; the bare responder is bench/bare_agi.py), runs SIPp callers from 127.0.0.2
into 10000 (bench/sipp/caller_hangup.xml: answer, listen `--hold` seconds, hang up), waits until
Asterisk has no channel left, and prints:

- calls attempted / completed / failed (SIPp's counters, with the reasons and any SIP codes
  SIPp aborted a call on), CDRs written (the engine's database, after it stopped), calls the
  engine's admission limit refused (its CDRs with disposition `refused`);
- set-up time p50 / p99 / max: INVITE sent to 200 OK received, per call (SIPp timer 1). Asterisk
  answers only when the responder's ANSWER arrives, so this spans SIP handling, the dialplan,
  the FastAGI connect and the responder's start of the call; the first prompt's audio follows
  the next AGI command (bare: at once; engine: after the caller's customer lookup);
- CPU ms per call (utime + stime from /proc/<pid>/stat, from SIPp's start to the last channel's
  end, divided by the calls attempted) of the responder, of Asterisk and of SIPp; how busy the
  machine's cores were meanwhile; Asterisk's taskprocessor warnings and its deepest queues.

`--configure` (default) first writes this checkout's asterisk-conf/ into the sandbox, as the test
session does (`hotline sandbox up`).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.load_processes import (  # noqa: E402
    AGI_PORT, Asterisk, BenchError, Responder, machine_ticks, port_open, rss_mb, ticks, wait_for,
)
from bench.load_stats import (  # noqa: E402
    RunFigures, busiest, failure_reasons, format_table, per_call, percentile, response_times_ms,
    stat_counters, unexpected_codes,
)
from cti.ops.sandbox import Sandbox  # noqa: E402

SCENARIO = REPO / "bench/sipp/caller_hangup.xml"
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")
SIP_PORT = 5090
MEDIA_PORT = 40000


# -- one run --------------------------------------------------------------------------------
def _sipp(workdir: Path, rate: float, duration: float, hold_s: float) -> subprocess.Popen:
    calls = max(1, round(rate * duration))
    cmd = ["sipp", "127.0.0.1:5060", "-sf", str(SCENARIO), "-s", "10000", "-i", "127.0.0.2",
           "-p", str(SIP_PORT), "-mi", "127.0.0.2", "-mp", str(MEDIA_PORT),
           "-r", f"{rate:g}", "-m", str(calls), "-l", str(int(rate * (hold_s + 40)) + 50),
           "-d", str(int(hold_s * 1000)), "-recv_timeout", "40000", "-max_recv_loops", "5000",
           "-timeout", f"{int(duration + hold_s + 60)}s", "-nostdin",
           "-trace_stat", "-stf", str(workdir / "stat.csv"), "-fd", "1",
           "-trace_rtt", "-rtt_freq", "1", "-trace_err", "-error_file", str(workdir / "errors.log")]
    return subprocess.Popen(cmd, cwd=workdir, stdout=subprocess.DEVNULL, stderr=open(workdir / "sipp.stderr", "wb"),
                            stdin=subprocess.DEVNULL)


def _drain(box: Sandbox, ast: Asterisk, grace_s: float = 30.0) -> int:
    """Wait for the calls to end; hang up (and count) any still up `grace_s` after SIPp finished
    (callers SIPp gave up on, left in the fallback's queue)."""
    try:
        wait_for(lambda: ast.channels() == 0, grace_s, "the last channel to end", 0.5)
        return 0
    except BenchError:
        left = ast.channels()
        box.cli("channel request hangup all")
        wait_for(lambda: ast.channels() == 0, 30, "hung-up channels to go", 0.5)
        return left


def _perf(workdir: Path, pid: int, duration: float, seconds: float) -> subprocess.Popen:
    """perf-record Asterisk for `seconds`, starting a third into the run."""
    script = f"sleep {duration / 3:.1f}; exec perf record -q -F 499 -g -p {pid} -o {workdir}/asterisk.perf -- sleep {seconds}"
    return subprocess.Popen(["sh", "-c", script], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _perf_report(workdir: Path, root: Path) -> None:
    with open(workdir / "asterisk-perf.txt", "w") as out:
        subprocess.run(["perf", "report", "-i", str(workdir / "asterisk.perf"), f"--symfs={root}", "--no-children",
                        "--sort", "dso,sym", "--stdio", "-g", "none", "--percent-limit", "0.7"],
                       stdout=out, stderr=subprocess.DEVNULL, timeout=120)


def run_one(kind: str, box: Sandbox, rate: float, duration: float, hold_s: float, engine_extra: dict,
            perf_s: float = 0.0) -> RunFigures:
    workdir = Path(tempfile.mkdtemp(prefix=f"hotline-load-{kind}-"))
    ast = Asterisk(box)
    if port_open(AGI_PORT):
        raise BenchError(f"something already listens on {AGI_PORT}: another engine or test is running")
    wait_for(lambda: ast.channels() == 0, 60, "Asterisk to have no channels before the run", 1.0)
    responder = Responder(kind, workdir, engine_extra)
    figures = RunFigures(kind, rate, duration)
    try:
        box.cli("core reset taskprocessors")
        log_at = ast.log_size()
        before = (ticks(responder.pid), ticks(ast.pid), machine_ticks())
        sipp = _sipp(workdir, rate, duration, hold_s)
        profiler = _perf(workdir, ast.pid, duration, perf_s) if perf_s else None
        sipp_ticks = 0
        while sipp.poll() is None:  # sample while it runs: /proc/<pid> is gone once it is reaped
            try:
                sipp_ticks = ticks(sipp.pid)
            except (OSError, IndexError):
                pass
            figures.peak_channels = max(figures.peak_channels, ast.channels())
            figures.responder_peak_rss_mb = max(figures.responder_peak_rss_mb or 0.0, rss_mb(responder.pid))
            time.sleep(1.0)
        figures.channels_left = _drain(box, ast)
        after = (ticks(responder.pid), ticks(ast.pid), machine_ticks())
        if profiler is not None:
            profiler.wait()
            _perf_report(workdir, box.root)
        figures.taskprocessor_warnings = len(ast.warnings_since(log_at))
        figures.busiest_taskprocessors = busiest(box.cli("core show taskprocessors"))
    finally:
        responder.stop()
    _read_sipp(workdir, figures)
    calls = figures.attempted
    figures.responder_cpu_ms_per_call = per_call((after[0] - before[0]) * TICK_MS, calls)
    figures.asterisk_cpu_ms_per_call = per_call((after[1] - before[1]) * TICK_MS, calls)
    figures.sipp_cpu_ms_per_call = per_call(sipp_ticks * TICK_MS, calls)
    busy, total = after[2][0] - before[2][0], after[2][1] - before[2][1]
    figures.machine_busy_pct = round(100 * busy / total, 1) if total else None
    if kind == "engine":
        figures.cdrs, figures.refused = _count_cdrs(workdir / "cdr.db")
    print(f"  {kind}: details in {workdir}", file=sys.stderr)
    return figures


def _read_sipp(workdir: Path, figures: RunFigures) -> None:
    counters = stat_counters((workdir / "stat.csv").read_text(errors="replace")) if (workdir / "stat.csv").exists() else {}
    figures.attempted = counters.get("TotalCallCreated", 0)
    figures.completed = counters.get("SuccessfulCall", 0)
    figures.failed = counters.get("FailedCall", 0)
    figures.failure_reasons = failure_reasons(counters)
    errors = workdir / "errors.log"
    figures.unexpected_codes = unexpected_codes(errors.read_text(errors="replace")) if errors.exists() else {}
    times: list[float] = []
    for rtt in workdir.glob("*_rtt.csv"):
        times += response_times_ms(rtt.read_text(errors="replace"))
    figures.setup_p50_ms = percentile(times, 50)
    figures.setup_p99_ms = percentile(times, 99)
    figures.setup_max_ms = max(times) if times else None


def _count_cdrs(db: Path) -> tuple[int, int]:
    with sqlite3.connect(db) as conn:
        total = conn.execute("select count(*) from cdr").fetchone()[0]
        refused = conn.execute("select count(*) from cdr where disposition = 'refused'").fetchone()[0]
    return total, refused


# -- command line ---------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="hotline load bench (hold /tmp/hotline-asterisk.lock)")
    parser.add_argument("--rate", type=float, default=10.0, help="new calls per second")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of new calls")
    parser.add_argument("--hold", type=float, default=4.0, help="seconds each caller listens before hanging up")
    parser.add_argument("--responders", default="bare,engine", help="comma-separated: bare, engine")
    parser.add_argument("--no-configure", dest="configure", action="store_false",
                        help="leave the sandbox's configs as they are")
    parser.add_argument("--perf", type=float, default=0.0, metavar="SECONDS",
                        help="perf-record Asterisk this long during each run (report in the run's folder)")
    parser.add_argument("--restart", action="store_true",
                        help="restart the sandbox's Asterisk first (fresh counters, start-only settings)")
    parser.add_argument("--engine-set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help="hotline.yaml value for the engine, e.g. agi.max_calls=100 (repeatable)")
    parser.add_argument("--profile-engine", action="store_true",
                        help="run the engine under cProfile (engine.prof in its folder; inflates its CPU figures)")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args(argv)
    box = Sandbox()
    if args.restart:
        box.down()
    if args.configure or args.restart:
        status = box.up()
        if not status.running:
            raise BenchError(f"Asterisk sandbox not running: {status.describe()}")
    extra = _engine_extra(args.engine_set)
    if args.profile_engine:
        extra["profile"] = True
    runs = [run_one(kind.strip(), box, args.rate, args.duration, args.hold, extra, args.perf)
            for kind in args.responders.split(",") if kind.strip()]
    if args.json:
        print(json.dumps({"runs": [r.as_dict() for r in runs]}, indent=2))
    else:
        print(format_table(runs))
    return 0 if all(r.failed == 0 for r in runs) else 1


def _engine_extra(pairs: list[str]) -> dict:
    extra: dict = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        section, _, name = key.partition(".")
        if not name:
            if section == "log_level":
                extra["log_level"] = value
                continue
            raise SystemExit(f"--engine-set {pair!r}: write SECTION.KEY=VALUE")
        try:
            extra.setdefault(section, {})[name] = json.loads(value)
        except ValueError:
            extra.setdefault(section, {})[name] = value
    return extra


if __name__ == "__main__":
    sys.exit(main())
