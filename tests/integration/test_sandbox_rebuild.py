"""A half-built sandbox chroot with a host directory still mounted inside is removed without
deleting the host's files (mmdebstrap dying mid-build leaves /dev/shm bind-mounted in it)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from cti.ops.sandbox import _remove_unmounted


def test_removing_a_half_built_chroot_unmounts_first_and_keeps_the_hosts_files(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.fail("this test needs root (mount --bind), as the sandbox itself does")
    host = tmp_path / "host-shm"
    host.mkdir()
    (host / "PostgreSQL.1234").write_text("a server's shared memory")
    building = tmp_path / "asterisk-sid.building"
    inside = building / "dev/shm"
    inside.mkdir(parents=True)
    subprocess.run(["mount", "--bind", str(host), str(inside)], check=True)
    try:
        _remove_unmounted(building)
    finally:
        subprocess.run(["umount", "-l", str(inside)], check=False, capture_output=True)
    assert not building.exists()
    assert (host / "PostgreSQL.1234").read_text() == "a server's shared memory"
