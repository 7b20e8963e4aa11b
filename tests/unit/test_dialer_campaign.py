"""Campaign files: the shipped ones load, and operator mistakes come back as file:line hints."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.yamlconf import ConfigError
from dialer.campaign import load_campaign
from dialer.numbers import BadNumberError

REPO = Path(__file__).resolve().parents[2]
MINIMAL = "name: c\nkind: survey\nqueue: q\ncaller_id: '+861000'\nsafe_harbor_prompt: dialer/safe-harbor\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["payment_reminder", "survey"])
def test_shipped_campaigns_load(name: str) -> None:
    campaign = load_campaign(REPO / "config" / "campaigns" / f"{name}.yaml")
    assert campaign.name == name
    assert campaign.abandon_cap == 0.03 and campaign.abandon_window_calls == 200


def test_defaults_follow_the_issue(tmp_path: Path) -> None:
    campaign = load_campaign(write(tmp_path, MINIMAL))
    assert (campaign.call_window.start, campaign.call_window.end) == ("09:00", "21:00")
    assert len(campaign.call_window.days) == 7 and campaign.mode == "predictive"
    assert campaign.amd.app_args() == "2500,1500,800,5000,100,50,2,256"


def test_misspelt_key_is_reported_with_line_and_did_you_mean(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "abandon_capp: 0.02\n")
    with pytest.raises(ConfigError) as info:
        load_campaign(path)
    [issue] = info.value.issues
    assert (issue.line, issue.col) == (6, 1)
    assert "did you mean 'abandon_cap'" in issue.hint
    assert str(issue).startswith(f"{path}:6:1: unknown key 'abandon_capp'")


def test_nested_bad_key_and_bad_day_are_both_reported(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "amd:\n  greting_ms: 1000\ncall_window:\n  days: [mon, tues]\n")
    with pytest.raises(ConfigError) as info:
        load_campaign(path)
    lines = {i.line: str(i) for i in info.value.issues}
    assert "did you mean 'greeting_ms'" in lines[7]
    assert "did you mean 'tue'" in lines[9]


def test_dial_string_must_have_exactly_one_number_placeholder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="exactly one {number}"):
        load_campaign(write(tmp_path, MINIMAL + "dial_string: 'PJSIP/{num}@trunk'\n"))


def test_channel_only_substitutes_validated_numbers(tmp_path: Path) -> None:
    campaign = load_campaign(write(tmp_path, MINIMAL))
    assert campaign.channel("+86 138-0013-8000") == "PJSIP/+8613800138000@trunk"
    with pytest.raises(BadNumberError):
        campaign.channel("123&PJSIP/999@evil")


def test_window_must_start_before_it_ends(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="must be before end"):
        load_campaign(write(tmp_path, MINIMAL + "call_window: {start: '21:00', end: '09:00'}\n"))


def test_day_left_counts_to_the_call_window_end_on_the_campaigns_clock(tmp_path: Path) -> None:
    from datetime import datetime, timezone

    campaign = load_campaign(write(tmp_path, MINIMAL + "default_timezone: Asia/Shanghai\n"
                                   "call_window: {start: '09:00', end: '18:00'}\n"))
    noon_utc = datetime(2026, 3, 2, 4, 0, tzinfo=timezone.utc)  # 12:00 in Shanghai
    assert campaign.day_left_s(noon_utc) == 6 * 3600
    assert campaign.day_left_s(noon_utc.replace(hour=11)) == 0.0  # 19:00 there: the window closed
