"""Training examples as token segments, and their packing into rows of a fixed length.

Both stages hand the engine packed rows: midtraining packs documents (splittable across rows),
AFT packs whole chats. A segment carries its labels, IGNORE where a token is context only.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from msm_common.errors import UserError, read_user_text

IGNORE = -100  # the label of a token that is context only (no loss), as torch's cross entropy expects


@dataclass
class Segment:
    """One tokenized example: input ids and labels (IGNORE where there is no loss)."""

    ids: list[int]
    labels: list[int]
    splittable: bool  # documents may continue in the next row; chats stay whole

    @property
    def targets(self) -> int:
        return sum(1 for label in self.labels if label != IGNORE)


@dataclass
class PackedRow:
    input_ids: list[int]
    labels: list[int]
    position_ids: list[int]


def read_jsonl(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """Read JSONL rows as (line number, object); blank lines are skipped, bad lines are errors."""
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        raise UserError(f"{path}: file not found")
    text = read_user_text(path, "JSONL file")
    rows: list[tuple[int, dict[str, Any]]] = []
    # Lines as a file object gives them (universal newlines), so line numbers match an editor's.
    for number, line in enumerate(io.StringIO(text, newline=None), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise UserError(f"{path}:{number}: invalid JSON ({err.msg})") from None
        if not isinstance(row, dict):
            raise UserError(f"{path}:{number}: expected a JSON object per line")
        rows.append((number, row))
    if not rows:
        raise UserError(f"{path}: no rows")
    return rows


def pack(segments: list[Segment], max_length: int) -> list[PackedRow]:
    """Pack segments into rows of at most `max_length` tokens without losing a target token."""
    rows: list[PackedRow] = []
    cur = PackedRow([], [], [])

    def close() -> None:
        nonlocal cur
        if cur.input_ids:
            rows.append(cur)
        cur = PackedRow([], [], [])

    for seg in segments:
        if len(seg.ids) > max_length and not seg.splittable:
            raise ValueError("unsplittable segment longer than max_length")  # caller truncates
        ids, labels = seg.ids, seg.labels
        while ids:
            space = max_length - len(cur.input_ids)
            if len(ids) <= space:
                cur.input_ids += ids
                cur.labels += labels
                cur.position_ids += range(len(ids))
                break
            if not seg.splittable or space < 2:
                close()
                continue
            cur.input_ids += ids[:space]
            cur.labels += labels[:space]
            cur.position_ids += range(space)
            close()
            # The continuation repeats the last token as context (it was already a target).
            ids, labels = ids[space - 1 :], [IGNORE, *labels[space:]]
    close()
    return rows


def rows_sha256(rows: list[PackedRow]) -> str:
    """A digest of the rows' tokens and labels, for the manifest (same data, same digest)."""
    import hashlib

    digest = hashlib.sha256()
    for r in rows:
        digest.update(json.dumps([r.input_ids, r.labels]).encode())
    return digest.hexdigest()
