"""Flow files: every mistake comes back as file:line:col with a fix, all at once; `hotline ivr validate`."""

from __future__ import annotations

from pathlib import Path

import pytest

from cti.cli.main import main
from common.yamlconf import ConfigError, ConfigIssue
from ivr.loader import load_flow

REPO = Path(__file__).resolve().parents[2]
SOUNDS = REPO / "sounds"

GOOD = """\
name: t
entry: welcome
nodes:
  welcome:
    type: play
    prompts: [welcome]
    next: menu
  menu:
    type: menu
    prompt: main_menu
    choices:
      "1": billing
    on_silence: done
    fallback: done
  billing:
    type: play
    prompts: [billing]
    next: done
  done:
    type: hangup
"""


def write(tmp_path: Path, text: str, name: str = "flow.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def issues_of(path: Path, sounds: Path | None = None) -> list[ConfigIssue]:
    with pytest.raises(ConfigError) as info:
        load_flow(path, sounds)
    return info.value.issues


def test_good_flow_loads(tmp_path: Path) -> None:
    flow = load_flow(write(tmp_path, GOOD), SOUNDS)
    assert flow.entry == "welcome" and set(flow.nodes) == {"welcome", "menu", "billing", "done"}


@pytest.mark.parametrize("old, new, line, col", [
    ("    next: menu", "    next: mneu", 7, 11),
    ('      "1": billing', '      "1": biling', 12, 12),
    ("    fallback: done", "    fallback: doen", 14, 15),
])
def test_misspelt_node_name_points_at_the_reference_and_suggests_the_node(
        tmp_path: Path, old: str, new: str, line: int, col: int) -> None:
    path = write(tmp_path, GOOD.replace(old, new))
    [issue] = issues_of(path)
    wrong, right = new.split()[-1], old.split()[-1]
    assert str(issue) == (f"{path}:{line}:{col}: node {wrong!r} does not exist; did you mean {right!r}?")


def test_unknown_node_type_points_at_the_type_and_suggests_one(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("type: play\n    prompts: [billing]", "type: plya\n    prompts: [billing]"))
    [issue] = issues_of(path)
    assert (issue.line, issue.col) == (16, 11)
    assert issue.message == "node 'billing' has unknown type 'plya'"
    assert issue.hint == "did you mean 'play'?"


def test_node_without_type_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("  done:\n    type: hangup", "  done:\n    description: end"))
    [issue] = issues_of(path)
    assert (issue.line, issue.message) == (19, "node 'done' has no type")


def test_unreachable_node_is_reported_at_its_name(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "  orphan:\n    type: hangup\n")
    [issue] = issues_of(path)
    assert (issue.line, issue.col) == (21, 3)
    assert "'orphan' can never be reached" in issue.message


def test_play_only_loop_is_refused_on_every_node_of_the_loop(tmp_path: Path) -> None:
    loop = ("  ad:\n    type: play\n    prompts: [welcome]\n    next: ad_again\n"
            "  ad_again:\n    type: play\n    prompts: [billing]\n    next: ad\n")
    path = write(tmp_path, GOOD.replace('"1": billing', '"1": billing\n      "2": ad') + loop)
    issues = issues_of(path)
    assert [(i.line, i.col, i.message) for i in issues] == [
        (22, 3, "node 'ad' is on a loop that never waits for the caller"),
        (26, 3, "node 'ad_again' is on a loop that never waits for the caller")]
    assert "break the loop with a menu" in issues[0].hint


def test_loop_a_silent_caller_never_leaves_is_refused_at_on_silence(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("    on_silence: done", "    on_silence: welcome"))
    [issue] = issues_of(path)
    assert (issue.line, issue.col) == (13, 17)
    assert "never presses a key goes round welcome -> menu -> welcome" in issue.message
    assert "on_silence" in issue.hint


def test_missing_prompt_recording_points_at_the_prompt(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("prompts: [billing]", "prompts: [billing, no_such_prompt]"))
    [issue] = issues_of(path, SOUNDS)
    assert (issue.line, issue.col) == (17, 24)
    assert "prompt 'no_such_prompt' of node 'billing' has no recording" in issue.message
    assert "prompts.yaml" in issue.hint


def test_several_errors_are_reported_together_in_file_order(tmp_path: Path) -> None:
    text = (GOOD.replace("    next: menu", "    next: mneu").replace("    fallback: done", "    fallback: nowhere")
            .replace("prompt: main_menu", "prompt: no_such_menu") + "  orphan:\n    type: hangup\n")
    path = write(tmp_path, text)
    issues = issues_of(path, SOUNDS)
    assert [(i.line, i.message.split(" ")[1]) for i in issues] == [
        (7, "'mneu'"), (10, "'no_such_menu'"), (14, "'nowhere'"), (21, "'orphan'")]
    assert issues[0].hint == "did you mean 'menu'?"
    assert issues[2].hint.startswith("use one of: billing, done, menu")
    # 'menu' is reachable through the suggested fix, so only the true orphan is reported.


@pytest.mark.parametrize("path", sorted((REPO / "config" / "ivr").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_flows_validate_clean(path: Path) -> None:
    assert load_flow(path, SOUNDS).nodes


def test_cli_validate_exits_0_for_the_shipped_flows(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ivr", "validate", str(REPO / "config" / "ivr"), "--sounds", str(SOUNDS)]) == 0
    out = capsys.readouterr().out
    assert "main.yaml: ok (flow 'main'" in out and "selfservice.yaml: ok" in out


def test_cli_validate_exits_1_and_prints_every_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path, GOOD.replace("    next: menu", "    next: mneu"), "bad.yaml")
    good = write(tmp_path, GOOD, "good.yaml")
    assert main(["ivr", "validate", str(bad), str(good), "--sounds", str(SOUNDS)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:7:11: node 'mneu' does not exist; did you mean 'menu'?" in out
    assert f"{good}: ok" in out


# ---------------------------------------------------------------- new node kinds in the graph checks

def _flow(tmp_path: Path, nodes: str, name: str = "flow.yaml", flow: str = "t") -> Path:
    return write(tmp_path, f"name: {flow}\nentry: start\nnodes:\n{nodes}  done:\n    type: hangup\n", name)


def test_loop_of_set_branch_and_lookup_nodes_never_waits_and_is_refused(tmp_path: Path) -> None:
    path = _flow(tmp_path, "  start:\n    type: set\n    values: {tries: again}\n    next: check\n"
                           "  check:\n    type: branch\n    variable: tier\n    cases: {gold: done}\n    default: find\n"
                           "  find:\n    type: lookup\n    source: customer_db\n    found: done\n"
                           "    not_found: start\n    failure: done\n")
    issues = issues_of(path)
    assert [(i.line, i.message) for i in issues] == [
        (4, "node 'start' is on a loop that never waits for the caller"),
        (8, "node 'check' is on a loop that never waits for the caller"),
        (13, "node 'find' is on a loop that never waits for the caller")]


def test_goto_and_hours_loop_is_refused_but_a_collect_breaks_it(tmp_path: Path) -> None:
    hours = ("  start:\n    type: hours\n    timezone: UTC\n    weekly: {mon: ['09:00-17:00']}\n"
             "    open: done\n    closed: again\n  again:\n    type: goto\n    node: start\n")
    assert len(issues_of(_flow(tmp_path, hours))) == 2
    ask = ("  again:\n    type: collect\n    variable: x\n    prompt: enter_account\n    next: start\n"
           "    on_silence: done\n    fallback: done\n")
    assert load_flow(_flow(tmp_path, hours.split("  again:")[0] + ask))


def test_collect_whose_silence_leads_back_to_itself_is_refused_at_on_silence(tmp_path: Path) -> None:
    path = _flow(tmp_path, "  start:\n    type: collect\n    variable: x\n    prompt: enter_account\n"
                           "    next: done\n    on_silence: say\n    fallback: done\n"
                           "  say:\n    type: say\n    kind: number\n    value: '{x}'\n    next: start\n")
    [issue] = issues_of(path)
    assert (issue.line, issue.col) == (9, 17)
    assert "goes round start -> say -> start forever" in issue.message


def test_misspelt_lookup_branch_is_pointed_at_with_a_guess(tmp_path: Path) -> None:
    path = _flow(tmp_path, "  start:\n    type: lookup\n    source: customer_db\n    found: done\n"
                           "    not_found: dnoe\n    failure: done\n")
    [issue] = issues_of(path)
    assert (issue.line, issue.col, issue.hint) == (8, 16, "did you mean 'done'?")


def test_new_kinds_prompts_must_have_recordings(tmp_path: Path) -> None:
    path = _flow(tmp_path, "  start:\n    type: collect\n    variable: x\n    prompt: enter_acount\n"
                           "    confirm: true\n    confirm_prompt: confirm_entri\n    next: done\n    fallback: done\n")
    assert [i.message.split(" of ")[0] for i in issues_of(path, SOUNDS)] == [
        "prompt 'enter_acount'", "prompt 'confirm_entri'"]


def test_goto_to_a_flow_that_does_not_exist_is_reported_by_load_flows(tmp_path: Path) -> None:
    from ivr.loader import load_flows

    _flow(tmp_path, "  start:\n    type: goto\n    flow: biling\n    fallback: done\n", "a.yaml", "main")
    _flow(tmp_path, "  start:\n    type: goto\n    flow: main\n    node: nowhere\n    fallback: done\n", "b.yaml",
          "billing")
    flows, issues = load_flows(tmp_path)
    assert set(flows) == {"main", "billing"}
    assert [(Path(i.file).name, i.line, i.message, i.hint) for i in issues] == [
        ("a.yaml", 6, "flow 'biling' does not exist", "did you mean 'billing'?"),
        ("b.yaml", 7, "in flow 'main', node 'nowhere' does not exist", "use one of: done, start")]


def test_the_commented_example_in_docs_ivr_md_validates(tmp_path: Path) -> None:
    text = (REPO / "docs" / "ivr.md").read_text(encoding="utf-8")
    example = text.split("## A complete example, commented")[1].split("```yaml")[1].split("```")[0]
    assert len(load_flow(write(tmp_path, example), SOUNDS).nodes) == 17
