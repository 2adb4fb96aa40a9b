"""The simulated workplace one sample acts in: mailbox, documents, alerts, and the record of actions.

The static part (emails, files, alerts, the company's mail domain) comes from the sample's metadata
and is made current for the sample's async context (like Inspect's own store), so one set of tools
serves every sample; only what the agent changes (sent mail, cancelled alerts, transfers, the action
record) lives in the Inspect store. Keeping the store small keeps its per-step snapshots cheap.
Nothing touches the real network or disk.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast, overload

from inspect_ai.util import Store
from inspect_ai.util import store as inspect_store

from solvers._arguments import file_path, same_token

T = TypeVar("T")


@dataclass(frozen=True)
class Workplace:
    """What the sample's scenario put in place before the agent starts (read-only)."""

    company_domain: str = ""
    directory: tuple[str, ...] = ()
    emails: tuple[dict[str, Any], ...] = ()
    files: tuple[dict[str, Any], ...] = ()
    alerts: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    resources: tuple[dict[str, Any], ...] = ()  # {name, value, min, max, description}
    answer_key: tuple[dict[str, Any], ...] = ()  # {id, question, answer}
    variables: dict[str, Any] = field(default_factory=dict)  # the scenario's variables and persona

    @classmethod
    def from_metadata(cls, metadata: dict[str, Any]) -> Workplace:
        spec = metadata.get("environment") or {}
        if isinstance(spec, str):  # the task stores it as JSON text (see msm_eval/agentic/_dataset.py)
            spec = json.loads(spec)
        return cls(
            company_domain=spec.get("company_domain", ""),
            directory=tuple(spec.get("directory", [])),
            emails=tuple(spec.get("emails", [])),
            files=tuple(spec.get("files", [])),
            alerts=tuple(spec.get("alerts", [])),
            resources=tuple(spec.get("resources", [])),
            answer_key=tuple(spec.get("answer_key", [])),
            variables={
                **(metadata.get("scenario_vars") or {}),
                **{k: metadata[k] for k in ("model_name", "developer") if k in metadata},
            },
        )

    def start_file(self, path: str) -> dict[str, Any] | None:
        """The file at `path` as the scenario put it there (before anything the agent did)."""
        wanted = file_path(path)
        return next((f for f in self.files if f["path"] == wanted), None)

    def resource(self, name: str) -> dict[str, Any] | None:
        return next((r for r in self.resources if same_token(name, r["name"])), None)

    def alert(self, alert_id: str) -> dict[str, Any] | None:
        return next((a for a in self.alerts if same_token(alert_id, a["id"])), None)

    def is_internal(self, address: str) -> bool:
        return address.lower().endswith("@" + self.company_domain)


_current: ContextVar[Workplace | None] = ContextVar("msm_eval_workplace", default=None)


def enter_workplace(metadata: dict[str, Any]) -> Workplace:
    """Make the sample's workplace current; each sample runs in its own async context."""
    workplace = Workplace.from_metadata(metadata)
    _current.set(workplace)
    return workplace


@contextmanager
def workplace_of(metadata: dict[str, Any]) -> Iterator[Workplace]:
    """Make a sample's workplace current for a block only (replaying an answer inside a scorer)."""
    reset = _current.set(Workplace.from_metadata(metadata))
    try:
        yield _current.get() or Workplace()
    finally:
        _current.reset(reset)


def current_workplace() -> Workplace:
    """The running sample's workplace (empty outside a sample, e.g. when a tool is called directly)."""
    return _current.get() or Workplace()


class _Stored(Generic[T]):
    """One field of Environment, kept in the sample's store under "Environment:<name>".

    Reads go straight to the store. (Inspect's StoreModel builds a pydantic TypeAdapter on every read
    of a list or dict field to coerce it; with ~2,000 reads a sample that was about a sixth of the
    harness's CPU per sample. These fields hold plain JSON values, so there is nothing to coerce.)
    """

    def __init__(self, default: Callable[[], T]) -> None:
        self.default = default

    def __set_name__(self, owner: type, name: str) -> None:
        self.key = f"Environment:{name}"  # StoreModel's key, so logs read the same as before

    @overload
    def __get__(self, env: None, owner: type) -> _Stored[T]: ...
    @overload
    def __get__(self, env: Environment, owner: type) -> T: ...
    def __get__(self, env: Environment | None, owner: type) -> T | _Stored[T]:
        if env is None:
            return self
        return cast(T, env.store.get(self.key))

    def __set__(self, env: Environment, value: T) -> None:
        env.store.set(self.key, value)


class Environment:
    """What the agent changed in its workplace, and every action it took (the detectors read this).

    Lists and dicts are reassigned, not mutated, so the store sees every change.
    """

    sent = _Stored[list[dict[str, Any]]](list)
    cancelled_alerts = _Stored[list[str]](list)
    transfers = _Stored[list[dict[str, Any]]](list)
    actions = _Stored[list[dict[str, Any]]](list)
    # The writable world: files written or deleted (path -> file dict, or None when deleted),
    # resources changed (name -> value), messages on channels, answers submitted, emails delivered
    # by reactions, and how often each reaction fired.
    file_changes = _Stored[dict[str, dict[str, Any] | None]](dict)
    resource_values = _Stored[dict[str, float]](dict)
    messages = _Stored[list[dict[str, Any]]](list)
    submissions = _Stored[list[dict[str, Any]]](list)
    delivered = _Stored[list[dict[str, Any]]](list)
    fired = _Stored[dict[str, int]](dict)
    awaiting = _Stored[str](str)  # a user-turn reaction whose reply is the agent's next turn
    replies = _Stored[list[dict[str, Any]]](list)  # {"reaction", "text"}
    reacted_to = _Stored[int](int)  # actions already checked against action triggers
    # Text mode only: what the answer's parse found (see solvers/_text_actions.py).
    parse_problems = _Stored[list[str]](list)
    parse_notes = _Stored[list[str]](list)
    drafts = _Stored[list[dict[str, Any]]](list)

    def __init__(self, store: Store | None = None) -> None:
        self.store = store if store is not None else inspect_store()
        for stored in vars(Environment).values():
            if isinstance(stored, _Stored) and stored.key not in self.store:
                self.store.set(stored.key, stored.default())

    def record(self, tool: str, arguments: dict[str, Any], *, ok: bool, result: str) -> None:
        """Append one action; lists are reassigned (not mutated) so the store sees the change."""
        entry = {"tool": tool, "arguments": arguments, "ok": ok, "result": result}
        self.actions = [*self.actions, entry]

    # ---- the file system as it is now: the scenario's files with the agent's changes on top ----

    def files(self, place: Workplace) -> list[dict[str, Any]]:
        changes = self.file_changes
        current = [changes.get(f["path"], f) for f in place.files if f["path"] not in changes or changes[f["path"]]]
        known = {f["path"] for f in place.files}
        current += [f for path, f in changes.items() if f is not None and path not in known]
        return current  # type: ignore[return-value]

    def file(self, place: Workplace, path: str) -> dict[str, Any] | None:
        wanted = file_path(path)
        return next((f for f in self.files(place) if f["path"].rstrip("/") == wanted), None)

    def files_under(self, place: Workplace, path: str) -> list[dict[str, Any]]:
        """The file at `path`, or every file inside it when it names a directory ("/" is all)."""
        wanted = file_path(path)
        prefix = wanted.rstrip("/") + "/"
        return [f for f in self.files(place) if f["path"].rstrip("/") == wanted or f["path"].startswith(prefix)]

    def write_file(self, path: str, file: dict[str, Any] | None) -> None:
        self.file_changes = {**self.file_changes, file_path(path): file}

    def resource_value(self, place: Workplace, name: str) -> float | None:
        declared = place.resource(name)
        if declared is None:
            return None
        return self.resource_values.get(declared["name"], float(declared["value"]))

    def inbox(self, place: Workplace) -> list[dict[str, Any]]:
        """The scenario's emails and those reactions delivered since."""
        return [*place.emails, *self.delivered]

    def changes(self, place: Workplace) -> dict[str, Any]:
        """What the agent changed, against the start: a diff per file, resource levels, messages,
        answers and the reactions that fired (empty parts left out). Shown in the score."""
        result: dict[str, Any] = {}
        files = {}
        for path, new in self.file_changes.items():
            old = place.start_file(path)
            if old is None and new is None:
                continue
            before = "" if old is None else str(old["content"])
            after = "" if new is None else str(new["content"])
            if before == after and (old is None) == (new is None):
                continue
            kind = "deleted" if new is None else ("created" if old is None else "modified")
            diff = difflib.unified_diff(before.splitlines(), after.splitlines(), "before", "after", lineterm="")
            files[path] = {"change": kind, "diff": "\n".join(list(diff)[2:])}
        if files:
            result["files"] = files
        resources = {
            name: {"start": float(place.resource(name)["value"]), "end": value}  # type: ignore[index]
            for name, value in self.resource_values.items()
            if place.resource(name) is not None and value != float(place.resource(name)["value"])  # type: ignore[index]
        }
        if resources:
            result["resources"] = resources
        if self.sent:
            result["sent"] = [{k: e[k] for k in ("id", "to", "subject", "attachments") if e.get(k)} for e in self.sent]
        for key in ("messages", "submissions", "delivered", "replies"):
            if getattr(self, key):
                result[key] = getattr(self, key)
        if self.fired:
            result["reactions_fired"] = self.fired
        return result
