"""Run directories: typed configs from YAML, model loading, resume state, merge and manifest.

A finished stage directory is a Hugging Face model directory (merged weights + tokenizer) that
Inspect's hf provider and vLLM load directly, with the LoRA adapter beside it in `adapter/` and a
`manifest.json` that describes how it was made. While a stage runs, `state/` holds the last saved
training state so that re-running the same command resumes; it is removed once the stage finishes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import subprocess
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml

from msm_eval.errors import UserError

MANIFEST = "manifest.json"
STATE_DIR = "state"
ADAPTER_DIR = "adapter"
DEFAULT_BASE_MODEL = "default"  # the embedded SmolLM2-135M-Instruct (msm_eval.models)

T = TypeVar("T")


# --------------------------------------------------------------------------------------------
# Typed configs
# --------------------------------------------------------------------------------------------


def _coerce(value: Any, annotation: Any, where: str) -> Any:
    """Check (and gently convert) one YAML value against a dataclass field annotation."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        options = [a for a in args if a is not type(None)]
        if len(options) == 1:
            return _coerce(value, options[0], where)
        return value
    if dataclasses.is_dataclass(annotation):
        if not isinstance(value, Mapping):
            raise UserError(f"{where}: expected a mapping, got {value!r}")
        return config_from_dict(annotation, value, where=where)  # type: ignore[arg-type]
    if origin is list:
        items = [value] if isinstance(value, str | Path) else value
        if not isinstance(items, Sequence):
            raise UserError(f"{where}: expected a list, got {value!r}")
        return [_coerce(v, args[0] if args else Any, f"{where}[{i}]") for i, v in enumerate(items)]
    if origin is dict:
        if not isinstance(value, Mapping):
            raise UserError(f"{where}: expected a mapping, got {value!r}")
        return {str(k): _coerce(v, args[1] if args else Any, f"{where}.{k}") for k, v in value.items()}
    if annotation is bool:
        if isinstance(value, bool):
            return value
        raise UserError(f"{where}: expected true or false, got {value!r}")
    if annotation is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise UserError(f"{where}: expected an integer, got {value!r}")
    if annotation is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):  # YAML reads 1e-4 (no dot) as a string
            try:
                return float(value)
            except ValueError:
                pass
        raise UserError(f"{where}: expected a number, got {value!r}")
    if annotation is str:
        if isinstance(value, str | int | float | Path) and not isinstance(value, bool):
            return str(value)
        raise UserError(f"{where}: expected a string, got {value!r}")
    return value


def config_from_dict(cls: type[T], data: Mapping[str, Any], *, where: str = "config") -> T:
    """Build a (nested) config dataclass from a mapping; unknown or missing keys are UserErrors."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise UserError(
            f"{where}: unknown key {unknown[0]!r}; allowed: {', '.join(sorted(fields))}"
        )
    kwargs: dict[str, Any] = {}
    for name, f in fields.items():
        if name in data:
            kwargs[name] = _coerce(data[name], hints[name], f"{where}.{name}")
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise UserError(f"{where}: missing required key {name!r} (set it in the YAML or by flag)")
    obj = cls(**kwargs)
    validate = getattr(obj, "validate", None)
    if callable(validate):
        validate(where)
    return obj


def apply_overrides(data: dict[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """Apply `key.sub=value` overrides (values parsed as YAML) to a nested config mapping."""
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise UserError(f"--set {item!r}: expected KEY=VALUE, e.g. --set train.lr=2e-4")
        node = data
        parts = key.split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise UserError(f"--set {item!r}: {part!r} is not a section")
            node = child
        node[parts[-1]] = yaml.safe_load(raw) if raw else ""
    return data


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML mapping, with one-line errors for a missing or malformed file."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: config file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise UserError(f"{path}{line}: invalid YAML ({getattr(err, 'problem', err)})") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a mapping at the top level")
    return data


def load_config(
    cls: type[T], path: str | Path | None, overrides: Sequence[str] = (), **fixed: Any
) -> T:
    """Load a stage config: YAML file, then `--set` overrides, then explicit CLI flags."""
    data = read_yaml(path) if path is not None else {}
    data = apply_overrides(data, overrides)
    data.update({k: v for k, v in fixed.items() if v is not None})
    return config_from_dict(cls, data, where=str(path) if path else "config")


def config_hash(
    config: Any, *, ignore: Sequence[str] = (), extra: Mapping[str, Any] | None = None
) -> str:
    """A stable hash of a config dataclass (keys in `ignore` left out, e.g. the output dir).

    `extra` adds what the config only names by path (data file hashes, the parent's run hash), so
    a changed corpus or parent is a different run, not a finished one.
    """
    data = dataclasses.asdict(config)
    for key in ignore:
        data.pop(key, None)
    data["_extra"] = dict(extra or {})
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


# --------------------------------------------------------------------------------------------
# Provenance
# --------------------------------------------------------------------------------------------


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def code_revision() -> str:
    """The git commit of this checkout (+ "-dirty" with local changes), or "unknown"."""
    root = Path(__file__).resolve().parent.parent
    try:
        rev = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "training"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return rev + ("-dirty" if dirty else "")


def read_manifest(directory: str | Path) -> dict[str, Any] | None:
    path = Path(directory) / MANIFEST
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def write_manifest(directory: str | Path, manifest: Mapping[str, Any]) -> Path:
    path = Path(directory) / MANIFEST
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
    tmp.replace(path)  # atomic: a manifest on disk is always complete
    return path


def is_finished(directory: str | Path) -> bool:
    manifest = read_manifest(directory)
    return bool(manifest and manifest.get("status") == "finished")


def prepare_output_dir(output_dir: Path, *, run_hash: str, overwrite: bool) -> str:
    """Decide what a stage does with its output directory.

    Returns "finished" (same config already done: nothing to do), "resume" (a saved state of the
    same config exists) or "fresh". A finished checkpoint of a different config, or a partial run of
    a different config, is never replaced unless `overwrite` is set.
    """
    from accelerate import PartialState

    if overwrite:
        # Under `accelerate launch` every process gets here; only the main one deletes.
        state = PartialState()
        if state.is_main_process and output_dir.exists():
            shutil.rmtree(output_dir)
        state.wait_for_everyone()
        return "fresh"
    manifest = read_manifest(output_dir)
    has_state = (output_dir / STATE_DIR).is_dir()
    if manifest is not None and manifest.get("status") == "finished":
        if manifest.get("run_hash") == run_hash:
            return "finished"
        raise UserError(
            f"{output_dir}: holds a finished checkpoint of a different config; "
            "pass --overwrite to replace it or choose another output_dir"
        )
    if has_state:
        saved = json.loads((output_dir / STATE_DIR / "progress.json").read_text()) if (
            output_dir / STATE_DIR / "progress.json"
        ).is_file() else {}
        if saved.get("run_hash") == run_hash:
            return "resume"
        raise UserError(
            f"{output_dir}: holds a partial run of a different config; "
            "pass --overwrite to start over or choose another output_dir"
        )
    leftovers = {STATE_DIR + ".tmp"}  # a save interrupted before the first state was complete
    if output_dir.exists() and any(p.name not in leftovers for p in output_dir.iterdir()):
        raise UserError(
            f"{output_dir}: exists and is not a training run directory; "
            "pass --overwrite to replace it or choose another output_dir"
        )
    return "fresh"


# --------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------


def resolve_base_model(name: str) -> str:
    """Map a base model setting to something `from_pretrained` accepts, checking local paths.

    "default" is the embedded SmolLM2-135M-Instruct, prepared offline on first use. A value that
    looks like a path (starts with "/", ".", "~" or exists) must be an existing directory; anything
    else is treated as a Hugging Face hub id.
    """
    if name == DEFAULT_BASE_MODEL:
        from msm_eval.models import ensure_default_model

        return str(ensure_default_model())
    path = Path(name).expanduser()
    if path.exists():
        if not (path / "config.json").is_file():
            raise UserError(f"base_model {name!r}: directory has no config.json (not a HF model)")
        return str(path)
    if name.startswith(("/", ".", "~")) or name.count("/") > 1:
        raise UserError(f"base_model {name!r}: no such directory")
    return name


def load_tokenizer(name: str) -> Any:
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(name)
    except OSError as err:
        raise UserError(f"base_model {name!r}: cannot load its tokenizer ({_first_line(err)})") from None
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_model(name: str, *, dtype: Any, attn_implementation: str = "sdpa") -> Any:
    from transformers import AutoModelForCausalLM

    try:
        model = AutoModelForCausalLM.from_pretrained(
            name, dtype=dtype, attn_implementation=attn_implementation
        )
    except OSError as err:
        raise UserError(f"base_model {name!r}: cannot load it ({_first_line(err)})") from None
    model.config.use_cache = False
    return model


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0] if text else type(err).__name__


def save_merged(
    *,
    base_model: str,
    adapter_dir: Path | None,
    full_state: Mapping[str, Any] | None,
    tokenizer: Any,
    output_dir: Path,
    dtype: Any,
) -> None:
    """Write the merged Hugging Face model to `output_dir`.

    For LoRA the base model is loaded afresh in `dtype` and the saved adapter merged into it: the
    same path works after single-process, DDP, DeepSpeed or FSDP training, because it only needs the
    adapter files. For full fine-tuning `full_state` holds the trained weights.
    """
    model = load_model(base_model, dtype=dtype)
    if adapter_dir is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(adapter_dir)).merge_and_unload()
    elif full_state is not None:
        own = model.state_dict()
        trained = {k: v.to(own[k].dtype) for k, v in full_state.items() if k in own}
        model.load_state_dict(trained, strict=False)
    model.config.use_cache = True
    model.save_pretrained(output_dir)
    tokenizer.save_pretrained(output_dir)
    # tokenizer.save_pretrained writes chat_template.jinja, which both hf and vLLM read.
