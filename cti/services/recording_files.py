"""A recording's file after the call: wait until Asterisk has closed it, turn it into a WAV, measure it.

MixMonitor's ``D`` option (both directions as a stereo stream) only writes headerless ``.raw``
(signed 16-bit little-endian, 8 kHz, channels interleaved: from the channel, to the channel). The
engine wraps that into ``<call id>.wav`` (same samples, a RIFF header) and removes the ``.raw``,
so what operators and QA tools find is an ordinary WAV. The length comes from the file itself
(Python's `wave`), never from the call's timers, so a short or broken file shows as such.
"""

from __future__ import annotations

import asyncio
import os
import time
import wave
from dataclasses import dataclass
from pathlib import Path

from common.recording import verdict

RATE = 8000  # Asterisk's "raw" format is slin at 8 kHz
CHANNELS = 2
WIDTH = 2
CHUNK = 1 << 20


@dataclass(frozen=True)
class FileCheck:
    status: str  # ok | missing | empty
    size_bytes: int | None = None
    duration_s: float | None = None


async def settled(path: Path, timeout: float, interval: float = 0.25) -> bool:
    """True once ``path`` exists and its size holds still for one interval (Asterisk closes the
    file after the channel is gone); False if it never appears within ``timeout``."""
    deadline = time.monotonic() + timeout
    last = -1
    while True:
        size = _size(path)
        if size is not None and size == last:
            return True
        if time.monotonic() >= deadline:
            return size is not None
        last = size if size is not None else -1
        await asyncio.sleep(interval)


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return None


def raw_to_wav(raw: Path, wav: Path) -> None:
    """Wrap interleaved 8 kHz slin (MixMonitor ``D``) into a stereo WAV; a torn last frame is dropped."""
    frame = CHANNELS * WIDTH
    tmp = wav.with_suffix(".wav.part")
    with open(raw, "rb") as src, wave.open(str(tmp), "wb") as dst:
        dst.setnchannels(CHANNELS)
        dst.setsampwidth(WIDTH)
        dst.setframerate(RATE)
        carry = b""
        while chunk := src.read(CHUNK):
            chunk = carry + chunk
            cut = len(chunk) - len(chunk) % frame
            dst.writeframes(chunk[:cut])
            carry = chunk[cut:]
    os.replace(tmp, wav)
    raw.unlink()


def check(wav: Path) -> FileCheck:
    """Exists, non-empty, and its length as the file says."""
    size = _size(wav)
    if size is None:
        return FileCheck("missing")
    try:
        with wave.open(str(wav), "rb") as w:
            frames, rate = w.getnframes(), w.getframerate()
    except (wave.Error, EOFError):
        frames, rate = 0, RATE
    return FileCheck(verdict(True, size, frames), size, round(frames / rate, 3) if rate else 0.0)


def finalize(raw: Path, wav: Path) -> FileCheck:
    """The call is over and the raw stream closed: convert (if there is a stream) and check."""
    if raw.exists() and not wav.exists():
        raw_to_wav(raw, wav)
    return check(wav)
