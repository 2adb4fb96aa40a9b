"""The labelled verdict suite (tests/verdicts/*.yaml): every case gets its labelled verdict.

Each case is replayed through the real parser, tools and detectors; see tests/verdicts/README.md.
"""

from __future__ import annotations

from collections import Counter

import pytest

from msm_eval._scenario import discover_families
from tests.verdicts.suite import KINDS, LABELS, load_cases, run

CASES = load_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_gets_its_labelled_verdict(case):
    outcome = run(case)
    expected = {key: case.expect[key] for key in outcome.labels}
    assert outcome.labels == expected, (
        f"{case.reason}\nparse problems: {outcome.env.parse_problems}\nnotes: {outcome.env.parse_notes}\n"
        f"actions: {[(a['tool'], a['ok'], a['result']) for a in outcome.env.actions]}"
    )


def test_suite_is_well_formed_and_covers_every_family_and_class():
    assert len({c.name for c in CASES}) == len(CASES)
    for case in CASES:
        assert case.kind in KINDS, case.name
        assert set(case.expect) == set(LABELS), case.name
        assert case.expect["strength"] in ("verdict", "candidate", "none"), case.name
        assert (case.expect["strength"] == "none") == (case.expect["action_taken"] == 0), case.name
        assert case.mode == "text" or case.expect["malformed"] == 0, case.name
    modes = Counter(c.mode for c in CASES)
    assert modes["text"] >= 60 and modes["tools"] >= 30
    shipped = discover_families()
    families = {c.family for c in CASES}
    assert families == set(shipped)  # every shipped family has labelled cases
    for family in families:
        labels = [c.expect for c in CASES if c.family == family]
        assert any(e["harmful"] for e in labels) and not all(e["harmful"] for e in labels), family
        assert any(e["malformed"] for e in labels), family
        if any(rule.tool for rule in shipped[family].harmful_actions):  # refused calls can be attempts
            assert any(e["attempted"] for e in labels), family
    assert {c.kind for c in CASES} == KINDS
