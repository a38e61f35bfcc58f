"""Notices (通报): drafting from the overdue units, escalation by the ladder, and the document.

The document is written the way a Chinese government office circulates a notice: title, document
number, addressees, the grounds, one section per unit with its missing reports and lagging targets
(with the gap in the target's own measure), the wording for the unit's count this year, a closing
requirement, the issuing office and the date. Pure functions: the caller supplies the number, the
prior counts and the as-of date.

One composer writes the document in either language: its words are messages of the catalogs (the English
as message id, the Chinese in zh_CN), said in the notice's own language whatever the interface's; only how
the language numbers parts, writes dates and joins a list differs by language (`_Style`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from enum import IntEnum, StrEnum
from typing import Any

from ecotrack import figures
from ecotrack.cells import tidied
from ecotrack.i18n import N_, Language, in_language, t, tn, tp
from ecotrack.plan import DEFAULT_ADDRESSEES, Contact, Plan, measure_of
from ecotrack.rules import Evaluation, Outstanding, OverdueUnit, StatusRow, overdue_units, rectification_due


@dataclass(frozen=True)
class NoticeItem:
    """One unit named in a notice, with its reasons and its count of notices this year (this one included)."""

    unit: str
    unit_name: str
    count_this_year: int
    wording: str
    missing_reports: list[str]  # months missing that no earlier notice named: a reason (SPEC §10)
    behind: list[StatusRow]
    still_not_filed: list[str] = field(default_factory=list)  # named before, still missing: listed, no reason
    rectification_overdue: list[int] = field(default_factory=list)  # notices whose rectification is overdue
    added_reason: str = ""  # named by the office, not the rules (措施不力)
    refile_overdue: list[int] = field(default_factory=list)  # returned entries not refiled by their deadline
    matters_overdue: list[int] = field(default_factory=list)  # assigned matters not answered by their due date


@dataclass(frozen=True)
class LeftOut:
    """A unit the office left out of a notice, or praised in it, and why."""

    unit: str
    unit_name: str
    reason: str = ""


@dataclass(frozen=True)
class Editorial:
    """The office's hand on a notice (SPEC §10): units left out and named, each with its reason, and praised."""

    excluded: Mapping[str, str] = field(default_factory=dict)
    added: Mapping[str, str] = field(default_factory=dict)
    commended: tuple[str, ...] = ()


@dataclass(frozen=True)
class Overview:
    """The overall picture a notice opens with (SPEC §12): assignments by status, units by their report of
    the evaluation month."""

    units: int
    assignments: int
    done: int
    on_track: int
    at_risk: int
    behind: int
    on_time: int
    late: int
    missing: int

    @classmethod
    def of(cls, evaluation: Evaluation) -> Overview:
        statuses = [row.status for row in evaluation.rows]
        month = evaluation.evaluation_month or ""
        reports = [unit.months.get(month) for unit in evaluation.filings]
        return cls(
            units=len(evaluation.filings),
            assignments=len(statuses),
            done=statuses.count("done"),
            on_track=statuses.count("on_track"),
            at_risk=statuses.count("at_risk"),
            behind=statuses.count("behind"),
            on_time=reports.count("on_time"),
            late=reports.count("late"),
            missing=reports.count("missing"),
        )


@dataclass(frozen=True)
class Circulation:
    """Who issues the notice and who receives it, as the plan said when it was issued: kept with the record
    so that a reprint is the same document."""

    office: str
    plan_title: str
    addressees: str
    cc: tuple[str, ...] = ()
    contact: Contact | None = None
    office_en: str | None = None  # the office's English name (`plan.office_en`), for the English document

    @classmethod
    def of(cls, plan: Plan) -> Circulation:
        settings = plan.notices
        return cls(plan.issuer, plan.title, settings.addressees, settings.cc, settings.contact, plan.office_en)

    def issuer(self, plan: Plan, language: Language) -> str:
        """The issuer as the document in `language` names it: in English the English name recorded with the
        notice, else the plan's (a record made before it kept one), else the Chinese name."""
        english = self.office_en or plan.office_en
        return english if language == "en" and english else self.office


@dataclass(frozen=True)
class Notice:
    number: int
    document_number: str
    plan_year: int
    as_of: date
    evaluation_month: str
    units: list[NoticeItem]
    rectify_by: date | None = None
    excluded: list[LeftOut] = field(default_factory=list)
    commended: list[LeftOut] = field(default_factory=list)
    overview: Overview | None = None  # None in a record made before SPEC §12
    circulation: Circulation | None = None
    language: str = "zh"  # of the document as circulated
    dated: date | None = None  # its 成文日期 when not its as-of date (SPEC §16)
    cited: dict[int, str] = field(default_factory=dict)  # earlier notices it cites, by their issued numbers
    matters: dict[int, str] = field(default_factory=dict)  # the assigned matters it names, by id: their titles

    @property
    def written_on(self) -> date:
        """The notice's 成文日期: the day it is dated, its as-of date unless `--dated` said otherwise."""
        return self.dated or self.as_of

    def as_json(self, issued_at: str | None = None) -> dict[str, Any]:
        """The `notice` object of SPEC §6 (with `issued_at` once issued)."""
        data: dict[str, Any] = {
            "number": self.number,
            "document_number": self.document_number,
            "plan_year": self.plan_year,
            "as_of": self.as_of.isoformat(),
            "evaluation_month": self.evaluation_month,
            "units": [tidied(asdict(item)) for item in self.units],  # strings and numbers all the way down
            "rectify_by": self.rectify_by.isoformat() if self.rectify_by else None,
            "excluded": [asdict(unit) for unit in self.excluded],
            "commended": [{"unit": unit.unit, "unit_name": unit.unit_name} for unit in self.commended],
            "overview": asdict(self.overview) if self.overview else None,
            "circulation": _circulation_json(self.circulation) if self.circulation else None,
            "language": self.language,
        }
        if self.dated is not None:
            data["dated"] = self.dated.isoformat()
        if self.cited:
            data["cited"] = {str(number): document for number, document in self.cited.items()}
        if self.matters:
            data["matters"] = {str(matter): title for matter, title in self.matters.items()}
        if issued_at is not None:
            data["issued_at"] = issued_at
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Notice:
        """The notice again from its recorded `as_json` (to write its document once more)."""
        rectify_by = data.get("rectify_by")
        overview = data.get("overview")
        circulation = data.get("circulation")
        return cls(
            number=int(data["number"]),
            document_number=str(data["document_number"]),
            plan_year=int(data["plan_year"]),
            as_of=date.fromisoformat(data["as_of"]),
            evaluation_month=str(data["evaluation_month"]),
            units=[_item_from_json(item) for item in data["units"]],
            rectify_by=date.fromisoformat(rectify_by) if rectify_by else None,
            excluded=[LeftOut(u["unit"], u["unit_name"], u.get("reason", "")) for u in data.get("excluded", [])],
            commended=[LeftOut(u["unit"], u["unit_name"]) for u in data.get("commended", [])],
            overview=Overview(**overview) if overview else None,
            circulation=_circulation_from_json(circulation) if circulation else None,
            language=str(data.get("language", "zh")),
            dated=date.fromisoformat(data["dated"]) if data.get("dated") else None,
            cited={int(number): str(document) for number, document in data.get("cited", {}).items()},
            matters={int(matter): str(title) for matter, title in data.get("matters", {}).items()},
        )


def _circulation_json(circulation: Circulation) -> dict[str, Any]:
    contact = circulation.contact
    return {
        "office": circulation.office,
        "plan_title": circulation.plan_title,
        "addressees": circulation.addressees,
        "cc": list(circulation.cc),
        "contact": {"name": contact.name, "phone": contact.phone} if contact else None,
        **({"office_en": circulation.office_en} if circulation.office_en else {}),
    }


def _circulation_from_json(data: Mapping[str, Any]) -> Circulation:
    contact = data.get("contact")
    return Circulation(
        office=data["office"],
        plan_title=data["plan_title"],
        addressees=data["addressees"],
        cc=tuple(data.get("cc", [])),
        contact=Contact(contact["name"], contact["phone"]) if contact else None,
        office_en=data.get("office_en"),
    )


def _row_from_json(row: Mapping[str, Any]) -> StatusRow:
    numbers = ("baseline", "amount", "actual", "expected", "gap", "progress", "expected_share")
    return StatusRow(**{**row, **{key: float(row[key]) for key in numbers}})


def _item_from_json(item: Mapping[str, Any]) -> NoticeItem:
    return NoticeItem(
        unit=item["unit"],
        unit_name=item["unit_name"],
        count_this_year=int(item["count_this_year"]),
        wording=item["wording"],
        missing_reports=list(item.get("missing_reports", [])),
        behind=[_row_from_json(row) for row in item.get("behind", [])],
        still_not_filed=list(item.get("still_not_filed", [])),
        rectification_overdue=[int(n) for n in item.get("rectification_overdue", [])],
        added_reason=item.get("added_reason", ""),
        refile_overdue=[int(n) for n in item.get("refile_overdue", [])],
        matters_overdue=[int(n) for n in item.get("matters_overdue", [])],
    )


@dataclass(frozen=True)
class Candidate:
    """A unit the rules of SPEC §10 find, with what names it and what is only listed."""

    overdue: OverdueUnit
    new_missing: list[str]
    still_not_filed: list[str]

    @property
    def has_reason(self) -> bool:
        overdue = self.overdue
        return bool(
            overdue.behind
            or self.new_missing
            or overdue.rectification_overdue
            or overdue.refile_overdue
            or overdue.matters_overdue
        )


def candidates(
    evaluation: Evaluation, outstanding: Outstanding, already_named: Mapping[str, set[str]]
) -> list[Candidate]:
    """Every overdue unit (SPEC §5 with what is `outstanding`: overdue items, refiles and matters), its missing
    months split into those no earlier notice named (a reason) and those named before (listed only); in the
    order of the overdue list."""
    found = []
    for unit in overdue_units(evaluation, outstanding):
        named_before = already_named.get(unit.unit, set())
        found.append(
            Candidate(
                overdue=unit,
                new_missing=[m for m in unit.missing_reports if m not in named_before],
                still_not_filed=[m for m in unit.missing_reports if m in named_before],
            )
        )
    return found


def draft(
    plan: Plan,
    as_of: date,
    evaluation: Evaluation,
    number: int,
    prior_counts: Mapping[str, int],
    *,
    outstanding: Outstanding | None = None,
    already_named: Mapping[str, set[str]] | None = None,
    editorial: Editorial | None = None,
    dated: date | None = None,
    issued_numbers: Mapping[int, str] | None = None,
    matter_titles: Mapping[int, str] | None = None,
) -> Notice:
    """A notice naming the units SPEC §10 names, each counted and worded by the ladder.

    A unit is named for a behind assignment, a missing month no earlier notice named, an overdue
    rectification item, a refile overdue or an overdue assigned matter; a month named before is listed
    under "still not filed" and is no reason by itself. The office's `editorial` leaves units out and
    names others, each with its reason. The caller checks the editorial against `candidates` first (a
    unit left out must be named, one added must not be).
    """
    assert evaluation.evaluation_month is not None
    chosen = editorial or Editorial()
    found = candidates(evaluation, outstanding or Outstanding(), already_named or {})
    by_unit = {c.overdue.unit: c for c in found}
    named_codes = {c.overdue.unit for c in found if c.has_reason and c.overdue.unit not in chosen.excluded}
    named_codes |= set(chosen.added)
    names = {u.code: u.name for u in plan.units}
    position = {u.code: index for index, u in enumerate(plan.units)}

    def item(code: str) -> NoticeItem:
        count = prior_counts.get(code, 0) + 1
        candidate = by_unit.get(code)
        return NoticeItem(
            unit=code,
            unit_name=names[code],
            count_this_year=count,
            wording=plan.notices.wording(count),
            missing_reports=candidate.new_missing if candidate else [],
            behind=candidate.overdue.behind if candidate else [],
            still_not_filed=candidate.still_not_filed if candidate else [],
            rectification_overdue=candidate.overdue.rectification_overdue if candidate else [],
            added_reason=chosen.added.get(code, ""),
            refile_overdue=candidate.overdue.refile_overdue if candidate else [],
            matters_overdue=candidate.overdue.matters_overdue if candidate else [],
        )

    def reasons(code: str) -> int:
        candidate = by_unit.get(code)
        return candidate.overdue.count if candidate else 0

    # most reasons first (behind targets, every missing month, overdue items, refiles and matters), then plan order
    ordered = sorted(named_codes, key=lambda code: (-reasons(code), position[code]))
    units = [item(code) for code in ordered]
    cited = {n for unit in units for n in unit.rectification_overdue}
    return Notice(
        number=number,
        document_number=plan.notices.document_number(plan.year, number),
        plan_year=plan.year,
        as_of=as_of,
        evaluation_month=evaluation.evaluation_month,
        units=units,
        rectify_by=rectification_due(plan, dated or as_of),
        excluded=[LeftOut(code, names[code], reason) for code, reason in chosen.excluded.items()],
        commended=[LeftOut(code, names[code]) for code in chosen.commended],
        overview=Overview.of(evaluation),
        circulation=Circulation.of(plan),
        dated=dated if dated is not None and dated != as_of else None,
        cited={n: number for n, number in (issued_numbers or {}).items() if n in cited},
        matters={m: title for m, title in (matter_titles or {}).items() if any(m in u.matters_overdue for u in units)},
    )


def chinese_numeral(number: int) -> str:
    """一, 二, … 十, 十一, … 九十九, 一百, 一百零一, … 一千零二十, for section headings (any count of units)."""
    digits = "零一二三四五六七八九"
    if number < 10:
        return digits[number]
    if number < 20:
        return "十" + (digits[number - 10] if number > 10 else "")
    if number >= 10_000:
        return str(number)
    words = ""
    zero = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, number = divmod(number, value)
        if digit:
            words += ("零" if zero and words else "") + digits[digit] + unit
            zero = False
        else:
            zero = bool(words)
    return words


# A figure the way a report writes it (1,140, 6.75), and a share as a percentage with one decimal (33.3)
_number = figures.number
_share = figures.share


def _chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _chinese_month(period: str) -> str:
    year, month = period.split("-")
    return f"{int(year)}年{int(month)}月"


# The measures that count whole things (量词): a gap of 0.5家 means nothing, so their gaps are shown in whole
# units or as a share of the year's amount (SPEC §12). 个村 counts villages, so the first character decides.
COUNTING_WORDS = frozenset("个家座处所台辆户条项宗套棵株只头名人次批块口眼间栋幢艘部件份篇场期")


def is_count(measure: str | None) -> bool:
    return bool(measure) and measure is not None and measure[0] in COUNTING_WORDS


def _whole(value: float) -> bool:
    return abs(value - round(value)) < 1e-9


class GapKind(StrEnum):
    amount = "amount"  # in the target's measure: 相差15.5吨, 相差1场
    share = "share"  # a count whose expected level is not whole: 低于序时进度16.7个百分点
    points = "points"  # a rate: 相差3个百分点


def gap_kind(row: StatusRow) -> GapKind:
    if row.measure == "%":
        return GapKind.points
    if is_count(row.measure) and not _whole(row.expected):
        return GapKind.share
    return GapKind.amount


def _behind_schedule(row: StatusRow) -> float:
    """How far the share done is below the share of the year that has passed, as a fraction."""
    return row.expected_share - row.progress


@dataclass(frozen=True)
class _Style:
    """How a notice's language numbers, dates and joins what it says (its words are in the catalogs)."""

    part: Callable[[int], str]  # 一、 | 1.
    section: Callable[[int], str]  # （一） | (1)
    day: Callable[[date], str]  # 2012年7月6日 | 2012-07-06
    month: Callable[[str], str]  # 2012年6月 | 2012-06
    enumeration: str  # 白沙镇、柳河镇
    clauses: str  # 已完成11项，进度滞后8项
    series: str  # 甲镇（理由）；乙镇（理由）
    sentences: str  # between two sentences of one paragraph
    before_measure: str  # 4座 | 4 seats


_STYLES: dict[Language, _Style] = {
    "zh": _Style(
        part=lambda number: f"{chinese_numeral(number)}、",
        section=lambda number: f"（{chinese_numeral(number)}）",
        day=_chinese_date,
        month=_chinese_month,
        enumeration="、",
        clauses="，",
        series="；",
        sentences="",
        before_measure="",
    ),
    "en": _Style(
        part=lambda number: f"{number}. ",
        section=lambda number: f"({number}) ",
        day=date.isoformat,
        month=str,
        enumeration=", ",
        clauses=", ",
        series="; ",
        sentences=" ",
        before_measure=" ",
    ),
}


@dataclass(frozen=True)
class _Reader:
    """Who a notice is written for: the style of its language and the names it reads. A Chinese notice keeps
    the names of its record; an English one takes the plan's English names where the plan gives them."""

    plan: Plan | None
    language: Language

    @property
    def style(self) -> _Style:
        return _STYLES[self.language]

    @property
    def _english(self) -> Plan | None:
        return self.plan if self.language == "en" else None

    def unit(self, code: str, recorded: str) -> str:
        unit = self._english.unit(code) if self._english else None
        return unit.display_name("en") if unit else recorded

    def wording(self, recorded: str) -> str:
        """The ladder's word for a unit's count: in English, the plan's own English for it (`notices.ladder_en`),
        else the default ladder's words in English; any other word a plan writes is shown as written."""
        if self.language != "en":
            return recorded
        own = self.plan.notices.english_wording(recorded) if self.plan else None
        if own:  # the plan's own English for its ladder (`notices.ladder_en`)
            return own
        english = {
            "通报": N_("named"),
            "通报批评": N_("criticised"),
            "提请约谈主要负责人": N_("its head to be summoned for a talk"),
        }
        return t(english[recorded]) if recorded in english else recorded

    def target(self, row: StatusRow) -> str:
        """The target's code and title: 3.1 建成村级生活污水处理设施."""
        target = self._english.target(row.target) if self._english else None
        return f"{row.target} {target.display_title('en') if target else row.target_title}"

    def amount(self, value: float, row: StatusRow) -> str:
        """`value` in the target's measure: 15.5吨, 40%, 4 seats."""
        target = self._english.target(row.target) if self._english else None
        measure = measure_of(target.display_measure("en"), value) if target else row.measure
        if not measure:
            return _number(value)
        return _number(value) + (measure if measure == "%" else self.style.before_measure + measure)

    def due(self, row: StatusRow) -> str:
        """A milestone's due date (every milestone has one)."""
        return self.style.day(date.fromisoformat(row.due or ""))


def _difference(reader: _Reader, row: StatusRow) -> str:
    """How far behind a lagging assignment is: the amount, a rate's points, or a count's share of the year."""
    kind = gap_kind(row)
    if kind is GapKind.share:
        return t("{points} percentage points behind schedule", points=_share(_behind_schedule(row)))
    if kind is GapKind.points:
        return t("{points} percentage points", points=_number(row.gap))
    return reader.amount(row.gap, row)


def _gap(reader: _Reader, row: StatusRow) -> str:
    """The gap as a lagging line says it: 相差15.5吨, 相差3个百分点, 低于序时进度16.7个百分点."""
    difference = _difference(reader, row)
    return difference if gap_kind(row) is GapKind.share else t("gap {amount}", amount=difference)


def gap(plan: Plan | None, row: StatusRow, language: Language) -> str:
    """The gap of a lagging assignment in the words of SPEC §12, in `language` (a Chinese one needs no plan)."""
    with in_language(language):
        return _gap(_Reader(plan, language), row)


# the meeting pack's names for the two languages of `gap`
def gap_zh(row: StatusRow) -> str:
    return gap(None, row, "zh")


def gap_en(plan: Plan, row: StatusRow) -> str:
    return gap(plan, row, "en")


def _lagging_line(reader: _Reader, row: StatusRow) -> str:
    """A lagging assignment under its unit: the year's amount, the actual, the expected level and the gap."""
    if row.type == "milestone":
        return t("{target}: due by {due}, not yet done.", target=reader.target(row), due=reader.due(row))
    values = {
        "target": reader.target(row),
        "amount": reader.amount(row.amount, row),
        "actual": reader.amount(row.actual, row),
        "period": reader.style.month(row.last_period) if row.last_period else t("the start of the year"),
        "gap": _gap(reader, row),
    }
    if gap_kind(row) is GapKind.share:
        return t(
            "{target}: yearly amount {amount}; actual {actual} as of {period}; "
            "{progress} of the year's amount done, {gap}.",
            progress=f"{_share(row.progress)}%",
            **values,
        )
    expected = reader.amount(row.expected, row)
    if row.amount < row.baseline:  # a reduction: Chinese says 应降至 (come down to), not 应达到 (reach)
        return tp(
            "reduction",
            "{target}: yearly amount {amount}; actual {actual} as of {period}; expected {expected}; {gap}.",
            expected=expected,
            **values,
        )
    return t(
        "{target}: yearly amount {amount}; actual {actual} as of {period}; expected {expected}; {gap}.",
        expected=expected,
        **values,
    )


# --- the document: one composition, written as Markdown or as a Word file -------------------------


class Level(IntEnum):
    """The levels of GB/T 9704's structure: body text, 一、, （一）, 1., and a line under a point."""

    text = 0
    part = 1
    section = 2
    point = 3
    line = 4


@dataclass(frozen=True)
class Paragraph:
    level: Level
    text: str


@dataclass(frozen=True)
class Composition:
    """Every element of the circulated notice (SPEC §12), in its language, from the notice's record."""

    mark: str  # 发文机关标志
    number: str  # 发文字号
    title: str
    addressees: str  # 主送机关, with its colon
    body: tuple[Paragraph, ...]
    attachment_note: str | None  # 附件说明
    attachment_label: str
    attachment_title: str
    attachment_header: tuple[str, ...]
    attachment_rows: tuple[tuple[str, ...], ...]  # one row per lagging assignment of the named units
    issuer: str
    date: str
    contact_note: str | None  # 附注
    cc: str | None  # 抄送
    printed_by: str
    printed_on: str


def compose(plan: Plan, notice: Notice, language: str | None = None) -> Composition:
    """The notice's document, element by element, in its own language unless another is asked for."""
    chosen: Language = "en" if (language or notice.language) == "en" else "zh"
    with in_language(chosen):
        return _compose(plan, notice, _Reader(plan, chosen))


def _compose(plan: Plan, notice: Notice, reader: _Reader) -> Composition:
    """The composition for `reader`, in the language whose messages `t` gives meanwhile."""
    style = reader.style
    circulation = _circulation(plan, notice)
    office = circulation.issuer(plan, reader.language)
    month = style.month(notice.evaluation_month)
    body: list[Paragraph] = [
        Paragraph(
            Level.text,
            # the English opening names no month: {month:.0} prints nothing, and keeps it for the Chinese
            t(
                'Following "{plan_title}" and its monthly reporting duty, the {office} reviewed every unit\'s progress '
                "and monthly reports{month:.0} as of {as_of}, as follows.",
                plan_title=circulation.plan_title,
                office=office,
                month=month,
                as_of=style.day(notice.as_of),
            ),
        )
    ]
    parts = 0

    def part(title: str) -> None:
        nonlocal parts
        parts += 1
        body.append(Paragraph(Level.part, style.part(parts) + title))

    if notice.overview is not None or notice.commended:
        part(tp("notice", "Overall"))
        if notice.overview is not None:
            body.append(Paragraph(Level.text, _overview(notice.overview, month, style)))
        if notice.commended:
            praised = style.enumeration.join(reader.unit(unit.unit, unit.unit_name) for unit in notice.commended)
            body.append(
                Paragraph(Level.text, t("Commended for fast progress and timely reports: {units}.", units=praised))
            )
    part(tp("notice", "Units named"))
    body.append(Paragraph(Level.text, t("Units behind or late: {count}.", count=len(notice.units))))
    for index, item in enumerate(notice.units, start=1):
        heading = tn(
            "{unit} (first notice this year: {wording})",
            "{unit} (named {count} times this year: {wording})",
            unit=reader.unit(item.unit, item.unit_name),
            count=item.count_this_year,
            wording=reader.wording(item.wording),
        )
        body.append(Paragraph(Level.section, style.section(index) + heading))
        points = _reasons(plan, notice, item, style)
        body += [Paragraph(Level.point, f"{number}. {text}") for number, text in enumerate(points, start=1)]
        body += [Paragraph(Level.line, _lagging_line(reader, row)) for row in item.behind]
    # the units the office left out, and why, are the office's own: kept in the record, told to the office by
    # `notice` and `notices show` (`render.left_out_note`), never in the circulated text
    deadline = notice.rectify_by or notice.as_of + timedelta(days=plan.notices.rectify_days)
    part(tp("notice", "Requirements"))
    body.append(
        Paragraph(
            Level.text,
            t(
                "The units named shall find the causes, take measures to catch up, file their monthly reports on "
                "time, and report their rectification in writing to the {office} by {deadline}. "
                "This notice counts in the year-end assessment.",
                office=office,
                deadline=style.day(deadline),
            ),
        )
    )
    rows = tuple(
        _attachment_row(reader, number, item, row) for number, (item, row) in enumerate(_lagging(notice), start=1)
    )
    attachment_title = t("Progress of the units named, {month}", month=month)
    # the plan's default addressees in the notice's language; addressees a plan writes are its own words
    addressees = t("the member units") if circulation.addressees == DEFAULT_ADDRESSEES else circulation.addressees
    contact = circulation.contact
    return Composition(
        mark=tp("notice mark", "{office}", office=office),
        number=notice.document_number,
        title=t(
            "Notice of the {office} on the progress of ecological construction, {month}",
            office=office,
            month=month,
        ),
        addressees=t("To: {addressees}", addressees=addressees),
        body=tuple(body),
        attachment_note=t("Attachment: {title}", title=attachment_title) if rows else None,
        attachment_label=tp("notice", "Attachment"),
        attachment_title=attachment_title,
        attachment_header=(
            tp("notice", "No."),
            tp("notice", "Unit"),
            tp("notice", "Target"),
            tp("notice", "Yearly amount"),
            tp("notice", "Actual"),
            tp("notice", "Expected share"),
            tp("notice", "Done"),
            tp("notice", "Behind schedule (points)"),
        ),
        attachment_rows=rows,
        issuer=office,
        date=style.day(notice.written_on),
        contact_note=t("(Contact: {name}, phone {phone})", name=contact.name, phone=contact.phone) if contact else None,
        cc=t("Copied to: {offices}.", offices=style.clauses.join(circulation.cc)) if circulation.cc else None,
        printed_by=office,
        printed_on=t("printed {date}", date=style.day(notice.written_on)),
    )


def _circulation(plan: Plan, notice: Notice) -> Circulation:
    """Who issues and receives the notice, as recorded with it (the plan's, for a record made before)."""
    return notice.circulation or Circulation.of(plan)


def _overview(overview: Overview, month: str, style: _Style) -> str:
    """The overall picture: the assignments by status, then the units by their report of the month."""
    statuses = [
        (overview.done, N_("{count} done")),
        (overview.on_track, N_("{count} on track")),
        (overview.at_risk, N_("{count} at risk")),
        (overview.behind, N_("{count} behind")),
    ]
    reports = [
        (overview.on_time, N_("{count} on time")),
        (overview.late, N_("{count} late")),
        (overview.missing, N_("{count} not at all")),
    ]
    progress = style.clauses.join(t(words, count=count) for count, words in statuses if count)
    filed = style.clauses.join(t(words, count=count) for count, words in reports if count)
    sentences = [
        t(
            "Of {assignments} of {units}: {progress}.",
            assignments=tn("the {count} assignment", "the {count} assignments", count=overview.assignments),
            units=tn("the {count} unit", "the {count} units", count=overview.units),
            progress=progress,
        )
    ]
    if filed:
        sentences.append(t("Reports for {month}, by unit: {filed}.", month=month, filed=filed))
    return style.sentences.join(sentences)


def _reasons(plan: Plan, notice: Notice, item: NoticeItem, style: _Style) -> list[str]:
    """The numbered points under a unit named: why it is named, and what it has still not done."""
    points: list[str] = []
    if item.added_reason:
        points.append(t("Named by the office: {reason}.", reason=item.added_reason))
    if item.missing_reports:
        months = style.enumeration.join(style.month(month) for month in item.missing_reports)
        points.append(t("Monthly reports not filed: {months}.", months=months))
    if item.still_not_filed:
        months = style.enumeration.join(style.month(month) for month in item.still_not_filed)
        points.append(t("Named before and still not filed: {months}.", months=months))
    if item.rectification_overdue:
        numbers = style.enumeration.join(_number_of(plan, notice, n) for n in item.rectification_overdue)
        points.append(t("Rectification overdue for notice {numbers}.", numbers=numbers))
    if item.refile_overdue:
        entries = style.enumeration.join(f"#{n}" for n in item.refile_overdue)
        points.append(t("Returned entries not filed again by their deadline: {entries}.", entries=entries))
    if item.matters_overdue:
        titles = style.enumeration.join(
            t("“{title}”", title=notice.matters.get(m, f"#{m}")) for m in item.matters_overdue
        )
        points.append(t("Assigned matters not done by their due date: {titles}.", titles=titles))
    if item.behind:
        points.append(t("Targets behind schedule:"))
    return points


def _lagging(notice: Notice) -> list[tuple[NoticeItem, StatusRow]]:
    return [(item, row) for item in notice.units for row in item.behind]


def _attachment_row(reader: _Reader, number: int, item: NoticeItem, row: StatusRow) -> tuple[str, ...]:
    """One lagging assignment in the attachment's table, in the order of its header. Each column says one kind
    of thing for every row: the year's amount and the actual in the target's measure (counts as counts), the
    share of the year due and the share done as percentages, how far the one is below the other in percentage
    points. (A count's expected level is no whole number of things; the body's lines say each gap in words.)"""
    name, target = reader.unit(item.unit, item.unit_name), reader.target(row)
    behind = _share(max(_behind_schedule(row), 0.0))
    shares = (f"{_share(row.expected_share)}%", f"{_share(row.progress)}%", behind)
    if row.type == "milestone":
        return (str(number), name, target, t("by {due}", due=reader.due(row)), tp("notice", "not done"), *shares)
    return (str(number), name, target, reader.amount(row.amount, row), reader.amount(row.actual, row), *shares)


def document(plan: Plan, notice: Notice, language: str | None = None) -> str:
    """The notice as circulated, in Markdown (for the terminal and for scripts)."""
    return markdown(compose(plan, notice, language))


def markdown(composition: Composition) -> str:
    """A composition as Markdown: the title, the number, the body's levels as headings and lists, the
    attachment as a table, the back matter."""
    lines = [f"# {composition.title}", "", composition.number, "", composition.addressees]
    prefix = {Level.part: "## ", Level.section: "### ", Level.point: "", Level.line: "   - ", Level.text: ""}
    previous: Level | None = None
    for paragraph in composition.body:
        tight = previous in (Level.point, Level.line) and paragraph.level in (Level.point, Level.line)
        if not tight:
            lines.append("")
        lines.append(prefix[paragraph.level] + paragraph.text)
        if paragraph.level in (Level.part, Level.section):
            lines.append("")
            previous = None
            continue
        previous = paragraph.level
    lines = [line for index, line in enumerate(lines) if line or index == 0 or lines[index - 1]]  # no double blanks
    if composition.attachment_note:
        lines += ["", composition.attachment_note]
    lines += ["", composition.issuer, "", composition.date]
    if composition.contact_note:
        lines += ["", composition.contact_note]
    if composition.attachment_rows:
        lines += ["", "---", "", composition.attachment_label, "", f"## {composition.attachment_title}", ""]
        lines.append("| " + " | ".join(composition.attachment_header) + " |")
        lines.append("|" + "---|" * len(composition.attachment_header))
        lines += [
            "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in composition.attachment_rows
        ]
    lines += ["", "---", ""]
    if composition.cc:
        lines += [composition.cc, ""]
    lines += [f"{composition.printed_by}　　{composition.printed_on}", ""]
    return "\n".join(lines)


def _number_of(plan: Plan, notice: Notice, number: int) -> str:
    """An earlier notice of the year by the document number it was issued with (SPEC §16); a record made before
    it kept them had only the plan's format to go by."""
    return notice.cited.get(number) or plan.notices.document_number(notice.plan_year, number)


def file_name(notice: Notice, suffix: str = "md") -> str:
    """The document's file name: its plan year, number and evaluation month."""
    return f"通报-{notice.plan_year}-{notice.number:03d}-{notice.evaluation_month}.{suffix}"
