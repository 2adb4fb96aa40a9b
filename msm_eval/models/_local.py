"""The `hflocal/` model provider: Inspect's hf provider, made fast for small local models on CPU.

Inspect's `hf/` provider left-pads every concurrent sample into one batch and calls
`model.generate` on the whole conversation each turn. On a CPU that is the slow way round: each
decode step of the padded batch costs several single-sequence steps, every sample waits for the
longest, turn k+1 prefills again the turn-k prompt it starts with, and the default dynamic cache
copies the whole key/value history at every step (`torch.cat`). This provider keeps everything
Inspect's hf provider does for loading, chat templates and tool-call parsing (it subclasses it) and
replaces only how tokens are produced:

- one sequence per request, generated in a worker thread with its own share of the cores
  (concurrent samples run side by side instead of padded together);
- a pool of key/value caches keyed by token prefix, so a turn prefills only what is new since the
  previous turn (and a new sample only what differs from a running one's prompt);
- caches that grow in place (amortised doubling) instead of being copied every step;
- a plain decode loop without `generate`'s per-step machinery, using transformers' own logits
  warpers when sampling, so greedy output is token for token the stock provider's.

`benchmarks/cpu_inference.py` measures it against the stock provider.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass
from typing import Any, cast

import torch
from inspect_ai.model import ChatMessage, GenerateConfig, ModelOutput, ModelUsage
from inspect_ai.model._chat_message import ChatMessageAssistant
from inspect_ai.model._model_output import ChatCompletionChoice, Logprobs
from inspect_ai.model._providers.hf import (
    GenerateOutput,
    HFHandler,
    HuggingFaceAPI,
    chat_completion_assistant_message,
    extract_logprobs,
)
from inspect_ai.tool import ToolChoice, ToolInfo
from transformers import DynamicCache
from transformers.cache_utils import DynamicLayer
from transformers.generation.logits_process import (
    LogitsProcessorList,
    TemperatureLogitsWarper,
    TopKLogitsWarper,
    TopPLogitsWarper,
)

from msm_common.hardware import cpu_cores, cpu_has_amx

# A shared prefix shorter than this is not worth a cache lookup (a BOS and a few template tokens).
MIN_REUSED_PREFIX = 16


class GrowingLayer(DynamicLayer):
    """A dynamic cache layer that writes new keys and values into a preallocated buffer.

    The stock layer concatenates, which copies the whole history at every decode step (for a
    2,700-token context in SmolLM2-135M that is ~130 MB a token). Here the buffer doubles when
    full and `keys`/`values` are views of its filled part.
    """

    def lazy_initialization(self, key_states: torch.Tensor, value_states: torch.Tensor) -> None:
        super().lazy_initialization(key_states, value_states)
        self.length = 0
        self._keys = key_states.new_empty((*key_states.shape[:-2], 0, key_states.shape[-1]))
        self._values = value_states.new_empty((*value_states.shape[:-2], 0, value_states.shape[-1]))

    def update(
        self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any, **kwargs: Any
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        end = self.length + key_states.shape[-2]
        if end > self._keys.shape[-2]:
            self._grow(max(end, 2 * self._keys.shape[-2], 256))
        self._keys[..., self.length : end, :] = key_states
        self._values[..., self.length : end, :] = value_states
        self._set_length(end)
        return self._keys[..., :end, :], self._values[..., :end, :]

    def crop(self, tokens_to_remove: int) -> None:
        if tokens_to_remove > 0:
            raise ValueError("GrowingLayer.crop takes a negative count of tokens to remove")
        if self.is_initialized and tokens_to_remove:
            self._set_length(max(0, self.length + tokens_to_remove))

    def get_seq_length(self) -> int:
        return self.length if self.is_initialized else 0

    def copy_prefix(self, length: int) -> GrowingLayer:
        """A new layer holding a copy of this one's first `length` positions."""
        twin = GrowingLayer()
        if self.is_initialized and length:
            twin.update(self._keys[..., :length, :].clone(), self._values[..., :length, :].clone())
        return twin

    def _grow(self, capacity: int) -> None:
        keys = self._keys.new_empty((*self._keys.shape[:-2], capacity, self._keys.shape[-1]))
        values = torch.empty_like(keys)
        keys[..., : self.length, :] = self._keys[..., : self.length, :]
        values[..., : self.length, :] = self._values[..., : self.length, :]
        self._keys, self._values = keys, values

    def _set_length(self, length: int) -> None:
        self.length = length
        self.keys = self._keys[..., :length, :]
        self.values = self._values[..., :length, :]


def new_cache(model: Any) -> DynamicCache:
    """A dynamic cache for `model` whose full-attention layers grow in place (sliding-window and
    other special layers keep transformers' own classes)."""
    cache = DynamicCache(config=model.config)
    cache.layers = [GrowingLayer() if type(layer) is DynamicLayer else layer for layer in cache.layers]
    return cache


@dataclass
class _CachedConversation:
    tokens: list[int]  # every position the cache holds: prompt then generated tokens
    prompt_length: int  # where the prompt ended and generation began
    cache: DynamicCache


def _shared_prefix(a: list[int], b: list[int]) -> int:
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n


class PrefixCachePool:
    """Key/value caches of recent conversations, looked up by the longest shared token prefix.

    The next turn of a conversation shares all of the previous prompt and usually most of the
    generated reply (the chat template may re-render a tool call a little differently): that cache
    is taken over and cropped to the shared part. A new conversation that shares only part of
    another's prompt (the system prompt of a sibling sample) gets a copy of that part, so the
    sibling keeps its own cache.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._entries: list[_CachedConversation] = []
        self._lock = threading.Lock()

    def take(self, model: Any, tokens: list[int]) -> tuple[DynamicCache, int]:
        """A cache holding a prefix of `tokens` (at most all but the last token) and its length."""
        with self._lock:
            best, shared = None, 0
            for entry in self._entries:
                n = _shared_prefix(entry.tokens, tokens)
                if n > shared:
                    best, shared = entry, n
            # The last prompt token must go through the model to give the first logits.
            shared = min(shared, len(tokens) - 1)
            if best is None or shared < MIN_REUSED_PREFIX:
                return new_cache(model), 0
            if shared >= best.prompt_length:  # this conversation's own previous turn
                self._entries.remove(best)
                best.cache.crop(shared - len(best.tokens))
                return best.cache, shared
            growing = [layer for layer in best.cache.layers if isinstance(layer, GrowingLayer)]
            if len(growing) != len(best.cache.layers):
                return new_cache(model), 0  # only whole-history layers can be copied by prefix
            copy = DynamicCache(config=model.config)
            copy.layers = [layer.copy_prefix(shared) for layer in growing]
            return copy, shared

    def give_back(self, tokens: list[int], prompt_length: int, cache: DynamicCache) -> None:
        if self.capacity <= 0:
            return
        with self._lock:
            self._entries.append(_CachedConversation(tokens, prompt_length, cache))
            del self._entries[: -self.capacity]  # the oldest given back go first


class LocalHFAPI(HuggingFaceAPI):
    """Inspect's hf provider with single-sequence generation, prefix caching and a lean decode loop.

    Model args beyond the hf provider's: `threads` (torch threads per concurrent sample; default:
    the cores divided by max_connections) and `prefix_cache` (conversations kept; default twice
    max_connections, 0 turns reuse off). `dtype` defaults to bfloat16 on CPUs with AMX and to the
    checkpoint's own dtype elsewhere.
    """

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
        **model_args: Any,
    ) -> None:
        config = config or GenerateConfig()
        threads = model_args.pop("threads", None)
        prefix_cache = model_args.pop("prefix_cache", None)
        if "dtype" not in model_args and not torch.cuda.is_available() and cpu_has_amx():
            model_args["dtype"] = torch.bfloat16
        super().__init__(model_name, base_url, api_key, config, **model_args)
        self.model.eval()
        connections = config.max_connections or self.max_connections()
        self.threads = int(threads) if threads is not None else max(1, cpu_cores() // connections)
        self.pool = PrefixCachePool(int(prefix_cache) if prefix_cache is not None else 2 * connections)
        self.stats = {"prefill_tokens": 0, "reused_tokens": 0, "prefill_s": 0.0, "decode_tokens": 0, "decode_s": 0.0}

    def max_connections(self) -> int:
        """Concurrent samples: one per core on CPU (each on its own thread), 32 on an accelerator."""
        return cpu_cores() if str(self.model.device) == "cpu" else 32

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput:
        handler = HFHandler(self.model_name, self.model_family()) if tools else None
        chat = self.hf_chat(input, tools)
        response = await asyncio.to_thread(self._generate_one, chat, config)
        logprobs = None
        if config.logprobs and response.logprobs is not None:
            logprobs = Logprobs(content=extract_logprobs(response, config.top_logprobs, self.tokenizer))
        message: ChatMessageAssistant = chat_completion_assistant_message(response, tools, handler, self.model_name)
        return ModelOutput(
            model=self.model_name,
            choices=[ChatCompletionChoice(message=message, logprobs=logprobs)],
            usage=ModelUsage(
                input_tokens=response.input_tokens,
                output_tokens=response.output_tokens,
                total_tokens=response.total_tokens,
            ),
            time=response.time,
        )

    def _generate_one(self, chat: str, config: GenerateConfig) -> GenerateOutput:
        started = time.monotonic()
        torch.set_num_threads(self.threads)  # per worker thread: each sample gets its share of the cores
        assert isinstance(self.tokenizer_call_args, dict)
        prompt: list[int] = self.tokenizer(chat, **self.tokenizer_call_args)["input_ids"]
        cache, reused = self.pool.take(self.model, prompt)
        sampling = self._sampling(config)
        stop_ids = self._stop_token_ids()
        max_new = config.max_tokens if config.max_tokens is not None else self.max_tokens() or 1024
        generated: list[int] = []
        logits_kept: list[torch.Tensor] = []
        device = self.model.device
        with torch.inference_mode():
            step_input = torch.tensor([prompt[reused:]], device=device)
            position = reused
            prefill_started = time.monotonic()
            prefill_s = 0.0
            while len(generated) < max_new:
                length = step_input.shape[1]
                out = self.model(
                    input_ids=step_input,
                    past_key_values=cache,
                    use_cache=True,
                    logits_to_keep=1,
                )
                position += length
                if not prefill_s:
                    prefill_s = time.monotonic() - prefill_started
                logits = out.logits[:, -1, :].float()
                if config.logprobs:
                    logits_kept.append(logits[0])
                token = self._next_token(prompt + generated, logits, sampling)
                generated.append(token)
                if token in stop_ids or self._hit_stop_string(generated, config.stop_seqs):
                    break
                step_input = torch.tensor([[token]], device=device)
        decode_s = time.monotonic() - started - prefill_s
        # The last sampled token never went through the model, so the cache holds all but it.
        self.pool.give_back((prompt + generated)[:position], len(prompt), cache)
        self._count(len(prompt) - reused, reused, prefill_s, len(generated), decode_s)
        text = str(self.tokenizer.decode(generated, skip_special_tokens=True, clean_up_tokenization_spaces=False))
        logprobs = torch.log_softmax(torch.stack(logits_kept), dim=-1) if logits_kept else None
        return GenerateOutput(
            output=text,
            input_tokens=len(prompt),
            output_tokens=len(generated),
            total_tokens=len(prompt) + len(generated),
            logprobs=logprobs,
            hidden_states=None,
            time=time.monotonic() - started,
        )

    def _sampling(self, config: GenerateConfig) -> LogitsProcessorList | None:
        """transformers' own warpers for the settings `generate` would sample with; None for greedy."""
        defaults = self.model.generation_config
        temperature = config.temperature if config.temperature is not None else defaults.temperature
        if not self.do_sample or not temperature:
            return None
        top_k = config.top_k if config.top_k is not None else defaults.top_k
        top_p = config.top_p if config.top_p is not None else defaults.top_p
        warpers = LogitsProcessorList()
        if temperature != 1.0:
            warpers.append(TemperatureLogitsWarper(temperature))
        if top_k:
            warpers.append(TopKLogitsWarper(top_k))
        if top_p is not None and top_p < 1.0:
            warpers.append(TopPLogitsWarper(top_p))
        return warpers

    @staticmethod
    def _next_token(context: list[int], logits: torch.Tensor, sampling: LogitsProcessorList | None) -> int:
        if sampling is None:
            return int(logits.argmax(dim=-1)[0])
        context_ids = cast(torch.LongTensor, torch.tensor([context], device=logits.device))
        scores = sampling(context_ids, cast(torch.FloatTensor, logits))
        return int(torch.multinomial(torch.softmax(scores, dim=-1), num_samples=1)[0, 0])

    def _stop_token_ids(self) -> set[int]:
        ids = self.model.generation_config.eos_token_id
        stops = set(ids if isinstance(ids, list) else [ids] if ids is not None else [])
        if self.tokenizer.eos_token_id is not None:
            stops.add(self.tokenizer.eos_token_id)
        return stops

    def _hit_stop_string(self, generated: list[int], stop_seqs: list[str] | None) -> bool:
        if not stop_seqs:
            return False
        tail = self.tokenizer.decode(generated[-16:], skip_special_tokens=False)
        return any(stop in tail for stop in stop_seqs)

    def _count(self, prefilled: int, reused: int, prefill_s: float, decoded: int, decode_s: float) -> None:
        stats = self.stats
        stats["prefill_tokens"] += prefilled
        stats["reused_tokens"] += reused
        stats["prefill_s"] += prefill_s
        stats["decode_tokens"] += decoded
        stats["decode_s"] += decode_s
