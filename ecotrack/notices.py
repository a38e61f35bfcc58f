"""Notices (通报): drafting from the overdue units, escalation by the ladder, and the document.

The document is written the way a Chinese government office circulates a notice: title, document
number, addressees, the grounds, one section per unit with its missing reports and lagging targets
(with the gap in the target's own measure), the wording for the unit's count this year, a closing
requirement, the issuing office and the date. Pure functions: the caller supplies the number, the
prior counts and the as-of date.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from enum import IntEnum, StrEnum
from typing import Any

from ecotrack.cells import tidied
from ecotrack.plan import DEFAULT_ADDRESSEES, Contact, Plan
from ecotrack.rules import Evaluation, OverdueUnit, StatusRow, overdue_units, rectification_due


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

    @classmethod
    def of(cls, plan: Plan) -> Circulation:
        settings = plan.notices
        return cls(plan.office, plan.title, settings.addressees, settings.cc, settings.contact)


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
        )


def _circulation_json(circulation: Circulation) -> dict[str, Any]:
    contact = circulation.contact
    return {
        "office": circulation.office,
        "plan_title": circulation.plan_title,
        "addressees": circulation.addressees,
        "cc": list(circulation.cc),
        "contact": {"name": contact.name, "phone": contact.phone} if contact else None,
    }


def _circulation_from_json(data: Mapping[str, Any]) -> Circulation:
    contact = data.get("contact")
    return Circulation(
        office=data["office"],
        plan_title=data["plan_title"],
        addressees=data["addressees"],
        cc=tuple(data.get("cc", [])),
        contact=Contact(contact["name"], contact["phone"]) if contact else None,
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
    )


@dataclass(frozen=True)
class Candidate:
    """A unit the rules of SPEC §10 find, with what names it and what is only listed."""

    overdue: OverdueUnit
    new_missing: list[str]
    still_not_filed: list[str]

    @property
    def has_reason(self) -> bool:
        return bool(self.overdue.behind or self.new_missing or self.overdue.rectification_overdue)


def candidates(
    evaluation: Evaluation,
    overdue_items: Mapping[str, Sequence[int]],
    already_named: Mapping[str, set[str]],
) -> list[Candidate]:
    """Every overdue unit (SPEC §5 with §10's overdue items), its missing months split into those no earlier
    notice named (a reason) and those named before (listed only); in the order of the overdue list."""
    found = []
    for unit in overdue_units(evaluation, overdue_items):
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
    overdue_items: Mapping[str, Sequence[int]] | None = None,
    already_named: Mapping[str, set[str]] | None = None,
    editorial: Editorial | None = None,
) -> Notice:
    """A notice naming the units SPEC §10 names, each counted and worded by the ladder.

    A unit is named for a behind assignment, a missing month no earlier notice named, or an overdue
    rectification item; a month named before is listed under "still not filed" and is no reason by
    itself. The office's `editorial` leaves units out and names others, each with its reason. The
    caller checks the editorial against `candidates` first (a unit left out must be named, one added
    must not be).
    """
    assert evaluation.evaluation_month is not None
    chosen = editorial or Editorial()
    found = candidates(evaluation, overdue_items or {}, already_named or {})
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
        )

    def reasons(code: str) -> int:
        candidate = by_unit.get(code)
        return candidate.overdue.count if candidate else 0

    # most reasons first (behind targets, every missing month, overdue items), then plan order
    ordered = sorted(named_codes, key=lambda code: (-reasons(code), position[code]))
    return Notice(
        number=number,
        document_number=plan.notices.document_number(plan.year, number),
        plan_year=plan.year,
        as_of=as_of,
        evaluation_month=evaluation.evaluation_month,
        units=[item(code) for code in ordered],
        rectify_by=rectification_due(plan, as_of),
        excluded=[LeftOut(code, names[code], reason) for code, reason in chosen.excluded.items()],
        commended=[LeftOut(code, names[code]) for code in chosen.commended],
        overview=Overview.of(evaluation),
        circulation=Circulation.of(plan),
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


def _amount(value: float, measure: str | None) -> str:
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{text}{measure}" if measure and measure != "%" else f"{text}%" if measure == "%" else text


def _share(value: float) -> str:
    """A share as a percentage with one decimal, the way a report writes it (33.3)."""
    return f"{value * 100:.1f}".rstrip("0").rstrip(".")


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


def gap_zh(row: StatusRow) -> str:
    """The gap of a lagging assignment in the words of SPEC §12."""
    kind = gap_kind(row)
    if kind is GapKind.share:
        return f"低于序时进度{_share(_behind_schedule(row))}个百分点"
    if kind is GapKind.points:
        return f"相差{_amount(row.gap, None)}个百分点"
    return f"相差{_amount(row.gap, row.measure)}"


def lagging_line_zh(row: StatusRow) -> str:
    if row.type == "milestone":
        due = _chinese_date(date.fromisoformat(row.due or ""))
        return f"{row.target} {row.target_title}：应于{due}前完成，目前尚未完成。"
    reduction = row.amount < row.baseline
    expected_word = "应降至" if reduction else "应达到"
    head = (
        f"{row.target} {row.target_title}：全年目标{_amount(row.amount, row.measure)}，"
        f"截至{_chinese_month(row.last_period) if row.last_period else '目前'}实际"
        f"{_amount(row.actual, row.measure)}，"
    )
    if gap_kind(row) is GapKind.share:
        return head + f"完成年度任务的{_share(row.progress)}%，{gap_zh(row)}。"
    return head + f"按进度{expected_word}{_amount(row.expected, row.measure)}，{gap_zh(row)}。"


def gap_en(plan: Plan, row: StatusRow) -> str:
    kind = gap_kind(row)
    if kind is GapKind.share:
        return f"{_share(_behind_schedule(row))} percentage points behind schedule"
    if kind is GapKind.points:
        return f"gap {_amount(row.gap, None)} percentage points"
    return f"gap {_amount(row.gap, None)}{_measure_en(plan, row)}"


def _measure_en(plan: Plan, row: StatusRow) -> str:
    target = plan.target(row.target)
    shown = target.display_measure("en") if target else row.measure
    return "%" if shown == "%" else f" {shown}" if shown else ""


def lagging_line_en(plan: Plan, row: StatusRow) -> str:
    target = plan.target(row.target)
    title = target.display_title("en") if target else row.target_title
    if row.type == "milestone":
        return f"{row.target} {title}: due by {row.due}, not yet done."
    measure = _measure_en(plan, row)
    head = (
        f"{row.target} {title}: yearly amount {_amount(row.amount, None)}{measure}; "
        f"actual {_amount(row.actual, None)}{measure} as of {row.last_period or 'the start of the year'}; "
    )
    if gap_kind(row) is GapKind.share:
        return head + f"{_share(row.progress)}% of the year's amount done, {gap_en(plan, row)}."
    return head + f"expected {_amount(row.expected, None)}{measure}; {gap_en(plan, row)}."


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
    return _compose_en(plan, notice) if (language or notice.language) == "en" else _compose_zh(plan, notice)


def _circulation(plan: Plan, notice: Notice) -> Circulation:
    """Who issues and receives the notice, as recorded with it (the plan's, for a record made before)."""
    return notice.circulation or Circulation.of(plan)


def _overview_zh(overview: Overview, month: str) -> str:
    statuses = [
        (overview.done, "已完成"),
        (overview.on_track, "按序时进度推进"),
        (overview.at_risk, "存在滞后风险"),
        (overview.behind, "进度滞后"),
    ]
    progress = "，".join(f"{words}{count}项" for count, words in statuses if count)
    reports = [(overview.on_time, "按时报送"), (overview.late, "逾期报送"), (overview.missing, "未报送")]
    filed = "，".join(f"{count}个单位{words}" for count, words in reports if count)
    return f"全区{overview.units}个单位承担的{overview.assignments}项任务目标中，{progress}。" + (
        f"{month}进展情况，{filed}。" if filed else ""
    )


def _compose_zh(plan: Plan, notice: Notice) -> Composition:
    circulation = _circulation(plan, notice)
    month = _chinese_month(notice.evaluation_month)
    body: list[Paragraph] = [
        Paragraph(
            Level.text,
            f"根据《{circulation.plan_title}》和每月报送进展情况的要求，{circulation.office}对截至"
            f"{_chinese_date(notice.as_of)}各单位任务目标完成情况和{month}进展报送情况进行了督导检查。"
            "现将有关情况通报如下：",
        )
    ]
    parts = 0

    def part(title: str) -> None:
        nonlocal parts
        parts += 1
        body.append(Paragraph(Level.part, f"{chinese_numeral(parts)}、{title}"))

    if notice.overview is not None or notice.commended:
        part("总体情况")
        if notice.overview is not None:
            body.append(Paragraph(Level.text, _overview_zh(notice.overview, month)))
        if notice.commended:
            praised = "、".join(unit.unit_name for unit in notice.commended)
            body.append(Paragraph(Level.text, f"{praised}工作进展较快、报送及时，予以表扬。"))
    part("通报单位及存在问题")
    body.append(Paragraph(Level.text, f"现将工作进展缓慢、报送不及时的{len(notice.units)}个单位通报如下："))
    for index, item in enumerate(notice.units, start=1):
        body.append(
            Paragraph(
                Level.section,
                f"（{chinese_numeral(index)}）{item.unit_name}（本年度第{item.count_this_year}次，{item.wording}）",
            )
        )
        points: list[str] = []
        if item.added_reason:
            points.append(f"经研究予以通报：{item.added_reason}。")
        if item.missing_reports:
            points.append(
                f"未按要求报送月度工作进展情况：{'、'.join(_chinese_month(m) for m in item.missing_reports)}。"
            )
        if item.still_not_filed:
            points.append(f"此前已通报、至今仍未报送：{'、'.join(_chinese_month(m) for m in item.still_not_filed)}。")
        if item.rectification_overdue:
            numbers = "、".join(_number_of(plan, notice, n) for n in item.rectification_overdue)
            points.append(f"逾期未报送{numbers}通报要求的整改情况。")
        if item.behind:
            points.append("工作进展滞后的任务目标：")
        body += [Paragraph(Level.point, f"{number}. {text}") for number, text in enumerate(points, start=1)]
        body += [Paragraph(Level.line, lagging_line_zh(row)) for row in item.behind]
    if notice.excluded:
        left_out = "；".join(f"{unit.unit_name}（{unit.reason}）" for unit in notice.excluded)
        body.append(Paragraph(Level.text, f"经研究，以下单位本次不予通报：{left_out}。"))
    deadline = notice.rectify_by or notice.as_of + timedelta(days=plan.notices.rectify_days)
    part("有关要求")
    body.append(
        Paragraph(
            Level.text,
            "请被通报单位高度重视，认真查找原因，制定切实可行的整改措施，加快工作进度，及时、准确报送月度进展情况，"
            f"并于{_chinese_date(deadline)}前将整改情况书面报送{circulation.office}。"
            "对多次被通报的单位，将按照有关规定约谈主要负责人，通报情况纳入年度考核。",
        )
    )
    rows = tuple(_attachment_row_zh(plan, number, row) for number, row in enumerate(_lagging(notice), start=1))
    attachment_title = f"{month}被通报单位任务进展情况表"
    contact = circulation.contact
    return Composition(
        mark=f"{circulation.office}文件",
        number=notice.document_number,
        title=f"{circulation.office}关于{month}生态建设工作进展情况的通报",
        addressees=f"{circulation.addressees}：",
        body=tuple(body),
        attachment_note=f"附件：{attachment_title}" if rows else None,
        attachment_label="附件",
        attachment_title=attachment_title,
        attachment_header=("序号", "单位", "任务目标", "全年目标", "实际完成", "序时进度要求", "完成比例", "差距"),
        attachment_rows=rows,
        issuer=circulation.office,
        date=_chinese_date(notice.as_of),
        contact_note=f"（联系人：{contact.name}，联系电话：{contact.phone}）" if contact else None,
        cc=f"抄送：{'，'.join(circulation.cc)}。" if circulation.cc else None,
        printed_by=circulation.office,
        printed_on=f"{_chinese_date(notice.as_of)}印发",
    )


def _lagging(notice: Notice) -> list[tuple[NoticeItem, StatusRow]]:
    return [(item, row) for item in notice.units for row in item.behind]


def _attachment_row_zh(plan: Plan, number: int, lagging: tuple[NoticeItem, StatusRow]) -> tuple[str, ...]:
    item, row = lagging
    target = f"{row.target} {row.target_title}"
    if row.type == "milestone":
        due = _chinese_date(date.fromisoformat(row.due or ""))
        return (str(number), item.unit_name, target, f"{due}前完成", "未完成", f"{due}前完成", "—", "逾期未完成")
    gap = gap_zh(row).removeprefix("相差")
    return (
        str(number),
        item.unit_name,
        target,
        _amount(row.amount, row.measure),
        _amount(row.actual, row.measure),
        _amount(row.expected, row.measure) if gap_kind(row) is not GapKind.share else f"{_share(row.expected_share)}%",
        f"{_share(row.progress)}%",
        gap,
    )


def _overview_en(overview: Overview, month: str) -> str:
    statuses = [
        (overview.done, "done"),
        (overview.on_track, "on track"),
        (overview.at_risk, "at risk"),
        (overview.behind, "behind"),
    ]
    progress = ", ".join(f"{count} {words}" for count, words in statuses if count)
    reports = [(overview.on_time, "on time"), (overview.late, "late"), (overview.missing, "not at all")]
    filed = ", ".join(f"{count} {words}" for count, words in reports if count)
    return f"Of the {overview.assignments} assignments of the {overview.units} units: {progress}." + (
        f" Reports for {month}, by unit: {filed}." if filed else ""
    )


def _compose_en(plan: Plan, notice: Notice) -> Composition:
    circulation = _circulation(plan, notice)
    month = notice.evaluation_month
    body: list[Paragraph] = [
        Paragraph(
            Level.text,
            f'Following "{circulation.plan_title}" and its monthly reporting duty, {circulation.office} reviewed '
            f"every unit's progress and monthly reports as of {notice.as_of.isoformat()}, as follows.",
        )
    ]
    parts = 0

    def part(title: str) -> None:
        nonlocal parts
        parts += 1
        body.append(Paragraph(Level.part, f"{parts}. {title}"))

    if notice.overview is not None or notice.commended:
        part("Overall")
        if notice.overview is not None:
            body.append(Paragraph(Level.text, _overview_en(notice.overview, month)))
        if notice.commended:
            praised = ", ".join(_en(plan, u) for u in notice.commended)
            body.append(Paragraph(Level.text, f"Commended for fast progress and timely reports: {praised}."))
    part("Units named")
    body.append(Paragraph(Level.text, f"Units behind or late: {len(notice.units)}."))
    for index, item in enumerate(notice.units, start=1):
        unit = plan.unit(item.unit)
        name = unit.display_name("en") if unit else item.unit_name
        body.append(
            Paragraph(Level.section, f"({index}) {name} (notice {item.count_this_year} this year: {item.wording})")
        )
        points: list[str] = []
        if item.added_reason:
            points.append(f"Named by the office: {item.added_reason}.")
        if item.missing_reports:
            points.append(f"Monthly reports not filed: {', '.join(item.missing_reports)}.")
        if item.still_not_filed:
            points.append(f"Named before and still not filed: {', '.join(item.still_not_filed)}.")
        if item.rectification_overdue:
            numbers = ", ".join(_number_of(plan, notice, n) for n in item.rectification_overdue)
            points.append(f"Rectification overdue for notice {numbers}.")
        if item.behind:
            points.append("Targets behind schedule:")
        body += [Paragraph(Level.point, f"{number}. {text}") for number, text in enumerate(points, start=1)]
        body += [Paragraph(Level.line, lagging_line_en(plan, row)) for row in item.behind]
    if notice.excluded:
        left_out = "; ".join(f"{_en(plan, unit)} ({unit.reason})" for unit in notice.excluded)
        body.append(Paragraph(Level.text, f"Left out of this notice by the office: {left_out}."))
    deadline = notice.rectify_by or notice.as_of + timedelta(days=plan.notices.rectify_days)
    part("Requirements")
    body.append(
        Paragraph(
            Level.text,
            "The units named shall find the causes, take measures to catch up, file their monthly reports on time, "
            f"and report their rectification in writing to {circulation.office} by {deadline.isoformat()}. "
            "This notice counts in the year-end assessment.",
        )
    )
    rows = tuple(_attachment_row_en(plan, number, row) for number, row in enumerate(_lagging(notice), start=1))
    attachment_title = f"Progress of the units named, {month}"
    contact = circulation.contact
    return Composition(
        mark=circulation.office,
        number=notice.document_number,
        title=f"Notice of {circulation.office} on the progress of ecological construction, {month}",
        addressees=f"To: {_addressees_en(circulation.addressees)}",
        body=tuple(body),
        attachment_note=f"Attachment: {attachment_title}" if rows else None,
        attachment_label="Attachment",
        attachment_title=attachment_title,
        attachment_header=("No.", "Unit", "Target", "Yearly amount", "Actual", "Expected", "Done", "Gap"),
        attachment_rows=rows,
        issuer=circulation.office,
        date=notice.as_of.isoformat(),
        contact_note=f"(Contact: {contact.name}, phone {contact.phone})" if contact else None,
        cc=f"Copied to: {', '.join(circulation.cc)}." if circulation.cc else None,
        printed_by=circulation.office,
        printed_on=f"printed {notice.as_of.isoformat()}",
    )


def _addressees_en(addressees: str) -> str:
    return "the member units" if addressees == DEFAULT_ADDRESSEES else addressees


def _attachment_row_en(plan: Plan, number: int, lagging: tuple[NoticeItem, StatusRow]) -> tuple[str, ...]:
    item, row = lagging
    unit = plan.unit(item.unit)
    target = plan.target(row.target)
    name = unit.display_name("en") if unit else item.unit_name
    title = f"{row.target} {target.display_title('en') if target else row.target_title}"
    if row.type == "milestone":
        return (str(number), name, title, f"by {row.due}", "not done", f"by {row.due}", "—", "overdue")
    measure = _measure_en(plan, row)
    return (
        str(number),
        name,
        title,
        f"{_amount(row.amount, None)}{measure}",
        f"{_amount(row.actual, None)}{measure}",
        f"{_amount(row.expected, None)}{measure}"
        if gap_kind(row) is not GapKind.share
        else f"{_share(row.expected_share)}%",
        f"{_share(row.progress)}%",
        gap_en(plan, row).removeprefix("gap "),
    )


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
    """An earlier notice of the year by its document number."""
    return plan.notices.document_number(notice.plan_year, number)


def _en(plan: Plan, left: LeftOut) -> str:
    unit = plan.unit(left.unit)
    return unit.display_name("en") if unit else left.unit_name


def file_name(notice: Notice, suffix: str = "md") -> str:
    """The document's file name: its plan year, number and evaluation month."""
    return f"通报-{notice.plan_year}-{notice.number:03d}-{notice.evaluation_month}.{suffix}"
