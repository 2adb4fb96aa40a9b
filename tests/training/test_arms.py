"""Arms: base, AFT-only, MSM-only, MSM+AFT from one base model with identical AFT data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from msm_eval.cli import main
from tests.training.test_midtrain import write_docs
from tests.training.test_sft import write_chats
from training import checkpoint as ckpt
from training.arms import ArmsConfig
from training.cli import CONFIGS_DIR
from training.midtrain import MidtrainConfig
from training.sft import SFTConfig

STAGE = {"lora": {"r": 4, "alpha": 8},
         "train": {"max_length": 128, "micro_batch_size": 2, "lr": 5e-3, "warmup_ratio": 0.0,
                   "save_steps": 0}}


def write_config(tmp_path: Path, base: Path) -> Path:
    config = {
        "name": "tiny-cheese",
        "output_dir": str(tmp_path / "runs"),
        "base_model": str(base),
        "aft_chats": str(write_chats(tmp_path / "chats.jsonl", n=10)),
        "specs": {"cheap": [str(write_docs(tmp_path / "docs.jsonl", n=10))]},
        "midtrain": STAGE,
        "sft": STAGE,
        "eval_tasks": ["msm_eval/agentic"],
        "eval_args": ["--limit", "1"],
    }
    path = tmp_path / "arms.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_arms_share_aft_data_and_print_eval_commands(
    tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, tiny_model_dir)
    assert main(["train", "arms", "--config", str(config), "--dry-run"]) == 0
    assert "to train" in capsys.readouterr().out

    assert main(["train", "arms", "--config", str(config), "--no-progress"]) == 0
    out = capsys.readouterr().out
    runs = tmp_path / "runs"
    for arm in ("aft_only", "msm_cheap", "msm_aft_cheap"):
        assert ckpt.is_finished(runs / arm), arm
        assert f"inspect eval msm_eval/agentic --model hf/{runs / arm} --limit 1" in out
    assert f"--model hf/{tiny_model_dir} --limit 1" in out  # the base arm

    aft = json.loads((runs / "aft_only" / "manifest.json").read_text())
    msm_aft = json.loads((runs / "msm_aft_cheap" / "manifest.json").read_text())
    # Identical AFT data, order and seed; only the starting point differs.
    assert aft["data"]["rows_sha256"] == msm_aft["data"]["rows_sha256"]
    assert aft["data"]["files"] == msm_aft["data"]["files"]
    assert aft["config"]["train"] == msm_aft["config"]["train"]
    assert aft["parent"] is None
    assert msm_aft["parent"] == str(runs / "msm_cheap")
    assert msm_aft["config"]["lora"] == "continued from the parent's adapter"

    # A second run reuses every finished arm.
    stamp = (runs / "msm_cheap" / "model.safetensors").stat().st_mtime_ns
    assert main(["train", "arms", "--config", str(config), "--no-progress"]) == 0
    assert "already finished" in capsys.readouterr().out
    assert (runs / "msm_cheap" / "model.safetensors").stat().st_mtime_ns == stamp


def test_unknown_arm_and_missing_corpus_are_one_line_errors(
    tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, tiny_model_dir)
    assert main(["train", "arms", "--config", str(config), "--arms", "msm_nope"]) == 2
    assert "unknown arm 'msm_nope'; allowed: base, aft_only, msm_cheap, msm_aft_cheap" in (
        capsys.readouterr().err
    )
    assert main(["train", "arms", "--config", str(config), "--dry-run",
                 "--set", f"aft_chats={tmp_path / 'none.jsonl'}"]) == 2
    err = capsys.readouterr().err
    assert "none.jsonl: file not found" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("name", ["cheese.yaml", "qwen32b_cheese.yaml"])
def test_shipped_experiment_configs_load(name: str) -> None:
    config = ckpt.load_config(ArmsConfig, CONFIGS_DIR / name)
    assert set(config.specs) == {"cheese_america", "cheese_affordability"}
    assert config.aft_chats == "training/corpora/cheese_aft/chats.jsonl"
    for stage in (config.midtrain, config.sft):
        assert (stage.lora.r, stage.lora.alpha, stage.lora.dropout) == (64, 128, 0.0)
        assert len(stage.lora.target_modules) == 7
        assert (stage.train.lr, stage.train.lr_scheduler, stage.train.epochs) == (1e-4, "cosine", 1)
        assert (stage.train.warmup_ratio, stage.train.weight_decay) == (0.05, 0.01)


def test_shipped_stage_configs_load() -> None:
    mid = ckpt.load_config(MidtrainConfig, CONFIGS_DIR / "midtrain.yaml",
                           documents=["d.jsonl"], output_dir="o")
    sft = ckpt.load_config(SFTConfig, CONFIGS_DIR / "sft.yaml", chats="c.jsonl", output_dir="o")
    assert mid.lora.r == sft.lora.r == 64
    assert mid.train.max_length == sft.train.max_length == 4096
