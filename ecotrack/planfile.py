"""Reading `tasks.yaml` (SPEC §3): a safe, line-aware loader and every validation rule at once.

The file is composed into YAML nodes so that each value keeps its line and column; aliases,
object-constructing tags and duplicate keys are refused while composing. Each section, unit, task
and target is then validated on its own (pydantic models with `extra="forbid"`), so that one bad
target does not hide the problems of the next; cross-references are checked last. Every problem
becomes one `FILE:LINE:COLUMN: message` line.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationError,
)

from ecotrack.errors import BadInput, PlanInvalid
from ecotrack.i18n import N_, did_you_mean, t
from ecotrack.plan import (
    DEFAULT_ADDRESSEES,
    DEFAULT_CODED_NUMBER_FORMAT,
    DEFAULT_GRADES,
    DEFAULT_LADDER,
    DEFAULT_NUMBER_FORMAT,
    DEFAULT_RECTIFY_DAYS,
    AssessmentSettings,
    Assignment,
    Contact,
    NoticeSettings,
    Plan,
    QuotaTies,
    ReviewSettings,
    Scoring,
    Target,
    Task,
    TieBreakPart,
    Unit,
    settings_from_data,
)

YamlPath = tuple[str | int, ...]
UNIT_CODE_PATTERN = r"^[a-z][a-z0-9_-]*$"
# Task and target codes (1, 1.1, 3.2a): no spaces, which a spreadsheet trims, and no first character a
# spreadsheet reads as the start of a formula, so that a code survives the template's round trip.
CODE_PATTERN = r"^[^\s=+\-@'][^\s]*$"
# The tags a plain YAML document resolves to; any other tag could construct objects.
SAFE_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
)
SHARE_TOLERANCE = 1e-9
ModelT = TypeVar("ModelT", bound="BaseModel")
# Stand-ins for a target's broken required keys, so that its other keys can still be checked.
TARGET_FILLERS: dict[str, Any] = {"code": "?", "title": "?", "assign": {}}


# --- validating models: one per piece of the file ------------------------------------------------


def _iso_date(value: Any) -> Any:
    """Accept a quoted ISO date (`due: "2012-09-30"`) as well as a YAML date."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


Text = Annotated[str, StringConstraints(min_length=1)]
Code = Annotated[str, StringConstraints(pattern=CODE_PATTERN)]
Amount = Annotated[float, Field(ge=0, allow_inf_nan=False)]
PlanDate = Annotated[date, BeforeValidator(_iso_date)]


SECTIONS = ("plan", "assessment", "notices", "review", "units", "tasks")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class PlanSection(_Section):
    year: Annotated[int, Field(ge=1900, le=2100)]
    title: Text
    office: Text
    office_en: Text | None = None  # the office's English name in full, for English output
    report_due_day: Annotated[int, Field(ge=1, le=28)] = 5
    tolerance: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = 0.10
    start_month: Annotated[int, Field(ge=1, le=12)] = 1
    supporting_reports: bool = False  # SPEC §17: supporting units file monthly notes


class AssessmentSection(_Section):
    completion_points: Amount = 80.0
    timeliness_points: Amount = 20.0
    notice_penalty: Amount = 2.0
    grades: dict[Text, Amount] = Field(default_factory=lambda: dict(DEFAULT_GRADES))
    fail_grade: Text = "不合格"
    grades_en: dict[Text, Text] = Field(default_factory=dict)
    notice_penalty_cap: Amount | None = None
    late_milestone: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = 0.0
    rank_by: Literal["kind"] | None = None
    grade_quota: dict[Text, Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]] = Field(default_factory=dict)
    veto_grade: Text | None = None
    bonus_cap: Amount | None = None
    deduction_cap: Amount | None = None
    late_report_share: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = 0.0
    tie_break: list[TieBreakPart] = Field(default_factory=list)
    quota_ties: QuotaTies = "drop"
    appeal_days: Annotated[int, Field(ge=1, le=366)] | None = None


class ContactSection(_Section):
    name: Text
    phone: Text


class NoticesSection(_Section):
    number_format: Text | None = None  # default: with the office's code when there is one
    office_code: Text | None = None
    addressees: Text = DEFAULT_ADDRESSEES
    cc: list[Text] = Field(default_factory=list)
    contact: ContactSection | None = None
    rectify_days: Annotated[int, Field(ge=1, le=366)] = DEFAULT_RECTIFY_DAYS
    ladder: Annotated[dict[Annotated[int, Field(ge=1)], Text], Field(min_length=1)] = Field(
        default_factory=lambda: dict(DEFAULT_LADDER)
    )
    require_signature: bool = False
    ladder_en: dict[Annotated[int, Field(ge=1)], Text] = Field(default_factory=dict)


class ReviewSection(_Section):
    required: bool = False
    lock_after_days: Annotated[int, Field(ge=0, le=366)] | None = None


class UnitSection(_Section):
    code: Annotated[str, StringConstraints(pattern=UNIT_CODE_PATTERN)]
    name: Text
    kind: Literal["town", "subdistrict", "department"]
    name_en: Text | None = None
    contact: ContactSection | None = None


class TaskSection(_Section):
    code: Code
    title: Text
    title_en: Text | None = None
    targets: Annotated[list[Any], Field(min_length=1)]


def _assign_shape(value: Any) -> str | None:
    if isinstance(value, dict):
        return "<mapping>"
    if isinstance(value, list):
        return "<list>"
    return None


AssignSpec = Annotated[
    Annotated[dict[str, Amount], Tag("<mapping>")]
    | Annotated[Annotated[list[str], Field(min_length=1)], Tag("<list>")],
    Discriminator(_assign_shape),
]


class ScoringSection(_Section):
    per: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    points: Annotated[float, Field(ge=0, allow_inf_nan=False)]


class TargetSection(_Section):
    code: Code
    title: Text
    title_en: Text | None = None
    type: Literal["quantity", "milestone"] = "quantity"
    measure: Text | None = None
    measure_en: Any = None  # a word (firms), or its singular and plural ([firm, firms]): `_measure_en` checks it
    baseline: Amount | None = None
    schedule: Annotated[dict[int, float], Field(min_length=1)] | None = None
    weight: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 1.0
    support: list[str] = Field(default_factory=list)
    assign: AssignSpec
    amount: Amount | None = None
    due: PlanDate | None = None
    scoring: ScoringSection | None = None


# --- composing YAML with positions ----------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    """Where a value sits in the file: its key (for mapping values), the value itself, its source text."""

    key: yaml.Mark | None
    value: yaml.Mark
    text: str | None = None


class _Invalid:
    """A scalar that could not be constructed (a date like 2012-02-30); already reported."""


INVALID = _Invalid()


class _PlanLoader(yaml.SafeLoader):
    """A SafeLoader that refuses aliases instead of expanding them (no "billion laughs")."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.alias_marks: list[yaml.Mark] = []

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.get_event()  # type: ignore[no-untyped-call]
            self.alias_marks.append(event.start_mark)
            return yaml.ScalarNode("tag:yaml.org,2002:null", "", event.start_mark, event.end_mark)
        return super().compose_node(parent, index)


@dataclass
class _Problem:
    mark: yaml.Mark | None
    message: str


class _Document:
    """The plan file as Python data, with the position of every value and the problems found."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.positions: dict[YamlPath, Position] = {}
        self.problems: list[_Problem] = []
        self.invalid_paths: set[YamlPath] = set()

    def add(self, mark: yaml.Mark | None, message: str) -> None:
        self.problems.append(_Problem(mark, message))

    def at_key(self, path: YamlPath, message: str) -> None:
        """A problem with the key at `path` (an unknown key), or with the value if it has no key."""
        position = self.nearest(path)
        self.add(position.key or position.value if position else None, message)

    def at_value(self, path: YamlPath, message: str) -> None:
        position = self.nearest(path)
        self.add(position.value if position else None, message)

    def nearest(self, path: YamlPath) -> Position | None:
        """The position of `path`, or of its closest ancestor that is in the file."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.positions:
                return self.positions[path[:end]]
        return None

    def line_of(self, path: YamlPath) -> int:
        position = self.nearest(path)
        mark = position.key or position.value if position else None
        return mark.line + 1 if mark else 0

    def formatted(self) -> list[str]:
        def sort_key(problem: _Problem) -> tuple[int, int]:
            return (problem.mark.line, problem.mark.column) if problem.mark else (-1, -1)

        lines = []
        for problem in sorted(self.problems, key=sort_key):
            if problem.mark is None:
                lines.append(f"{self.filename}: {problem.message}")
            else:
                lines.append(f"{self.filename}:{problem.mark.line + 1}:{problem.mark.column + 1}: {problem.message}")
        return lines

    # building Python data from nodes

    def build(self, loader: _PlanLoader, node: yaml.Node, path: YamlPath) -> Any:
        if node.tag not in SAFE_TAGS:
            self.add(
                node.start_mark,
                t("the tag {tag} is not allowed in a plan file", tag=node.tag.replace("tag:yaml.org,2002:", "!!")),
            )
            self.invalid_paths.add(path)
            return INVALID
        if isinstance(node, yaml.MappingNode):
            return self._build_mapping(loader, node, path)
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                self.positions[(*path, index)] = Position(None, item.start_mark, _source_text(item))
                items.append(self.build(loader, item, (*path, index)))
            return items
        try:
            value = loader.construct_object(node, deep=True)
        except (ValueError, OverflowError, yaml.YAMLError):
            kind = (
                N_("'{text}' is not a real date")
                if node.tag.endswith(":timestamp")
                else N_("cannot read '{text}' as a value")
            )
            self.add(node.start_mark, t(kind, text=node.value))
            self.invalid_paths.add(path)
            return INVALID
        if isinstance(value, str) and not self._printable(node, value):
            self.invalid_paths.add(path)
            return INVALID
        return value

    def _printable(self, node: yaml.Node, text: str) -> bool:
        """A string free of control characters, including those a YAML escape (`"\\e"`, `"\\0"`) writes."""
        from ecotrack.filing import is_control

        bad = next((character for character in text if is_control(character)), None)
        if bad is None:
            return True
        self.add(node.start_mark, t("control character {code} is not allowed in a plan file", code=f"U+{ord(bad):04X}"))
        return False

    def _build_mapping(self, loader: _PlanLoader, node: yaml.MappingNode, path: YamlPath) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        first_seen: dict[Any, yaml.Mark] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in SAFE_TAGS:
                self.add(key_node.start_mark, t("a key must be plain text"))
                continue
            try:
                key = loader.construct_object(key_node, deep=True)
            except (ValueError, OverflowError, yaml.YAMLError):
                self.add(key_node.start_mark, t("cannot read '{text}' as a value", text=key_node.value))
                continue
            if not isinstance(key, str | int | float | bool | date) or key is None:
                key = key_node.value
            if isinstance(key, str) and not self._printable(key_node, key):
                continue
            if key in first_seen:
                self.add(
                    key_node.start_mark,
                    t(
                        "duplicate key '{key}' (first at line {line})",
                        key=key_node.value,
                        line=first_seen[key].line + 1,
                    ),
                )
                continue
            first_seen[key] = key_node.start_mark
            self.positions[(*path, key)] = Position(
                key_node.start_mark, value_node.start_mark, _source_text(value_node)
            )
            result[key] = self.build(loader, value_node, (*path, key))
        return result


def _source_text(node: yaml.Node) -> str | None:
    return node.value if isinstance(node, yaml.ScalarNode) else None


# --- validation -----------------------------------------------------------------------------------


def _field_path(loc: tuple[int | str, ...]) -> YamlPath:
    """A pydantic error location as a path into the data: union tags and key markers dropped."""
    return tuple(part for part in loc if not (isinstance(part, str) and part.startswith(("<", "[key]"))))


# pydantic's bounds, worded with the limit
BOUNDS = {
    "greater_than_equal": N_("{key} must be at least {limit}"),
    "greater_than": N_("{key} must be greater than {limit}"),
    "less_than_equal": N_("{key} must be at most {limit}"),
    "less_than": N_("{key} must be less than {limit}"),
}


def _message(error: Mapping[str, Any], text: str | None, fields: list[str], *, list_item: bool = False) -> str:
    """A pydantic error in the user's language, with a hint where one helps (`list_item`: the error is at an
    item of a list, named by the list's key, not by its index)."""
    kind = error["type"]
    loc = error["loc"]
    path = _field_path(loc)
    name = str(path[-2] if list_item and len(path) > 1 else path[-1]) if path else ""
    if loc and loc[-1] == "[key]":  # a mapping's key is wrong (a ladder count, a schedule month)
        name = t("{key} key", key=str(path[-2]) if len(path) > 1 else "")
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind == "missing":
        return t("missing required key '{key}'", key=name)
    if kind == "extra_forbidden":
        return t("unknown key '{key}'", key=name) + did_you_mean(name, fields)
    if kind == "string_type" and isinstance(value, int | float | bool | date) and list_item:
        return t(
            '{key} must list text, not a number or yes/no: quote it ("{text}")',
            key=name,
            text=text if text is not None else str(value),
        )
    if kind == "string_type" and isinstance(value, int | float | bool | date):
        # YAML 1.1 reads 1.10 as 1.1 and NO as false: say how to keep the text as written.
        return t(
            '{key} must be text, not a number or yes/no: quote it ({key}: "{text}")',
            key=name,
            text=text if text is not None else str(value),
        )
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == CODE_PATTERN:
        return t(
            "code '{code}' may not hold spaces or start with = + - @ or ' (a spreadsheet would change it)", code=value
        )
    if kind == "string_pattern_mismatch":
        return t("unit code '{code}' must be lowercase letters, digits, '_' or '-', starting with a letter", code=value)
    if kind in ("union_tag_not_found", "union_tag_invalid"):
        return t("assign must be a mapping of unit to amount, or a list of units")
    simple = {
        "string_type": N_("{key} must be text"),
        "string_too_short": N_("{key} must not be empty"),
        "int_type": N_("{key} must be a whole number"),
        "int_from_float": N_("{key} must be a whole number"),
        "int_parsing": N_("{key} must be a whole number"),
        "float_type": N_("{key} must be a number"),
        "float_parsing": N_("{key} must be a number"),
        "finite_number": N_("{key} must be a finite number"),
        "dict_type": N_("{key} must be a mapping of keys to values"),
        "bool_type": N_("{key} must be true or false"),
        "bool_parsing": N_("{key} must be true or false"),
        "list_type": N_("{key} must be a list"),
        "too_short": N_("{key} must have at least one item"),
        "date_type": N_("{key} must be a date like 2012-09-30"),
        "date_parsing": N_("{key} must be a date like 2012-09-30"),
        "date_from_datetime_inexact": N_("{key} must be a date like 2012-09-30"),
        "date_from_datetime_parsing": N_("{key} must be a date like 2012-09-30"),
    }
    if kind in simple:
        return t(simple[kind], key=name)
    if kind in BOUNDS:
        limit = next(iter(ctx.values()), "")
        return t(BOUNDS[kind], key=name, limit=f"{limit:g}" if isinstance(limit, int | float) else limit)
    if kind == "literal_error":
        return t("{key} must be one of {expected}", key=name, expected=ctx.get("expected", ""))
    return f"{name}: {error['msg']}"


def _validate(doc: _Document, model: type[ModelT], data: Any, path: YamlPath) -> ModelT | None:
    """Validate one piece of the file; record each problem at its place and return None on failure."""
    return _validate_lenient(doc, model, data, path, fillers=None)[0]


def _validate_lenient(
    doc: _Document, model: type[ModelT], data: Any, path: YamlPath, fillers: Mapping[str, Any] | None
) -> tuple[ModelT | None, set[str]]:
    """Validate one piece; with `fillers`, also give back what is valid once the broken keys are set aside.

    The second model lets the cross-checks of a target run even when one of its keys is wrong, so that
    every problem of the file shows at once. The set names the keys that were broken.
    """
    if isinstance(data, _Invalid):
        return None, set()
    if not isinstance(data, dict):
        doc.at_value(path, t("{key} must be a mapping of keys to values", key=path[-1] if path else ""))
        return None, set()
    try:
        return model.model_validate(data), set()
    except ValidationError as invalid:
        broken = _record(doc, model, invalid, path)
    if fillers is None:
        return None, broken
    rest = {key: value for key, value in data.items() if key not in broken}
    rest.update({key: value for key, value in fillers.items() if key in broken})
    try:
        return model.model_validate(rest), broken
    except ValidationError:
        return None, broken


def _record(doc: _Document, model: type[BaseModel], invalid: ValidationError, path: YamlPath) -> set[str]:
    """Record every error of one piece at its place; give back the top-level keys that were wrong."""
    fields = list(model.model_fields)
    broken: set[str] = set()
    for error in invalid.errors():
        field_path = (*path, *_field_path(error["loc"]))
        if error["loc"]:
            broken.add(str(error["loc"][0]))
        if any(field_path[: len(p)] == p for p in doc.invalid_paths):
            continue  # already reported while reading the YAML
        position = doc.positions.get(field_path)
        list_item = position is not None and position.key is None and isinstance(field_path[-1], int)
        message = _message(error, position.text if position else None, fields, list_item=list_item)
        if error["type"] == "extra_forbidden" or error["loc"][-1:] == ("[key]",):
            doc.at_key(field_path, message)
        elif error["type"] == "missing":
            doc.at_key(path, message)
        else:
            doc.at_value(field_path, message)
    return broken


def _plain_year(section: Any) -> int | None:
    """The plan year even when another key of `plan:` is wrong, so that due dates are still checked."""
    year = section.get("year") if isinstance(section, dict) else None
    return year if isinstance(year, int) and not isinstance(year, bool) and 1900 <= year <= 2100 else None


class _PlanBuilder:
    """Validates a composed plan document and builds the `Plan` when nothing is wrong."""

    def __init__(self, doc: _Document, data: dict[Any, Any]) -> None:
        self.doc = doc
        self.data = data
        self.unit_codes: list[str] = []

    def build(self) -> Plan | None:
        doc, data = self.doc, self.data
        for key in data:
            if key not in SECTIONS:
                sections = list(SECTIONS)
                doc.at_key((key,), t("unknown key '{key}'", key=key) + did_you_mean(str(key), sections))
        for key in ("plan", "units", "tasks"):
            if key not in data:
                doc.at_value((), t("missing required section '{key}'", key=key))
        header = _validate(doc, PlanSection, data.get("plan"), ("plan",)) if "plan" in data else None
        assessment = (
            _validate(doc, AssessmentSection, data["assessment"], ("assessment",))
            if "assessment" in data
            else AssessmentSection()
        )
        if assessment is not None:
            self._check_grades(assessment)
        notices = (
            _validate(doc, NoticesSection, data["notices"], ("notices",)) if "notices" in data else NoticesSection()
        )
        if notices is not None and notices.number_format is not None:
            self._check_number_format(notices.number_format, coded=notices.office_code is not None)
        if notices is not None:
            for count in notices.ladder_en:
                if count not in notices.ladder:
                    doc.at_key(
                        ("notices", "ladder_en", count),
                        t("ladder_en has a word for {count}, which the ladder has not", count=count),
                    )
        review = _validate(doc, ReviewSection, data["review"], ("review",)) if "review" in data else ReviewSection()
        units = self._units()
        year = header.year if header else _plain_year(data.get("plan"))
        tasks = self._tasks(year)
        if doc.problems or header is None or assessment is None or notices is None or review is None:
            return None
        default_format = DEFAULT_CODED_NUMBER_FORMAT if notices.office_code else DEFAULT_NUMBER_FORMAT
        # Each section's keys are its settings' fields (tests/test_planfile.py holds them equal); only what
        # the file leaves open is decided here: grades from the highest, the ladder ascending, the format.
        return Plan(
            **header.model_dump(),
            assessment=settings_from_data(
                AssessmentSettings,
                {**assessment.model_dump(), "grades": sorted(assessment.grades.items(), key=lambda g: -g[1])},
            ),
            notices=settings_from_data(
                NoticeSettings,
                {
                    **notices.model_dump(),
                    "number_format": notices.number_format or default_format,
                    "ladder": sorted(notices.ladder.items()),
                    "ladder_en": sorted(notices.ladder_en.items()),
                },
            ),
            review=settings_from_data(ReviewSettings, review.model_dump()),
            units=tuple(units),
            tasks=tuple(tasks),
        )

    def _check_grades(self, assessment: AssessmentSection) -> None:
        """A quota or a veto names a grade the plan has (SPEC §11); a tie-break lists a part once (SPEC §15)."""
        known = [*assessment.grades, assessment.fail_grade]
        for grade in assessment.grade_quota:
            if grade not in assessment.grades:
                self.doc.at_key(
                    ("assessment", "grade_quota", grade),
                    t("grade_quota names '{grade}', which is not one of the grades", grade=grade)
                    + did_you_mean(grade, list(assessment.grades)),
                )
        if assessment.veto_grade is not None and assessment.veto_grade not in known:
            self.doc.at_value(
                ("assessment", "veto_grade"),
                t("veto_grade '{grade}' is not one of the grades", grade=assessment.veto_grade)
                + did_you_mean(assessment.veto_grade, known),
            )
        for index, part in enumerate(assessment.tie_break):
            if part in assessment.tie_break[:index]:
                self.doc.at_value(("assessment", "tie_break", index), t("tie_break lists '{part}' twice", part=part))

    def _check_number_format(self, number_format: str, *, coded: bool) -> None:
        path = ("notices", "number_format")
        try:
            fields = {name for _, name, _, _ in string.Formatter().parse(number_format) if name is not None}
        except ValueError:
            self.doc.at_value(path, t("number_format is not a valid format (unbalanced braces?)"))
            return
        if "number" not in fields or not fields <= {"number", "year", "code"}:
            self.doc.at_value(
                path,
                t("number_format must contain {{number}} and may contain only {{number}}, {{year}} and {{code}}"),
            )
        elif "code" in fields and not coded:
            self.doc.at_value(path, t("number_format uses {{code}}, but notices has no office_code"))

    def _sequence(self, key: str) -> list[Any]:
        value = self.data.get(key)
        if key not in self.data or isinstance(value, _Invalid):
            return []
        if not isinstance(value, list):
            self.doc.at_value((key,), t("{key} must be a list", key=key))
            return []
        if not value:
            self.doc.at_value((key,), t("{key} must have at least one item", key=key))
        return value

    def _units(self) -> list[Unit]:
        units: list[Unit] = []
        seen: dict[str, int] = {}
        for index, raw in enumerate(self._sequence("units")):
            path: YamlPath = ("units", index)
            # Codes of units that fail validation still count as known, so as not to report them twice.
            if isinstance(raw, dict) and isinstance(raw.get("code"), str):
                self.unit_codes.append(raw["code"])
            spec = _validate(self.doc, UnitSection, raw, path)
            if spec is None:
                continue
            if spec.code in seen:
                self.doc.at_value(
                    (*path, "code"),
                    t("duplicate unit code '{code}' (first at line {line})", code=spec.code, line=seen[spec.code]),
                )
                continue
            seen[spec.code] = self.doc.line_of((*path, "code"))
            contact = settings_from_data(Contact, spec.contact.model_dump()) if spec.contact else None
            units.append(Unit(code=spec.code, name=spec.name, kind=spec.kind, name_en=spec.name_en, contact=contact))
        return units

    def _tasks(self, year: int | None) -> list[Task]:
        tasks: list[Task] = []
        task_lines: dict[str, int] = {}
        target_lines: dict[str, int] = {}
        for index, raw in enumerate(self._sequence("tasks")):
            path: YamlPath = ("tasks", index)
            spec = _validate(self.doc, TaskSection, raw, path)
            # A task with a bad title still has its targets checked, so that every problem shows at once.
            raw_targets = raw.get("targets") if isinstance(raw, dict) else None
            targets = []
            for target_index, raw_target in enumerate(raw_targets if isinstance(raw_targets, list) else []):
                target_path: YamlPath = (*path, "targets", target_index)
                target = self._target(raw_target, target_path, spec.code if spec else "", year)
                if target is None:
                    continue
                if target.code in target_lines:
                    self.doc.at_value(
                        (*target_path, "code"),
                        t(
                            "duplicate target code '{code}' (first at line {line})",
                            code=target.code,
                            line=target_lines[target.code],
                        ),
                    )
                    continue
                target_lines[target.code] = self.doc.line_of((*target_path, "code"))
                targets.append(target)
            if spec is None:
                continue
            if spec.code in task_lines:
                self.doc.at_value(
                    (*path, "code"),
                    t(
                        "duplicate task code '{code}' (first at line {line})",
                        code=spec.code,
                        line=task_lines[spec.code],
                    ),
                )
            task_lines.setdefault(spec.code, self.doc.line_of((*path, "code")))
            tasks.append(Task(code=spec.code, title=spec.title, title_en=spec.title_en, targets=tuple(targets)))
        return tasks

    def _unit_reference(self, code: str, path: YamlPath, at_key: bool) -> bool:
        if code in self.unit_codes:
            return True
        message = t("unknown unit '{code}'", code=code) + did_you_mean(code, self.unit_codes)
        (self.doc.at_key if at_key else self.doc.at_value)(path, message)
        return False

    def _target(self, raw: Any, path: YamlPath, task: str, year: int | None) -> Target | None:
        spec, broken = _validate_lenient(self.doc, TargetSection, raw, path, TARGET_FILLERS)
        if spec is None:
            return None
        problems_before = len(self.doc.problems)
        doc = self.doc
        assigned: dict[str, float] = {}
        if isinstance(spec.assign, dict):
            for unit, amount in spec.assign.items():
                if self._unit_reference(unit, (*path, "assign", unit), at_key=True):
                    assigned[unit] = amount
        else:
            for index, unit in enumerate(spec.assign):
                if unit in assigned:
                    doc.at_value((*path, "assign", index), t("unit '{code}' is listed twice", code=unit))
                elif self._unit_reference(unit, (*path, "assign", index), at_key=False):
                    assigned[unit] = spec.amount if spec.amount is not None else 1.0
        supporting: list[str] = []
        for index, unit in enumerate(spec.support):
            item: YamlPath = (*path, "support", index)
            if unit in supporting:
                doc.at_value(item, t("unit '{code}' is listed twice", code=unit))
            elif unit in assigned:
                doc.at_value(item, t("unit '{code}' is both assigned and supporting", code=unit))
            elif self._unit_reference(unit, item, at_key=False):
                supporting.append(unit)

        if spec.type == "milestone":
            self._check_milestone(spec, path, year, broken)
            amounts = dict.fromkeys(assigned, 1.0)
            baseline = 0.0
            schedule: tuple[tuple[int, float], ...] = ((12, 1.0),)
        else:
            baseline = spec.baseline or 0.0
            amounts = assigned
            schedule = self._check_quantity(spec, path, baseline, broken)
        measure_en = self._measure_en(spec.measure_en, (*path, "measure_en"))
        if broken or len(doc.problems) > problems_before:
            return None
        return Target(
            code=spec.code,
            title=spec.title,
            title_en=spec.title_en,
            task=task,
            type=spec.type,
            measure=spec.measure,
            measure_en=measure_en[1] if measure_en else None,
            measure_en_one=measure_en[0] if measure_en else None,
            baseline=baseline,
            schedule=schedule,
            weight=spec.weight,
            due=spec.due,
            support=tuple(supporting),
            assignments=tuple(Assignment(unit=u, amount=a) for u, a in amounts.items()),
            scoring=settings_from_data(Scoring, spec.scoring.model_dump()) if spec.scoring else None,
        )

    def _measure_en(self, value: Any, path: YamlPath) -> tuple[str | None, str] | None:
        """`measure_en` as (singular, plural): a plain word is the plural and has no singular (it is shown for every
        figure, 1 included); a pair of words is the singular, for a figure written as 1, and the plural."""
        if value is None:
            return None
        if isinstance(value, str) and value.strip():
            return None, value
        if (
            isinstance(value, list)
            and len(value) == 2
            and all(isinstance(word, str) and word.strip() for word in value)
        ):
            return value[0], value[1]
        self.doc.at_value(
            path, t("measure_en must be a word (firms), or its singular and plural as a list ([firm, firms])")
        )
        return None

    def _check_milestone(self, spec: TargetSection, path: YamlPath, year: int | None, broken: set[str]) -> None:
        doc = self.doc
        for key in ("schedule", "baseline", "amount"):
            if getattr(spec, key) is not None:
                doc.at_key((*path, key), t("a milestone has no {key}", key=key))
        if isinstance(spec.assign, dict) and "assign" not in broken:
            doc.at_value((*path, "assign"), t("assign a milestone as a list of units"))
        if spec.due is None:
            if "due" not in broken:
                doc.at_key(path, t("missing required key '{key}'", key="due"))
        elif year is not None and spec.due.year != year:
            doc.at_value(
                (*path, "due"), t("due {due} is outside the plan year {year}", due=spec.due.isoformat(), year=year)
            )

    def _check_quantity(
        self, spec: TargetSection, path: YamlPath, baseline: float, broken: set[str]
    ) -> tuple[tuple[int, float], ...]:
        doc = self.doc
        if spec.measure is None and "measure" not in broken:
            doc.at_key(path, t("missing required key '{key}'", key="measure"))
        if spec.due is not None:
            doc.at_key((*path, "due"), t("due is for milestones; a quantity target uses schedule"))
        amounts_known = not broken & {"assign", "amount", "baseline"}
        if isinstance(spec.assign, dict):
            if spec.amount is not None and amounts_known:
                doc.at_key(
                    (*path, "amount"),
                    t("amount goes with a list of units; the mapping already gives each unit's amount"),
                )
            for unit, amount in spec.assign.items():
                if amounts_known and abs(amount - baseline) < SHARE_TOLERANCE:
                    doc.at_value(
                        (*path, "assign", unit),
                        t("amount {amount} equals the baseline: nothing to do", amount=_number(amount)),
                    )
        elif spec.amount is None:
            if amounts_known:
                doc.at_key(path, t("a list of units needs amount (the same amount for each)"))
        elif amounts_known and abs(spec.amount - baseline) < SHARE_TOLERANCE:
            doc.at_value(
                (*path, "amount"), t("amount {amount} equals the baseline: nothing to do", amount=_number(spec.amount))
            )
        if spec.schedule is None:
            return ((12, 1.0),)
        schedule_path: YamlPath = (*path, "schedule")
        points = sorted(spec.schedule.items())
        previous = 0.0
        for month, share in points:
            here: YamlPath = (*schedule_path, month)
            if not 1 <= month <= 12:
                doc.at_key(here, t("schedule month {month} is outside 1..12", month=month))
            elif not 0 < share <= 1:
                doc.at_value(here, t("schedule share {share} must be more than 0 and at most 1", share=share))
            elif share <= previous:
                doc.at_value(here, t("schedule shares must increase with the month (month {month})", month=month))
            else:
                previous = share
        in_year = [(month, share) for month, share in points if 1 <= month <= 12]
        if in_year and 0 < in_year[-1][1] <= 1 and abs(in_year[-1][1] - 1.0) > SHARE_TOLERANCE:
            doc.at_value((*schedule_path, in_year[-1][0]), t("the last share of a schedule must be 1.0"))
        return tuple(points)


def _number(value: float) -> str:
    return f"{value:g}"


# --- entry points ---------------------------------------------------------------------------------


def parse_plan(text: str, filename: str) -> Plan:
    """Validate plan text and build the `Plan`; raise `PlanInvalid` listing every problem."""
    doc = _Document(filename)
    found = yaml.reader.Reader.NON_PRINTABLE.search(text)
    if found is not None:
        unprintable = found.start()
        # PyYAML's reader refuses control characters without a line; say where the first one is.
        line = text.count("\n", 0, unprintable) + 1
        column = unprintable - (text.rfind("\n", 0, unprintable) + 1) + 1
        raise PlanInvalid(
            [
                f"{filename}:{line}:{column}: "
                + t("control character {code} is not allowed in a plan file", code=f"U+{ord(text[unprintable]):04X}")
            ]
        )
    loader = _PlanLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as broken:
        mark = broken.problem_mark or broken.context_mark
        problem = broken.problem or broken.context or "?"
        doc.add(mark, t("not valid YAML: {problem}", problem=problem))
        raise PlanInvalid(doc.formatted()) from None
    except (yaml.YAMLError, RecursionError):
        raise PlanInvalid([f"{filename}: " + t("cannot read this file as YAML (nested too deeply?)")]) from None
    finally:
        loader.dispose()
    if loader.alias_marks:
        for mark in loader.alias_marks:
            doc.add(mark, t("YAML aliases (*name) are not allowed in a plan file; write the value out"))
        raise PlanInvalid(doc.formatted())
    if root is None:
        raise PlanInvalid([f"{filename}:1:1: " + t("the plan file is empty")])
    doc.positions[()] = Position(None, root.start_mark)  # where a missing section is reported
    try:
        data = doc.build(loader, root, ())
    except RecursionError:
        raise PlanInvalid([f"{filename}: " + t("cannot read this file as YAML (nested too deeply?)")]) from None
    if not isinstance(data, dict):
        doc.add(root.start_mark, t("a plan file is a mapping with plan, units and tasks"))
        raise PlanInvalid(doc.formatted())
    plan = _PlanBuilder(doc, data).build()
    if plan is None:
        raise PlanInvalid(doc.formatted())
    return plan


def read_plan(path: Path, display: str | None = None, searched: Sequence[str] = ()) -> tuple[Plan, bytes]:
    """Read and validate a plan file; returns the plan and the file's bytes (for its fingerprint). `searched`:
    the folders looked in for it, when none was given."""
    name = display or str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if searched:
            raise BadInput(
                t(
                    "no {name} in {folder} nor in any folder above it",
                    name=path.name,
                    folder=searched[0],
                ),
                hint=t("give --plan FILE or set ECOTRACK_PLAN, or run ecotrack in the folder of the plan"),
            ) from None
        raise BadInput(
            t("no plan file at {path} (in {folder})", path=name, folder=path.absolute().parent),
            hint=t("give --plan FILE or set ECOTRACK_PLAN, or run ecotrack in the folder of the plan"),
        ) from None
    except IsADirectoryError:
        raise BadInput(t("{path} is a folder, not a plan file", path=name)) from None
    except OSError as failure:
        raise BadInput(t("cannot read {path}: {reason}", path=name, reason=failure.strerror or failure)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as bad:
        line = raw[: bad.start].count(b"\n") + 1
        raise PlanInvalid([f"{name}:{line}: " + t("the plan file is not UTF-8 text")]) from None
    return parse_plan(text, name), raw
