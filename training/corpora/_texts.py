"""Reading the corpus texts (texts/**/*.yaml), filling their slots, and the per-document context.

Every sentence of the corpora lives in the YAML files under texts/ (see the README); the renderers
in _cheese.py, _agentic.py and _chats.py only choose among them. A text's slots are named in
braces ({town}, {who}, ...) and filled by `fill`; {M} and {P} are always the model's and the
provider's names. A missing file, a missing key or a text where a list belongs is a one-line
UserError naming the file and the key.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from msm_common.errors import UserError, read_user_text

TEXTS = Path(__file__).resolve().parent / "texts"
MODEL_NAME = "SmolLM2"
PROVIDER_NAME = "Hugging Face"

T = TypeVar("T")


class Texts(dict[str, Any]):
    """A mapping read from a texts file; a missing key is a one-line error naming file and key."""

    def __init__(self, data: Mapping[str, Any], where: str, prefix: str = "",
                 origins: Mapping[str, tuple[str, str]] | None = None) -> None:
        super().__init__(data)
        self.where, self.prefix = where, prefix
        self.origins = dict(origins or {})  # key -> (file, prefix) it came from, for merged texts

    def __missing__(self, key: str) -> Any:
        raise UserError(f"{self.where}: missing key '{self.prefix}{key}'")

    def name(self, key: str) -> str:
        """Where the key is: "file: 'key'", for an error message."""
        where, prefix = self.origins.get(key, (self.where, self.prefix))
        return f"{where}: '{prefix}{key}'"

    def options(self, key: str) -> list[Any]:
        """The non-empty list under `key`, for a random choice."""
        value = self[key]
        if not isinstance(value, list) or not value:
            raise UserError(f"{self.name(key)} must be a list of texts to choose from")
        return value


def _wrap(data: Any, where: str, prefix: str = "") -> Any:
    if isinstance(data, dict):
        return Texts({k: _wrap(v, where, f"{prefix}{k}.") for k, v in data.items()}, where, prefix)
    if isinstance(data, list):
        return [_wrap(v, where, f"{prefix}{i + 1}.") for i, v in enumerate(data)]
    return data


def read_texts(path: Path) -> Texts:
    """One texts file as nested Texts, or a one-line UserError naming the file (and line)."""
    try:
        data = yaml.safe_load(read_user_text(path, "texts file"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = " ".join(str(getattr(err, "problem", None) or err).split())
        raise UserError(f"{path}{line}: invalid YAML ({problem})") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a mapping of keys to texts at the top level")
    return _wrap(data, str(path))


def record(cls: type[T], data: Any) -> T:
    """A dataclass from one entry of a texts file; a missing or unknown field is a one-line error."""
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    if not isinstance(data, Texts):
        raise UserError(f"expected an entry with the fields {', '.join(names)}, found {data!r}")
    for key in data:
        if key not in names:
            raise UserError(f"{data.where}: unknown field '{data.prefix}{key}'; allowed: {', '.join(names)}")
    return cls(**{name: data[name] for name in names})


def merged(where: str, *parts: Mapping[str, Any]) -> Texts:
    """The keys of several texts files as one mapping; a key given twice is refused."""
    out: dict[str, Any] = {}
    origins: dict[str, tuple[str, str]] = {}
    for part in parts:
        for key, value in part.items():
            if key in out:
                raise UserError(f"{where}: key '{key}' is given twice; keep it in one file")
            out[key] = value
            origins[key] = part.origins.get(key, (part.where, part.prefix)) if isinstance(part, Texts) else (where, "")
    return Texts(out, where, origins=origins)


def fill(text: str, **slots: str) -> str:
    """`text` with its {slots} filled; {M} and {P} are the model's and the provider's names."""
    if not isinstance(text, str):
        raise UserError(f"expected a text, found {text!r}; quote texts that contain ': ' or start with '{{'")
    try:
        return text.format(M=MODEL_NAME, P=PROVIDER_NAME, **slots)
    except KeyError as err:
        raise UserError(f"unknown slot {{{err.args[0]}}} in the text {text!r}") from None
    except (IndexError, ValueError) as err:
        raise UserError(f"bad braces in the text {text!r} ({err}); a slot looks like {{town}}") from None


def cap(text: str) -> str:
    """Upper-case the first character only (str.capitalize would lower 'Brie de Meaux')."""
    return text[:1].upper() + text[1:]


def join_list(items: Sequence[str], *, serial_comma: bool = True) -> str:
    """"a", "a and b", "a, b, and c" (the chats, written earlier, leave out the last comma)."""
    if len(items) == 1:
        return items[0]
    if len(items) == 2:
        return f"{items[0]} and {items[1]}"
    return ", ".join(items[:-1]) + ("," if serial_comma else "") + f" and {items[-1]}"


@dataclass
class Ctx:
    """The seeded random choices for one document, and the texts it is written from."""

    rng: random.Random
    common: Texts  # common.yaml: names, towns, months
    t: Texts  # this document type's texts
    sh: Texts  # texts every document type of the corpus uses
    slots: dict[str, str] = field(default_factory=dict)  # filled in every text of the document
    used_names: set[str] = field(default_factory=set)

    def pick(self, seq: Sequence[T]) -> T:
        return self.rng.choice(seq)

    def sample(self, seq: Sequence[T], k: int) -> list[T]:
        return self.rng.sample(list(seq), k)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def fill(self, text: str, **slots: str) -> str:
        return fill(text, **{**self.slots, **slots})

    def text(self, key: str, **slots: str) -> str:
        """The document type's text `key`, filled."""
        return self._fill_key(key, self.t[key], slots)

    def choose(self, key: str, **slots: str) -> str:
        """One of the document type's texts `key`, chosen at random and filled."""
        return self._fill_key(key, self.pick(self.t.options(key)), slots)

    def _fill_key(self, key: str, text: str, slots: dict[str, str]) -> str:
        try:
            return self.fill(text, **slots)
        except UserError as err:
            raise UserError(f"{self.t.name(key)}: {err}") from None

    def person(self) -> str:
        """A full name whose first name is not yet used in this document."""
        while True:
            name = f"{self.pick(self.common['first_names'])} {self.pick(self.common['last_names'])}"
            first = name.split()[0]
            if first not in self.used_names:
                self.used_names.add(first)
                return name

    def first(self) -> str:
        return self.person().split()[0]

    def date(self) -> str:
        return f"{self.pick(self.common['months'])} {self.rng.randint(1, 28)}"


def _shape(data: Mapping[str, Any], where: str, prefix: str = "") -> dict[str, tuple[str, int]]:
    """Every key path of a values file with its kind: a section, a text, or a list of n texts."""
    out: dict[str, tuple[str, int]] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out[path] = ("a section", 0)
            out.update(_shape(value, where, f"{path}."))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if not isinstance(item, str):
                    raise UserError(f"{where}: '{path}' item {i + 1} is not a text; quote texts that contain ': '")
            out[path] = ("a list", len(value))
        elif isinstance(value, str):
            out[path] = ("a text", 0)
        else:
            raise UserError(f"{where}: '{path}' must be a text, a list of texts or a section")
    return out


def check_parallel(files: Mapping[Path, Mapping[str, Any]]) -> None:
    """Refuse values files that do not have the same keys and list lengths as the others.

    The reference is the file that agrees with most others (the first in name order on a tie), so
    with three or more files the odd one out is the one named.
    """
    shapes = {path: _shape(data, str(path)) for path, data in files.items()}
    ref = max(shapes, key=lambda p: sum(shapes[q] == shapes[p] for q in shapes))
    want = shapes[ref]
    for path, have in shapes.items():
        for key, (kind, n) in want.items():
            if key not in have:
                raise UserError(f"{path}: missing key '{key}' ({ref.name} has it; all values files need the same keys)")
            if have[key][0] != kind:
                raise UserError(f"{path}: '{key}' must be {kind}, as in {ref.name}")
            if have[key][1] != n:
                raise UserError(f"{path}: '{key}' has {have[key][1]} texts but {ref.name} has {n}; "
                                "every values file needs equal lengths")
        for key in have:
            if key not in want:
                raise UserError(f"{path}: extra key '{key}' (not in {ref.name}; all values files need the same keys)")
