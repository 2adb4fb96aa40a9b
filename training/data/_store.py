"""The output folder of a run: its fingerprint, the call cache, stage files and datasets.

Layout of OUT:
    run.json              what the run was made from (spec hash, config, generator, prompt hash)
    calls.jsonl           one line per finished generator call (the resume cache), appended live
    stages/NN_<stage>.json  parsed result of every stage, for inspection
    <dataset>.jsonl       final datasets, rewritten whole at the end of a run
    summary.json          counts per stage, failures, deduplication, token statistics

Resuming rests on calls.jsonl: a call whose key is already there is not made again. Keys hash the
stage, the item id, the generator and the full prompt, so they are stable across runs.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from msm_eval.errors import UserError

RUN_FILE = "run.json"
CALLS_FILE = "calls.jsonl"
STAGES_DIR = "stages"
SUMMARY_FILE = "summary.json"
LOCK_FILE = ".lock"


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically (temporary file, then rename) so an interruption never leaves half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    """Write a JSONL dataset atomically; re-running rewrites it whole, so rows never duplicate."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    with tmp.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    tmp.replace(path)


def call_key(*, stage: str, item_id: str, model: str, messages: list[dict[str, str]]) -> str:
    """Stable key of one generator call."""
    blob = json.dumps([stage, item_id, model, messages], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


@dataclass
class CallRecord:
    """One finished call: its raw answer when it parsed, or the reasons every attempt failed."""

    key: str
    stage: str
    item_id: str
    ok: bool
    completion: str = ""
    attempts: int = 1
    failures: list[str] = field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0


class RunDir:
    """The output folder of one pipeline run (see the module docstring for its layout)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.records: dict[str, CallRecord] = {}
        self._calls_fh: Any = None
        self._lock_fh: Any = None

    # -- fingerprint -------------------------------------------------------------------------

    def prepare(self, fingerprint: dict[str, Any], *, fresh: bool, retry_failed: bool) -> int:
        """Check the folder against `fingerprint`, then load the call cache.

        Returns:
            The number of cached calls that will be reused.

        Raises:
            UserError: The folder holds a run made from a different spec, config or generator
                and `fresh` is false, or the folder holds unrelated files.
        """
        run_file = self.root / RUN_FILE
        self._lock()
        if fresh:
            self.clear()
        elif run_file.exists():
            old = json.loads(run_file.read_text(encoding="utf-8"))
            changed = _diff(old.get("fingerprint", {}), fingerprint)
            if changed:
                raise UserError(
                    f"{self.root} holds a run made with a different {', '.join(changed)}; "
                    "re-run with --fresh to start over, or choose another --out"
                )
        elif any(p.name != LOCK_FILE for p in self.root.iterdir()):
            raise UserError(f"--out {self.root} is not empty and holds no msm data run")
        self.root.mkdir(parents=True, exist_ok=True)
        write_json(run_file, {"fingerprint": fingerprint})
        self._load_calls(retry_failed=retry_failed)
        self._calls_fh = (self.root / CALLS_FILE).open("a", encoding="utf-8")
        if self._calls_fh.tell() and not (self.root / CALLS_FILE).read_bytes().endswith(b"\n"):
            self._calls_fh.write("\n")  # end a line cut short by a hard kill, so ours start clean
        return len(self.records)

    def _lock(self) -> None:
        # Two runs appending to one calls.jsonl would each redo the other's calls: refuse.
        if self.root.exists() and not self.root.is_dir():
            raise UserError(f"--out {self.root} is a file, not a folder")
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock_fh = (self.root / LOCK_FILE).open("w")
        try:
            fcntl.flock(self._lock_fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as err:
            raise UserError(f"another msm data run is using {self.root}; wait for it to end") from err

    def clear(self) -> None:
        """Remove what an earlier run wrote here (only the files this tool writes)."""
        if not (self.root / RUN_FILE).exists():
            if any(p.name != LOCK_FILE for p in self.root.iterdir()):
                raise UserError(f"--out {self.root} is not empty and holds no msm data run; "
                                "refusing to delete it with --fresh")
            return
        for child in self.root.iterdir():
            if child.name == STAGES_DIR and child.is_dir():
                shutil.rmtree(child)
            elif child.is_file() and child.name != LOCK_FILE and (
                    child.suffix in (".json", ".jsonl") or child.name.startswith(".")):
                child.unlink()

    # -- call cache --------------------------------------------------------------------------

    def _load_calls(self, *, retry_failed: bool) -> None:
        path = self.root / CALLS_FILE
        self.records = {}
        if not path.exists():
            return
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = CallRecord(**json.loads(line))
            except (json.JSONDecodeError, TypeError):
                continue  # a line cut short by an interruption: that call is simply redone
            if record.ok or not retry_failed:
                self.records[record.key] = record

    def cached(self, key: str) -> CallRecord | None:
        """The finished call with this key, if any."""
        return self.records.get(key)

    def save_call(self, record: CallRecord) -> None:
        """Append a finished call to calls.jsonl and flush, so an interruption keeps it."""
        self.records[record.key] = record
        self._calls_fh.write(json.dumps(record.__dict__, ensure_ascii=False) + "\n")
        self._calls_fh.flush()

    def close(self) -> None:
        """Close the call cache."""
        if self._calls_fh is not None:
            self._calls_fh.close()
            self._calls_fh = None
        if self._lock_fh is not None:
            self._lock_fh.close()  # closing releases the lock
            self._lock_fh = None

    # -- stage files and outputs -------------------------------------------------------------

    def save_stage(self, index: int, stage: str, data: Any) -> Path:
        """Save one stage's parsed results as stages/NN_<stage>.json."""
        path = self.root / STAGES_DIR / f"{index:02d}_{stage}.json"
        write_json(path, data)
        return path


def _diff(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    changed = []
    for key in sorted(set(old) | set(new)):
        if key == "config":
            old_cfg, new_cfg = old.get("config", {}), new.get("config", {})
            fields = sorted(k for k in set(old_cfg) | set(new_cfg) if old_cfg.get(k) != new_cfg.get(k))
            changed += [f"config ({', '.join(fields)})"] if fields else []
        elif old.get(key) != new.get(key):
            changed.append(key)
    return changed
