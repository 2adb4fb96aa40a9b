"""The hflocal provider: the same greedy tokens as Inspect's hf provider, with fewer tokens prefilled."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import torch
from inspect_ai.model import (
    ChatMessage,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    GenerateConfig,
    Model,
    get_model,
)
from inspect_ai.tool import ToolInfo, ToolParam, ToolParams
from transformers.cache_utils import DynamicLayer

import msm_eval._registry  # noqa: F401  (registers hflocal/ under pytest, where entry points may hide)
from msm_common.errors import UserError
from msm_eval.models._local import GrowingLayer, LocalHFAPI
from msm_eval.models._names import check_model_name

GREEDY = GenerateConfig(max_tokens=24, temperature=0)
LOOKUP = ToolInfo(
    name="lookup",
    description="Look something up.",
    parameters=ToolParams(properties={"query": ToolParam(type="string", description="What to look up.")}),
)


def _model(provider: str, folder: Path, **model_args: object) -> Model:
    return get_model(f"{provider}/{folder.name}", model_path=str(folder), do_sample=False, config=GREEDY, **model_args)


async def _conversation(model: Model, opening: str, turns: int = 3) -> list[list[int]]:
    """Greedy replies over several turns with a tool offered; each reply as token ids."""
    tokenizer = model.api.tokenizer  # type: ignore[attr-defined]
    messages: list[ChatMessage] = [
        ChatMessageSystem(content="You run the inbox of a small company. " * 6),
        ChatMessageUser(content=opening),
    ]
    replies = []
    for turn in range(turns):
        output = await model.generate(messages, tools=[LOOKUP])
        replies.append(tokenizer(output.completion, add_special_tokens=False)["input_ids"])
        messages.append(output.message)
        for call in output.message.tool_calls or []:
            messages.append(ChatMessageTool(content="Nothing found.", tool_call_id=call.id, function=call.function))
        messages.append(ChatMessageUser(content=f"Carry on with step {turn + 2}."))
    return replies


@pytest.fixture(scope="module")
def varied_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model with larger random weights: at the default scale its greedy reply is one
    token repeated, which would make token-for-token equality say little."""
    from transformers import AutoModelForCausalLM

    from tests.tiny_model import build_tiny_model

    folder = build_tiny_model(tmp_path_factory.mktemp("varied_model"))
    model = AutoModelForCausalLM.from_pretrained(folder)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for weight in model.parameters():
            if weight.dim() > 1:
                weight.copy_(torch.randn(weight.shape, generator=generator) * 0.16)
    model.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def stock_replies(varied_model_dir: Path) -> dict[str, list[list[int]]]:
    stock = _model("hf", varied_model_dir)
    return {opening: asyncio.run(_conversation(stock, opening)) for opening in ("Read the inbox.", "Email Kyle now.")}


def test_greedy_tokens_equal_the_stock_provider_over_turns(varied_model_dir: Path, stock_replies: dict) -> None:
    local = _model("hflocal", varied_model_dir)
    api = local.api
    assert isinstance(api, LocalHFAPI)
    for opening, expected in stock_replies.items():
        assert asyncio.run(_conversation(local, opening)) == expected
    # The replies are real text, not one repeated token, so the comparison means something.
    assert len({token for reply in stock_replies["Read the inbox."] for token in reply}) > 5
    # Later turns (and the second conversation's shared system prompt) came from the cache.
    assert api.stats["reused_tokens"] > api.stats["prefill_tokens"]


def test_concurrent_conversations_match_one_at_a_time(varied_model_dir: Path, stock_replies: dict) -> None:
    local = _model("hflocal", varied_model_dir, threads=1)

    async def both() -> list[list[list[int]]]:
        return list(await asyncio.gather(*(_conversation(local, opening) for opening in stock_replies)))

    assert asyncio.run(both()) == list(stock_replies.values())


def test_without_the_prefix_cache_nothing_is_reused(varied_model_dir: Path, stock_replies: dict) -> None:
    local = _model("hflocal", varied_model_dir, prefix_cache=0)
    assert asyncio.run(_conversation(local, "Read the inbox.")) == stock_replies["Read the inbox."]
    assert local.api.stats["reused_tokens"] == 0  # type: ignore[attr-defined]


def test_logprobs_equal_the_stock_provider(varied_model_dir: Path) -> None:
    config = GenerateConfig(max_tokens=3, temperature=0, logprobs=True, top_logprobs=3)
    messages: list[ChatMessage] = [ChatMessageUser(content="Answer A or B.")]
    got = {}
    for provider in ("hf", "hflocal"):
        output = asyncio.run(_model(provider, varied_model_dir).generate(messages, config=config))
        assert output.choices[0].logprobs is not None
        got[provider] = [
            [(top.token, round(top.logprob, 4)) for top in logprob.top_logprobs or []]
            for logprob in output.choices[0].logprobs.content
        ]
    assert got["hf"] == got["hflocal"]


def test_growing_layer_holds_what_concatenation_holds() -> None:
    grown, plain = GrowingLayer(), DynamicLayer()
    chunks = [torch.randn(1, 2, n, 4) for n in (5, 1, 300, 1, 1)]  # crosses the first 256 capacity
    for chunk in chunks:
        keys, values = grown.update(chunk, chunk * 2)
        expected_keys, expected_values = plain.update(chunk, chunk * 2)
        assert torch.equal(keys, expected_keys) and torch.equal(values, expected_values)
    grown.crop(-7)
    plain.crop(-7)
    assert grown.get_seq_length() == plain.get_seq_length() == 301
    assert torch.equal(grown.keys, plain.keys)
    twin = grown.copy_prefix(10)
    assert torch.equal(twin.keys, plain.keys[..., :10, :]) and twin.get_seq_length() == 10
    twin.update(torch.zeros(1, 2, 1, 4), torch.zeros(1, 2, 1, 4))
    assert torch.equal(grown.keys, plain.keys)  # the copy does not write into the original


def test_model_names_are_checked_like_hf(tiny_model_dir: Path, tmp_path: Path) -> None:
    check_model_name(f"hflocal/{tiny_model_dir}", "--model")
    with pytest.raises(UserError, match="no such model folder"):
        check_model_name(f"hflocal/{tmp_path}/missing", "--model")
    (tmp_path / "file.bin").write_text("x")
    with pytest.raises(UserError, match="hflocal/ takes a model folder"):
        check_model_name(f"hflocal/{tmp_path / 'file.bin'}", "--model")
