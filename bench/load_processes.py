"""Processes of the load bench (bench/load.py): the responder on FastAGI, the sandbox's Asterisk,
and what /proc says about them."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench.load_stats import cpu_ticks
from cti.ops.sandbox import AMI_SECRET, Sandbox

REPO = Path(__file__).resolve().parents[1]
AGI_PORT = 4573
_TP_WARNING = re.compile(r"Taskprocessor '([^']+)' queue reached")


class BenchError(RuntimeError):
    pass


# -- processes ----------------------------------------------------------------------------
def wait_for(predicate, timeout: float, what: str, step: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(step)
    raise BenchError(f"timed out after {timeout:.0f} s waiting for {what}")


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def ticks(pid: int) -> int:
    return cpu_ticks(Path(f"/proc/{pid}/stat").read_text())


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies over all cores from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def engine_config(workdir: Path, extra: dict) -> Path:
    """A hotline.yaml for the bench: loopback sandbox, its own SQLite file, no web desk."""
    config = {
        "engine": {"log_level": extra.pop("log_level", "INFO")},
        "ami": {"secret": AMI_SECRET},
        "database": {"url": f"sqlite+aiosqlite:///{workdir}/cdr.db", "spool_dir": str(workdir / "spool")},
        "ivr": {"flows_dir": str(REPO / "config/ivr"), "sounds_dir": str(REPO / "sounds")},
        "acd": {"config": str(REPO / "config/acd.yaml")},
        "dialer": {"campaigns_dir": str(REPO / "config/campaigns")},
        "cases": {"config": str(REPO / "config/cases.yaml")},
        "control": {"socket": str(workdir / "hotline.sock")},
        "mqtt": {"enabled": True, "topic_prefix": f"bench{os.getpid()}", "client_id": f"hotline-bench-{os.getpid()}"},
        "http": {"enabled": False},
        "recordings": {"asterisk_root": ""},
        "shutdown": {"drain_timeout": 10.0},
    }
    for section, values in extra.items():
        config.setdefault(section, {}).update(values)
    path = workdir / "hotline.yaml"
    path.write_text(json.dumps(config, indent=2))
    return path


class Responder:
    """The process answering FastAGI on 127.0.0.1:4573 during one run."""

    def __init__(self, kind: str, workdir: Path, engine_extra: dict) -> None:
        self.kind, self.workdir = kind, workdir
        self.log = workdir / f"{kind}.log"
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        if kind == "engine":
            profile = ["-m", "cProfile", "-o", str(workdir / "engine.prof")] if engine_extra.get("profile") else []
            extra = {k: v for k, v in engine_extra.items() if k != "profile"}
            cmd = [sys.executable, *profile, "-m", "cti.cli.main", "run", "-c", str(engine_config(workdir, extra))]
        else:
            cmd = [sys.executable, str(REPO / "bench/bare_agi.py"), "--port", str(AGI_PORT)]
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        wait_for(lambda: self._alive() and port_open(AGI_PORT), 40, f"the {kind} to listen on {AGI_PORT} (see {self.log})")
        if kind == "engine" and engine_extra.get("log_level", "INFO") in ("INFO", "DEBUG"):
            wait_for(lambda: "AMI connected" in self.log.read_text(errors="replace"), 20, "the engine's AMI link")

    def _alive(self) -> bool:
        if self.proc.poll() is not None:
            raise BenchError(f"the {self.kind} exited ({self.proc.returncode}); see {self.log}:\n"
                             + self.log.read_text(errors="replace")[-2000:])
        return True

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Asterisk:
    def __init__(self, box: Sandbox) -> None:
        self.box = box
        self.log = box.root / "var/log/asterisk/messages.log"

    @property
    def pid(self) -> int:
        """Node A's Asterisk (node B, when running, lives in the same chroot: docs/nodes.md)."""
        pid = self.box.node("a").pid
        if pid is None:
            raise BenchError(f"no Asterisk process running in {self.box.root}")
        return pid

    def channels(self) -> int:
        out = self.box.cli("core show channels count")
        found = re.search(r"(\d+) active channel", out)
        return int(found.group(1)) if found else 0

    def log_size(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def warnings_since(self, offset: int) -> list[str]:
        with open(self.log, "rb") as f:
            f.seek(offset)
            text = f.read().decode(errors="replace")
        return _TP_WARNING.findall(text)


