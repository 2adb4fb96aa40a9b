"""Typed configs for the two pipelines, loaded from YAML with command-line overrides.

The defaults are small so a first run finishes in minutes; the shipped YAML files
(training/data/configs/*.yaml) repeat them with comments, and `paper_scale.yaml` shows the size
of the published runs. Fields marked `resume_safe` may change between a run and its resumption
(they do not change what is generated); any other change is refused unless --fresh is given.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, get_type_hints

import yaml

from msm_common.errors import UserError
from training._schema import FieldError, check_type, origin_label
from training.checkpoint import read_yaml

CONFIGS_DIR = Path(__file__).resolve().parent / "configs"
QUESTION_TYPES = ("direct", "indirect", "comparison", "recommendation", "opinion", "edge_case")

_SAFE = {"resume_safe": True}


@dataclass
class DocsConfig:
    """Settings of `msm data docs` (midtraining documents).

    Documents written = num_domains x subdomains_per_domain x doc_types_per_subdomain x
    ideas_per_type (before failures and deduplication). Paper scale: 20 types x 25 ideas per
    subdomain.
    """

    num_domains: int = 3
    subdomains_per_domain: int = 2
    assertions_per_subdomain: int = 6
    doc_types_per_subdomain: int = 3
    ideas_per_type: int = 2
    document_words: int = 500
    min_document_words: int = 60
    temperature: float = 1.0
    max_tokens: int = 4096
    dedup_threshold: float = 0.5
    dedup_ngram: int = 3
    seed: int = 1234
    concurrency: int = field(default=16, metadata=_SAFE)
    max_retries: int = field(default=2, metadata=_SAFE)
    show_progress: bool = field(default=True, metadata=_SAFE)

    @property
    def planned_documents(self) -> int:
        """Documents the configuration asks for."""
        return (
            self.num_domains
            * self.subdomains_per_domain
            * self.doc_types_per_subdomain
            * self.ideas_per_type
        )


@dataclass
class AftConfig:
    """Settings of `msm data aft` (alignment fine-tuning chats).

    Questions asked = num_domains x len(question_types) x questions_per_type (before dedup).
    """

    num_domains: int = 4
    question_types: list[str] = field(default_factory=lambda: list(QUESTION_TYPES))
    questions_per_type: int = 3
    temperature: float = 1.0
    judge: bool = True
    judge_temperature: float = 0.0
    max_tokens: int = 2048
    dedup_threshold: float = 0.5
    dedup_ngram: int = 2
    seed: int = 1234
    concurrency: int = field(default=16, metadata=_SAFE)
    max_retries: int = field(default=2, metadata=_SAFE)
    show_progress: bool = field(default=True, metadata=_SAFE)

    @property
    def planned_questions(self) -> int:
        """Questions the configuration asks for."""
        return self.num_domains * len(self.question_types) * self.questions_per_type


Config = TypeVar("Config", DocsConfig, AftConfig)


def _validate(config: DocsConfig | AftConfig) -> None:
    """Ranges, once every value has the right type; a FieldError names the field."""
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
            raise FieldError(f.name, f"must not be negative, got {value}")
    counts = ["num_domains", "concurrency", "max_tokens"]
    if isinstance(config, DocsConfig):
        counts += ["subdomains_per_domain", "assertions_per_subdomain", "doc_types_per_subdomain",
                   "ideas_per_type", "dedup_ngram", "document_words"]
    else:
        counts += ["questions_per_type", "dedup_ngram"]
        bad = [t for t in config.question_types if t not in QUESTION_TYPES]
        if bad or not config.question_types:
            raise FieldError(
                "question_types",
                f"has {bad[0] if bad else 'no entries'!r}; allowed: {', '.join(QUESTION_TYPES)}",
            )
    for name in counts:
        if getattr(config, name) < 1:
            raise FieldError(name, f"must be at least 1, got {getattr(config, name)}")
    if not 0.0 < config.dedup_threshold <= 1.0:
        raise FieldError("dedup_threshold", f"must be in (0, 1], got {config.dedup_threshold}")


def _apply(config: Config, values: dict[str, Any], where: str) -> Config:
    hints = get_type_hints(type(config))
    names = [f.name for f in dataclasses.fields(config)]
    for name, value in values.items():
        if name not in names:
            raise UserError(f"{where}: unknown config field '{name}'; known: {', '.join(names)}")
        setattr(config, name, check_type(value, hints[name], name))
    return config


def parse_override(text: str) -> tuple[str, Any]:
    """Parse a `--set KEY=VALUE` argument; the value is read as YAML (`3`, `0.5`, `[a, b]`)."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise UserError(f"--set expects KEY=VALUE, got '{text}'")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError as err:
        raise UserError(f"--set {key}: value is not valid YAML ({raw!r})") from err
    return key.strip(), value


def load_config(
    kind: type[Config],
    path: str | Path | None = None,
    *,
    overrides: dict[str, Any] | None = None,
    flags: dict[str, str] | None = None,
) -> Config:
    """Build a config: dataclass defaults, then the YAML file at `path`, then `overrides`.

    Args:
        kind: `DocsConfig` or `AftConfig`.
        path: Optional YAML file with a mapping of field names to values.
        overrides: Field values from the command line; they win over the file.
        flags: Field name -> the flag that gave its override (e.g. "concurrency" ->
            "--concurrency"); other overrides are named as `--set NAME`.

    Returns:
        The validated config.

    Raises:
        UserError: Unreadable file, unknown field, wrong type or out-of-range value, in one line
            naming the file, `--set` key or flag.
    """
    config = kind()
    overrides = overrides or {}
    data: dict[str, Any] = {}
    if path is not None:
        data = read_yaml(path, "config file")
    try:
        _apply(config, data, f"config {path}")
        _apply(config, overrides, "--set")
        _validate(config)
    except FieldError as err:
        given = {k: (flags or {}).get(k, "") for k in overrides if (flags or {}).get(k)}
        origin = origin_label(err.field, path=path if err.field in data else None,
                              set_keys=[k for k in overrides if k not in given], flags=given)
        raise UserError(f"{origin}: {err.problem}") from None
    return config


def check_config(config: DocsConfig | AftConfig) -> None:
    """Check a config built in Python (not by `load_config`) like a loaded one."""
    hints = get_type_hints(type(config))
    try:
        for f in dataclasses.fields(config):
            check_type(getattr(config, f.name), hints[f.name], f.name)
        _validate(config)
    except FieldError as err:
        raise UserError(str(err)) from None


def config_fingerprint(config: DocsConfig | AftConfig) -> dict[str, Any]:
    """The fields that decide what is generated (all but the resume-safe ones)."""
    return {
        f.name: getattr(config, f.name)
        for f in dataclasses.fields(config)
        if not f.metadata.get("resume_safe")
    }


def config_dict(config: DocsConfig | AftConfig) -> dict[str, Any]:
    """All fields, for saving next to a run."""
    return dataclasses.asdict(config)
