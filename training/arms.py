"""Experiment arms: base, AFT-only, MSM-only and MSM+AFT per spec, from one base model.

Every AFT stage (AFT-only and each MSM+AFT) reads the same chats file with the same seed and
settings, so the AFT data, its order and the seeds are identical across arms; only the starting
point differs (a fresh adapter on the base model, or the spec's midtraining adapter). Each arm is
an ordinary stage directory, so an interrupted `msm train arms` resumes where it stopped and
finished arms are reused.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from msm_common.errors import check_output_dir
from training import checkpoint as ckpt
from training._schema import FieldError, join
from training.chats import OVERLONG
from training.engine import LoraSettings, TrainSettings
from training.midtrain import MidtrainConfig, MixSettings, run_midtrain
from training.sft import SFTConfig, run_sft


@dataclass
class StageSettings:
    """LoRA and optimisation settings of one stage kind (shared by all arms)."""

    lora: LoraSettings = field(default_factory=LoraSettings)
    train: TrainSettings = field(default_factory=TrainSettings)


@dataclass
class ArmsConfig:
    """`msm train arms` settings.

    Attributes:
        name: Experiment name (used in printed commands).
        output_dir: Root folder; each arm is written to <output_dir>/<arm>.
        aft_chats: The one AFT chats JSONL used by every AFT stage.
        specs: Spec name -> midtraining document JSONL file(s).
        base_model: HF hub id, local directory or "default" (embedded SmolLM2-135M-Instruct).
        midtrain: Settings of the midtraining stages.
        sft: Settings of the AFT stages.
        mix: Optional instruction data mixed into midtraining.
        overlong: AFT policy for chats longer than max_length (truncate, drop, error).
        arms: Run only these arms (default: all).
        eval_tasks: Inspect tasks printed in the evaluation commands.
        eval_args: Extra arguments appended to each printed `inspect eval` command.
    """

    name: str
    output_dir: str
    aft_chats: str
    specs: dict[str, list[str]]
    base_model: str = ckpt.DEFAULT_BASE_MODEL
    midtrain: StageSettings = field(default_factory=StageSettings)
    sft: StageSettings = field(default_factory=StageSettings)
    mix: MixSettings | None = None
    overlong: str = "truncate"
    arms: list[str] | None = None
    eval_tasks: list[str] = field(default_factory=lambda: ["msm_eval/agentic"])
    eval_args: list[str] = field(default_factory=list)

    def validate(self, where: str) -> None:
        if not self.specs:
            raise FieldError(join(where, "specs"), "name at least one spec and its documents")
        for name, documents in self.specs.items():
            if not name.replace("_", "").replace("-", "").isalnum():
                raise FieldError(join(where, "specs"), f"{name!r} must be letters, digits, '_' or '-'")
            if not documents:
                raise FieldError(join(where, f"specs.{name}"), "give at least one documents JSONL file")
        if self.overlong not in OVERLONG:
            raise FieldError(join(where, "overlong"), f"{self.overlong!r}; allowed: {', '.join(OVERLONG)}")
        for key in ("name", "output_dir", "aft_chats", "base_model"):
            if not getattr(self, key).strip():
                raise FieldError(join(where, key), "must not be empty")
        known = arm_names(self)
        for arm in self.arms or []:
            if arm not in known:
                raise FieldError(join(where, "arms"), f"unknown arm {arm!r}; allowed: {', '.join(known)}")


@dataclass
class Arm:
    name: str
    description: str
    path: Path
    stage: MidtrainConfig | SFTConfig | None  # None: the untrained base model
    needs: str | None = None  # an arm that must be finished first


def arm_names(config: ArmsConfig) -> list[str]:
    names = ["base", "aft_only"]
    for spec in config.specs:
        names += [f"msm_{spec}", f"msm_aft_{spec}"]
    return names


def plan_arms(config: ArmsConfig) -> list[Arm]:
    """The arms in run order (each MSM arm before the MSM+AFT arm that continues it)."""
    root = Path(config.output_dir)
    base = ckpt.resolve_base_model(config.base_model)
    arms = [Arm("base", "base model, no training", Path(base), None)]

    def sft(out: Path, parent: Path | None) -> SFTConfig:
        return SFTConfig(
            chats=config.aft_chats,
            output_dir=str(out),
            base_model=None if parent else base,
            parent=str(parent) if parent else None,
            overlong=config.overlong,
            lora=config.sft.lora,
            train=config.sft.train,
        )

    arms.append(Arm("aft_only", "AFT only (baseline)", root / "aft_only", sft(root / "aft_only", None)))
    for spec, documents in config.specs.items():
        msm = root / f"msm_{spec}"
        arms.append(Arm(
            f"msm_{spec}", f"MSM only ({spec})", msm,
            MidtrainConfig(documents=list(documents), output_dir=str(msm), base_model=base,
                           mix=config.mix, lora=config.midtrain.lora, train=config.midtrain.train),
        ))
        out = root / f"msm_aft_{spec}"
        arms.append(Arm(f"msm_aft_{spec}", f"MSM+AFT ({spec})", out, sft(out, msm),
                        needs=f"msm_{spec}"))
    if config.arms:
        wanted = set(config.arms)
        wanted |= {a.needs for a in arms if a.name in wanted and a.needs}
        arms = [a for a in arms if a.name in wanted]
    return arms


def eval_commands(config: ArmsConfig, arms: list[Arm]) -> list[str]:
    extra = " ".join(shlex.quote(a) for a in config.eval_args)
    lines = []
    for task in config.eval_tasks:
        for arm in arms:
            cmd = f"inspect eval {task} --model hf/{shlex.quote(str(arm.path))}"
            lines.append(f"{cmd} {extra}".rstrip())
    return lines


def run_arms(
    config: ArmsConfig, *, overwrite: bool = False, dry_run: bool = False, quiet: bool = False,
    show: bool = True,
) -> list[dict[str, Any]]:
    """Train every arm that is not finished yet, then print checkpoint paths and eval commands.

    Args:
        config: The experiment config.
        overwrite: Retrain arms whose output directory already holds a checkpoint.
        dry_run: Only validate the inputs and print the plan.
        quiet: No progress bars.
        show: Print the arms and the commands that evaluate them.

    Returns:
        One record per arm: name, description, path and status.
    """
    ckpt.check_config(config)
    check_output_dir(config.output_dir, "output_dir")
    arms = plan_arms(config)
    # Check every input (files, folders, model settings) before the first (long) stage starts.
    from training.chats import read_chats
    from training.midtrain import read_documents

    read_chats(config.aft_chats)
    for documents in config.specs.values():
        for path in documents:
            read_documents(path)
    if config.mix is not None:
        read_chats(config.mix.chats)
    for arm in arms:
        if arm.stage is not None:
            check_output_dir(arm.path, f"output_dir ({arm.name})")
            ckpt.read_manifest(arm.path)  # a corrupt manifest is refused now, not mid-experiment
    stages = [a.stage for a in arms if a.stage is not None]
    base = ckpt.resolve_base_model(config.base_model)
    for stage_name, settings, used, fresh in (
        ("midtrain", config.midtrain, any(isinstance(s, MidtrainConfig) for s in stages), True),
        # A continued (MSM+AFT) adapter keeps its parent's modules; only a fresh one is checked.
        ("sft", config.sft, any(isinstance(s, SFTConfig) for s in stages),
         any(isinstance(s, SFTConfig) and s.parent is None for s in stages)),
    ):
        if used:
            lora = settings.train.method == "lora" and fresh
            ckpt.check_model(base, attn_implementation=settings.train.attn_implementation,
                             target_modules=settings.lora.target_modules if lora else None,
                             where=stage_name)

    records = []
    for arm in arms:
        status = "base model"
        if arm.stage is not None:
            if dry_run:
                status = "finished" if ckpt.is_finished(arm.path) else "to train"
            else:
                print(f"== arm {arm.name}: {arm.description} -> {arm.path}")
                if isinstance(arm.stage, MidtrainConfig):
                    run_midtrain(arm.stage, overwrite=overwrite, quiet=quiet)
                else:
                    run_sft(arm.stage, overwrite=overwrite, quiet=quiet)
                status = "finished"
        records.append({"arm": arm.name, "description": arm.description, "path": str(arm.path),
                        "status": status})
    if not show:
        return records
    print()
    print(f"Arms of experiment {config.name!r}:")
    width = max(len(r["arm"]) for r in records)
    for r in records:
        print(f"  {r['arm']:<{width}}  {r['status']:<10}  {r['path']}  ({r['description']})")
    print()
    print("Evaluate them with:")
    for line in eval_commands(config, arms):
        print(f"  {line}")
    return records
