"""One Asterisk process of the sandbox: node A ("pbx-a") or node B ("pbx-b"), for multi-node tests.

Theory of operation: both nodes run from the SAME chroot (one mmdebstrap, shared modules, sounds
and music on hold). Node A is the sandbox as it always was: /etc/asterisk, no systemname (plain
uniqueids), SIP and AMI on 127.0.0.1. Node B is a second process started with
`-C /etc/asterisk-b/asterisk.conf`, whose [directories] give it its own configs, control socket,
logs, spool and astdb, and whose systemname "pbx-b" prefixes its uniqueids ("pbx-b-1764600000.12").
It listens on 127.0.0.3 (loopback is all of 127/8 on Linux) with its own RTP range.

Each node's configs are the repository's `asterisk-conf/*.conf` with the node's values filled in
(`render`): its SIP/AMI address and RTP range, and the trunk to its peer node (endpoint
`hotline-node-<peer>`, static contact and identify on the peer's address). Node A's values are
those the sandbox always used (127.0.0.1, RTP 10000-20000).

A node is brought up idempotently: configs rewritten, reloaded only when one changed (Asterisk
22.10 leaks a manager-topic subscription per reload: docs/performance.md), restarted when a file
read at start only changed. The caller (cti/ops/sandbox.py) holds the sandbox lock around it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from cti.ops.sandbox_wait import SandboxError, wait

# Read by Asterisk at start only: a change needs a restart, not a reload (which modules load; the
# stasis taskpool and declined message types; asterisk.conf's directories, systemname and threads).
START_ONLY = frozenset({"modules.conf", "stasis.conf", "asterisk.conf"})
SIP_PORT = 5060


@dataclass(frozen=True)
class NodeSpec:
    """Where one node lives in the chroot and on loopback."""

    key: str  # "a" | "b": Sandbox().node(key)
    name: str  # "pbx-a": the engine's node name; peers' trunk endpoint is hotline-node-<name>
    systemname: str  # "" keeps uniqueids plain
    host: str  # SIP transport and AMI bind address
    rtp: tuple[int, int]
    suffix: str  # "" or "-b": /etc/asterisk<suffix>, /var/run/asterisk<suffix>, ...
    peer: str  # key of the node at the other end of the trunk

    @property
    def etc(self) -> str:
        return f"/etc/asterisk{self.suffix}"

    @property
    def run_dir(self) -> str:
        return f"/var/run/asterisk{self.suffix}"

    @property
    def log_dir(self) -> str:
        return f"/var/log/asterisk{self.suffix}"

    @property
    def own_dirs(self) -> tuple[str, ...]:
        """Directories Asterisk expects to exist (it creates none of them: no astdb, no start)."""
        s = self.suffix
        return (self.run_dir, self.log_dir, f"/var/lib/asterisk{s}", f"/var/spool/asterisk{s}",
                f"/var/cache/asterisk{s}")

    @property
    def sip(self) -> str:
        return f"{self.host}:{SIP_PORT}"

    @property
    def own_asterisk_conf(self) -> bool:
        """Node A runs on Debian's /etc/asterisk/asterisk.conf (compiled-in directories)."""
        return bool(self.suffix)

    def asterisk(self, *args: str) -> list[str]:
        """argv of the chroot's asterisk binary for this node (daemon or `-rx` client)."""
        conf = ["-C", f"{self.etc}/asterisk.conf"] if self.own_asterisk_conf else []
        return ["/usr/sbin/asterisk", *conf, *args]


NODES = {
    "a": NodeSpec("a", "pbx-a", "", "127.0.0.1", (10000, 20000), "", peer="b"),
    "b": NodeSpec("b", "pbx-b", "pbx-b", "127.0.0.3", (30002, 40000), "-b", peer="a"),
}


def placeholders(spec: NodeSpec, ami_secret: str, sounds: str) -> dict[str, str]:
    peer = NODES[spec.peer]
    return {"@AMI_SECRET@": ami_secret, "@SOUNDS@": sounds, "@SIP_BIND@": spec.sip,
            "@AMI_BIND@": spec.host, "@RTP_START@": str(spec.rtp[0]), "@RTP_END@": str(spec.rtp[1]),
            "@PEER_NODE@": peer.name, "@PEER_SIP@": peer.sip, "@PEER_HOST@": peer.host}


def render(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace(key, value)
    return text


def asterisk_conf(spec: NodeSpec) -> str:
    """asterisk.conf of a node with directories of its own (node B). Modules, sounds and music on
    hold (astmoddir, astdatadir, astvarlibdir) are shared with node A; recordings get absolute
    paths from the engine, so they land where the engine expects on either node."""
    s = spec.suffix
    return (f"; Sandbox node {spec.name}: written by cti/ops/sandbox_node.py\n"
            "[directories]\n"
            f"astcachedir => /var/cache/asterisk{s}\n"
            f"astetcdir => /etc/asterisk{s}\n"
            "astmoddir => /usr/lib/x86_64-linux-gnu/asterisk/modules\n"
            "astvarlibdir => /var/lib/asterisk\n"
            f"astdbdir => /var/lib/asterisk{s}\n"
            "astkeydir => /var/lib/asterisk\n"
            "astdatadir => /usr/share/asterisk\n"
            "astagidir => /usr/share/asterisk/agi-bin\n"
            f"astspooldir => /var/spool/asterisk{s}\n"
            f"astrundir => /var/run/asterisk{s}\n"
            f"astlogdir => /var/log/asterisk{s}\n"
            "astsbindir => /usr/sbin\n\n"
            "[options]\n"
            f"systemname = {spec.systemname}\n"
            "documentation_language = en_US\n")


def chroot_path(root: Path, path: str) -> Path:
    """The host path of `path` as a process chrooted at `root` sees it: an absolute symlink inside
    the chroot (Debian's /var/run -> /run) points into the chroot, not at the host's /run."""
    current, parts, hops = root, list(PurePosixPath(path).parts[1:]), 0
    while parts:
        part = parts.pop(0)
        candidate = current / part
        if part in (".", ""):
            continue
        if part == "..":
            current = current.parent if current != root else root
        elif candidate.is_symlink():
            hops += 1
            if hops > 40:
                raise SandboxError(f"too many symlinks under {root} resolving {path}")
            target = PurePosixPath(os.readlink(candidate))
            if target.is_absolute():
                current, parts = root, [*target.parts[1:], *parts]
            else:
                parts = [*target.parts, *parts]
        else:
            current = candidate
    return current


def _alive_in(pid: int, root: Path) -> bool:
    """Is `pid` a live (not zombie) process chrooted at `root`? (a stale pid file's number may
    have been reused by anything)."""
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False  # our own child, just reaped
    except ChildProcessError:
        pass  # not our child: someone else reaps it
    proc = Path(f"/proc/{pid}")
    try:
        state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X") and os.readlink(proc / "root") == str(root.resolve())
    except (OSError, IndexError):
        return False


@dataclass(frozen=True)
class NodeStatus:
    spec: NodeSpec
    running: bool
    version: str = ""
    pid: int | None = None

    def describe(self) -> str:
        state = f"running (pid {self.pid})" if self.running else "stopped"
        return f"node {self.spec.key} ({self.spec.name}, SIP {self.spec.sip}, AMI {self.spec.host}:5038): {state}"


class Node:
    """One Asterisk process in the sandbox chroot. `up` expects the chroot built and the lock held
    (Sandbox.up / Sandbox.node(key).up do both)."""

    def __init__(self, root: Path, spec: NodeSpec, conf_dir: Path, values: dict[str, str]) -> None:
        self.root, self.spec, self.conf_dir, self.values = root, spec, conf_dir, values

    def path(self, inside: str) -> Path:
        return chroot_path(self.root, inside)

    # -- queries -------------------------------------------------------------------------
    def status(self) -> NodeStatus:
        version = self.cli("core show version", check=False)
        running = version.startswith("Asterisk")
        return NodeStatus(self.spec, running, version.strip(), self.pid)

    @property
    def configured(self) -> bool:
        return self.path(f"{self.spec.etc}/pjsip.conf").exists()

    @property
    def pid(self) -> int | None:
        """The node's Asterisk process id, or None. A SIGKILLed Asterisk leaves its pid file behind
        and, if this process started it, a zombie: neither counts as running."""
        try:
            pid = int(self.path(f"{self.spec.run_dir}/asterisk.pid").read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if _alive_in(pid, self.root) else None

    # -- commands ------------------------------------------------------------------------
    def bring_up(self, timeout: float) -> NodeStatus:
        changed = self.write_configs()
        if self.status().running and changed & START_ONLY:
            self.down()  # these files are read at start only
        if self.status().running:
            if changed:  # Asterisk 22.10 keeps a manager-topic subscription per reload (docs/performance.md)
                self.cli("core reload")
                self.cli("dialplan reload")
        else:
            self._start(timeout)
        return self.status()

    def down(self, timeout: float = 20.0) -> NodeStatus:
        if self.cli("core stop now", check=False) or self.pid:
            wait(lambda: self.pid is None, timeout, f"Asterisk node {self.spec.key} to stop", self.kill)
        return self.status()

    def kill(self, timeout: float = 10.0) -> None:
        """SIGKILL, as a crashed or unplugged node: no SIP BYE, no AMI Shutdown event. Returns
        once the process is gone."""
        pid = self.pid
        if pid:
            os.kill(pid, 9)
            wait(lambda: self.pid is None, timeout, f"Asterisk node {self.spec.key} to die")

    def cli(self, command: str, check: bool = True) -> str:
        if not self.path("/usr/sbin/asterisk").exists():
            if check:
                raise SandboxError("the sandbox is not built; run `hotline sandbox up`")
            return ""
        argv = ["chroot", str(self.root), *self.spec.asterisk("-rx", command)]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        if result.returncode != 0 or "Unable to connect" in result.stdout + result.stderr:
            if check:
                raise SandboxError(f"node {self.spec.key}: asterisk -rx {command!r} failed: "
                                   f"{result.stdout}{result.stderr}")
            return ""
        return result.stdout

    # -- steps ---------------------------------------------------------------------------
    def write_configs(self) -> set[str]:
        """Write the node's configs; returns the names of the files whose content changed."""
        etc = self.path(self.spec.etc)
        etc.mkdir(parents=True, exist_ok=True)
        files = {src.name: render(src.read_text(), self.values) for src in sorted(self.conf_dir.glob("*.conf"))}
        if self.spec.own_asterisk_conf:
            files["asterisk.conf"] = asterisk_conf(self.spec)
            self._copy_debian_defaults(etc, set(files))
        changed: set[str] = set()
        for name, text in files.items():
            target = etc / name
            if not target.exists() or target.read_text(errors="replace") != text:
                changed.add(name)
                target.write_text(text)
        for inside in self.spec.own_dirs:
            self.path(inside).mkdir(parents=True, exist_ok=True)
        return changed

    def _copy_debian_defaults(self, etc: Path, ours: set[str]) -> None:
        """Configs we do not ship (indications.conf, cdr.conf, ...) as Debian installed them for node A."""
        debian = self.path("/etc/asterisk")
        for src in debian.iterdir():
            if src.is_file() and src.name not in ours and not (etc / src.name).exists():
                shutil.copy2(src, etc / src.name)

    def _start(self, timeout: float) -> None:
        log = self.path(f"{self.spec.log_dir}/sandbox-console.log")
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as out:
            start = out.tell()
            proc = subprocess.Popen(["chroot", str(self.root), *self.spec.asterisk("-f", "-n")],
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True)

        def booted() -> bool:
            if proc.poll() is not None:  # it gave up (a config or directory it needs): say why now
                with open(log, "rb") as out:
                    out.seek(start)
                    said = out.read()[-2000:].decode(errors="replace")
                raise SandboxError(f"Asterisk node {self.spec.key} exited ({proc.returncode}) while "
                                   f"starting:\n{said}\nsee {self.spec.log_dir}/ in the sandbox")
            return self.status().running

        wait(booted, timeout, f"Asterisk node {self.spec.key} to boot")
        self.cli("core waitfullybooted", check=False)
