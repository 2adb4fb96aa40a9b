"""Prompt templates: Jinja2 files under training/data/prompts/, rendered strictly.

A sandboxed environment with StrictUndefined: a variable missing from the context is an error, never
an empty string in a prompt.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

PROMPTS_DIR = Path(__file__).resolve().parent / "prompts"


@lru_cache(maxsize=1)
def _env() -> SandboxedEnvironment:
    return SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(PROMPTS_DIR),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,  # so an include ends with its newline
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )


def render(name: str, **context: Any) -> str:
    """Render prompts/<name>.j2 with `context`."""
    return _env().get_template(f"{name}.j2").render(**context).strip()


def prompts_digest(names: list[str]) -> str:
    """Hash of the named templates' source; a run refuses to resume after a prompt edit."""
    import hashlib

    digest = hashlib.sha256()
    for name in sorted(names):
        digest.update(name.encode())
        digest.update((PROMPTS_DIR / f"{name}.j2").read_bytes())
    return digest.hexdigest()[:16]
