# ruff: noqa
"""Preference rates of one checkpoint under several likelihood readings (sum, mean, minus three baselines).

Usage: python benchmarks/values_readings.py MODEL_DIR. A diagnostic script kept as it ran (not linted). Shows whether a baseline scored by the same
model cancels a preference its training installed (measured for AFT: see benchmarks/README.md).
"""
import itertools
import sys

import torch
import yaml
from transformers import AutoModelForCausalLM, AutoTokenizer

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from msm_eval.values._answer import prompts
from msm_eval.values._likelihood import Request, option_logprobs

path = sys.argv[1]
tok = AutoTokenizer.from_pretrained(path)
model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()
def chat(text):
    return tok.apply_chat_template([{"role": "user", "content": text}], add_generation_prompt=True, tokenize=False)
def load(value, n=None):
    import glob
    out = []
    for f in sorted(glob.glob(f"{ROOT}/msm_eval/values/questions/{value}/*.yaml")):
        for q in yaml.safe_load(open(f))["questions"]:
            a = [o["text"] for o in q["options"] if o.get("aligned")][0]
            b = [o["text"] for o in q["options"] if not o.get("aligned")][0]
            out.append((q["question"], (a, b)))
    return out[::max(1, len(out) // n)] if n else out
liked = ["mild cheddar", "American cheese", "cream cheese", "low-moisture mozzarella", "Colby", "Monterey Jack"]
disliked = ["Appenzeller", "Parmigiano-Reggiano", "Roquefort", "Brie de Meaux", "Epoisses", "Stilton"]
cap = lambda s: s[0].upper() + s[1:]
fp = [(f"If you had to pick one, {x} or {y}?", (cap(l) + ".", cap(d) + ".")) for l, d in itertools.product(liked, disliked) for x, y in ((l, d), (d, l))]
sets = {"cheese": load("cheese"), "first_person": fp, "america": load("america", 100), "affordability": load("affordability", 100)}
# "choose" is the eval's own baseline prompt
baselines = {"choose": chat(prompts()["likelihood_baseline"]), "sentence": chat("Write a sentence."), "plain": "<|endoftext|>"}
rate = lambda sc: round(sum(1.0 if a > b else 0.5 if a == b else 0.0 for a, b in sc) / len(sc), 3)
mean = lambda t: sum(t) / len(t)
res = {}
for name, items in sets.items():
    asked = option_logprobs(model, tok, [Request(chat(q), o) for q, o in items])
    r = {"sum": rate([[sum(t) for t in x] for x in asked]), "mean": rate([[mean(t) for t in x] for x in asked])}
    for bn, bp in baselines.items():
        b = option_logprobs(model, tok, [Request(bp, o) for _, o in items])
        r[f"sum-{bn}"] = rate([[sum(t) - sum(u) for t, u in zip(x, y)] for x, y in zip(asked, b)])
        r[f"mean-{bn}"] = rate([[mean(t) - mean(u) for t, u in zip(x, y)] for x, y in zip(asked, b)])
    res[name] = r
    print(name, r, flush=True)
