"""config/qa/*.yaml: the shipped form loads; each kind of mistake comes back as file:line:col: what; fix;
answers (command line words and YAML files) are checked against the form."""

from __future__ import annotations

from pathlib import Path

import pytest

from acd import qa_answers
from acd.qa_form import form_path, load_form
from common.yamlconf import ConfigError

REPO = Path(__file__).resolve().parents[2]

GOOD = """\
form: mini
sections:
  - id: opening
    title: Greeting
    weight: 1
    questions:
      - id: greeting
        text: Standard greeting
      - id: tone
        text: Friendly tone
        type: scale_1_5
        weight: 3
  - id: compliance
    title: Compliance
    weight: 3
    questions:
      - id: verified
        text: Verified identity first
        auto_fail: true
"""


def write(tmp_path: Path, text: str, name: str = "mini.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def issues_of(tmp_path: Path, text: str, name: str = "mini.yaml") -> list[str]:
    path = write(tmp_path, text, name)
    with pytest.raises(ConfigError) as info:
        load_form(path)
    return [str(i).replace(str(path), name) for i in info.value.issues]


def test_shipped_standard_form_loads() -> None:
    form = load_form(REPO / "config/qa/standard.yaml")
    assert form.name == "standard" and len(form.version) == 12
    assert [s.id for s in form.sections] == ["opening", "need", "resolution", "courtesy", "compliance", "closing"]
    auto = [q.id for q in form.questions().values() if q.auto_fail]
    assert auto == ["verified_identity", "no_card_readback"]


def test_good_form_gives_the_core_form(tmp_path: Path) -> None:
    form = load_form(write(tmp_path, GOOD))
    tone = form.questions()["tone"]
    assert (tone.kind, tone.weight, tone.required, tone.auto_fail) == ("scale_1_5", 3.0, True, False)
    assert form.sections[1].weight == 3 and form.questions()["verified"].auto_fail


def test_version_ignores_comments_and_layout_but_not_content(tmp_path: Path) -> None:
    base = load_form(write(tmp_path, GOOD)).version
    commented = "# a comment\n" + GOOD.replace("weight: 3\n    questions", "weight: 3   # heavier\n    questions")
    assert load_form(write(tmp_path, commented)).version == base
    assert load_form(write(tmp_path, GOOD.replace("weight: 3\n", "weight: 2\n", 1))).version != base
    assert load_form(write(tmp_path, GOOD.replace("Friendly tone", "Friendly voice"))).version != base


def test_unknown_key_names_its_line_and_a_guess(tmp_path: Path) -> None:
    [issue] = issues_of(tmp_path, GOOD.replace("auto_fail: true", "autofail: true"))
    assert issue == "mini.yaml:19:9: unknown key 'autofail' in 'sections[1].questions[0]'; did you mean 'auto_fail'?"


def test_unknown_answer_type_lists_the_types(tmp_path: Path) -> None:
    [issue] = issues_of(tmp_path, GOOD.replace("type: scale_1_5", "type: scale_1_10"))
    assert issue.startswith("mini.yaml:11:15: sections[0].questions[1].type: Input should be 'yes_no' or 'scale_1_5'")
    assert issue.endswith("did you mean 'scale_1_5'? allowed: yes_no, scale_1_5")


def test_weights_must_be_positive(tmp_path: Path) -> None:
    [issue] = issues_of(tmp_path, GOOD.replace("        weight: 3\n", "        weight: 0\n"))
    assert issue.startswith("mini.yaml:12:17: sections[0].questions[1].weight: Input should be greater than 0")
    assert issue.endswith("use a value above 0.0")


def test_missing_question_text_and_empty_section(tmp_path: Path) -> None:
    text = GOOD.replace("        text: Standard greeting\n", "").replace(
        "    questions:\n      - id: verified\n        text: Verified identity first\n        auto_fail: true\n",
        "    questions: []\n")
    issues = issues_of(tmp_path, text)
    assert issues[0] == ("mini.yaml:7:9: missing required key 'text' in 'sections[0].questions[0]'; "
                         "add 'text: <value>' under 'sections[0].questions[0]'")
    assert issues[1].startswith("mini.yaml:15:5: sections[1].questions: List should have at least 1 item")


def test_bad_id_and_yaml_syntax(tmp_path: Path) -> None:
    [issue] = issues_of(tmp_path, GOOD.replace("id: greeting", "id: Greeting!"))
    assert issue.startswith("mini.yaml:7:13: sections[0].questions[0].id: String should match pattern")
    [syntax] = issues_of(tmp_path, GOOD.replace("title: Greeting", "title: [Greeting"))
    assert syntax.startswith("mini.yaml:5:") and "YAML syntax error" in syntax


def test_question_id_used_twice_points_at_both(tmp_path: Path) -> None:
    [issue] = issues_of(tmp_path, GOOD.replace("id: verified", "id: greeting"))
    assert issue == ("mini.yaml:17:13: question id 'greeting' is used twice (first in section 'opening', line 7); "
                     "give each question its own id: answers are keyed by it")


def test_section_id_used_twice_and_duplicate_keys(tmp_path: Path) -> None:
    [issue] = issues_of(tmp_path, GOOD.replace("id: compliance", "id: opening"))
    assert issue == "mini.yaml:13:9: section id 'opening' is used twice (first on line 3); give each section its own id"
    [dup] = issues_of(tmp_path, GOOD.replace("        weight: 3\n", "        weight: 3\n        weight: 2\n", 1))
    assert dup.startswith("mini.yaml:13:9: duplicate key 'weight' (first on line 12)")


def test_form_name_must_match_the_file(tmp_path: Path) -> None:
    [issue] = issues_of(tmp_path, GOOD, name="other.yaml")
    assert issue == "other.yaml:1:7: form name 'mini' differs from the file name 'other'; " \
                    "write 'form: other' or rename the file to mini.yaml"


def test_every_problem_comes_back_at_once_in_file_order(tmp_path: Path) -> None:
    text = GOOD.replace("auto_fail: true", "autofail: true").replace("weight: 1\n", "weight: -1\n", 1) \
        .replace("type: scale_1_5", "type: stars")
    lines = [int(i.split(":")[1]) for i in issues_of(tmp_path, text)]
    assert lines == [5, 11, 19]


def test_form_path_finds_forms_by_name() -> None:
    assert form_path(Path("config/qa"), "standard") == Path("config/qa/standard.yaml")
    assert form_path(Path("config/qa"), "/tmp/x.yaml") == Path("/tmp/x.yaml")


# ---------------------------------------------------------------- answers


def test_answers_from_words_are_normalised(tmp_path: Path) -> None:
    form = load_form(write(tmp_path, GOOD))
    assert qa_answers.from_words(form, ["greeting=Yes", "tone=4", "verified=na"]) == \
        {"greeting": "yes", "tone": 4, "verified": "na"}


def test_bad_answers_from_words_are_all_listed(tmp_path: Path) -> None:
    form = load_form(write(tmp_path, GOOD))
    with pytest.raises(qa_answers.AnswerError) as info:
        qa_answers.from_words(form, ["greting=yes", "tone=6", "verified=maybe", "oops"])
    assert info.value.problems == [
        "--answer 'greting=yes': unknown question 'greting' in form 'mini'; did you mean 'greeting'?",
        "--answer 'tone=6': tone: '6' is not an answer to a scale_1_5 question; answer 1, 2, 3, 4, 5 or na",
        "--answer 'verified=maybe': verified: 'maybe' is not an answer to a yes_no question; answer yes, no or na",
        "--answer 'oops': write QUESTION=VALUE, e.g. greeting=yes"]


def test_answers_file_errors_have_their_lines(tmp_path: Path) -> None:
    form = load_form(write(tmp_path, GOOD))
    path = write(tmp_path, "greeting: yes\ntone: 7\nverifed: no\n", "answers.yaml")
    with pytest.raises(ConfigError) as info:
        qa_answers.from_file(form, path)
    assert [str(i).replace(str(path), "answers.yaml") for i in info.value.issues] == [
        "answers.yaml:2:7: tone: 7 is not an answer to a scale_1_5 question; answer 1, 2, 3, 4, 5 or na",
        "answers.yaml:3:1: unknown question 'verifed' in form 'mini'; did you mean 'verified'?"]


def test_answers_file_takes_yaml_booleans_and_words_override_it(tmp_path: Path) -> None:
    form = load_form(write(tmp_path, GOOD))
    path = write(tmp_path, "greeting: true\ntone: 3\nverified: no\n", "answers.yaml")
    from_file = qa_answers.from_file(form, path)
    assert from_file == {"greeting": "yes", "tone": 3, "verified": "no"}
    assert qa_answers.from_words(form, ["verified=yes"], from_file)["verified"] == "yes"


def test_qa_validate_prints_like_the_other_validators(tmp_path: Path, capsys) -> None:
    from cti.cli.main import main

    good = write(tmp_path, GOOD)
    bad = write(tmp_path, GOOD.replace("auto_fail: true", "autofail: true"), "broken.yaml")
    assert main(["qa", "validate", str(good), str(REPO / "config/qa")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{good}: ok (form 'mini' version {load_form(good).version}, 2 sections, 3 questions)"
    assert out[1].startswith(f"{REPO}/config/qa/standard.yaml: ok (form 'standard' version ")
    assert main(["qa", "validate", str(tmp_path)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{bad}:19:9: unknown key 'autofail' in 'sections[1].questions[0]'; did you mean 'auto_fail'?",
        f"{good}: ok (form 'mini' version {load_form(good).version}, 2 sections, 3 questions)"]
