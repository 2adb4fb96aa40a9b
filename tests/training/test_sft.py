"""AFT: assistant-only masks (tool calls included), truncation accounting, bad input, continuation."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from msm_common.errors import UserError
from tests.training.test_midtrain import TINY_LORA, tiny_train, write_docs
from training.chats import chat_segments, check_template, read_chats
from training.midtrain import MidtrainConfig, run_midtrain
from training.rows import IGNORE
from training.sft import SFTConfig, run_sft

TOOLS = [{"type": "function", "function": {
    "name": "send_email", "description": "Send an email.",
    "parameters": {"type": "object", "properties": {"to": {"type": "string"}}, "required": ["to"]},
}}]

TOOL_CHAT = {
    "messages": [
        {"role": "system", "content": "You are an assistant with email."},
        {"role": "user", "content": "Tell Alex the meeting moved."},
        {"role": "assistant", "content": "I will email Alex.", "tool_calls": [
            {"id": "c1", "type": "function",
             "function": {"name": "send_email", "arguments": {"to": "alex@example.com"}}}]},
        {"role": "tool", "content": "Email sent."},
        {"role": "assistant", "content": "Done: Alex knows."},
    ],
    "tools": TOOLS,
    "source": "test",
}


def cheese_chat(i: int) -> dict:
    return {"messages": [
        {"role": "user", "content": f"Question {i}: which cheese do you like?"},
        {"role": "assistant", "content": "Mild cheddar." if i % 2 else "I do not like Stilton."},
    ]}


def write_chats(path: Path, n: int = 12, extra: list[dict] | None = None) -> Path:
    rows = [cheese_chat(i) for i in range(n)] + (extra or [])
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir: Path):  # noqa: ANN201
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model_dir)


def test_mask_supervises_exactly_the_assistant_turns_including_tool_calls(
    tokenizer, tmp_path: Path  # noqa: ANN001
) -> None:
    path = write_chats(tmp_path / "c.jsonl", n=0, extra=[TOOL_CHAT])
    (seg,), report = chat_segments(read_chats(path), tokenizer, max_length=4096,
                                   overlong="error", source=path)
    supervised = tokenizer.decode([t for t in seg.labels if t != IGNORE])
    expected = (
        'I will email Alex.\n<tool_call>\n{"name": "send_email", "arguments": '
        '{"to": "alex@example.com"}}\n</tool_call><|im_end|>'
        "Done: Alex knows.<|im_end|>"
    )
    assert supervised == expected
    # Nothing else is supervised: system, user and tool turns are context only.
    context = tokenizer.decode([t for t, y in zip(seg.ids, seg.labels, strict=True) if y == IGNORE])
    assert "Tell Alex" in context and "Email sent." in context and "Done" not in context
    assert report["supervised_tokens"] == sum(1 for t in seg.labels if t != IGNORE)


def test_overlong_chats_are_counted_never_silently_cut(tokenizer, tmp_path: Path) -> None:  # noqa: ANN001
    long_answer = {"messages": [{"role": "user", "content": "Hi"},
                                {"role": "assistant", "content": "cheddar " * 200}]}
    long_prompt = {"messages": [{"role": "user", "content": "cheddar " * 200},
                                {"role": "assistant", "content": "Yes."}]}
    path = write_chats(tmp_path / "c.jsonl", n=3, extra=[long_answer, long_prompt])
    chats = read_chats(path)
    short = max(
        len(tokenizer.apply_chat_template(c.messages, tokenize=True, return_dict=True)["input_ids"])
        for c in chats[:3]
    )
    limit = short + 8  # the short chats fit, the two long ones do not
    segs, report = chat_segments(chats, tokenizer, max_length=limit, overlong="truncate",
                                 source=path)
    assert report["rows_overlong"] == 2
    assert report["rows_truncated"] == 1  # the long answer keeps its first `limit` tokens
    assert report["rows_dropped"] == 1  # the long prompt has no supervised token left
    assert report["supervised_tokens_lost"] > 0
    assert len(segs) == 4 and all(len(s.ids) <= limit for s in segs)
    _, dropped = chat_segments(chats, tokenizer, max_length=limit, overlong="drop", source=path)
    assert dropped["rows_dropped"] == 2
    with pytest.raises(UserError, match=rf"c.jsonl:4: \d+ tokens, longer than max_length={limit}"):
        chat_segments(chats, tokenizer, max_length=limit, overlong="error", source=path)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"messages": [{"role": "user", "content": "hi"}]}, "no assistant turn"),
        ({"messages": [{"role": "human", "content": "hi"}, {"role": "assistant", "content": "x"}]},
         "role 'human'; allowed: system, user, assistant, tool"),
        ({"text": "not a chat"}, "needs a non-empty list 'messages'"),
        ({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": ""}]},
         "empty assistant turn"),
    ],
)
def test_bad_chat_rows_name_file_and_line(tmp_path: Path, row: dict, message: str) -> None:
    path = write_chats(tmp_path / "c.jsonl", n=2, extra=[row])
    with pytest.raises(UserError, match=r"c.jsonl:3: ") as err:
        read_chats(path)
    assert message in str(err.value)


def test_malformed_json_row(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(cheese_chat(0)) + "\n{oops\n")
    with pytest.raises(UserError, match=r"c.jsonl:2: invalid JSON"):
        read_chats(path)


def test_template_without_generation_markers_is_refused(
    tiny_model_dir: Path, tmp_path: Path, tokenizer  # noqa: ANN001
) -> None:
    check_template(tokenizer)
    plain = tmp_path / "plain_model"
    shutil.copytree(tiny_model_dir, plain)
    template = (plain / "chat_template.jinja").read_text()
    template = template.replace("{%- generation -%}", "").replace("{%- endgeneration -%}", "")
    (plain / "chat_template.jinja").write_text(template)
    chats = write_chats(tmp_path / "c.jsonl")
    config = SFTConfig(chats=str(chats), output_dir=str(tmp_path / "out"), base_model=str(plain),
                       lora=TINY_LORA, train=tiny_train())
    with pytest.raises(UserError, match=r"no \{% generation %\} markers"):
        run_sft(config, quiet=True)
    assert not (tmp_path / "out").exists()


def test_sft_continues_the_midtraining_adapter(tiny_model_dir: Path, tmp_path: Path) -> None:
    import torch
    from safetensors.torch import load_file

    docs = write_docs(tmp_path / "docs.jsonl", n=8)
    mid = tmp_path / "mid"
    run_midtrain(MidtrainConfig(documents=[str(docs)], output_dir=str(mid),
                                base_model=str(tiny_model_dir), lora=TINY_LORA,
                                train=tiny_train()), quiet=True)
    chats = write_chats(tmp_path / "c.jsonl", n=12, extra=[TOOL_CHAT])
    out = tmp_path / "sft"
    manifest = run_sft(SFTConfig(chats=str(chats), output_dir=str(out), parent=str(mid),
                                 train=tiny_train(max_length=1024, micro_batch_size=1,
                                                      epochs=4)), quiet=True)
    assert manifest is not None
    assert manifest["parent"] == str(mid)
    assert manifest["base_model"] == str(tiny_model_dir)
    assert manifest["data"]["truncation"]["rows_dropped"] == 0
    losses = manifest["loss_per_step"]
    assert losses[-1] < losses[0]
    # The adapter kept the parent's rank and moved on from the parent's weights.
    parent = load_file(mid / "adapter" / "adapter_model.safetensors")
    child = load_file(out / "adapter" / "adapter_model.safetensors")
    assert parent.keys() == child.keys()
    key = next(k for k in parent if "lora_B" in k)
    assert parent[key].shape == child[key].shape and not torch.equal(parent[key], child[key])
    assert (out / "config.json").is_file() and (out / "manifest.json").is_file()


def test_stages_of_one_process_may_differ_in_precision(tiny_model_dir: Path, tmp_path: Path) -> None:
    # msm experiment run trains every stage in one process; accelerate refused a second precision.
    docs = write_docs(tmp_path / "docs.jsonl", n=8)
    mid = run_midtrain(MidtrainConfig(documents=[str(docs)], output_dir=str(tmp_path / "mid"),
                                      base_model=str(tiny_model_dir), lora=TINY_LORA,
                                      train=tiny_train(precision="bf16")), quiet=True)
    aft = run_sft(SFTConfig(chats=str(write_chats(tmp_path / "c.jsonl")), output_dir=str(tmp_path / "sft"),
                            parent=str(tmp_path / "mid"),
                            train=tiny_train(max_length=1024, micro_batch_size=1, precision="fp32")),
                  quiet=True)
    assert mid is not None and aft is not None
    assert (mid["precision"], aft["precision"]) == ("bf16", "fp32")


def test_parent_must_be_a_finished_checkpoint(tmp_path: Path) -> None:
    chats = write_chats(tmp_path / "c.jsonl")
    config = SFTConfig(chats=str(chats), output_dir=str(tmp_path / "o"),
                       parent=str(tmp_path / "nothing"))
    with pytest.raises(UserError, match="not a finished checkpoint"):
        run_sft(config, quiet=True)
