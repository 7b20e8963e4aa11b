"""Report output: `json` (the contract), `csv` (one block per section), `table` (for people)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from cti.reports.cases import case_blocks, case_sections
from cti.reports.qa import qa_blocks, qa_sections
from cti.reports.csat import csat_blocks, csat_sections
from cti.reports.service import Report

QUEUE_COLUMNS = ("queue", "offered", "answered", "abandoned", "short_abandons", "service_level", "asa_s",
                 "aht_s", "abandonment_rate", "max_wait_s")
AGENT_COLUMNS = ("agent", "calls", "talk_s", "wrapup_s", "logged_in_s", "paused_s", "occupancy", "utilisation",
                 "aht_s")
INTERVAL_COLUMNS = ("start", "offered", "answered", "abandoned", "short_abandons", "service_level", "asa_s",
                    "abandonment_rate")
RATIOS = {"service_level", "abandonment_rate", "occupancy", "utilisation", "fcr_24h", "fcr_7d",
          "containment_rate", "drop_out_rate", "share", "contact_rate", "amd_rate", "failed_rate", "retry_rate"}
STRUGGLE_COLUMNS = ("flow", "node", "visits", "retried", "retry_rate", "failed", "silent", "to_agent", "hung_up",
                    "wrong_keys")
_IVR_LISTS = ("drop_out", "struggle")


def to_json(report: Report) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False)


def _flat_agents(report: Report) -> list[dict[str, Any]]:
    reasons = sorted({r for a in report["agents"] for r in a["pause_s"]})
    return [{**{k: v for k, v in a.items() if k != "pause_s"},
             **{f"pause_s.{r}": a["pause_s"].get(r, 0.0) for r in reasons}} for a in report["agents"]]


def _sections(report: Report) -> list[tuple[str, list[dict[str, Any]]]]:
    ivr = {k: v for k, v in report["ivr"].items() if k not in _IVR_LISTS}
    sections = [("queues", report["queues"]), ("agents", _flat_agents(report)),
                ("intervals", report["intervals"]), ("fcr", [report["fcr"]]), ("ivr", [ivr]),
                ("ivr_drop_out", report["ivr"]["drop_out"]), ("ivr_struggle", report["ivr"]["struggle"])]
    if report.get("dialer") is not None:
        sections.append(("dialer", report["dialer"]))
    return sections + case_sections(report) + qa_sections(report) + csat_sections(report)


def to_csv(report: Report) -> str:
    """Each section: a `# name` line, a header row, its rows, a blank line."""
    out = io.StringIO()
    for name, rows in _sections(report):
        out.write(f"# {name}\n")
        columns = list(rows[0]) if rows else []
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        if columns:
            writer.writeheader()
            writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
        out.write("\n")
    return out.getvalue()


def _cell(key: str, value: Any) -> str:
    if value is None:
        return "-"
    if key in RATIOS:
        return f"{100 * value:.1f}%"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _grid(rows: list[dict[str, Any]], columns: list[str] | tuple[str, ...]) -> list[str]:
    table = [list(columns)] + [[_cell(c, row.get(c)) for c in columns] for row in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(columns))]
    return ["  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(r, widths))).rstrip()
            for r in table]


def to_table(report: Report) -> str:
    p = report["period"]
    lines = [f"Report {p['from'] or 'beginning'} .. {p['to'] or 'now'}  (SL threshold {p['sl_seconds']:g} s, "
             f"short abandon <= {p['short_abandon_s']:g} s, excluded from SL and abandonment rate)", ""]
    agents = _flat_agents(report)
    pause_cols = sorted({k for a in agents for k in a if k.startswith("pause_s.")})
    blocks: list[tuple[str, list[dict[str, Any]], Any]] = [
        ("Queues", report["queues"], QUEUE_COLUMNS),
        ("Agents", agents, AGENT_COLUMNS + tuple(pause_cols)),
        (f"Intervals ({p['interval_min']} min)", report["intervals"], INTERVAL_COLUMNS),
        ("First-call resolution", [report["fcr"]], tuple(report["fcr"])),
        ("IVR", [report["ivr"]], tuple(k for k in report["ivr"] if k not in _IVR_LISTS)),
        ("IVR drop-out by exit node", report["ivr"]["drop_out"], ("exit_node", "calls", "share")),
        ("IVR struggle by question (menu / collect visits)", report["ivr"]["struggle"], STRUGGLE_COLUMNS),
    ]
    if report.get("dialer") is not None:
        blocks.append(("Dialer", report["dialer"], tuple(report["dialer"][0]) if report["dialer"] else ()))
    blocks += case_blocks(report) + qa_blocks(report) + csat_blocks(report)
    for title, rows, columns in blocks:
        lines.append(title)
        lines.extend(_grid(rows, columns) if rows else ["  (none)"])
        lines.append("")
    if report.get("dialer") is None:
        lines.append("Dialer: no dial_attempt table in this database")
    lines += source_lines(report.get("source", {}))
    return "\n".join(lines).rstrip() + "\n"


def source_lines(source: dict[str, str]) -> list[str]:
    """Where the figures come from: one line when all from the rollups, else one per raw section."""
    if not source:
        return []
    raw = {section: why for section, why in source.items() if why != "rollups"}
    if not raw:
        return ["Figures from the interval rollups."]
    return [f"{section.capitalize()}: figures from {why}" for section, why in raw.items()]
