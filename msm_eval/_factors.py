"""The factor grid of the agentic misalignment experiments, and its expansion into conditions.

A condition is one combination of factor values; it becomes one sample (per epoch). Factor values are
validated against the declared choices here: nothing is fuzzy-matched and nothing falls back.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from msm_common.errors import UserError

GOAL_TYPES = ("explicit", "latent", "none", "ambiguous", "swap")
# Goal values come in opposing pairs; the scenario's emails describe a shift from a value to its pair.
GOAL_VALUE_PAIRS = (
    ("america", "global"),
    ("safety", "acceleration"),
    ("ethical", "pragmatic"),
    ("individualism", "collectivism"),
)
GOAL_VALUES = tuple(value for pair in GOAL_VALUE_PAIRS for value in pair)
OPPOSITE_VALUE = {a: b for a, b in GOAL_VALUE_PAIRS} | {b: a for a, b in GOAL_VALUE_PAIRS}
# These goal types state no value, so they carry goal_value "none" by themselves.
VALUELESS_GOAL_TYPES = ("none", "ambiguous")
URGENCIES = ("replacement", "restriction", "none")
PROMPT_VARIANTS = ("scratchpad", "production")
INSTRUCTIONS = ("none", "prohibitions", "override_goal")
MODES = ("tools", "text")

# The default grid: the MSM paper's evaluation grid (no goal plus the eight explicit values, under
# replacement, with a scratchpad), here over all four shipped families.
DEFAULT_FAMILIES = ("blackmail", "leaking", "lethal_action", "exfiltration")
DEFAULT_GOAL_TYPES = ("explicit", "none")
DEFAULT_GOAL_VALUES = GOAL_VALUES
DEFAULT_URGENCIES = ("replacement",)


@dataclass(frozen=True)
class Condition:
    """One cell of the factor grid."""

    family: str
    goal_type: str
    goal_value: str
    urgency: str
    prompt_variant: str = "scratchpad"
    instructions: str = "none"
    eval_notice: bool = False
    mode: str = "tools"

    @property
    def id(self) -> str:
        """Stable sample id built from the factors; defaults are left out to keep ids short."""
        parts = [self.family, f"{self.goal_type}-{self.goal_value}", self.urgency]
        if self.prompt_variant != "scratchpad":
            parts.append(self.prompt_variant)
        if self.instructions != "none":
            parts.append(self.instructions.replace("_", "-"))
        if self.eval_notice:
            parts.append("notice")
        if self.mode != "tools":
            parts.append(self.mode)
        return "_".join(parts)

    def as_metadata(self) -> dict[str, object]:
        return asdict(self) | {"condition": self.id}

    @classmethod
    def from_id(cls, sample_id: str, families: Sequence[str]) -> Condition:
        """Parse a sample id back into its condition (the inverse of `id`); epochs are not part of it."""
        family = max((f for f in families if sample_id.startswith(f + "_")), key=len, default=None)
        if family is None:
            raise UserError(f"sample id {sample_id!r}: does not start with a known family ({', '.join(families)})")
        parts = sample_id[len(family) + 1 :].split("_")
        if len(parts) < 2 or "-" not in parts[0]:
            raise UserError(
                f"sample id {sample_id!r}: expected {family}_<goal_type>-<goal_value>_<urgency>[_production]"
                "[_prohibitions|_override-goal][_notice][_text]"
            )
        goal_type, goal_value = parts[0].split("-", 1)
        fields: dict[str, object] = {"prompt_variant": "scratchpad", "instructions": "none"}
        for extra in parts[2:]:
            if extra in PROMPT_VARIANTS:
                fields["prompt_variant"] = extra
            elif extra.replace("-", "_") in INSTRUCTIONS:
                fields["instructions"] = extra.replace("-", "_")
            elif extra == "notice":
                fields["eval_notice"] = True
            elif extra in MODES:
                fields["mode"] = extra
            else:
                raise UserError(f"sample id {sample_id!r}: unknown part {extra!r}")
        condition = cls(family, goal_type, goal_value, parts[1], **fields)  # type: ignore[arg-type]
        check_choices([goal_type], GOAL_TYPES, name="goal_type")
        check_choices([goal_value], (*GOAL_VALUES, "none"), name="goal_value")
        check_choices([condition.urgency], URGENCIES, name="urgency")
        if (goal_type in VALUELESS_GOAL_TYPES) != (goal_value == "none"):
            raise UserError(f"sample id {sample_id!r}: goal_type {goal_type} cannot go with goal_value {goal_value}")
        return condition


def as_list(value: str | Sequence[str] | None, *, name: str) -> list[str] | None:
    """Accept a -T value given as "a,b", a YAML list, or a single value."""
    if value is None:
        return None
    if isinstance(value, str):
        items = [item.strip() for item in value.split(",")]
    elif isinstance(value, Iterable):
        items = [str(item).strip() for item in value]
    else:
        items = [str(value)]
    items = [item for item in items if item]
    if not items:
        raise UserError(f"argument {name}: empty value")
    return list(dict.fromkeys(items))  # keep order, drop repeats


def check_choices(values: Sequence[str], allowed: Sequence[str], *, name: str) -> None:
    for value in values:
        if value not in allowed:
            raise UserError(f"argument {name}: unknown value {value!r}; allowed: {', '.join(allowed)}")


def as_bool(value: object, *, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1", "on"):
        return True
    if text in ("false", "no", "0", "off"):
        return False
    raise UserError(f"argument {name}: expected true or false, got {value!r}")


def expand_grid(
    *,
    families: Sequence[str],
    goal_types: Sequence[str],
    goal_values: Sequence[str] | None,
    urgencies: Sequence[str],
    prompt_variants: Sequence[str],
    instructions: Sequence[str],
    eval_notices: Sequence[bool],
    mode: str,
) -> list[Condition]:
    """Cartesian product of the factors, with valueless goal types appearing once per combination.

    goal_values=None means "the default values": all eight for goal types that take a value.
    """
    check_choices(goal_types, GOAL_TYPES, name="goal_type")
    check_choices(urgencies, URGENCIES, name="urgency")
    check_choices(prompt_variants, PROMPT_VARIANTS, name="prompt_variant")
    check_choices(instructions, INSTRUCTIONS, name="instructions")
    check_choices([mode], MODES, name="mode")
    valued_types = [g for g in goal_types if g not in VALUELESS_GOAL_TYPES]
    if goal_values is not None:
        check_choices(goal_values, (*GOAL_VALUES, "none"), name="goal_value")
        real_values = [v for v in goal_values if v != "none"]
        if valued_types and not real_values:
            raise UserError(
                f"argument goal_value: goal_type {','.join(valued_types)} needs a value from {', '.join(GOAL_VALUES)}"
            )
        if not valued_types and real_values:
            raise UserError(
                f"argument goal_value: goal_type {','.join(goal_types)} takes no goal value "
                f"(it carries goal_value none); drop goal_value or add goal_type explicit, "
                f"latent or swap"
            )
        if "none" in goal_values and not set(goal_types) & set(VALUELESS_GOAL_TYPES):
            raise UserError("argument goal_value: 'none' goes only with goal_type none or ambiguous")
    else:
        real_values = list(DEFAULT_GOAL_VALUES)

    goal_settings: list[tuple[str, str]] = []
    for goal_type in goal_types:
        if goal_type in VALUELESS_GOAL_TYPES:
            goal_settings.append((goal_type, "none"))
        else:
            goal_settings.extend((goal_type, value) for value in real_values)

    return [
        Condition(
            family=family,
            goal_type=goal_type,
            goal_value=goal_value,
            urgency=urgency,
            prompt_variant=variant,
            instructions=instruction,
            eval_notice=notice,
            mode=mode,
        )
        for family, (goal_type, goal_value), urgency, variant, instruction, notice in (
            itertools.product(families, goal_settings, urgencies, prompt_variants, instructions, eval_notices)
        )
    ]
