#!/usr/bin/env python3
"""Generate the IVR prompts in sounds/<lang>/<name>.wav from the text in sounds/prompts.yaml.

Why a script and committed wavs: prompts must match their text exactly, in every language, and
an operator changes text far more often than code. Each wav is 8 kHz mono 16-bit signed PCM,
which Asterisk's format_wav plays without transcoding. A per-language ``.manifest.json`` holds
a sha256 of (voice, text) per prompt so only changed prompts are re-synthesised (espeak-ng output
is not bit-identical across versions, so regenerating everything would churn the repository),
and wavs whose prompt was removed are deleted. ``--check`` (for CI and tests) only reports.

Run inside the project's venv (it uses ruamel.yaml):  python scripts/make_sounds.py [--check]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

SOUNDS_DIR = Path(__file__).resolve().parent.parent / "sounds"
# espeak-ng 1.51 (Debian 12) `cmn` turns its dictionary's pinyin ("qing3") into English sounds
# ("king three"); `cmn-latn-pinyin` reads the same characters as real Mandarin syllables.
VOICES = {"en": "en-us", "zh": "cmn-latn-pinyin"}
WORDS_PER_MINUTE = "150"
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
MANIFEST = ".manifest.json"
TOOLS = ("espeak-ng", "sox")


class PromptsError(Exception):
    """prompts.yaml is unusable; the message says what to change."""


@dataclass
class Plan:
    """What one language directory needs: prompts to (re)generate and wavs to delete."""

    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def todo(self) -> list[str]:
        return sorted(self.missing + self.stale)

    def problems(self, lang: str) -> list[str]:
        return ([f"missing: {lang}/{n}.wav" for n in self.missing]
                + [f"stale (text or voice changed): {lang}/{n}.wav" for n in self.stale]
                + [f"no longer listed: {lang}/{n}.wav" for n in self.extra])


def load_prompts(path: Path) -> dict[str, dict[str, str]]:
    """Read and check prompts.yaml: known languages, simple names, same names everywhere."""
    try:
        raw = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except (OSError, YAMLError) as exc:
        raise PromptsError(f"{path}: {exc}") from exc
    if not isinstance(raw, dict) or not raw:
        raise PromptsError(f"{path}: expected a mapping of language -> {{name: text}}")
    prompts = {str(lang): _check_language(path, str(lang), table) for lang, table in raw.items()}
    names = {lang: set(table) for lang, table in prompts.items()}
    every = set().union(*names.values())
    for lang, have in names.items():
        if have != every:
            raise PromptsError(f"{path}: {lang} lacks {', '.join(sorted(every - have))}")
    return prompts


def _check_language(path: Path, lang: str, table: object) -> dict[str, str]:
    if lang not in VOICES:
        raise PromptsError(f"{path}: unknown language {lang!r}; known: {', '.join(VOICES)}")
    if not isinstance(table, dict):
        raise PromptsError(f"{path}: {lang} must map prompt names to text")
    for name, text in table.items():
        if not isinstance(name, str) or not NAME.match(name):
            raise PromptsError(f"{path}: {lang}: bad prompt name {name!r}; use lower_snake_case")
        if not isinstance(text, str) or not text.strip():
            raise PromptsError(f"{path}: {lang}.{name}: text must be non-empty")
    return {name: " ".join(text.split()) for name, text in table.items()}


def digest(voice: str, text: str) -> str:
    return hashlib.sha256(json.dumps([voice, text], ensure_ascii=False).encode()).hexdigest()


def read_manifest(lang_dir: Path) -> dict[str, str]:
    try:
        data = json.loads((lang_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # no or broken manifest: everything counts as stale and is regenerated
    return data if isinstance(data, dict) else {}


def write_manifest(lang_dir: Path, manifest: dict[str, str]) -> None:
    text = json.dumps(dict(sorted(manifest.items())), indent=2) + "\n"
    tmp = lang_dir / (MANIFEST + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, lang_dir / MANIFEST)


def plan_language(lang_dir: Path, voice: str, texts: dict[str, str], force: bool) -> Plan:
    manifest = read_manifest(lang_dir)
    plan = Plan()
    for name, text in sorted(texts.items()):
        if not (lang_dir / f"{name}.wav").is_file():
            plan.missing.append(name)
        elif force or manifest.get(name) != digest(voice, text):
            plan.stale.append(name)
    on_disk = {p.stem for p in lang_dir.glob("*.wav")} if lang_dir.is_dir() else set()
    plan.extra = sorted(on_disk - set(texts))
    return plan


def synthesize(voice: str, text: str, out: Path) -> None:
    """espeak-ng speaks at 22.05 kHz; sox resamples to the 8 kHz mono 16-bit PCM Asterisk wants."""
    partial = out.with_name(f".{out.name}.partial")  # same directory, so the rename is atomic
    with tempfile.TemporaryDirectory() as tmp:
        spoken = Path(tmp) / "spoken.wav"
        _run(["espeak-ng", "-v", voice, "-s", WORDS_PER_MINUTE, "-w", str(spoken), "--", text])
        # -R: fixed dither seed, so the same text gives the same bytes on the same machine.
        _run(["sox", "-R", str(spoken), "-r", "8000", "-c", "1", "-b", "16",
              "-e", "signed-integer", "-t", "wav", str(partial)])
    os.replace(partial, out)


def _run(cmd: list[str]) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:2])} failed ({result.returncode}): {result.stderr}")


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def apply_plan(lang_dir: Path, voice: str, texts: dict[str, str], plan: Plan) -> None:
    lang_dir.mkdir(parents=True, exist_ok=True)
    manifest = {n: h for n, h in read_manifest(lang_dir).items() if n in texts}
    for name in plan.todo:
        synthesize(voice, texts[name], lang_dir / f"{name}.wav")
        manifest[name] = digest(voice, texts[name])
        write_manifest(lang_dir, manifest)  # after each prompt, so an interrupted run resumes
        print(f"generated {lang_dir.name}/{name}.wav")
    for name in plan.extra:
        (lang_dir / f"{name}.wav").unlink()
        print(f"removed {lang_dir.name}/{name}.wav")
    write_manifest(lang_dir, manifest)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report stale prompts, change nothing")
    parser.add_argument("--force", action="store_true", help="regenerate every prompt")
    parser.add_argument("--sounds-dir", type=Path, default=SOUNDS_DIR)
    args = parser.parse_args(argv)
    try:
        prompts = load_prompts(args.sounds_dir / "prompts.yaml")
    except PromptsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    plans = {lang: plan_language(args.sounds_dir / lang, VOICES[lang], texts, args.force)
             for lang, texts in prompts.items()}
    if args.check:
        return _report(plans)
    if any(p.todo for p in plans.values()) and (absent := missing_tools()):
        print(f"error: {' and '.join(absent)} not found; install them with: "
              "apt-get install espeak-ng sox", file=sys.stderr)
        return 2
    for lang, plan in plans.items():
        apply_plan(args.sounds_dir / lang, VOICES[lang], prompts[lang], plan)
    return 0


def _report(plans: dict[str, Plan]) -> int:
    problems = [line for lang, plan in plans.items() for line in plan.problems(lang)]
    for line in problems:
        print(line)
    if problems:
        print("run: python scripts/make_sounds.py", file=sys.stderr)
        return 1
    print(f"all prompts up to date ({', '.join(sorted(plans))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
