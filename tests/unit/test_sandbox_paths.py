"""The sandbox finds the repository's Asterisk configs and prompts wherever its module lives."""

from cti.ops.sandbox import CONF_DIR, SOUNDS_DIR


def test_the_sandbox_points_at_the_repositorys_asterisk_conf_and_sounds() -> None:
    assert (CONF_DIR / "extensions.conf").is_file() and (CONF_DIR / "manager.conf").is_file()
    assert (SOUNDS_DIR / "prompts.yaml").is_file()
