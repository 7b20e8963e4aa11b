"""Private mosquitto brokers for integration tests: own port, own config, own files in a tmp dir.

`sample_config` turns the shipped config/mosquitto/{hotline.conf,acl} into a test broker's
config (same auth and ACL, test port and paths), so the tests prove the sample itself.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
from pathlib import Path

import aiomqtt

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "config" / "mosquitto"
MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sample_config(workdir: Path, port: int, users: dict[str, str]) -> str:
    """The sample config with auth + ACL, rewritten for `workdir` and `port`; `users` name -> password."""
    passwd = workdir / "hotline.passwd"
    passwd.touch(mode=0o600)
    for user, password in users.items():
        subprocess.run(["mosquitto_passwd", "-b", str(passwd), user, password], check=True,
                       capture_output=True)
    acl = workdir / "hotline.acl"
    shutil.copyfile(SAMPLE / "acl", acl)
    text = (SAMPLE / "hotline.conf").read_text()
    replacements = {r"^listener 1883 .*$": f"listener {port} 127.0.0.1",
                    r"^password_file .*$": f"password_file {passwd}",
                    r"^acl_file .*$": f"acl_file {acl}",
                    r"^persistence_location .*$": f"persistence_location {workdir}/"}
    for pattern, value in replacements.items():
        text, n = re.subn(pattern, value, text, flags=re.M)
        assert n == 1, f"config/mosquitto/hotline.conf has no line matching {pattern}"
    return text


def anonymous_config(workdir: Path, port: int) -> str:
    return f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location {workdir}/\n"


class Mosquitto:
    """One mosquitto process; `stop()` then `start()` is a broker restart (same port, same files)."""

    def __init__(self, workdir: Path, port: int, config: str) -> None:
        self.workdir, self.port = workdir, port
        self.conf = workdir / "mosquitto.conf"
        if os.geteuid() == 0:  # as root mosquitto would switch to user 'mosquitto' and lose our tmp dir
            config += "\nuser root\n"
        self.conf.write_text(config + f"\nlog_dest file {workdir}/mosquitto.log\n")
        self.proc: subprocess.Popen | None = None

    @property
    def log(self) -> str:
        path = self.workdir / "mosquitto.log"
        return path.read_text(errors="replace") if path.exists() else ""

    async def start(self, timeout: float = 10.0) -> None:
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        await self._ready(timeout)

    async def _ready(self, timeout: float) -> None:
        """Poll a TCP connect until it succeeds or the deadline passes."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mosquitto exited ({self.proc.returncode}): "
                                   f"{self.proc.stderr.read().decode(errors='replace')}\n{self.log}")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                if loop.time() >= deadline:
                    raise TimeoutError(f"mosquitto not accepting on port {self.port} within {timeout}s\n{self.log}")
                await asyncio.sleep(0.05)
                continue
            writer.close()
            return

    async def stop(self, timeout: float = 10.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()  # SIGTERM: mosquitto saves its persistence file and exits
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.proc.poll() is None:
            if loop.time() >= deadline:
                self.proc.kill()
                self.proc.wait()
                break
            await asyncio.sleep(0.02)
        if self.proc.stderr:
            self.proc.stderr.close()

    async def restart(self) -> None:
        await self.stop()
        await self.start()


class Observer:
    """A real MQTT client that records what it receives (JSON-decoded when it is JSON).

    ``persistent=True`` uses a 3.1.1 session that outlives the connection (QoS 1): what is
    published while it is away, even across a broker restart, is delivered when it comes back.
    """

    def __init__(self, port: int, username: str | None, password: str | None, topics: list[str], *,
                 identifier: str | None = None, persistent: bool = False) -> None:
        self.topics = topics
        self.messages: list[tuple[str, object, bool]] = []
        self.lost = False
        self.client = aiomqtt.Client(
            "127.0.0.1", port, username=username, password=password, identifier=identifier,
            protocol=aiomqtt.ProtocolVersion.V311 if persistent else aiomqtt.ProtocolVersion.V5,
            clean_session=False if persistent else None)
        self._task: asyncio.Task | None = None

    async def __aenter__(self) -> Observer:
        await self.client.__aenter__()
        for topic in self.topics:
            await self.client.subscribe(topic, qos=1)
        self._task = asyncio.create_task(self._collect(), name="mqtt-observer")
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        try:
            await self.client.__aexit__(None, None, None)
        except aiomqtt.MqttError:
            pass  # the broker is already gone

    async def _collect(self) -> None:
        try:
            async for message in self.client.messages:
                try:
                    body = json.loads(message.payload)
                except (ValueError, TypeError):
                    body = message.payload
                self.messages.append((str(message.topic), body, bool(message.retain)))
        except aiomqtt.MqttError:
            self.lost = True

    def on(self, topic: str) -> list:
        return [body for t, body, _ in self.messages if t == topic]

    async def publish(self, topic: str, payload: object, qos: int = 1, retain: bool = False) -> None:
        data = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
        await self.client.publish(topic, data, qos=qos, retain=retain)
