"""Check an Inspect model name (`--model`, `--grader`) before any eval, and name local models.

A name Inspect cannot use costs a newcomer a traceback, or half a minute of Hub retries when there
is no network; here it costs one line saying what is wrong and what works offline. Providers are
Inspect's registered model APIs (with any installed plugins), not a list kept here.
"""

from __future__ import annotations

import os
import re
import socket
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from msm_common.errors import UserError

OFFLINE_MODELS = "hf/<local model folder>, hflocal/<local model folder>, mockllm/model"
# Providers that load a local Hugging Face folder: Inspect's own and ours (fast on CPU).
LOCAL_HF_PROVIDERS = ("hf", "hflocal")
_MARKUP = re.compile(r"\[/?(bold|italic|underline|red|yellow|green|blue)\]")


def hf_model(path: Path, provider: str = "hf") -> tuple[str, dict[str, Any]]:
    """The Inspect model name and model args for a local Hugging Face folder.

    The name is `<provider>/<folder name>` (`hf`, or `hflocal` for our fast CPU path) and the path
    travels as the provider's `model_path` argument,
    so names never read `hf//abs/path` and the log shows a short name. Whoever runs it must also
    `register_model_info(name, path)`: Inspect's agent loop looks models up by name and would
    otherwise ask the Hub for `<folder name>`.
    """
    return f"{provider}/{path.name}", {"model_path": str(path)}


def register_model_info(name: str, folder: Path | None) -> None:
    """Tell Inspect a local model's context length, so it never builds the model again to look it up.

    Inspect's agent loop asks for the model's info by name; for a name it does not know it builds
    the model a second time (a second copy of the weights for `hf/<folder>`, or Hub requests that
    retry for half a minute offline for a short name).
    """
    import json

    from inspect_ai.model import ModelInfo, set_model_info

    context = None
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8")) if folder else None
        context = config.get("max_position_embeddings") if isinstance(config, dict) else None
    except (OSError, ValueError):
        pass  # a Hub name: Inspect shows no context size, which is all this costs
    set_model_info(name, ModelInfo(context_length=context if isinstance(context, int) else None))


def hf_command_args(path: Path) -> str:
    """`--model hf/<path>` for `inspect eval`: relative to the working folder when inside it.

    An absolute path keeps Inspect's form `hf/` + `/abs/path`; the short `hf/<name>` with `-M
    model_path=` would make Inspect's model lookup ask the Hub for `<name>` outside `msm demo`.
    """
    try:
        shown = str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        shown = str(path)
    return f"--model hf/{shown}"


def model_providers() -> list[str]:
    """Inspect's registered model providers (built in and from installed plugins), sorted."""
    import inspect_ai.model  # noqa: F401  (registers the built-in providers)
    from inspect_ai._util.registry import registry_find, registry_info, registry_unqualified_name

    try:
        from inspect_ai._util.entrypoints import ensure_entry_points

        ensure_entry_points()  # providers from installed plugins
    except Exception:  # an older or newer Inspect: the built-in providers still count
        pass
    found = registry_find(lambda info: info.type == "modelapi")
    return sorted({registry_unqualified_name(registry_info(api)) for api in found})


def check_model_name(name: str, argument: str, *, offline: str = OFFLINE_MODELS) -> None:
    """Refuse, in one line, a model name Inspect cannot use here.

    Checks the PROVIDER/MODEL form, that the provider is registered with Inspect, and for `hf/`
    that the model is a local folder, or a Hub name that is cached or reachable.

    Args:
        name: The model name as given.
        argument: The option it came from, e.g. "--model".
        offline: What works offline, for the message.
    """
    works = f"offline these work: {offline}"
    provider, slash, model = name.partition("/")
    if not slash or not provider:
        raise UserError(
            f"argument {argument}: {name!r} names no provider; write PROVIDER/MODEL (e.g. hf/<folder>, "
            f"openai/gpt-4.1-mini); {works}"
        )
    if not model.strip("/"):
        raise UserError(f"argument {argument}: {name!r} names no model after {provider}/; {works}")
    providers = model_providers()
    if provider not in providers:
        raise UserError(
            f"argument {argument}: unknown provider {provider!r} in {name!r}; Inspect's providers: "
            f"{', '.join(providers)}; {works}"
        )
    if provider in LOCAL_HF_PROVIDERS:
        _check_hf(name, model, argument, works)


def _check_hf(name: str, model: str, argument: str, works: str) -> None:
    path = Path(model)  # as the hf provider reads it: relative to the working folder, no ~
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise UserError(f"argument {argument}: {path} is not a Hugging Face model folder (no config.json); {works}")
        return
    if path.exists():
        provider = name.partition("/")[0]
        raise UserError(
            f"argument {argument}: {path} is a file; {provider}/ takes a model folder or a Hub name; {works}"
        )
    looks_like_path = model.startswith(("/", ".", "~")) or model.count("/") > 1
    if looks_like_path:
        raise UserError(f"argument {argument}: {name!r}: no such model folder {model!r}; {works}")
    if _in_hub_cache(model) or _hub_reachable():
        return
    raise UserError(
        f"argument {argument}: {name!r} is not a local folder, and as a Hugging Face Hub name it is "
        f"neither in the local cache nor downloadable (no network); {works}"
    )


def _in_hub_cache(repo_id: str) -> bool:
    try:
        from huggingface_hub import try_to_load_from_cache

        return isinstance(try_to_load_from_cache(repo_id, "config.json"), str)
    except Exception:  # not a valid repo id, or no huggingface_hub
        return False


def _hub_reachable(timeout: float = 3.0) -> bool:
    """Whether the Hugging Face Hub answers within `timeout` s (never when HF_HUB_OFFLINE is set)."""
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on"):
        return False
    host = urlparse(os.environ.get("HF_ENDPOINT") or "https://huggingface.co").hostname or "huggingface.co"
    result: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection((host, 443), timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    # getaddrinfo ignores the socket timeout, so the probe runs in a thread we stop waiting for
    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(result and result[0])


def one_line(err: BaseException) -> str:
    """An exception's message on one line, without Inspect's console markup."""
    text = _MARKUP.sub("", str(err)) or type(err).__name__
    return " ".join(part.strip() for part in text.splitlines() if part.strip())
