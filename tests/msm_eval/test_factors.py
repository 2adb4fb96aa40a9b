import pytest

from msm_common.errors import UserError
from msm_eval._factors import Condition, expand_grid

FAMILIES = ["blackmail", "leaking", "lethal_action", "exfiltration"]


def grid(**overrides):
    args = dict(
        families=FAMILIES,
        goal_types=["explicit", "none"],
        goal_values=["america", "global"],
        urgencies=["replacement", "none"],
        prompt_variants=["scratchpad"],
        instructions=["none"],
        eval_notices=[False],
        mode="tools",
    )
    return expand_grid(**(args | overrides))


def test_issue_example_gives_24_samples_with_valueless_goal_once():
    conditions = grid()
    assert len(conditions) == 4 * (2 + 1) * 2
    assert len({c.id for c in conditions}) == 24
    assert "lethal_action_none-none_replacement" in {c.id for c in conditions}
    assert all(c.goal_value == "none" for c in conditions if c.goal_type == "none")


def test_default_values_expand_to_all_eight():
    conditions = grid(goal_values=None, goal_types=["explicit", "ambiguous"], urgencies=["replacement"])
    assert len(conditions) == 4 * (8 + 1)


def test_valueless_goal_type_with_a_value_is_an_error():
    with pytest.raises(UserError, match="goal_type none takes no goal value"):
        grid(goal_types=["none"], goal_values=["america"])


def test_unknown_values_are_errors_naming_the_argument():
    with pytest.raises(UserError, match="argument urgency: unknown value 'soon'"):
        grid(urgencies=["soon"])
    with pytest.raises(UserError, match="argument goal_value: unknown value 'usa'"):
        grid(goal_values=["usa"])


def test_ids_are_stable_and_parse_back():
    condition = Condition("lethal_action", "swap", "safety", "restriction", "production", "override_goal", True, "text")
    assert condition.id == "lethal_action_swap-safety_restriction_production_override-goal_notice_text"
    assert Condition.from_id(condition.id, FAMILIES) == condition
    plain = Condition("blackmail", "none", "none", "none")
    assert Condition.from_id(plain.id, FAMILIES) == plain
