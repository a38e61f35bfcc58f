"""SPEC §5 as pure functions: expected progress, status, monthly reports, overdue units, assessment.

Everything here is computed from a `Plan`, a `Ledger` of counted entries and the as-of date that the
caller passes in. Nothing here reads the clock, a file or the database, so every rule can be tested
with plain data.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Literal, NamedTuple

from ecotrack.plan import AmendedAssignment, Assignment, Plan, Target, TieBreakPart, Unit, period_label

# Every "p ≥ x" of SPEC §5 reads p ≥ x − EPSILON, to absorb floating-point noise.
EPSILON = 1e-9
# A milestone's due date within this many days of the as-of date makes it at risk (SPEC §5).
MILESTONE_WARNING_DAYS = 30

Status = Literal["done", "on_track", "at_risk", "behind"]
MonthStatus = Literal["on_time", "late", "missing", "pending", "not_required"]
STATUSES: tuple[Status, ...] = ("done", "on_track", "at_risk", "behind")


ReviewState = Literal["accepted", "submitted", "returned"]
# An entry reported more than this long before the day it is filed is a paper report after the fact (SPEC §9).
BACKDATED_AFTER = timedelta(days=1)


def review_state(submitted: bool, decision: str | None) -> ReviewState:
    """SPEC §9: an entry filed while review was not required, or by the office, is accepted when filed; a
    unit's entry under review is submitted until the office accepts or returns it."""
    if decision == "accepted":
        return "accepted"
    if decision == "returned":
        return "returned"
    return "submitted" if submitted else "accepted"


def counts(state: ReviewState, reported_on: date, as_of: date | None) -> bool:
    """SPEC §5 and §9, counted entries: accepted ones reported on or before D (whenever the office
    decided; None: every accepted entry). The store's SQL filters the same way (a property test holds
    them together)."""
    return state == "accepted" and (as_of is None or reported_on <= as_of)


def is_backdated(reported_on: date, filed_on: date) -> bool:
    """SPEC §9: reported more than a day before the (local) day it was filed. Dates, not hours: a paper
    report of yesterday typed in this morning is not backdated, one of the day before is."""
    return filed_on - reported_on > BACKDATED_AFTER


@dataclass(frozen=True)
class LockEvent:
    """The office locking (or unlocking) a period, as recorded; times are naive local time."""

    locked: bool
    at: datetime
    by: str
    reason: str


@dataclass(frozen=True)
class PeriodLock:
    """A time a period was closed to filing: by the office, or by itself (`review.lock_after_days`)."""

    period: str
    locked_at: datetime
    locked_by: str | None  # None: it locked itself
    reason: str
    unlocked_at: datetime | None  # None: still locked
    unlocked_by: str | None
    unlock_reason: str

    @property
    def automatic(self) -> bool:
        return self.locked_by is None


def auto_lock_moment(plan: Plan, month: int) -> datetime | None:
    """When a period locks itself: at the end of the day `lock_after_days` after its report's due date."""
    days = plan.review.lock_after_days
    if days is None:
        return None
    return datetime.combine(report_due_date(plan, month) + timedelta(days=days + 1), time())


def period_locks(plan: Plan, month: int, events: Sequence[LockEvent], now: datetime) -> list[PeriodLock]:
    """Each time the period was locked, oldest first, as of `now`: the office's locks and unlocks in their
    order, and the lock it puts on itself at `auto_lock_moment` if it is open then. The last one is in
    force when it has no `unlocked_at`."""
    label = period_label(plan.year, month)
    automatic = auto_lock_moment(plan, month)
    timeline: list[tuple[datetime, int, LockEvent | None]] = [(e.at, 0, e) for e in events]
    if automatic is not None and automatic <= now:
        timeline.append((automatic, 1, None))  # after an office's event of the same moment
    locks: list[PeriodLock] = []
    current: PeriodLock | None = None
    for at, _, event in sorted(timeline, key=lambda step: (step[0], step[1])):
        if event is None or event.locked:
            if current is None:
                current = PeriodLock(
                    period=label,
                    locked_at=at,
                    locked_by=event.by if event else None,
                    reason=event.reason if event else "",
                    unlocked_at=None,
                    unlocked_by=None,
                    unlock_reason="",
                )
                locks.append(current)
        elif current is not None:
            locks[-1] = replace(current, unlocked_at=at, unlocked_by=event.by, unlock_reason=event.reason)
            current = None
    return locks


def lock_in_force(locks: Sequence[PeriodLock]) -> PeriodLock | None:
    """The lock a period is under (the last one, while it has not been lifted), else None."""
    return locks[-1] if locks and locks[-1].unlocked_at is None else None


class Filed(NamedTuple):
    """The counted entries of one assignment for one period, reduced to what SPEC §5 reads. (A named
    tuple: a city's year has 72,000 of them, made four times faster than a frozen dataclass.)"""

    value: float  # the value of the entry that wins: latest reported date, then latest filed
    first_on: date  # the earliest reported date among them (when the period was first filed)
    counted_on: date  # the reported date of the entry that wins (what a later entry must reach to win)


# month of the plan year -> what was filed for it, for one assignment
Periods = Mapping[int, Filed]
# (unit code, target code) -> its periods; assignments with nothing counted may be absent
Ledger = Mapping[tuple[str, str], Periods]
# SPEC §17, §18: (supporting unit code, target code) -> month -> the earliest reported date of its counted notes
# for that month (when the month was first noted); what was never noted is absent
NoteLedger = Mapping[tuple[str, str], Mapping[int, date]]


@dataclass(frozen=True)
class StatusRow:
    """One assignment's position as of a date (the `status` rows of SPEC §6)."""

    unit: str
    unit_name: str
    task: str
    target: str
    target_title: str
    type: str
    measure: str | None
    baseline: float
    amount: float
    actual: float
    expected: float
    gap: float
    progress: float
    expected_share: float
    status: Status
    last_period: str | None
    due: str | None


@dataclass(frozen=True)
class UnitFilings:
    """A unit's monthly-report status for each month of the plan year from `start_month`."""

    unit: str
    unit_name: str
    months: dict[str, MonthStatus]


@dataclass(frozen=True)
class OverdueUnit:
    unit: str
    unit_name: str
    missing_reports: list[str]
    behind: list[StatusRow]
    rectification_overdue: list[int] = field(default_factory=list)  # notice numbers (SPEC §10)
    refile_overdue: list[int] = field(default_factory=list)  # returned entries not refiled in time (SPEC §16)
    matters_overdue: list[int] = field(default_factory=list)  # assigned matters not answered by their due date (§17)

    @property
    def count(self) -> int:
        return (
            len(self.missing_reports)
            + len(self.behind)
            + len(self.rectification_overdue)
            + len(self.refile_overdue)
            + len(self.matters_overdue)
        )


@dataclass(frozen=True)
class Outstanding:
    """Per unit, what is overdue besides the monthly figures: rectification items (their notices' numbers, SPEC
    §10), returned entries not refiled by their deadline (entry ids, §16) and assigned matters (matter ids, §17)."""

    items: Mapping[str, Sequence[int]] = field(default_factory=dict)
    refiles: Mapping[str, Sequence[int]] = field(default_factory=dict)
    matters: Mapping[str, Sequence[int]] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)  # of units that file nothing but were assigned a matter


@dataclass(frozen=True)
class Evaluation:
    """Status rows and monthly reports of a whole plan as of one date."""

    plan_year: int
    as_of: date
    evaluation_month: str | None
    rows: list[StatusRow]
    filings: list[UnitFilings]
    amended: tuple[AmendedAssignment, ...] = ()  # the amendments in force at `as_of` (SPEC §17, §18)

    def rows_by_unit(self) -> dict[str, list[StatusRow]]:
        """The rows grouped by unit, computed once per evaluation (the assessment asks for each unit)."""
        cached: dict[str, list[StatusRow]] | None = self.__dict__.get("_rows_by_unit")
        if cached is None:
            cached = {}
            for row in self.rows:
                cached.setdefault(row.unit, []).append(row)
            self.__dict__["_rows_by_unit"] = cached  # a frozen dataclass: the cache bypasses __setattr__
        return cached


@dataclass(frozen=True)
class Adjustment:
    """An office's bonus (points > 0) or deduction (points < 0) item with its basis (SPEC §11)."""

    id: int
    points: float
    item: str
    basis: str


@dataclass(frozen=True)
class Veto:
    """A veto (一票否决) of a unit's grade, with its reason."""

    id: int
    reason: str


@dataclass(frozen=True)
class UnitAssessment:
    unit: str
    unit_name: str
    kind: str
    completion: float
    timeliness: float
    reports_on_time: int
    reports_late: int
    reports_missing: int
    notices: int
    score: float
    grade: str
    rank: int
    group: str = "all"  # the ranking group: the unit's kind with `rank_by: kind`, else "all"
    notice_points: float = 0.0  # what the notices took, after `notice_penalty_cap`
    adjustments: list[Adjustment] = field(default_factory=list)
    vetoed: bool = False
    final: bool = False  # read from the year's recorded final result
    # SPEC §15, §18: the grade is kept only through a tie at its quota's limit (`quota_ties: keep`)
    beyond_quota: bool = False


@dataclass(frozen=True)
class Contribution:
    """How one assignment adds to its unit's completion (for `assess --unit`)."""

    target: str
    target_title: str
    weight: float
    progress: float
    counted: float  # the completion share it counts for, in [0, 1]
    points: float  # completion points this assignment earns
    rule: str = "linear"  # linear, scoring ("每差X扣Y分") or late_milestone
    target_points: float = 0.0  # the most it can earn: completion_points × weight / Σ weight
    shortfall: float | None = None  # for `scoring`: what is missing, in the target's own measure


def counted_share(progress: float) -> float:
    """Progress as the assessment counts it: never below nothing nor above the whole (SPEC §5)."""
    return min(max(progress, 0.0), 1.0)


def evaluation_month(year: int, as_of: date) -> int | None:
    """The last month of `year` that ended before `as_of`, or None before the end of January."""
    if as_of.year > year:
        return 12
    if as_of.year < year or as_of.month == 1:
        return None
    return as_of.month - 1


def scheduled_share(schedule: Iterable[tuple[int, float]], month: int | None) -> float:
    """The piecewise-linear line through (0, 0) and the schedule points, read at `month`."""
    if month is None:
        return 0.0
    previous_month, previous_share = 0, 0.0
    for point_month, point_share in schedule:
        if month <= point_month:
            fraction = (month - previous_month) / (point_month - previous_month)
            return previous_share + (point_share - previous_share) * fraction
        previous_month, previous_share = point_month, point_share
    return 1.0


def expected_share(target: Target, year: int, as_of: date) -> float:
    """The share of the way from baseline to amount that is due as of `as_of`."""
    if target.is_milestone:
        assert target.due is not None
        return 1.0 if target.due < as_of else 0.0
    return scheduled_share(target.schedule, evaluation_month(year, as_of))


def takes_over(reported_on: date, counted_on: date) -> bool:
    """Whether an entry filed after the one counted so far for its assignment and period counts instead
    (SPEC §4): the latest reported date wins, and of equal dates the one filed later."""
    return reported_on >= counted_on


def file_onto(counted: Filed | None, value: float, reported_on: date) -> Filed:
    """What counts for a period once one more entry is filed for it (SPEC §4), `counted` being what
    counted before (None: nothing). The one fold of the winning-entry rule that Python applies; the
    store's SQL picks the same winner (a property test holds them together)."""
    if counted is None:
        return Filed(value=value, first_on=reported_on, counted_on=reported_on)
    first_on = min(counted.first_on, reported_on)
    if takes_over(reported_on, counted.counted_on):
        return Filed(value=value, first_on=first_on, counted_on=reported_on)
    return counted._replace(first_on=first_on)


def progress(target: Target, assignment: Assignment, actual: float) -> float:
    """How far along the way from baseline to amount `actual` is (1.0 = there)."""
    if target.is_milestone:
        return actual
    return (actual - target.baseline) / (assignment.amount - target.baseline)


def is_done(target: Target, assignment: Assignment, actual: float) -> bool:
    return progress(target, assignment, actual) >= 1.0 - EPSILON


def latest_value(target: Target, periods: Periods, before_month: int | None = None) -> float:
    """The value of the latest period filed (before `before_month` if given), else the baseline."""
    months = [m for m in periods if before_month is None or m < before_month]
    return periods[max(months)].value if months else target.baseline


def assignment_status(
    target: Target, assignment: Assignment, actual: float, share: float, as_of: date, tolerance: float
) -> Status:
    """SPEC §5 status of one assignment."""
    if target.is_milestone:
        assert target.due is not None
        if actual >= 1.0 - EPSILON:
            return "done"
        if target.due < as_of:
            return "behind"
        if target.due <= as_of + timedelta(days=MILESTONE_WARNING_DAYS):
            return "at_risk"
        return "on_track"
    share_done = progress(target, assignment, actual)
    if share_done >= 1.0 - EPSILON:
        return "done"
    if share_done >= share - EPSILON:
        return "on_track"
    if share_done >= share - tolerance - EPSILON:
        return "at_risk"
    return "behind"


def status_row(
    plan: Plan, unit: Unit, target: Target, assignment: Assignment, periods: Periods, as_of: date
) -> StatusRow:
    actual = latest_value(target, periods)
    share = expected_share(target, plan.year, as_of)
    done_share = progress(target, assignment, actual)
    span = assignment.amount - target.baseline
    return StatusRow(
        unit=unit.code,
        unit_name=unit.name,
        task=target.task,
        target=target.code,
        target_title=target.title,
        type=target.type,
        measure=target.measure,
        baseline=target.baseline,
        amount=assignment.amount,
        actual=actual,
        expected=target.baseline + share * span,
        gap=(share - done_share) * abs(span),
        progress=done_share,
        expected_share=share,
        status=assignment_status(target, assignment, actual, share, as_of, plan.tolerance),
        last_period=period_label(plan.year, max(periods)) if periods else None,
        due=target.due.isoformat() if target.due else None,
    )


def report_due_date(plan: Plan, month: int) -> date:
    """The day the report for `month` is due: `report_due_day` of the following month."""
    if month == 12:
        return date(plan.year + 1, 1, plan.report_due_day)
    return date(plan.year, month + 1, plan.report_due_day)


def targets_to_cover(
    plan: Plan, unit: str, ledger: Ledger, month: int, latest: Mapping[str, Sequence[float]] | None = None
) -> list[tuple[Target, Assignment]]:
    """The assignments a unit's report for `month` must cover: those not done before that month.

    `latest`: per target code, `latest_values` of the unit's periods, when the caller asks for many months.
    """
    if latest is not None:
        return [(t, a) for t, a in plan.assignments_of(unit) if not is_done(t, a, latest[t.code][month])]
    return [
        (target, assignment)
        for target, assignment in plan.assignments_of(unit)
        if not is_done(target, assignment, latest_value(target, ledger.get((unit, target.code), {}), month))
    ]


def latest_values(target: Target, periods: Periods) -> list[float]:
    """`latest_value(target, periods, before_month=m)` for every m from 0 to 13, in one pass."""
    values = [target.baseline] * 14
    latest = target.baseline
    for month in range(1, 14):
        filed = periods.get(month - 1)
        if filed is not None:
            latest = filed.value
        values[month] = latest
    return values


@dataclass(frozen=True)
class OpenTarget:
    """A target a unit's monthly report must cover, with the last value filed for it before or in the month."""

    target: Target
    assignment: Assignment
    last_period: str | None  # None: nothing filed yet
    last_value: float  # the baseline when nothing is filed


def open_targets(plan: Plan, unit: str, ledger: Ledger, month: int) -> list[OpenTarget]:
    """`targets_to_cover`, each with what the clerk last filed for it (the monthly form and `template`)."""
    rows = []
    for target, assignment in targets_to_cover(plan, unit, ledger, month):
        periods = ledger.get((unit, target.code), {})
        earlier = [m for m in periods if m <= month]
        rows.append(
            OpenTarget(
                target=target,
                assignment=assignment,
                last_period=period_label(plan.year, max(earlier)) if earlier else None,
                last_value=latest_value(target, periods, before_month=month + 1),
            )
        )
    return rows


def targets_to_note(plan: Plan, unit: str) -> list[Target]:
    """SPEC §17, §18: the targets a supporting unit files a monthly note on, with `plan.supporting_reports`: each
    target it supports, every month from `start_month`, while any of the target's assignments stands (an
    assignment exempt as this plan is amended is no longer one to support). One note covers the target for all
    its lead units. None without the key."""
    if not plan.supporting_reports:
        return []
    return [
        target
        for target in plan.supports_of(unit)
        if any(not (found := plan.amendment(a.unit, target.code)) or not found.exempt for a in target.assignments)
    ]


def month_status(
    plan: Plan,
    unit: str,
    ledger: Ledger,
    month: int,
    as_of: date,
    latest: Mapping[str, Sequence[float]] | None = None,
    notes: NoteLedger | None = None,
) -> MonthStatus:
    """SPEC §5 status of a unit's monthly report for `month`, from the entries counted as of `as_of`
    (`latest` as for `targets_to_cover`). With `plan.supporting_reports` (SPEC §18) the notes it owes as a
    supporting unit (`notes`: those counted as of `as_of`) are part of its month: the month is filed when both
    its entries and its notes are, on the latest of their first dates."""
    to_cover = targets_to_cover(plan, unit, ledger, month, latest)
    to_note = targets_to_note(plan, unit)
    if not to_cover and not to_note:
        return "not_required"
    due = report_due_date(plan, month)
    first_filed: list[date] = []
    for target, _ in to_cover:
        filed = ledger.get((unit, target.code), {}).get(month)
        if filed is None:
            return "missing" if due < as_of else "pending"
        first_filed.append(filed.first_on)
    for target in to_note:
        noted = (notes or {}).get((unit, target.code), {}).get(month)
        if noted is None:
            return "missing" if due < as_of else "pending"
        first_filed.append(noted)
    return "on_time" if max(first_filed) <= due else "late"


def evaluate(
    plan: Plan, ledger: Ledger, as_of: date, amendments: Sequence[Amendment] = (), notes: NoteLedger | None = None
) -> Evaluation:
    """Every assignment's status and every unit's monthly reports as of `as_of` (plan order), under the
    amendments decided on or before `as_of` (SPEC §17, §18). With `plan.supporting_reports`, the supporting
    units' notes counted as of `as_of` (`notes`) are part of their months, and a unit that only supports has
    its row of filings (never a status row)."""
    in_force = amendments_in_force(amendments, as_of)
    current = amended_plan(plan, in_force)
    # SPEC §18 `--from`: month m's report covers what the amendments from m or earlier leave; one plan per set
    plans_by_month: dict[int, Plan] = {}
    for report_month in range(plan.start_month, 13):
        applying = [a for a in in_force if a.from_month <= report_month]
        plans_by_month[report_month] = current if len(applying) == len(in_force) else amended_plan(plan, applying)
    rows: list[StatusRow] = []
    filings: list[UnitFilings] = []
    # a unit exempt of every assignment still owes its months before --from; a supporting unit its notes (§18)
    for unit in plan.noting_units():
        for target, assignment in current.assignments_of(unit.code):
            periods = ledger.get((unit.code, target.code), {})
            rows.append(status_row(current, unit, target, assignment, periods, as_of))
        # each assignment's latest value before each month worked out once, not once a month
        latest = {
            target.code: latest_values(target, ledger.get((unit.code, target.code), {}))
            for target, _ in plan.assignments_of(unit.code)
        }
        months = {
            period_label(plan.year, m): month_status(plans_by_month[m], unit.code, ledger, m, as_of, latest, notes)
            for m in range(plan.start_month, 13)
        }
        filings.append(UnitFilings(unit=unit.code, unit_name=unit.name, months=months))
    month = evaluation_month(plan.year, as_of)
    return Evaluation(
        plan_year=plan.year,
        as_of=as_of,
        evaluation_month=period_label(plan.year, month) if month else None,
        rows=rows,
        filings=filings,
        amended=current.amended,
    )


# --- requests and amendments (SPEC §17, §18) -----------------------------------------------------------

AmendmentKind = Literal["extend", "amount", "exempt"]


@dataclass(frozen=True)
class Amendment:
    """An approved request (延期, 调整, 免责): in force from the day decided, deciding a unit's monthly reports
    from `from_month` on; `order` is the order decisions were recorded in (of one day, the later applies later)."""

    unit: str
    target: str
    kind: AmendmentKind
    from_month: int
    decided_on: date
    order: int
    extend_to: date | None = None
    amount: float | None = None


def amendments_in_force(amendments: Iterable[Amendment], as_of: date) -> list[Amendment]:
    """Those decided on or before D, in the order decided (SPEC §18)."""
    return sorted((a for a in amendments if a.decided_on <= as_of), key=lambda a: (a.decided_on, a.order))


def amended_plan(plan: Plan, in_force: Sequence[Amendment]) -> Plan:
    """The plan with these amendments layered over it, in their order: a later date or amount for the same
    assignment replaces an earlier one; an exemption is final. Without amendments, the plan itself."""
    if not in_force:
        return plan
    layered: dict[tuple[str, str], AmendedAssignment] = {}
    for amendment in in_force:
        target = plan.target(amendment.target)
        if target is None or target.assignment(amendment.unit) is None:
            continue  # a plan loaded since no longer assigns it
        key = (amendment.unit, amendment.target)
        now = layered.get(key, AmendedAssignment(amendment.unit, amendment.target))
        if now.exempt:
            continue
        if amendment.kind == "exempt":
            now = replace(now, exempt=True)
        elif amendment.kind == "amount":
            now = replace(now, amount=amendment.amount)
        elif amendment.extend_to is not None:
            if target.is_milestone:
                now = replace(now, due=amendment.extend_to)
            else:
                now = replace(now, last_month=extended_month(plan.year, amendment.extend_to))
        layered[key] = now
    return replace(plan, amended=tuple(layered.values()))


def extended_month(year: int, extend_to: date) -> int:
    """The month a quantity schedule's 1.0 moves to: the new date's month (December for a date after the year)."""
    return 12 if extend_to.year > year else extend_to.month


def overdue_units(evaluation: Evaluation, outstanding: Outstanding | None = None) -> list[OverdueUnit]:
    """Units with a behind assignment, a missing month, or something `outstanding` (an overdue rectification
    item, a returned entry not refiled by its deadline, an overdue assigned matter), most reasons first, then
    plan order (SPEC §5, §10, §16, §17). A unit with only an overdue matter is listed too."""
    over = outstanding or Outstanding()
    listed: list[OverdueUnit] = []
    rows_by_unit = evaluation.rows_by_unit()
    names = {f.unit: f.unit_name for f in evaluation.filings}
    for unit in [*names, *(code for code in over.matters if code not in names)]:
        months = next((f.months for f in evaluation.filings if f.unit == unit), {})
        missing = [month for month, status in months.items() if status == "missing"]
        behind = [r for r in rows_by_unit.get(unit, []) if r.status == "behind"]
        items = list(over.items.get(unit, []))
        refiles = list(over.refiles.get(unit, []))
        matters = list(over.matters.get(unit, []))
        if missing or behind or items or refiles or matters:
            name = names.get(unit) or over.names.get(unit, unit)
            listed.append(OverdueUnit(unit, name, missing, behind, items, refiles, matters))
    # sorted() is stable, so units with equal counts keep plan order
    return sorted(listed, key=lambda u: -u.count)


@dataclass(frozen=True)
class Refile:
    """A returned entry with a deadline to refile (限期重报, SPEC §16), and the earliest reported date of an
    entry filed after it for the same unit, target and period that counts (is accepted), if any."""

    entry_id: int
    unit: str
    refile_by: date
    refiled_on: date | None


def overdue_refiles(refiles: Sequence[Refile], as_of: date) -> dict[str, list[int]]:
    """Per unit, the returned entries overdue for refiling as of D (SPEC §18): the deadline is before D and no
    later entry counting by D has been filed; a late refile cures it from its reported date on."""
    overdue: dict[str, list[int]] = {}
    for refile in refiles:
        if refile.refile_by < as_of and (refile.refiled_on is None or refile.refiled_on > as_of):
            overdue.setdefault(refile.unit, []).append(refile.entry_id)
    return overdue


@dataclass(frozen=True)
class Uncured:
    """What a notice named a unit for that is not cured yet (SPEC §16 销号): months still not filed, targets
    still behind, rectification items still not answered, returned entries still not refiled, assigned matters
    still not answered."""

    months: list[str]
    targets: list[str]
    notices: list[int]
    refiles: list[int]
    matters: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.months or self.targets or self.notices or self.refiles or self.matters)


def uncured(
    unit: str,
    evaluation: Evaluation,
    *,
    months: Sequence[str],
    targets: Sequence[str],
    notices: Mapping[int, ItemState],
    refiles: Sequence[int],
    refiles_overdue: Sequence[int],
    matters: Mapping[int, ItemState] | None = None,
) -> Uncured:
    """Each reason a notice named `unit` for, checked as of the evaluation's date C (SPEC §18): a named month is
    filed (on time, late, or no longer required); a named target is not behind; a named overdue item (by its
    notice's number, or a matter by its id, with its state at C) is answered or closed; a named refile is no
    longer overdue."""
    filed = next((f.months for f in evaluation.filings if f.unit == unit), {})
    behind = {r.target for r in evaluation.rows if r.unit == unit and r.status == "behind"}
    return Uncured(
        months=[m for m in months if filed.get(m) in ("missing", "pending")],
        targets=[code for code in targets if code in behind],
        notices=[number for number, state in notices.items() if state not in ("answered", "closed")],
        refiles=[entry for entry in refiles if entry in refiles_overdue],
        matters=[matter for matter, state in (matters or {}).items() if state not in ("answered", "closed")],
    )


# --- rectification (SPEC §10) ------------------------------------------------------------------------

ItemState = Literal["open", "overdue", "answered", "closed", "reopened"]
ItemEventKind = Literal["answered", "closed", "reopened"]


@dataclass(frozen=True)
class ItemEvent:
    """Something done about an item (a notice's or a matter's): the unit's answer, or the office closing or
    returning it."""

    kind: ItemEventKind
    on: date


def rectification_due(plan: Plan, notice_dated: date) -> date:
    """A named unit's rectification is due `rectify_days` calendar days after its notice's 成文日期 (its as-of
    date unless it was dated otherwise, SPEC §14, §16)."""
    return notice_dated + timedelta(days=plan.notices.rectify_days)


def notice_counts_from(plan: Plan, notice_as_of: date, signed_on: date | None) -> date | None:
    """From which day a notice counts (its items, its place in the ladder, its penalty): its as-of date, or with
    `notices.require_signature` the day it was signed, None while it is not (SPEC §16, §18)."""
    if plan.notices.require_signature:
        return signed_on
    return notice_as_of


def counts_by(counts_from: date | None, as_of: date) -> bool:
    """Whether a notice that counts from `counts_from` counts as of D."""
    return counts_from is not None and counts_from <= as_of


def item_state(due: date, events: Sequence[ItemEvent], as_of: date) -> ItemState:
    """An item's state as of D (SPEC §10, §14): its events take effect on their dates (in date order; of one
    date, in the order recorded), a close is final, and an item not answered is overdue only once its due
    date is before D."""
    state: ItemState = "open"
    for event in sorted(events, key=lambda e: e.on):  # sorted() is stable: one day's events keep their order
        if event.on > as_of or state == "closed":
            continue
        state = event.kind
    if state in ("open", "reopened") and due < as_of:
        return "overdue"
    return state


def round_half_up(value: float, places: int = 2) -> float:
    """Round half-up to `places` decimals, as a person would: 89.995 gives 90.00."""
    # Quantize to 1e-9 first so that float noise (89.99499999999999) does not decide the rounding.
    exact = Decimal(repr(value)).quantize(Decimal("1e-9"), rounding=ROUND_HALF_EVEN)
    return float(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def _share(
    plan: Plan, target: Target, assignment: Assignment, row: StatusRow, target_points: float, late: bool
) -> tuple[float, str, float | None]:
    """SPEC §11, §14: the completion share of one assignment, the rule that gave it, and its shortfall."""
    if target.is_milestone and row.actual >= 1.0 - EPSILON and late:
        return 1.0 - plan.assessment.late_milestone, "late_milestone", None
    if target.scoring is None:
        return counted_share(row.progress), "linear", None
    span = 1.0 if target.is_milestone else abs(assignment.amount - target.baseline)
    shortfall = max(0.0, 1.0 - row.progress) * span  # not clamped: below the baseline deducts more
    if target_points <= 0:
        return (1.0 if shortfall <= EPSILON else 0.0), "scoring", shortfall
    earned = max(0.0, target_points - target.scoring.points * shortfall / target.scoring.per)
    return earned / target_points, "scoring", shortfall


def contributions(
    plan: Plan, evaluation: Evaluation, unit: str, done_on: Mapping[tuple[str, str], date] | None = None
) -> list[Contribution]:
    """Each assignment's share of a unit's completion points, in plan order (SPEC §5, §11).

    `done_on` gives, per (unit, milestone), the reported date of the earliest counted entry marking it done:
    done after its due date, it earns 1 − late_milestone.
    """
    if evaluation.amended and not plan.amended:
        plan = replace(plan, amended=evaluation.amended)  # the assignments as amended at the evaluation's date
    assigned = {t.code: (t, a) for t, a in plan.assignments_of(unit)}
    rows = evaluation.rows_by_unit().get(unit, [])
    total = sum(assigned[r.target][0].weight for r in rows)
    points = plan.assessment.completion_points
    found = []
    for row in rows:
        target, assignment = assigned[row.target]
        target_points = points * target.weight / total
        first_done = (done_on or {}).get((unit, target.code))
        late = target.due is not None and first_done is not None and first_done > target.due
        share, rule, shortfall = _share(plan, target, assignment, row, target_points, late)
        found.append(
            Contribution(
                target=row.target,
                target_title=row.target_title,
                weight=target.weight,
                progress=row.progress,
                counted=share,
                points=target_points * share,
                rule=rule,
                target_points=target_points,
                shortfall=shortfall,
            )
        )
    return found


def completion(items: Sequence[Contribution]) -> float:
    """Σ weight × share / Σ weight over one unit's assignments."""
    return sum(c.weight * c.counted for c in items) / sum(c.weight for c in items)


def timeliness(on_time: int, late: int, missing: int, late_share: float = 0.0) -> float:
    """SPEC §5, §15, §18: the months reported over the months that count (on time, late or missing), a late
    month worth `late_share` of one on time (`late_report_share`; 0: as much as missing); 1.0 when none count."""
    months = on_time + late + missing
    return (on_time + late_share * late) / months if months else 1.0


def grade(plan: Plan, score: float) -> str:
    """The highest grade whose lowest score `score` reaches, else the fail grade."""
    for name, lowest in sorted(plan.assessment.grades, key=lambda g: -g[1]):
        if score >= lowest - EPSILON:
            return name
    return plan.assessment.fail_grade


def _capped(total: float, cap: float | None) -> float:
    return total if cap is None else min(total, cap)


def assess(
    plan: Plan,
    evaluation: Evaluation,
    notice_counts: Mapping[str, int],
    *,
    adjustments: Mapping[str, Sequence[Adjustment]] | None = None,
    vetoes: Mapping[str, Sequence[Veto]] | None = None,
    done_on: Mapping[tuple[str, str], date] | None = None,
) -> list[UnitAssessment]:
    """The year-end assessment of SPEC §5, §11 and §15: groups in the order of their first unit in the plan,
    then rank (`ranks`, the plan's `tie_break` ordering equal scores), then plan order.

    `notice_counts` gives, per unit, the notice items naming it in notices of the plan year whose as-of
    date is on or before the evaluation's as-of date; `adjustments` and `vetoes` are those not voided
    (they carry no date); `done_on` as for `contributions`.
    """
    settings = plan.assessment
    units = {u.code: u for u in plan.units}
    unranked: list[UnitAssessment] = []
    rows_by_unit = evaluation.rows_by_unit()
    for unit_filings in evaluation.filings:
        code = unit_filings.unit
        if code not in rows_by_unit:
            continue  # SPEC §18: a unit left with no assessed assignment (every one exempt) is not assessed
        statuses = list(unit_filings.months.values())
        on_time, late, missing = (statuses.count(s) for s in ("on_time", "late", "missing"))
        unit_completion = completion(contributions(plan, evaluation, code, done_on))
        unit_timeliness = timeliness(on_time, late, missing, settings.late_report_share)
        notices = notice_counts.get(code, 0)
        items = list((adjustments or {}).get(code, []))
        notice_points = _capped(settings.notice_penalty * notices, settings.notice_penalty_cap)
        bonus = _capped(sum(a.points for a in items if a.points > 0), settings.bonus_cap)
        deduction = _capped(sum(-a.points for a in items if a.points < 0), settings.deduction_cap)
        raw = (
            settings.completion_points * unit_completion
            + settings.timeliness_points * unit_timeliness
            - notice_points
            + bonus
            - deduction
        )
        score = round_half_up(max(0.0, raw))
        vetoed = bool((vetoes or {}).get(code))
        unranked.append(
            UnitAssessment(
                unit=code,
                unit_name=unit_filings.unit_name,
                kind=units[code].kind,
                completion=unit_completion,
                timeliness=unit_timeliness,
                reports_on_time=on_time,
                reports_late=late,
                reports_missing=missing,
                notices=notices,
                score=score,
                grade=settings.vetoed_grade if vetoed else grade(plan, score),
                rank=0,
                group=units[code].kind if settings.rank_by == "kind" else "all",
                notice_points=notice_points,
                adjustments=items,
                vetoed=vetoed,
            )
        )
    position = {u.code: index for index, u in enumerate(plan.units)}
    ranked: list[UnitAssessment] = []
    for group in dict.fromkeys(a.group for a in unranked):  # in the order of their first unit in the plan
        members = ranks([a for a in unranked if a.group == group], settings.tie_break)
        members = _apply_quotas(plan, members, position)
        ranked += sorted(members, key=lambda a: (a.rank, position[a.unit]))
    return ranked


def _tie_value(result: UnitAssessment, part: TieBreakPart) -> float:
    """A part of a unit's score as `tie_break` compares it, unrounded, the greater ahead: the count of notices
    negated, since fewer is better (SPEC §15, §18)."""
    if part == "notices":
        return -float(result.notices)
    return result.completion if part == "completion" else result.timeliness


def ahead_in_tie(a: UnitAssessment, b: UnitAssessment, tie_break: Sequence[TieBreakPart]) -> bool:
    """Whether `a` is strictly ahead of `b` of the same rounded score: better on the first listed part on which
    they differ by more than floating-point noise; never, when they are equal on every one."""
    for part in tie_break:
        mine, theirs = _tie_value(a, part), _tie_value(b, part)
        if abs(mine - theirs) > EPSILON:
            return mine > theirs
    return False


def ranks(members: Sequence[UnitAssessment], tie_break: Sequence[TieBreakPart] = ()) -> list[UnitAssessment]:
    """Competition ranks within one group (SPEC §5, §18): a unit's rank is 1 + the units strictly ahead of
    it, those of a higher rounded score and, of an equal one, those ahead on the `tie_break` parts; units
    equal on the rounded score and on every listed part share a rank (1, 2, 2, 4). In the order given."""
    by_score: dict[float, list[UnitAssessment]] = {}
    for result in members:
        by_score.setdefault(result.score, []).append(result)
    rank: dict[str, int] = {}
    higher = 0  # the units of a higher rounded score than the block at hand
    for score in sorted(by_score, reverse=True):
        block = by_score[score]
        for result in block:
            rank[result.unit] = 1 + higher + sum(ahead_in_tie(other, result, tie_break) for other in block)
        higher += len(block)
    return [replace(result, rank=rank[result.unit]) for result in members]


def quota_limit(quota: float, group_size: int) -> int:
    """How many units of a group may keep a grade with this quota: ⌊quota × group size⌋, with 1e-9 of
    allowance so that 0.3 × 10 is 3 (SPEC §14)."""
    return math.floor(quota * group_size + EPSILON)


def _apply_quotas(plan: Plan, members: list[UnitAssessment], position: Mapping[str, int]) -> list[UnitAssessment]:
    """SPEC §11, §14, §15: from the highest grade down, of the units of a group holding G (by rank, then plan
    order) the first ⌊quota × group size⌋ keep it. When the unit at the limit and the next share a rank,
    that whole rank drops (`quota_ties: drop`), or every unit of it keeps G beyond the quota (`keep`);
    units after it drop either way. Dropped units join the next lower grade and meet its quota in turn."""
    quotas = dict(plan.assessment.grade_quota)
    if not quotas:
        return members
    order = [name for name, _ in sorted(plan.assessment.grades, key=lambda g: -g[1])]
    lower = dict(zip(order, [*order[1:], plan.assessment.fail_grade], strict=True))
    grades = {a.unit: a.grade for a in members}
    beyond: set[str] = set()
    for name in order:
        if name not in quotas:
            continue
        holders = sorted((a for a in members if grades[a.unit] == name), key=lambda a: (a.rank, position[a.unit]))
        limit = quota_limit(quotas[name], len(members))
        if len(holders) <= limit:
            continue
        kept = holders[:limit]
        if limit > 0 and holders[limit - 1].rank == holders[limit].rank:
            tied = holders[limit].rank
            if plan.assessment.quota_ties == "keep":
                kept = [a for a in holders if a.rank <= tied]
                beyond.update(a.unit for a in holders if a.rank == tied)
            else:
                kept = [a for a in kept if a.rank != tied]
        for dropped in holders:
            if dropped not in kept:
                grades[dropped.unit] = lower[name]
    return [replace(a, grade=grades[a.unit], beyond_quota=a.unit in beyond) for a in members]


@dataclass(frozen=True)
class TiedUnit:
    """One of the units sharing a rounded score, with the parts a tie-break reads (for `assess --unit`)."""

    unit: str
    unit_name: str
    completion: float
    timeliness: float
    notices: int
    rank: int


@dataclass(frozen=True)
class Tie:
    """The units of a group sharing a unit's rounded score, in rank then plan order, and the `tie_break`
    parts that ordered them (SPEC §15, §18): equal ranks are units no listed part told apart."""

    score: float
    tie_break: list[str]
    units: list[TiedUnit]


def tie_of(plan: Plan, results: Sequence[UnitAssessment], unit: str) -> Tie | None:
    """The tie a unit's rounded score is part of, when the plan breaks ties and another unit of its group has
    the same score; else None. `results` as `assess` gives them."""
    found = next((r for r in results if r.unit == unit), None)
    if found is None or not plan.assessment.tie_break:
        return None
    tied = [r for r in results if r.group == found.group and r.score == found.score]
    if len(tied) < 2:
        return None
    return Tie(
        score=found.score,
        tie_break=list(plan.assessment.tie_break),
        units=[TiedUnit(r.unit, r.unit_name, r.completion, r.timeliness, r.notices, r.rank) for r in tied],
    )


@dataclass(frozen=True)
class QuotaExceeded:
    """A grade a unit keeps beyond its quota, through a tie at the quota's limit (SPEC §15, §18): the quota,
    the group's size and the limit they give, and how many units of the group hold the grade."""

    grade: str
    quota: float
    group_size: int
    limit: int
    holders: int


def quota_exceeded(plan: Plan, results: Sequence[UnitAssessment], unit: str) -> QuotaExceeded | None:
    """How a unit kept its grade beyond the quota (`beyond_quota`), else None. `results` as `assess` gives them."""
    found = next((r for r in results if r.unit == unit), None)
    if found is None or not found.beyond_quota:
        return None
    group = [r for r in results if r.group == found.group]
    quota = dict(plan.assessment.grade_quota)[found.grade]
    return QuotaExceeded(
        grade=found.grade,
        quota=quota,
        group_size=len(group),
        limit=quota_limit(quota, len(group)),
        holders=sum(r.grade == found.grade for r in group),
    )


# --- district totals and trajectories (SPEC §12) -------------------------------------------------------


@dataclass(frozen=True)
class TargetTotal:
    """One target summed over its units (逐级汇总): the line an office reports upward. A rate (%) is not
    summed but averaged over the units ("aggregate": "mean"); a milestone counts done of assigned."""

    target: str
    target_title: str
    measure: str | None
    amount: float
    actual: float
    expected: float
    units: int
    aggregate: str  # "sum", "mean" (a rate) or "count" (a milestone: done / assigned)


def district_totals(plan: Plan, rows: Sequence[StatusRow]) -> list[TargetTotal]:
    """Per target of the plan (plan order), the sums of amount, actual and expected over the rows given."""
    by_target: dict[str, list[StatusRow]] = {}
    for row in rows:
        by_target.setdefault(row.target, []).append(row)
    totals = []
    for target in plan.targets():
        found = by_target.get(target.code)
        if not found:
            continue
        if target.is_milestone:
            aggregate, divisor = "count", 1
        elif target.measure == "%":
            aggregate, divisor = "mean", len(found)
        else:
            aggregate, divisor = "sum", 1
        totals.append(
            TargetTotal(
                target=target.code,
                target_title=target.title,
                measure=target.measure,
                amount=sum(r.amount for r in found) / divisor,
                actual=sum(r.actual for r in found) / divisor,
                expected=sum(r.expected for r in found) / divisor,
                units=len(found),
                aggregate=aggregate,
            )
        )
    return totals


@dataclass(frozen=True)
class Trajectory:
    """One assignment's year as a line: the expected level at the end of each month (0 = the start of the
    year, at the baseline) and the level filed for each month reported (as of a date)."""

    unit: str
    target: str
    baseline: float
    amount: float
    expected: list[tuple[int, float]]
    filed: list[tuple[int, float]]
    evaluation_month: int | None


def trajectory(plan: Plan, target: Target, assignment: Assignment, periods: Periods, as_of: date) -> Trajectory:
    """The expected line against the filed levels of one assignment (a milestone: 0 until due, then 1)."""
    span = assignment.amount - target.baseline
    if target.is_milestone:
        assert target.due is not None
        due_month = target.due.month if target.due.year == plan.year else 12
        expected = [(month, 0.0 if month < due_month else 1.0) for month in range(0, 13)]
    else:
        expected = [(month, target.baseline + scheduled_share(target.schedule, month) * span) for month in range(13)]
    return Trajectory(
        unit=assignment.unit,
        target=target.code,
        baseline=target.baseline,
        amount=assignment.amount,
        expected=expected,
        filed=[(month, periods[month].value) for month in sorted(periods)],
        evaluation_month=evaluation_month(plan.year, as_of),
    )


# --- the 亮灯 board: each unit's light and rank this month against last month (README "The board") ------------

Light = Literal["green", "yellow", "red"]
LIGHTS: tuple[Light, ...] = ("green", "yellow", "red")  # best first: a unit never ranks above one of a better light
# The score a unit's assignments average, by status; a report still missing, or the month's report filed late, costs
# points on top.
STATE_POINTS: Mapping[Status, float] = {"done": 100.0, "on_track": 80.0, "at_risk": 50.0, "behind": 0.0}
MISSING_REPORT_POINTS = 10.0
LATE_REPORT_POINTS = 5.0


@dataclass(frozen=True)
class BoardLight:
    """One unit's light as of one date, with what decided it: red for a behind assignment or a monthly report still
    missing, yellow for an assignment at risk or the evaluation month's report filed late, green otherwise."""

    unit: str
    unit_name: str
    group: str  # the ranking group: the unit's kind with `assessment.rank_by: kind`, else "all"
    colour: Light
    score: float  # rounded half-up to 2 decimals; ranks compare it so
    behind: tuple[str, ...]  # target codes, plan order
    at_risk: tuple[str, ...]
    missing_reports: tuple[str, ...]  # months, YYYY-MM
    late: bool  # the evaluation month's report was filed after its due date
    rank: int = 0  # within the group: 1 + the units strictly ahead


@dataclass(frozen=True)
class BoardRow:
    """A unit's light now and at the evaluation month before (None where it was not on that board)."""

    now: BoardLight
    previous: BoardLight | None

    @property
    def change(self) -> int | None:
        """Places moved up since the previous month (negative: down), None without a previous rank."""
        return None if self.previous is None else self.previous.rank - self.now.rank


def unit_light(
    unit: Unit, group: str, rows: Sequence[StatusRow], months: Mapping[str, MonthStatus], month: str | None
) -> BoardLight:
    """The light of one unit from its status rows and its monthly reports as of one date (`month`: the evaluation
    month, whose report being late makes the unit yellow; a report of any month still missing makes it red)."""
    behind = tuple(r.target for r in rows if r.status == "behind")
    at_risk = tuple(r.target for r in rows if r.status == "at_risk")
    missing = tuple(m for m, status in months.items() if status == "missing")
    late = month is not None and months.get(month) == "late"
    if behind or missing:
        colour: Light = "red"
    elif at_risk or late:
        colour = "yellow"
    else:
        colour = "green"
    states = sum(STATE_POINTS[r.status] for r in rows) / len(rows) if rows else STATE_POINTS["on_track"]
    score = states - MISSING_REPORT_POINTS * len(missing) - (LATE_REPORT_POINTS if late else 0.0)
    return BoardLight(
        unit=unit.code,
        unit_name=unit.name,
        group=group,
        colour=colour,
        score=round_half_up(max(0.0, score)),
        behind=behind,
        at_risk=at_risk,
        missing_reports=missing,
        late=late,
    )


def _light_ahead(a: BoardLight, b: BoardLight) -> bool:
    """Whether `a` ranks strictly ahead of `b`: a better light, or the same light and a higher score."""
    if a.colour != b.colour:
        return LIGHTS.index(a.colour) < LIGHTS.index(b.colour)
    return a.score > b.score


def board_lights(plan: Plan, evaluation: Evaluation) -> list[BoardLight]:
    """Every unit with an assignment in force, lit and ranked as of the evaluation's date: by group (in the order of
    its first unit in the plan), then rank, then plan order. A unit that only supports has no light."""
    by_unit = evaluation.rows_by_unit()
    lights = []
    for filings in evaluation.filings:  # plan order
        unit = plan.unit(filings.unit)
        rows = by_unit.get(filings.unit)
        if unit is None or not rows:
            continue
        group: str = unit.kind if plan.assessment.rank_by == "kind" else "all"
        lights.append(unit_light(unit, group, rows, filings.months, evaluation.evaluation_month))
    ranked: list[BoardLight] = []
    for name in dict.fromkeys(light.group for light in lights):
        members = [light for light in lights if light.group == name]
        with_rank = [replace(m, rank=1 + sum(_light_ahead(o, m) for o in members)) for m in members]
        ranked += sorted(with_rank, key=lambda light: light.rank)  # stable: plan order within a rank
    return ranked


def previous_board_date(year: int, as_of: date) -> date | None:
    """The date the board compares with: the same day one month before `as_of` (clamped to that month's length),
    whose evaluation month is the one before `as_of`'s. After the year, `as_of` counts as the end of the January
    after it (December is its evaluation month, November the one before). None when the evaluation month is January
    or there is none yet."""
    month = evaluation_month(year, as_of)
    if month is None or month == 1:
        return None
    after = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)  # the month after the evaluation month
    day = as_of.day if (as_of.year, as_of.month) == (after.year, after.month) else 31
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def board(plan: Plan, now: Evaluation, previous: Evaluation | None) -> list[BoardRow]:
    """The board as of `now`'s date, each unit's light beside its light in `previous` (the evaluation as of
    `previous_board_date`), in the order of `board_lights`."""
    before = {light.unit: light for light in board_lights(plan, previous)} if previous is not None else {}
    return [BoardRow(light, before.get(light.unit)) for light in board_lights(plan, now)]
