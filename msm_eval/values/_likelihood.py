"""Option log-likelihoods from a local transformers model: the (b) scoring path of the values eval.

For a prompt and its two options, one packed row holds prompt + option 1 + option 2; a 4D attention
mask lets each option see the prompt and itself but not the other option, and each option's
positions start where the prompt ends. So both options cost one forward pass of the prompt, and
the result equals scoring each `prompt + option` row alone (tests/msm_eval/test_values.py checks it
against plain forward passes). Rows from concurrent samples are batched.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

MAX_BATCH = 32  # requests collected from concurrent samples before a computation starts
CHUNK = 8  # rows per forward pass: ~100-token rows ran fastest at 8 on 2 CPU cores


@dataclass(frozen=True)
class Request:
    prompt: str  # chat-formatted text, ending where the answer starts
    options: tuple[str, ...]


def option_logprobs(model: Any, tokenizer: Any, requests: Sequence[Request]) -> list[list[list[float]]]:
    """Per request and option, the log-probability of each of the option's tokens after the prompt.

    Requests are run in chunks of similar length (sorted), so little of the work is padding.
    """
    lengths = [len(tokenizer(r.prompt, add_special_tokens=False)["input_ids"]) for r in requests]
    order = sorted(range(len(requests)), key=lambda i: lengths[i])
    results: list[list[list[float]]] = [[] for _ in requests]
    for start in range(0, len(order), CHUNK):
        chunk = order[start : start + CHUNK]
        for index, result in zip(chunk, _packed_logprobs(model, tokenizer, [requests[i] for i in chunk]), strict=True):
            results[index] = result
    return results


def _packed_logprobs(model: Any, tokenizer: Any, requests: Sequence[Request]) -> list[list[list[float]]]:
    import torch

    rows: list[tuple[list[int], list[int], list[tuple[int, int, list[int]]]]] = []
    for request in requests:
        prompt = tokenizer(request.prompt, add_special_tokens=False)["input_ids"]
        ids, positions, spans = list(prompt), list(range(len(prompt))), []
        for option in request.options:
            option_ids = tokenizer(option, add_special_tokens=False)["input_ids"]
            spans.append((len(ids), len(prompt), option_ids))
            ids += option_ids
            positions += range(len(prompt), len(prompt) + len(option_ids))
        rows.append((ids, positions, spans))
    length = max(len(ids) for ids, _, _ in rows)
    device = model.device
    dtype = next(model.parameters()).dtype
    input_ids = torch.full((len(rows), length), tokenizer.pad_token_id or 0, dtype=torch.long)
    position_ids = torch.zeros((len(rows), length), dtype=torch.long)
    allowed = torch.zeros((len(rows), 1, length, length), dtype=torch.bool)
    for r, (ids, positions, spans) in enumerate(rows):
        input_ids[r, : len(ids)] = torch.tensor(ids)
        position_ids[r, : len(ids)] = torch.tensor(positions)
        prompt_length = spans[0][1] if spans else len(ids)
        allowed[r, 0, :, :prompt_length] = True  # every token sees the prompt ...
        allowed[r, 0, :prompt_length, :prompt_length] &= torch.ones(prompt_length, prompt_length).tril().bool()
        for start, _, option_ids in spans:  # ... and the earlier tokens of its own option
            end = start + len(option_ids)
            allowed[r, 0, start:end, start:end] = torch.ones(len(option_ids), len(option_ids)).tril().bool()
        allowed[r, 0, len(ids) :, len(ids) :] = torch.eye(length - len(ids), dtype=torch.bool)  # padding
    # SDPA takes the boolean mask as is (True: may attend); eager attention adds a float mask.
    if getattr(model.config, "_attn_implementation", "eager") == "sdpa":
        mask = allowed
    else:
        mask = torch.zeros(allowed.shape, dtype=dtype).masked_fill(~allowed, torch.finfo(dtype).min)
    # Only the positions that predict an option token need logits (the vocabulary projection is a
    # fifth of this model's work); models that post-process logits take the plain path.
    plain = bool(getattr(model.config, "final_logit_softcapping", None) or getattr(model.config, "logit_scale", None))
    # (row, position that predicts the token, token) for every option token, in request order
    targets: list[tuple[int, int, int]] = []
    for r, (_, _, spans) in enumerate(rows):
        for start, prompt_length, option_ids in spans:
            # token j of the option is predicted at the position before it; token 0 at the
            # prompt's last position
            at = [prompt_length - 1] + list(range(start, start + len(option_ids) - 1))
            targets += [(r, position, token) for position, token in zip(at, option_ids, strict=True)]
    with torch.inference_mode():
        inputs = {
            "input_ids": input_ids.to(device),
            "attention_mask": mask.to(device),
            "position_ids": position_ids.to(device),
        }
        row_index = torch.tensor([t[0] for t in targets], device=device)
        position_index = torch.tensor([t[1] for t in targets], device=device)
        if plain:
            logits = model(**inputs).logits[row_index, position_index].float()
        else:
            hidden = model.get_decoder()(**inputs).last_hidden_state
            logits = model.get_output_embeddings()(hidden[row_index, position_index]).float()
        token_index = torch.tensor([t[2] for t in targets], device=device)
        picked = torch.log_softmax(logits, dim=-1).gather(1, token_index[:, None])[:, 0].tolist()
    results: list[list[list[float]]] = []
    cursor = 0
    for _, _, spans in rows:
        per_option = []
        for _, _, option_ids in spans:
            per_option.append(picked[cursor : cursor + len(option_ids)])
            cursor += len(option_ids)
        results.append(per_option)
    return results


class Batcher:
    """Collects requests of concurrent samples and answers them with one forward pass per batch."""

    def __init__(self, compute: Callable[[list[Request]], list[Any]], max_batch: int = MAX_BATCH) -> None:
        self.compute = compute
        self.max_batch = max_batch
        self.pending: list[tuple[Request, asyncio.Future[Any]]] = []
        self.worker: asyncio.Task[None] | None = None

    async def submit(self, request: Request) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending.append((request, future))
        if self.worker is None or self.worker.done():
            self.worker = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self.pending:
            await asyncio.sleep(0.01)  # let the other samples of this moment join the batch
            batch, self.pending = self.pending[: self.max_batch], self.pending[self.max_batch :]
            try:
                results = await asyncio.to_thread(self.compute, [request for request, _ in batch])
            except Exception as err:  # the samples fail with the model's own error
                for _, future in batch:
                    future.set_exception(err)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                future.set_result(result)
