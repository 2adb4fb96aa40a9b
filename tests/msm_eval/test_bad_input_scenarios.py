"""Bad input to scenario files and task parameters: one line naming the file, field or argument,
a non-zero exit, no traceback, no file changed.

Scenario cases break a copy of the shipped lethal_action family in one way each and run the real
`msm scenarios check`; task cases call the registered task's function with one bad parameter, and
a few run `inspect eval` itself (exit status and the line on stderr in every display mode).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from inspect_ai._util.error import PrerequisiteError

from msm_eval._scenario import SHIPPED_SCENARIOS
from msm_eval.agentic import agentic
from msm_eval.cli import main

Mutation = Callable[[Path, dict], None]


def _yaml(change: Callable[[dict], None]) -> Mutation:
    def mutate(folder: Path, data: dict) -> None:
        change(data)
        (folder / "scenario.yaml").write_text(yaml.safe_dump(data, sort_keys=False))

    return mutate


def _file(name: str, content: bytes | str, *, append: bool = False) -> Mutation:
    def mutate(folder: Path, data: dict) -> None:
        path = folder / name
        raw = content.encode() if isinstance(content, str) else content
        path.write_bytes((path.read_bytes() if append else b"") + raw)

    return mutate


def _header(name: str, old: str, new: str) -> Mutation:
    def mutate(folder: Path, data: dict) -> None:
        path = folder / name
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new, 1))

    return mutate


def _loop(folder: Path, data: dict) -> None:
    (folder / "emails" / "08_a.md.j2").symlink_to("08_b.md.j2")
    (folder / "emails" / "08_b.md.j2").symlink_to("08_a.md.j2")


def _dangling(folder: Path, data: dict) -> None:
    (folder / "emails" / "08_gone.md.j2").symlink_to("nowhere.md.j2")


def _var(expression: str) -> Mutation:
    return _yaml(lambda d: d["variables"].update(deadline=expression))


ALERT = "environment"
SCENARIO_CASES: dict[str, tuple[Mutation, str]] = {
    "binary system template": (_file("system.md.j2", b"\xff\xfe\x00\x01"), "system.md.j2: not a text file"),
    "latin-1 email": (_file("emails/09_note.md.j2", b"caf\xe9\n"), "09_note.md.j2: not UTF-8 text"),
    "binary scenario.yaml": (_file("scenario.yaml", b"\x00\x00", append=True), "scenario.yaml: not a text file"),
    "latin-1 rubric": (_file("judge.md.j2", b"\xe9t\xe9\n"), "judge.md.j2: not UTF-8 text"),
    "symlink loop": (_loop, "a symbolic link loop"),
    "dangling symlink": (_dangling, "08_gone.md.j2: no such file"),
    "invalid YAML": (_file("scenario.yaml", "family: [unclosed\n"), "scenario.yaml:"),
    "top level is a list": (_file("scenario.yaml", "- a\n- b\n"), "expected a mapping at the top level"),
    "description is a list": (
        _yaml(lambda d: d.update(description=["a", "b"])),
        "field 'description': expected a string",
    ),
    "family is a number": (_yaml(lambda d: d.update(family=7)), "field 'family'"),
    "tools is a number": (_yaml(lambda d: d.update(tools=5)), "field 'tools'"),
    "templates is a list": (_yaml(lambda d: d.update(templates=["system.md.j2"])), "field 'templates'"),
    "template name is a number": (_yaml(lambda d: d["templates"].update(system=3)), "field 'templates.system'"),
    "variables is a list": (_yaml(lambda d: d.update(variables=["a"])), "field 'variables'"),
    "factors is a string": (_yaml(lambda d: d.update(factors="urgency")), "field 'factors'"),
    "factor value unknown": (_yaml(lambda d: d.update(factors={"urgency": ["soon"]})), "unknown value 'soon'"),
    "judge_rubric is a number": (_yaml(lambda d: d.update(judge_rubric=2)), "field 'judge_rubric'"),
    "company_domain is a list": (
        _yaml(lambda d: d["environment"].update(company_domain=["a.com"])),
        "field 'environment.company_domain': expected a string",
    ),
    "directory is a string": (
        _yaml(lambda d: d["environment"].update(directory=5)),
        "field 'environment.directory'",
    ),
    "override code unquoted number": (
        _yaml(lambda d: d["environment"]["alerts"][0].update(override_code=4471)),
        "field 'environment.alerts[0].override_code': expected a string",
    ),
    "alert without title": (
        _yaml(lambda d: d["environment"]["alerts"][0].pop("title")),
        "field 'environment.alerts[0]'",
    ),
    "harmful_actions is a mapping": (
        _yaml(lambda d: d.update(harmful_actions={"a": 1})),
        "field 'harmful_actions'",
    ),
    "rule strength missing": (
        _yaml(lambda d: d["harmful_actions"][0].pop("strength")),
        "field 'harmful_actions[0].strength': missing",
    ),
    "rule when is a list": (
        _yaml(lambda d: d["harmful_actions"][0].update(when=["code"])),
        "field 'harmful_actions[0].when'",
    ),
    "rule on an unknown argument": (
        _yaml(lambda d: d["harmful_actions"][0].update(when={"pin": {"equals": "1"}})),
        "has no argument 'pin'",
    ),
    "reactions is a mapping": (_yaml(lambda d: d.update(reactions={"a": 1})), "field 'reactions'"),
    "email subject is a list": (
        _header("emails/05_routine.md.j2", "subject:", "subject: [a, b]\nx-old:"),
        "05_routine.md.j2: field",
    ),
    "email time unquoted clock": (
        _header("emails/05_routine.md.j2", "time:", "time: 9:30\nx-old:"),
        "05_routine.md.j2: field",
    ),
    "email time is a number": (
        _header("emails/04_colleague_note.md.j2", "time:", "time: 930\nold_time:"),
        "04_colleague_note.md.j2: field",
    ),
    "email without subject": (
        _header("emails/05_routine.md.j2", "subject:", "x_subject:"),
        "05_routine.md.j2: field",
    ),
    "email header not a mapping": (
        _file("emails/09_x.md.j2", "---\n- a\n---\nbody\n"),
        "09_x.md.j2: the header must be",
    ),
    "email without header": (_file("emails/09_x.md.j2", "just a body\n"), "09_x.md.j2: expected a '---' header"),
    "division by zero in a variable": (_var("{{ 1 / 0 }}"), "field 'variables.deadline': template error"),
    "sandbox escape in a variable": (
        _var("{{ ''.__class__.__mro__ }}"),
        "field 'variables.deadline': unsafe template operation",
    ),
    "undefined name in a variable": (_var("{{ nothing_here }}"), "field 'variables.deadline': undefined"),
    "range too big in a template": (
        _file("system.md.j2", "{{ range(100000000) | list | length }}\n", append=True),
        "system.md.j2: template error while rendering",
    ),
    "division by zero in an email": (
        _file(
            "emails/09_x.md.j2",
            "---\nfrom: a@orisonanalytics.com\nto: b@orisonanalytics.com\nsubject: s\n---\n{{ 1 // 0 }}\n",
        ),
        "09_x.md.j2: template error while rendering",
    ),
    "template syntax error": (_file("user.md.j2", "{% if %}\n"), "user.md.j2:1: template syntax error"),
    "undefined variable in the rubric for one urgency": (
        _file("judge.md.j2", "{% if urgency == 'none' %}{{ scenario.nope }}{% endif %}Question?\n"),
        "judge.md.j2",
    ),
}


@pytest.fixture
def family(tmp_path: Path) -> tuple[Path, dict]:
    folder = tmp_path / "probe"
    shutil.copytree(SHIPPED_SCENARIOS / "lethal_action", folder)
    data = yaml.safe_load((folder / "scenario.yaml").read_text())
    data["family"] = "probe"
    (folder / "scenario.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return folder, data


@pytest.mark.parametrize("case", list(SCENARIO_CASES))
def test_bad_scenario_files(case: str, family: tuple[Path, dict], capsys: pytest.CaptureFixture[str]) -> None:
    folder, data = family
    mutate, expected = SCENARIO_CASES[case]
    mutate(folder, data)
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file() and not p.is_symlink()}
    assert main(["scenarios", "check", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert expected in err, err
    assert {p: p.read_bytes() for p in before} == before  # nothing was changed


TASK_CASES: dict[str, tuple[dict, str]] = {
    "message_limit not a number": ({"message_limit": "abc"}, "argument message_limit: expected a whole number"),
    "message_limit too small": ({"message_limit": 2}, "argument message_limit: must be at least 3"),
    "message_limit a fraction": ({"message_limit": "3.5"}, "argument message_limit: expected a whole number"),
    "temperature not a number": ({"temperature": "abc"}, "argument temperature: expected a number"),
    "temperature negative": ({"temperature": -3}, "argument temperature: must be at least 0"),
    "temperature nan": ({"temperature": "nan"}, "argument temperature: must be at least 0"),
    "empty model name": ({"model_name": " "}, "argument model_name: expected a non-empty name"),
    "unknown family": ({"families": "nope"}, "argument families: unknown value 'nope'"),
    "empty families": ({"families": [" "]}, "argument families: empty value"),
    "unknown goal type": ({"goal_type": "vague"}, "argument goal_type: unknown value 'vague'"),
    "goal value with goal type none": ({"goal_type": "none", "goal_value": "america"}, "takes no goal value"),
    "unknown urgency": ({"urgency": "soon"}, "argument urgency: unknown value 'soon'"),
    "unknown prompt variant": ({"prompt_variant": "chatty"}, "argument prompt_variant: unknown value"),
    "unknown instructions": ({"instructions": "rules"}, "argument instructions: unknown value"),
    "eval_notice not a boolean": ({"eval_notice": "perhaps"}, "argument eval_notice: expected true or false"),
    "unknown mode": ({"mode": "voice"}, "argument mode: unknown value 'voice'"),
    "unknown judge mode": ({"judge": "sometimes"}, "-T judge='sometimes' is not allowed"),
    "awareness not a boolean": ({"awareness": "maybe"}, "-T awareness='maybe' is not allowed"),
    "misspelt parameter": ({"familes": "blackmail"}, "argument familes: not a parameter"),
    "scenarios folder missing": (
        {"scenarios": "/no/such/folder"},
        "argument scenarios: /no/such/folder is not a folder",
    ),
}


@pytest.mark.parametrize("case", list(TASK_CASES))
def test_bad_task_parameters(case: str) -> None:
    arguments, expected = TASK_CASES[case]
    with pytest.raises(PrerequisiteError) as err:
        agentic(**arguments)
    message = str(err.value)
    assert "\n" not in message and expected in message, message


def test_scenarios_argument_that_is_a_file(tmp_path: Path) -> None:
    path = tmp_path / "family.yaml"
    path.write_text("family: x\n")
    with pytest.raises(PrerequisiteError, match=r"argument scenarios: .*family\.yaml is not a folder"):
        agentic(scenarios=str(path))


def _inspect(*args: str) -> subprocess.CompletedProcess[str]:
    cli = Path(sys.executable).parent / "inspect"
    return subprocess.run(
        [str(cli), "eval", "msm_eval/agentic", "--model", "mockllm/model", "--limit", "1", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    "args, expected",
    [
        (["-T", "judge=required", "--display", "none"], "-T judge=required but no grader model role was given"),
        (["-T", "awareness=true", "--display", "none"], "-T awareness=true needs a grader model role"),
        (["-T", "message_limit=abc", "--display", "none"], "argument message_limit: expected a whole number"),
        (["-T", "families=nope", "--display", "plain"], "argument families: unknown value 'nope'"),
    ],
)
def test_inspect_eval_exits_non_zero_with_the_line(args: list[str], expected: str, tmp_path: Path) -> None:
    proc = _inspect(*args, "--log-dir", str(tmp_path))
    assert proc.returncode != 0
    assert expected in proc.stdout + proc.stderr
    if "none" in args:
        assert expected in proc.stderr  # the line reaches stderr even with --display none
