"""The voicemail node: schema, stepping, graph checks."""

from __future__ import annotations

import pytest

from common.yamlconf import ConfigError
from ivr.loader import load_flow
from ivr.stepper import Finish, Play, Voicemail, Walk

FLOW = """\
name: vm
entry: sorry
nodes:
  sorry:
    type: play
    prompts: [queue_closed]
    next: message
  message:
    type: voicemail
    mailbox: "9000"
    next: thanks
    on_failure: done
  thanks:
    type: play
    prompts: [goodbye]
    next: done
  done:
    type: hangup
"""


def _walk(tmp_path, text=FLOW) -> Walk:
    path = tmp_path / "vm.yaml"
    path.write_text(text)
    return Walk(load_flow(path))


@pytest.mark.parametrize("result, path", [("left", ["sorry", "message", "thanks", "done"]),
                                          ("failed", ["sorry", "message", "done"])])
def test_voicemail_goes_on_to_next_or_on_failure(tmp_path, result, path):
    walk = _walk(tmp_path)
    assert isinstance(walk.start(), Play)
    assert walk.feed("") == Voicemail("9000", "hotline", "unavailable")
    command = walk.feed(result)
    while not isinstance(command, Finish):
        command = walk.feed("")
    assert walk.path == path


def test_bad_mailbox_and_unknown_next_are_reported(tmp_path):
    bad = FLOW.replace('mailbox: "9000"', 'mailbox: "90x0"').replace("next: thanks", "next: thank")
    with pytest.raises(ConfigError) as caught:
        _walk(tmp_path, bad)
    assert "mailbox" in str(caught.value)
    fixed = FLOW.replace("next: thanks", "next: thank")
    with pytest.raises(ConfigError, match="did you mean 'thanks'"):
        _walk(tmp_path, fixed)
