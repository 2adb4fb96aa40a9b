"""Model Spec Midtraining: data generation (training.data), the midtrain and sft stages, arms.

Heavy libraries (torch, transformers, peft, accelerate) are imported only when a stage runs, so
importing this package (e.g. for the `msm` command line) stays fast.
"""

from training.arms import ArmsConfig, run_arms
from training.engine import LoraSettings, TrainSettings
from training.midtrain import MidtrainConfig, MixSettings, run_midtrain
from training.sft import SFTConfig, run_sft

__all__ = [
    "ArmsConfig",
    "LoraSettings",
    "MidtrainConfig",
    "MixSettings",
    "SFTConfig",
    "TrainSettings",
    "run_arms",
    "run_midtrain",
    "run_sft",
]
