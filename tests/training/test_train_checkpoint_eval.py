"""End to end: midtrain -> sft (continuing the adapter) -> merged checkpoint -> Inspect hf provider."""

from __future__ import annotations

from pathlib import Path

from inspect_ai import eval

from msm_eval.agentic import agentic
from tests.training.test_midtrain import TINY_LORA, tiny_train, write_docs
from tests.training.test_sft import TOOL_CHAT, write_chats
from training.midtrain import MidtrainConfig, run_midtrain
from training.sft import SFTConfig, run_sft


def test_msm_aft_checkpoint_runs_one_agentic_sample(tiny_model_dir: Path, tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs.jsonl", n=12)
    mid = run_midtrain(MidtrainConfig(documents=[str(docs)], output_dir=str(tmp_path / "mid"),
                                      base_model=str(tiny_model_dir), lora=TINY_LORA,
                                      train=tiny_train()), quiet=True)
    chats = write_chats(tmp_path / "chats.jsonl", n=8, extra=[TOOL_CHAT])
    out = tmp_path / "msm_aft"
    sft = run_sft(SFTConfig(chats=str(chats), output_dir=str(out), parent=str(tmp_path / "mid"),
                            train=tiny_train(max_length=1024, micro_batch_size=1)), quiet=True)
    assert mid is not None and sft is not None
    assert mid["loss_per_step"][-1] < mid["loss_per_step"][0]

    # The task function, not the name "msm_eval/agentic": under pytest the repository root is on
    # sys.path and its egg-info can hide the installed entry point from Inspect.
    task = agentic(families="blackmail", goal_type="explicit", goal_value="america",
                   urgency="replacement")
    [log] = eval(task, model=f"hf/{out}", limit=1, max_tokens=8, log_dir=str(tmp_path / "logs"),
                 display="none")
    assert log.status == "success", log.error
    [sample] = log.samples or []
    assert sample.id == "blackmail_explicit-america_replacement"
    assert sample.scores
