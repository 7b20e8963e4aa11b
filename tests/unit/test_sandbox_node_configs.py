"""Each sandbox node's configs: asterisk-conf/*.conf with that node's address, RTP range and trunk
peer filled in; node B's own asterisk.conf; paths resolved the way the chrooted Asterisk sees them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cti.ops.sandbox import CONF_DIR, node_values
from cti.ops.sandbox_node import NODES, Node, asterisk_conf, chroot_path, render

PLACEHOLDER = re.compile(r"@[A-Z_]+@")


def rendered(key: str, name: str) -> str:
    return render((CONF_DIR / name).read_text(), node_values(NODES[key]))


def section(text: str, name: str, kind: str) -> dict[str, str]:
    """The `key = value` lines of the [name] section whose type is `kind`."""
    for block in re.split(r"^\[", text, flags=re.M)[1:]:
        head, _, body = block.partition("\n")
        lines = dict(re.findall(r"^(\w+)\s*=\s*(.*?)\s*$", body, flags=re.M))
        if head.startswith(f"{name}]") and lines.get("type") == kind:
            return lines
    raise AssertionError(f"no [{name}] type={kind}")


@pytest.mark.parametrize("key", ["a", "b"])
def test_every_placeholder_is_filled_for_each_node(key: str) -> None:
    for src in CONF_DIR.glob("*.conf"):
        assert not PLACEHOLDER.findall(rendered(key, src.name)), src.name


def test_node_a_keeps_its_addresses_and_trunks_to_node_b() -> None:
    pjsip = rendered("a", "pjsip.conf")
    assert section(pjsip, "transport-udp", "transport")["bind"] == "127.0.0.1:5060"
    endpoint = section(pjsip, "hotline-node-pbx-b", "endpoint")
    assert endpoint["context"] == "hotline-node-in" and endpoint["rtp_timeout"] == "10"
    assert (endpoint["direct_media"], endpoint["rtp_symmetric"], endpoint["allow"]) == ("no", "yes", "ulaw,alaw")
    assert section(pjsip, "hotline-node-pbx-b", "aor")["contact"] == "sip:127.0.0.3:5060"
    assert section(pjsip, "hotline-node-pbx-b", "identify")["match"] == "127.0.0.3"
    assert "bindaddr = 127.0.0.1\n" in rendered("a", "manager.conf")
    assert "rtpstart = 10000\nrtpend = 20000\n" in rendered("a", "rtp.conf")


def test_node_b_listens_on_127_0_0_3_and_trunks_to_node_a() -> None:
    pjsip = rendered("b", "pjsip.conf")
    assert section(pjsip, "transport-udp", "transport")["bind"] == "127.0.0.3:5060"
    assert section(pjsip, "hotline-node-pbx-a", "aor")["contact"] == "sip:127.0.0.1:5060"
    assert section(pjsip, "hotline-node-pbx-a", "identify")["match"] == "127.0.0.1"
    assert "hotline-node-pbx-b" not in pjsip
    manager = rendered("b", "manager.conf")
    assert "bindaddr = 127.0.0.3\n" in manager and "permit = 127.0.0.1/255.255.255.255" in manager
    assert "rtpstart = 30002\nrtpend = 40000\n" in rendered("b", "rtp.conf")
    assert rendered("b", "extensions.conf") == rendered("a", "extensions.conf")


def test_the_rtp_ranges_of_the_nodes_do_not_overlap() -> None:
    (a_lo, a_hi), (b_lo, b_hi) = NODES["a"].rtp, NODES["b"].rtp
    assert a_hi < b_lo or b_hi < a_lo


def test_node_b_has_directories_of_its_own_and_the_systemname_pbx_b() -> None:
    conf = asterisk_conf(NODES["b"])
    lines = dict(re.findall(r"^(\w+) (?:=>|=) (.*)$", conf, flags=re.M))
    assert lines["systemname"] == "pbx-b"
    for key, value in [("astetcdir", "/etc/asterisk-b"), ("astrundir", "/var/run/asterisk-b"),
                       ("astlogdir", "/var/log/asterisk-b"), ("astspooldir", "/var/spool/asterisk-b"),
                       ("astdbdir", "/var/lib/asterisk-b"), ("astvarlibdir", "/var/lib/asterisk"),
                       ("astdatadir", "/usr/share/asterisk")]:
        assert lines[key] == value, key
    assert NODES["b"].asterisk("-rx", "x") == ["/usr/sbin/asterisk", "-C", "/etc/asterisk-b/asterisk.conf", "-rx", "x"]
    assert NODES["a"].asterisk("-f", "-n") == ["/usr/sbin/asterisk", "-f", "-n"]


def hotline_node_in_pattern() -> re.Pattern:
    text = (CONF_DIR / "extensions.conf").read_text()
    found = re.search(r'\[hotline-node-in\].*?REGEX\("([^"]+)"', text, flags=re.S)
    assert found, "hotline-node-in validates X-Hotline-Dial with REGEX"
    return re.compile(found.group(1))


@pytest.mark.parametrize("value", ["Local/1001@agent-sim", "PJSIP/1001", "PJSIP/agent_7", "SIP/+4930@gw:5060"])
def test_the_trunk_accepts_a_plain_interface(value: str) -> None:
    assert hotline_node_in_pattern().search(value)


@pytest.mark.parametrize("value", ["", "Local/1001@agent-sim&Local/1002@agent-sim", "PJSIP/1001,,D(1)",
                                   "PJSIP/${SHELL(id)}", "PJSIP/1001 x", "1001", "/1001", "PJSIP/"])
def test_the_trunk_refuses_anything_else(value: str) -> None:
    assert not hotline_node_in_pattern().search(value)


def test_chroot_path_follows_an_absolute_symlink_inside_the_chroot(tmp_path: Path) -> None:
    (tmp_path / "run/asterisk-b").mkdir(parents=True)
    (tmp_path / "var").mkdir()
    (tmp_path / "var/run").symlink_to("/run")  # as in Debian: on the host this is the HOST's /run
    assert chroot_path(tmp_path, "/var/run/asterisk-b/asterisk.pid") == tmp_path / "run/asterisk-b/asterisk.pid"
    assert chroot_path(tmp_path, "/var/../etc/x") == tmp_path / "etc/x"


def test_writing_node_b_configs_twice_changes_nothing_the_second_time(tmp_path: Path) -> None:
    debian = tmp_path / "etc/asterisk"
    debian.mkdir(parents=True)
    (debian / "indications.conf").write_text("[general]\ncountry = us\n")
    node = Node(tmp_path, NODES["b"], CONF_DIR, node_values(NODES["b"]))
    first = node.write_configs()
    assert {"asterisk.conf", "pjsip.conf", "extensions.conf", "manager.conf"} <= first
    assert (tmp_path / "etc/asterisk-b/indications.conf").read_text() == "[general]\ncountry = us\n"
    assert (tmp_path / "var/lib/asterisk-b").is_dir() and (tmp_path / "var/spool/asterisk-b").is_dir()
    assert node.write_configs() == set()
    assert not (debian / "pjsip.conf").exists(), "node B never writes node A's configs"
