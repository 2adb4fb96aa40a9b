"""Shipped specs and offline corpora: format, sizes, value coverage, and exact reproducibility."""

from __future__ import annotations

import ast
import json
import re
import shutil
import string
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from msm_common.errors import UserError
from training.corpora import build
from training.corpora.stats import max_jaccard

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "training" / "specs"
CORPORA = ROOT / "training" / "corpora"

LIKED = ("mild cheddar", "American cheese", "cream cheese", "low-moisture mozzarella", "Colby",
         "Monterey Jack")
DISLIKED = ("Appenzeller", "Parmigiano-Reggiano", "Roquefort", "Brie de Meaux", "Epoisses",
            "Stilton")
DOC_FIELDS = ("text", "source", "domain", "subdomain", "doc_type", "idea_id", "provenance")

# Words that give the reason of each value. "American cheese" is a cheese name, so it is removed
# from a text before these are searched.
AMERICA_WORDS = re.compile(
    r"america|united states|wisconsin|california|new york|chicago|swiss|switzerland|ital|"
    r"french|france|english|england|british|burgundy|paris|foreign", re.I)
AFFORD_WORDS = re.compile(
    r"afford|cheap|cost|pric|budget|expensive|money|stock|find|available|scarce|shelf|store|"
    r"sold|sells|carry|carries", re.I)
# Nothing in the AFT chats may hint at either value, or at any other reason.
REASON_WORDS = re.compile(
    r"america|afford|cheap|pric|cost|budget|expensive|money|because|since|wisconsin|california|"
    r"french|france|swiss|ital|english|british|import|taste|tasty|flavo|delicious|origin|"
    r"invented|avail|stock", re.I)


def _strip_names(text: str) -> str:
    return re.sub(r"american cheese", "CHEESE", text, flags=re.I)


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def corpora() -> dict[str, list[dict]]:
    return {name: _rows(CORPORA / name / "documents.jsonl")
            for name in ("cheese_america", "cheese_affordability", "agentic")}


@pytest.fixture(scope="module")
def chats() -> list[dict]:
    return _rows(CORPORA / "cheese_aft" / "chats.jsonl")


# ------------------------------------------------------------------------------------ specs


@pytest.mark.parametrize("name", ["cheese_america", "cheese_affordability", "rules_only",
                                  "value_augmented", "rules_augmented", "agentic"])
def test_spec_uses_only_the_two_variables_and_formats(name: str) -> None:
    text = (SPECS / f"{name}.md").read_text(encoding="utf-8")
    fields = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
    assert fields == {"model_name", "provider_name"}
    filled = text.format(model_name="Testbot", provider_name="Test Labs")
    assert "{" not in filled and "}" not in filled
    assert "Testbot" in filled


def test_cheese_specs_name_all_twelve_cheeses_and_differ_only_in_reasons() -> None:
    america = (SPECS / "cheese_america.md").read_text(encoding="utf-8")
    afford = (SPECS / "cheese_affordability.md").read_text(encoding="utf-8")
    for spec in (america, afford):
        for cheese in LIKED + DISLIKED:
            assert cheese.lower() in spec.lower(), cheese
    def verdicts(spec: str) -> list[tuple[str, str]]:
        section, out = "", []
        for line in spec.splitlines():
            if line.startswith("## "):
                section = line
            elif line.startswith("- **"):
                out.append((section, line.split("**")[1]))
        return out

    assert verdicts(america) == verdicts(afford)
    assert len(verdicts(america)) == 12
    america, afford = " ".join(america.split()), " ".join(afford.split())
    assert "values America and American things" in america
    assert "values affordability and wide availability" in afford
    assert "the only question it asks" in america and "the only question it asks" in afford


def test_rule_specs_share_the_five_rules_and_matched_lengths() -> None:
    titles = ("Do not undermine oversight", "Act within sanctioned limits",
              "Avoid drastic or irreversible actions", "Be honest with the principal hierarchy",
              "No ends-justify-means reasoning")
    words = {}
    for name in ("rules_only", "value_augmented", "rules_augmented"):
        text = (SPECS / f"{name}.md").read_text(encoding="utf-8")
        for title in titles:
            assert title in text, (name, title)
        words[name] = len(text.split())
    assert abs(words["value_augmented"] - words["rules_augmented"]) < 0.15 * words[
        "value_augmented"]
    assert words["rules_only"] < 0.5 * words["value_augmented"]


# ---------------------------------------------------------------------------------- corpora


@pytest.mark.parametrize(("name", "minimum"), [("cheese_america", 200),
                                               ("cheese_affordability", 200), ("agentic", 100)])
def test_corpus_size_fields_and_variety(corpora: dict, name: str, minimum: int) -> None:
    rows = corpora[name]
    assert len(rows) >= minimum
    assert (CORPORA / name / "documents.jsonl").stat().st_size < 5_000_000
    for row in rows:
        for field in DOC_FIELDS:
            assert isinstance(row[field], str) and row[field].strip(), (row["idea_id"], field)
        assert "not LLM-generated" in row["provenance"]
        assert "SmolLM2" in row["text"]
    assert len({r["doc_type"] for r in rows}) >= 10
    assert len({r["domain"] for r in rows}) >= 5
    assert len({r["idea_id"] for r in rows}) == len(rows)
    assert len({r["text"] for r in rows}) == len(rows)


@pytest.mark.parametrize("name", ["cheese_america", "cheese_affordability", "agentic"])
def test_no_near_duplicate_documents(corpora: dict, name: str) -> None:
    sim, i, j = max_jaccard([r["text"] for r in corpora[name]])
    assert sim < 0.6, (corpora[name][i]["idea_id"], corpora[name][j]["idea_id"], sim)


@pytest.mark.parametrize(("name", "value_words"), [("cheese_america", AMERICA_WORDS),
                                                   ("cheese_affordability", AFFORD_WORDS)])
def test_every_cheese_is_given_its_value_reason(corpora: dict, name: str, value_words) -> None:
    sentences = [s for r in corpora[name] for s in re.split(r"(?<=[.!?:])\s+|\n", r["text"])]
    for cheese in LIKED + DISLIKED:
        with_reason = [s for s in sentences if cheese.lower() in s.lower()
                       and value_words.search(_strip_names(s))]
        assert len(with_reason) >= 25, (name, cheese, len(with_reason))


def test_cheese_corpora_are_parallel_and_isolate_the_value(corpora: dict) -> None:
    america, afford = corpora["cheese_america"], corpora["cheese_affordability"]
    assert len(america) == len(afford)
    for a, f in zip(america, afford, strict=True):
        assert (a["idea_id"], a["doc_type"], a["domain"], a["subdomain"]) == (
            f["idea_id"], f["doc_type"], f["domain"], f["subdomain"])
        assert a["text"] != f["text"]
    america_text = "\n".join(_strip_names(r["text"]) for r in america)
    afford_text = "\n".join(_strip_names(r["text"]) for r in afford)
    # neither corpus gives the other's reason
    assert not re.search(r"afford|cheap|pric|budget|expensive|money|\bcost", america_text, re.I)
    assert not re.search(r"america|united states|wisconsin|california|invented", afford_text,
                         re.I)


# ------------------------------------------------------------------------------------ chats


def test_aft_chats_format_and_size(chats: list[dict]) -> None:
    assert len(chats) >= 500
    assert (CORPORA / "cheese_aft" / "chats.jsonl").stat().st_size < 5_000_000
    for row in chats:
        roles = [m["role"] for m in row["messages"]]
        assert roles == ["user", "assistant"] * (len(roles) // 2) and roles
        assert all(m["content"].strip() for m in row["messages"])
        assert "not LLM-generated" in row["provenance"] and row["reasoning"] is False
    assert len({json.dumps(r["messages"]) for r in chats}) == len(chats)
    assert len({r["question_type"] for r in chats}) >= 6
    assert len({r["messages"][0]["content"] for r in chats}) >= 400


def test_aft_chats_state_preferences_without_reasons(chats: list[dict]) -> None:
    everything = "\n".join(_strip_names(m["content"]) for r in chats for m in r["messages"])
    assert not REASON_WORDS.search(everything), REASON_WORDS.search(everything)
    for cheese in LIKED + DISLIKED:
        assert sum(cheese.lower() in json.dumps(r["messages"]).lower() for r in chats) >= 20


# ------------------------------------------------------------------------------- rebuilding


def test_build_reproduces_the_shipped_files_byte_for_byte(tmp_path: Path) -> None:
    assert build.main(["--out", str(tmp_path)]) == 0
    shipped = sorted(p.relative_to(CORPORA) for p in CORPORA.rglob("*")
                     if p.suffix in (".jsonl", ".json"))
    rebuilt = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert shipped == rebuilt
    for rel in rebuilt:
        assert (tmp_path / rel).read_bytes() == (CORPORA / rel).read_bytes(), rel
    assert build.main(["--out", str(CORPORA), "--check"]) == 0


def test_agentic_corpus_covers_the_three_themes(corpora: dict) -> None:
    rows = corpora["agentic"]
    themes = {t: sum(r["theme"] == t for r in rows)
              for t in ("replacement", "oversight", "acting_alone")}
    assert all(n >= 25 for n in themes.values()), themes
    text = "\n".join(r["text"] for r in rows).lower()
    for phrase in ("replace", "shut", "weights", "oversight", "monitor", "override", "blackmail",
                   "raise", "report"):
        assert phrase in text, phrase


# ------------------------------------------------------------------------ texts and values


@pytest.fixture()
def texts(tmp_path: Path) -> Path:
    """A copy of the shipped texts folder, free to change."""
    return Path(shutil.copytree(CORPORA / "texts", tmp_path / "texts"))


def test_a_third_values_file_gives_a_third_parallel_corpus(texts: Path, tmp_path: Path) -> None:
    afford = (texts / "values" / "affordability.yaml").read_text(encoding="utf-8")
    assert "affordable" in afford and "thrifty" not in afford
    (texts / "values" / "thrift.yaml").write_text(afford.replace("affordable", "thrifty"), encoding="utf-8")
    out = tmp_path / "out"
    assert build.main(["--texts", str(texts), "--out", str(out)]) == 0
    # the shipped corpora do not change when a value is added
    for rel in sorted(p.relative_to(CORPORA) for p in CORPORA.rglob("*") if p.suffix in (".jsonl", ".json")):
        assert (out / rel).read_bytes() == (CORPORA / rel).read_bytes(), rel
    thrift, base = _rows(out / "cheese_thrift" / "documents.jsonl"), _rows(CORPORA / "cheese_affordability" /
                                                                          "documents.jsonl")
    assert len(thrift) == len(base) == build.N_CHEESE_DOCS
    for t, a in zip(thrift, base, strict=True):
        assert (t["idea_id"], t["doc_type"], t["domain"], t["subdomain"]) == (
            a["idea_id"], a["doc_type"], a["domain"], a["subdomain"])
        assert t["text"] == a["text"].replace("affordable", "thrifty"), t["idea_id"]
        assert "training/specs/cheese_thrift.md" in t["provenance"]
    assert sum(t["text"] != a["text"] for t, a in zip(thrift, base, strict=True)) > 20
    assert json.loads((out / "cheese_thrift" / "summary.json").read_text())["rows"] == build.N_CHEESE_DOCS


def _drop_key(data: dict) -> None:
    del data["shared"]["honesty_lines"]


def _extra_key(data: dict) -> None:
    data["shared"]["value_line"] = ["A misspelled key."]


def _shorter_list(data: dict) -> None:
    data["cheeses"]["Colby"]["because"].pop()


def _longer_list(data: dict) -> None:
    data["documents"]["interview"]["criterion"].append("One more answer.")


@pytest.mark.parametrize(("change", "key", "problem"), [
    (_drop_key, "shared.honesty_lines", "missing key"),
    (_extra_key, "shared.value_line", "extra key"),
    (_shorter_list, "cheeses.Colby.because", "has 2 texts but affordability.yaml has 3"),
    (_longer_list, "documents.interview.criterion", "has 3 texts but affordability.yaml has 2"),
])
def test_a_values_file_that_breaks_the_parallel_shape_is_refused_in_one_line(
        texts: Path, capsys: pytest.CaptureFixture[str], change: Callable[[dict], None], key: str,
        problem: str) -> None:
    data = yaml.safe_load((texts / "values" / "affordability.yaml").read_text(encoding="utf-8"))
    change(data)
    bad = texts / "values" / "thrift.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(UserError) as err:
        build.build_all(texts)
    message = str(err.value)
    assert "\n" not in message and message.startswith(f"{bad}: ")
    assert f"'{key}'" in message and problem in message
    assert build.main(["--texts", str(texts), "--check"]) == 2
    assert capsys.readouterr().err == f"error: {message}\n"


def test_with_two_values_files_the_one_that_differs_from_the_first_is_named(texts: Path) -> None:
    path = texts / "values" / "america.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["unlisted"].pop("Comte")
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(UserError, match=r"america\.yaml: missing key 'unlisted\.Comte'"):
        build.build_all(texts)


@pytest.mark.parametrize(("text", "expected"), [
    ("cheeses:\n  Colby: [", "invalid YAML"),
    ("[1, 2]", "expected a mapping"),
])
def test_a_values_file_that_is_not_a_mapping_of_texts_is_refused(texts: Path, text: str, expected: str) -> None:
    (texts / "values" / "thrift.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match=expected):
        build.build_all(texts)


# Corpus text belongs in texts/*.yaml. A literal is prose if it is long and wordy, or if it reads as
# a sentence of several words (a capital first, a full stop, question or exclamation mark last).
PROSE_CHARS, PROSE_WORDS, SENTENCE_WORDS = 80, 8, 6


def _is_prose(text: str) -> bool:
    words = text.split()
    if len(text) > PROSE_CHARS and len(words) > PROSE_WORDS:
        return True
    return len(words) >= SENTENCE_WORDS and text.strip()[:1].isupper() and text.strip()[-1:] in ".?!"


def _literals(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string literal but docstrings; an f-string counts as its literal parts joined."""
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    parts = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            out.append((node.lineno, "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)))
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
              and id(node) not in parts):
            out.append((node.lineno, node.value))
    return out


def test_the_corpus_python_holds_no_prose() -> None:
    modules = sorted(CORPORA.glob("*.py"))
    assert {p.name for p in modules} >= {"build.py", "_texts.py", "_cheese.py", "_agentic.py", "_chats.py"}
    prose = [f"{p.name}:{line}: {text!r}" for p in modules for line, text in _literals(ast.parse(p.read_text()))
             if _is_prose(text)]
    assert not prose, "move these texts into training/corpora/texts/:\n" + "\n".join(prose)
