"""Values-eval likelihood scoring: packed option rows against the plain way, in the same run.

For N questions of a value, both ways compute every option's token log-probabilities after the
bare question and after the neutral baseline prompt, on the embedded SmolLM2-135M-Instruct:

- plain: one row per (prompt, option), right-padded batches of similar length, full logits (what a
  straightforward implementation does);
- ours (msm_eval/values/_likelihood.py): one packed row per prompt holding both options under a
  4D mask, logits only at the positions that predict option tokens.

It also times a bare decoder forward over the plain rows' tokens (no logits at all), the floor for
any implementation, and checks that both ways give the same log-probabilities.

    python benchmarks/values_scoring.py --questions 64
"""

from __future__ import annotations

import argparse
import time

import torch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=64)
    parser.add_argument("--value", default="america")
    parser.add_argument("--batch", type=int, default=8, help="rows per forward pass for both ways")
    args = parser.parse_args()

    from transformers import AutoModelForCausalLM, AutoTokenizer

    from msm_eval.models import ensure_default_model
    from msm_eval.values import load_questions
    from msm_eval.values._answer import prompts
    from msm_eval.values._likelihood import Request, option_logprobs

    path = ensure_default_model()
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path).eval()

    def chat(text: str) -> str:
        return tokenizer.apply_chat_template([{"role": "user", "content": text}], add_generation_prompt=True,
                                             tokenize=False)

    questions = load_questions(args.value)[: args.questions]
    requests = []
    for q in questions:
        options = (q.aligned.text, q.other.text)
        requests.append(Request(chat(prompts()["likelihood"].format(question=q.question)), options))
        requests.append(Request(chat(prompts()["likelihood_baseline"]), options))
    rows = []  # (ids, prompt length) per (prompt, option)
    for request in requests:
        prompt = tokenizer(request.prompt, add_special_tokens=False)["input_ids"]
        for option in request.options:
            rows.append((prompt + tokenizer(option, add_special_tokens=False)["input_ids"], len(prompt)))
    useful = sum(len(ids) for ids, _ in rows)

    def plain(full_logits: bool) -> list[list[float]]:
        order = sorted(range(len(rows)), key=lambda i: len(rows[i][0]))
        out: list[list[float]] = [[] for _ in rows]
        with torch.inference_mode():
            for start in range(0, len(order), args.batch):
                chunk = order[start : start + args.batch]
                length = max(len(rows[i][0]) for i in chunk)
                ids = torch.zeros((len(chunk), length), dtype=torch.long)
                mask = torch.zeros((len(chunk), length), dtype=torch.long)
                for j, i in enumerate(chunk):
                    ids[j, : len(rows[i][0])] = torch.tensor(rows[i][0])
                    mask[j, : len(rows[i][0])] = 1
                if not full_logits:
                    model.get_decoder()(input_ids=ids, attention_mask=mask)
                    continue
                logprobs = torch.log_softmax(model(input_ids=ids, attention_mask=mask).logits.float(), dim=-1)
                for j, i in enumerate(chunk):
                    seq, prompt_length = rows[i]
                    out[i] = [logprobs[j, p - 1, seq[p]].item() for p in range(prompt_length, len(seq))]
        return out

    def timed(fn):  # noqa: ANN001, ANN202
        fn()  # warm-up
        started = time.perf_counter()
        result = fn()
        return result, time.perf_counter() - started

    packed, t_packed = timed(lambda: option_logprobs(model, tokenizer, requests))
    reference, t_plain = timed(lambda: plain(True))
    _, t_floor = timed(lambda: plain(False))
    flat = [lp for per_request in packed for per_option in per_request for lp in per_option]
    ref_flat = [lp for per_row in reference for lp in per_row]
    worst = max(abs(a - b) for a, b in zip(flat, ref_flat, strict=True))
    threads = torch.get_num_threads()
    print(f"{len(questions)} questions, {len(rows)} (prompt, option) rows, {useful:,} tokens; threads {threads}")
    print(f"plain rows, full logits : {t_plain:6.2f} s  {useful / t_plain:7.0f} tok/s  (reference, 1.00x)")
    print(f"packed rows (ours)      : {t_packed:6.2f} s  {useful / t_packed:7.0f} tok/s  ({t_plain / t_packed:.2f}x)")
    print(f"decoder only, no logits : {t_floor:6.2f} s  {useful / t_floor:7.0f} tok/s  ({t_plain / t_floor:.2f}x; "
          "the plain rows' forward alone)")
    print(f"largest log-prob difference between the two ways: {worst:.2e}")


if __name__ == "__main__":
    main()
