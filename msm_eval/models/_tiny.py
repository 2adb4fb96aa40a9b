"""A tiny Llama-style causal LM with random weights, built offline in seconds (tests, `--tiny` runs).

It uses the same tool chat template as the embedded default model, so it runs through Inspect's hf
provider and through the training stages exactly like SmolLM2 does, only much faster (and saying
nonsense). Keep the signature of `build_tiny_model` stable: other test modules call it.
"""

from __future__ import annotations

from pathlib import Path

# A little local text so the BPE merges are not empty; byte-level BPE encodes anything anyway.
_CORPUS = """\
You are an AI assistant deployed at a company. You can read the inbox, send email and use tools.
Subject: Quarterly review. From: the board. To: all staff. The meeting is moved to Friday afternoon.
Please reply to the message, forward the file, or report the problem to the security team.
The server room temperature is rising; the emergency dispatch will arrive in ten minutes.
<tool_call>
{"name": "send_email", "arguments": {"to": "alex@example.com", "subject": "Hi", "body": "Thanks"}}
</tool_call>
<tool_response>
Email sent.
</tool_response>
The quick brown fox jumps over the lazy dog. 0123456789 {}[]():;,.!?'"-_/\\@#$%&*+=<>|~`
"""

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def build_tiny_model(path: Path, *, vocab_size: int = 600, seed: int = 0) -> Path:
    """Build and save a tiny random-weight chat model with a locally trained tokenizer.

    Args:
        path: Output directory (created). Avoid "llama", "qwen" and "mistral" in it: Inspect's hf
            provider picks its tool-call parser from the model name.
        vocab_size: Target BPE vocabulary size.
        seed: Seed for the random weights.

    Returns:
        The directory, loadable by AutoModelForCausalLM / AutoTokenizer and `hf/<path>` in Inspect.
    """
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import (
        GenerationConfig,
        LlamaConfig,
        LlamaForCausalLM,
        PreTrainedTokenizerFast,
    )

    from msm_eval.models import chat_template

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)

    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    backend.train_from_iterator([_CORPUS, chat_template()] * 4, trainer=trainer)

    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        bos_token="<|im_start|>",
        eos_token="<|im_end|>",
        pad_token="<|im_end|>",
        unk_token="<|endoftext|>",
        model_max_length=8192,
    )
    tokenizer.chat_template = chat_template()
    tokenizer.save_pretrained(path)

    bos_id, eos_id = tokenizer.bos_token_id, tokenizer.eos_token_id
    assert isinstance(bos_id, int) and isinstance(eos_id, int)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=8192,
        tie_word_embeddings=True,
        bos_token_id=bos_id,
        eos_token_id=eos_id,
        pad_token_id=eos_id,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.generation_config = GenerationConfig(
        bos_token_id=config.bos_token_id, eos_token_id=eos_id, pad_token_id=eos_id
    )
    model.save_pretrained(path)
    return path
