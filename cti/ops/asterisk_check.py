"""`hotline asterisk check`: read an admin's /etc/asterisk and say whether the engine fits it.

Uses pyst2's `asterisk.config` parser (the one part of pyst2 worth keeping). Checks that the
AMI user exists with the secret and least privileges the engine needs, that it is limited to
loopback, that the dialplan hands calls to our FastAGI port and falls back when the engine
does not finish a call (HOTLINE_DONE), and that consult transfers can work (an attended-transfer
feature code, the hotline-consult context, the hotline-spy context of live monitoring).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from asterisk.config import Config, ParseError

from cti.app.config import HotlineConfig

NEEDED_READ = {"system", "call"}
NEEDED_WRITE = {"call", "originate"}
FORBIDDEN_WRITE = {"system", "command", "config", "all"}


@dataclass(frozen=True)
class Finding:
    ok: bool
    file: str
    message: str
    fix: str = ""

    def __str__(self) -> str:
        mark = "ok  " if self.ok else "FAIL"
        return f"{mark} {self.file}: {self.message}" + (f"; {self.fix}" if self.fix else "")


def check(etc: Path, config: HotlineConfig) -> list[Finding]:
    return [*_check_manager(etc / "manager.conf", config), *_check_dialplan(etc / "extensions.conf", config),
            *_check_features(etc / "features.conf")]


def _sections(path: Path) -> dict[str, dict[str, list[str]]]:
    parsed = Config(str(path))
    out: dict[str, dict[str, list[str]]] = {}
    for category in parsed.categories:
        items = out.setdefault(category.name, {})
        for item in category.items:
            items.setdefault(item.name.strip().lower(), []).append((item.value or "").strip())
    return out


def _load(path: Path) -> tuple[dict[str, dict[str, list[str]]] | None, Finding | None]:
    if not path.exists():
        return None, Finding(False, str(path), "file not found", "point --etc at the Asterisk config folder")
    try:
        return _sections(path), None
    except (ParseError, OSError, ValueError) as exc:
        return None, Finding(False, str(path), f"cannot parse: {exc}", "fix the syntax Asterisk reports too")


def _perms(values: list[str]) -> set[str]:
    return {p.strip().lower() for v in values for p in v.split(",") if p.strip()}


def _check_manager(path: Path, config: HotlineConfig) -> list[Finding]:
    sections, problem = _load(path)
    if sections is None:
        return [problem] if problem else []
    f, user = str(path), config.ami.username
    general = sections.get("general", {})
    found = [Finding(general.get("enabled", ["no"])[-1].lower() in ("yes", "true", "1"), f,
                     "AMI enabled in [general]", "set enabled = yes")]
    if user not in sections:
        return found + [Finding(False, f, f"no [{user}] AMI user", "add the [hotline] section of asterisk-conf/manager.conf")]
    section = sections[user]
    read, write = _perms(section.get("read", [])), _perms(section.get("write", []))
    found += [
        Finding(section.get("secret", [""])[-1] == config.ami.secret, f, f"[{user}] secret matches hotline.yaml",
                "make ami.secret in hotline.yaml equal to the secret in manager.conf"),
        Finding(NEEDED_READ <= read, f, f"[{user}] read={','.join(sorted(read))}",
                f"read needs at least {','.join(sorted(NEEDED_READ))} (system shows restarts)"),
        Finding(NEEDED_WRITE <= write, f, f"[{user}] write={','.join(sorted(write))}",
                f"write needs {','.join(sorted(NEEDED_WRITE))}"),
        Finding(not (write & FORBIDDEN_WRITE), f, f"[{user}] has no system/command/config write",
                f"remove {','.join(sorted(write & FORBIDDEN_WRITE))} from write: the engine never needs them"),
        Finding(bool(section.get("permit")) and bool(section.get("deny")), f, f"[{user}] limited by deny/permit",
                "add deny = 0.0.0.0/0.0.0.0 and permit = <engine address>/255.255.255.255"),
    ]
    return found


_AGI = re.compile(r"AGI\(\s*agi://([^/:)]+)(?::(\d+))?/", re.IGNORECASE)


def _check_dialplan(path: Path, config: HotlineConfig) -> list[Finding]:
    sections, problem = _load(path)
    if sections is None:
        return [problem] if problem else []
    f = str(path)
    text = "\n".join(v for items in sections.values() for values in items.values() for v in values)
    globals_ = {k.upper(): v[-1] for k, v in sections.get("globals", {}).items()}
    text = re.sub(r"\$\{(\w+)\}", lambda m: globals_.get(m.group(1).upper(), m.group(0)), text)
    targets = {(h, int(p or 4573)) for h, p in _AGI.findall(text)}
    wanted = (config.agi.host, config.agi.port)
    return [
        Finding(wanted in targets, f, f"dialplan hands calls to FastAGI {wanted[0]}:{wanted[1]}",
                "add exten => 10000,n,AGI(agi://HOST:PORT/ivr/main) as in asterisk-conf/extensions.conf"),
        Finding("HOTLINE_DONE" in text, f, "dialplan falls back unless the engine set HOTLINE_DONE",
                "after AGI(), GotoIf($[\"${HOTLINE_DONE}\" = \"1\"]?done) then a fallback (announcement + Queue)"),
        Finding(any("/consult/" in v for values in sections.get("hotline-consult", {}).values() for v in values), f,
                "context [hotline-consult] hands consult legs to the engine (attended transfers)",
                "copy [hotline-consult] from asterisk-conf/extensions.conf"),
        Finding(any("ChanSpy(" in v for values in sections.get("hotline-spy", {}).values() for v in values), f,
                "context [hotline-spy] runs ChanSpy for live monitoring (docs/monitoring.md)",
                "copy [hotline-spy] from asterisk-conf/extensions.conf"),
    ]


def _check_features(path: Path) -> list[Finding]:
    sections, problem = _load(path)
    if sections is None:
        return [problem] if problem else []
    code = (sections.get("featuremap", {}).get("atxfer") or [""])[-1]
    return [Finding(bool(code), str(path), f"attended transfer feature code: {code or 'none'}",
                    "set atxfer => *2 in [featuremap] (AMI Atxfer, used by consult transfers, needs one)")]
