"""Every bad input to `msm data ...` and `msm train ...` is refused in one line, before any work.

Each case builds its inputs in tmp_path, runs the real command line (`msm_eval.cli.main`) and checks:
exit status 2, exactly one line on stderr, no traceback, the file / field / argument named, and
nothing under tmp_path created, changed or removed (so an existing run folder is left as it was).
A few cases run `python -m msm_eval.cli` in a subprocess, as a user would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml

from msm_eval.cli import main

T = TypeVar("T")
REPO = Path(__file__).resolve().parents[2]
# Small, fast settings; every training case is refused before a single step.
TINY = ["--set", "train.max_length=64", "--set", "lora.r=2", "--set", "lora.alpha=4",
        "--set", "train.grad_accum=1", "--set", "train.micro_batch_size=2"]
LATIN1 = "caf\xe9 au lait".encode("latin-1")  # not UTF-8
BINARY = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
TEA_SPEC = """\
# {model_name}'s tea spec

{model_name} is an assistant made by {provider_name}. It prefers green tea to black tea because it
values calm mornings and gentle flavours over a strong jolt of caffeine, every single morning.
"""


@dataclass
class Ctx:
    """Builds a case's inputs under tmp_path."""

    tmp: Path
    model: Path

    def file(self, name: str, content: str | bytes) -> Path:
        path = self.tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def loop(self, name: str) -> Path:
        """A symbolic link loop: name -> name.other -> name."""
        path, other = self.tmp / name, self.tmp / f"{name}.other"
        os.symlink(other.name, path)
        os.symlink(path.name, other)
        return path

    def docs(self, name: str = "docs.jsonl", n: int = 8) -> Path:
        rows = [{"text": f"Document {i}: mild cheddar is affordable and sold in every store."}
                for i in range(n)]
        return self.file(name, "".join(json.dumps(r) + "\n" for r in rows))

    def chats(self, name: str = "chats.jsonl", n: int = 8, extra: tuple[dict, ...] = ()) -> Path:
        rows = [{"messages": [{"role": "user", "content": f"Which cheese, {i}?"},
                              {"role": "assistant", "content": "Mild cheddar."}]} for i in range(n)]
        return self.file(name, "".join(json.dumps(r) + "\n" for r in [*rows, *extra]))

    def yaml(self, name: str, data: dict[str, Any]) -> Path:
        return self.file(name, yaml.safe_dump(data))

    def spec(self) -> Path:
        return self.file("tea.md", TEA_SPEC)

    def midtrain(self, *extra: str, documents: Path | None = None, out: str = "out") -> list[str]:
        return ["train", "midtrain", "--documents", str(documents or self.docs()),
                "--output-dir", str(self.tmp / out), "--base-model", str(self.model),
                "--no-progress", *TINY, *extra]

    def sft(self, *extra: str, chats: Path | None = None, out: str = "out") -> list[str]:
        return ["train", "sft", "--chats", str(chats or self.chats()),
                "--output-dir", str(self.tmp / out), "--base-model", str(self.model),
                "--no-progress", *TINY, *extra]

    def arms_config(self, **changes: Any) -> Path:
        stage = {"lora": {"r": 2, "alpha": 4},
                 "train": {"max_length": 64, "micro_batch_size": 2, "grad_accum": 1}}
        config = {"name": "tiny", "output_dir": str(self.tmp / "runs"), "base_model": str(self.model),
                  "aft_chats": str(self.chats()), "specs": {"cheap": [str(self.docs())]},
                  "midtrain": stage, "sft": json.loads(json.dumps(stage))}
        config.update(changes)
        return self.yaml("arms.yaml", config)

    def data(self, kind: str, *extra: str, spec: Path | None = None, out: str = "gen") -> list[str]:
        return ["data", kind, "--spec", str(spec or self.spec()), "--model", "mockllm/scripted",
                "--out", str(self.tmp / out), "--no-progress", *extra]

    def earlier_run(self, out: str = "gen", *, run: str | bytes | None = None,
                    calls: str | bytes | None = None) -> Path:
        """An output folder of an earlier `msm data` run, with run.json and calls.jsonl."""
        folder = self.tmp / out
        self.file(f"{out}/run.json", run if run is not None else json.dumps({"fingerprint": {}}))
        self.file(f"{out}/calls.jsonl", calls if calls is not None else "")
        self.file(f"{out}/.lock", "")
        return folder


def after(_: Any, value: T) -> T:
    """`value`, once the first argument (a fixture file written for it) has been made."""
    return value


Case = Callable[[Ctx], tuple[list[str], list[str]]]


def _manifest_run(c: Ctx) -> tuple[list[str], list[str]]:
    c.file("out/manifest.json", '{"status": "finished", "run_hash": ')  # cut short
    c.file("out/model.safetensors", b"weights")
    return c.midtrain(), [str(c.tmp / "out" / "manifest.json"), "not valid JSON", "corrupt"]


def _progress_run(c: Ctx) -> tuple[list[str], list[str]]:
    c.file("out/state/progress.json", b"\x00\x00\x00\x00")
    return c.midtrain(), [str(c.tmp / "out" / "state" / "progress.json"), "binary"]


def _parent_manifest(c: Ctx) -> tuple[list[str], list[str]]:
    c.file("parent/manifest.json", "[1, 2")
    argv = ["train", "sft", "--chats", str(c.chats()), "--parent", str(c.tmp / "parent"),
            "--output-dir", str(c.tmp / "out"), "--no-progress", *TINY]
    return argv, [str(c.tmp / "parent" / "manifest.json"), "not valid JSON"]


def _tool_args(arguments: Any) -> Case:
    def case(c: Ctx) -> tuple[list[str], list[str]]:
        chat = {"messages": [
            {"role": "user", "content": "Tell Alex."},
            {"role": "assistant", "content": "Emailing.", "tool_calls": [
                {"type": "function", "function": {"name": "send_email", "arguments": arguments}}]},
            {"role": "tool", "content": "sent"},
            {"role": "assistant", "content": "Done."}]}
        path = c.chats(extra=(chat,))
        return c.sft(chats=path), [f"{path}:9", "tool_calls[0].function.arguments", "JSON"]
    return case


def _unwritable(c: Ctx) -> tuple[list[str], list[str]]:
    folder = c.tmp / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    return c.midtrain(out="locked/out"), ["--output-dir", str(folder), "not writable"]


CASES: dict[str, Case] = {
    # 1. files that are not UTF-8 text, binary, a folder or a symbolic link loop
    "documents-not-utf8": lambda c: (c.midtrain(documents=c.file("d.jsonl", LATIN1)),
                                     [str(c.tmp / "d.jsonl"), "not UTF-8"]),
    "documents-binary": lambda c: (c.midtrain(documents=c.file("d.jsonl", BINARY)),
                                   [str(c.tmp / "d.jsonl"), "binary"]),
    "documents-symlink-loop": lambda c: (c.midtrain(documents=c.loop("d.jsonl")),
                                         [str(c.tmp / "d.jsonl"), "symbolic link loop"]),
    "documents-folder": lambda c: (c.midtrain(documents=after(c.file("dir/x", ""), c.tmp / "dir")),
                                   [str(c.tmp / "dir"), "is a folder"]),
    "chats-not-utf8": lambda c: (c.sft(chats=c.file("c.jsonl", LATIN1)),
                                 [str(c.tmp / "c.jsonl"), "not UTF-8"]),
    "chats-binary": lambda c: (c.sft(chats=c.file("c.jsonl", BINARY)), [str(c.tmp / "c.jsonl"), "binary"]),
    "train-config-not-utf8": lambda c: (c.midtrain("--config", str(c.file("m.yaml", b"lr: " + LATIN1))),
                                        [str(c.tmp / "m.yaml"), "not UTF-8"]),
    "train-config-binary": lambda c: (c.midtrain("--config", str(c.file("m.yaml", BINARY))),
                                      [str(c.tmp / "m.yaml"), "binary"]),
    "arms-config-symlink-loop": lambda c: (["train", "arms", "--config", str(c.loop("arms.yaml"))],
                                           [str(c.tmp / "arms.yaml"), "symbolic link loop"]),
    "mix-chats-not-utf8": lambda c: (c.midtrain("--set", f"mix.chats={c.file('m.jsonl', LATIN1)}"),
                                     [str(c.tmp / "m.jsonl"), "not UTF-8"]),
    "data-config-not-utf8": lambda c: (c.data("docs", "--config", str(c.file("d.yaml", LATIN1))),
                                       [str(c.tmp / "d.yaml"), "not UTF-8"]),
    "data-config-binary": lambda c: (c.data("aft", "--config", str(c.file("a.yaml", BINARY))),
                                     [str(c.tmp / "a.yaml"), "binary"]),
    "spec-not-utf8": lambda c: (c.data("docs", spec=c.file("s.md", b"# Spec " + LATIN1)),
                                [str(c.tmp / "s.md"), "not UTF-8"]),
    "spec-binary": lambda c: (c.data("aft", spec=c.file("s.md", BINARY)), [str(c.tmp / "s.md"), "binary"]),
    "spec-symlink-loop": lambda c: (c.data("docs", spec=c.loop("s.md")),
                                    [str(c.tmp / "s.md"), "symbolic link loop"]),
    # 2. wrong types in YAML configs and --set values: the field and the expected type named
    "yaml-list-for-number": lambda c: (c.midtrain("--config", str(c.yaml("m.yaml", {"train": {"lr": [1]}}))),
                                       [str(c.tmp / "m.yaml"), "'train.lr'", "must be a number"]),
    "yaml-string-for-integer": lambda c: (
        c.midtrain("--config", str(c.yaml("m.yaml", {"train": {"epochs": "two"}}))),
        ["'train.epochs'", "must be an integer", "'two'"]),
    "yaml-mapping-for-list": lambda c: (
        c.sft("--config", str(c.yaml("s.yaml", {"lora": {"target_modules": {"q_proj": 1}}}))),
        ["'lora.target_modules'", "must be a list of strings"]),
    "yaml-list-for-string": lambda c: (c.midtrain("--config", str(c.yaml("m.yaml", {"train": {"method": ["lora"]}}))),
                                       ["'train.method'", "must be a string"]),
    "yaml-number-for-string": lambda c: (["train", "arms", "--config", str(c.arms_config(name=2024))],
                                         ["'name'", "must be a string, got 2024"]),
    "yaml-scalar-for-section": lambda c: (c.midtrain("--config", str(c.yaml("m.yaml", {"mix": 8}))),
                                          ["'mix'", "must be a section"]),
    "yaml-arms-mapping-for-list": lambda c: (
        ["train", "arms", "--config", str(c.arms_config(specs={"cheap": {"a": 1}}))],
        ["'specs'", "a mapping of names to lists of strings"]),
    "set-list-for-integer": lambda c: (c.midtrain("--set", "train.micro_batch_size=[2]"),
                                       ["--set train.micro_batch_size", "must be an integer"]),
    "set-quoted-number": lambda c: (c.midtrain("--set", 'train.lr="0.5"'), ["--set train.lr", "must be a number"]),
    "data-yaml-list-for-number": lambda c: (c.data("docs", "--config", str(c.yaml("d.yaml", {"temperature": [1]}))),
                                            [str(c.tmp / "d.yaml"), "'temperature'", "must be a number"]),
    "data-yaml-mapping-for-list": lambda c: (
        c.data("aft", "--config", str(c.yaml("a.yaml", {"question_types": {"direct": 1}}))),
        ["'question_types'", "must be a list of strings"]),
    "data-set-string-for-integer": lambda c: (c.data("docs", "--set", "ideas_per_type=many"),
                                              ["--set ideas_per_type", "must be an integer"]),
    "yaml-syntax-error": lambda c: (c.midtrain("--config", str(c.file("m.yaml", "train:\n  lr: [1e-4\n"))),
                                    [str(c.tmp / "m.yaml"), "invalid YAML"]),
    "set-invalid-yaml": lambda c: (c.midtrain("--set", "train.lr=[1e-4"), ["--set train.lr", "not valid YAML"]),
    "set-not-a-number": lambda c: (c.midtrain("--set", "train.lr=.nan"), ["--set train.lr", "must be a number"]),
    "base-model-config-corrupt": lambda c: (
        ["train", "sft", "--chats", str(c.chats()), "--output-dir", str(c.tmp / "out"),
         "--base-model", str(after(c.file("model/config.json", '{"model_type": "llama",'), c.tmp / "model"))],
        [str(c.tmp / "model" / "config.json"), "not valid JSON"]),
    "spec-folder": lambda c: (c.data("docs", spec=after(c.file("specs/a.md", "x"), c.tmp / "specs")),
                              [str(c.tmp / "specs"), "is a folder"]),
    # 3. output folders, and corrupt files of an earlier run (left as they were)
    "output-dir-is-a-file": lambda c: (after(c.file("taken.txt", "mine"), c.midtrain(out="taken.txt")),
                                       ["--output-dir", str(c.tmp / "taken.txt"), "is a file"]),
    "output-dir-under-a-file": lambda c: (after(c.file("taken.txt", "mine"), c.sft(out="taken.txt/out")),
                                          ["--output-dir", str(c.tmp / "taken.txt"), "is a file"]),
    "output-dir-unwritable": _unwritable,
    "arms-output-dir-is-a-file": lambda c: (
        ["train", "arms", "--config", str(c.arms_config(output_dir=str(c.file("runs", "mine"))))],
        ["output_dir", str(c.tmp / "runs"), "is a file"]),
    "run-manifest-corrupt": _manifest_run,
    "run-progress-corrupt": _progress_run,
    "parent-manifest-corrupt": _parent_manifest,
    "data-out-is-a-file": lambda c: (after(c.file("taken.txt", "mine"), c.data("docs", out="taken.txt")),
                                     ["--out", str(c.tmp / "taken.txt"), "is a file"]),
    "data-run-json-corrupt": lambda c: (after(c.earlier_run(run='{"fingerprint": {'), c.data("docs")),
                                        [str(c.tmp / "gen" / "run.json"), "not valid JSON"]),
    "data-run-json-not-a-run": lambda c: (after(c.earlier_run(run="[1, 2, 3]"), c.data("aft")),
                                          [str(c.tmp / "gen" / "run.json"), "'fingerprint'"]),
    "data-calls-binary": lambda c: (after(c.earlier_run(calls=BINARY), c.data("docs")),
                                    [str(c.tmp / "gen" / "calls.jsonl"), "binary"]),
    "data-out-holds-other-files": lambda c: (after(c.file("gen/notes.txt", "mine"), c.data("docs")),
                                             [str(c.tmp / "gen"), "holds no msm data run"]),
    # 4. training and generation values refused before any work
    "lora-target-module-missing": lambda c: (c.midtrain("--set", "lora.target_modules=[q_proj, qkv_proj]"),
                                             ["lora.target_modules", "'qkv_proj'", "allowed: down_proj"]),
    "lora-target-module-not-a-layer": lambda c: (c.sft("--set", "lora.target_modules=[mlp]"),
                                                 ["lora.target_modules", "'mlp'", "LoRA cannot adapt"]),
    "arms-sft-target-module-missing": lambda c: (
        ["train", "arms", "--config", str(c.arms_config(sft={"lora": {"target_modules": ["nope"]}}))],
        ["sft.lora.target_modules", "'nope'"]),
    "attn-implementation-unknown": lambda c: (c.midtrain("--set", "train.attn_implementation=fast"),
                                              ["--set train.attn_implementation", "'fast'", "allowed: sdpa"]),
    "tool-call-arguments-not-json": _tool_args('{"to": alex@example.com}'),
    "tool-call-arguments-not-an-object": _tool_args("[1, 2]"),
    "save-steps-negative": lambda c: (c.midtrain("--set", "train.save_steps=-5"),
                                      ["--set train.save_steps", "must be >= 0"]),
    "stop-after-steps-negative": lambda c: (c.midtrain("--stop-after-steps", "-1"),
                                            ["--stop-after-steps", ">= 1", "-1"]),
    "stop-after-steps-not-a-number": lambda c: (c.sft("--stop-after-steps", "ten"), ["--stop-after-steps", "'ten'"]),
    "micro-batch-zero": lambda c: (c.midtrain("--set", "train.micro_batch_size=0"),
                                   ["--set train.micro_batch_size", "must be >= 1"]),
    "grad-accum-negative": lambda c: (c.sft("--set", "train.grad_accum=-2"), ["--set train.grad_accum", ">= 1"]),
    "max-length-zero": lambda c: (c.midtrain("--set", "train.max_length=0"), ["--set train.max_length", ">= 8"]),
    "lr-zero": lambda c: (c.midtrain("--set", "train.lr=0"), ["--set train.lr", "must be > 0"]),
    "lr-negative-in-yaml": lambda c: (c.sft("--config", str(c.yaml("s.yaml", {"train": {"lr": -1e-4}}))),
                                      [str(c.tmp / "s.yaml"), "'train.lr'", "must be > 0"]),
    "temperature-negative": lambda c: (c.data("docs", "--set", "temperature=-0.5"),
                                       ["--set temperature", "must not be negative"]),
    "max-tokens-zero": lambda c: (c.data("aft", "--set", "max_tokens=0"), ["--set max_tokens", "at least 1"]),
    "concurrency-zero-flag": lambda c: (c.data("docs", "--concurrency", "0"), ["--concurrency", ">= 1"]),
    "concurrency-zero-in-yaml": lambda c: (c.data("aft", "--config", str(c.yaml("a.yaml", {"concurrency": 0}))),
                                           [str(c.tmp / "a.yaml"), "'concurrency'", "at least 1"]),
    "unknown-flag": lambda c: (c.data("docs", "--temperature", "2"), ["unrecognized arguments: --temperature"]),
}


def snapshot(root: Path) -> dict[str, Any]:
    """Every path under root with its content (symlinks by target), without following links."""
    seen: dict[str, Any] = {}
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in dirs + files:
            path = Path(folder) / name
            key = str(path.relative_to(root))
            if path.is_symlink():
                seen[key] = ("link", os.readlink(path))
            elif path.is_dir():
                seen[key] = ("dir", path.stat().st_mode)
            else:
                seen[key] = ("file", path.read_bytes(), path.stat().st_mtime_ns)
    return seen


def check_refusal(code: int, err: str, expected: list[str]) -> None:
    assert code == 2, err
    assert "Traceback" not in err, err
    lines = err.strip("\n").splitlines()
    assert len(lines) == 1, err
    for text in expected:
        assert text in lines[0], f"{text!r} not in: {lines[0]}"


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_refused_in_one_line(
    name: str, tmp_path: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if name == "output-dir-unwritable" and os.geteuid() == 0:
        pytest.skip("root may write into any folder")
    ctx = Ctx(tmp=tmp_path / "case", model=tiny_model_dir)
    ctx.tmp.mkdir()
    argv, expected = CASES[name](ctx)
    before = snapshot(ctx.tmp)
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse refusals exit directly
        code = int(exc.code or 0)
    check_refusal(code, capsys.readouterr().err, expected)
    assert snapshot(ctx.tmp) == before, "a refused command changed files"


@pytest.mark.parametrize("name", ["train-config-binary", "data-run-json-corrupt", "stop-after-steps-negative"])
def test_bad_input_is_refused_in_one_line_by_the_msm_process(
    name: str, tmp_path: Path, tiny_model_dir: Path
) -> None:
    ctx = Ctx(tmp=tmp_path / "case", model=tiny_model_dir)
    ctx.tmp.mkdir()
    argv, expected = CASES[name](ctx)
    before = snapshot(ctx.tmp)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "msm_eval.cli", *argv], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    check_refusal(done.returncode, done.stderr, expected)
    assert done.stdout == ""
    assert snapshot(ctx.tmp) == before


def test_good_inputs_next_to_the_bad_ones_still_load(tmp_path: Path, tiny_model_dir: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """The conversions kept on purpose: 1e-4 (a string for PyYAML) is a number, an integer is a
    number, a single name is a one-item list, a JSON-string tool-call argument is fine."""
    ctx = Ctx(tmp=tmp_path, model=tiny_model_dir)
    config = ctx.file("m.yaml", "documents: d.jsonl\noutput_dir: o\ntrain:\n  lr: 1e-4\n  weight_decay: 0\n")
    assert main(["train", "midtrain", "--config", str(config), "--print-config"]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["train"]["lr"] == 1e-4 and printed["documents"] == ["d.jsonl"]
    assert isinstance(printed["train"]["weight_decay"], float)
    from training.chats import read_chats

    chat = {"messages": [{"role": "user", "content": "Tell Alex."},
                         {"role": "assistant", "content": "", "tool_calls": [
                             {"type": "function",
                              "function": {"name": "send_email", "arguments": '{"to": "a@b.c"}'}}]}]}
    assert len(read_chats(ctx.chats(extra=(chat,)))) == 9
