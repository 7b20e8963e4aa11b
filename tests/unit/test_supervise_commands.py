"""`supervise.*` commands: what the control socket, MQTT and the web accept, and what they refuse."""

from __future__ import annotations

import pytest

from acd.supervision import Mode
from cti.app.supervise_commands import ModeCmd, StartCmd, StopCmd, parse


def test_start_commands_name_their_mode():
    cmd = parse({"cmd": "supervise.whisper", "supervisor": "sup1", "agent": "1004", "via": "mqtt"})
    assert isinstance(cmd, StartCmd) and (cmd.supervisor, cmd.agent, cmd.via) == ("sup1", "1004", "mqtt")


def test_mode_and_stop_and_list():
    assert parse({"cmd": "supervise.mode", "supervisor": "sup1", "mode": "barge"}).mode == Mode.BARGE
    assert isinstance(parse({"cmd": "supervise.stop", "supervisor": "sup1"}), StopCmd)
    assert isinstance(parse({"cmd": "supervise.list", "supervisor": "sup1"}), StopCmd)
    assert isinstance(parse({"cmd": "supervise.mode", "supervisor": "s", "mode": "listen"}), ModeCmd)


@pytest.mark.parametrize("raw, where", [
    ({"cmd": "supervise.listen", "supervisor": "sup1"}, "agent"),
    ({"cmd": "supervise.listen", "supervisor": "sup1", "agent": "1004\r\nApplication: System"}, "agent"),
    ({"cmd": "supervise.listen", "supervisor": "sup1", "agent": "PJSIP/1004"}, "agent"),
    ({"cmd": "supervise.mode", "supervisor": "sup1", "mode": "shout"}, "mode"),
    ({"cmd": "supervise.listen", "supervisor": "", "agent": "1004"}, "supervisor"),
    ({"cmd": "supervise.listen", "supervisor": "sup1", "agent": "1004", "channel": "PJSIP/9"}, "channel"),
    ({"cmd": "supervise.stop", "supervisor": "sup1", "via": "phone"}, "via"),
    ({"cmd": "supervise.spy", "supervisor": "sup1"}, "cmd"),
])
def test_bad_commands_are_refused_naming_the_field(raw, where):
    reply = parse(raw)
    assert isinstance(reply, dict) and reply["error_id"] == "invalid-command" and where in reply["message"]
