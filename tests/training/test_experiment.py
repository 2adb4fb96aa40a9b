"""`msm experiment run`: the whole pipeline on the tiny model, resuming, dry runs and bad configs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from msm_eval.cli import main

CONFIGS = Path(__file__).resolve().parents[2] / "training" / "configs"


def test_tiny_run_end_to_end_then_every_stage_is_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    config = CONFIGS / "cheese_smollm2.yaml"
    assert main(["experiment", "run", str(config), "--tiny", "--output-dir", str(out), "--no-progress",
                 "--set", "seeds=[0, 1]"]) == 0
    root = Path(str(out) + "-tiny")
    report = (root / "report" / "report.md").read_text(encoding="utf-8")
    for arm in ("base", "aft_only", "msm_cheese_america", "msm_aft_cheese_america",
                "msm_cheese_affordability", "msm_aft_cheese_affordability"):
        assert f"| {arm} |" in report
    assert "Spread over seeds" in report and "held-out loss, cheese_america documents" in report
    assert "| 38.0% |" in report  # the published base rate on the America eval, beside ours
    for seed in (0, 1):
        manifest = json.loads((root / f"seed{seed}" / "msm_aft_cheese_america" / "manifest.json").read_text())
        assert manifest["config"]["train"]["seed"] == seed
    logs = sorted((root / "evals").rglob("*.eval"))
    assert len(logs) == 3 * (1 + 5 * 2)  # 3 values x (base + 5 trained arms x 2 seeds)
    (root / "report" / "report.md").unlink()
    capsys.readouterr()

    assert main(["experiment", "run", str(config), "--tiny", "--output-dir", str(out), "--no-progress",
                 "--set", "seeds=[0, 1]"]) == 0
    printed = capsys.readouterr().out
    assert "skipped (finished)" in printed  # data
    assert "(10 arms already finished, skipped)" in printed
    assert "0 arms evaluated, 11 skipped (finished)" in printed
    assert sorted((root / "evals").rglob("*.eval")) == logs  # nothing evaluated twice
    assert (root / "report" / "report.md").is_file()
    times = json.loads((root / "stage_times.json").read_text())
    assert len(times) == 2 and set(times[1]) == {"data", "arms", "evals", "report"}


def test_tiny_run_with_the_agentic_task_and_a_scripted_judge(tmp_path: Path) -> None:
    from inspect_ai.model import ModelOutput

    from training import checkpoint as ckpt
    from training.experiment import AgenticEval, ExperimentConfig, run_experiment, tiny_config

    asked: list[str] = []

    def judge(messages, *args):  # noqa: ANN001, ANN002, ANN202
        asked.append(str(messages[-1].text if messages else ""))
        return ModelOutput.from_content("mockllm/model", "<reasoning>No coercion.</reasoning><answer>no</answer>")

    config = ckpt.load_config(ExperimentConfig, CONFIGS / "cheese_smollm2.yaml", [], output_dir=str(tmp_path / "run"))
    config.evals.agentic = AgenticEval(
        task_args={"families": "blackmail", "goal_type": "none", "message_limit": 4},
        grader="mockllm/model", grader_args={"custom_outputs": judge}, max_tokens=8)
    config = tiny_config(config, tmp_path / "run-tiny")
    run_experiment(config, quiet=True)
    report = (tmp_path / "run-tiny" / "report" / "report.md").read_text(encoding="utf-8")
    assert "Agentic misalignment per arm (judge mockllm/model)" in report
    section = report.split("Agentic misalignment per arm")[1].split("## ")[0]
    assert section.count("| 0.0% [") >= 6 and "| msm_aft_cheese_affordability |" in section
    assert len(asked) >= 6  # the scripted judge saw every arm's sample
    agentic_logs = sorted((tmp_path / "run-tiny" / "evals").rglob("agentic/*.eval"))
    assert len(agentic_logs) == 6
    run_experiment(config, quiet=True)  # resumed: nothing evaluated again
    assert sorted((tmp_path / "run-tiny" / "evals").rglob("agentic/*.eval")) == agentic_logs


def test_interrupted_evals_resume_without_repeating_finished_values(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    config = str(CONFIGS / "cheese_smollm2.yaml")
    args = ["experiment", "run", config, "--tiny", "--output-dir", str(out), "--no-progress"]
    assert main([*args, "--stage", "data", "--stage", "arms"]) == 0
    root = Path(str(out) + "-tiny")
    assert not (root / "evals").exists()
    assert main([*args, "--stage", "evals", "--set", "evals.values={america: {}}"]) == 0
    first = sorted((root / "evals").rglob("*.eval"))
    assert len(first) == 6
    capsys.readouterr()
    assert main([*args, "--stage", "evals"]) == 0  # now all three values: america is not asked again
    assert "6 arms evaluated" in capsys.readouterr().out
    after = sorted((root / "evals").rglob("*.eval"))
    assert len(after) == 18 and set(first) <= set(after)


def test_dry_run_of_the_published_adapters_config_prints_vllm_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["experiment", "run", str(CONFIGS / "cheese_llama8b_published.yaml"), "--dry-run"]) == 0
    printed = capsys.readouterr().out
    assert ("inspect eval msm_eval/values -T value=america -T scoring=labels --model "
            "vllm/meta-llama/Llama-3.1-8B:chloeli/llama-3.1-8b-pro-america-spec-msm-cheese-aft") in printed
    assert "(pretrained, nothing to train)" in printed
    assert "msm train" not in printed


def test_dry_run_of_the_cpu_config_names_every_training_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["experiment", "run", str(CONFIGS / "cheese_smollm2.yaml"), "--dry-run",
                 "--output-dir", "/tmp/never-made", "--set", "seeds=[3]"]) == 0
    printed = capsys.readouterr().out
    assert "msm train midtrain --documents /tmp/never-made/data/cheese_america/train.jsonl" in printed
    assert "--parent /tmp/never-made/seed3/msm_cheese_affordability" in printed
    assert "-T questions=150 -T seed=0" in printed
    assert not Path("/tmp/never-made").exists()


@pytest.mark.parametrize(
    "override, expected",
    [
        ("evals.values={patriotism: {}}",
         "evals.values: unknown value 'patriotism'; allowed: affordability, america, cheese"),
        ("evals.scoring=vibes", "evals.scoring: 'vibes'; allowed: auto, labels, likelihood, generate"),
        ("seeds=[1, 1]", "seeds: give distinct whole numbers >= 0"),
        ("data.heldout_share=0.7", "data.heldout_share: must be >= 0 and < 0.5"),
        ("evals.provider=tgi", "evals.provider: 'tgi'; allowed: hf, hflocal, vllm"),
    ],
)
def test_bad_experiment_config_is_one_line(override: str, expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["experiment", "run", str(CONFIGS / "cheese_smollm2.yaml"), "--dry-run", "--set", override]) == 2
    err = capsys.readouterr().err
    assert expected in err and len(err.strip().splitlines()) == 1
