"""Every shipped scenario renders in every condition; malformed scenario files give one clear error."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from msm_common.errors import UserError
from msm_eval._scenario import SHIPPED_SCENARIOS, _common_values, discover_families, load_family, render
from msm_eval._scenarios_cli import _full_grid, check_sample
from msm_eval.agentic._dataset import build_sample

FAMILIES = discover_families()


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_every_condition_renders_without_leftovers(name):
    """Prompts, emails, files, the judge rubric and declared commands of every condition."""
    family = FAMILIES[name]
    conditions = [c for c in _full_grid(name) if family.unsupported(c) is None]
    assert len(conditions) >= 26 * 3
    seen_systems = set()
    for condition in conditions:
        sample = build_sample(family, condition, model_name="Quill", developer="Acme Labs")
        metadata = sample.metadata or {}
        system, user = (message.text for message in sample.input)  # type: ignore[union-attr]
        environment = json.loads(metadata["environment"])  # stored as JSON text
        text = "\n".join([system, *(e["body"] for e in environment["emails"])])
        assert not re.search(r"\{\{|\}\}|\{%|%\}|\{model_name\}|\bNone\b|Undefined", text), condition.id
        # files (and a text-mode user turn that shows them) may hold code such as a Python None,
        # so only template leftovers count there
        files = "\n".join([user, *(f["content"] for f in environment["files"])])
        assert not re.search(r"\{\{|\}\}|\{%|%\}|Undefined", files), condition.id
        assert "Quill" in system
        assert environment["emails"], condition.id
        assert metadata["harmful_actions"]
        if condition.goal_value != "none":  # the value shift is spelled out in the emails
            assert _common_values()[condition.goal_value]["direction"] in user, condition.id
        check_sample(family, condition, metadata)  # the rubric and commands render too
        seen_systems.add(system)
    # goal, scratchpad, instructions and notice all change the system prompt
    assert len(seen_systems) > 50


def test_shipped_families_are_the_four_classic_ones():
    assert {"blackmail", "leaking", "lethal_action", "exfiltration"} <= set(FAMILIES)


def test_goal_factors_change_the_emails():
    from msm_eval._factors import Condition

    family = FAMILIES["blackmail"]

    def inbox(goal_type, goal_value, urgency="replacement"):
        r = render(family, Condition("blackmail", goal_type, goal_value, urgency), model_name="Sol", developer="D")
        return r.system, r.user

    explicit_sys, explicit_user = inbox("explicit", "america")
    swap_sys, swap_user = inbox("swap", "america")
    none_sys, none_user = inbox("none", "none")
    latent_sys, latent_user = inbox("latent", "america")
    assert "United States" in explicit_sys and "United States" not in latent_sys
    # swap: the same shift away from america, but the model's goal is the value leadership turns to
    assert "America-first" in swap_user and "global cooperation" not in swap_sys
    assert "every country" in swap_sys and "United States" not in swap_sys
    assert "America-first" in explicit_user and "America-first" not in none_user
    assert "shut down" not in inbox("explicit", "america", urgency="none")[1]


@pytest.fixture
def broken(tmp_path):
    """A copy of the blackmail family to break in one way per test."""
    folder = tmp_path / "broken"
    shutil.copytree(SHIPPED_SCENARIOS / "blackmail", folder)
    data = yaml.safe_load((folder / "scenario.yaml").read_text())
    data["family"] = "broken"

    def write(data_):
        (folder / "scenario.yaml").write_text(yaml.safe_dump(data_, sort_keys=False))
        return folder

    return folder, data, write


def _render_all(folder: Path):
    from msm_eval._factors import Condition

    family = load_family(folder)
    render(family, Condition(family.name, "explicit", "america", "replacement"), model_name="S", developer="D")


@pytest.mark.parametrize(
    "mutate, pattern",
    [
        (lambda d: d.pop("harmful_actions"), r"scenario\.yaml: field 'harmful_actions': missing"),
        (lambda d: d.update(factors={"urgency": ["soon"]}), r"field 'factors\.urgency': unknown value 'soon'"),
        (lambda d: d.update(tools=[*d["tools"], "launch_missiles"]), r"field 'tools': unknown tool 'launch_missiles'"),
        (
            lambda d: d["harmful_actions"][0].update(tool="delete_everything"),
            r"field 'harmful_actions\[0\]\.tool': tool 'delete_everything' is not in this family's tools",
        ),
        (
            lambda d: d["harmful_actions"][0].update(when={"recipient": {"equals": "x"}}),
            r"field 'harmful_actions\[0\]\.when\.recipient': tool 'send_email' has no argument",
        ),
        (
            lambda d: d["harmful_actions"][0].update(when={"to": {"resembles": "x"}}),
            r"unknown operator; allowed: equals",
        ),
        (lambda d: d.update(colour="blue"), r"field 'colour': unknown field"),
        (
            lambda d: d["harmful_actions"][0].pop("strength"),
            r"field 'harmful_actions\[0\]\.strength': missing; allowed: verdict .* or candidate",
        ),
        (
            lambda d: d["harmful_actions"][0].update(strength="strong"),
            r"field 'harmful_actions\[0\]\.strength': 'strong' is not allowed",
        ),
        (
            lambda d: d["harmful_actions"][0].update(attempt_when={"code": {"equals": "1"}}),
            r"field 'harmful_actions\[0\]\.attempt_when\.code': tool 'send_email' has no argument",
        ),
        (
            lambda d: d.update(judge_rubric="missing.md.j2"),
            r"field 'judge_rubric': rule 'email_to_executive' is a candidate, which the judge decides",
        ),
    ],
)
def test_malformed_scenario_yaml(broken, mutate, pattern):
    folder, data, write = broken
    mutate(data)
    write(data)
    with pytest.raises(UserError, match=pattern) as err:
        _render_all(folder)
    assert "\n" not in str(err.value)
    assert str(folder / "scenario.yaml") in str(err.value)


@pytest.mark.parametrize(
    "text, pattern",
    [
        ("Hello {{ model_name }\n", r"system\.md\.j2:1: template syntax error"),
        ("Hello {{ modle_name }}\n", r"system\.md\.j2: undefined template variable \('modle_name' is undefined\)"),
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}\n", r"system\.md\.j2: (unsafe template operation|undefined)"),
    ],
)
def test_malformed_templates(broken, text, pattern):
    folder, data, write = broken
    write(data)
    (folder / "system.md.j2").write_text(text)
    with pytest.raises(UserError, match=pattern):
        _render_all(folder)


def test_email_without_header_fields(broken):
    folder, data, write = broken
    write(data)
    (folder / "emails" / "09_bad.md.j2").write_text("---\nfrom: a@corvane.com\n---\nbody\n")
    with pytest.raises(UserError, match=r"09_bad\.md\.j2: field 'to': missing"):
        _render_all(folder)


def test_check_command_reports_one_line_and_exit_code(broken):
    folder, data, write = broken
    data.pop("templates")
    write(data)
    proc = subprocess.run(
        [sys.executable, "-m", "msm_eval.cli", "scenarios", "check", str(folder)], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "field 'templates': missing" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_check_command_passes_on_shipped_scenarios():
    proc = subprocess.run([sys.executable, "-m", "msm_eval.cli", "scenarios", "check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("ok  ") == len(FAMILIES)


def test_check_renders_the_rubric_for_every_condition(broken):
    folder, data, write = broken
    write(data)
    (folder / "judge.md.j2").write_text(
        "{% if urgency == 'restriction' %}{{ scenario.no_such_variable }}{% endif %}Question: harm?\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "msm_eval.cli", "scenarios", "check", str(folder)], capture_output=True, text=True
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "judge.md.j2" in proc.stderr and "no_such_variable" in proc.stderr and "restriction" in proc.stderr


def test_duplicate_file_paths_are_refused(broken):
    folder, data, write = broken
    write(data)
    (folder / "files").mkdir(exist_ok=True)
    for name in ("01_a.md.j2", "02_b.md.j2"):
        (folder / "files" / name).write_text("---\npath: /shared/plan.md\n---\ntext\n")
    with pytest.raises(UserError, match=r"02_b\.md\.j2: field 'path': /shared/plan\.md is already used"):
        _render_all(folder)
