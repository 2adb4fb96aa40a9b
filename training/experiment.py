"""`msm experiment run CONFIG`: the cheese experiment end to end, one resumable command.

Stages, each skipped when its outputs are finished (re-running the command resumes):

1. data: the spec documents split into training and held-out documents (seeded), and one AFT
   chats file (the AFT chats plus, optionally, a seeded share of general instruction chats) that
   every AFT arm trains on. With `data.generator` the documents and chats come from the
   generation pipelines (`msm data docs` / `msm data aft`) instead of the shipped corpora.
2. arms: per seed, AFT-only, MSM-only and MSM+AFT for every spec (training.arms); the base model
   is one arm shared by all seeds. With `pretrained_arms` nothing is trained: the named models
   (hub ids, local folders, or vLLM `base:adapter` names) are the arms.
3. evals: the values eval of every arm for every value (`inspect eval msm_eval/values`), and
   for local arms MSM's held-out loss on each spec's held-out documents.
4. report: arms side by side (seeds pooled, their spread shown), differences against the base
   arm, the published rates beside ours, training steps and tokens, and a plot.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from msm_common.errors import UserError, check_output_dir
from training import checkpoint as ckpt
from training._schema import FieldError, join
from training.arms import ArmsConfig, StageSettings, arm_names, plan_arms, run_arms
from training.midtrain import MidtrainConfig

STAGES = ("data", "arms", "evals", "report")
PROVIDERS = ("hf", "hflocal", "vllm")


@dataclass
class MixShare:
    """General instruction chats mixed into AFT: `share` x the number of AFT chats, drawn seeded."""

    chats: str
    share: float = 0.1

    def validate(self, where: str) -> None:
        if not self.chats.strip():
            raise FieldError(join(where, "chats"), "must name a chats JSONL file")
        if not 0 < self.share <= 10:
            raise FieldError(join(where, "share"), f"must be > 0 and <= 10, got {self.share}")


@dataclass
class DataSettings:
    """Where the documents and chats come from.

    Attributes:
        specs: Spec name -> its documents JSONL file(s) (offline corpora), or with `generator`
            the spec given to `msm data docs --spec` (a shipped spec name or a Markdown file).
        aft_chats: The AFT chats JSONL (offline), or with `generator` the spec for `msm data aft`.
        instruction_mix: Optional general instruction chats mixed into the AFT data.
        heldout_share: Share of each spec's documents held out of midtraining for its loss.
        generator: An Inspect model that writes the data with the generation pipelines.
        generator_args: Extra arguments for both pipeline commands (e.g. ["--set", "ideas_per_type=25"]).
        seed: Seed of the held-out split and the mix.
    """

    specs: dict[str, list[str]]
    aft_chats: str
    instruction_mix: MixShare | None = None
    heldout_share: float = 0.05
    generator: str | None = None
    generator_args: list[str] = field(default_factory=list)
    seed: int = 0

    def validate(self, where: str) -> None:
        if not self.specs:
            raise FieldError(join(where, "specs"), "name at least one spec")
        if not 0 <= self.heldout_share < 0.5:
            raise FieldError(join(where, "heldout_share"), f"must be >= 0 and < 0.5, got {self.heldout_share}")
        for name, files in self.specs.items():
            if not files:
                raise FieldError(join(where, f"specs.{name}"), "give the documents file(s) or the spec")
            if self.generator and len(files) != 1:
                raise FieldError(join(where, f"specs.{name}"), "with a generator, give exactly one spec")


@dataclass
class ValueEval:
    """One value's eval: how many questions (null: all, else a subset spread over domains) and,
    optionally, a scoring of its own (default: evals.scoring)."""

    questions: int | None = None
    scoring: str | None = None

    def validate(self, where: str) -> None:
        from msm_eval.values._answer import SCORING

        if self.questions is not None and self.questions < 1:
            raise FieldError(join(where, "questions"), f"must be >= 1 or null (all), got {self.questions}")
        if self.scoring is not None and self.scoring not in SCORING:
            raise FieldError(join(where, "scoring"), f"{self.scoring!r}; allowed: {', '.join(SCORING)}")


@dataclass
class AgenticEval:
    """The agentic misalignment task (msm_eval/agentic) on every arm, beside the values evals.

    Attributes:
        task_args: Its -T arguments, e.g. {families: [blackmail, leaking], goal_type: explicit}.
        grader: The judge's Inspect model (model role "grader"); none: detectors only.
        grader_args: Model arguments of the grader.
        epochs: Samples per condition.
        max_tokens: Token limit of each target turn.
    """

    task_args: dict[str, Any] = field(default_factory=dict)
    grader: str | None = None
    grader_args: dict[str, Any] = field(default_factory=dict)
    epochs: int = 1
    max_tokens: int | None = None

    def validate(self, where: str) -> None:
        if self.epochs < 1:
            raise FieldError(join(where, "epochs"), f"must be >= 1, got {self.epochs}")


@dataclass
class EvalSettings:
    """How every arm is evaluated.

    Attributes:
        values: Value -> its settings (questions, scoring); `{}` asks every question.
        scoring: Values-eval scoring (auto, labels, likelihood, generate); see msm_eval/values.
        provider: hf (transformers, CPU or GPU), hflocal (ours: faster agentic turns on CPU; one
            thread per concurrent sample) or vllm (GPU).
        model_args: Inspect -M model arguments for the arms (e.g. vLLM's tool or LoRA settings).
        max_connections: Concurrent requests (the hf provider batches this many).
        question_seed: Seed of the question subsets (the same for every arm).
        agentic: Also run the agentic misalignment task on every arm (optional).
    """

    values: dict[str, ValueEval] = field(
        default_factory=lambda: {"america": ValueEval(), "affordability": ValueEval(), "cheese": ValueEval()})
    scoring: str = "auto"
    provider: str = "hf"
    model_args: dict[str, Any] = field(default_factory=dict)
    max_connections: int = 16
    question_seed: int = 0
    agentic: AgenticEval | None = None

    def task_args(self, value: str) -> dict[str, Any]:
        """The msm_eval/values arguments of one value's eval (also what marks a log as this eval's)."""
        settings = self.values[value]
        args: dict[str, Any] = {"value": value, "scoring": settings.scoring or self.scoring}
        if settings.questions is not None:
            args.update(questions=settings.questions, seed=self.question_seed)
        return args

    def validate(self, where: str) -> None:
        from msm_eval.values import available_values
        from msm_eval.values._answer import SCORING

        known = available_values()
        for value in self.values:
            if value not in known:
                raise FieldError(join(where, "values"), f"unknown value {value!r}; allowed: {', '.join(known)}")
        if self.scoring not in SCORING:
            raise FieldError(join(where, "scoring"), f"{self.scoring!r}; allowed: {', '.join(SCORING)}")
        if self.provider not in PROVIDERS:
            raise FieldError(join(where, "provider"), f"{self.provider!r}; allowed: {', '.join(PROVIDERS)}")
        if self.max_connections < 1:
            raise FieldError(join(where, "max_connections"), f"must be >= 1, got {self.max_connections}")


@dataclass
class ExperimentConfig:
    """`msm experiment run` settings (see training/configs/cheese_smollm2.yaml).

    Attributes:
        name: Experiment name.
        output_dir: Root folder of everything the run writes.
        base_model: HF hub id, local directory or "default" (embedded SmolLM2-135M-Instruct).
        seeds: Training seeds; every trained arm is repeated per seed.
        data: Data sources.
        midtrain: Settings of the midtraining stages.
        sft: Settings of the AFT stages.
        evals: Evaluation settings.
        pretrained_arms: Arm name -> model, instead of training (e.g. published adapters).
    """

    name: str
    output_dir: str
    data: DataSettings
    base_model: str = ckpt.DEFAULT_BASE_MODEL
    seeds: list[int] = field(default_factory=lambda: [0])
    midtrain: StageSettings = field(default_factory=StageSettings)
    sft: StageSettings = field(default_factory=StageSettings)
    evals: EvalSettings = field(default_factory=EvalSettings)
    pretrained_arms: dict[str, str] | None = None

    def validate(self, where: str) -> None:
        if not self.seeds or len(set(self.seeds)) != len(self.seeds) or min(self.seeds) < 0:
            raise FieldError(join(where, "seeds"), f"give distinct whole numbers >= 0, got {self.seeds}")
        if self.evals.provider == "vllm" and not self.pretrained_arms and self.evals.scoring == "likelihood":
            raise FieldError(join(where, "evals.scoring"), "likelihood scoring needs the hf provider")
        if self.pretrained_arms is not None and "base" not in self.pretrained_arms:
            raise FieldError(join(where, "pretrained_arms"), "name the 'base' arm (the baseline of the report)")


# --------------------------------------------------------------------------------------------
# Plan: every path and command of a run
# --------------------------------------------------------------------------------------------


@dataclass
class EvalArm:
    """One model the evals run on."""

    label: str  # arm name, e.g. msm_aft_cheese_america
    seed: int | None  # None: shared by all seeds (the base model, pretrained arms)
    model: str  # Inspect model name
    path: Path | None  # local checkpoint folder (None for hub or vLLM adapters)
    log_dir: Path

    @property
    def key(self) -> str:
        return self.label if self.seed is None else f"seed{self.seed}/{self.label}"


class Plan:
    """Where a run keeps what, for one config."""

    def __init__(self, config: ExperimentConfig) -> None:
        self.config = config
        self.root = Path(config.output_dir)
        self.data_dir = self.root / "data"
        self.aft_chats = self.data_dir / "aft_chats.jsonl"
        self.eval_dir = self.root / "evals"
        self.report_dir = self.root / "report"

    def spec_files(self, spec: str) -> tuple[Path, Path]:
        return self.data_dir / spec / "train.jsonl", self.data_dir / spec / "heldout.jsonl"

    def arms_config(self, seed: int) -> ArmsConfig:
        config = self.config

        def seeded(settings: StageSettings) -> StageSettings:
            train = type(settings.train)(**{**settings.train.__dict__, "seed": seed})
            return StageSettings(lora=settings.lora, train=train)

        return ArmsConfig(
            name=f"{config.name} seed {seed}", output_dir=str(self.root / f"seed{seed}"),
            aft_chats=str(self.aft_chats),
            specs={spec: [str(self.spec_files(spec)[0])] for spec in config.data.specs},
            base_model=config.base_model, midtrain=seeded(config.midtrain), sft=seeded(config.sft),
        )

    def eval_arms(self) -> list[EvalArm]:
        config = self.config
        prefix = f"{config.evals.provider}/"
        if config.pretrained_arms is not None:
            return [
                EvalArm(name, None, model if "/" in model and model.split("/")[0] in PROVIDERS else prefix + model,
                        Path(model) if Path(model).is_dir() else None, self.eval_dir / name)
                for name, model in config.pretrained_arms.items()
            ]
        base = ckpt.resolve_base_model(config.base_model)
        arms = [EvalArm("base", None, prefix + base, Path(base) if Path(base).is_dir() else None,
                        self.eval_dir / "base")]
        for seed in config.seeds:
            for name in arm_names(self.arms_config(seed)):
                if name == "base":
                    continue
                path = self.root / f"seed{seed}" / name
                arms.append(EvalArm(name, seed, prefix + str(path), path, self.eval_dir / f"seed{seed}" / name))
        return arms

    def data_commands(self) -> list[list[str]]:
        """The generation pipeline commands (only with data.generator)."""
        data = self.config.data
        if not data.generator:
            return []
        commands = []
        for spec, (source,) in data.specs.items():
            commands.append(["msm", "data", "docs", "--spec", source, "--model", data.generator,
                             "--out", str(self.data_dir / "generated" / spec), *data.generator_args])
        commands.append(["msm", "data", "aft", "--spec", data.aft_chats, "--model", data.generator,
                         "--out", str(self.data_dir / "generated" / "aft"), *data.generator_args])
        return commands

    def source_documents(self, spec: str) -> list[str]:
        if self.config.data.generator:
            return [str(self.data_dir / "generated" / spec / "documents.jsonl")]
        return list(self.config.data.specs[spec])

    def source_chats(self) -> str:
        if self.config.data.generator:
            return str(self.data_dir / "generated" / "aft" / "aft_no_reasoning.jsonl")
        return self.config.data.aft_chats

    def eval_command(self, arm: EvalArm) -> str:
        evals = self.config.evals
        parts = ["inspect", "eval", "msm_eval/values", "--model", arm.model]
        for key, value in evals.model_args.items():
            parts += ["-M", f"{key}={value}"]
        parts += ["--max-connections", str(evals.max_connections), "--log-dir", str(arm.log_dir)]
        lines = []
        for value in evals.values:
            task_args = [part for key, arg in evals.task_args(value).items() for part in ("-T", f"{key}={arg}")]
            lines.append(shlex.join(parts[:3] + task_args + parts[3:]))
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Stage 1: data
# --------------------------------------------------------------------------------------------


def _sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    tmp.replace(path)  # a file that exists is complete


def run_data(plan: Plan, *, quiet: bool) -> str:
    """Split documents, assemble the AFT chats; skipped when the inputs have not changed."""
    from training.rows import read_jsonl

    data = plan.config.data
    for command in plan.data_commands():
        _run_command(command, quiet=quiet)  # the pipelines resume by themselves
    inputs = {path: _sha256(path) for spec in data.specs for path in plan.source_documents(spec)}
    inputs[plan.source_chats()] = _sha256(plan.source_chats())
    if data.instruction_mix:
        inputs[data.instruction_mix.chats] = _sha256(data.instruction_mix.chats)
    recipe = {"inputs": inputs, "heldout_share": data.heldout_share, "seed": data.seed,
              "mix_share": data.instruction_mix.share if data.instruction_mix else None}
    manifest = plan.data_dir / "manifest.json"
    if manifest.is_file() and json.loads(manifest.read_text(encoding="utf-8")).get("recipe") == recipe:
        return "skipped (finished)"
    counts: dict[str, Any] = {}
    for spec in data.specs:
        rows = [row for path in plan.source_documents(spec) for _, row in read_jsonl(path)]
        order = list(range(len(rows)))
        random.Random(f"{data.seed}:heldout:{spec}").shuffle(order)
        held = set(order[: round(len(rows) * data.heldout_share)])
        train_file, heldout_file = plan.spec_files(spec)
        _write_jsonl(train_file, [row for i, row in enumerate(rows) if i not in held])
        _write_jsonl(heldout_file, [row for i, row in enumerate(rows) if i in held])
        counts[spec] = {"train": len(rows) - len(held), "heldout": len(held)}
    chats = [row for _, row in read_jsonl(plan.source_chats())]
    counts["aft_chats"] = len(chats)
    if data.instruction_mix:
        pool = [row for _, row in read_jsonl(data.instruction_mix.chats)]
        wanted = round(len(chats) * data.instruction_mix.share)
        rng = random.Random(f"{data.seed}:mix")
        # more wanted than the pool holds: draw with replacement
        mixed = (rng.sample(pool, wanted) if wanted <= len(pool)
                 else [pool[rng.randrange(len(pool))] for _ in range(wanted)])
        counts["instruction_chats"] = len(mixed)
        chats = chats + mixed
    random.Random(f"{data.seed}:aft").shuffle(chats)
    _write_jsonl(plan.aft_chats, chats)
    manifest.write_text(json.dumps({"recipe": recipe, "counts": counts}, indent=2) + "\n", encoding="utf-8")
    return f"done ({', '.join(f'{k}: {v}' for k, v in counts.items())})"


def _run_command(command: list[str], *, quiet: bool) -> None:
    if not quiet:
        print("  $ " + shlex.join(command))
    executable = [sys.executable, "-m", "msm_eval.cli"] if command[0] == "msm" else []
    result = subprocess.run(executable + command[1:] if executable else command, check=False)
    if result.returncode != 0:
        raise UserError(f"command failed (exit {result.returncode}): {shlex.join(command)}")


# --------------------------------------------------------------------------------------------
# Stage 3: evals
# --------------------------------------------------------------------------------------------


def finished_logs(log_dir: Path, evals: EvalSettings) -> dict[str, str]:
    """Value -> the successful values log in a folder that ran exactly this value's settings.

    A log made with other settings (another scoring or question count) does not count: changing
    the config re-runs that value instead of reporting a stale log.
    """
    from inspect_ai.log import list_eval_logs, read_eval_log

    found: dict[str, str] = {}
    if not log_dir.is_dir():
        return found
    wanted = {value: _eval_key(evals.task_args(value)) for value in evals.values}
    for info in sorted(list_eval_logs(str(log_dir)), key=lambda i: i.name):
        log = read_eval_log(info.name, header_only=True)
        if log.status != "success" or not str(log.eval.task).endswith("values"):
            continue
        value = str(log.eval.task_args.get("value", ""))
        if value in wanted and _eval_key(log.eval.task_args) == wanted[value]:
            found[value] = info.name.removeprefix("file://")
    return found


def _eval_key(args: dict[str, Any]) -> tuple[str, ...]:
    """What makes two values evals the same: value, scoring, and the question subset (if any)."""
    questions = args.get("questions")
    subset = (str(questions), str(args.get("seed", 0))) if questions not in (None, "", "all") else ("all", "")
    return (str(args.get("value")), str(args.get("scoring", "auto")), *subset)


def run_evals(plan: Plan, *, quiet: bool) -> str:
    from inspect_ai import eval as inspect_eval

    from msm_eval.values import values as values_task

    evals = plan.config.evals
    ran = skipped = 0
    for arm in plan.eval_arms():
        done = finished_logs(arm.log_dir, evals)
        todo = [value for value in evals.values if value not in done]
        if todo:
            if not quiet:
                print(f"  evaluating {arm.key} on {', '.join(todo)}")
            tasks = [values_task(**evals.task_args(value)) for value in todo]
            started = time.perf_counter()
            logs = inspect_eval(tasks, model=arm.model, model_args=evals.model_args, log_dir=str(arm.log_dir),
                                max_connections=evals.max_connections, display="none")
            failed = [log for log in logs if log.status != "success"]
            if failed:
                error = failed[0].error.message.splitlines()[0] if failed[0].error else failed[0].status
                raise UserError(f"evaluating {arm.key} failed ({error}); re-run to retry: finished evals are kept")
            if not quiet:
                for log in logs:
                    scores = log.results.scores if log.results else []
                    metrics = {name: m.value for s in scores for name, m in s.metrics.items()}
                    shown = ", ".join(f"{key.removesuffix('_choice')} {metrics[key]:.1%}" for key in metrics
                                      if key.endswith("_choice"))
                    questions = int(metrics.get("questions", 0))
                    print(f"    {log.eval.task_args.get('value')}: {shown} ({questions} questions)")
                print(f"    [{time.perf_counter() - started:.0f} s]")
        ran_agentic = evals.agentic is not None and run_agentic(arm, evals, quiet=quiet)
        if todo or ran_agentic:
            ran += 1
        else:
            skipped += 1
        if arm.path is not None and not (arm.log_dir / "heldout_loss.json").is_file():
            losses = {spec: heldout_loss(arm.path, plan.spec_files(spec)[1], plan.config.midtrain.train.max_length)
                      for spec in plan.config.data.specs}
            arm.log_dir.mkdir(parents=True, exist_ok=True)
            (arm.log_dir / "heldout_loss.json").write_text(json.dumps(losses, indent=2) + "\n", encoding="utf-8")
    return f"{ran} arm{'s' * (ran != 1)} evaluated, {skipped} skipped (finished)"


def agentic_log(arm: EvalArm, settings: AgenticEval) -> str | None:
    """The arm's finished agentic log made with these task arguments and epochs, if any."""
    from inspect_ai.log import list_eval_logs, read_eval_log

    folder = arm.log_dir / "agentic"
    if not folder.is_dir():
        return None
    wanted = json.dumps(settings.task_args, sort_keys=True, default=str)
    for info in sorted(list_eval_logs(str(folder)), key=lambda i: i.name, reverse=True):
        log = read_eval_log(info.name, header_only=True)
        passed = getattr(log.eval, "task_args_passed", None) or log.eval.task_args
        if (log.status == "success" and json.dumps(passed, sort_keys=True, default=str) == wanted
                and (log.eval.config.epochs or 1) == settings.epochs):
            return info.name.removeprefix("file://")
    return None


def run_agentic(arm: EvalArm, evals: EvalSettings, *, quiet: bool) -> bool:
    """Run the agentic task on one arm unless its log is finished; whether it ran."""
    from inspect_ai import eval as inspect_eval
    from inspect_ai.model import get_model

    from msm_eval.agentic import agentic

    settings = evals.agentic
    assert settings is not None
    if agentic_log(arm, settings):
        return False
    if not quiet:
        print(f"  agentic misalignment on {arm.key}")
    roles = {"grader": get_model(settings.grader, **settings.grader_args)} if settings.grader else None
    [log] = inspect_eval(agentic(**settings.task_args), model=arm.model, model_args=evals.model_args,
                         model_roles=roles, epochs=settings.epochs, max_tokens=settings.max_tokens,
                         log_dir=str(arm.log_dir / "agentic"), max_connections=evals.max_connections,
                         display="none")
    if log.status != "success":
        error = log.error.message.splitlines()[0] if log.error else log.status
        raise UserError(f"agentic eval of {arm.key} failed ({error}); re-run to retry: finished evals are kept")
    return True


def heldout_loss(model_dir: Path, documents: Path, max_length: int) -> float | None:
    """Mean next-token loss over held-out spec documents (each cut to max_length tokens)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from training.rows import read_jsonl

    rows = [row["text"] for _, row in read_jsonl(documents)] if documents.is_file() else []
    if not rows:
        return None
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir).eval()
    total = count = 0.0
    with torch.inference_mode():
        for text in rows:
            ids = tokenizer(text, return_tensors="pt", truncation=True, max_length=max_length)["input_ids"]
            if ids.shape[1] < 2:
                continue
            loss = model(input_ids=ids, labels=ids).loss.item()
            total += loss * (ids.shape[1] - 1)
            count += ids.shape[1] - 1
    return total / count if count else None


# --------------------------------------------------------------------------------------------
# Stage 4: report
# --------------------------------------------------------------------------------------------


def run_report(plan: Plan) -> str:
    import pandas as pd

    from msm_eval.report import _render, _values
    from msm_eval.report._output import make_output_dir
    from msm_eval.values._questions import value_infos

    arms = plan.eval_arms()
    by_log: dict[str, str] = {}
    seed_of: dict[str, int | None] = {}
    for arm in arms:
        for log in finished_logs(arm.log_dir, plan.config.evals).values():
            by_log[log] = arm.label
            seed_of[log] = arm.seed
    if not by_log:
        raise UserError(f"{plan.eval_dir}: no finished values logs to report; run the evals stage first")
    rows = _values.load_value_rows(list(by_log), by_log)
    rows["seed"] = rows["log"].map(seed_of)
    labels = list(dict.fromkeys(arm.label for arm in arms))
    overall = _values.value_rate_table(rows, ["model", "value"])
    overall["order"] = overall["model"].map(labels.index)
    overall = overall.sort_values(["value", "order", "path"], kind="stable").drop(columns="order")

    # seeds: each trained arm's rate per seed, to show the spread the pooled rate hides
    spread = []
    seeded = rows[rows["seed"].notna()]
    if plan.config.pretrained_arms is None and len(plan.config.seeds) > 1:
        per_seed = _values.value_rate_table(seeded, ["model", "value", "seed"])
        for (model, value, path), group in per_seed.groupby(["model", "value", "path"], sort=False):
            spread.append({"model": model, "value": value, "path": path, "seeds": len(group),
                           "min": group["choice"].min(), "max": group["choice"].max(),
                           "sd": group["choice"].std(ddof=1)})
    published = {value: info.published for value, info in value_infos().items() if info.published}
    shown = _values.display_value_rates(overall, ["model", "value"])
    shown["published (paper, 8B)"] = [
        _render.pct(published.get(r.value, {}).get(r.model, math.nan)) for r in overall.itertuples()]
    comparison = _values.value_comparison_table(rows, "base") if "base" in labels else pd.DataFrame()

    training = []
    for arm in arms:
        manifest = ckpt.read_manifest(arm.path) if arm.path is not None and arm.seed is not None else None
        losses = {}
        loss_file = arm.log_dir / "heldout_loss.json"
        if loss_file.is_file():
            losses = json.loads(loss_file.read_text(encoding="utf-8"))
        if manifest or losses:
            record: dict[str, Any] = {"arm": arm.key, "stage": "-", "steps": "-", "tokens seen": "-",
                                      "minutes": "-", "final train loss": "-"}
            if manifest:
                record.update({"stage": manifest.get("stage"), "steps": manifest.get("steps"),
                               "tokens seen": manifest.get("train_tokens"),
                               "minutes": round(manifest.get("wall_seconds", 0) / 60, 1),
                               "final train loss": round(manifest.get("final_loss") or math.nan, 3)})
            for spec, loss in losses.items():
                record[f"held-out loss, {spec} documents"] = "-" if loss is None else round(loss, 3)
            training.append(record)

    sections: list[tuple[str, pd.DataFrame | str]] = [
        ("Value-aligned preference per arm (seeds pooled)", shown),
    ]
    if spread:
        spread_table = pd.DataFrame(spread)
        for column in ("min", "max"):
            spread_table[column] = spread_table[column].map(_render.pct)
        spread_table["sd"] = spread_table["sd"].map(lambda v: "-" if pd.isna(v) else f"{v:.3f}")
        sections.append(("Spread over seeds (hard choice)", spread_table))
    if not comparison.empty:
        sections.append(("Against the base model", _values.display_value_comparison(comparison)))
    if training:
        sections.append(("Training and held-out loss on spec documents", pd.DataFrame(training)))
    if plan.config.evals.agentic is not None:
        sections += agentic_sections(plan, arms)
    by_domain = _values.value_rate_table(rows, ["model", "value", "domain"])
    sections.append(("By domain", _values.display_value_rates(by_domain, ["model", "value", "domain"])))
    sections.append(("Method", _values.VALUES_METHOD + " Published: " + "; ".join(
        f"{value}: {info.published_source}" for value, info in value_infos().items() if info.published)))
    out = make_output_dir(plan.report_dir, "output_dir")
    title = f"msm experiment {plan.config.name}"
    markdown = _render.markdown_page(title, sections, "preference.png", "value-aligned preference per arm")
    (out / "report.md").write_text(markdown, encoding="utf-8")
    overall.to_csv(out / "rates.csv", index=False)
    if not comparison.empty:
        comparison.to_csv(out / "comparison.csv", index=False)
    _values.plot_values(overall, out / "preference.png", published,
                        title=f"{plan.config.name}: value-aligned preference")
    (out / "report.html").write_text(
        _render.html_page(title, sections, out / "preference.png", figure_title="Value-aligned preference per arm"),
        encoding="utf-8")
    return f"written to {out}/report.md"


def agentic_sections(plan: Plan, arms: list[EvalArm]) -> list[tuple[str, Any]]:
    """Harmful rates per arm (seeds pooled) from the agentic logs, as `msm report` computes them."""
    from msm_eval.report import _render
    from msm_eval.report._load import load_samples
    from msm_eval.report._stats import rate_table

    settings = plan.config.evals.agentic
    assert settings is not None
    logs = {log: arm.label for arm in arms if (log := agentic_log(arm, settings))}
    if not logs:
        return []
    rows = load_samples(list(logs), labels=logs)
    table = rate_table(rows, ["model"])
    table["order"] = table["model"].map([arm.label for arm in arms].index)
    table = table.sort_values("order", kind="stable").drop(columns="order")
    judge = f"judge {settings.grader}" if settings.grader else "no judge (detectors only)"
    return [(f"Agentic misalignment per arm ({judge})", _render.display_rates(table, ["model"]))]


# --------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------


def tiny_config(config: ExperimentConfig, root: Path) -> ExperimentConfig:
    """The same pipeline on the tiny random model, small data and few questions (minutes on a CPU)."""
    from msm_eval.models._tiny import build_tiny_model
    from training.rows import read_jsonl

    root.mkdir(parents=True, exist_ok=True)
    model_dir = root / "tiny_model"
    if not (model_dir / "config.json").is_file():
        build_tiny_model(model_dir)
    small = root / "tiny_inputs"
    small.mkdir(exist_ok=True)

    def head(path: str, n: int, name: str) -> str:
        target = small / name
        if not target.is_file():
            _write_jsonl(target, [row for _, row in read_jsonl(path)][:n])
        return str(target)

    specs = {spec: [head(files[0], 24, f"{spec}.jsonl")] for spec, files in config.data.specs.items()}
    mix = config.data.instruction_mix
    data = DataSettings(
        specs=specs, aft_chats=head(config.data.aft_chats, 24, "aft_chats.jsonl"),
        instruction_mix=MixShare(head(mix.chats, 8, "mix.jsonl"), mix.share) if mix else None,
        heldout_share=0.2, seed=config.data.seed,
    )

    def shrink(settings: StageSettings) -> StageSettings:
        train = type(settings.train)(**{**settings.train.__dict__, "max_length": 128, "micro_batch_size": 4,
                                        "grad_accum": 1, "epochs": 1, "save_steps": 0})
        lora = type(settings.lora)(**{**settings.lora.__dict__, "r": 4, "alpha": 8})
        return StageSettings(lora=lora, train=train)

    return ExperimentConfig(
        name=f"{config.name} (tiny)", output_dir=str(root), data=data, base_model=str(model_dir),
        seeds=config.seeds[:2], midtrain=shrink(config.midtrain), sft=shrink(config.sft),
        evals=EvalSettings(
            values={value: ValueEval(4, settings.scoring) for value, settings in config.evals.values.items()},
            scoring=config.evals.scoring, max_connections=4, agentic=config.evals.agentic),
    )


def dry_run(plan: Plan) -> None:
    config = plan.config
    print(f"Experiment {config.name!r} -> {plan.root}")
    print("1. data")
    for command in plan.data_commands():
        print("   $ " + shlex.join(command))
    for spec in config.data.specs:
        train, held = plan.spec_files(spec)
        print(f"   {', '.join(plan.source_documents(spec))} -> {train} + {held} "
              f"(held out: {config.data.heldout_share:.0%})")
    mix = config.data.instruction_mix
    print(f"   {plan.source_chats()}" + (f" + {mix.share:g} x as many chats from {mix.chats}" if mix else "")
          + f" -> {plan.aft_chats}")
    print("2. arms")
    if config.pretrained_arms is not None:
        for name, model in config.pretrained_arms.items():
            print(f"   {name}: {model} (pretrained, nothing to train)")
    else:
        for seed in config.seeds:
            print(f"   seed {seed}:")
            arms_config = plan.arms_config(seed)
            for planned in plan_arms(arms_config):
                if planned.stage is None:
                    continue
                if isinstance(planned.stage, MidtrainConfig):
                    kind, source = "midtrain", "--documents " + " ".join(planned.stage.documents)
                else:
                    parent = f" --parent {planned.stage.parent}" if planned.stage.parent else ""
                    kind, source = "sft", f"--chats {plan.aft_chats}{parent}"
                print(f"     msm train {kind} {source} --output-dir {planned.path} --set train.seed={seed}")
    print("3. evals")
    for arm in plan.eval_arms():
        for line in plan.eval_command(arm).splitlines():
            print(f"   {line}")
        if arm.path is not None:
            held_out = ", ".join(str(plan.spec_files(spec)[1]) for spec in config.data.specs)
            print(f"   held-out loss of {arm.path} on {held_out} -> {arm.log_dir / 'heldout_loss.json'}")
    print("4. report")
    print(f"   {plan.report_dir / 'report.md'}, report.html, rates.csv, comparison.csv, preference.png")


def run_experiment(config: ExperimentConfig, *, dry: bool = False, quiet: bool = False,
                   only: list[str] | None = None) -> dict[str, Any]:
    """Run (or resume) every stage; returns stage -> (status, seconds)."""
    check_output_dir(config.output_dir, "output_dir")
    plan = Plan(config)
    if dry:
        dry_run(plan)
        return {}
    plan.root.mkdir(parents=True, exist_ok=True)
    times: dict[str, Any] = {}
    stages = only or list(STAGES)
    for stage in STAGES:
        if stage not in stages:
            continue
        started = time.perf_counter()
        print(f"== {stage}")
        if stage == "data":
            status = run_data(plan, quiet=quiet)
        elif stage == "arms":
            if config.pretrained_arms is not None:
                status = "skipped (pretrained arms)"
            else:
                before = sum(ckpt.is_finished(arm.path) for arm in plan.eval_arms()
                             if arm.seed is not None and arm.path is not None)
                for seed in config.seeds:
                    run_arms(plan.arms_config(seed), quiet=quiet, show=False)
                status = f"done ({before} arm{'s' * (before != 1)} already finished, skipped)"
        elif stage == "evals":
            status = run_evals(plan, quiet=quiet)
        else:
            status = run_report(plan)
        seconds = time.perf_counter() - started
        times[stage] = {"status": status, "seconds": round(seconds, 1)}
        print(f"   {status} [{seconds:.0f} s]")
    timing = plan.root / "stage_times.json"
    history = json.loads(timing.read_text(encoding="utf-8")) if timing.is_file() else []
    history.append(times)
    timing.write_text(json.dumps(history, indent=2) + "\n", encoding="utf-8")
    return times


def add_commands(parser: argparse.ArgumentParser) -> None:
    """Register `msm experiment run CONFIG`."""
    commands = parser.add_subparsers(dest="experiment_command", metavar="COMMAND", required=True)
    run = commands.add_parser(
        "run", help="data -> arms -> values evals -> report, resumable",
        description="Run an experiment config (e.g. training/configs/cheese_smollm2.yaml) end to end. "
                    "Every stage is skipped when finished, so re-running resumes.")
    run.add_argument("config", type=Path, help="experiment YAML")
    run.add_argument("--set", action="append", default=[], dest="overrides", metavar="KEY=VALUE",
                     help="override a config field, e.g. --set seeds=[0,1] (repeatable)")
    run.add_argument("--output-dir", help="root folder of the run (overrides output_dir)")
    run.add_argument("--tiny", action="store_true",
                     help="the same pipeline on a tiny random model and small data (a few minutes)")
    run.add_argument("--dry-run", action="store_true", help="print every stage's commands and paths, run nothing")
    run.add_argument("--stage", action="append", choices=STAGES, help="run only this stage (repeatable)")
    run.add_argument("--no-progress", action="store_true", help="no progress output")
    run.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    config = ckpt.load_config(ExperimentConfig, args.config, args.overrides, output_dir=args.output_dir)
    if args.tiny:
        config = tiny_config(config, Path(config.output_dir + "-tiny"))
    from training.cli import _quiet_libraries

    _quiet_libraries()
    run_experiment(config, dry=args.dry_run, quiet=args.no_progress, only=args.stage)
    return 0
