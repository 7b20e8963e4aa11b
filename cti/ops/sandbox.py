"""A local Asterisk for demos and tests: `hotline sandbox up|down|status`.

Theory of operation: Debian 12 ships no Asterisk, Debian sid ships Asterisk 22. We build a sid
chroot once with mmdebstrap (cached under ~/.cache/hotline, ~20 s), write the configs from
`asterisk-conf/` into its /etc/asterisk, copy the repo's `sounds/` to the same absolute path
inside the chroot (so the engine can name prompts by their host path), and run Asterisk
forked inside it. The chroot shares the host network: AMI, SIP and FastAGI meet on loopback.

Every step is idempotent: `up` on a running sandbox rewrites the configs and reloads them.
When a system Asterisk is already installed and running, it is used instead and left alone.

Multi-node tests (docs/nodes.md): `up(nodes=2)` also runs node B ("pbx-b", 127.0.0.3), a second
Asterisk process in the same chroot with configs of its own; cti/ops/sandbox_node.py runs each
node's process. `down` stops both; `node("b")` is node B's handle (up, status, cli, kill, pid).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from common.sandbox_paths import sandbox_root
from cti.ops.sandbox_node import NODES, START_ONLY, Node, NodeSpec, NodeStatus, placeholders
from cti.ops.sandbox_wait import SandboxError

__all__ = ["AMI_SECRET", "START_ONLY", "Sandbox", "SandboxError", "SandboxNode", "Status", "hosts_file",
           "mounts_under"]

REPO = Path(__file__).resolve().parents[2]  # cti/ops/sandbox.py -> the repository
CONF_DIR = REPO / "asterisk-conf"
SOUNDS_DIR = REPO / "sounds"
PACKAGES = "asterisk,asterisk-modules,asterisk-moh-opsound-wav,asterisk-core-sounds-en-wav"
AMI_SECRET = "hotline-sandbox-secret"
OWNED_DIRS = ("etc/asterisk", "var/lib/asterisk", "var/log/asterisk", "var/spool/asterisk",
              "usr/share/asterisk", "var/cache/asterisk")


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
    """Owns one chroot with Asterisk 22 in it, and the nodes (Asterisk processes) running from it."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or default_root()
        values = {key: node_values(spec) for key, spec in NODES.items()}
        self._nodes = {key: SandboxNode(self, Node(self.root, spec, CONF_DIR, values[key]))
                       for key, spec in NODES.items()}

    # -- queries -------------------------------------------------------------------------
    def status(self) -> Status:
        """Node A's state, as before nodes existed (`describe_nodes` adds the others)."""
        system = _system_asterisk_version()
        if system:
            return Status("system", True, system)
        node = self._nodes["a"].status()
        return Status("sandbox" if self.built else "absent", node.running, node.version, self.root)

    def describe_nodes(self) -> list[str]:
        """One line per node whose configs were ever written (node B only after `up --nodes 2`)."""
        return [n.status().describe() for n in self._nodes.values() if self.built and n.node.configured]

    @property
    def built(self) -> bool:
        return (self.root / "usr/sbin/asterisk").exists()

    def node(self, key: str) -> SandboxNode:
        if key not in self._nodes:
            raise SandboxError(f"no sandbox node {key!r}; nodes are {', '.join(self._nodes)}")
        return self._nodes[key]

    # -- commands ------------------------------------------------------------------------
    def up(self, timeout: float = 60.0, nodes: int = 1) -> Status:
        """Node A, and node B too when nodes=2."""
        if not 1 <= nodes <= len(self._nodes):
            raise SandboxError(f"the sandbox runs 1 to {len(self._nodes)} nodes, not {nodes}")
        if _system_asterisk_version():
            return self.status()
        with self._lock():  # two `up`s at once (make run beside make test) take turns: one builds
            self._prepare()
            self._sync_sounds()
            for key in list(self._nodes)[:nodes]:
                self._nodes[key].node.bring_up(timeout)
        return self.status()

    def down(self, timeout: float = 20.0) -> Status:
        """Stops every node (node B first: it never outlives node A)."""
        if not self.built or _system_asterisk_version():
            return self.status()
        with self._lock():
            for handle in reversed(self._nodes.values()):
                handle.node.down(timeout)
        return self.status()

    def cli(self, command: str) -> str:
        return self._nodes["a"].cli(command)

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

    def _prepare(self) -> None:
        if not self.built:
            self._build()
        self._write_hosts()

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


class SandboxNode:
    """A node as tests and the CLI see it: `up` takes the sandbox lock and builds the chroot if
    needed (node B alone needs node A's sounds only if no `up` ever copied them)."""

    def __init__(self, box: Sandbox, node: Node) -> None:
        self.box, self.node = box, node

    @property
    def pid(self) -> int | None:
        return self.node.pid

    def up(self, timeout: float = 60.0) -> NodeStatus:
        if _system_asterisk_version():
            raise SandboxError("a system Asterisk runs here: the sandbox's nodes are not used")
        with self.box._lock():
            self.box._prepare()
            if not (self.box.root / str(SOUNDS_DIR).lstrip("/")).exists():
                self.box._sync_sounds()
            return self.node.bring_up(timeout)

    def status(self) -> NodeStatus:
        return self.node.status()

    def cli(self, command: str) -> str:
        return self.node.cli(command)

    def kill(self) -> None:
        self.node.kill()

    def down(self, timeout: float = 20.0) -> NodeStatus:
        with self.box._lock():
            return self.node.down(timeout)


def node_values(spec: NodeSpec) -> dict[str, str]:
    """The placeholders of asterisk-conf/*.conf for one node."""
    return placeholders(spec, AMI_SECRET, str(SOUNDS_DIR))


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
