"""The layers of docs/architecture.md, checked: import contracts, no package cycles, small modules.

`lint-imports` (import-linter, contracts in pyproject.toml) runs on the real tree, and once more on
a copy with a deliberately wrong import, to show the contract can fail.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("common", "acd", "ivr", "dialer", "cti")
MAX_LINES = 300


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    lint = Path(sys.executable).with_name("lint-imports")
    return subprocess.run([str(lint), "--no-cache"], cwd=root, env=env, capture_output=True, text=True, timeout=120)


def _copy_tree(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_import_contracts_hold_on_the_tree() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("module", "line", "broken"), [
    ("acd/models.py", "import asyncio", "acd.models -> asyncio"),
    ("ivr/stepper.py", "from sqlalchemy import select", "ivr.stepper -> sqlalchemy"),
    ("dialer/pacing.py", "from cti.store import CdrRecord", "dialer.pacing -> cti.store"),
    ("common/safety.py", "import aiomqtt", "common.safety -> aiomqtt"),
    ("cti/store/db.py", "from cti.calls import inbound", "cti.store.db -> cti.calls.inbound"),
    ("acd/router.py", "import ivr.models", "acd.router -> ivr.models"),
])
def test_a_deliberately_wrong_import_breaks_the_contract(tmp_path: Path, module: str, line: str, broken: str) -> None:
    tree = _copy_tree(tmp_path)
    with (tree / module).open("a") as f:
        f.write(f"\n{line}  # deliberately wrong\n")
    result = _lint_imports(tree)
    assert result.returncode != 0
    assert broken in result.stdout, result.stdout


def _units() -> dict[str, set[str]]:
    """Package-level import graph: top-level packages, and cti's subpackages as units of their own."""
    def unit(module: str) -> str:
        parts = module.split(".")
        return ".".join(parts[:2]) if parts[0] == "cti" and len(parts) > 1 else parts[0]

    edges: dict[str, set[str]] = defaultdict(set)
    for path in _modules():
        source = unit(".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else []
            for name in names:
                if name.split(".")[0] in PACKAGES and unit(name) != source and name != "cti":
                    edges[source].add(unit(name))
    return edges


def _modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_no_cycle_between_packages() -> None:
    edges = _units()
    seen: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> None:
        seen[node] = "open"
        for nxt in sorted(edges.get(node, ())):
            if seen.get(nxt) == "open":
                pytest.fail("package cycle: " + " -> ".join(trail[trail.index(nxt):] + [node, nxt]
                                                             if nxt in trail else trail + [node, nxt]))
            if nxt not in seen:
                visit(nxt, trail + [node])
        seen[node] = "done"

    for node in sorted(edges):
        if node not in seen:
            visit(node, [])
    assert edges["cti.app"], "the graph is empty: the scan found no imports"


def test_no_module_over_300_lines() -> None:
    long = {str(p.relative_to(ROOT)): n for p in _modules() + sorted((ROOT / "tests").rglob("*.py"))
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"split these modules (over {MAX_LINES} lines): {long}"
