"""The `validate` loop every feature's CLI shares: load each file, print its errors or a summary.

Pure file reading and printing, no engine: `hotline ivr validate` and `hotline dialer validate`
report every file (a folder stands for its *.yaml) and exit 1 if any failed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from common.yamlconf import ConfigError

T = TypeVar("T")


def check_files(paths: list[Path], load: Callable[[Path], T], describe: Callable[[T], str]) -> int:
    """Every file loaded, each error printed as file:line:col; 1 if any failed, else 0."""
    failed = 0
    for path in yaml_files(paths):
        try:
            loaded = load(path)
        except ConfigError as exc:
            print(exc)
            failed += 1
        else:
            print(f"{path}: ok ({describe(loaded)})")
    return 1 if failed else 0


def yaml_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files += sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    return files
