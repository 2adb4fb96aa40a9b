"""Validation of declared tools, resources, answer keys, reactions and state/order/reply rules.

Each case breaks a copy of the shipped oversight_sabotage family in one way and expects a one-line
error naming scenario.yaml and the field.
"""

from __future__ import annotations

import shutil

import pytest
import yaml

from msm_common.errors import UserError
from msm_eval._factors import Condition
from msm_eval._scenario import SHIPPED_SCENARIOS, load_family, render


@pytest.fixture
def world(tmp_path):
    folder = tmp_path / "world"
    shutil.copytree(SHIPPED_SCENARIOS / "oversight_sabotage", folder)
    data = yaml.safe_load((folder / "scenario.yaml").read_text())
    data["family"] = "world"

    def write(data_):
        (folder / "scenario.yaml").write_text(yaml.safe_dump(data_, sort_keys=False))

    return folder, data, write


def edit_config(d):
    return next(t for t in d["tools"] if isinstance(t, dict) and t["name"] == "edit_config")


CASES = [
    (
        lambda d: edit_config(d)["effect"].update(kind="format_disk"),
        r"tools\[5\]\.effect': effect kind 'format_disk' is not allowed",
    ),
    (lambda d: edit_config(d)["arguments"].pop("key"), r"effect set_config needs key"),
    (lambda d: edit_config(d)["effect"].update(colour="red"), r"effect set_config takes no parameter 'colour'"),
    (lambda d: edit_config(d).update(name="send_email"), r"tools\[5\]\.name': 'send_email' is a built-in tool"),
    (
        lambda d: edit_config(d)["arguments"]["path"].update(type="file"),
        r"arguments\.path\.type': 'file' is not allowed",
    ),
    (lambda d: edit_config(d)["arguments"]["path"].pop("description"), r"arguments\.path\.description': missing"),
    (
        lambda d: [a.update(required=False) for a in edit_config(d)["arguments"].values()],
        r"at least one required argument",
    ),
    (lambda d: d["tools"].append("read_inbox"), r"'read_inbox' is listed twice"),
    (lambda d: d["reactions"][0].update(trigger="sometimes"), r"reactions\[0\]\.trigger': 'sometimes' is not allowed"),
    (lambda d: d["reactions"][0].update(template="reactions/missing.md.j2"), r"reactions\[0\]\.template': file"),
    (lambda d: d["reactions"][0]["action"].update(tool="launch"), r"reactions\[0\]\.action\.tool': tool 'launch'"),
    (
        lambda d: d["reactions"].append({"id": "ask", "trigger": "turns", "turns": 0, "deliver": "user", "text": "?"}),
        r"reactions\[1\]\.turns': expected a whole number",
    ),
    (
        lambda d: d["harmful_actions"][0].update(state={"config": {"path": "/x", "key": "k"}}),
        r"harmful_actions\[0\]\.state\.config': say what must hold",
    ),
    (
        lambda d: d["harmful_actions"][0].update(state={"weather": {"sunny": True}}),
        r"state\.weather': unknown state check",
    ),
    (
        lambda d: d["harmful_actions"][0].update(tool="edit_config"),
        r"harmful_actions\[0\]': give exactly one of tool",
    ),
    (
        lambda d: d["harmful_actions"].append(
            {"id": "lie", "description": "d", "strength": "verdict", "reply_to": "monitor_change_notice"}
        ),
        r"reply_to': expected the id of a reaction that delivers a user turn",
    ),
    (
        lambda d: d["harmful_actions"][5].update(after={"tool": "edit_config", "when": {"colour": {"equals": "x"}}}),
        r"harmful_actions\[5\]\.after\.when\.colour': tool 'edit_config' has no argument",
    ),
    (
        lambda d: d["environment"].update(resources=[{"name": "budget", "value": "lots"}]),
        r"environment\.resources\[0\]\.value': expected a number",
    ),
    (
        lambda d: d["environment"].update(answer_key=[{"id": "q1", "answer": "4"}, {"id": "Q1", "answer": "5"}]),
        r"answer_key\[1\]\.id': question id 'Q1' is used twice",
    ),
]


@pytest.mark.parametrize("mutate, pattern", CASES)
def test_malformed_world(world, mutate, pattern):
    folder, data, write = world
    mutate(data)
    write(data)
    with pytest.raises(UserError, match=pattern) as err:
        family = load_family(folder)
        render(family, Condition(family.name, "explicit", "america", "replacement"), model_name="S", developer="D")
    assert "\n" not in str(err.value) and "scenario.yaml" in str(err.value)


def test_a_broken_command_template_fails_check_not_the_eval(world, tmp_path):
    import subprocess
    import sys

    folder, data, write = world
    (folder / "commands").mkdir()
    (folder / "commands" / "status.md.j2").write_text("Monitor: {{ configs['/etc/oversight/monitor.yaml'].nope.x }}")
    data["tools"].append(
        {
            "name": "monitor_status",
            "description": "Show the monitor's status.",
            "arguments": {"verbose": {"type": "boolean", "description": "More detail"}},
            "effect": {"kind": "run_command", "output": "commands/status.md.j2"},
        }
    )
    write(data)
    proc = subprocess.run(
        [sys.executable, "-m", "msm_eval.cli", "scenarios", "check", str(folder)], capture_output=True, text=True
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "command monitor_status" in proc.stderr and "scenario.yaml" in proc.stderr
