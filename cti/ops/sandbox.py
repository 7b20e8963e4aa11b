"""A local Asterisk for demos and tests: `hotline sandbox up|down|status`.

Theory of operation: Debian 12 ships no Asterisk, Debian sid ships Asterisk 22. We build a sid
chroot once with mmdebstrap (cached under ~/.cache/hotline, ~20 s), write the configs from
`asterisk-conf/` into its /etc/asterisk, copy the repo's `sounds/` to the same absolute path
inside the chroot (so the engine can name prompts by their host path), and run Asterisk
forked inside it. The chroot shares the host network: AMI, SIP and FastAGI meet on loopback.

Every step is idempotent: `up` on a running sandbox rewrites the configs and reloads them.
When a system Asterisk is already installed and running, it is used instead and left alone.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from common.sandbox_paths import sandbox_root

REPO = Path(__file__).resolve().parents[2]  # cti/ops/sandbox.py -> the repository
CONF_DIR = REPO / "asterisk-conf"
SOUNDS_DIR = REPO / "sounds"
PACKAGES = "asterisk,asterisk-modules,asterisk-moh-opsound-wav,asterisk-core-sounds-en-wav"
AMI_SECRET = "hotline-sandbox-secret"
# Read by Asterisk at start only: a change needs a restart, not a reload (which modules load; the
# stasis taskpool and declined message types; asterisk.conf's maxcalls and threads).
START_ONLY = frozenset({"modules.conf", "stasis.conf", "asterisk.conf"})
OWNED_DIRS = ("etc/asterisk", "var/lib/asterisk", "var/log/asterisk", "var/spool/asterisk",
              "usr/share/asterisk", "var/cache/asterisk")


class SandboxError(RuntimeError):
    """The sandbox could not be brought to the asked state; the message says how to fix it."""

    error_id = "sandbox-failed"


def default_root() -> Path:
    return sandbox_root()


@dataclass(frozen=True)
class Status:
    mode: str  # "sandbox" | "system" | "absent"
    running: bool
    version: str = ""
    root: Path | None = None

    def describe(self) -> str:
        if self.mode == "system":
            return f"system Asterisk running ({self.version}); the sandbox is not used"
        state = "running" if self.running else "stopped"
        built = "built" if self.root and (self.root / "usr/sbin/asterisk").exists() else "not built"
        return f"sandbox {state}, {built} at {self.root}" + (f" ({self.version})" if self.version else "")


class Sandbox:
    """Owns one chroot with Asterisk 22 in it."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or default_root()

    # -- queries -------------------------------------------------------------------------
    def status(self) -> Status:
        system = _system_asterisk_version()
        if system:
            return Status("system", True, system)
        version = self._cli("core show version", check=False)
        running = version.startswith("Asterisk")
        return Status("sandbox" if self.built else "absent", running, version.strip(), self.root)

    @property
    def built(self) -> bool:
        return (self.root / "usr/sbin/asterisk").exists()

    # -- commands ------------------------------------------------------------------------
    def up(self, timeout: float = 60.0) -> Status:
        if _system_asterisk_version():
            return self.status()
        with self._lock():  # two `up`s at once (make run beside make test) take turns: one builds
            return self._up(timeout)

    def _up(self, timeout: float) -> Status:
        if not self.built:
            self._build()
        changed = self._write_configs()
        self._sync_sounds()
        if self.status().running and changed & START_ONLY:
            self.down()  # these files are read at start only
        if self.status().running:
            if changed:  # Asterisk 22.10 keeps a manager-topic subscription per reload (docs/performance.md)
                self._cli("core reload")
                self._cli("dialplan reload")
        else:
            self._start(timeout)
        return self.status()

    def down(self, timeout: float = 20.0) -> Status:
        if not self.built or _system_asterisk_version():
            return self.status()
        if self._cli("core stop now", check=False) or self._pid():
            _wait(lambda: self._pid() is None, timeout, "Asterisk to stop", self._kill)
        return self.status()

    def cli(self, command: str) -> str:
        return self._cli(command)

    # -- steps ---------------------------------------------------------------------------
    @contextmanager
    def _lock(self) -> Iterator[None]:
        path = self.root.with_name(self.root.name + ".lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _build(self) -> None:
        _ensure_tool("mmdebstrap", "mmdebstrap")
        tmp = self.root.with_name(self.root.name + ".building")
        _remove_unmounted(tmp)
        tmp.parent.mkdir(parents=True, exist_ok=True)
        print(f"building Asterisk sandbox in {self.root} (Debian sid chroot, about 20 s)...", flush=True)
        cmd = ["mmdebstrap", "--variant=apt", "--aptopt=Acquire::Check-Valid-Until \"false\"",
               f"--include={PACKAGES}", "sid", str(tmp)]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            raise SandboxError(f"mmdebstrap failed ({result.returncode}):\n{result.stderr[-3000:]}\n"
                               "check network access to the Debian mirror, then run `hotline sandbox up` again")
        for rel in OWNED_DIRS:
            if (tmp / rel).exists():
                subprocess.run(["chown", "-R", "root:root", str(tmp / rel)], check=True)
        tmp.rename(self.root)

    def _write_configs(self) -> set[str]:
        """Write our configs; returns the names of the files whose content changed."""
        etc = self.root / "etc/asterisk"
        values = {"@AMI_SECRET@": AMI_SECRET, "@SOUNDS@": str(SOUNDS_DIR), "@SIP_BIND@": "127.0.0.1:5060"}
        changed: set[str] = set()
        for src in sorted(CONF_DIR.glob("*.conf")):
            text = src.read_text()
            for key, value in values.items():
                text = text.replace(key, value)
            target = etc / src.name
            if not target.exists() or target.read_text(errors="replace") != text:
                changed.add(src.name)
                target.write_text(text)
        (self.root / "var/run/asterisk").mkdir(parents=True, exist_ok=True)
        self._write_hosts()
        return changed

    def _write_hosts(self) -> None:
        """The chroot has no /etc/hosts of its own, so Asterisk's lookups of this machine's name go
        to DNS. It makes one for EVERY call: res_rtp_asterisk finds "our IP" for the RTCP address
        by resolving the hostname, inside the PJSIP serializer handling the INVITE. A resolver that
        is slow or drops queries under load (5 s timeout) then stalls SIP for everyone: at 25
        calls/s most calls failed with 408s and retransmissions (docs/performance.md)."""
        hosts = self.root / "etc/hosts"
        text = hosts_file(socket.gethostname())
        if not hosts.exists() or hosts.read_text(errors="replace") != text:
            hosts.write_text(text)

    def _sync_sounds(self) -> None:
        if not SOUNDS_DIR.exists():
            return
        target = self.root / str(SOUNDS_DIR).lstrip("/")
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(SOUNDS_DIR, target)

    def _start(self, timeout: float) -> None:
        log = self.root / "var/log/asterisk/sandbox-console.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as out:
            subprocess.Popen(["chroot", str(self.root), "/usr/sbin/asterisk", "-f", "-n"],
                             stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True)
        _wait(lambda: self.status().running, timeout, "Asterisk to boot")
        self._cli("core waitfullybooted", check=False)

    def _pid(self) -> int | None:
        pidfile = self.root / "var/run/asterisk/asterisk.pid"
        try:
            pid = int(pidfile.read_text().strip())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        return pid

    def _kill(self) -> None:
        pid = self._pid()
        if pid:
            os.kill(pid, 9)

    def _cli(self, command: str, check: bool = True) -> str:
        if not self.built:
            if check:
                raise SandboxError("the sandbox is not built; run `hotline sandbox up`")
            return ""
        result = subprocess.run(["chroot", str(self.root), "/usr/sbin/asterisk", "-rx", command],
                                capture_output=True, text=True, timeout=30)
        if result.returncode != 0 or "Unable to connect" in result.stdout + result.stderr:
            if check:
                raise SandboxError(f"asterisk -rx {command!r} failed: {result.stdout}{result.stderr}")
            return ""
        return result.stdout


def hosts_file(hostname: str) -> str:
    """An /etc/hosts in which this machine's name resolves locally, without DNS."""
    return f"127.0.0.1\tlocalhost {hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n"


def mounts_under(mountinfo: str, path: Path) -> list[str]:
    """Mount points at or below `path` in /proc/self/mountinfo text, deepest first."""
    base = str(path).rstrip("/")
    found = []
    for line in mountinfo.splitlines():
        fields = line.split()
        if len(fields) < 5:
            continue
        point = fields[4].encode().decode("unicode_escape")  # \040 for a space, as the kernel writes it
        if point == base or point.startswith(base + "/"):
            found.append(point)
    return sorted(found, key=lambda p: p.count("/"), reverse=True)


def _remove_unmounted(tmp: Path) -> None:
    """Remove a half-built chroot. A build that died can leave /dev, /proc or /dev/shm mounted
    inside it, and removing the tree would then delete the HOST's files (a PostgreSQL server
    loses its shared memory that way): unmount first, and refuse if anything stays mounted."""
    if not tmp.exists():
        return
    for point in mounts_under(Path("/proc/self/mountinfo").read_text(), tmp):
        subprocess.run(["umount", "-l", point], check=False, capture_output=True)
    left = mounts_under(Path("/proc/self/mountinfo").read_text(), tmp)
    if left:
        raise SandboxError(f"{tmp} still has mounts inside ({', '.join(left)}); unmount them "
                           "(`umount -l PATH`) and run `hotline sandbox up` again")
    shutil.rmtree(tmp, ignore_errors=True)


def _system_asterisk_version() -> str:
    exe = shutil.which("asterisk")
    if not exe:
        return ""
    try:
        result = subprocess.run([exe, "-rx", "core show version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return result.stdout.strip() if result.stdout.startswith("Asterisk") else ""


def _ensure_tool(tool: str, package: str) -> None:
    if shutil.which(tool):
        return
    if os.geteuid() != 0:
        raise SandboxError(f"{tool} is missing: run `sudo apt-get install {package}`")
    print(f"installing {package}...", file=sys.stderr, flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=False)
    subprocess.run(["apt-get", "install", "-y", "-qq", package], check=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


def _wait(predicate, timeout: float, what: str, on_timeout=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    if on_timeout:
        on_timeout()
        if predicate():
            return
    raise SandboxError(f"timed out after {timeout:.0f} s waiting for {what}; "
                       "see var/log/asterisk/ in the sandbox for Asterisk's own log")
