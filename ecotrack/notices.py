"""Notices (通报): drafting from the overdue units, escalation by the ladder, and the document.

The document is written the way a Chinese government office circulates a notice: title, document
number, addressees, the grounds, one section per unit with its missing reports and lagging targets
(with the gap in the target's own measure), the wording for the unit's count this year, a closing
requirement, the issuing office and the date. Pure functions: the caller supplies the number, the
prior counts and the as-of date.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ecotrack.cells import tidied
from ecotrack.plan import Plan
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

    def as_json(self, issued_at: str | None = None) -> dict[str, Any]:
        """The `notice` object of SPEC §6 (with `issued_at` once issued)."""
        from dataclasses import asdict

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
        }
        if issued_at is not None:
            data["issued_at"] = issued_at
        return data


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


def _chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _chinese_month(period: str) -> str:
    year, month = period.split("-")
    return f"{int(year)}年{int(month)}月"


def document(plan: Plan, notice: Notice, language: str = "zh") -> str:
    """The notice as circulated, in Markdown."""
    return _english(plan, notice) if language == "en" else _chinese(plan, notice)


def _lagging_line_zh(row: StatusRow) -> str:
    if row.type == "milestone":
        due = _chinese_date(date.fromisoformat(row.due or ""))
        return f"{row.target} {row.target_title}：应于{due}前完成，目前尚未完成。"
    reduction = row.amount < row.baseline
    expected_word = "应降至" if reduction else "应达到"
    return (
        f"{row.target} {row.target_title}：全年目标{_amount(row.amount, row.measure)}，"
        f"截至{_chinese_month(row.last_period) if row.last_period else '目前'}实际"
        f"{_amount(row.actual, row.measure)}，按进度{expected_word}{_amount(row.expected, row.measure)}，"
        f"相差{_amount(row.gap, row.measure)}。"
    )


def _chinese(plan: Plan, notice: Notice) -> str:
    month = _chinese_month(notice.evaluation_month)
    lines = [
        f"# 关于{month}生态建设工作进展情况的通报",
        "",
        notice.document_number,
        "",
        "各镇人民政府、街道办事处，区政府有关部门：",
        "",
        f"根据《{plan.title}》和每月报送进展情况的要求，{plan.office}对截至{_chinese_date(notice.as_of)}"
        f"各单位任务目标完成情况和{month}进展报送情况进行了督导检查。"
        f"现将工作进展缓慢、报送不及时的{len(notice.units)}个单位通报如下：",
    ]
    if notice.commended:
        praised = "、".join(unit.unit_name for unit in notice.commended)
        lines += ["", f"{praised}工作进展较快、报送及时，予以表扬。"]
    for index, item in enumerate(notice.units, start=1):
        heading = f"{chinese_numeral(index)}、{item.unit_name}（本年度第{item.count_this_year}次，{item.wording}）"
        lines += ["", f"## {heading}", ""]
        point = 1
        if item.added_reason:
            lines.append(f"{point}. 经研究予以通报：{item.added_reason}。")
            point += 1
        if item.missing_reports:
            months = "、".join(_chinese_month(m) for m in item.missing_reports)
            lines.append(f"{point}. 未按要求报送月度工作进展情况：{months}。")
            point += 1
        if item.still_not_filed:
            months = "、".join(_chinese_month(m) for m in item.still_not_filed)
            lines.append(f"{point}. 此前已通报、至今仍未报送：{months}。")
            point += 1
        if item.rectification_overdue:
            numbers = "、".join(_number_of(plan, notice, n) for n in item.rectification_overdue)
            lines.append(f"{point}. 逾期未报送{numbers}通报要求的整改情况。")
            point += 1
        if item.behind:
            lines.append(f"{point}. 工作进展滞后的任务目标：")
            lines += [f"   - {_lagging_line_zh(row)}" for row in item.behind]
    if notice.excluded:
        left_out = "；".join(f"{unit.unit_name}（{unit.reason}）" for unit in notice.excluded)
        lines += ["", f"经研究，以下单位本次不予通报：{left_out}。"]
    deadline = notice.rectify_by or notice.as_of + timedelta(days=plan.notices.rectify_days)
    lines += [
        "",
        "请被通报单位高度重视，认真查找原因，制定切实可行的整改措施，加快工作进度，及时、准确报送月度进展情况，"
        f"并于{_chinese_date(deadline)}前将整改情况书面报送{plan.office}。"
        "对多次被通报的单位，将按照有关规定约谈主要负责人，通报情况纳入年度考核。",
        "",
        plan.office,
        "",
        _chinese_date(notice.as_of),
        "",
    ]
    return "\n".join(lines)


def _lagging_line_en(plan: Plan, row: StatusRow) -> str:
    target = plan.target(row.target)
    title = target.display_title("en") if target else row.target_title
    if row.type == "milestone":
        return f"{row.target} {title}: due by {row.due}, not yet done."
    shown = target.display_measure("en") if target else row.measure
    measure = f" {shown}" if shown else ""
    return (
        f"{row.target} {title}: yearly amount {row.amount:g}{measure}; actual {row.actual:g}{measure}"
        f" as of {row.last_period or 'the start of the year'}; expected {row.expected:.2f}{measure}; "
        f"gap {row.gap:.2f}{measure}."
    )


def _english(plan: Plan, notice: Notice) -> str:
    lines = [
        f"# Notice on the progress of ecological construction, {notice.evaluation_month}",
        "",
        notice.document_number,
        "",
        "To the town governments, sub-district offices and district departments:",
        "",
        f'Following "{plan.title}" and its monthly reporting duty, {plan.office} reviewed every unit\'s progress '
        f"and monthly reports as of {notice.as_of.isoformat()}. The following {len(notice.units)} units are "
        "behind or late:",
    ]
    if notice.commended:
        lines += [
            "",
            f"Commended for fast progress and timely reports: {', '.join(_en(plan, u) for u in notice.commended)}.",
        ]
    for index, item in enumerate(notice.units, start=1):
        unit = plan.unit(item.unit)
        name = unit.display_name("en") if unit else item.unit_name
        lines += ["", f"## {index}. {name} (notice {item.count_this_year} this year: {item.wording})", ""]
        point = 1
        if item.added_reason:
            lines.append(f"{point}. Named by the office: {item.added_reason}.")
            point += 1
        if item.missing_reports:
            lines.append(f"{point}. Monthly reports not filed: {', '.join(item.missing_reports)}.")
            point += 1
        if item.still_not_filed:
            lines.append(f"{point}. Named before and still not filed: {', '.join(item.still_not_filed)}.")
            point += 1
        if item.rectification_overdue:
            numbers = ", ".join(_number_of(plan, notice, n) for n in item.rectification_overdue)
            lines.append(f"{point}. Rectification overdue for notice {numbers}.")
            point += 1
        if item.behind:
            lines.append(f"{point}. Targets behind schedule:")
            lines += [f"   - {_lagging_line_en(plan, row)}" for row in item.behind]
    if notice.excluded:
        left_out = "; ".join(f"{_en(plan, unit)} ({unit.reason})" for unit in notice.excluded)
        lines += ["", f"Left out of this notice by the office: {left_out}."]
    deadline = notice.rectify_by or notice.as_of + timedelta(days=plan.notices.rectify_days)
    lines += [
        "",
        "The units named shall find the causes, take measures to catch up, file their monthly reports on time, "
        f"and report their rectification in writing to {plan.office} by {deadline.isoformat()}. "
        "This notice counts in the year-end assessment.",
        "",
        plan.office,
        "",
        notice.as_of.isoformat(),
        "",
    ]
    return "\n".join(lines)


def _number_of(plan: Plan, notice: Notice, number: int) -> str:
    """An earlier notice of the year by its document number."""
    return plan.notices.document_number(notice.plan_year, number)


def _en(plan: Plan, left: LeftOut) -> str:
    unit = plan.unit(left.unit)
    return unit.display_name("en") if unit else left.unit_name


def file_name(notice: Notice) -> str:
    """The document's file name: its plan year, number and evaluation month."""
    return f"通报-{notice.plan_year}-{notice.number:03d}-{notice.evaluation_month}.md"
