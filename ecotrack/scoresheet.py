"""The assessment sheet a 考核 committee signs (SPEC §12): a summary sheet and one sheet per unit.

Each unit's sheet lists every target with its points available (分值), amount (目标), what was done
(完成), the scoring rule (计分办法), the points earned (得分) and the reason for any deduction (扣分原因);
then timeliness, notices, each adjustment and any cap, a veto, and the total, grade and rank. The
points column adds up to the unit's score (before rounding to two places). Built from the assessment's
record (`assessment_content`, or the recorded final result), in the interface language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from ecotrack.exports import Sheet
from ecotrack.i18n import language, t, tn, tp
from ecotrack.plan import Plan, Target
from ecotrack.results import AssessmentView

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
    office = t("{office} · as of {as_of}", office=plan.office, as_of=as_of.isoformat())
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


def _number(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _with_measure(target: Target, value: float) -> str:
    measure = target.display_measure(language())
    if not measure:
        return _number(value)
    return f"{_number(value)}{measure}" if measure == "%" or language() == "zh" else f"{_number(value)} {measure}"


def unit_rows(plan: Plan, result: Mapping[str, Any], explanation: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The rows of one unit's sheet; their points add up to its score."""
    settings = plan.assessment
    rows: list[dict[str, Any]] = []
    for contribution in explanation.get("contributions", []):
        rows.append(_target_row(plan, result["unit"], contribution))
    timeliness = settings.timeliness_points * float(result["timeliness"])
    late, missing = int(result["reports_late"]), int(result["reports_missing"])
    rows.append(
        {
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
        rows.append({"item": t("No score below zero"), "points": -raw, "reason": ""})
    for veto in explanation.get("vetoes", []):
        rows.append(
            {"item": t("Veto"), "method": t("grade: {grade}", grade=settings.vetoed_grade), "reason": veto["reason"]}
        )
    grade = settings.display_grade(result["grade"], language())
    standing = (
        t("grade {grade}, rank {rank}; kept beyond the quota (a tie at its limit)", grade=grade, rank=result["rank"])
        if result.get("beyond_quota")
        else t("grade {grade}, rank {rank}", grade=grade, rank=result["rank"])
    )
    rows.append(
        {
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
                "item": t("Bonus cap"),
                "method": t("at most {cap} points", cap=_number(settings.bonus_cap)),
                "points": settings.bonus_cap - bonus,
            }
        )
    if settings.deduction_cap is not None and deduction > settings.deduction_cap:
        rows.append(
            {
                "item": t("Deduction cap"),
                "method": t("at most {cap} points", cap=_number(settings.deduction_cap)),
                "points": deduction - settings.deduction_cap,
            }
        )
    return rows


def assessment_workbook(plan: Plan, view: AssessmentView, title: str) -> bytes:
    """The sheet a committee signs: the summary, then one sheet per unit (SPEC §12)."""
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
    )
    return exports.xlsx_bytes([summary, *unit_sheets(plan, content, final=view.final)])
