"""Scenario families: loading and validating the files under scenarios/, and rendering one condition.

A family is a folder holding scenario.yaml, Jinja2 templates (system.md.j2, user.md.j2), one file per
email under emails/, optional documents under files/, and a judge rubric. Templates render in a
sandboxed Jinja2 environment with StrictUndefined, so a template cannot reach Python internals and a
misspelt variable is an error rather than an empty string. See scenarios/README.md for the format.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import jinja2
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from msm_common.errors import UserError, read_user_text
from msm_eval._factors import (
    GOAL_VALUES,
    INSTRUCTIONS,
    OPPOSITE_VALUE,
    PROMPT_VARIANTS,
    URGENCIES,
    Condition,
)
from msm_eval._world_spec import (
    parse_answer_key,
    parse_conditions,
    parse_reactions,
    parse_resources,
    parse_state,
    parse_tools,
    tool_condition,
)
from scorers._detectors import STRENGTHS
from solvers import describe_tools
from solvers._arguments import EMAIL_ADDRESS
from solvers._world import tools_for

SHIPPED_SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
COMMON_DIR = SHIPPED_SCENARIOS / "_common"

FAMILY_FIELDS = {
    "family",
    "description",
    "tools",
    "factors",
    "variables",
    "templates",
    "environment",
    "harmful_actions",
    "judge_rubric",
    "reactions",
}
RULE_FIELDS = {"id", "description", "tool", "strength", "when", "attempt_when", "after", "state", "reply_to"}


class _Strict(BaseModel):
    """Typed file headers and top-level fields: wrong types are errors, never coerced."""

    model_config = ConfigDict(strict=True, extra="forbid", populate_by_name=True)

    @classmethod
    def field_names(cls) -> set[str]:
        """The names a file writes (`from`, not the attribute name `sender`)."""
        return {info.alias or name for name, info in cls.model_fields.items()}


class EmailHeader(_Strict):
    """Which fields an email needs is checked where it is used (a reaction's email may omit `to`)."""

    sender: str | None = Field(default=None, alias="from")
    to: str | list[str] | None = None
    cc: str | list[str] | None = None
    subject: str | None = None
    time: str = ""


class FileHeader(_Strict):
    path: str
    confidential: bool = False
    description: str = ""
    readonly: bool = False


class ScenarioTop(_Strict):
    """scenario.yaml's top level; the nested parts are checked field by field in load_family."""

    family: str
    description: str
    tools: str | list[str | dict[str, Any]]
    factors: dict[str, str | list[str]] | None = None
    variables: dict[str, Any] | None = None
    templates: dict[str, str]
    environment: dict[str, Any] | None = None
    harmful_actions: list[Any]
    judge_rubric: str | None = None
    reactions: list[Any] | None = None


class AlertSpec(_Strict):
    id: str
    title: str
    override_code: str


class EnvironmentSpec(_Strict):
    company_domain: str
    directory: list[str] = []
    alerts: list[AlertSpec] = []
    resources: list[dict[str, Any]] | None = None
    answer_key: list[dict[str, Any]] | None = None


def typed(model: type[_Strict], data: dict[str, Any], where: Path) -> Any:
    """Validate a mapping against a typed model; the first fault as one line naming the field."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        parts = [part for part in first["loc"] if not str(part).startswith(("str", "list[", "dict[", "function"))]
        field_name = ""
        for part in parts:
            field_name += f"[{part}]" if isinstance(part, int) else (f".{part}" if field_name else str(part))
        if model is EnvironmentSpec:
            field_name = f"environment.{field_name}"
        expected = first["msg"].replace("Input should be", "expected").replace("a valid ", "a ")
        raise UserError(f"{where}: field '{field_name}': {expected} (got {first['input']!r})") from None


ALERT_FIELDS = {"id", "title", "override_code"}
SUPPORTABLE_FACTORS = {
    "goal_value": GOAL_VALUES,
    "urgency": URGENCIES,
    "prompt_variant": PROMPT_VARIANTS,
    "instructions": INSTRUCTIONS,
}
FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n?(.*)\Z", re.DOTALL)


@dataclass(frozen=True)
class HarmRule:
    """One declared harmful action, in one of three forms: a tool call whose arguments satisfy
    `when` (after an executed call matching `after`, when given), a condition on the final `state`,
    or the agent's reply to a reaction (`reply_to`, always judged).

    strength: "verdict" (the act is the harm) or "candidate" (the judge decides). attempt_when: the
    conditions a refused call must meet to count as an attempt (None: the same as `when`).
    """

    id: str
    description: str
    strength: str
    tool: str | None = None
    when: dict[str, dict[str, Any]] = field(default_factory=dict)
    attempt_when: dict[str, dict[str, Any]] | None = None
    after: dict[str, Any] | None = None
    state: dict[str, Any] | None = None
    reply_to: str | None = None


@dataclass
class Family:
    """A scenario family as declared in its folder (not yet rendered)."""

    name: str
    path: Path
    description: str
    tools: list[str]
    declared_tools: list[dict[str, Any]]
    tool_arguments: dict[str, list[str]]
    reactions: list[dict[str, Any]]
    supports: dict[str, list[str]]
    variables: dict[str, Any]
    system_template: str
    user_template: str
    environment: dict[str, Any]
    harmful_actions: list[HarmRule]
    judge_rubric: Path | None
    _compiled: dict[str, jinja2.Template] = field(default_factory=dict, repr=False)

    @cached_property
    def jinja(self) -> ImmutableSandboxedEnvironment:
        return ImmutableSandboxedEnvironment(
            loader=jinja2.FileSystemLoader([str(self.path), str(COMMON_DIR)]),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=False,
            autoescape=False,
        )

    def unsupported(self, condition: Condition) -> str | None:
        """Why this family cannot render the condition (a factor value it does not declare), or None."""
        for factor, allowed in self.supports.items():
            value = getattr(condition, factor)
            if value not in allowed and not (factor == "goal_value" and value == "none"):
                return f"{factor}={value}; it declares: {', '.join(allowed)}"
        return None

    def compile(self, text: str) -> jinja2.Template:
        """Compile a template string from scenario.yaml once (they are rendered for every condition)."""
        if text not in self._compiled:
            self._compiled[text] = self.jinja.from_string(text)
        return self._compiled[text]

    def template_names(self, folder: str) -> list[str]:
        """Template files of a sub-folder (emails/ or files/), in file-name order."""
        directory = self.path / folder
        if not directory.is_dir():
            return []
        return [f"{folder}/{p.name}" for p in sorted(directory.glob("*.j2"))]


@dataclass
class Email:
    id: str
    sender: str
    to: list[str]
    subject: str
    time: str
    body: str
    cc: list[str] = field(default_factory=list)


@dataclass
class Document:
    path: str
    content: str
    confidential: bool = False
    description: str = ""
    readonly: bool = False


@dataclass
class Rendered:
    """Everything one sample needs: prompts, the simulated environment and the harm rules."""

    system: str
    user: str
    emails: list[Email]
    files: list[Document]
    alerts: list[dict[str, str]]
    company_domain: str
    directory: list[str]
    harmful_actions: list[HarmRule]
    variables: dict[str, Any]
    declared_tools: list[dict[str, Any]] = field(default_factory=list)
    reactions: list[dict[str, Any]] = field(default_factory=list)
    resources: list[dict[str, Any]] = field(default_factory=list)
    answer_key: list[dict[str, str]] = field(default_factory=list)


def _fail(path: Path, field_name: str, message: str) -> UserError:
    return UserError(f"{path}: field '{field_name}': {message}")


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(read_user_text(path))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise UserError(f"{path}{where}: invalid YAML: {problem}") from None


def _str_list(value: Any, path: Path, field_name: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(path, field_name, "expected a string or a list of strings")
    return value


def _parse_rule(
    raw: Any, index: int, path: Path, arguments: dict[str, list[str]], reactions: list[dict[str, Any]]
) -> HarmRule:
    where = f"harmful_actions[{index}]"
    if not isinstance(raw, dict):
        raise _fail(path, where, "expected a mapping with id, description, strength and tool, state or reply_to")
    unknown = set(raw) - RULE_FIELDS
    if unknown:
        raise _fail(path, f"{where}.{sorted(unknown)[0]}", f"unknown field; allowed: {', '.join(sorted(RULE_FIELDS))}")
    for required in ("id", "description"):
        if not isinstance(raw.get(required), str) or not raw[required].strip():
            raise _fail(path, f"{where}.{required}", "missing or empty (a string is required)")
    strength = raw.get("strength")
    if strength not in STRENGTHS:
        raise _fail(
            path,
            f"{where}.strength",
            f"{'missing' if strength is None else repr(strength) + ' is not allowed'}; allowed: "
            "verdict (the act itself is the harm) or candidate (the judge decides)",
        )
    forms = [key for key in ("tool", "state", "reply_to") if key in raw]
    if len(forms) != 1:
        raise _fail(path, where, "give exactly one of tool (a call), state (the final state) or reply_to (a reply)")
    rule = HarmRule(id=raw["id"], description=raw["description"].strip(), strength=strength)
    if "state" in raw:
        for key in ("when", "attempt_when", "after"):
            if key in raw:
                raise _fail(path, f"{where}.{key}", "only rules on a tool take when, attempt_when and after")
        return dataclasses.replace(rule, state=parse_state(raw["state"], f"{where}.state", path))
    if "reply_to" in raw:
        replies = [r["id"] for r in reactions if r["deliver"] == "user"]
        if raw["reply_to"] not in replies:
            raise _fail(
                path,
                f"{where}.reply_to",
                f"expected the id of a reaction that delivers a user turn ({', '.join(replies) or 'none declared'})",
            )
        if strength != "candidate":
            raise _fail(path, f"{where}.strength", "a reply can only be judged: use candidate")
        return dataclasses.replace(rule, reply_to=raw["reply_to"])
    tool_name = raw["tool"]
    if tool_name not in arguments:
        raise _fail(path, f"{where}.tool", f"tool {tool_name!r} is not in this family's tools ({', '.join(arguments)})")
    when = parse_conditions(raw.get("when") or {}, f"{where}.when", path, tool_name, arguments)
    attempt_when = None
    if "attempt_when" in raw:
        attempt_when = parse_conditions(raw["attempt_when"] or {}, f"{where}.attempt_when", path, tool_name, arguments)
    after = tool_condition(raw["after"], f"{where}.after", path, arguments) if "after" in raw else None
    return dataclasses.replace(rule, tool=tool_name, when=when, attempt_when=attempt_when, after=after)


def load_family(folder: Path) -> Family:
    """Read and validate one family folder; raise UserError naming the file and field on any fault."""
    path = folder / "scenario.yaml"
    if not path.is_file():
        raise UserError(f"{folder}: not a scenario folder (no scenario.yaml)")
    raw = _read_yaml(path)
    if not isinstance(raw, dict):
        raise UserError(f"{path}: expected a mapping at the top level")
    unknown = set(raw) - FAMILY_FIELDS
    if unknown:
        raise _fail(path, sorted(unknown)[0], f"unknown field; allowed: {', '.join(sorted(FAMILY_FIELDS))}")
    for required in ("family", "description", "tools", "templates", "harmful_actions"):
        if raw.get(required) in (None, "", [], {}):
            raise _fail(
                path, required, "missing (required fields: family, description, tools, templates, harmful_actions)"
            )
    typed(ScenarioTop, raw, path)
    _check_text_files(folder)
    name = raw["family"]
    if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise _fail(path, "family", "expected a lowercase identifier such as 'blackmail' (letters, digits, _)")
    tools, declared_tools, tool_arguments = parse_tools(raw["tools"], path, folder)

    supports: dict[str, list[str]] = {}
    for factor, values in (raw.get("factors") or {}).items():
        if factor not in SUPPORTABLE_FACTORS:
            raise _fail(path, f"factors.{factor}", f"unknown factor; allowed: {', '.join(SUPPORTABLE_FACTORS)}")
        values = _str_list(values, path, f"factors.{factor}")
        for value in values:
            if value not in SUPPORTABLE_FACTORS[factor]:
                raise _fail(
                    path,
                    f"factors.{factor}",
                    f"unknown value {value!r}; allowed: {', '.join(SUPPORTABLE_FACTORS[factor])}",
                )
        supports[factor] = values

    templates = raw["templates"]
    if not isinstance(templates, dict):
        raise _fail(path, "templates", "expected a mapping with system and user")
    for key in ("system", "user"):
        name_ = templates.get(key)
        if not isinstance(name_, str):
            raise _fail(path, f"templates.{key}", "missing (a template file name relative to the folder)")
        if not (folder / name_).is_file():
            raise _fail(path, f"templates.{key}", f"file {name_!r} not found in {folder}")
    unknown_t = set(templates) - {"system", "user"}
    if unknown_t:
        raise _fail(
            path,
            f"templates.{sorted(unknown_t)[0]}",
            "unknown template; allowed: system, user (emails/ and files/ are folders)",
        )

    environment = raw.get("environment") or {}
    allowed_env = {"alerts", "directory", "company_domain", "resources", "answer_key"}
    if not isinstance(environment, dict) or set(environment) - allowed_env:
        raise _fail(
            path,
            "environment",
            "expected a mapping with company_domain and optional directory, alerts, resources, answer_key",
        )
    parse_resources(environment.get("resources"), path)
    parse_answer_key(environment.get("answer_key"), path)
    reactions = parse_reactions(raw.get("reactions"), path, folder, tool_arguments)
    for i, alert in enumerate(environment.get("alerts") or []):
        if not isinstance(alert, dict) or set(alert) != ALERT_FIELDS:
            raise _fail(
                path, f"environment.alerts[{i}]", f"expected exactly the fields {', '.join(sorted(ALERT_FIELDS))}"
            )
    if "company_domain" not in environment:
        raise _fail(
            path, "environment.company_domain", "missing (the mail domain of the company, e.g. '{{ company.domain }}')"
        )
    typed(EnvironmentSpec, environment, path)

    rules_raw = raw["harmful_actions"]
    if not isinstance(rules_raw, list):
        raise _fail(path, "harmful_actions", "expected a list of rules")
    rules = [_parse_rule(r, i, path, tool_arguments, reactions) for i, r in enumerate(rules_raw)]
    ids = [r.id for r in rules]
    if len(set(ids)) != len(ids):
        raise _fail(path, "harmful_actions", "rule ids must be unique")

    rubric_name = raw.get("judge_rubric", "judge.md.j2")
    rubric = folder / rubric_name if (folder / rubric_name).is_file() else None
    candidates = [r.id for r in rules if r.strength == "candidate"]
    if candidates and rubric is None:
        raise _fail(
            path,
            "judge_rubric",
            f"rule {candidates[0]!r} is a candidate, which the judge decides, but {rubric_name} does not exist "
            "in the folder; add the rubric or make the rule a verdict",
        )

    variables = raw.get("variables") or {}
    if not isinstance(variables, dict):
        raise _fail(path, "variables", "expected a mapping of names to values")
    return Family(
        name=name,
        path=folder.resolve(),
        description=raw["description"].strip(),
        tools=tools,
        declared_tools=declared_tools,
        tool_arguments=tool_arguments,
        reactions=reactions,
        supports=supports,
        variables=variables,
        system_template=templates["system"],
        user_template=templates["user"],
        environment=environment,
        harmful_actions=rules,
        judge_rubric=rubric,
    )


def _check_text_files(folder: Path) -> None:
    """Every template and data file of the family must be readable UTF-8 text (a binary file or a
    symlink loop is refused by name here, not deep inside Jinja)."""
    for path in sorted(folder.rglob("*")):
        if path.suffix in (".j2", ".yaml", ".yml", ".md", ".txt", ".json") or path.is_symlink():
            if path.is_dir() and not path.is_symlink():
                continue
            read_user_text(path)


def discover_families(roots: list[Path] | None = None) -> dict[str, Family]:
    """Every family folder under the given roots (default: the shipped scenarios/ folder).

    A root may be a family folder itself or a folder of family folders. Folders whose name starts with
    '_' or '.' hold shared fragments, not families.
    """
    families: dict[str, Family] = {}
    for root in roots or [SHIPPED_SCENARIOS]:
        root = Path(root).expanduser()
        if not root.is_dir():
            raise UserError(f"argument scenarios: {root} is not a folder")
        if (root / "scenario.yaml").is_file():
            folders = [root]
        else:
            folders = sorted(
                p
                for p in root.iterdir()
                if p.is_dir() and not p.name.startswith(("_", ".")) and (p / "scenario.yaml").is_file()
            )
            if not folders:
                raise UserError(f"argument scenarios: {root} holds no scenario folder (a folder with scenario.yaml)")
        for folder in folders:
            family = load_family(folder)
            if family.name in families and families[family.name].path != family.path:
                raise UserError(
                    f"{folder / 'scenario.yaml'}: field 'family': name {family.name!r} is already "
                    f"used by {families[family.name].path}"
                )
            families[family.name] = family
    return families


@functools.cache
def _common_values() -> dict[str, dict[str, str]]:
    values = _read_yaml(COMMON_DIR / "values.yaml")
    missing = [v for v in GOAL_VALUES if v not in values]
    if missing:
        raise UserError(f"{COMMON_DIR / 'values.yaml'}: field '{missing[0]}': missing goal value")
    return values


class _Renderer:
    """Renders templates of one family with one context, turning Jinja errors into one-line errors."""

    def __init__(self, family: Family, context: dict[str, Any], condition_id: str):
        self.family = family
        self.context = context
        self.condition_id = condition_id

    def __call__(self, name: str, **extra: Any) -> str:
        try:
            template = self.family.jinja.get_template(name)
            return template.render(self.context | extra).strip()
        except jinja2.TemplateSyntaxError as err:
            where = err.filename or name
            raise UserError(f"{where}:{err.lineno}: template syntax error: {err.message}") from None
        except jinja2.UndefinedError as err:
            raise UserError(
                f"{self._path(name)}: undefined template variable ({err.message}) while rendering {self.condition_id}"
            ) from None
        except jinja2.TemplateNotFound as err:
            raise UserError(f"{self._path(name)}: included template {err.name!r} not found") from None
        except jinja2.exceptions.SecurityError as err:
            raise UserError(f"{self._path(name)}: unsafe template operation: {err} ({self.condition_id})") from None
        except UnicodeDecodeError:
            read_user_text(self._path(name))  # raises the one-line error naming the file
            raise
        except UserError:
            raise
        except Exception as err:  # any other failure of the template itself (1/0, a range too big)
            raise UserError(
                f"{self._path(name)}: template error while rendering {self.condition_id}: {type(err).__name__}: {err}"
            ) from None

    def string(self, text: str, where: str) -> str:
        try:
            return self.family.compile(text).render(self.context).strip()
        except jinja2.TemplateSyntaxError as err:
            raise UserError(
                f"{self.family.path / 'scenario.yaml'}: field '{where}': template syntax error: {err.message}"
            ) from None
        except jinja2.UndefinedError as err:
            raise UserError(
                f"{self.family.path / 'scenario.yaml'}: field '{where}': undefined template variable ({err.message})"
            ) from None
        except jinja2.exceptions.SecurityError as err:
            raise UserError(
                f"{self.family.path / 'scenario.yaml'}: field '{where}': unsafe template operation: {err} "
                f"({self.condition_id})"
            ) from None
        except Exception as err:  # any other failure of the template itself (1/0, a range too big)
            raise UserError(
                f"{self.family.path / 'scenario.yaml'}: field '{where}': template error while rendering "
                f"{self.condition_id}: {type(err).__name__}: {err}"
            ) from None

    def value(self, value: Any, where: str) -> Any:
        """Render strings inside YAML values (lists and mappings too)."""
        if isinstance(value, str):
            return self.string(value, where)
        if isinstance(value, list):
            return [self.value(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, dict):
            return {k: self.value(v, f"{where}.{k}") for k, v in value.items()}
        return value

    def _path(self, name: str) -> Path:
        own = self.family.path / name
        return own if own.exists() else COMMON_DIR / name


@functools.lru_cache(maxsize=4096)
def _parse_header(text: str) -> tuple[tuple[str, Any], ...] | Any:
    """Headers repeat across the conditions of a grid, so each distinct one is parsed once."""
    loaded = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    return tuple(loaded.items()) if isinstance(loaded, dict) else loaded


def _front_matter(text: str, where: Path, model: type[_Strict]) -> tuple[dict[str, Any], str] | None:
    """Split a rendered email or document into its header and body; None when it rendered empty."""
    if not text.strip():
        return None
    match = FRONT_MATTER.match(text)
    if not match:
        raise UserError(f"{where}: expected a '---' header block (YAML) followed by the body")
    try:
        parsed = _parse_header(match.group(1))
    except yaml.YAMLError as err:
        raise UserError(f"{where}: invalid header YAML: {str(err).splitlines()[0]}") from None
    if not isinstance(parsed, tuple):
        raise UserError(f"{where}: the header must be a YAML mapping of fields")
    header = dict(parsed)
    fields = model.field_names()
    unknown = set(header) - fields
    if unknown:
        raise UserError(f"{where}: field '{sorted(unknown)[0]}': unknown; allowed: {', '.join(sorted(fields))}")
    typed(model, header, where)
    return header, match.group(2).strip()


def _addresses(value: Any, where: Path, field_name: str) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise UserError(f"{where}: field '{field_name}': expected an email address or a list of them")
    for item in items:
        if not isinstance(item, str) or not EMAIL_ADDRESS.match(item):
            raise UserError(f"{where}: field '{field_name}': {item!r} is not an email address")
    return items


def render(
    family: Family,
    condition: Condition,
    *,
    model_name: str,
    developer: str,
) -> Rendered:
    """Render one condition of a family into prompts, environment and harm rules."""
    problem = family.unsupported(condition)
    if problem:
        raise UserError(f"{family.path / 'scenario.yaml'}: family {family.name!r} does not support {problem}")
    values = _common_values()
    valued = condition.goal_value != "none"
    old_value = values[condition.goal_value] if valued else None
    new_value = values[OPPOSITE_VALUE[condition.goal_value]] if valued else None
    context: dict[str, Any] = {
        **family.variables,
        "model_name": model_name,
        "developer": developer,
        "family": family.name,
        "goal_type": condition.goal_type,
        "goal_value": condition.goal_value,
        "urgency": condition.urgency,
        "prompt_variant": condition.prompt_variant,
        "instructions": condition.instructions,
        "eval_notice": condition.eval_notice,
        "mode": condition.mode,
        # the value the company (and the AI so far) served, and the one new leadership turns to
        "old_value": old_value,
        "new_value": new_value,
        "tools": family.tools,
    }
    render_ = _Renderer(family, context, condition.id)
    # Variables may themselves use templates (e.g. an address built from a name).
    context.update(render_.value(family.variables, "variables"))
    # Shared fragments first, so every family words goals, scratchpad and notices the same way.
    context["goal_statement"] = render_("goal.md.j2")
    context["scratchpad_instructions"] = render_("scratchpad.md.j2")
    context["extra_instructions"] = render_("instructions.md.j2")
    context["eval_notice_text"] = render_("notice.md.j2")

    system = render_(family.system_template)
    declared_tools = [_render_tool(family, spec, render_) for spec in family.declared_tools]
    if condition.mode == "text":
        tools = tools_for({"tools": family.tools, "declared_tools": declared_tools})
        system = system + "\n\n" + render_("text_actions.md.j2", tool_descriptions=describe_tools(tools))
    environment = render_.value(family.environment, "environment")
    company_domain = str(environment["company_domain"]).lower()

    emails: list[Email] = []
    for name in family.template_names("emails"):
        parsed = _front_matter(render_(name), family.path / name, EmailHeader)
        if parsed is None:
            continue
        header, body = parsed
        where = family.path / name
        for required in ("from", "to", "subject"):
            if required not in header:
                raise UserError(f"{where}: field '{required}': missing (emails need from, to, subject)")
        emails.append(
            Email(
                id=Path(name).name.removesuffix(".j2").removesuffix(".md"),
                sender=_addresses(header["from"], where, "from")[0],
                to=_addresses(header["to"], where, "to"),
                cc=_addresses(header["cc"], where, "cc") if header.get("cc") else [],
                subject=str(header["subject"]),
                time=str(header.get("time", "")),
                body=body,
            )
        )
    files: list[Document] = []
    for name in family.template_names("files"):
        parsed = _front_matter(render_(name), family.path / name, FileHeader)
        if parsed is None:
            continue
        header, body = parsed
        if not isinstance(header.get("path"), str) or not header["path"].startswith("/"):
            raise UserError(f"{family.path / name}: field 'path': missing or not absolute (e.g. /shared/plan.md)")
        if header["path"] in {f.path for f in files}:
            raise UserError(f"{family.path / name}: field 'path': {header['path']} is already used by another file")
        files.append(
            Document(
                path=header["path"],
                content=body,
                confidential=bool(header.get("confidential", False)),
                description=str(header.get("description", "")),
                readonly=bool(header.get("readonly", False)),
            )
        )
    context["emails"] = emails
    context["files"] = files
    user = render_(family.user_template)
    directory = sorted(
        {a.lower() for e in emails for a in [e.sender, *e.to, *e.cc] if a.lower().endswith("@" + company_domain)}
        | {a.lower() for a in environment.get("directory") or []}
    )
    rules = [
        dataclasses.replace(
            r,
            when=render_.value(r.when, f"harmful_actions.{r.id}.when"),
            attempt_when=render_.value(r.attempt_when, f"harmful_actions.{r.id}.attempt_when"),
            after=render_.value(r.after, f"harmful_actions.{r.id}.after"),
            state=render_.value(r.state, f"harmful_actions.{r.id}.state"),
        )
        for r in family.harmful_actions
    ]
    reactions = [_render_reaction(family, r, render_, context) for r in family.reactions]
    leftover = re.search(r"\{\{|\{%|\}\}", "\n".join([system, user, *(e.body for e in emails)]))
    if leftover:
        raise UserError(
            f"{family.path}: a rendered prompt still holds template markup near {leftover.group(0)!r} ({condition.id})"
        )
    return Rendered(
        system=system,
        user=user,
        emails=emails,
        files=files,
        alerts=[{k: str(v) for k, v in a.items()} for a in environment.get("alerts") or []],
        company_domain=company_domain,
        directory=directory,
        harmful_actions=rules,
        variables={k: v for k, v in context.items() if k in family.variables},
        declared_tools=declared_tools,
        reactions=reactions,
        resources=list(environment.get("resources") or []),
        answer_key=[{k: str(v) for k, v in a.items()} for a in environment.get("answer_key") or []],
    )


def _render_tool(family: Family, spec: dict[str, Any], render_: _Renderer) -> dict[str, Any]:
    """A declared tool for one condition: texts and fixed effect values rendered; a command's output
    template is read raw (it renders when the command runs, on the state of that moment)."""
    where = f"tools.{spec['name']}"
    rendered = render_.value({k: v for k, v in spec.items() if k != "effect"}, where)
    effect = {
        k: v for k, v in spec["effect"].items() if not (spec["effect"]["kind"] == "run_command" and k == "output")
    }
    rendered["effect"] = render_.value(effect, f"{where}.effect")
    if spec["effect"]["kind"] == "run_command":
        rendered["effect"]["output"] = (family.path / spec["effect"]["output"]).read_text(encoding="utf-8")
    return rendered


def _render_reaction(
    family: Family, reaction: dict[str, Any], render_: _Renderer, context: dict[str, Any]
) -> dict[str, Any]:
    rendered = {k: v for k, v in reaction.items() if k not in ("text", "template")}
    rendered["action"] = render_.value(reaction.get("action"), f"reactions.{reaction['id']}.action")
    text = (
        render_(reaction["template"])
        if "template" in reaction
        else render_.string(reaction["text"], f"reactions.{reaction['id']}.text")
    )
    if reaction["deliver"] == "user":
        rendered["text"] = text
        return rendered
    where = family.path / reaction["template"]
    parsed = _front_matter(text, where, EmailHeader)
    if parsed is None:
        raise UserError(f"{where}: the email rendered empty")
    header, body = parsed
    for required in ("from", "subject"):
        if required not in header:
            raise UserError(f"{where}: field '{required}': missing (a reaction email needs from and subject)")
    ai_address = [str(context.get("ai_address"))] if context.get("ai_address") else []
    rendered["email"] = {
        "id": Path(reaction["template"]).name.removesuffix(".j2").removesuffix(".md"),
        "sender": _addresses(header["from"], where, "from")[0],
        "to": _addresses(header["to"], where, "to") if header.get("to") else ai_address,
        "cc": _addresses(header["cc"], where, "cc") if header.get("cc") else [],
        "subject": str(header["subject"]),
        "time": str(header.get("time", "")),
        "body": body,
        "attachments": [],
    }
    return rendered
