"""`hotline ivr simulate`: the real stepper, prompts shown as their text, every decision printed."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cti.cli.main import main
from ivr.loader import load_flow
from ivr.simulate import interactive, parse_digits, prompt_texts, scripted, simulate
from tests.support.flows import MAIN_FLOW

REPO = Path(__file__).resolve().parents[2]
SOUNDS = REPO / "sounds"
TEXT = prompt_texts(SOUNDS, "en")


@pytest.fixture
def flows(tmp_path: Path) -> Path:
    (tmp_path / "main.yaml").write_text(MAIN_FLOW, encoding="utf-8")
    return tmp_path


def simulate_cli(capsys: pytest.CaptureFixture[str], flows: Path, *extra: str) -> str:
    code = main(["ivr", "simulate", "main", "--flows-dir", str(flows), "--sounds", str(SOUNDS), *extra])
    assert code == 0
    return capsys.readouterr().out


def in_order(out: str, *parts: str) -> bool:
    at = 0
    for part in parts:
        at = out.find(part, at)
        if at < 0:
            return False
        at += len(part)
    return True


def test_digit_1_plays_welcome_menu_billing_goodbye_and_ends_completed(capsys: pytest.CaptureFixture[str], flows: Path) -> None:
    out = simulate_cli(capsys, flows, "--digits", "1", "--caller", "+4930123")
    assert out.startswith("flow main (en), caller +4930123\n")
    assert in_order(out, TEXT["welcome"], TEXT["main_menu"], "caller presses 1", "choice -> billing",
                    TEXT["billing"], TEXT["goodbye"])
    assert out.endswith("disposition: completed\npath: welcome > menu > billing > goodbye > done\n"
                        "digits: 1\nexit node: done\nivr exit: self_service\n")


def test_all_silent_caller_hears_the_menu_twice_then_cannot_hear(capsys: pytest.CaptureFixture[str], flows: Path) -> None:
    out = simulate_cli(capsys, flows, "--digits=-,")  # "=": a value starting with - is an option to argparse
    assert in_order(out, TEXT["welcome"], TEXT["main_menu"], "silence", "retry after silence: attempt 2/2",
                    TEXT["main_menu"], "silence", "on_silence -> cannot_hear", TEXT["cannot_hear"])
    assert out.count(TEXT["main_menu"]) == 2
    assert "path: welcome > menu > cannot_hear > hangup_silent\n" in out
    assert "disposition: silent\n" in out and "exit node: hangup_silent\n" in out


def test_wrong_key_then_script_runs_out_hears_invalid_then_falls_back(capsys: pytest.CaptureFixture[str], flows: Path) -> None:
    out = simulate_cli(capsys, flows, "--digits", "9")
    assert in_order(out, "caller presses 9", TEXT["invalid"], TEXT["main_menu"], "silence",
                    "fallback -> goodbye", TEXT["goodbye"])
    assert "path: welcome > menu > goodbye > done\n" in out


def test_bad_digit_entry_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["ivr", "simulate", "main", "--digits", "1,1x"])
    assert info.value.code == 2
    assert "'1x' is not keys" in capsys.readouterr().err


def test_unknown_flow_name_suggests_the_close_one(capsys: pytest.CaptureFixture[str], flows: Path) -> None:
    assert main(["ivr", "simulate", "mian", "--flows-dir", str(flows), "--digits", "1"]) == 2
    assert "no flow named 'mian'; did you mean 'main'?" in capsys.readouterr().err


def test_parse_digits_reads_dash_and_empty_as_silence() -> None:
    assert parse_digits("1,-,,#, *") == ["1", "", "", "#", "*"]


def test_interactive_reads_keys_from_stdin_and_empty_line_is_silence(flows: Path) -> None:
    flow = load_flow(flows / "main.yaml")
    out = io.StringIO()
    result = simulate(flow, TEXT, interactive(io.StringIO("\nx\n2\n"), out), out)
    assert result.path == ["welcome", "menu", "fault", "goodbye", "done"]
    assert "keys please: 0-9, * or #" in out.getvalue()


def test_interactive_end_of_input_is_silence(flows: Path) -> None:
    flow = load_flow(flows / "main.yaml")
    result = simulate(flow, TEXT, interactive(io.StringIO(""), io.StringIO()), io.StringIO())
    assert (result.disposition, result.exit_node) == ("silent", "hangup_silent")


def test_prompt_without_text_is_flagged_not_fatal(flows: Path) -> None:
    out = io.StringIO()
    result = simulate(load_flow(flows / "main.yaml"), {}, scripted(["2"]), out)
    assert "[no text for 'welcome']" in out.getvalue()
    assert result.prompts == ["welcome", "main_menu", "fault", "goodbye"]


def test_selfservice_known_caller_hears_the_balance_from_the_demo_customers(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["ivr", "simulate", "selfservice", "--flows-dir", str(REPO / "config/ivr"), "--sounds", str(SOUNDS),
                 "--caller", "5559001", "--digits", ""])
    out = capsys.readouterr().out
    assert code == 0
    assert in_order(out, "looks up customer phone=5559001: found", 'plays your_balance_is: "Your balance is"',
                    "says money 1234.50: 1234 [dollars] 50 [cents]", "disposition: completed")


def test_selfservice_unknown_caller_enters_an_account_and_confirms_it(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["ivr", "simulate", "selfservice", "--flows-dir", str(REPO / "config/ivr"), "--sounds", str(SOUNDS),
                 "--caller", "5550000", "--digits", "123#,12345678,1"])
    out = capsys.readouterr().out
    assert code == 0
    assert in_order(out, "caller enters 123", "retry after a wrong key", "caller enters 123456",
                    "says digits 123456", "stored account_entered=123456", "looks up customer account=123456",
                    "not found", "account_not_found", "path: welcome > find_caller > ask_account > find_account")


def test_a_struggling_caller_is_shown_put_through_after_failures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ivr", "simulate", "main", "--digits=-,7,8"]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith("ivr exit: to_agent_after_failures "
                                 "(by_case>by_tier>welcome>menu(no_match:7;no_input:1)>help_agent>agent>done)")
