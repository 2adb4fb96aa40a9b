"""Loading a model spec: a Markdown file, shipped under training/specs/ or given as a path.

Specs refer to the model and its developer as {model_name} and {provider_name}; both are filled
here. Any other {lowercase_name} placeholder is refused, so a typo never reaches the generator as a
literal brace.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from msm_common.errors import UserError, read_user_text

SPECS_DIR = Path(__file__).resolve().parent.parent / "specs"
DEFAULT_MODEL_NAME = "Aster"
DEFAULT_PROVIDER_NAME = "Lumen Labs"
SPEC_VARIABLES = ("model_name", "provider_name")
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


@dataclass(frozen=True)
class Spec:
    """A spec with its variables filled.

    Attributes:
        name: Shipped name, or the file's stem for a spec given by path.
        path: Where it was read from.
        text: The filled Markdown text.
        model_name: Value used for {model_name}.
        provider_name: Value used for {provider_name}.
    """

    name: str
    path: Path
    text: str
    model_name: str
    provider_name: str

    @property
    def sha256(self) -> str:
        """Hash of the filled text; a run remembers it to detect a changed spec."""
        return hashlib.sha256(self.text.encode()).hexdigest()


def shipped_specs() -> list[str]:
    """Names of the specs shipped under training/specs/ (file stems, sorted)."""
    if not SPECS_DIR.is_dir():
        return []
    # README.md (and _private files) document the folder; they are not specs.
    return sorted(p.stem for p in SPECS_DIR.glob("*.md")
                  if p.stem.lower() != "readme" and not p.stem.startswith("_"))


def _resolve(spec: str) -> Path:
    as_path = Path(spec).expanduser()
    if as_path.is_file():
        return as_path
    if spec in shipped_specs():
        return SPECS_DIR / f"{spec}.md"
    if as_path.exists() or as_path.is_symlink():
        return as_path  # a folder, a symlink loop, ...: reading it says what is wrong, in one line
    names = ", ".join(shipped_specs()) or "(none shipped)"
    raise UserError(f"unknown spec '{spec}': give a shipped name ({names}) or a Markdown file path")


def fill_spec(text: str, *, model_name: str, provider_name: str, where: str = "spec") -> str:
    """Fill {model_name} and {provider_name}; refuse any other placeholder."""
    unknown = sorted(set(_PLACEHOLDER.findall(text)) - set(SPEC_VARIABLES))
    if unknown:
        allowed = ", ".join("{" + v + "}" for v in SPEC_VARIABLES)
        raise UserError(f"{where}: unknown variable {{{unknown[0]}}}; allowed: {allowed}")
    return text.replace("{model_name}", model_name).replace("{provider_name}", provider_name)


def load_spec(
    spec: str,
    *,
    model_name: str = DEFAULT_MODEL_NAME,
    provider_name: str = DEFAULT_PROVIDER_NAME,
) -> Spec:
    """Load a spec by shipped name or file path and fill its variables.

    Args:
        spec: A shipped spec name (see `shipped_specs()`) or a path to a Markdown file.
        model_name: Name the spec's {model_name} becomes.
        provider_name: Name the spec's {provider_name} becomes.

    Returns:
        The filled `Spec`.

    Raises:
        UserError: Unknown name, unreadable or empty file, or an unknown placeholder.
    """
    path = _resolve(spec)
    raw = read_user_text(path, "spec file")
    if not raw.strip():
        raise UserError(f"spec {path} is empty")
    for label, value in (("--model-name", model_name), ("--provider-name", provider_name)):
        if not value.strip():
            raise UserError(f"{label} must not be empty")
    text = fill_spec(raw, model_name=model_name, provider_name=provider_name, where=f"spec {path}")
    name = path.stem
    return Spec(name=name, path=path, text=text, model_name=model_name, provider_name=provider_name)
