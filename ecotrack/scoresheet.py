"""The assessment sheet a 考核 committee signs (SPEC §12): one print sheet per ranking group (the units' results
and why each lost or gained points, with the signature block, laid out for A4), then a summary sheet and one
sheet per unit, typed for scripts.

Each unit's sheet lists every target with its points available (分值), amount (目标), what was done
(完成), the scoring rule (计分办法), the points earned (得分) and the reason for any deduction (扣分原因);
then timeliness, notices, each adjustment and any cap, a veto, and the total, grade and rank. The
points column adds up to the unit's score (before rounding to two places). Built from the assessment's
record (`assessment_content`, or the recorded final result), in the interface language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from ecotrack import figures
from ecotrack.exports import Sheet
from ecotrack.i18n import label, language, t, tn, tp
from ecotrack.plan import Plan, Target, measure_of
from ecotrack.results import AssessmentView

if TYPE_CHECKING:
    from ecotrack.exports import Cell, PrintSheet

# the per-unit sheet's columns, with their headings
UNIT_SHEET_COLUMNS = ("item", "available", "amount", "done", "method", "points", "reason")


def unit_sheet_headings() -> tuple[str, ...]:
    """The per-unit sheet's header row, in the interface language."""
    return (
        tp("scoresheet", "Item"),
        tp("scoresheet", "Points available"),
        tp("scoresheet", "Target"),
        tp("scoresheet", "Done"),
        tp("scoresheet", "Scoring rule"),
        tp("scoresheet", "Points"),
        tp("scoresheet", "Reason for deduction"),
    )


EPSILON = 0.005  # below half a hundredth of a point, nothing was deducted


def title_lines(plan: Plan, title: str, as_of: date, *, final: bool | None = None) -> tuple[str, ...]:
    """The title row and the issuing office and date (and, for an assessment, final or trial) above a
    sheet's headings."""
    office = t("{office} · as of {as_of}", office=plan.display_office(language()), as_of=as_of.isoformat())
    if final is None:
        return (title, office)
    state = t("final result") if final else t("trial")
    return (title, office + " · " + state)


def unit_sheets(plan: Plan, content: Mapping[str, Any], *, final: bool) -> list[Sheet]:
    """One sheet per unit of the assessment `content` (units and explanations), in its order."""
    as_of = date.fromisoformat(content["as_of"])
    sheets = []
    for result in content["units"]:
        explanation = content["explanations"].get(result["unit"], {})
        unit = plan.unit(result["unit"])
        name = unit.display_name(language()) if unit else result["unit_name"]
        sheets.append(
            Sheet(
                title=name,
                columns=UNIT_SHEET_COLUMNS,
                headings=unit_sheet_headings(),
                rows=unit_rows(plan, result, explanation),
                decimal_columns=frozenset({"available", "points"}),
                title_lines=title_lines(
                    plan,
                    t("Assessment of {unit}, {year}", unit=name, year=plan.year),
                    as_of,
                    final=final,
                ),
            )
        )
    return sheets


_number = figures.number


def _with_measure(target: Target, value: float) -> str:
    measure = measure_of(target.display_measure(language()), value)
    if not measure:
        return _number(value)
    return f"{_number(value)}{measure}" if measure == "%" or language() == "zh" else f"{_number(value)} {measure}"


def unit_rows(plan: Plan, result: Mapping[str, Any], explanation: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The rows of one unit's sheet; their points add up to its score. Each says which `part` of the score it is
    (target, timeliness, notices, adjustment, cap, floor, veto, total), for the print sheet; no column shows it."""
    settings = plan.assessment
    rows: list[dict[str, Any]] = []
    for contribution in explanation.get("contributions", []):
        rows.append(_target_row(plan, result["unit"], contribution))
    timeliness = settings.timeliness_points * float(result["timeliness"])
    late, missing = int(result["reports_late"]), int(result["reports_missing"])
    rows.append(
        {
            "part": "timeliness",
            "item": t("Monthly reports on time"),
            "available": settings.timeliness_points,
            "done": t("{on_time} on time", on_time=result["reports_on_time"]),
            "method": t("points × (on time + {share} × late) / months due", share=_number(settings.late_report_share))
            if settings.late_report_share
            else t("points × share of reports on time"),
            "points": timeliness,
            "reason": t("{late} late, {missing} missing", late=late, missing=missing) if late or missing else "",
        }
    )
    notices = int(result["notices"])
    notice_points = float(result.get("notice_points", settings.notice_penalty * notices))
    cap = settings.notice_penalty_cap
    rows.append(
        {
            "part": "notices",
            "item": t("Notices"),
            "done": tn("named in {count} notice", "named in {count} notices", count=notices),
            "method": t("{points} points off per notice", points=_number(settings.notice_penalty))
            + (t(", at most {cap}", cap=_number(cap)) if cap is not None else ""),
            "points": -notice_points,
            "reason": tn("{count} notice", "{count} notices", count=notices) if notices else "",
        }
    )
    rows += _adjustment_rows(plan, result.get("adjustments", []))
    raw = sum(float(row["points"]) for row in rows)
    if raw < 0:  # the score is never below zero
        rows.append({"part": "floor", "item": t("No score below zero"), "points": -raw, "reason": ""})
    for veto in explanation.get("vetoes", []):
        rows.append(
            {
                "part": "veto",
                "item": t("Veto"),
                "method": t("grade: {grade}", grade=settings.vetoed_grade),
                "reason": veto["reason"],
            }
        )
    grade = settings.display_grade(result["grade"], language())
    standing = (
        t("grade {grade}, rank {rank}; kept beyond the quota (a tie at its limit)", grade=grade, rank=result["rank"])
        if result.get("beyond_quota")
        else t("grade {grade}, rank {rank}", grade=grade, rank=result["rank"])
    )
    rows.append(
        {
            "part": "total",
            "item": t("Total"),
            "available": settings.completion_points + settings.timeliness_points,
            "done": standing,
            "points": float(result["score"]),
        }
    )
    return rows


def _target_row(plan: Plan, unit: str, contribution: Mapping[str, Any]) -> dict[str, Any]:
    target = plan.target(contribution["target"])
    assert target is not None
    assignment = target.assignment(unit)
    amount = assignment.amount if assignment else 0.0
    available = float(contribution.get("target_points", 0.0))
    points = float(contribution["points"])
    progress = float(contribution["progress"])
    rule = contribution.get("rule", "linear")
    title = f"{target.code} {target.display_title(language())}"
    if target.is_milestone:
        shown_amount = t("done by {due}", due=target.due.isoformat() if target.due else "-")
        done = t("done") if progress >= 1 - 1e-9 else t("not done")
    else:
        shown_amount = _with_measure(target, amount)
        done = _with_measure(target, target.baseline + progress * (amount - target.baseline))
    lost = available - points
    if rule == "scoring" and target.scoring is not None:
        per = _with_measure(target, target.scoring.per) if not target.is_milestone else "1"
        method = t("{points} points off per {per} short", points=_number(target.scoring.points), per=per)
        shortfall = float(contribution.get("shortfall") or 0.0)
        short = _with_measure(target, shortfall) if not target.is_milestone else _number(shortfall)
        reason = t("{short} short, {lost} points off", short=short, lost=_number(lost)) if lost > EPSILON else ""
    elif rule == "late_milestone":
        method = t("done late: {share} of the points", share=f"{_number((1 - plan.assessment.late_milestone) * 100)}%")
        reason = t("done after {due}, {lost} points off", due=target.due, lost=_number(lost)) if lost > EPSILON else ""
    else:
        method = t("points × share done")
        reason = (
            t(
                "{share} done, {lost} points off",
                share=f"{_number(min(max(progress, 0), 1) * 100)}%",
                lost=_number(lost),
            )
            if lost > EPSILON
            else ""
        )
    return {
        "part": "target",
        "item": title,
        "available": available,
        "amount": shown_amount,
        "done": done,
        "method": method,
        "points": points,
        "reason": reason,
    }


def _adjustment_rows(plan: Plan, adjustments: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each bonus and deduction with its basis, then what a cap took back."""
    settings = plan.assessment
    rows: list[dict[str, Any]] = []
    for adjustment in adjustments:
        points = float(adjustment["points"])
        rows.append(
            {
                "part": "adjustment",
                "item": t("Bonus: {item}", item=adjustment["item"])
                if points > 0
                else t("Deduction: {item}", item=adjustment["item"]),
                "method": t("adjustment #{id}", id=adjustment["id"]),
                "points": points,
                "reason": adjustment["basis"],
            }
        )
    bonus = sum(float(a["points"]) for a in adjustments if float(a["points"]) > 0)
    deduction = -sum(float(a["points"]) for a in adjustments if float(a["points"]) < 0)
    if settings.bonus_cap is not None and bonus > settings.bonus_cap:
        rows.append(
            {
                "part": "cap",
                "item": t("Bonus cap"),
                "method": t("at most {cap} points", cap=_number(settings.bonus_cap)),
                "points": settings.bonus_cap - bonus,
            }
        )
    if settings.deduction_cap is not None and deduction > settings.deduction_cap:
        rows.append(
            {
                "part": "cap",
                "item": t("Deduction cap"),
                "method": t("at most {cap} points", cap=_number(settings.deduction_cap)),
                "points": deduction - settings.deduction_cap,
            }
        )
    return rows


# The print sheet's columns: the summary's keys, then why the unit lost or gained points
GROUP_COLUMNS = (
    "rank", "unit_name", "completion", "timeliness", "reports_on_time", "reports_late", "reports_missing",
    "notices", "notice_points", "adjustments", "vetoed", "score", "grade", "explanation",
)  # fmt: skip
GROUP_WIDTHS = (5, 14, 8, 8, 7, 7, 7, 7, 9, 9, 7, 10, 7, 50)  # characters; A4 landscape fits about 150
SHEET_FONTS = ("方正小标宋简体", "黑体", "宋体")  # title, header, body: as Excel and WPS know them


def group_sheets(plan: Plan, content: Mapping[str, Any], *, final: bool) -> list[PrintSheet]:
    """The sheets a 考核 committee signs (SPEC §12), one per ranking group (镇, 街道, 部门 with `rank_by: kind`;
    else one for all): each unit in rank order with its completion, timeliness, reports, notices, adjustments,
    veto, score, grade and every reason it lost or gained points, in words and numbers with their units, then
    the signature block (考核组, 审核人, 日期). Laid out for A4 landscape (`exports.PrintSheet`)."""
    from ecotrack.exports import PrintSheet
    from ecotrack.listings import column_headings

    known = column_headings()
    why = tp("scoresheet", "Points lost or gained, and why")
    headings = (*(known.get(column, "") for column in GROUP_COLUMNS[:-1]), why)
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for result in content["units"]:
        groups.setdefault(str(result.get("group") or "all"), []).append(result)
    day = _day(date.fromisoformat(content["as_of"]))
    state = t("final result") if final else t("trial")
    signature = (
        (t("Assessment group (signatures):"), ""),
        (t("Reviewed by (signature):"), ""),
        (t("Date:"), t("year    month    day")),
    )
    sheets = []
    for group, results in groups.items():
        name = label(group)
        rows = [_group_row(plan, r, content["explanations"].get(r["unit"], {})) for r in results]
        sheets.append(
            PrintSheet(
                title=t("Results ({group})", group=name) if group != "all" else t("Results"),
                title_lines=(
                    t("{year} assessment results: {group}", year=plan.year, group=name)
                    if group != "all"
                    else t("{year} assessment results", year=plan.year),
                    t(
                        "{office}, as of {as_of} ({state})",
                        office=plan.display_issuer(language()),
                        as_of=day,
                        state=state,
                    ),
                ),
                headings=headings,
                widths=GROUP_WIDTHS,
                rows=rows,
                signature=signature,
                footer=t("&A, page &P"),
                fonts=SHEET_FONTS if language() == "zh" else None,
            )
        )
    return sheets


def _day(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if language() == "zh" else value.isoformat()


def _group_row(plan: Plan, result: Mapping[str, Any], explanation: Mapping[str, Any]) -> list[Cell]:
    """One unit's row of its group's print sheet: typed numbers shown with their units (97.2%, 12次, 2.00分)."""
    from ecotrack.exports import Cell

    points, signed, count = (
        tp("number format", '0.00" points"'),
        tp("number format", '+0.00" points";-0.00" points";"—"'),
        tp("number format", '0" times"'),
    )
    rows = unit_rows(plan, result, explanation)
    unit = plan.unit(result["unit"])
    adjusted = sum(float(row["points"]) for row in rows if row["part"] in ("adjustment", "cap"))
    notice_points = float(result.get("notice_points", plan.assessment.notice_penalty * int(result["notices"])))
    lines = _reasons(rows) + ([t("kept beyond the quota (a tie at its limit)")] if result.get("beyond_quota") else [])
    return [
        Cell(int(result["rank"])),
        Cell(unit.display_name(language()) if unit else result["unit_name"], wrap=True),
        Cell(float(result["completion"]), "0.0%"),
        Cell(float(result["timeliness"]), "0.0%"),
        Cell(int(result["reports_on_time"]), count),
        Cell(int(result["reports_late"]), count),
        Cell(int(result["reports_missing"]), count),
        Cell(int(result["notices"]), count),
        Cell(-notice_points or 0.0, signed),  # a deduction: shown −2.00分, none as —
        Cell(adjusted, signed),
        Cell(tp("answer", "yes") if result.get("vetoed") else tp("answer", "no")),
        Cell(float(result["score"]), points),
        Cell(plan.assessment.display_grade(result["grade"], language())),
        Cell("\n".join(lines) or tp("scoresheet", "none"), wrap=True, align="left"),
    ]


def _reasons(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Why a unit lost or gained points, one line each, from its sheet's rows (the notices have their column)."""
    lines = []
    for row in rows:
        part, points = row["part"], float(row.get("points") or 0.0)
        if part in ("target", "veto") and row.get("reason"):
            lines.append(t("{item}: {reason}", item=row["item"], reason=row["reason"]))
        elif part == "timeliness" and row.get("reason"):
            lost = float(row["available"]) - points
            lines.append(
                t("{item}: {reason}, {lost} points off", item=row["item"], reason=row["reason"], lost=_number(lost))
            )
        elif part in ("adjustment", "cap", "floor"):
            basis = row.get("reason") or row.get("method") or ""
            lines.append(t("{item} ({basis}): {points} points", item=row["item"], basis=basis, points=_signed(points)))
    return lines


def _signed(value: float) -> str:
    return ("+" if value > 0 else "") + _number(value)


def assessment_workbook(plan: Plan, view: AssessmentView, title: str) -> bytes:
    """The sheets a committee signs, one per ranking group, laid out for paper; then the data: the summary and
    one sheet per unit (SPEC §12), their columns and types as scripts read them, printable too."""
    from ecotrack import exports
    from ecotrack.listings import ASSESS_COLUMNS, SHARE_COLUMNS, SHEET_NAMES, flat_rows, headings_for

    content = view.content
    units = [{**u, "final": view.final} for u in content["units"]]
    summary = exports.Sheet(
        title=t(SHEET_NAMES["assessment"]),
        columns=ASSESS_COLUMNS,
        headings=headings_for(ASSESS_COLUMNS),
        rows=flat_rows(units),
        percent_columns=SHARE_COLUMNS,
        title_lines=title_lines(plan, title, date.fromisoformat(content["as_of"]), final=view.final),
        fit_to_width=True,
    )
    per_unit = [replace(sheet, fit_to_width=True) for sheet in unit_sheets(plan, content, final=view.final)]
    return exports.xlsx_bytes([*group_sheets(plan, content, final=view.final), summary, *per_unit])
