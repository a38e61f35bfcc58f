"""What a plan is: units, tasks, targets and their assignments (SPEC §3), as plain frozen data.

`planfile` reads `tasks.yaml` into these; `store` rebuilds them from the database; `rules`
computes over them. Nothing here reads a file or a database. The settings (assessment, notices,
review, and the small records in them) become plain data and come back from it here, once, by their
fields: `settings_data` and `settings_from_data`.
"""

from __future__ import annotations

import types
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import date
from functools import cache, cached_property
from typing import TYPE_CHECKING, Literal, TypeAlias, TypeVar, Union, get_args, get_origin, get_type_hints

from ecotrack.figures import reads_as_one

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

UnitKind = Literal["town", "subdistrict", "department"]


def period_label(year: int, month: int) -> str:
    """A month of a year as entries, notices and exports write it: `2012-03`."""
    return f"{year:04d}-{month:02d}"


def month_of(label: str) -> int:
    """The month of a `period_label`."""
    return int(label[5:7])


TargetType = Literal["quantity", "milestone"]
# The parts of a score that order units of equal rounded score (SPEC §15, §18), and what a tie at a quota does.
TieBreakPart = Literal["completion", "timeliness", "notices"]
QuotaTies = Literal["drop", "keep"]


DEFAULT_GRADES: tuple[tuple[str, float], ...] = (("优秀", 90.0), ("良好", 80.0), ("合格", 60.0))
DEFAULT_LADDER: tuple[tuple[int, str], ...] = ((1, "通报"), (2, "通报批评"), (3, "提请约谈主要负责人"))
# The days a unit named in a notice has to report its rectification (SPEC §10).
DEFAULT_RECTIFY_DAYS = 10
DEFAULT_NUMBER_FORMAT = "〔{year}〕{number}号"
# With the office's code (发文机关代字) the number reads 青生态办〔2012〕3号 (SPEC §12).
DEFAULT_CODED_NUMBER_FORMAT = "{code}〔{year}〕{number}号"
DEFAULT_ADDRESSEES = "各成员单位"
# An office named by its level only (区生态建设工作领导小组办公室) takes its place from the plan's title (`Plan.issuer`)
PLACE_LEVELS = frozenset("区县市旗")
NO_PLACE = frozenset("全本我各该")  # 全区 and 本县 are no place's name


# characters of a target's short title, by language: a heat-map column's head in the pack, a target in a listing
# of every unit (its full title in one unit's view, on hover and in JSON and CSV)
SHORT_TITLE = {"zh": 10, "en": 24}


def short_title(title: str, limit: int = SHORT_TITLE["zh"]) -> str:
    """A target's title short enough for a column's head: up to its first bracket or clause break, and at most
    `limit` characters, the last an ellipsis when cut (an English title is cut between words)."""
    for stop in ("（", "(", "，", ",", "；", ";", "："):
        head = title.split(stop, 1)[0].strip()
        if head:
            title = head
    if len(title) <= limit:
        return title
    cut = title[: limit - 1]
    if " " in cut and title[limit - 1] != " ":
        cut = cut.rsplit(" ", 1)[0]  # a word is not broken
    return cut.rstrip() + "…"


class Measure(str):
    """A target's measure word as a reader sees it: the text itself, and in English the singular when the plan
    gives one (`measure_en: [firm, firms]`), for a figure written as 1. A plain `measure_en: firms` has none: it
    reads the same for every figure, 1 included (ecotrack never makes a singular up; km, mu and ha need none)."""

    one: str | None

    def __new__(cls, text: str, one: str | None = None) -> Measure:
        measure = super().__new__(cls, text)
        measure.one = one
        return measure

    def of(self, value: float) -> str:
        """The word after `value`: 1 firm, 0 firms, 1.5 firms."""
        return self.one if self.one and reads_as_one(value) else str(self)


def measure_of(measure: str | None, value: float) -> str | None:
    """The measure word after `value`: a `Measure`'s singular for a figure written as 1, else the text."""
    return measure.of(value) if isinstance(measure, Measure) else measure


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    kind: UnitKind
    name_en: str | None = None
    contact: Contact | None = None  # whom to chase (催办), SPEC §10

    def display_name(self, lang: str) -> str:
        """The English name for an English reader when the plan gives one; the Chinese record otherwise."""
        return self.name_en if lang == "en" and self.name_en else self.name


@dataclass(frozen=True)
class Assignment:
    """A lead unit's share of a target: the amount it must reach (1 for a milestone)."""

    unit: str
    amount: float


@dataclass(frozen=True)
class Scoring:
    """A target's 计分办法 (SPEC §11): "每差 `per` 扣 `points` 分，扣完为止"."""

    per: float
    points: float


@dataclass(frozen=True)
class Target:
    code: str
    title: str
    task: str
    type: TargetType = "quantity"
    measure: str | None = None
    baseline: float = 0.0
    # (month, share due by that month's end), months increasing, last share 1.0
    schedule: tuple[tuple[int, float], ...] = ((12, 1.0),)
    weight: float = 1.0
    due: date | None = None
    support: tuple[str, ...] = ()
    assignments: tuple[Assignment, ...] = ()
    title_en: str | None = None
    measure_en: str | None = None
    scoring: Scoring | None = None  # None: completion is linear in progress (SPEC §5)
    measure_en_one: str | None = None  # the English singular (`measure_en: [firm, firms]`): 1 firm

    @property
    def is_milestone(self) -> bool:
        return self.type == "milestone"

    def display_title(self, lang: str) -> str:
        return self.title_en if lang == "en" and self.title_en else self.title

    def display_measure(self, lang: str) -> Measure | None:
        """The measure a reader of `lang` sees; in English it knows its singular (`Measure.of`)."""
        if lang == "en" and self.measure_en:
            return Measure(self.measure_en, self.measure_en_one)
        return Measure(self.measure) if self.measure else None

    def short_title(self, lang: str) -> str:
        """The title in `lang`, shortened as `short_title` does (SPEC §12's pack and the listings of every unit)."""
        return short_title(self.display_title(lang), SHORT_TITLE.get(lang, SHORT_TITLE["zh"]))

    def assignment(self, unit: str) -> Assignment | None:
        return self._assignments_by_unit.get(unit)

    @cached_property
    def _assignments_by_unit(self) -> dict[str, Assignment]:
        return {a.unit: a for a in reversed(self.assignments)}  # reversed: the first of a unit's wins


@dataclass(frozen=True)
class Task:
    code: str
    title: str
    targets: tuple[Target, ...]
    title_en: str | None = None

    def display_title(self, lang: str) -> str:
        return self.title_en if lang == "en" and self.title_en else self.title


@dataclass(frozen=True)
class AssessmentSettings:
    completion_points: float = 80.0
    timeliness_points: float = 20.0
    notice_penalty: float = 2.0
    grades: tuple[tuple[str, float], ...] = DEFAULT_GRADES  # highest lowest-score first
    fail_grade: str = "不合格"
    grades_en: tuple[tuple[str, str], ...] = ()  # grade -> its English name, for --lang en
    # SPEC §11: each None (or 0 for late_milestone) gives part one's numbers
    notice_penalty_cap: float | None = None
    late_milestone: float = 0.0
    rank_by: str | None = None  # "kind": rank within each kind of unit
    grade_quota: tuple[tuple[str, float], ...] = ()
    veto_grade: str | None = None  # None: the fail grade
    bonus_cap: float | None = None
    deduction_cap: float | None = None
    # SPEC §15, §18: each default gives part two's numbers
    late_report_share: float = 0.0  # the share of a month's timeliness a late report keeps
    tie_break: tuple[TieBreakPart, ...] = ()  # order within an equal rounded score, first part first
    quota_ties: QuotaTies = "drop"  # a tie straddling a quota's limit: all drop (§14), or all keep the grade
    appeal_days: int | None = None  # SPEC §15 公示: the appeal window's length; None: no publication step

    @property
    def vetoed_grade(self) -> str:
        return self.veto_grade or self.fail_grade

    def display_grade(self, grade: str, lang: str) -> str:
        """A grade as an English reader sees it (the record keeps the plan's own name)."""
        return dict(self.grades_en).get(grade, grade) if lang == "en" else grade


@dataclass(frozen=True)
class NoticeSettings:
    number_format: str = DEFAULT_NUMBER_FORMAT
    ladder: tuple[tuple[int, str], ...] = DEFAULT_LADDER  # ascending by count
    rectify_days: int = DEFAULT_RECTIFY_DAYS
    office_code: str | None = None  # 发文机关代字, e.g. 青生态办
    addressees: str = DEFAULT_ADDRESSEES  # 主送机关
    cc: tuple[str, ...] = ()  # 抄送机关
    contact: Contact | None = None  # the office's 联系人 and phone, in the notice's 附注
    require_signature: bool = False  # a notice counts, and is circulated, once signed (签发, SPEC §16)
    ladder_en: tuple[tuple[int, str], ...] = ()  # the ladder's words in English, by the same counts

    def english_wording(self, wording: str) -> str | None:
        """The plan's English for one of its ladder's words (`ladder_en`), None when it gives none."""
        english = dict(self.ladder_en)
        return next((english[key] for key, word in self.ladder if word == wording and key in english), None)

    def wording(self, count: int) -> str:
        """The ladder's wording for a unit's n-th notice of the year: the highest key ≤ n applies."""
        reached = [word for key, word in self.ladder if key <= count]
        return reached[-1] if reached else self.ladder[0][1]

    def document_number(self, year: int, number: int) -> str:
        return self.number_format.format(year=year, number=number, code=self.office_code or "")


@dataclass(frozen=True)
class ReviewSettings:
    """SPEC §9: whether the office reviews a unit's entry before it counts, and when a period locks itself."""

    required: bool = False
    lock_after_days: int | None = None  # a period locks itself this many days after its report's due date


@dataclass(frozen=True)
class AmendedAssignment:
    """What the amendments in force make of one assignment (SPEC §17, §18): a new milestone due date or a
    schedule's new last month (延期), a new amount (调整), or no assignment at all (免责). None: as planned."""

    unit: str
    target: str
    due: date | None = None  # a milestone's due date
    last_month: int | None = None  # a quantity target's schedule reaches 1.0 in this month
    amount: float | None = None
    exempt: bool = False

    def apply(self, target: Target) -> Target:
        """The target as this unit now has it: its due date or schedule moved, its assignment's amount replaced."""
        schedule = target.schedule
        if self.last_month is not None:  # SPEC §18: share 1.0 moves to the new month; later points drop
            schedule = (*((m, s) for m, s in target.schedule if m < self.last_month), (self.last_month, 1.0))
        assignments = tuple(
            replace(a, amount=self.amount) if a.unit == self.unit and self.amount is not None else a
            for a in target.assignments
        )
        return replace(target, due=self.due or target.due, schedule=schedule, assignments=assignments)


@dataclass(frozen=True)
class Plan:
    year: int
    title: str
    office: str
    units: tuple[Unit, ...]
    tasks: tuple[Task, ...]
    report_due_day: int = 5
    tolerance: float = 0.10
    start_month: int = 1
    # SPEC §17, §18: supporting units file a monthly note for each target they support, and their timeliness
    # counts in `filings` (and in the assessment of a unit that also leads)
    supporting_reports: bool = False
    assessment: AssessmentSettings = field(default_factory=AssessmentSettings)
    notices: NoticeSettings = field(default_factory=NoticeSettings)
    review: ReviewSettings = field(default_factory=ReviewSettings)
    # The amendments in force for the date this plan was layered for (`rules.amended_plan`); none in a plan
    # as loaded. They change what `assignments_of` and `assessed_units` give, never `targets()`.
    amended: tuple[AmendedAssignment, ...] = ()
    office_en: str | None = None  # the office's English name, in full (English output names it so)

    def display_office(self, lang: str) -> str:
        """The office as a reader of `lang` sees it named: `office_en` in English when the plan gives it."""
        return self.office_en if lang == "en" and self.office_en else self.office

    def display_issuer(self, lang: str) -> str:
        """The issuer a document in `lang` names: `office_en` in English when the plan gives it, else `issuer`."""
        return self.office_en if lang == "en" and self.office_en else self.issuer

    @property
    def issuer(self) -> str:
        """The office's full name, as a circulated document names its issuer (SPEC §12): `office`, with the
        place the plan's title starts with when the office names only its level (区, 县, 市, 旗) — in the plan
        of 青川区, 区生态建设工作领导小组办公室 is 青川区生态建设工作领导小组办公室."""
        level = self.office[:1]
        if level not in PLACE_LEVELS:
            return self.office
        end = self.title.find(level)
        place = self.title[: end + 1]
        # a place's name is 2 to 8 characters before its level; 全区 (the whole district) names none
        if not 2 <= end <= 8 or place[0] in NO_PLACE:
            return self.office
        return place + self.office[1:]

    def amendment(self, unit: str, target: str) -> AmendedAssignment | None:
        """What the amendments in force make of an assignment, None when it stands as planned."""
        return self._amended_by_key.get((unit, target))

    def targets(self) -> Iterator[Target]:
        """Every target in plan order."""
        for task in self.tasks:
            yield from task.targets

    def target(self, code: str) -> Target | None:
        return self._targets_by_code.get(code)

    def unit(self, code: str) -> Unit | None:
        return self._units_by_code.get(code)

    def find_unit(self, text: str) -> Unit | None:
        """A unit by its code, else by its exact name (Chinese or English) when only one unit has it:
        clerks type 青山镇 as often as qingshan."""
        unit = self.unit(text)
        if unit is not None:
            return unit
        named = [u for u in self.units if text in (u.name, u.name_en)]
        return named[0] if len(named) == 1 else None

    def assignments_of(self, unit: str) -> list[tuple[Target, Assignment]]:
        """A unit's assignments in plan order of targets."""
        return self._assignments_by_unit.get(unit, [])

    def supports_of(self, unit: str) -> list[Target]:
        """The targets a unit supports without being assigned them."""
        return [t for t in self.targets() if unit in t.support]

    def noting_units(self) -> list[Unit]:
        """Units that owe the monthly report or note of SPEC §5 and §18, in plan order: those with an assignment,
        and with `supporting_reports` those that support a target too (supporting-only units are in `filings`
        and `overdue`, never in `status` or the assessment)."""
        if not self.supporting_reports:
            return self.assessed_units()
        supporting = {code for target in self.targets() for code in target.support}
        return [u for u in self.units if u.code in self._assignments_by_unit or u.code in supporting]

    def assessed_units(self) -> list[Unit]:
        """Units with at least one assignment, in plan order (supporting-only units are never assessed)."""
        return [u for u in self.units if u.code in self._assignments_by_unit]

    # Indexes built on first use: a frozen dataclass still has a __dict__ for cached_property.
    @cached_property
    def _targets_by_code(self) -> dict[str, Target]:
        return {t.code: t for t in self.targets()}

    @cached_property
    def _units_by_code(self) -> dict[str, Unit]:
        return {u.code: u for u in self.units}

    @cached_property
    def _amended_by_key(self) -> dict[tuple[str, str], AmendedAssignment]:
        return {(a.unit, a.target): a for a in self.amended}

    @cached_property
    def _assignments_by_unit(self) -> dict[str, list[tuple[Target, Assignment]]]:
        index: dict[str, list[tuple[Target, Assignment]]] = {}
        for target in self.targets():
            for assignment in target.assignments:
                amended = self._amended_by_key.get((assignment.unit, target.code))
                if amended is not None:
                    if amended.exempt:  # SPEC §18: as if never assigned
                        continue
                    target_now = amended.apply(target)
                    found = target_now.assignment(assignment.unit)
                    assert found is not None
                    index.setdefault(assignment.unit, []).append((target_now, found))
                    continue
                index.setdefault(assignment.unit, []).append((target, assignment))
        return index


# --- settings as plain data -----------------------------------------------------------------------
# A settings field is stored under its name, so: a new field has a default (a database written before it
# lacks its key); a field of a record inside the settings goes at the record's end (it is stored by
# position); renaming a field loses what databases hold under the old name.

# What JSON holds: the database stores the settings so.
PlainData: TypeAlias = "bool | int | float | str | list[PlainData] | dict[str, PlainData] | None"
SettingsT = TypeVar("SettingsT", bound="DataclassInstance")


def settings_data(settings: DataclassInstance) -> dict[str, PlainData]:
    """Settings (any of the dataclasses here) as plain data: each field under its name, in field order.

    A tuple becomes a list; a date its ISO text; a dataclass inside the settings (a contact) the list of
    its fields' values, as the first databases stored it and so every release reads it.
    """
    return {item.name: _plain(getattr(settings, item.name)) for item in fields(settings)}


def settings_from_data(cls: type[SettingsT], data: Mapping[str, object]) -> SettingsT:
    """Settings of `cls` from plain data (`settings_data`'s, or a validated plan file section's), each
    value read as its field's type says.

    A key the data lacks takes the field's default: a database written before the field existed has not
    got it. A key `cls` lacks is left aside: a later release wrote it. A tuple of pairs may come as a
    mapping (a plan file's `grades: {优秀: 90}`); a dataclass inside as a mapping or a list of values.
    """
    types_of = _field_types(cls)
    return cls(**{name: _from_plain(types_of[name], data[name]) for name in types_of if name in data})


@cache
def _field_types(cls: type[DataclassInstance]) -> dict[str, object]:
    hints = get_type_hints(cls)  # resolves this module's postponed annotations
    return {item.name: hints[item.name] for item in fields(cls)}


def _plain(value: object) -> PlainData:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return [_plain(getattr(value, item.name)) for item in fields(value)]
    raise TypeError(f"settings_data cannot store {value!r}")


def _from_plain(hint: object, value: object) -> object:
    """`value` as the type `hint` names (the field types the settings use); TypeError when it is not one."""
    origin, args = get_origin(hint), get_args(hint)
    if origin is Union or origin is types.UnionType:  # X | None: the only unions the settings have
        if value is None and type(None) in args:
            return None
        (kind,) = (arm for arm in args if arm is not type(None))
        return _from_plain(kind, value)
    if origin is Literal and value in args:
        return value
    if origin is tuple:
        items = list(value.items()) if isinstance(value, Mapping) else value
        if isinstance(items, Sequence) and not isinstance(items, str):
            if len(args) == 2 and args[1] is Ellipsis:
                return tuple(_from_plain(args[0], item) for item in items)
            return tuple(_from_plain(kind, item) for kind, item in zip(args, items, strict=True))
    if isinstance(hint, type) and is_dataclass(hint):
        if isinstance(value, Sequence) and not isinstance(value, str):  # the stored list of values
            value = dict(zip((item.name for item in fields(hint)), value, strict=False))
        if isinstance(value, Mapping):
            return settings_from_data(hint, value)
    return _scalar(hint, value)


def _scalar(hint: object, value: object) -> object:
    if (hint is bool and isinstance(value, bool)) or (hint is str and isinstance(value, str)):
        return value
    if not isinstance(value, bool):  # to Python a bool is an int; to the settings it is never a number
        if hint is float and isinstance(value, int | float):
            return float(value)
        if hint is int and isinstance(value, int):
            return value
        if hint is int and isinstance(value, float) and value.is_integer():
            return int(value)
    if hint is date and isinstance(value, str):
        return date.fromisoformat(value)
    if hint is date and isinstance(value, date):
        return value
    raise TypeError(f"settings_from_data cannot read {value!r} as {hint}")
