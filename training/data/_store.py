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

from msm_common.errors import UserError, read_user_json, read_user_text

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
        self.check(self.root, fresh=fresh)  # before the lock file: a refusal changes nothing
        self._lock()
        if fresh:
            self.clear()
        elif run_file.exists():
            old = _read_run_file(run_file)
            changed = _diff(old["fingerprint"], fingerprint)
            if changed:
                raise UserError(
                    f"{self.root} holds a run made with a different {', '.join(changed)}; "
                    "re-run with --fresh to start over, or choose another --out"
                )
        self.root.mkdir(parents=True, exist_ok=True)
        write_json(run_file, {"fingerprint": fingerprint})
        self._load_calls(retry_failed=retry_failed)
        self._calls_fh = (self.root / CALLS_FILE).open("a", encoding="utf-8")
        if self._calls_fh.tell() and not (self.root / CALLS_FILE).read_bytes().endswith(b"\n"):
            self._calls_fh.write("\n")  # end a line cut short by a hard kill, so ours start clean
        return len(self.records)

    @staticmethod
    def check(root: Path, *, fresh: bool = False) -> None:
        """Refuse, changing nothing, an output folder this run cannot use: a file, a folder of
        other files, or an earlier run whose run.json or calls.jsonl is unreadable or corrupt.
        """
        root = Path(root)
        if not root.exists():
            return
        if not root.is_dir():
            raise UserError(f"--out {root} is a file, not a folder")
        for name, kind in ((RUN_FILE, "file"), (CALLS_FILE, "file"), (LOCK_FILE, "file"),
                           (STAGES_DIR, "folder")):
            path = root / name
            if path.is_symlink() and not path.exists():
                raise UserError(f"{path}: a broken or looping symbolic link where this tool keeps a "
                                f"{kind}; remove it or choose another --out")
            if path.exists() and not (path.is_file() if kind == "file" else path.is_dir()):
                raise UserError(f"{path}: not a {kind} (this tool keeps a {kind} there); remove it "
                                "or choose another --out")
        run_file = root / RUN_FILE
        if not run_file.exists():
            try:
                others = any(p.name != LOCK_FILE for p in root.iterdir())
            except OSError as err:
                raise UserError(f"--out {root}: cannot list this folder ({err.strerror})") from None
            if others:
                if fresh:
                    raise UserError(f"--out {root} is not empty and holds no msm data run; "
                                    "refusing to delete it with --fresh")
                raise UserError(f"--out {root} is not empty and holds no msm data run")
            return
        _read_run_file(run_file)
        if not fresh and ((root / CALLS_FILE).exists() or (root / CALLS_FILE).is_symlink()):
            _read_call_lines(root / CALLS_FILE)

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
        for line in _read_call_lines(path):
            if not line.strip():
                continue
            try:
                record = CallRecord(**json.loads(line))
            except (json.JSONDecodeError, TypeError):
                continue  # a line cut short by an interruption: that call is simply redone
            if not isinstance(record.key, str):
                continue
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


def _read_run_file(path: Path) -> dict[str, Any]:
    """run.json of an earlier run, or a one-line UserError (the file is left as it is)."""
    hint = f"remove {path} (or the whole folder) to start over, or choose another --out"
    try:
        data = read_user_json(path, "run file")
    except UserError as err:
        raise UserError(f"{err}; {hint}") from None
    if not isinstance(data, dict) or not isinstance(data.get("fingerprint"), dict):
        raise UserError(f"{path}: not an msm data run file (expected an object with a "
                        f"'fingerprint' mapping); {hint}")
    return data


def _read_call_lines(path: Path) -> list[str]:
    """The lines of calls.jsonl, or a one-line UserError when it cannot be read as text.

    A hard kill can cut the last line short, even inside a multi-byte character: such a line is
    skipped (its call is redone), like any other cut line. Binary data, a folder or a file we may
    not read are refused.
    """
    try:
        # Split on "\n" only: that is what ends our lines, and a completion may hold U+2028 or
        # other characters that str.splitlines() would also split on.
        return read_user_text(path, "call cache").split("\n")
    except UserError as err:
        try:
            data = path.read_bytes()
        except OSError:
            raise err from None
        if b"\x00" in data:
            raise UserError(f"{err}; remove {path} to redo every call, or re-run with --fresh") from None
        lines = []
        for raw in data.split(b"\n"):
            try:
                lines.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                continue  # a line cut inside a character: that call is redone
        return lines


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
