"""Who may use the browser desk and wallboard: users, roles, scopes, hashed passwords.

The users file (``http.users_file``, JSON, written by `hotline web user set`) holds one entry per
login: its role (``agent``: acts only as its own agent id; ``supervisor``: sees the queues named
in ``queues`` and the agents who serve them; ``admin``: everything), the agent id an agent user
is, and the password as an scrypt hash (stdlib ``hashlib.scrypt``, random 16-byte salt, cost
parameters stored with the hash so they can be raised later without breaking old entries).
The file is written with mode 0600 and replaced atomically.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

Role = Literal["agent", "supervisor", "admin"]
ROLES: tuple[str, ...] = ("agent", "supervisor", "admin")
USER_ID = re.compile(r"^[\w.\-]{1,64}$")
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD = 8


@dataclass(frozen=True)
class User:
    id: str
    role: Role
    password_hash: str = field(repr=False)
    agent: str | None = None  # the ACD agent an agent user is (default: its id)
    queues: tuple[str, ...] = ()  # a supervisor's scope

    @property
    def agent_id(self) -> str | None:
        return (self.agent or self.id) if self.role == "agent" else self.agent

    def view(self) -> dict:
        return {"id": self.id, "role": self.role, "agent": self.agent_id, "queues": list(self.queues)}


def hash_password(password: str, *, n: int = SCRYPT_N, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${n}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check; a malformed stored hash never matches."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.urlsafe_b64decode(digest + "==")
        got = hashlib.scrypt(password.encode(), salt=base64.urlsafe_b64decode(salt + "=="), n=int(n), r=int(r),
                             p=int(p), dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class UserStore:
    """The users file, read at start and after every change made through this object."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.users: dict[str, User] = {}
        self._stamp: int | None = None
        self.reload()

    def reload(self) -> None:
        """Read the file again if it changed (the CLI writes it while the engine runs)."""
        try:
            stamp = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            self.users, self._stamp = {}, None
            return
        if stamp == self._stamp:
            return
        self._stamp = stamp
        raw = json.loads(self.path.read_text(encoding="utf-8"))
        self.users = {u["id"]: User(u["id"], u["role"], u["password_hash"], u.get("agent"),
                                    tuple(u.get("queues") or ())) for u in raw.get("users", [])}

    def get(self, user_id: str) -> User | None:
        self.reload()
        return self.users.get(user_id)

    def set(self, user_id: str, role: str, password: str, *, agent: str | None = None,
            queues: tuple[str, ...] = ()) -> User:
        """Create or replace a user (raises ValueError for a bad id, role or short password)."""
        if not USER_ID.match(user_id):
            raise ValueError("user id: letters, digits, '.', '-', '_' (at most 64)")
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        if len(password) < MIN_PASSWORD:
            raise ValueError(f"password: at least {MIN_PASSWORD} characters")
        if role == "supervisor" and not queues:
            raise ValueError("a supervisor needs --queues (the queues he may see)")
        user = User(user_id, role, hash_password(password), agent, tuple(queues))  # type: ignore[arg-type]
        self.users[user_id] = user
        self._save()
        return user

    def remove(self, user_id: str) -> bool:
        found = self.users.pop(user_id, None) is not None
        if found:
            self._save()
        return found

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = {"users": [{k: v for k, v in asdict(u).items() if v not in (None, ())} for u in self.users.values()]}
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(body, f, indent=2, ensure_ascii=False)
        os.replace(tmp, self.path)
