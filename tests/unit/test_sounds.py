"""The committed prompts must match sounds/prompts.yaml and be playable by Asterisk as-is."""

from __future__ import annotations

import subprocess
import sys
import wave
from pathlib import Path

import pytest
from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[2]
SOUNDS = REPO / "sounds"
PROMPTS: dict[str, dict[str, str]] = YAML(typ="safe").load(
    (SOUNDS / "prompts.yaml").read_text(encoding="utf-8"))
WAVS = [(lang, name) for lang, table in PROMPTS.items() for name in table]


def test_both_languages_list_the_same_prompts() -> None:
    assert set(PROMPTS) == {"en", "zh"}
    assert set(PROMPTS["en"]) == set(PROMPTS["zh"])


@pytest.mark.parametrize(("lang", "name"), WAVS, ids=[f"{lang}/{name}" for lang, name in WAVS])
def test_prompt_is_8khz_mono_16bit_pcm_wav(lang: str, name: str) -> None:
    with wave.open(str(SOUNDS / lang / f"{name}.wav"), "rb") as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 1, 2)
        assert wav.getcomptype() == "NONE"
        assert wav.getnframes() > 0.5 * 8000, "prompt is suspiciously short"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_long_welcome_lasts_about_eight_seconds(lang: str) -> None:
    with wave.open(str(SOUNDS / lang / "long_welcome.wav"), "rb") as wav:
        assert 6.5 <= wav.getnframes() / wav.getframerate() <= 10.5


def test_make_sounds_check_reports_everything_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "make_sounds.py"), "--check"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
