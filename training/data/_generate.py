"""Running one stage's generator calls: concurrency limit, cache, retries, progress.

Each stage hands over a list of `Request`s. Cached calls (from calls.jsonl) are answered without the
generator. The others run concurrently, at most `concurrency` at a time; an answer that its parser
rejects (`Malformed`) is asked again up to `max_retries` times, then recorded as a failure with its
reasons. Transport errors (rate limits, timeouts) are retried by Inspect itself; an error it gives
up on stops the run, keeping every finished call for the next attempt.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from inspect_ai.model import (
    ChatMessage,
    ChatMessageSystem,
    ChatMessageUser,
    GenerateConfig,
    Model,
)
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from msm_common.errors import UserError
from training.data._parse import Malformed, check_answer
from training.data._store import CallRecord, RunDir, call_key

# Our own semaphore (`concurrency`) is the limit on calls in flight. Inspect keeps one connection
# limiter per model for the life of the process, sized by whichever call came first, so passing
# `concurrency` through would freeze the first run's value for every later run in that process
# (tests, the benchmark, a notebook). An explicit, never-binding value keeps Inspect's limiter
# out of the way and also turns off its adaptive sizing, which would override --concurrency.
_INSPECT_CONNECTIONS = 100_000


class GenerationError(RuntimeError):
    """The generator failed in a way retries did not fix (bad key, unknown model, server down)."""


@dataclass
class Request:
    """One generator call of a stage.

    Attributes:
        item_id: Stable id of what this call produces (e.g. "d01.s02.t03.i04").
        user: The user prompt.
        parse: Turns the raw answer into a value; raises `Malformed` to ask again.
        system: Optional system prompt.
        model: Which model answers ("generator" or "judge").
        temperature: Sampling temperature for this call.
    """

    item_id: str
    user: str
    parse: Callable[[str], Any]
    system: str | None = None
    model: str = "generator"
    temperature: float | None = None

    def messages(self) -> list[dict[str, str]]:
        """The conversation as plain dicts (also what the cache key hashes)."""
        turns = [{"role": "system", "content": self.system}] if self.system else []
        return turns + [{"role": "user", "content": self.user}]


@dataclass
class Result:
    """The outcome of one request: `value` when it parsed, `failures` otherwise."""

    item_id: str
    ok: bool
    value: Any = None
    failures: list[str] = field(default_factory=list)
    cached: bool = False


def usable(results: list[Result]) -> list[Result]:
    """The results that parsed."""
    return [r for r in results if r.ok]


def require_usable(stage: str, results: list[Result]) -> None:
    """Stop the run when a stage got answers but none of them usable (nothing to build on)."""
    if results and not usable(results):
        reasons = sorted({f for r in results for f in r.failures})
        raise UserError(
            f"stage '{stage}' got no usable answer ({', '.join(reasons) or 'no reason'}); "
            "check the generator, then re-run with --retry-failed"
        )


@dataclass
class StageStats:
    """Counts for the summary table."""

    stage: str
    requests: int = 0
    cached: int = 0
    ok: int = 0
    failed: int = 0
    attempts: int = 0
    retried: int = 0
    failure_reasons: Counter[str] = field(default_factory=Counter)
    input_tokens: int = 0
    output_tokens: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for summary.json."""
        out = dict(self.__dict__)
        out["failure_reasons"] = dict(self.failure_reasons)
        out["seconds"] = round(self.seconds, 3)
        return out


class Generator:
    """Sends a stage's requests to Inspect models, with the run folder as a resumable cache."""

    def __init__(
        self,
        *,
        models: dict[str, Model],
        run: RunDir,
        concurrency: int,
        max_retries: int,
        max_tokens: int,
        show_progress: bool,
    ) -> None:
        self.models = models
        self.run = run
        self.concurrency = concurrency
        self.max_retries = max_retries
        self.max_tokens = max_tokens
        self.show_progress = show_progress
        self.stats: list[StageStats] = []

    async def run_stage(self, stage: str, requests: list[Request]) -> list[Result]:
        """Answer every request (from the cache or the generator); results keep request order.

        Runs inside the pipeline's one event loop: provider clients are bound to the loop that
        made them, so every stage must share it.
        """
        stats = StageStats(stage=stage, requests=len(requests))
        self.stats.append(stats)
        started = time.perf_counter()
        results: list[Result | None] = [None] * len(requests)
        pending: list[tuple[int, Request, str]] = []
        for i, request in enumerate(requests):
            key = self._key(stage, request)
            record = self.run.cached(key)
            result = self._from_record(request, record) if record else None
            if result is None or record is None:
                pending.append((i, request, key))
            else:
                results[i] = result
                stats.cached += 1
                self._count(stats, result, record)
        semaphore = asyncio.Semaphore(self.concurrency)
        with _progress(stage, len(requests), stats.cached, self.show_progress) as advance:

            async def one(i: int, request: Request, key: str) -> None:
                async with semaphore:
                    record, result = await self._call(stage, request, key)
                self.run.save_call(record)
                results[i] = result
                self._count(stats, result, record)
                advance()

            try:
                async with asyncio.TaskGroup() as group:
                    for i, request, key in pending:
                        group.create_task(one(i, request, key))
            except* GenerationError as errors:
                raise errors.exceptions[0] from None
        stats.seconds = time.perf_counter() - started
        return [r for r in results if r is not None]

    def _key(self, stage: str, request: Request) -> str:
        model = str(self.models[request.model])
        return call_key(stage=stage, item_id=request.item_id, model=model,
                        messages=request.messages())

    @staticmethod
    def _from_record(request: Request, record: CallRecord) -> Result | None:
        if not record.ok:
            return Result(request.item_id, ok=False, failures=record.failures, cached=True)
        try:
            value = request.parse(record.completion)
        except Malformed:
            return None  # the parser became stricter since; ask the generator again
        return Result(request.item_id, ok=True, value=value, cached=True)

    @staticmethod
    def _count(stats: StageStats, result: Result, record: CallRecord) -> None:
        stats.ok += result.ok
        stats.failed += not result.ok
        stats.attempts += record.attempts
        stats.retried += record.attempts > 1
        stats.failure_reasons.update(record.failures)
        stats.input_tokens += record.input_tokens
        stats.output_tokens += record.output_tokens

    async def _call(self, stage: str, request: Request, key: str) -> tuple[CallRecord, Result]:
        model = self.models[request.model]
        messages: list[ChatMessage] = [ChatMessageUser(content=request.user)]
        if request.system:
            messages.insert(0, ChatMessageSystem(content=request.system))
        config = GenerateConfig(
            temperature=request.temperature,
            max_tokens=self.max_tokens,
            max_connections=_INSPECT_CONNECTIONS,
        )
        failures: list[str] = []
        in_tokens = out_tokens = 0
        for attempt in range(1, self.max_retries + 2):
            try:
                output = await model.generate(messages, config=config)
            except Exception as err:  # noqa: BLE001 - any provider error ends the run cleanly
                raise GenerationError(
                    f"generator {model} failed in stage '{stage}' ({type(err).__name__}: "
                    f"{str(err).splitlines()[0] if str(err) else ''}); finished calls are kept, "
                    "re-run the same command to resume"
                ) from err
            if output.usage is not None:
                in_tokens += output.usage.input_tokens
                out_tokens += output.usage.output_tokens
            text = output.completion
            try:
                if output.stop_reason == "content_filter":
                    raise Malformed("refusal", "content filter")
                check_answer(text)
                value = request.parse(text)
            except Malformed as bad:
                failures.append(bad.reason)
                continue
            record = CallRecord(key=key, stage=stage, item_id=request.item_id, ok=True,
                                completion=text, attempts=attempt, failures=failures,
                                input_tokens=in_tokens, output_tokens=out_tokens)
            return record, Result(request.item_id, ok=True, value=value)
        record = CallRecord(key=key, stage=stage, item_id=request.item_id, ok=False,
                            attempts=self.max_retries + 1, failures=failures,
                            input_tokens=in_tokens, output_tokens=out_tokens)
        return record, Result(request.item_id, ok=False, failures=failures)


class _progress:
    """A rich progress bar for one stage, or nothing when progress is off."""

    def __init__(self, stage: str, total: int, done: int, enabled: bool) -> None:
        self.enabled = enabled and total > 0
        self.stage, self.total, self.done = stage, total, done
        self.bar: Progress | None = None

    def __enter__(self) -> Callable[[], None]:
        if not self.enabled:
            return lambda: None
        self.bar = Progress(
            TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), transient=False,
        )
        self.bar.start()
        task = self.bar.add_task(self.stage, total=self.total, completed=self.done)
        bar = self.bar
        return lambda: bar.advance(task)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
