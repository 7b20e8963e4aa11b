"""Recording tests' tools: an engine recording into a folder of its own inside the sandbox chroot,
and sox measurements of one channel (or a window of it) of a recording."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import uuid
from pathlib import Path

from tests.integration.conftest import engine_config, start_engine, stop_engine

SILENT = 0.001  # RMS amplitude (full scale 1) below which a window counts as silence (-60 dBFS)


async def start_recording_engine(sandbox, tmp_path: Path, acd: Path, mqtt_port: int | None = None,
                                 web_port: int | None = None):
    """An engine whose recordings go to a directory of this test's own inside the sandbox chroot."""
    path = engine_config(tmp_path, acd=str(acd), mqtt_port=mqtt_port, web_port=web_port)
    config = json.loads(path.read_text())
    asterisk_dir = f"/var/spool/asterisk/monitor/hotline-test-{uuid.uuid4().hex[:8]}"
    config["recordings"] = {"asterisk_root": str(sandbox.root), "asterisk_dir": asterisk_dir}
    path.write_text(json.dumps(config, indent=2))
    running = await start_engine(path)
    running.recordings_dir = sandbox.root / asterisk_dir.lstrip("/")
    return running


async def stop_recording_engine(running) -> None:
    await stop_engine(running)
    shutil.rmtree(running.recordings_dir, ignore_errors=True)  # this test's own folder only


def sox_stat(path: Path, channel: int, start: float | None = None, length: float | None = None) -> dict[str, float]:
    """sox's `stat` of one channel (optionally of a window): RMS amplitude, rough frequency, length."""
    args = ["sox", str(path), "-n", "remix", str(channel)]
    if start is not None:
        args += ["trim", f"{start:.3f}", f"{length:.3f}"]
    out = subprocess.run(args + ["stat"], capture_output=True, text=True, check=True).stderr
    figures = dict(re.findall(r"^([A-Za-z ()]+?):\s+(-?[0-9.]+)\s*$", out, re.M))
    return {"rms": float(figures["RMS     amplitude"]), "freq": float(figures["Rough   frequency"]),
            "length": float(figures["Length (seconds)"])}


def silent_stretches(path: Path, channel: int, step: float = 0.1) -> list[tuple[float, float]]:
    """(start, length) of each run of silent 100 ms windows of one channel, measured with sox."""
    total = sox_stat(path, channel)["length"]
    runs: list[tuple[float, float]] = []
    start = None
    t = 0.0
    while t + step <= total + 1e-9:
        silent = sox_stat(path, channel, t, step)["rms"] < SILENT
        if silent and start is None:
            start = t
        if not silent and start is not None:
            runs.append((round(start, 1), round(t - start, 1)))
            start = None
        t += step
    if start is not None:
        runs.append((round(start, 1), round(t - start, 1)))
    return runs
