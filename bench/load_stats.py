"""Pure parts of the load bench (bench/load.py): reading SIPp's and /proc's files, the figures.

No I/O here: every function takes text (or numbers) and returns values, so tests/unit can feed it
SIPp output captured from real runs.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import asdict, dataclass, field

_CODE = re.compile(r"SIP/2\.0 (\d{3}) ")


def stat_counters(csv_text: str) -> dict[str, int]:
    """The cumulative counters of the LAST row of SIPp's -trace_stat file (';'-separated, header first).

    Keys are SIPp's column names without the '(C)' suffix: TotalCallCreated, SuccessfulCall,
    FailedCall, FailedMaxUDPRetrans, FailedUnexpectedMessage, ...
    """
    lines = [line for line in csv_text.splitlines() if line.strip()]
    if len(lines) < 2:
        return {}
    header, last = lines[0].split(";"), lines[-1].split(";")
    counters: dict[str, int] = {}
    for name, value in zip(header, last):
        if name.endswith("(C)") or name == "TotalCallCreated":
            try:
                counters[name.removesuffix("(C)")] = int(value)
            except ValueError:
                continue
    return counters


def failure_reasons(counters: dict[str, int]) -> dict[str, int]:
    """SIPp's non-zero Failed* counters, without the total."""
    return {name.removeprefix("Failed"): n for name, n in counters.items()
            if name.startswith("Failed") and name != "FailedCall" and n}


def response_times_ms(rtt_csv: str, rtd: str = "1") -> list[float]:
    """Per-call response times (ms) of one timer from SIPp's -trace_rtt file.

    Rows are `date_ms;response_time_ms;rtd_no` (rtd_no is the timer's name, e.g. `1`); the header
    row and rows of other timers are skipped.
    """
    times = []
    for line in rtt_csv.splitlines():
        parts = line.strip().split(";")
        if len(parts) < 3 or parts[2].strip() != rtd:
            continue
        try:
            times.append(float(parts[1]))
        except ValueError:
            continue
    return times


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100) by the nearest-rank method; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def unexpected_codes(error_log: str) -> dict[str, int]:
    """SIP status codes of the responses SIPp aborted calls on (its -trace_err file)."""
    counts: Counter[str] = Counter()
    for block in error_log.split("Aborting call on unexpected message")[1:]:
        found = _CODE.search(block)
        if found:
            counts[found.group(1)] += 1
    return dict(counts)


def cpu_ticks(proc_stat: str) -> int:
    """utime + stime (clock ticks) from the text of /proc/<pid>/stat (the name may hold spaces)."""
    fields = proc_stat.rpartition(")")[2].split()
    return int(fields[11]) + int(fields[12])  # fields 14 and 15 of the whole line


@dataclass
class RunFigures:
    """One responder's figures from one bench run."""

    responder: str  # "engine" | "bare"
    rate: float
    duration_s: float
    attempted: int = 0
    completed: int = 0
    failed: int = 0
    failure_reasons: dict[str, int] = field(default_factory=dict)
    unexpected_codes: dict[str, int] = field(default_factory=dict)
    cdrs: int | None = None  # None: the responder writes none (bare)
    refused: int | None = None  # calls the engine's admission limit sent to the fallback
    setup_p50_ms: float | None = None
    setup_p99_ms: float | None = None
    setup_max_ms: float | None = None
    responder_cpu_ms_per_call: float | None = None
    asterisk_cpu_ms_per_call: float | None = None
    sipp_cpu_ms_per_call: float | None = None
    machine_busy_pct: float | None = None  # both cores, all processes, during the run
    taskprocessor_warnings: int = 0  # "queue reached N scheduled tasks" lines in Asterisk's log
    busiest_taskprocessors: list[tuple[str, int]] = field(default_factory=list)  # (name, max depth)
    peak_channels: int = 0
    responder_peak_rss_mb: float | None = None  # sampled once a second while SIPp runs
    channels_left: int = 0  # still up 30 s after SIPp ended (callers it gave up on): hung up by the bench

    def as_dict(self) -> dict:
        return asdict(self)


def per_call(total_ms: float, calls: int) -> float | None:
    return round(total_ms / calls, 2) if calls else None


def busiest(taskprocessors_text: str, top: int = 5) -> list[tuple[str, int]]:
    """The `top` taskprocessors by max depth from `core show taskprocessors` output."""
    rows = []
    for line in taskprocessors_text.splitlines():
        parts = line.split()
        if len(parts) >= 8 and parts[1].isdigit() and parts[3].isdigit():
            rows.append((parts[0], int(parts[3])))
    rows.sort(key=lambda r: r[1], reverse=True)
    return rows[:top]


def _fmt(value, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}{unit}"
    return f"{value}{unit}"


ROWS = [
    ("calls attempted", "attempted", ""), ("completed", "completed", ""), ("failed", "failed", ""),
    ("CDRs written", "cdrs", ""), ("refused (fallback)", "refused", ""),
    ("set-up p50 (INVITE to 200 OK)", "setup_p50_ms", " ms"), ("set-up p99", "setup_p99_ms", " ms"),
    ("set-up max", "setup_max_ms", " ms"),
    ("responder CPU per call", "responder_cpu_ms_per_call", " ms"),
    ("Asterisk CPU per call", "asterisk_cpu_ms_per_call", " ms"),
    ("SIPp CPU per call", "sipp_cpu_ms_per_call", " ms"), ("machine busy (2 cores)", "machine_busy_pct", " %"),
    ("responder peak RSS", "responder_peak_rss_mb", " MB"), ("peak channels", "peak_channels", ""), ("channels left over", "channels_left", ""), ("taskprocessor warnings", "taskprocessor_warnings", ""),
]


def format_table(runs: list[RunFigures]) -> str:
    """Side by side, one column per responder."""
    width = max(len(label) for label, _, _ in ROWS) + 2
    head = f"{runs[0].rate:g} calls/s for {runs[0].duration_s:g} s".ljust(width) + \
        "".join(f"{r.responder:>14}" for r in runs)
    lines = [head]
    for label, key, unit in ROWS:
        lines.append(label.ljust(width) + "".join(f"{_fmt(getattr(r, key), unit):>14}" for r in runs))
    for r in runs:
        if r.failure_reasons or r.unexpected_codes:
            lines.append(f"{r.responder} failures: {r.failure_reasons} SIP codes: {r.unexpected_codes}")
        if r.busiest_taskprocessors:
            top = ", ".join(f"{name} {depth}" for name, depth in r.busiest_taskprocessors)
            lines.append(f"{r.responder} deepest taskprocessors (max depth): {top}")
    return "\n".join(lines)
