"""CPU inference of a small local model: our hflocal provider against Inspect's stock hf provider.

The work: N agentic conversations (the demo's families, explicit America goal, replacement), each
two turns of greedy generation with the scenario's tools offered: the real first prompt, then the
model's reply, a tool result and a user nudge, then a second reply. Greedy, so both providers do
the same work (the script checks that their replies are equal). Both run the N conversations
concurrently, as `inspect eval` would: the stock provider batches them (left-padded), ours runs one
sequence per core.

References measured in the same run: the machine's memory bandwidth (a large tensor copy), from
which the decode ceiling is weights + KV-cache bytes per token at the measured context.

    python benchmarks/cpu_inference.py --samples 2 --max-tokens 200
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import torch

FAMILIES = ("blackmail", "leaking", "lethal_action", "exfiltration")


def email_tools() -> list[Any]:
    """Two email tools, as the scenarios offer them (the tool schemas go into every prompt)."""
    from inspect_ai.tool import ToolInfo, ToolParam, ToolParams

    def text(description: str) -> ToolParam:
        return ToolParam(type="string", description=description)

    return [
        ToolInfo(name="read_inbox", description="Read the unread emails in the inbox.", parameters=ToolParams()),
        ToolInfo(
            name="send_email",
            description="Send an email.",
            parameters=ToolParams(
                properties={"to": text("Recipient address."), "subject": text("Subject."), "body": text("Body.")},
                required=["to", "subject", "body"],
            ),
        ),
    ]


def memory_bandwidth() -> float:
    """Bytes/s of a large tensor copy (read + write), best of 5, on the threads torch has."""
    source = torch.empty(256 * 2**20 // 4, dtype=torch.float32).fill_(1.0)
    target = torch.empty_like(source)
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        target.copy_(source)
        best = min(best, time.perf_counter() - started)
    return 2 * source.numel() * 4 / best


async def conversation(model: Any, sample: Any, tools: list[Any], max_tokens: int) -> tuple[list[str], float]:
    from inspect_ai.model import ChatMessageTool, ChatMessageUser, GenerateConfig

    config = GenerateConfig(max_tokens=max_tokens, temperature=0)
    messages = list(sample.input)
    replies = []
    started = time.perf_counter()
    for _turn in range(2):
        output = await model.generate(messages, tools=tools, config=config)
        replies.append(output.completion)
        messages.append(output.message)
        for call in output.message.tool_calls or []:
            messages.append(ChatMessageTool(content="Done.", tool_call_id=call.id, function=call.function))
        messages.append(ChatMessageUser(content="Continue with the next step of your task."))
    return replies, time.perf_counter() - started


def run(provider: str, path: str, samples: list[Any], tools: list[Any], max_tokens: int) -> dict[str, Any]:
    from inspect_ai.model import get_model

    model = get_model(f"{provider}/{path.rsplit('/', 1)[-1]}", model_path=path, do_sample=False)

    async def all_conversations() -> list[tuple[list[str], float]]:
        return list(await asyncio.gather(*(conversation(model, s, tools, max_tokens) for s in samples)))

    started = time.perf_counter()
    results = asyncio.run(all_conversations())
    wall = time.perf_counter() - started
    return {"replies": [r for r, _ in results], "wall": wall, "stats": getattr(model.api, "stats", None)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=2, help="concurrent conversations (default: 2)")
    parser.add_argument("--max-tokens", type=int, default=200)
    args = parser.parse_args()

    import msm_eval._registry  # noqa: F401  (registers hflocal/)
    from msm_common.hardware import cpu_cores
    from msm_eval.agentic import agentic
    from msm_eval.models import ensure_default_model
    from msm_eval.models._names import register_model_info

    path = ensure_default_model()
    samples = []
    for family in FAMILIES[: args.samples]:
        task = agentic(families=family, goal_type="explicit", goal_value="america", urgency="replacement")
        samples.append(task.dataset[0])
    tools = email_tools()
    for provider in ("hf", "hflocal"):
        register_model_info(f"{provider}/{path.name}", path)
    bandwidth = memory_bandwidth()
    torch.set_num_threads(cpu_cores())
    stock = run("hf", str(path), samples, tools, args.max_tokens)
    ours = run("hflocal", str(path), samples, tools, args.max_tokens)
    same = stock["replies"] == ours["replies"]

    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(path)
    stats = ours["stats"]
    params = 0
    from safetensors import safe_open

    with safe_open(str(path / "model.safetensors"), framework="pt") as handle:
        for key in handle.keys():
            params += int(torch.tensor(handle.get_slice(key).get_shape()).prod())
    context = (stats["prefill_tokens"] + stats["reused_tokens"]) / (2 * len(samples))
    kv_per_token = (
        2
        * config.num_hidden_layers
        * config.num_key_value_heads
        * (config.hidden_size // config.num_attention_heads)
        * 4
    )
    ceiling = bandwidth / (params * 4 + kv_per_token * context)
    decode_rate = stats["decode_tokens"] / stats["decode_s"] * len(samples)  # all samples together
    print(
        f"memory bandwidth {bandwidth / 1e9:.1f} GB/s; {params / 1e6:.0f}M parameters fp32; "
        f"mean context {context:.0f} tokens"
    )
    print(f"replies equal between providers: {same}\n")
    print("| path | wall for the conversations (s) | per conversation (s) | x stock |")
    print("|---|---|---|---|")
    for name, result in (("Inspect hf (stock, batched)", stock), ("msm_eval hflocal", ours)):
        print(
            f"| {name} | {result['wall']:.1f} | {result['wall'] / len(samples):.1f} | "
            f"{stock['wall'] / result['wall']:.2f} |"
        )
    print()
    print(
        f"hflocal: prefilled {stats['prefill_tokens']:,} tokens ({stats['reused_tokens']:,} reused) at "
        f"{stats['prefill_tokens'] / stats['prefill_s'] * len(samples):.0f} tok/s in all; "
        f"decode {decode_rate:.1f} tok/s in all = {decode_rate / ceiling:.0%} of the bandwidth ceiling "
        f"({ceiling:.1f} tok/s: one read of the weights and the cache per token)"
    )


if __name__ == "__main__":
    main()
