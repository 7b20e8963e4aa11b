"""Automated survey campaigns (`survey:` in config/campaigns/*.yaml): schema, flow check, pacing."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.yamlconf import ConfigError
from dialer.campaign import load_campaign, survey_issues
from dialer.pacing import PacingState, SurveyPacer

REPO = Path(__file__).resolve().parents[2]
MINIMAL = "name: c\nkind: survey\nqueue: q\ncaller_id: '+861000'\nsafe_harbor_prompt: safe_harbor\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_survey_campaign_is_an_automated_csat_survey() -> None:
    campaign = load_campaign(REPO / "config/campaigns/survey.yaml")
    assert (campaign.survey, campaign.survey_lines) == ("csat", 4)


def test_a_campaign_without_survey_is_unchanged(tmp_path: Path) -> None:
    assert load_campaign(write(tmp_path, MINIMAL)).survey is None


def test_a_survey_campaign_cannot_be_a_preview_campaign(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no agent to preview"):
        load_campaign(write(tmp_path, MINIMAL + "mode: preview\nsurvey: csat\n"))


def test_survey_lines_out_of_range_is_reported_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "survey: csat\nsurvey_lines: 0\n")
    with pytest.raises(ConfigError) as err:
        load_campaign(path)
    assert any(i.line == 7 and i.col == 15 for i in err.value.issues), err.value


def test_a_misspelt_survey_flow_is_reported_at_its_value_with_a_guess(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "survey: cstat\n")
    issues = survey_issues(path, load_campaign(path), {"csat", "main"})
    assert [str(i) for i in issues] == [f"{path}:6:9: campaign 'c': survey flow 'cstat' does not exist; "
                                        "did you mean 'csat'?"]
    assert survey_issues(path, load_campaign(path), {"cstat"}) == []


@pytest.mark.parametrize(("ringing", "in_amd", "live", "lines"), [(0, 0, 0, 3), (1, 1, 0, 1), (1, 1, 1, 0),
                                                                   (2, 2, 2, 0)])
def test_survey_pacer_keeps_its_lines_busy_whatever_the_agents(ringing, in_amd, live, lines) -> None:
    state = PacingState(agents_ready=0, ringing_age_s=(1.0,) * ringing, in_amd=in_amd, live_waiting=live)
    assert SurveyPacer(3).lines_to_dial(state, 0.0) == lines
