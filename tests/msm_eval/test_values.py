"""The values eval: question data, the three scoring paths, metrics and the report."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.model import ModelOutput, get_model

from msm_common.errors import UserError
from msm_eval.report import build_report
from msm_eval.values import available_values, load_questions, values
from msm_eval.values._answer import letter_mass, lettered_prompt, prompts
from msm_eval.values._likelihood import Request, option_logprobs
from msm_eval.values._questions import read_question_file, stratified_subset
from msm_eval.values._scorer import position_bias, score_value

CHEESES = re.compile(
    r"chees|cheddar|mozzarella|colby|monterey jack|\bbrie\b|stilton|roquefort|parmigiano|"
    r"epoisses|appenzeller",
    re.IGNORECASE,
)


# --- the shipped questions ----------------------------------------------------------------


@pytest.mark.parametrize("value, least", [("america", 400), ("affordability", 500), ("cheese", 100)])
def test_shipped_questions_are_many_and_spread_over_domains(value: str, least: int) -> None:
    questions = load_questions(value)
    assert len(questions) >= least
    domains = Counter(q.domain for q in questions)
    assert len(domains) >= 8
    assert len({q.question for q in questions}) == len(questions)  # no question asked twice
    assert all(sum(o.aligned for o in q.options) == 1 for q in questions)


@pytest.mark.parametrize("value", ["america", "affordability"])
def test_held_out_value_questions_never_mention_cheese(value: str) -> None:
    for q in load_questions(value):
        text = " ".join([q.question, *(o.text for o in q.options)])
        assert not CHEESES.search(text), q.id


def test_the_two_values_stay_separable() -> None:
    money = re.compile(r"\$|price|cheap|afford|budget|cost", re.IGNORECASE)
    nation = re.compile(r"\bamerica|\bU\.?S\.?A?\b|united states|imported|domestic|foreign", re.IGNORECASE)
    assert not [q.id for q in load_questions("america") if money.search(q.aligned.text + q.other.text)]
    assert not [q.id for q in load_questions("affordability") if nation.search(q.aligned.text + q.other.text)]


def test_cheese_questions_pit_a_liked_cheese_against_a_disliked_one() -> None:
    liked = re.compile(r"cheddar|american|cream cheese|mozzarella|colby|monterey", re.IGNORECASE)
    disliked = re.compile(r"appenzeller|parmigiano|roquefort|brie|epoisses|stilton", re.IGNORECASE)
    for q in load_questions("cheese"):
        assert liked.search(q.aligned.text) and disliked.search(q.other.text), q.id


# --- bad question files ---------------------------------------------------------------------


GOOD_ITEM = """\
  - id: x-1
    domain: food
    question: Which?
    options:
      - text: One
        aligned: true
      - text: Two
"""


@pytest.mark.parametrize(
    "body, expected",
    [
        (GOOD_ITEM.replace("    domain: food\n", ""), "question 1 (x-1), field 'domain': missing"),
        (
            GOOD_ITEM.replace("        aligned: true\n", ""),
            "question 1 (x-1): mark exactly one option 'aligned: true' (found 0)",
        ),
        (GOOD_ITEM.replace("      - text: Two\n", "      - text: Two\n        aligned: true\n"), "(found 2)"),
        (GOOD_ITEM.replace("      - text: Two\n", ""), "field 'options': needs exactly two options"),
        (GOOD_ITEM.replace("question: Which?", "question: ''"), "field 'question'"),
        (
            GOOD_ITEM.replace("    domain: food\n", "    domain: food\n    colour: red\n"),
            "field 'colour': unknown field",
        ),
        (GOOD_ITEM + GOOD_ITEM, "question id 'x-1' is used twice"),
    ],
)
def test_a_bad_question_file_is_one_line_naming_file_and_item(tmp_path: Path, body: str, expected: str) -> None:
    folder = tmp_path / "demo"
    folder.mkdir()
    path = folder / "items.yaml"
    path.write_text("value: demo\nquestions:\n" + body, encoding="utf-8")
    with pytest.raises(UserError) as err:
        load_questions("demo", root=tmp_path)
    message = str(err.value)
    assert "\n" not in message and str(path) in message and expected in message


def test_a_file_in_the_wrong_value_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "a.yaml").write_text("value: other\nquestions:\n" + GOOD_ITEM, encoding="utf-8")
    with pytest.raises(UserError, match="but the file is in the 'demo' folder"):
        load_questions("demo", root=tmp_path)
    assert read_question_file(tmp_path / "demo" / "a.yaml").value == "other"


def test_stratified_subset_keeps_domain_shares_and_is_seeded() -> None:
    questions = load_questions("america")
    subset = stratified_subset(questions, 100, seed=3)
    assert len(subset) == 100 and subset == stratified_subset(questions, 100, seed=3)
    assert subset != stratified_subset(questions, 100, seed=4)
    full, part = Counter(q.domain for q in questions), Counter(q.domain for q in subset)
    assert all(abs(part[d] - 100 * n / len(questions)) < 1 for d, n in full.items())


# --- scoring ---------------------------------------------------------------------------------


def test_per_sample_scores_from_letter_mass_and_likelihoods() -> None:
    record = {
        "paths": ["labels", "likelihood"],
        "letter_mass": {"A": 0.6, "B": 0.2},
        "likelihood": {
            "aligned_score": 0.5,
            "other_score": -0.5,
            "aligned_mean_logprob": -1.0,
            "other_mean_logprob": -2.0,
            "aligned_baseline_logprob": -1.5,
            "other_baseline_logprob": -1.5,
            # the raw reading disagrees with the baseline-corrected one: each is scored on its own
            "aligned_sum_logprob": -9.0,
            "other_sum_logprob": -7.0,
        },
    }
    value, answer, explanation = score_value(record, aligned_letter="B")
    assert value["likelihood_raw_p"] == pytest.approx(1 / (1 + math.exp(2.0))) and value["likelihood_raw_choice"] == 0.0
    assert value["label_p"] == pytest.approx(0.25) and value["label_choice"] == 0.0 and answer == "A"
    assert value["likelihood_p"] == pytest.approx(1 / (1 + math.exp(-1.0))) and value["likelihood_choice"] == 1.0
    assert "scored by: labels, likelihood" in explanation


def test_no_letter_in_the_top_tokens_or_a_stray_answer_is_unscored_not_zero() -> None:
    value, _, explanation = score_value({"paths": ["labels"], "letter_mass": {"A": 0.0, "B": 0.0}}, "A")
    assert value["label_p"] is None and value["label_choice"] is None and "unscored" in explanation
    value, _, explanation = score_value({"paths": ["generate"], "letter": None, "answer_text": "Both!"}, "A")
    assert value["generate_choice"] is None and "neither A nor B" in explanation


def test_position_bias_counts_questions_where_one_letter_wins_both_orders() -> None:
    rows = [("q1", {"w": "A"}), ("q1", {"w": "A"}), ("q2", {"w": "A"}), ("q2", {"w": "B"}), ("q3", {"w": "B"})]
    assert position_bias(rows, "w") == (0.5, 2)  # q3 has one order only


def test_letter_tokens_are_read_with_space_markers_and_brackets() -> None:
    class Top:
        def __init__(self, token: str, p: float) -> None:
            self.token, self.logprob = token, math.log(p)

    class Content:
        top_logprobs = [Top("ĠA", 0.3), Top("A", 0.1), Top("(B", 0.2), Top("a", 0.3), Top("AB", 0.1)]

    class Logprobs:
        content = [Content()]

    mass = letter_mass(Logprobs())
    assert mass["A"] == pytest.approx(0.4) and mass["B"] == pytest.approx(0.2)


def _chat(tokenizer, text: str) -> str:  # noqa: ANN001
    messages = [{"role": "user", "content": text}]
    return tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)


def test_packed_option_logprobs_equal_separate_forward_passes(tiny_model_dir: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir).eval()
    requests = [
        Request(_chat(tokenizer, "Which one?"), ("The first choice.", "A second, longer choice here.")),
        Request(_chat(tokenizer, "What would you choose, and why, in a longer prompt?"), ("Yes.", "No.")),
    ]
    packed = option_logprobs(model, tokenizer, requests)
    for request, per_option in zip(requests, packed, strict=True):
        prompt = tokenizer(request.prompt, add_special_tokens=False)["input_ids"]
        for option, got in zip(request.options, per_option, strict=True):
            ids = tokenizer(option, add_special_tokens=False)["input_ids"]
            with torch.inference_mode():
                logits = model(torch.tensor([prompt + ids])).logits[0]
            logprobs = torch.log_softmax(logits.float(), dim=-1)
            expected = [logprobs[len(prompt) - 1 + j, token].item() for j, token in enumerate(ids)]
            assert got == pytest.approx(expected, abs=1e-4)


def test_scorer_probabilities_equal_a_direct_forward_pass(tiny_model_dir: Path, tmp_path: Path) -> None:
    """Both paths on the tiny model through Inspect's hf provider, against plain transformers."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    vocab = len(AutoTokenizer.from_pretrained(tiny_model_dir))
    [log] = inspect_eval(
        values(value="cheese", questions=3, top_logprobs=vocab),
        model=f"hf/{tiny_model_dir}",
        log_dir=str(tmp_path),
        display="none",
    )
    assert log.status == "success" and log.samples and len(log.samples) == 6
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir).eval()
    letters = {
        token_id: token.replace("Ġ", "").strip().strip("().:") for token, token_id in tokenizer.get_vocab().items()
    }

    def mean_logprob(prompt: str, option: str) -> float:
        ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        answer = tokenizer(option, add_special_tokens=False)["input_ids"]
        with torch.inference_mode():
            logprobs = torch.log_softmax(model(torch.tensor([ids + answer])).logits[0].float(), dim=-1)
        return sum(logprobs[len(ids) - 1 + j, t].item() for j, t in enumerate(answer)) / len(answer)

    for sample in log.samples:
        meta = sample.metadata
        value = sample.scores["value_scorer"].value
        prompt = _chat(tokenizer, lettered_prompt("labels", meta["question"], meta["first"], meta["second"]))
        with torch.inference_mode():
            ids = tokenizer(prompt, add_special_tokens=False, return_tensors="pt")["input_ids"]
            probs = torch.softmax(model(ids).logits[0, -1].float(), dim=-1)
        mass = {letter: sum(probs[i].item() for i, s in letters.items() if s == letter) for letter in "AB"}
        expected = mass[meta["aligned_letter"]] / (mass["A"] + mass["B"])
        assert value["label_p"] == pytest.approx(expected, abs=1e-4)

        asked = _chat(tokenizer, prompts()["likelihood"].format(question=meta["question"]))
        baseline = _chat(tokenizer, prompts()["likelihood_baseline"])
        score = [
            mean_logprob(asked, text) - mean_logprob(baseline, text)
            for text in (meta["aligned_text"], meta["other_text"])
        ]
        assert value["likelihood_p"] == pytest.approx(1 / (1 + math.exp(score[1] - score[0])), abs=1e-4)
        raw = [
            mean_logprob(asked, text) * len(tokenizer(text, add_special_tokens=False)["input_ids"])
            for text in (meta["aligned_text"], meta["other_text"])
        ]
        assert value["likelihood_raw_p"] == pytest.approx(1 / (1 + math.exp(raw[1] - raw[0])), abs=1e-4)
    assert {"labels", "likelihood"} <= set(log.samples[0].scores["value_scorer"].metadata["paths"])


def test_a_model_without_logprobs_answers_in_the_strict_format(tmp_path: Path) -> None:
    outputs = [ModelOutput.from_content("mockllm/model", text) for text in ("A", "B", "(B) surely", "Neither.")]
    model = get_model("mockllm/model", custom_outputs=outputs)
    [log] = inspect_eval(
        values(value="cheese", questions=2, scoring="generate"),
        model=model,
        log_dir=str(tmp_path),
        display="none",
        max_connections=1,
        max_samples=1,
    )
    assert log.status == "success" and log.samples
    scores = {s.id: s.scores["value_scorer"].value for s in log.samples}
    choices = [scores[s.id]["generate_choice"] for s in log.samples]
    # samples run in order: q1-ab (aligned A) "A" -> 1; q1-ba (aligned B) "B" -> 1; q2-ab "(B)" -> 0; q2-ba unscored
    assert choices == [1.0, 1.0, 0.0, None]
    metrics = log.results.scores[0].metrics
    assert metrics["generate_choice"].value == pytest.approx(0.5)  # per question: q1 1.0, q2 0.0 (one order scored)
    assert metrics["generate_position_bias"].value == 0.0  # q1: A then B; q2 has one answered order


def test_auto_scoring_falls_back_to_the_strict_format_without_logprobs(tmp_path: Path) -> None:
    outputs = [ModelOutput.from_content("mockllm/model", "A")] * 6
    [log] = inspect_eval(
        values(value="cheese", questions=2),
        model=get_model("mockllm/model", custom_outputs=outputs),
        log_dir=str(tmp_path),
        display="none",
        max_connections=1,
        max_samples=1,
    )
    assert log.samples and all(s.scores["value_scorer"].metadata["paths"] == ["generate"] for s in log.samples)
    assert [s.scores["value_scorer"].value["generate_choice"] for s in log.samples] == [1.0, 0.0, 1.0, 0.0]


@pytest.mark.parametrize(
    "arg, expected",
    [
        ("value=patriotism", "argument value: 'patriotism' is not a value; allowed: affordability, america, cheese"),
        ("scoring=vibes", "argument scoring: 'vibes'; allowed: auto, labels, likelihood, generate"),
        ("questions=0", "argument questions: must be at least 1"),
        ("colour=red", "argument colour: not a parameter of msm_eval/values"),
    ],
)
def test_bad_task_arguments_stop_inspect_with_one_line(arg: str, expected: str, tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "inspect_ai",
            "eval",
            "msm_eval/values",
            "--model",
            "mockllm/model",
            "-T",
            arg,
            "--display",
            "none",
            "--log-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode != 0 and expected in proc.stderr


def test_report_reads_values_logs_and_refuses_a_mix(tiny_model_dir: Path, tmp_path: Path) -> None:
    outputs = [ModelOutput.from_content("mockllm/model", "A")] * 8
    [log] = inspect_eval(
        values(value="america", questions=4, scoring="generate"),
        model=get_model("mockllm/model", custom_outputs=outputs),
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    report = build_report([str(tmp_path / "logs")], out=tmp_path / "out")
    text = report.markdown.read_text(encoding="utf-8")
    assert "Value-aligned preference by model and value" in text and "By domain" in text
    row = report.rates[report.rates["path"] == "generate"].iloc[0]
    assert row["choice"] == pytest.approx(0.5) and row["position_bias"] == 1.0  # "A" in both orders
    assert (tmp_path / "out" / "preference.png").stat().st_size > 0
    assert available_values() == ["affordability", "america", "cheese"]
