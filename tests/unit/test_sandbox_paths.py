"""The sandbox finds the repository's Asterisk configs and prompts wherever its module lives."""

from cti.ops.sandbox import CONF_DIR, SOUNDS_DIR


def test_the_sandbox_points_at_the_repositorys_asterisk_conf_and_sounds() -> None:
    assert (CONF_DIR / "extensions.conf").is_file() and (CONF_DIR / "manager.conf").is_file()
    assert (SOUNDS_DIR / "prompts.yaml").is_file()


def test_mounts_under_a_half_built_chroot_are_found_deepest_first() -> None:
    from pathlib import Path

    from cti.ops.sandbox import mounts_under

    info = "\n".join([
        "22 1 0:21 / / rw - ext4 /dev/sda1 rw",
        "90 22 0:5 / /c/asterisk-sid.building/dev rw - devtmpfs udev rw",
        "91 90 0:26 / /c/asterisk-sid.building/dev/shm rw - tmpfs tmpfs rw",
        "92 22 0:27 / /c/asterisk-sid.building/proc rw - proc proc rw",
        "93 22 0:28 / /c/asterisk-sid.building2/proc rw - proc proc rw",
        "94 22 0:29 / /c/asterisk-sid.building/with\\040space rw - tmpfs tmpfs rw",
    ])
    assert mounts_under(info, Path("/c/asterisk-sid.building")) == [
        "/c/asterisk-sid.building/dev/shm", "/c/asterisk-sid.building/dev", "/c/asterisk-sid.building/proc",
        "/c/asterisk-sid.building/with space"]


def test_the_chroot_hosts_file_resolves_this_machines_name_without_dns() -> None:
    from cti.ops.sandbox import START_ONLY, hosts_file

    lines = [line.split() for line in hosts_file("vm").splitlines()]
    assert ["127.0.0.1", "localhost", "vm"] in lines
    assert "stasis.conf" in START_ONLY and "pjsip.conf" not in START_ONLY
