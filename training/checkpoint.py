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

from msm_common.errors import UserError, check_output_dir, read_user_json, read_user_text
from training._schema import FieldError, check_type, join, origin_label, show

MANIFEST = "manifest.json"
STATE_DIR = "state"
ADAPTER_DIR = "adapter"
DEFAULT_BASE_MODEL = "default"  # the embedded SmolLM2-135M-Instruct (msm_eval.models)

T = TypeVar("T")


# --------------------------------------------------------------------------------------------
# Typed configs
# --------------------------------------------------------------------------------------------


def _check(value: Any, annotation: Any, where: str) -> Any:
    """One YAML value checked against a dataclass field annotation (nested configs recursively)."""
    inner, nullable = annotation, False
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = typing.get_args(annotation)
        inner = next((a for a in args if dataclasses.is_dataclass(a)), None)
        nullable = type(None) in args
        if inner is None:
            return check_type(value, annotation, where, wrap_strings=True)
    if dataclasses.is_dataclass(inner):
        if value is None and nullable:
            return None
        if not isinstance(value, Mapping):
            raise FieldError(where, f"must be a section (a mapping of keys to values), got {show(value)}")
        return config_from_dict(inner, value, where=where)  # type: ignore[arg-type]
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is dict and len(args) == 2 and dataclasses.is_dataclass(args[1]):
        # a mapping of names to sections (e.g. evals.values: {america: {questions: 150}})
        if not isinstance(value, Mapping):
            raise FieldError(where, f"must be a mapping of names to sections, got {show(value)}")
        return {check_type(key, args[0], where): _check({} if item is None else item, args[1], join(where, str(key)))
                for key, item in value.items()}
    # A single name where a list of names is expected (documents: a.jsonl) is a one-item list.
    return check_type(value, annotation, where, wrap_strings=True)


def config_from_dict(cls: type[T], data: Mapping[str, Any], *, where: str = "") -> T:
    """Build a (nested) config dataclass from a mapping, checking every value's type.

    Unknown or missing keys and values of the wrong type or out of range are `FieldError`s naming
    the dotted field (`where` is the section's own dotted name, "" at the top).
    """
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    for key in data:
        if not isinstance(key, str):
            raise FieldError(join(where, str(key)), f"keys must be names (strings), got {show(key)}")
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise FieldError(join(where, unknown[0]),
                         f"unknown key {unknown[0]!r}; allowed: {', '.join(sorted(fields))}")
    kwargs: dict[str, Any] = {}
    for name, f in fields.items():
        if name in data:
            kwargs[name] = _check(data[name], hints[name], join(where, name))
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise FieldError(join(where, name), "missing (set it in the YAML, by flag or with --set)")
    obj = cls(**kwargs)
    validate = getattr(obj, "validate", None)
    if callable(validate):
        validate(where)
    return obj


def apply_overrides(data: dict[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """Apply `key.sub=value` overrides (values parsed as YAML) to a nested config mapping."""
    for item in overrides:
        key, sep, raw = item.partition("=")
        parts = key.split(".")
        if not sep or not all(p.strip() for p in parts):
            raise UserError(f"--set {item!r}: expected KEY=VALUE, e.g. --set train.lr=2e-4")
        node = data
        for depth, part in enumerate(parts[:-1]):
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise UserError(f"--set {key}: {'.'.join(parts[:depth + 1])!r} is {show(child)} in the "
                                "config, not a section of keys")
            node = child
        try:
            node[parts[-1]] = yaml.safe_load(raw) if raw else ""
        except yaml.YAMLError as err:
            raise UserError(f"--set {key}: the value is not valid YAML ({_yaml_problem(err)})") from None
    return data


def _yaml_problem(err: yaml.YAMLError) -> str:
    return " ".join(str(getattr(err, "problem", None) or err).split())


def read_yaml(path: str | Path, what: str = "config file") -> dict[str, Any]:
    """Read a YAML mapping, with one-line errors for a missing, unreadable or malformed file."""
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        raise UserError(f"{path}: {what} not found")
    text = read_user_text(path, what)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise UserError(f"{path}{line}: invalid YAML ({_yaml_problem(err)})") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a mapping of keys to values at the top level, "
                        f"got {type(data).__name__}")
    return data


def load_config(
    cls: type[T], path: str | Path | None, overrides: Sequence[str] = (),
    flags: Mapping[str, str] | None = None, **fixed: Any,
) -> T:
    """Load a stage config: YAML file, then `--set` overrides, then explicit CLI flags.

    Args:
        cls: The config dataclass.
        path: The YAML file (None: only overrides and flags).
        overrides: `--set KEY=VALUE` items.
        flags: Field name -> the flag that sets it (e.g. "documents" -> "--documents"), so that an
            error names the flag; defaults to "--" + the name with dashes.
        **fixed: Values of the flags that were given (None: not given).

    Raises:
        UserError: One line naming the file, `--set` key or flag, and what is allowed.
    """
    data = read_yaml(path) if path is not None else {}
    data = apply_overrides(data, overrides)
    given = {k: v for k, v in fixed.items() if v is not None}
    data.update(given)
    flag_names = {k: (flags or {}).get(k, "--" + k.replace("_", "-")) for k in given}
    try:
        return config_from_dict(cls, data)
    except FieldError as err:
        origin = origin_label(err.field, path=path, set_keys=[o.partition("=")[0] for o in overrides],
                              flags=flag_names)
        raise UserError(f"{origin}: {err.problem}") from None


def check_config(config: Any) -> None:
    """Check a config built in Python (not loaded by `load_config`) like a loaded one."""
    try:
        config_from_dict(type(config), dataclasses.asdict(config))
    except FieldError as err:
        raise UserError(f"config field '{err.field}': {err.problem}") from None


def check_stop_after_steps(steps: Any, argument: str = "--stop-after-steps") -> None:
    """`stop_after_steps` is None (train to the end) or a whole number of steps >= 1."""
    if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int) or steps < 1):
        raise UserError(f"argument {argument}: must be a whole number of steps >= 1, got {steps!r}")


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
    """The manifest of a run directory, None without one, a one-line UserError when it is corrupt."""
    path = Path(directory) / MANIFEST
    if not path.exists() and not path.is_symlink():
        return None
    manifest = read_user_json(path, "manifest")
    if not isinstance(manifest, dict):
        raise UserError(f"{path}: expected a JSON object, got {type(manifest).__name__}; "
                        "the manifest is corrupt")
    return manifest


def read_progress(state_dir: Path) -> dict[str, Any]:
    """The saved progress of a partial run (state/progress.json); {} when there is none."""
    path = state_dir / "progress.json"
    if not path.exists() and not path.is_symlink():
        return {}
    progress = read_user_json(path, "training state file")
    if not isinstance(progress, dict) or not isinstance(progress.get("step"), int) or not isinstance(
        progress.get("losses"), list
    ):
        raise UserError(f"{path}: not a saved training state (expected an object with 'step' and "
                        "'losses'); pass --overwrite to start over")
    return progress


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

    check_output_dir(output_dir, "output_dir")
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
        saved = read_progress(output_dir / STATE_DIR)
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
        if not path.is_dir():
            raise UserError(f"base_model {name!r}: is a file; give a model directory or a HF hub id")
        if not (path / "config.json").is_file():
            raise UserError(f"base_model {name!r}: directory has no config.json (not a HF model)")
        config = read_user_json(path / "config.json", "model config")
        if not isinstance(config, dict):
            raise UserError(f"{path / 'config.json'}: expected a JSON object; the model config is corrupt")
        return str(path)
    if name.startswith(("/", ".", "~")) or name.count("/") > 1:
        raise UserError(f"base_model {name!r}: no such directory")
    return name


def load_tokenizer(name: str) -> Any:
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(name)
    except (OSError, ValueError) as err:
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
    except (ValueError, ImportError) as err:  # check_model refuses the usual causes earlier
        raise UserError(f"base_model {name!r}: cannot load it with attn_implementation="
                        f"{attn_implementation!r} ({_first_line(err)})") from None
    model.config.use_cache = False
    return model


# Layer types LoRA can adapt (peft): what lora.target_modules may name.
_LORA_LAYERS = ("Linear", "Embedding", "Conv1d", "Conv2d", "Conv3d", "Conv1D", "MultiheadAttention")


def check_model(
    name: str, *, attn_implementation: str, target_modules: Sequence[str] | None,
    where: str = "",
) -> None:
    """Refuse, before any training, settings the model cannot take: an attention implementation
    it cannot use, LoRA target modules it does not have.

    The model's architecture is built on the meta device (no weights are read, no memory used), so
    this takes about a second even for a 32B model.

    Args:
        name: The resolved base model (local directory or hub id).
        attn_implementation: train.attn_implementation.
        target_modules: lora.target_modules of a fresh adapter (None: no new adapter).
        where: Dotted prefix of the stage's settings in the config ("" or "midtrain").
    """
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM
    from transformers.models.auto.auto_factory import _get_model_class

    try:
        config = AutoConfig.from_pretrained(name)
        # The class itself, not from_config: under DeepSpeed ZeRO-3 from_config would partition.
        model_class = _get_model_class(config, AutoModelForCausalLM._model_mapping)
    except (OSError, ValueError, KeyError) as err:
        raise UserError(f"base_model {name!r}: not a causal language model transformers can load "
                        f"({_first_line(err)})") from None
    config._attn_implementation = attn_implementation
    try:
        with torch.device("meta"):
            model = model_class(config)
    except (ValueError, ImportError) as err:
        raise UserError(
            f"{join(where, 'train.attn_implementation')}: {attn_implementation!r} cannot be used with "
            f"{name} ({_first_line(err)})"
        ) from None
    if target_modules is None:
        return
    modules = dict(model.named_modules())
    adaptable = sorted({n.rsplit(".", 1)[-1] for n, m in modules.items()
                        if n and type(m).__name__ in _LORA_LAYERS})
    field = join(where, "lora.target_modules")
    for target in target_modules:
        found = [m for n, m in modules.items() if n == target or n.endswith("." + target)]
        if not found:
            raise UserError(f"{field}: {name} has no module {target!r}; "
                            f"allowed: {', '.join(adaptable)}")
        kinds = sorted({type(m).__name__ for m in found if type(m).__name__ not in _LORA_LAYERS})
        if kinds:
            raise UserError(f"{field}: {target!r} is a {kinds[0]} in {name}, which LoRA cannot "
                            f"adapt; allowed: {', '.join(adaptable)}")


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
