"""PNG chart of a report: offered / answered / abandoned bars per interval, service level as a line.

matplotlib is optional (`pip install hotline[reports]`); without it `MissingChartLibrary` says so.
"""

from __future__ import annotations

from pathlib import Path

from cti.reports.service import Report


class MissingChartLibrary(RuntimeError):
    error_id = "report_png_needs_matplotlib"


def write_png(report: Report, path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise MissingChartLibrary("--format png needs matplotlib: pip install 'hotline[reports]'") from None
    rows = report["intervals"]
    labels = [r["start"][11:16] for r in rows]
    x = range(len(rows))
    fig, ax = plt.subplots(figsize=(max(6.0, 0.45 * len(rows) + 2), 4.5))
    width = 0.28
    for offset, key, color in ((-width, "offered", "#4c78a8"), (0, "answered", "#54a24b"),
                               (width, "abandoned", "#e45756")):
        ax.bar([i + offset for i in x], [r[key] for r in rows], width, label=key, color=color)
    ax.set_ylabel("calls")
    ax.set_ylim(0, 1.35 * max([r["offered"] for r in rows] + [1]))  # headroom for the legend
    ax.set_xticks(list(x), labels, rotation=60 if len(rows) > 12 else 0)
    sl = ax.twinx()
    sl.plot(list(x), [None if r["service_level"] is None else 100 * r["service_level"] for r in rows],
            color="black", marker="o", label="service level %")
    sl.set_ylim(0, 135)  # same headroom as the bars
    sl.set_yticks([0, 20, 40, 60, 80, 100])
    sl.set_ylabel(f"service level % (<= {report['period']['sl_seconds']:g} s)")
    handles = ax.get_legend_handles_labels()[0] + sl.get_legend_handles_labels()[0]
    ax.legend(handles, [h.get_label() for h in handles], loc="upper left", fontsize="small", ncols=4)
    p = report["period"]
    ax.set_title(f"Volume per {p['interval_min']} min and service level"
                 + (f" — queue {p['queue']}" if p["queue"] else ""))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
