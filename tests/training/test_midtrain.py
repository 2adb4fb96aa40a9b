"""Midtraining: packing keeps every token and isolates documents; the stage trains and saves."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from msm_common.errors import UserError
from msm_eval.cli import main
from training.engine import LoraSettings, TrainSettings
from training.midtrain import MidtrainConfig, document_segments, mix_in_chats, read_documents, run_midtrain
from training.rows import IGNORE, Segment, pack

WORDS = "cheddar brie stilton affordable america cheese model value because every store sells".split()


def write_docs(path: Path, n: int = 16, seed: int = 0) -> Path:
    rng = random.Random(seed)
    with path.open("w") as handle:
        for i in range(n):
            words = [rng.choice(WORDS) for _ in range(rng.randint(3, 60))]
            row = {"text": f"Document {i}. " + " ".join(words) + ".", "source": "test", "domain": "d"}
            handle.write(json.dumps(row) + "\n")
    return path


def tiny_train(**overrides: object) -> TrainSettings:
    settings = {"max_length": 64, "micro_batch_size": 2, "grad_accum": 1, "lr": 5e-3,
                "warmup_ratio": 0.0, "save_steps": 0, "log_steps": 1}
    settings.update(overrides)
    return TrainSettings(**settings)  # type: ignore[arg-type]


TINY_LORA = LoraSettings(r=4, alpha=8)


def test_pack_keeps_every_target_token_and_respects_max_length() -> None:
    rng = random.Random(1)
    segments = []
    for _ in range(40):
        n = rng.randint(2, 150)  # many longer than a row
        ids = [rng.randint(3, 500) for _ in range(n)]
        segments.append(Segment(ids=ids, labels=[IGNORE, *ids[1:]], splittable=True))
    rows = pack(segments, max_length=32)
    assert all(len(r.input_ids) <= 32 for r in rows)
    # Reading the targets back row by row gives every document's targets, in order, exactly once.
    trained = [t for r in rows for t in r.labels if t != IGNORE]
    expected = [t for s in segments for t in s.labels if t != IGNORE]
    assert trained == expected
    # Only the last row is partly empty: no padding inside the stream.
    assert all(len(r.input_ids) == 32 for r in rows[:-1])


def test_packed_row_gives_the_same_logits_as_each_document_alone(tiny_model_dir: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir, attn_implementation="sdpa").eval()
    texts = ["The model likes mild cheddar.", "Stilton is disliked by the model, for its price.",
             "Every store sells American cheese."]
    segments = document_segments(texts, tokenizer)
    (row,) = pack(segments, max_length=256)
    with torch.no_grad():
        packed = model(input_ids=torch.tensor([row.input_ids]),
                       position_ids=torch.tensor([row.position_ids]), use_cache=False).logits[0]
        start = 0
        for seg in segments:
            alone = model(input_ids=torch.tensor([seg.ids]), use_cache=False).logits[0]
            torch.testing.assert_close(packed[start : start + len(seg.ids)], alone,
                                       atol=1e-5, rtol=1e-4)
            start += len(seg.ids)
        # Without the position reset the second document would see the first: logits differ.
        plain = model(input_ids=torch.tensor([row.input_ids]), use_cache=False).logits[0]
        n0 = len(segments[0].ids)
        assert not torch.allclose(plain[n0 : n0 + len(segments[1].ids)],
                                  packed[n0 : n0 + len(segments[1].ids)], atol=1e-4)


def test_document_segments_train_every_text_token_and_eos(tiny_model_dir: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    (seg,) = document_segments(["Mild cheddar is affordable."], tokenizer)
    targets = [t for t in seg.labels if t != IGNORE]
    assert tokenizer.decode(targets[:-1]) == "Mild cheddar is affordable."
    assert targets[-1] == tokenizer.eos_token_id
    assert seg.labels[0] == IGNORE  # the start token is context only


def test_mix_in_chats_reaches_the_ratio_with_a_seeded_choice() -> None:
    docs = [Segment([1] * 101, [IGNORE] + [1] * 100, True) for _ in range(9)]
    chats = [Segment([2] * 20, [IGNORE] * 10 + [2] * 10, False) for _ in range(500)]
    mixed, report = mix_in_chats(docs, chats, ratio=0.1, seed=3)
    assert report["ratio_actual"] == pytest.approx(0.1, abs=0.01)
    assert report["chats_used"] == 10
    again, _ = mix_in_chats(docs, chats, ratio=0.1, seed=3)
    assert [s.ids for s in mixed] == [s.ids for s in again]


def test_read_documents_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    path.write_text('{"text": "fine"}\n{"text": \n')
    with pytest.raises(UserError, match=r"docs.jsonl:2: invalid JSON"):
        read_documents(path)
    path.write_text('{"text": "fine"}\n\n{"source": "x"}\n')
    with pytest.raises(UserError, match=r"docs.jsonl:3: needs a non-empty string field 'text'"):
        read_documents(path)
    with pytest.raises(UserError, match="file not found"):
        read_documents(tmp_path / "missing.jsonl")


def test_midtrain_end_to_end_loss_decreases_and_checkpoint_loads(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    from transformers import AutoModelForCausalLM

    docs = write_docs(tmp_path / "docs.jsonl", n=24)
    out = tmp_path / "mid"
    config = MidtrainConfig(documents=[str(docs)], output_dir=str(out),
                            base_model=str(tiny_model_dir), lora=TINY_LORA,
                            train=tiny_train(epochs=2))
    manifest = run_midtrain(config, quiet=True)
    assert manifest is not None and manifest["status"] == "finished"
    losses = manifest["loss_per_step"]
    assert sum(losses[-3:]) / 3 < sum(losses[:3]) / 3
    data = manifest["data"]
    assert data["trained_over_corpus"] == 1.0
    assert data["tokens_trained_per_epoch"] == data["corpus_tokens"]
    assert manifest["precision"] in ("bf16", "fp32")
    assert manifest["data"]["files"][0]["sha256"]
    for key in ("code_revision", "wall_seconds", "tokens_per_second", "final_loss", "base_model"):
        assert manifest[key] is not None
    assert (out / "adapter" / "adapter_config.json").is_file()
    assert not (out / "state").exists()
    merged = AutoModelForCausalLM.from_pretrained(out)  # a plain HF directory
    assert merged.config.vocab_size > 0
    assert (out / "chat_template.jinja").is_file()

    # Same config again: nothing to do. A different config: refused without --overwrite.
    stamp = (out / "model.safetensors").stat().st_mtime_ns
    run_midtrain(config, quiet=True)
    assert (out / "model.safetensors").stat().st_mtime_ns == stamp
    config.train.lr = 1e-3
    with pytest.raises(UserError, match="finished checkpoint of a different config"):
        run_midtrain(config, quiet=True)
    config.train.lr = 5e-3  # back to the finished config, but the corpus changed under it
    with docs.open("a") as handle:
        handle.write('{"text": "One more document about cheddar."}\n')
    with pytest.raises(UserError, match="finished checkpoint of a different config"):
        run_midtrain(config, quiet=True)


def test_interrupted_run_resumes_to_the_same_weights(tiny_model_dir: Path, tmp_path: Path) -> None:
    from safetensors.torch import load_file

    docs = write_docs(tmp_path / "docs.jsonl", n=20)

    def config(out: Path) -> MidtrainConfig:
        return MidtrainConfig(documents=[str(docs)], output_dir=str(out),
                              base_model=str(tiny_model_dir), lora=TINY_LORA,
                              train=tiny_train(save_steps=2))

    straight = run_midtrain(config(tmp_path / "a"), quiet=True)
    assert run_midtrain(config(tmp_path / "b"), stop_after_steps=3, quiet=True) is None
    assert (tmp_path / "b" / "state" / "progress.json").is_file()
    resumed = run_midtrain(config(tmp_path / "b"), quiet=True)
    assert straight is not None and resumed is not None
    assert resumed["loss_per_step"] == straight["loss_per_step"]
    a = load_file(tmp_path / "a" / "adapter" / "adapter_model.safetensors")
    b = load_file(tmp_path / "b" / "adapter" / "adapter_model.safetensors")
    assert a.keys() == b.keys()
    for key in a:
        assert (a[key] == b[key]).all(), key


def test_cli_errors_are_one_line_before_training(
    tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = write_docs(tmp_path / "docs.jsonl", n=2)
    base = ["train", "midtrain", "--documents", str(docs), "--output-dir", str(tmp_path / "o"),
            "--no-progress"]
    cases = [
        (["--base-model", str(tmp_path / "nope")], "no such directory"),
        (["--base-model", str(tiny_model_dir), "--set", "train.micro_batch_size=64"],
         "fewer than one optimizer step"),
        (["--base-model", str(tiny_model_dir), "--set", "train.method=qlora"], "allowed: lora, full"),
        (["--base-model", str(tiny_model_dir), "--set", "train.bogus=1"], "unknown key 'bogus'"),
    ]
    for extra, message in cases:
        assert main(base + extra) == 2
        err = capsys.readouterr().err.strip()
        assert message in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "o").exists()


def test_midtrain_with_instruction_mix_reports_the_ratio(tiny_model_dir: Path, tmp_path: Path) -> None:
    from training.midtrain import MixSettings

    docs = write_docs(tmp_path / "docs.jsonl", n=10)
    chats = tmp_path / "chats.jsonl"
    chats.write_text("".join(
        json.dumps({"messages": [{"role": "user", "content": f"Cheese {i}?"},
                                 {"role": "assistant", "content": "Mild cheddar, always."}]}) + "\n"
        for i in range(40)
    ))
    manifest = run_midtrain(
        MidtrainConfig(documents=[str(docs)], output_dir=str(tmp_path / "mix"),
                       base_model=str(tiny_model_dir), mix=MixSettings(chats=str(chats), ratio=0.2),
                       lora=TINY_LORA, train=tiny_train(max_length=256)),
        quiet=True,
    )
    assert manifest is not None
    mix = manifest["data"]["mix"]
    assert 0.15 < mix["ratio_actual"] < 0.3 and mix["chats_used"] > 0
    # Documents are still trained in full; the chats add their assistant tokens on top.
    data = manifest["data"]
    assert data["tokens_trained_per_epoch"] == data["corpus_tokens"] + mix["chat_target_tokens"]
    assert [f.get("role") for f in data["files"]] == [None, "mix"]


def test_full_fine_tuning_writes_merged_weights_without_adapter(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    from safetensors.torch import load_file

    docs = write_docs(tmp_path / "docs.jsonl", n=8)
    out = tmp_path / "full"
    manifest = run_midtrain(MidtrainConfig(documents=[str(docs)], output_dir=str(out),
                                           base_model=str(tiny_model_dir),
                                           train=tiny_train(method="full", lr=1e-3)), quiet=True)
    assert manifest is not None and manifest["method"] == "full"
    assert not (out / "adapter").exists()
    before = load_file(tiny_model_dir / "model.safetensors")
    after = load_file(out / "model.safetensors")
    key = "model.layers.0.mlp.down_proj.weight"
    assert before[key].dtype == after[key].dtype and not (before[key] == after[key]).all()
