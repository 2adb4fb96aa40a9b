"""Every bad input to `msm report`, `msm rescore`, `msm demo` and `msm models` is one line.

Each case runs the CLI in a workspace built in tmp_path and checks: exit code 2, exactly one line
on stderr that names the argument or file, no traceback, nothing printed as a result, and not one
file or folder of the workspace created, changed or removed. No case reaches a model or an eval.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from inspect_ai import Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.scorer import match

import msm_eval  # noqa: F401  (offline tiktoken for mockllm)
from msm_eval.agentic import agentic
from msm_eval.cli import main
from msm_eval.models import default_model_dir
from msm_eval.models._pull import MANIFEST

HUB_NAME = "hf/HuggingFaceTB/SmolLM2-135M-Instruct"


@pytest.fixture(scope="module")
def made_logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One finished msm_eval/agentic log (mockllm, one sample) and one log of a foreign task."""
    folder = tmp_path_factory.mktemp("made_logs")
    task = agentic(families="lethal_action", goal_type="explicit", goal_value="america", urgency="replacement")
    [log] = eval(task, model="mockllm/model", log_dir=str(folder / "agentic"), display="none")
    assert log.status == "success", log.error
    [foreign] = eval(
        Task(dataset=[Sample(input="hi", target="x")], scorer=match()),
        model="mockllm/model",
        log_dir=str(folder / "foreign"),
        display="none",
    )
    return {"agentic": Path(log.location), "foreign": Path(foreign.location)}


@dataclass
class Workspace:
    root: Path
    log: Path  # a finished msm_eval/agentic log
    foreign: Path  # a finished log of another task
    file: Path  # a regular file where a folder is expected
    locked: Path  # a folder nobody may write into (see the `locked` fixture)
    home: Path  # MSM_HOME

    def __truediv__(self, name: str) -> Path:
        return self.root / name


@pytest.fixture
def ws(tmp_path: Path, made_logs: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> Workspace:
    root = tmp_path / "ws"
    (root / "logs").mkdir(parents=True)
    log = root / "logs" / made_logs["agentic"].name
    shutil.copy(made_logs["agentic"], log)
    foreign = root / "foreign.eval"
    shutil.copy(made_logs["foreign"], foreign)
    file = root / "notes.txt"
    file.write_text("keep me\n")
    (root / "empty").mkdir()
    (root / "garbage.eval").write_text("not a log")
    (root / "config.json").write_text('{"not": "a log"}')
    (root / "no_model").mkdir()
    (root / "no_model" / "README.md").write_text("no config.json here")
    (root / "taken" / "report.md").mkdir(parents=True)  # report.md is a folder: writing it fails
    locked = root / "locked"
    locked.mkdir()
    home = root / "home"
    home.mkdir()
    monkeypatch.setenv("MSM_HOME", str(home))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # the Hub is never asked, whatever the network
    # Not writable, even for root: the check asks os.access, which root would pass.
    real_access = os.access

    def access(path: object, mode: int, *args: object, **kwargs: object) -> bool:
        if Path(str(path)).resolve() == locked.resolve() and mode & os.W_OK:
            return False
        return real_access(path, mode, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "access", access)
    return Workspace(root, log, foreign, file, locked, home)


def corrupt_manifest(ws: Workspace, text: str) -> None:
    folder = default_model_dir()  # under MSM_HOME, i.e. inside the workspace
    folder.mkdir(parents=True)
    (folder / MANIFEST).write_text(text)


def not_in_hub_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("msm_eval.models._names._in_hub_cache", lambda repo_id: False)


@dataclass
class Case:
    id: str
    argv: Callable[[Workspace], list[str]]
    says: Callable[[Workspace], list[str]]  # substrings the error line must hold
    setup: Callable[[Workspace], None] | None = None
    patch: Callable[[pytest.MonkeyPatch], None] | None = None
    marks: list[pytest.MarkDecorator] = field(default_factory=list)


CASES = [
    # ---- msm report -----------------------------------------------------------------------
    Case(
        "report-out-is-a-file",
        lambda w: ["report", str(w.log), "--out", str(w.file)],
        lambda w: ["argument --out", str(w.file), "is a file, not a folder"],
    ),
    Case(
        "report-out-under-a-file",
        lambda w: ["report", str(w.log), "--out", str(w.file / "report")],
        lambda w: ["argument --out", str(w.file), "is a file, so"],
    ),
    Case(
        "report-out-not-writable",
        lambda w: ["report", str(w.log), "--out", str(w.locked / "report")],
        lambda w: ["argument --out", str(w.locked), "not writable"],
    ),
    Case(
        "report-out-file-is-a-folder",
        lambda w: ["report", str(w.log), "--out", str(w / "taken")],
        lambda w: ["argument --out", str(w / "taken" / "report.md"), "is a folder"],
    ),
    Case(
        "report-out-late-file-is-a-folder",
        lambda w: ["report", str(w.log), "--out", str(w / "late")],
        lambda w: ["argument --out", str(w / "late" / "report.html"), "is a folder"],
        setup=lambda w: (w / "late" / "report.html").mkdir(parents=True),  # nothing is written before it
    ),
    Case(
        "report-eval-not-a-log",
        lambda w: ["report", str(w / "garbage.eval"), "--out", str(w / "r")],
        lambda w: ["garbage.eval", "not a readable Inspect log"],
    ),
    Case(
        "report-json-not-a-log",
        lambda w: ["report", str(w / "config.json"), "--out", str(w / "r")],
        lambda w: ["config.json", "not a readable Inspect log"],
    ),
    Case(
        "report-empty-folder",
        lambda w: ["report", str(w / "empty"), "--out", str(w / "r")],
        lambda w: [str(w / "empty"), "no Inspect logs"],
    ),
    Case(
        "report-text-file",
        lambda w: ["report", str(w.file), "--out", str(w / "r")],
        lambda w: ["notes.txt", "expected a .eval or .json file"],
    ),
    Case(
        "report-missing-path",
        lambda w: ["report", str(w / "nowhere"), "--out", str(w / "r")],
        lambda w: ["nowhere", "no such file or folder"],
    ),
    Case(
        "report-foreign-log",
        lambda w: ["report", str(w.log), str(w.foreign), "--out", str(w / "r")],
        lambda w: ["foreign.eval", "not an msm_eval agentic log"],
    ),
    Case(
        "report-by-unknown",
        lambda w: ["report", str(w.log), "--by", "model,colour", "--out", str(w / "r")],
        lambda w: ["--by colour", "choose from"],
    ),
    Case(
        "report-baseline-unknown",
        lambda w: ["report", str(w.log), "--baseline", "gamma", "--out", str(w / "r")],
        lambda w: ["--baseline 'gamma'", "no such model"],
    ),
    Case(
        "report-label-malformed",
        lambda w: ["report", str(w.log), "--label", "oops", "--out", str(w / "r")],
        lambda w: ["--label 'oops'", "PATH=NAME"],
    ),
    Case(
        "report-unknown-option",
        lambda w: ["report", str(w.log), "--colour", "red", "--out", str(w / "r")],
        lambda w: ["unrecognized arguments: --colour red", "msm report --help"],
    ),
    Case(
        "report-no-logs",
        lambda w: ["report"],
        lambda w: ["LOG_OR_DIR", "msm report --help"],
    ),
    # ---- msm rescore ----------------------------------------------------------------------
    Case(
        "rescore-out-is-a-file",
        lambda w: ["rescore", str(w.log), "--out", str(w.file)],
        lambda w: ["argument --out", str(w.file), "is a file, not a folder"],
    ),
    Case(
        "rescore-out-not-writable",
        lambda w: ["rescore", str(w.log), "--out", str(w.locked)],
        lambda w: ["argument --out", str(w.locked), "not writable"],
    ),
    Case(
        "rescore-grader-no-provider",
        lambda w: ["rescore", str(w.log), "--out", str(w / "new"), "--grader", "smollm"],
        lambda w: ["argument --grader", "'smollm' names no provider", "mockllm/model"],
    ),
    Case(
        "rescore-grader-unknown-provider",
        lambda w: ["rescore", str(w.log), "--out", str(w / "new"), "--grader", "nosuch/model"],
        lambda w: ["argument --grader", "unknown provider 'nosuch'", "anthropic", "openai"],
    ),
    Case(
        "rescore-not-a-log",
        lambda w: ["rescore", str(w / "garbage.eval"), "--out", str(w / "new")],
        lambda w: ["garbage.eval", "not a readable Inspect log"],
    ),
    Case(
        "rescore-judge-bad-choice",
        lambda w: ["rescore", str(w.log), "--out", str(w / "new"), "--judge", "sometimes"],
        lambda w: ["argument --judge", "'sometimes'", "msm rescore --help"],
    ),
    Case(
        "rescore-no-out",
        lambda w: ["rescore", str(w.log)],
        lambda w: ["--out", "required"],
    ),
    # ---- msm demo -------------------------------------------------------------------------
    Case(
        "demo-log-dir-is-a-file",
        lambda w: ["demo", "--model", "mockllm/model", "--log-dir", str(w.file)],
        lambda w: ["argument --log-dir", str(w.file), "is a file, not a folder"],
    ),
    Case(
        "demo-log-dir-not-writable",
        lambda w: ["demo", "--model", "mockllm/model", "--log-dir", str(w.locked / "logs")],
        lambda w: ["argument --log-dir", str(w.locked), "not writable"],
    ),
    Case(
        "demo-model-no-provider",
        lambda w: ["demo", "--model", "smollm", "--log-dir", str(w / "logs")],
        lambda w: [
            "argument --model",
            "'smollm' names no provider",
            "PROVIDER/MODEL",
            "embedded default model",
            "hf/<local model folder>",
            "mockllm/model",
        ],
    ),
    Case(
        "demo-model-unknown-provider",
        lambda w: ["demo", "--model", "nosuch/model", "--log-dir", str(w / "logs")],
        lambda w: ["argument --model", "unknown provider 'nosuch'", "hf,", "mockllm", "embedded default model"],
    ),
    Case(
        "demo-model-hub-name-offline",
        lambda w: ["demo", "--model", HUB_NAME, "--log-dir", str(w / "logs")],
        lambda w: ["argument --model", HUB_NAME, "no network", "embedded default model", "mockllm/model"],
        patch=not_in_hub_cache,
    ),
    Case(
        "demo-model-missing-folder",
        lambda w: ["demo", "--model", f"hf/{w / 'no_such_folder'}", "--log-dir", str(w / "logs")],
        lambda w: ["argument --model", "no such model folder", "no_such_folder"],
    ),
    Case(
        "demo-model-folder-without-config",
        lambda w: ["demo", "--model", f"hf/{w / 'no_model'}", "--log-dir", str(w / "logs")],
        lambda w: ["argument --model", str(w / "no_model"), "no config.json"],
    ),
    Case(
        "demo-model-empty-after-provider",
        lambda w: ["demo", "--model", "hf/", "--log-dir", str(w / "logs")],
        lambda w: ["argument --model", "names no model"],
    ),
    Case(
        "demo-limit-zero",
        lambda w: ["demo", "--model", "mockllm/model", "--limit", "0", "--log-dir", str(w / "logs")],
        lambda w: ["argument --limit", "at least 1"],
    ),
    Case(
        "demo-limit-not-a-number",
        lambda w: ["demo", "--limit", "four", "--log-dir", str(w / "logs")],
        lambda w: ["argument --limit", "'four'", "msm demo --help"],
    ),
    # ---- msm models -----------------------------------------------------------------------
    Case(
        "models-list-corrupt-manifest",
        lambda w: ["models", "list"],
        lambda w: [str(default_model_dir() / MANIFEST), "not valid JSON", "msm models pull smollm2-135m --force"],
        setup=lambda w: corrupt_manifest(w, '{"name": "smollm2-135m", "source": '),
    ),
    Case(
        "models-list-manifest-without-source",
        lambda w: ["models", "list"],
        lambda w: [str(default_model_dir() / MANIFEST), "source.distribution", "--force"],
        setup=lambda w: corrupt_manifest(w, json.dumps({"name": "smollm2-135m"})),
    ),
    Case(
        "models-list-manifest-not-text",
        lambda w: ["models", "list"],
        lambda w: [str(default_model_dir() / MANIFEST), "binary data"],
        setup=lambda w: corrupt_manifest(w, "\x00\x01garbage"),
    ),
    Case(
        "models-pull-unknown-name",
        lambda w: ["models", "pull", "gpt-17", "--out", str(w / "m")],
        lambda w: ["unknown model 'gpt-17'", "smollm2-135m"],
    ),
    Case(
        "models-pull-out-is-a-file",
        lambda w: ["models", "pull", "--out", str(w.file), "--force"],
        lambda w: ["argument --out", str(w.file), "is a file, not a folder"],
    ),
    Case(
        "models-pull-out-not-writable",
        lambda w: ["models", "pull", "--out", str(w.locked / "m")],
        lambda w: ["argument --out", str(w.locked), "not writable"],
    ),
    Case(
        "models-pull-unknown-option",
        lambda w: ["models", "pull", "--out", str(w / "m"), "--fast"],
        lambda w: ["unrecognized arguments: --fast", "msm models pull --help"],
    ),
    Case(
        "models-no-subcommand",
        lambda w: ["models"],
        lambda w: ["SUBCOMMAND", "msm models --help"],
    ),
]


def snapshot(root: Path) -> dict[str, str]:
    """Every file and folder under root, with each file's content hash and modification time."""
    state: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        if path.is_dir():
            state[key] = "dir"
        else:
            state[key] = f"{hashlib.sha256(path.read_bytes()).hexdigest()} {path.stat().st_mtime_ns}"
    return state


def run_cli(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exit:  # argparse's own errors
        return int(exit.code or 0)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=c.marks) for c in CASES])
def test_bad_input_is_one_line(case: Case, ws: Workspace, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    if case.setup:
        case.setup(ws)
    if case.patch:
        case.patch(monkeypatch)
    before = snapshot(ws.root)
    capsys.readouterr()

    code = run_cli(case.argv(ws))

    captured = capsys.readouterr()
    assert code == 2, captured
    assert "Traceback" not in captured.err
    assert captured.err.startswith("msm: error: ") and captured.err.count("\n") == 1, captured.err
    for text in case.says(ws):
        assert text in captured.err, f"{text!r} not in {captured.err!r}"
    assert captured.out == ""  # refused before any result was printed
    assert snapshot(ws.root) == before  # nothing created, changed or removed


def test_enough_cases() -> None:
    assert len(CASES) >= 20 and len({c.id for c in CASES}) == len(CASES)
    groups = {c.id.split("-")[0] for c in CASES}
    assert groups == {"report", "rescore", "demo", "models"}


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes into any folder")
def test_really_read_only_folder(tmp_path: Path, made_logs: dict[str, Path], capsys) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        assert run_cli(["report", str(made_logs["agentic"]), "--out", str(locked / "r")]) == 2
        err = capsys.readouterr().err
        assert "argument --out" in err and "not writable" in err and err.count("\n") == 1
        assert not list(locked.iterdir())
    finally:
        locked.chmod(0o755)


def test_demo_help_states_the_settings(capsys) -> None:
    assert run_cli(["demo", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for setting in ("prompt variant production", "temperature 0.3", "max tokens 200", "message limit 8"):
        assert setting in text
    assert "about 30 s" not in text and "under 2 minutes" in text


def test_providers_come_from_inspect() -> None:
    from msm_eval.models._names import model_providers

    providers = model_providers()
    assert {"hf", "mockllm", "openai", "anthropic"} <= set(providers)
    assert "nosuch" not in providers


def test_hf_model_name_has_no_double_slash(tmp_path: Path) -> None:
    from msm_eval.models._names import hf_model

    name, args = hf_model(tmp_path / "smollm2-135m-instruct")
    assert name == "hf/smollm2-135m-instruct" and "//" not in name
    assert args == {"model_path": str(tmp_path / "smollm2-135m-instruct")}
