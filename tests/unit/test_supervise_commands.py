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


# -- MQTT bodies on {prefix}/supervisors/<id>/cmd (cti.mqtt.supervisor_inbound) ----------------------
from cti.mqtt import supervisor_inbound  # noqa: E402


def mqtt(body: bytes | str, supervisor: str = "sup1", retained: bool = False):
    return supervisor_inbound.parse(supervisor, body.encode() if isinstance(body, str) else body, retained)


def test_mqtt_body_becomes_a_supervise_command_for_the_topics_supervisor():
    request, refusal = mqtt('{"cmd": "barge", "agent": "1004", "request_id": "r1"}')
    assert refusal is None
    assert request == {"request_id": "r1", "cmd": "supervise.barge", "supervisor": "sup1", "agent": "1004",
                       "via": "mqtt"}
    assert parse({k: v for k, v in request.items() if k != "request_id"}).agent == "1004"
    request, _ = mqtt('{"cmd": "mode", "mode": "listen"}')
    assert (request["cmd"], request["mode"]) == ("supervise.mode", "listen")
    request, _ = mqtt('{"cmd": "list"}')
    assert request == {"request_id": None, "cmd": "supervise.list", "supervisor": "sup1"}


@pytest.mark.parametrize("body, retained, error_id", [
    ('{"cmd": "listen", "agent": "1004", "supervisor": "sup2"}', False, "supervisor-mismatch"),
    ('{"cmd": "listen", "agent": "1004"}', True, "retained-command"),
    ('{"cmd": "spy"}', False, "unknown-command"),
    ('{"cmd": "mode", "mode": "shout"}', False, "invalid-command"),
    ('{"cmd": "listen", "agent": "1004", "channel": "PJSIP/1"}', False, "invalid-command"),
    ("[1]", False, "bad-json"),
    ("{", False, "bad-json"),
    (" " * 5000, False, "payload-too-large"),
])
def test_mqtt_bodies_refused_with_a_stable_error_id(body, retained, error_id):
    request, refusal = mqtt(body, retained=retained)
    assert request == {} and refusal["ok"] is False and refusal["error_id"] == error_id
