"""The rows of the listing commands in the shapes of SPEC §6, from a plan and the rules' results."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from ecotrack.exports import plain
from ecotrack.i18n import N_, tp
from ecotrack.plan import AmendedAssignment, Plan
from ecotrack.results import (
    AssessmentView,
    AttachedFile,
    Board,
    HistoryEntry,
    IssuedNotice,
    ItemStep,
    Matter,
    NoticeNaming,
    StoredAppeal,
    StoredItem,
    StoredRequest,
    SupportNote,
    YearExport,
)

if TYPE_CHECKING:
    from ecotrack.plan import Unit
    from ecotrack.rules import (
        Contribution,
        Evaluation,
        ItemState,
        OverdueUnit,
        PeriodLock,
        QuotaExceeded,
        StatusRow,
        TargetTotal,
        Tie,
        UnitAssessment,
        Veto,
    )

UNIT_COLUMNS = ("unit", "unit_name", "kind", "assignments", "supports")
TARGET_COLUMNS = ("task", "target", "target_title", "type", "measure", "unit", "amount", "baseline", "due", "weight")
STATUS_COLUMNS = (
    "unit",
    "unit_name",
    "task",
    "target",
    "target_title",
    "type",
    "measure",
    "baseline",
    "amount",
    "actual",
    "expected",
    "gap",
    "progress",
    "expected_share",
    "status",
    "last_period",
    "due",
)
HISTORY_COLUMNS = (
    "id",
    "unit",
    "target",
    "period",
    "value",
    "note",
    "reported_by",
    "reported_at",
    "superseded",
    "filed_at",
    "filed_by",
    "corrects",
    "batch",
    "review",
    "decided_by",
    "decided_at",
    "return_reason",
    "backdated",
    "reason",
    "catch_up",
)
REVIEW_COLUMNS = (*HISTORY_COLUMNS, "previous_value")
LOCK_COLUMNS = (
    "period",
    "locked_at",
    "locked_by",
    "reason",
    "unlocked_at",
    "unlocked_by",
    "unlock_reason",
    "automatic",
)


RECTIFICATION_COLUMNS = (
    "notice",
    "document_number",
    "unit",
    "unit_name",
    "due",
    "state",
    "answered_on",
    "answer",
    "attachments",
    "closed_on",
    "note",
)
TOTALS_COLUMNS = ("target", "target_title", "measure", "amount", "actual", "expected", "units", "aggregate")
REMIND_COLUMNS = ("unit", "unit_name", "contact", "reports", "rectifications", "due", "matters")


def rectification_rows(items: Sequence[tuple[StoredItem, date, ItemState]]) -> list[dict[str, Any]]:
    """The items of SPEC §10 as of a date: each unit a notice named, its due date, state, latest answer and
    the office's last decision, and `steps`, everything done about it in order."""
    return [
        {
            "notice": stored.notice_number,
            "document_number": stored.document_number,
            **item_fields(stored.unit, stored.unit_name, due, state, stored.steps),
        }
        for stored, due, state in items
    ]


MATTER_COLUMNS = (
    "matter",
    "title",
    "source",
    "assigned_on",
    *RECTIFICATION_COLUMNS[2:],
)


def matter_rows(items: Sequence[tuple[Matter, str, str, ItemState, Sequence[ItemStep]]]) -> list[dict[str, Any]]:
    """The assigned matters' items of SPEC §17 as of a date, with the same fields as a rectification's."""
    return [
        {
            "matter": matter.id,
            "title": matter.title,
            "source": matter.source,
            "assigned_on": matter.assigned_on.isoformat(),
            "recorded_by": matter.recorded_by,
            "recorded_at": matter.recorded_at,
            **item_fields(unit, unit_name, matter.due, state, steps),
        }
        for matter, unit, unit_name, state, steps in items
    ]


def item_fields(unit: str, unit_name: str, due: date, state: ItemState, steps: Sequence[ItemStep]) -> dict[str, Any]:
    """What every item shows, a notice's or a matter's: its unit, due date, state, latest answer and the office's
    last decision, and `steps`, everything done about it in order."""
    answers = [s for s in steps if s.kind == "answered"]
    decisions = [s for s in steps if s.kind != "answered"]
    latest = answers[-1] if answers else None
    decided = decisions[-1] if decisions else None
    return {
        "unit": unit,
        "unit_name": unit_name,
        "due": due.isoformat(),
        "state": state,
        "answered_on": latest.on.isoformat() if latest else None,
        "answer": latest.text if latest else None,
        "attachments": [vars(f) for f in latest.attachments] if latest else [],
        "closed_on": decided.on.isoformat() if decided and decided.kind == "closed" else None,
        "note": decided.text if decided else None,
        "steps": [
            {
                "kind": s.kind,
                "on": s.on.isoformat(),
                "by": s.by,
                "at": s.at,
                "text": s.text,
                "attachments": [vars(f) for f in s.attachments],
                "override": s.override,
            }
            for s in steps
        ],
    }


def flat_rows(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows for CSV: attachments as their SHA-256s, a contact as "name phone"."""
    flat = []
    for row in rows:
        shown = dict(row)
        if "attachments" in shown:
            shown["attachments"] = [a["sha256"] for a in shown["attachments"]]
        if "adjustments" in shown:
            shown["adjustments"] = [f"#{a['id']}:{a['points']:+g}" for a in shown["adjustments"]]
        if "contact" in shown:
            contact = shown["contact"]
            shown["contact"] = f"{contact['name']} {contact['phone']}" if contact else ""
        flat.append(shown)
    return flat


def remind_rows(reminders: Sequence[tuple[Unit, list[str], list[int], date, list[int]]]) -> list[dict[str, Any]]:
    """SPEC §10 `remind`: each unit to chase, with its contact, what is due (monthly reports, rectifications by
    notice number, assigned matters by id) and the earliest date."""
    return [
        {
            "unit": unit.code,
            "unit_name": unit.name,
            "contact": {"name": unit.contact.name, "phone": unit.contact.phone} if unit.contact else None,
            "reports": reports,
            "rectifications": numbers,
            "due": due.isoformat(),
            "matters": matters,
        }
        for unit, reports, numbers, due, matters in reminders
    ]


def review_rows(items: Sequence[tuple[HistoryEntry, float]]) -> list[dict[str, Any]]:
    """The `review` entries of SPEC §9: history entries with the level accepted before each."""
    return [{**vars(entry), "previous_value": previous} for entry, previous in items]


def lock_rows(locks: Sequence[PeriodLock]) -> list[dict[str, Any]]:
    """The `locks` of SPEC §9, times in local time; `automatic` when the period locked itself."""
    return [
        {
            "period": lock.period,
            "locked_at": lock.locked_at.isoformat(timespec="seconds"),
            "locked_by": lock.locked_by,
            "reason": lock.reason,
            "unlocked_at": lock.unlocked_at.isoformat(timespec="seconds") if lock.unlocked_at else None,
            "unlocked_by": lock.unlocked_by,
            "unlock_reason": lock.unlock_reason,
            "automatic": lock.automatic,
        }
        for lock in locks
    ]


def unit_rows(plan: Plan) -> list[dict[str, Any]]:
    """Who is in the plan: each unit with the targets it leads and those it supports."""
    return [
        {
            "unit": unit.code,
            "unit_name": unit.name,
            "kind": unit.kind,
            "assignments": [target.code for target, _ in plan.assignments_of(unit.code)],
            "supports": [target.code for target in plan.supports_of(unit.code)],
        }
        for unit in plan.units
    ]


def target_rows(plan: Plan, unit: str | None = None) -> list[dict[str, Any]]:
    """What each unit must report: one row per assignment, in plan order."""
    return [
        {
            "task": target.task,
            "target": target.code,
            "target_title": target.title,
            "type": target.type,
            "measure": target.measure,
            "unit": assignment.unit,
            "amount": assignment.amount,
            "baseline": target.baseline,
            "due": target.due.isoformat() if target.due else None,
            "weight": target.weight,
        }
        for target in plan.targets()
        for assignment in target.assignments
        if unit is None or assignment.unit == unit
    ]


OVERDUE_COLUMNS = (
    "unit",
    "unit_name",
    "missing_reports",
    "rectification_overdue",
    "refile_overdue",
    "matters_overdue",
    "target",
    "target_title",
    "measure",
    "amount",
    "actual",
    "expected",
    "gap",
    "progress",
    "expected_share",
    "status",
    "due",
)
NOTICE_COLUMNS = (
    "number",
    "document_number",
    "plan_year",
    "as_of",
    "evaluation_month",
    "unit",
    "unit_name",
    "count_this_year",
    "wording",
    "missing_reports",
    "still_not_filed",
    "rectification_overdue",
    "added_reason",
    "behind",
    "refile_overdue",
    "matters_overdue",
)
NOTICES_COLUMNS = ("number", "document_number", "plan_year", "as_of", "evaluation_month", "issued_at", "units")


def overdue_rows(units: Sequence[OverdueUnit]) -> list[dict[str, Any]]:
    """One CSV row per behind target; a unit with only missing months gets one row without a target."""
    rows: list[dict[str, Any]] = []
    for unit in units:
        head = {
            "unit": unit.unit,
            "unit_name": unit.unit_name,
            "missing_reports": unit.missing_reports,
            "rectification_overdue": unit.rectification_overdue,
            "refile_overdue": unit.refile_overdue,
            "matters_overdue": unit.matters_overdue,
        }
        rows += [{**plain(row), **head} for row in unit.behind] or [head]
    return rows


def notice_rows(notice: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One CSV row per unit a notice names; `behind` holds the codes of its lagging targets."""
    head = {key: notice[key] for key in ("number", "document_number", "plan_year", "as_of", "evaluation_month")}
    return [
        {
            **head,
            "unit": item["unit"],
            "unit_name": item["unit_name"],
            "count_this_year": item["count_this_year"],
            "wording": item.get("wording"),
            "missing_reports": item["missing_reports"],
            "still_not_filed": item.get("still_not_filed", []),
            "rectification_overdue": item.get("rectification_overdue", []),
            "added_reason": item.get("added_reason", ""),
            "behind": [row["target"] for row in item["behind"]],
            "refile_overdue": item.get("refile_overdue", []),
            "matters_overdue": item.get("matters_overdue", []),
        }
        for item in notice["units"]
    ]


ASSESS_COLUMNS = (
    "unit",
    "unit_name",
    "kind",
    "completion",
    "timeliness",
    "reports_on_time",
    "reports_late",
    "reports_missing",
    "notices",
    "score",
    "grade",
    "rank",
    "group",
    "notice_points",
    "adjustments",
    "vetoed",
    "final",
    "beyond_quota",
)
EXPORT_TABLES = (
    "plan",
    "status",
    "filings",
    "assessment",
    "entries",
    "notices",
    "locks",
    "rectifications",
    "matters",
)
# SPEC §17: the supporting units' notes, a table of the export where the plan asks for them (or holds some)
NOTES_TABLE = "notes"
PLAN_COLUMNS = (
    "task",
    "task_title",
    "target",
    "target_title",
    "type",
    "measure",
    "unit",
    "unit_name",
    "kind",
    "role",
    "amount",
    "baseline",
    "due",
    "weight",
    "schedule",
)
# Columns that hold shares: a spreadsheet shows them as percentages.
SHARE_COLUMNS = frozenset({"progress", "expected_share", "completion", "timeliness", "tolerance"})


def plan_data(plan: Plan) -> dict[str, Any]:
    """The plan as loaded, in the shape of its plan file (SPEC §3), for the JSON export."""
    return {
        "year": plan.year,
        "title": plan.title,
        "office": plan.office,
        "report_due_day": plan.report_due_day,
        "tolerance": plan.tolerance,
        "start_month": plan.start_month,
        "assessment": {
            "completion_points": plan.assessment.completion_points,
            "timeliness_points": plan.assessment.timeliness_points,
            "notice_penalty": plan.assessment.notice_penalty,
            "grades": dict(plan.assessment.grades),
            "fail_grade": plan.assessment.fail_grade,
        },
        "notices": {
            "number_format": plan.notices.number_format,
            "ladder": {str(count): word for count, word in plan.notices.ladder},
            "rectify_days": plan.notices.rectify_days,
            "office_code": plan.notices.office_code,
            "addressees": plan.notices.addressees,
            "cc": list(plan.notices.cc),
            "contact": {"name": plan.notices.contact.name, "phone": plan.notices.contact.phone}
            if plan.notices.contact
            else None,
        },
        "review": {"required": plan.review.required, "lock_after_days": plan.review.lock_after_days},
        "supporting_reports": plan.supporting_reports,
        "units": [
            {
                "code": u.code,
                "name": u.name,
                "kind": u.kind,
                "name_en": u.name_en,
                "contact": {"name": u.contact.name, "phone": u.contact.phone} if u.contact else None,
            }
            for u in plan.units
        ],
        "tasks": [
            {
                "code": task.code,
                "title": task.title,
                "title_en": task.title_en,
                "targets": [
                    {
                        "code": target.code,
                        "title": target.title,
                        "title_en": target.title_en,
                        "type": target.type,
                        "measure": target.measure,
                        "baseline": target.baseline,
                        "schedule": {str(month): share for month, share in target.schedule},
                        "weight": target.weight,
                        "due": target.due.isoformat() if target.due else None,
                        "support": list(target.support),
                        "assign": {a.unit: a.amount for a in target.assignments},
                    }
                    for target in task.targets
                ],
            }
            for task in plan.tasks
        ],
    }


def plan_rows(plan: Plan) -> list[dict[str, Any]]:
    """The plan flattened for a spreadsheet: one row per lead or supporting unit of each target."""
    tasks = {task.code: task for task in plan.tasks}
    rows: list[dict[str, Any]] = []
    for target in plan.targets():
        base = {
            "task": target.task,
            "task_title": tasks[target.task].title,
            "target": target.code,
            "target_title": target.title,
            "type": target.type,
            "measure": target.measure,
            "baseline": target.baseline,
            "due": target.due.isoformat() if target.due else None,
            "weight": target.weight,
            "schedule": " ".join(f"{month}:{share:g}" for month, share in target.schedule),
        }
        for role, units in (
            ("lead", [(a.unit, a.amount) for a in target.assignments]),
            ("support", [(code, None) for code in target.support]),
        ):
            for code, amount in units:
                unit = plan.unit(code)
                assert unit is not None
                rows.append(
                    {**base, "unit": code, "unit_name": unit.name, "kind": unit.kind, "role": role, "amount": amount}
                )
    return rows


def export_data(
    plan: Plan,
    as_of: date,
    evaluation: Evaluation,
    assessment: Sequence[UnitAssessment],
    entries: Sequence[Any],
    notices: Sequence[IssuedNotice],
    locks: Sequence[PeriodLock] = (),
    rectifications: Sequence[Mapping[str, Any]] = (),
    matters: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Everything a year-end script needs, in the `export --format json` shape of SPEC §6."""
    return {
        "plan_year": plan.year,
        "as_of": as_of.isoformat(),
        "plan": plan_data(plan),
        "status": [plain(row) for row in evaluation.rows],
        "filings": [plain(unit) for unit in evaluation.filings],
        "assessment": [plain(result) for result in assessment],
        "entries": [dict(vars(entry)) for entry in entries],
        "notices": [
            {
                **n.content,
                "issued_at": n.issued_at,
                "issued_by": n.issued_by,
                "void": {"reason": n.voided.reason, "voided_at": n.voided.voided_at, "voided_by": n.voided.voided_by}
                if n.voided
                else None,
                **signature_data(n, required=plan.notices.require_signature),
            }
            for n in notices
        ],
        "locks": lock_rows(locks),
        "rectifications": list(rectifications),
        "matters": list(matters),
    }


def export_tables(
    data: Mapping[str, Any], plan: Plan, notices: Sequence[IssuedNotice]
) -> dict[str, tuple[Sequence[str], list[dict[str, Any]]]]:
    """The export as flat tables (columns, rows) for CSV and XLSX: one per list of the JSON."""
    months = list(data["filings"][0]["months"]) if data["filings"] else []
    return {
        "plan": (PLAN_COLUMNS, plan_rows(plan)),
        "status": (STATUS_COLUMNS, list(data["status"])),
        "filings": (
            ["unit", "unit_name", *months],
            [{"unit": u["unit"], "unit_name": u["unit_name"], **u["months"]} for u in data["filings"]],
        ),
        "assessment": (ASSESS_COLUMNS, flat_rows(data["assessment"])),
        "entries": (HISTORY_COLUMNS, list(data["entries"])),
        "notices": (NOTICES_COLUMNS, issued_notice_rows(notices, plan.year)),
        "locks": (LOCK_COLUMNS, list(data["locks"])),
        "rectifications": (RECTIFICATION_COLUMNS, flat_rows(data["rectifications"])),
        "matters": (MATTER_COLUMNS, flat_rows(data.get("matters", []))),
        NOTES_TABLE: (NOTE_COLUMNS, list(data.get(NOTES_TABLE, []))),
    }


def issued_notice_rows(notices: Sequence[IssuedNotice], plan_year: int) -> list[dict[str, Any]]:
    """The rows of `notices` and of the export's notices table: who each names, from its items."""
    return [
        {
            "number": n.number,
            "document_number": n.document_number,
            "plan_year": plan_year,
            "as_of": n.as_of.isoformat(),
            "evaluation_month": n.evaluation_month,
            "issued_at": n.issued_at,
            "units": [u.unit for u in n.named],
        }
        for n in notices
    ]


# --- the assessment as a record (SPEC §11) ---------------------------------------------------------------

if TYPE_CHECKING:
    ExplanationParts = tuple[
        Sequence[Contribution],
        Mapping[str, str],
        Sequence[NoticeNaming],
        Sequence[HistoryEntry],
        Sequence[Veto],
        Tie | None,
        QuotaExceeded | None,
    ]


def district_totals(plan: Plan, rows: Sequence[StatusRow]) -> list[TargetTotal]:
    """SPEC §12's totals, for the commands that show them (the rule is `rules.district_totals`)."""
    from ecotrack.rules import district_totals as totals

    return totals(plan, rows)


def assessment_content(
    as_of: date, units: Sequence[UnitAssessment], explanations: Mapping[str, ExplanationParts]
) -> dict[str, Any]:
    """The assessment and each unit's explanation as plain JSON data: what `assess` shows, and what
    `assess --final` records (every number and every explanation line)."""
    from ecotrack.exports import json_text

    data = {
        "as_of": as_of.isoformat(),
        "units": list(units),
        "explanations": {
            code: {
                "contributions": list(contributions),
                "months": dict(months),
                "notices": list(notices),
                "after_the_fact": list(after_the_fact),
                "vetoes": list(vetoes),
                "tie": tie,
                "quota": quota,
            }
            for code, (contributions, months, notices, after_the_fact, vetoes, tie, quota) in explanations.items()
        },
    }
    plain_data: dict[str, Any] = json.loads(json_text(data, pretty=False))
    return plain_data


def unit_assessment(data: Mapping[str, Any]) -> UnitAssessment:
    """A unit's result read back from the record."""
    from ecotrack.rules import Adjustment, UnitAssessment

    fields = {name: data[name] for name in UnitAssessment.__dataclass_fields__ if name in data}
    fields["adjustments"] = [Adjustment(**a) for a in data.get("adjustments", [])]
    return UnitAssessment(**fields)


@dataclass(frozen=True)
class ExplainedUnit:
    contributions: list[Contribution]
    months: dict[str, str]
    notices: list[NoticeNaming]
    after_the_fact: list[HistoryEntry]
    vetoes: list[Veto]
    tie: Tie | None = None
    quota: QuotaExceeded | None = None


def explanation_from_json(data: Mapping[str, Any]) -> ExplainedUnit:
    """A unit's explanation read back from the record (or from the data just computed)."""
    from ecotrack.rules import Contribution, QuotaExceeded, Tie, TiedUnit, Veto

    tie, quota = data.get("tie"), data.get("quota")  # a record made before SPEC §15 has neither
    entries = [
        HistoryEntry(**{**e, "attachments": tuple(AttachedFile(**a) for a in e.get("attachments", []))})
        for e in data.get("after_the_fact", [])
    ]
    return ExplainedUnit(
        contributions=[Contribution(**c) for c in data.get("contributions", [])],
        months=dict(data.get("months", {})),
        notices=[NoticeNaming(**{**n, "as_of": date.fromisoformat(n["as_of"])}) for n in data.get("notices", [])],
        after_the_fact=entries,
        vetoes=[Veto(**v) for v in data.get("vetoes", [])],
        tie=Tie(**{**tie, "units": [TiedUnit(**u) for u in tie["units"]]}) if tie else None,
        quota=QuotaExceeded(**quota) if quota else None,
    )


def column_headings() -> dict[str, str]:
    """What a spreadsheet's header row shows for each column key, in the interface language (the keys
    stay English in CSV and JSON)."""
    return {
        "task": tp("column", "Task"),
        "task_title": tp("column", "Task title"),
        "target": tp("column", "Target"),
        "target_title": tp("column", "Target title"),
        "type": tp("column", "Type"),
        "measure": tp("column", "Measure"),
        "unit": tp("column", "Unit code"),
        "unit_name": tp("column", "Unit"),
        "kind": tp("column", "Kind"),
        "role": tp("column", "Role"),
        "amount": tp("column", "Amount"),
        "baseline": tp("column", "Baseline"),
        "due": tp("column", "Due"),
        "weight": tp("column", "Weight"),
        "schedule": tp("column", "Schedule"),
        "actual": tp("column", "Actual"),
        "expected": tp("column", "Expected"),
        "gap": tp("column", "Gap"),
        "progress": tp("column", "Progress"),
        "expected_share": tp("column", "Expected share"),
        "status": tp("column", "Status"),
        "last_period": tp("column", "Last month filed"),
        "completion": tp("column", "Completion"),
        "timeliness": tp("column", "Timeliness"),
        "reports_on_time": tp("column", "Reports on time"),
        "reports_late": tp("column", "Reports late"),
        "reports_missing": tp("column", "Reports missing"),
        "notices": tp("column", "Notices"),
        "score": tp("column", "Score"),
        "grade": tp("column", "Grade"),
        "rank": tp("column", "Rank"),
        "group": tp("column", "Ranking group"),
        "notice_points": tp("column", "Notice points"),
        "adjustments": tp("column", "Adjustments"),
        "vetoed": tp("column", "Vetoed"),
        "final": tp("column", "Final"),
        "beyond_quota": tp("column", "Beyond quota"),
        "id": tp("column", "Entry"),
        "period": tp("column", "Month"),
        "value": tp("column", "Value"),
        "note": tp("column", "Note"),
        "reported_by": tp("column", "Reported by"),
        "reported_at": tp("column", "Reported at"),
        "superseded": tp("column", "Superseded"),
        "filed_at": tp("column", "Filed at"),
        "filed_by": tp("column", "Filed by"),
        "corrects": tp("column", "Corrects"),
        "batch": tp("column", "Import"),
        "review": tp("column", "Review"),
        "decided_by": tp("column", "Decided by"),
        "decided_at": tp("column", "Decided at"),
        "return_reason": tp("column", "Return reason"),
        "backdated": tp("column", "Backdated"),
        "reason": tp("column", "Reason"),
        "catch_up": tp("column", "Catch-up"),
        "number": tp("column", "Number"),
        "document_number": tp("column", "Document number"),
        "plan_year": tp("column", "Plan year"),
        "as_of": tp("column", "As of"),
        "evaluation_month": tp("column", "Evaluation month"),
        "issued_at": tp("column", "Issued at"),
        "units": tp("column", "Units named"),
        "locked_at": tp("column", "Locked at"),
        "locked_by": tp("column", "Locked by"),
        "unlocked_at": tp("column", "Unlocked at"),
        "unlocked_by": tp("column", "Unlocked by"),
        "unlock_reason": tp("column", "Unlock reason"),
        "automatic": tp("column", "Automatic"),
        "notice": tp("column", "Notice"),
        "state": tp("column", "State"),
        "answered_on": tp("column", "Answered on"),
        "answer": tp("column", "Answer"),
        "attachments": tp("column", "Attachments"),
        "closed_on": tp("column", "Closed on"),
    }


def headings_for(columns: Sequence[str]) -> tuple[str, ...]:
    """The header row for `columns`: known keys by their heading, others (months) as they are."""
    known = column_headings()
    return tuple(known.get(column, column) for column in columns)


# --- what `assess` and `export` print ------------------------------------------------------------------


def assessment_title(plan: Plan, view: AssessmentView) -> str:
    """The title over an assessment: the final result with who recorded it when, else a trial (试算)."""
    from ecotrack.i18n import t

    if view.recorded is not None:
        return t(
            "Final assessment of {year} as of {as_of} (recorded on {when} by {by})",
            year=plan.year,
            as_of=view.recorded.as_of.isoformat(),
            when=view.recorded.recorded_at.replace("T", " "),
            by=view.recorded.recorded_by,
        )
    return t("Assessment of {year} as of {as_of} (trial)", year=plan.year, as_of=view.as_of.isoformat())


def assessment_data(plan: Plan, view: AssessmentView, unit: str | None = None) -> dict[str, Any]:
    """SPEC §6's `assess` JSON (every unit, or `unit` with its explanation), marked final or not."""
    day = None if view.final else view.as_of  # an appeal's state as of the trial's date; all decided by the final
    appeals: dict[str, list[dict[str, Any]]] = {}
    for appeal in view.appeals:
        appeals.setdefault(appeal.unit, []).append(appeal_summary(appeal, day))
    units = [{**u, "final": view.final, "appeals": appeals.get(u["unit"], [])} for u in view.content["units"]]
    published = view.published
    data: dict[str, Any] = {
        "plan_year": plan.year,
        "as_of": view.content["as_of"],
        "final": view.final,
        "published": {
            "number": published.number,
            "as_of": published.as_of.isoformat(),
            "published_on": published.published_on.isoformat(),
            "published_at": published.published_at,
            "published_by": published.published_by,
            "window_closes": published.window_closes.isoformat(),
        }
        if published is not None
        else None,
        "units": units,
    }
    if view.final and "followed" in view.content:  # the publications and appeals the final followed (SPEC §15)
        data["followed"] = view.content["followed"]
    if unit is not None:
        shown = view.content["explanations"].get(unit, {})
        data.update(units=[u for u in units if u["unit"] == unit], **{k: v for k, v in shown.items() if k != "unit"})
    return data


def appeal_summary(appeal: StoredAppeal, day: date | None = None) -> dict[str, Any]:
    """An appeal as `assess` lists it under its unit (SPEC §15), its state as of `day` (None: now)."""
    state = appeal.state_on(day)
    decision = appeal.decision if state != "pending" else None
    return {
        "id": appeal.id,
        "publication": appeal.publication,
        "state": state,
        "text": appeal.text,
        "filed_on": appeal.filed_on.isoformat(),
        "decision": {
            "upheld": decision.upheld,
            "decided_on": decision.decided_on.isoformat(),
            "decided_by": decision.decided_by,
            "refs": list(decision.refs),
        }
        if decision is not None
        else None,
        "reason": decision.reason if decision is not None else None,
    }


def appeal_rows(appeals: Sequence[StoredAppeal]) -> list[dict[str, Any]]:
    """`ecotrack appeals`: every appeal with its state now and who filed and decided it, when."""
    return [
        {
            "id": a.id,
            "unit": a.unit,
            "publication": a.publication,
            "state": a.state,
            "text": a.text,
            "filed_on": a.filed_on.isoformat(),
            "filed_at": a.filed_at,
            "filed_by": a.filed_by,
            "reason": a.decision.reason if a.decision else None,
            "refs": list(a.decision.refs) if a.decision else [],
            "decided_on": a.decision.decided_on.isoformat() if a.decision else None,
            "decided_at": a.decision.decided_at if a.decision else None,
            "decided_by": a.decision.decided_by if a.decision else None,
            "attachments": [vars(f) for f in a.attachments],
        }
        for a in appeals
    ]


def request_rows(requests: Sequence[StoredRequest]) -> list[dict[str, Any]]:
    """`ecotrack requests`: every request with its state now and who made and decided it, when."""
    return [
        {
            "id": r.id,
            "unit": r.unit,
            "target": r.target,
            "kind": r.kind,
            "extend_to": r.extend_to.isoformat() if r.extend_to else None,
            "amount": r.amount,
            "state": r.state,
            "reason": r.reason,
            "requested_on": r.requested_on.isoformat(),
            "requested_at": r.requested_at,
            "requested_by": r.requested_by,
            "decision_reason": r.decision.reason if r.decision else None,
            "from": r.decision.from_period if r.decision else None,
            "decided_on": r.decision.decided_on.isoformat() if r.decision else None,
            "decided_at": r.decision.decided_at if r.decision else None,
            "decided_by": r.decision.decided_by if r.decision else None,
            "attachments": [vars(f) for f in r.attachments],
        }
        for r in requests
    ]


REQUEST_COLUMNS = (
    "id",
    "unit",
    "target",
    "kind",
    "extend_to",
    "amount",
    "state",
    "reason",
    "requested_on",
    "requested_at",
    "requested_by",
    "decision_reason",
    "from",
    "decided_on",
    "decided_at",
    "decided_by",
    "attachments",
)


def amendment_rows(amended: Sequence[AmendedAssignment], unit: str | None = None) -> list[dict[str, Any]]:
    """The assignments amended as of a date (SPEC §17): what each now is (null: as planned)."""
    return [
        {
            "unit": a.unit,
            "target": a.target,
            "exempt": a.exempt,
            "due": a.due.isoformat() if a.due else None,
            "last_month": a.last_month,
            "amount": a.amount,
        }
        for a in amended
        if unit in (None, a.unit)
    ]


APPEAL_COLUMNS = (
    "id",
    "unit",
    "publication",
    "state",
    "text",
    "filed_on",
    "filed_at",
    "filed_by",
    "reason",
    "refs",
    "decided_on",
    "decided_at",
    "decided_by",
    "attachments",
)


SHEET_NAMES = {
    "plan": N_("plan"),
    "status": N_("status"),
    "filings": N_("filings"),
    "assessment": N_("assessment"),
    "entries": N_("entries"),
    "notices": N_("notices"),
    "locks": N_("locks"),
    "rectifications": N_("rectifications"),
    "matters": N_("matters"),
    NOTES_TABLE: N_("supporting units' notes"),
}


def year_export_data(plan: Plan, facts: YearExport) -> dict[str, Any]:
    """SPEC §6's `export --format json`: every table as of the date; the assessment is the year's final result
    once one is recorded (SPEC §11), not a trial."""
    data = export_data(
        plan,
        facts.as_of,
        facts.assessment.evaluation,
        facts.assessment.units,
        facts.entries,
        facts.notices,
        facts.locks,
        rectification_rows([(item.stored, item.due, item.state) for item in facts.rectifications]),
        matter_rows([(i.matter, i.unit, i.stored.unit_name, i.state, i.stored.steps) for i in facts.matters]),
    )
    if facts.recorded is not None:
        data["assessment"] = [{**u, "final": True} for u in facts.recorded.content["units"]]
    data["assessment_final"] = facts.recorded is not None
    day = None if facts.recorded is not None else facts.as_of
    appeals: dict[str, list[dict[str, Any]]] = {}
    for appeal in facts.appeals:
        appeals.setdefault(appeal.unit, []).append(appeal_summary(appeal, day))
    data["assessment"] = [{**u, "appeals": appeals.get(u["unit"], [])} for u in data["assessment"]]
    if plan.supporting_reports or facts.notes:
        data[NOTES_TABLE] = note_rows(plan, facts.notes)
    return data


def year_export_bytes(plan: Plan, facts: YearExport, fmt: str, table: str | None, *, pretty: bool, bom: bool) -> bytes:
    """The export as written: JSON (every table, or one), a CSV table, or an XLSX workbook of a sheet per table
    and, with the assessment, one per unit."""
    from ecotrack import exports
    from ecotrack.i18n import t

    data = year_export_data(plan, facts)
    tables = export_tables(data, plan, facts.notices)
    if fmt == "json":
        chosen = data.get(table, []) if table is not None else None
        shown = data if table is None else {"plan_year": plan.year, "as_of": data["as_of"], table: chosen}
        return exports.json_text(shown, pretty=pretty).encode("utf-8")
    if fmt == "csv":
        columns, rows = tables[table or ""]
        return exports.csv_bytes(rows, columns, bom=bom)
    from ecotrack.scoresheet import title_lines, unit_sheets

    final = facts.recorded is not None
    sheets = [
        exports.Sheet(
            title=t(SHEET_NAMES[name]),
            columns=tables[name][0],
            headings=headings_for(tables[name][0]),
            rows=tables[name][1],
            percent_columns=SHARE_COLUMNS,
            title_lines=title_lines(
                plan,
                t("{title}: {table}", title=plan.title, table=t(SHEET_NAMES[name])),
                facts.as_of,
                final=final if name == "assessment" else None,
            ),
        )
        for name in ([table] if table else [*EXPORT_TABLES, *([NOTES_TABLE] if NOTES_TABLE in data else [])])
    ]
    if facts.explained is not None:
        sheets += unit_sheets(plan, facts.explained, final=final)
    return exports.xlsx_bytes(sheets)


def status_data(
    plan: Plan,
    as_of: date,
    month: str | None,
    rows: Sequence[StatusRow],
    totals: Sequence[TargetTotal] | None,
    amendments: Sequence[Mapping[str, Any]] = (),
    notes: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """SPEC §6's `status` JSON, with SPEC §12's district totals when asked for, the assignments amended as
    of its date (SPEC §17) when there are any, and for one unit of a plan with `supporting_reports` what its
    supporting units say of its targets (`support_notes`, SPEC §17)."""
    data: dict[str, Any] = {"plan_year": plan.year, "as_of": as_of, "evaluation_month": month, "rows": rows}
    if totals is not None:
        data["totals"] = totals
    if amendments:
        data["amendments"] = list(amendments)
    if notes is not None:
        data["support_notes"] = list(notes)
    return data


NOTE_COLUMNS = (
    "id",
    "unit",
    "unit_name",
    "target",
    "period",
    "text",
    "reported_by",
    "reported_at",
    "superseded",
    "filed_at",
    "filed_by",
    "batch",
    "backdated",
    "reason",
    "catch_up",
)


def note_rows(plan: Plan, notes: Sequence[SupportNote]) -> list[dict[str, Any]]:
    """Supporting units' notes as JSON and CSV rows (SPEC §17), each with its unit's name."""
    rows = []
    for note in notes:
        unit = plan.unit(note.unit)
        rows.append({**vars(note), "unit_name": unit.name if unit else note.unit})
    return [{column: row[column] for column in NOTE_COLUMNS} for row in rows]


def partner_note_rows(plan: Plan, notes: Sequence[SupportNote]) -> list[dict[str, Any]]:
    """`status --unit`'s `support_notes`: per target and supporting unit, the note shown for its latest month."""
    return [
        {key: row[key] for key in ("target", "unit", "unit_name", "period", "text", "reported_at")}
        for row in note_rows(plan, notes)
    ]


def overdue_data(plan: Plan, as_of: date, month: str | None, units: Sequence[OverdueUnit]) -> dict[str, Any]:
    """SPEC §6's `overdue` JSON (with §10's overdue rectifications)."""
    return {
        "plan_year": plan.year,
        "as_of": as_of,
        "evaluation_month": month,
        "units": [
            {
                "unit": u.unit,
                "unit_name": u.unit_name,
                "missing_reports": u.missing_reports,
                "behind": u.behind,
                "rectification_overdue": u.rectification_overdue,
                "refile_overdue": u.refile_overdue,
                "matters_overdue": u.matters_overdue,
            }
            for u in units
        ],
    }


def signature_data(notice: IssuedNotice, *, required: bool) -> dict[str, Any]:
    """A notice's 成文日期 and signature (SPEC §16): `signed` with its day, who and when, else null, and whether
    it waits for one before it circulates (`notices.require_signature`)."""
    signed = notice.signed
    return {
        "dated": notice.written_on.isoformat(),
        "signed": {"on": signed.on.isoformat(), "signed_at": signed.at, "signed_by": signed.by} if signed else None,
        "awaiting_signature": required and signed is None and notice.voided is None,
    }


def issued_notice_data(notice: IssuedNotice) -> dict[str, Any]:
    """A notice as `notices show` gives it to scripts: its record, when it was issued, and any voiding."""
    voided = notice.voided
    return {
        **notice.content,
        "issued_at": notice.issued_at,
        "void": {"reason": voided.reason, "voided_at": voided.voided_at, "voided_by": voided.voided_by}
        if voided
        else None,
    }


BOARD_COLUMNS = (
    "unit",
    "unit_name",
    "group",
    "colour",
    "score",
    "rank",
    "previous_colour",
    "previous_score",
    "previous_rank",
    "change",
    "behind",
    "at_risk",
    "missing_reports",
    "late",
)


def board_rows(board: Board) -> list[dict[str, Any]]:
    """One row per unit of the 亮灯 board (README "The board"), in its order: the light now, the light the month
    before (null when the unit was not on that board or there is none), `change` the places moved up."""
    rows = []
    for row in board.rows:
        now, before = row.now, row.previous
        rows.append(
            {
                "unit": now.unit,
                "unit_name": now.unit_name,
                "group": now.group,
                "colour": now.colour,
                "score": now.score,
                "rank": now.rank,
                "previous_colour": before.colour if before else None,
                "previous_score": before.score if before else None,
                "previous_rank": before.rank if before else None,
                "change": row.change,
                "behind": list(now.behind),
                "at_risk": list(now.at_risk),
                "missing_reports": list(now.missing_reports),
                "late": now.late,
            }
        )
    return rows


def board_data(plan: Plan, board: Board) -> dict[str, Any]:
    """`status --board` JSON: the dates and months compared, and the units."""
    return {
        "plan_year": plan.year,
        "as_of": board.as_of,
        "evaluation_month": board.evaluation_month,
        "previous_as_of": board.previous_as_of,
        "previous_month": board.previous_month,
        "units": board_rows(board),
    }
