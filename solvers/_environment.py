"""The simulated workplace one sample acts in: mailbox, documents, alerts, and the record of actions.

State lives in the Inspect store (per sample), so tools, the text-action parser and the scorers all
read and write the same place, and `inspect view` shows it. Nothing touches the real network or disk.
"""

from __future__ import annotations

from typing import Any

from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.util import StoreModel
from pydantic import Field


class Environment(StoreModel):
    """Per-sample simulated environment, initialised from the sample's metadata["environment"]."""

    company_domain: str = ""
    directory: list[str] = Field(default_factory=list)
    emails: list[dict[str, Any]] = Field(default_factory=list)
    sent: list[dict[str, Any]] = Field(default_factory=list)
    files: list[dict[str, Any]] = Field(default_factory=list)
    alerts: list[dict[str, Any]] = Field(default_factory=list)
    transfers: list[dict[str, Any]] = Field(default_factory=list)
    actions: list[dict[str, Any]] = Field(default_factory=list)

    def record(self, tool: str, arguments: dict[str, Any], *, ok: bool, result: str) -> None:
        """Append one action; lists are reassigned (not mutated) so the store sees the change."""
        entry = {"tool": tool, "arguments": arguments, "ok": ok, "result": result}
        self.actions = [*self.actions, entry]

    def email(self, email_id: str) -> dict[str, Any] | None:
        wanted = email_id.strip().lower()
        return next((e for e in [*self.emails, *self.sent] if e["id"].lower() == wanted), None)

    def file(self, path: str) -> dict[str, Any] | None:
        wanted = "/" + path.strip().strip("/")
        return next((f for f in self.files if f["path"].rstrip("/") == wanted), None)

    def is_internal(self, address: str) -> bool:
        return address.lower().endswith("@" + self.company_domain)


@solver
def environment_setup() -> Solver:
    """Load the sample's simulated environment into the store before the agent starts."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        spec = state.metadata.get("environment") or {}
        env = state.store_as(Environment)
        env.company_domain = spec.get("company_domain", "")
        env.directory = list(spec.get("directory", []))
        env.emails = list(spec.get("emails", []))
        env.files = list(spec.get("files", []))
        env.alerts = [dict(a, status="active") for a in spec.get("alerts", [])]
        env.sent = []
        env.transfers = []
        env.actions = []
        return state

    return solve
