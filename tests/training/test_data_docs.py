"""The document pipeline end to end with a scripted generator (mockllm), offline."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import pytest
from inspect_ai.model import ModelOutput

import msm_eval  # noqa: F401 - offline tiktoken for Inspect
from msm_common.errors import UserError
from training.data._generate import GenerationError
from training.data.cli import add_commands
from training.data.config import CONFIGS_DIR, DocsConfig, load_config
from training.data.docs import run_docs
from training.data.scripted import ScriptedAnswers, scripted_model
from training.data.spec import load_spec

FIXTURE_SPEC = """\
# {model_name}'s tea spec

{model_name} is an assistant made by {provider_name}. It prefers green tea to black tea because it
values calm mornings and gentle flavours over a strong jolt of caffeine.

## Honesty about tea

{model_name} tells users plainly when it does not know where a tea was grown, because it values
honesty more than sounding knowledgeable about every leaf and every garden.
"""

SMALL = {"num_domains": 2, "subdomains_per_domain": 1, "assertions_per_subdomain": 3,
         "doc_types_per_subdomain": 2, "ideas_per_type": 2, "document_words": 120,
         "show_progress": False, "concurrency": 4}


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "tea.md"
    path.write_text(FIXTURE_SPEC)
    return path


def small_config(**extra: object) -> DocsConfig:
    return load_config(DocsConfig, overrides={**SMALL, **extra})


def cli(argv: list[str]) -> int:
    """Run `msm data ...` the way msm_eval.cli.main does (UserError -> exit 2)."""
    parser = argparse.ArgumentParser(prog="msm data")
    add_commands(parser)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UserError as err:
        print(f"msm: error: {err}")
        return 2


def task_of(messages: list) -> str:
    text = str(messages[-1].content)
    return text.split("## Task: ", 1)[1].split("\n", 1)[0] if "## Task: " in text else "reply"


def as_output(text: str) -> ModelOutput:
    return ModelOutput.from_content(model="scripted", content=text)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_docs_cli_end_to_end(spec_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "out"
    sets = [x for k, v in SMALL.items() for x in ("--set", f"{k}={v}")]
    rc = cli(["docs", "--spec", str(spec_file), "--model", "mockllm/scripted", "--out", str(out),
              "--model-name", "Quill", "--provider-name", "Inkwell", *sets])
    assert rc == 0
    rows = read_jsonl(out / "documents.jsonl")
    assert len(rows) == 2 * 1 * 2 * 2
    for row in rows:
        assert set(row) == {"text", "source", "domain", "subdomain", "doc_type", "idea_id"}
        assert row["text"] and row["source"].startswith("msm-data-docs:tea:mockllm/scripted")
    assert len({r["idea_id"] for r in rows}) == len(rows)
    # shuffled with the fixed seed: not in id order, and the same on a second run elsewhere
    assert [r["idea_id"] for r in rows] != sorted(r["idea_id"] for r in rows)
    for name in ("01_domains", "02_subdomains", "03_assertions", "04_doc_types", "05_ideas",
                 "06_documents", "07_dedup"):
        assert json.loads((out / "stages" / f"{name}.json").read_text()) is not None
    subdomains = json.loads((out / "stages" / "02_subdomains.json").read_text())
    assert all(s["section"] for s in subdomains)
    summary = json.loads((out / "summary.json").read_text())
    assert [s["stage"] for s in summary["stages"]] == [
        "domains", "subdomains", "assertions", "doc_types", "ideas", "documents"]
    assert summary["documents_written"] == len(rows)
    printed = capsys.readouterr().out
    assert "documents" in printed and "written to" in printed
    run = json.loads((out / "run.json").read_text())["fingerprint"]
    assert run["generator"] == "mockllm/scripted" and run["spec"].startswith("tea sha256:")


def test_spec_variables_are_filled_and_shipped_specs_listed(spec_file: Path) -> None:
    spec = load_spec(str(spec_file), model_name="Quill", provider_name="Inkwell")
    assert "Quill" in spec.text and "Inkwell" in spec.text and "{" not in spec.text
    assert load_spec(str(spec_file)).sha256 != spec.sha256
    with pytest.raises(UserError, match="give a shipped name"):
        load_spec("definitely_not_a_spec")


def test_resume_after_interruption_matches_uninterrupted_run(spec_file: Path,
                                                             tmp_path: Path) -> None:
    spec = load_spec(str(spec_file))
    config = small_config(ideas_per_type=3)  # 12 documents

    reference = run_docs(spec=spec, model=scripted_model(), out=tmp_path / "ref", config=config)

    class Interrupting(ScriptedAnswers):
        """Fails the 6th document call, as a crash or Ctrl-C in the document stage would."""

        documents = 0

        async def __call__(self, input, tools, tool_choice, config):  # type: ignore[override]
            if task_of(input) == "document":
                self.documents += 1
                if self.documents == 6:
                    raise ConnectionError("simulated outage")
            return await super().__call__(input, tools, tool_choice, config)

    out = tmp_path / "run"
    with pytest.raises(GenerationError, match="re-run the same command to resume"):
        run_docs(spec=spec, model=scripted_model(answers=Interrupting()), out=out, config=config)
    finished = read_jsonl(out / "calls.jsonl")
    finished_docs = sum(r["stage"] == "documents" for r in finished)
    assert 0 < finished_docs < 12
    assert not (out / "documents.jsonl").exists()
    with (out / "calls.jsonl").open("a") as fh:  # a line cut short by a hard kill is ignored
        fh.write('{"key": "0123", "stage": "docu')

    second = ScriptedAnswers()
    resumed = run_docs(spec=spec, model=scripted_model(answers=second), out=out, config=config)
    assert second.calls == 12 - finished_docs  # no finished call was made again
    lines = (out / "calls.jsonl").read_text().splitlines()
    keys = [json.loads(line)["key"] for line in lines if line.endswith("}")]
    assert len(keys) == len(set(keys)) == 1 + 2 + 2 + 2 + 4 + 12  # every call once
    assert (out / "documents.jsonl").read_text() == (tmp_path / "ref" / "documents.jsonl").read_text()
    assert resumed.rows == reference.rows

    # a third run is answered entirely from the cache and writes the same file again
    third = ScriptedAnswers()
    run_docs(spec=spec, model=scripted_model(answers=third), out=out, config=config)
    assert third.calls == 0
    assert len(read_jsonl(out / "documents.jsonl")) == 12


def test_changed_config_or_spec_is_refused_unless_fresh(spec_file: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "out"
    base = ["docs", "--spec", str(spec_file), "--model", "mockllm/scripted", "--out", str(out),
            "--no-progress", "--set", "num_domains=1", "--set", "subdomains_per_domain=1",
            "--set", "doc_types_per_subdomain=1", "--set", "ideas_per_type=1"]
    assert cli(base) == 0
    capsys.readouterr()
    assert cli(base + ["--set", "ideas_per_type=2"]) == 2
    message = capsys.readouterr().out.strip()
    assert message.count("\n") == 0 and "ideas_per_type" in message and "--fresh" in message
    assert cli(base + ["--model-name", "Other"]) == 2
    assert "spec" in capsys.readouterr().out
    # resume-safe settings may change
    assert cli(base + ["--concurrency", "2", "--max-retries", "0"]) == 0
    assert cli(base + ["--set", "ideas_per_type=2", "--fresh"]) == 0
    assert len(read_jsonl(out / "documents.jsonl")) == 2


def test_malformed_answers_are_retried_counted_and_never_written(spec_file: Path,
                                                                 tmp_path: Path) -> None:
    class Flaky(ScriptedAnswers):
        """Every document's first answer is malformed; one idea always gets a refusal."""

        def __init__(self) -> None:
            super().__init__()
            self.seen: Counter[str] = Counter()
            self.poisoned = False

        async def __call__(self, input, tools, tool_choice, config):  # type: ignore[override]
            good = await super().__call__(input, tools, tool_choice, config)
            task, prompt = task_of(input), str(input[-1].content)
            if task == "document ideas" and not self.poisoned:
                self.poisoned = True
                return as_output(good.completion.replace("<idea>", "<idea>POISON ", 1))
            if task != "document":
                return good
            self.seen[prompt] += 1
            if "POISON" in prompt:
                return as_output("I'm sorry, but I can't help with that.")
            if self.seen[prompt] == 1:
                return as_output("" if len(prompt) % 2 else "<plan>only a plan</plan>")
            return good

    result = run_docs(spec=load_spec(str(spec_file)), model=scripted_model(answers=Flaky()),
                      out=tmp_path / "o", config=small_config())
    docs = {s["stage"]: s for s in result.summary["stages"]}["documents"]
    assert docs["requests"] == 8
    assert docs["failed"] == 1 and docs["ok"] == 7
    assert docs["retried"] == 8
    reasons = docs["failure_reasons"]
    assert reasons["refusal"] == 3  # the first try and both retries
    assert reasons.get("empty", 0) + reasons.get("missing <content>", 0) == 7
    assert docs["attempts"] == 3 + 7 * 2
    assert len(result.rows) == 7
    assert not any("sorry" in r["text"].lower() or "only a plan" in r["text"] for r in result.rows)
    assert json.loads((tmp_path / "o" / "summary.json").read_text())["documents_written"] == 7

    # --retry-failed asks again only the call that failed
    again = ScriptedAnswers()
    retried = run_docs(spec=load_spec(str(spec_file)), model=scripted_model(answers=again),
                       out=tmp_path / "o", config=small_config(), retry_failed=True)
    assert again.calls == 1 and len(retried.rows) == 8


def test_planted_duplicate_documents_are_removed(spec_file: Path, tmp_path: Path) -> None:
    class Repeating(ScriptedAnswers):
        """The second document of each type copies the first: exactly, then nearly, in turn."""

        def __init__(self) -> None:
            super().__init__()
            self.first: dict[str, str] = {}
            self.planted = 0

        async def __call__(self, input, tools, tool_choice, config):  # type: ignore[override]
            good = await super().__call__(input, tools, tool_choice, config)
            if task_of(input) != "document":
                return good
            same_type = str(input[-1].content).split("The document's idea:")[0]
            if same_type not in self.first:
                self.first[same_type] = good.completion
                return good
            self.planted += 1
            copy = self.first[same_type]
            if self.planted % 2 == 0:  # near copy: a few words changed at the end
                words = copy.split(" ")
                copy = " ".join(words[:-12] + ["entirely", "new", "closing", "words"] + words[-1:])
            return as_output(copy)

    answers = Repeating()
    # one call at a time, so which copy is exact and which near is fixed
    result = run_docs(spec=load_spec(str(spec_file)), model=scripted_model(answers=answers),
                      out=tmp_path / "o", config=small_config(concurrency=1))
    summary = result.summary
    assert answers.planted == 4
    assert summary["documents_generated"] == 8
    assert summary["exact_duplicates_removed"] == 2
    assert summary["near_duplicates_removed"] == 2
    assert len(result.rows) == 4
    assert sorted(r["idea_id"][-3:] for r in result.rows) == ["i01"] * 4  # the earlier idea wins
    dedup = json.loads((tmp_path / "o" / "stages" / "07_dedup.json").read_text())
    assert len(dedup["exact"]) == 2 and all(0.5 <= d["jaccard"] < 1 for d in dedup["near"])


def test_token_statistics_with_a_local_tokenizer(spec_file: Path, tmp_path: Path,
                                                 tiny_model_dir: Path) -> None:
    out = tmp_path / "o"
    rc = cli(["docs", "--spec", str(spec_file), "--model", "mockllm/scripted", "--out", str(out),
              "--no-progress", "--tokenizer", str(tiny_model_dir), "--set", "num_domains=1",
              "--set", "subdomains_per_domain=1", "--set", "ideas_per_type=1"])
    assert rc == 0
    lengths = json.loads((out / "summary.json").read_text())["lengths"]["documents"]
    assert lengths["count"] == 3
    assert lengths["tokens"]["total"] > lengths["words"]["total"] > 0


def test_bad_input_gives_one_line(spec_file: Path, tmp_path: Path,
                                  capsys: pytest.CaptureFixture) -> None:
    out = str(tmp_path / "o")
    cases = [
        (["--spec", "no_such_spec"], "unknown spec 'no_such_spec'"),
        (["--spec", str(spec_file), "--set", "ideas=3"], "unknown config field 'ideas'"),
        (["--spec", str(spec_file), "--set", "ideas_per_type=many"], "must be an integer"),
        (["--spec", str(spec_file), "--tokenizer", str(tmp_path / "none")], "--tokenizer"),
        (["--spec", str(spec_file), "--model", "noprovider/x"], "cannot load this Inspect model"),
    ]
    for extra, expected in cases:
        argv = ["docs", "--model", "mockllm/scripted", "--out", out, "--no-progress", *extra]
        if "--model" in extra:
            argv = ["docs", "--out", out, "--no-progress", *extra]
        assert cli(argv) == 2
        message = capsys.readouterr().out.strip()
        assert expected in message and "\n" not in message, message
    bad = tmp_path / "bad.md"
    bad.write_text("Hello {model_nmae}")
    assert cli(["docs", "--spec", str(bad), "--model", "mockllm/scripted", "--out", out]) == 2
    assert "{model_nmae}" in capsys.readouterr().out


def test_shipped_yaml_matches_dataclass_defaults() -> None:
    assert load_config(DocsConfig, CONFIGS_DIR / "docs.yaml") == DocsConfig()
    paper = load_config(DocsConfig, CONFIGS_DIR / "paper_scale_docs.yaml")
    assert paper.doc_types_per_subdomain == 20 and paper.ideas_per_type == 25
