"""SPEC §5 as pure functions: parametrized edge cases and hypothesis properties, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecotrack import rules
from ecotrack.plan import AssessmentSettings, Assignment, Plan, Target, Task, Unit
from ecotrack.rules import Filed, Ledger

YEAR = 2012


def plan_of(*targets: Target, units: tuple[str, ...] = ("east", "west", "help"), **settings: object) -> Plan:
    return Plan(
        year=YEAR,
        title="test",
        office="office",
        units=tuple(Unit(code=u, name=u.upper(), kind="town") for u in units),
        tasks=(Task(code="1", title="task", targets=targets),),
        **settings,  # type: ignore[arg-type]
    )


def quantity(
    code: str = "1.1",
    amount: float = 10,
    baseline: float = 0.0,
    unit: str = "east",
    schedule: tuple[tuple[int, float], ...] = ((12, 1.0),),
    weight: float = 1.0,
) -> Target:
    return Target(
        code=code,
        title=code,
        task="1",
        measure="个",
        baseline=baseline,
        schedule=schedule,
        weight=weight,
        assignments=(Assignment(unit, amount),),
    )


def milestone(code: str = "9.1", due: date = date(YEAR, 6, 30), unit: str = "east") -> Target:
    return Target(code=code, title=code, task="1", type="milestone", due=due, assignments=(Assignment(unit, 1.0),))


def filed(*periods: tuple[int, float, date]) -> dict[int, Filed]:
    return {month: Filed(value=value, first_on=on, counted_on=on) for month, value, on in periods}


# --- evaluation month and expected share ---------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "month"),
    [
        (date(2012, 1, 1), None),
        (date(2012, 1, 31), None),
        (date(2012, 2, 1), 1),
        (date(2012, 6, 30), 5),
        (date(2012, 7, 1), 6),
        (date(2012, 12, 31), 11),
        (date(2013, 1, 1), 12),
        (date(2015, 6, 1), 12),
        (date(2011, 12, 31), None),
    ],
)
def test_evaluation_month(as_of: date, month: int | None) -> None:
    assert rules.evaluation_month(YEAR, as_of) == month


@pytest.mark.parametrize(
    ("schedule", "month", "share"),
    [
        (((12, 1.0),), None, 0.0),
        (((12, 1.0),), 6, 0.5),
        (((12, 1.0),), 12, 1.0),
        (((6, 0.4), (12, 1.0)), 3, 0.2),
        (((6, 0.4), (12, 1.0)), 6, 0.4),
        (((6, 0.4), (12, 1.0)), 9, 0.7),
        (((3, 0.2), (9, 0.8), (12, 1.0)), 5, 0.4),
        (((6, 1.0),), 3, 0.5),
        (((6, 1.0),), 8, 1.0),  # 1.0 after the last point
    ],
)
def test_scheduled_share(schedule: tuple[tuple[int, float], ...], month: int | None, share: float) -> None:
    assert rules.scheduled_share(schedule, month) == pytest.approx(share)


def test_trajectory_starts_at_january_whatever_start_month() -> None:
    plan = plan_of(quantity(), start_month=4)
    assert rules.expected_share(quantity(), plan.year, date(2012, 4, 1)) == pytest.approx(3 / 12)


# --- status of an assignment ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "as_of", "status"),
    [
        (10, date(2012, 7, 1), "done"),
        (12, date(2012, 7, 1), "done"),  # over-fulfilment
        (5, date(2012, 7, 1), "on_track"),  # exactly expected (6/12)
        (4, date(2012, 7, 1), "at_risk"),  # 0.4 ≥ 0.5 − 0.1
        (3.9, date(2012, 7, 1), "behind"),
        (0, date(2012, 1, 15), "on_track"),  # nothing is due before an evaluation month
    ],
)
def test_quantity_status(actual: float, as_of: date, status: str) -> None:
    target = quantity()
    plan = plan_of(target)
    row = rules.status_row(plan, plan.units[0], target, target.assignments[0], filed((6, actual, as_of)), as_of)
    assert row.status == status


def test_tolerance_band_edge_allows_float_noise() -> None:
    # 0.1 + 0.2 style noise must not turn an at-risk assignment into a behind one
    target = quantity(amount=3)
    plan = plan_of(target, tolerance=0.1)
    as_of = date(2012, 7, 1)  # share 0.5, band down to 0.4
    row = rules.status_row(plan, plan.units[0], target, target.assignments[0], filed((6, 1.2, as_of)), as_of)
    assert row.progress == pytest.approx(0.4)
    assert row.status == "at_risk"


def test_custom_tolerance_changes_the_band() -> None:
    target = quantity()
    as_of = date(2012, 7, 1)
    wide = plan_of(target, tolerance=0.3)
    narrow = plan_of(target, tolerance=0.0)
    periods = filed((6, 3, as_of))
    assert rules.status_row(wide, wide.units[0], target, target.assignments[0], periods, as_of).status == "at_risk"
    assert rules.status_row(narrow, narrow.units[0], target, target.assignments[0], periods, as_of).status == "behind"


def test_reduction_target_progress_and_gap() -> None:
    target = quantity(amount=450, baseline=500)
    plan = plan_of(target)
    as_of = date(2012, 7, 1)
    row = rules.status_row(plan, plan.units[0], target, target.assignments[0], filed((6, 480, as_of)), as_of)
    assert row.progress == pytest.approx(0.4)
    assert row.expected == pytest.approx(475)
    assert row.gap == pytest.approx(5)  # 5 tonnes still to cut to be on schedule
    assert row.status == "at_risk"


def test_actual_reads_the_latest_period_even_after_the_evaluation_month() -> None:
    target = quantity()
    plan = plan_of(target)
    as_of = date(2012, 7, 10)  # evaluation month June; July's level already filed
    periods = filed((5, 4, date(2012, 6, 3)), (7, 6, date(2012, 7, 9)), (6, 5, date(2012, 7, 2)))
    row = rules.status_row(plan, plan.units[0], target, target.assignments[0], periods, as_of)
    assert (row.actual, row.last_period) == (6, "2012-07")


def test_no_entry_means_the_baseline() -> None:
    target = quantity(amount=90, baseline=60)
    plan = plan_of(target)
    row = rules.status_row(plan, plan.units[0], target, target.assignments[0], {}, date(2012, 7, 1))
    assert (row.actual, row.progress, row.last_period) == (60, 0.0, None)


@pytest.mark.parametrize(
    ("actual", "as_of", "status", "share"),
    [
        (1, date(2012, 8, 1), "done", 1.0),
        (0, date(2012, 7, 1), "behind", 1.0),  # due 06-30 is before D
        (0, date(2012, 6, 30), "at_risk", 0.0),  # D ≤ due
        (0, date(2012, 5, 31), "at_risk", 0.0),  # due ≤ D + 30
        (0, date(2012, 5, 30), "on_track", 0.0),
    ],
)
def test_milestone_status(actual: float, as_of: date, status: str, share: float) -> None:
    target = milestone()
    plan = plan_of(target)
    periods = filed((3, actual, date(2012, 4, 2))) if actual else {}
    row = rules.status_row(plan, plan.units[0], target, target.assignments[0], periods, as_of)
    assert (row.status, row.expected_share, row.due) == (status, share, "2012-06-30")


def test_a_zero_after_a_one_undoes_a_milestone() -> None:
    target = milestone()
    plan = plan_of(target)
    periods = filed((3, 1, date(2012, 4, 2)), (4, 0, date(2012, 5, 2)))
    row = rules.status_row(plan, plan.units[0], target, target.assignments[0], periods, date(2012, 6, 5))
    assert row.actual == 0 and row.status == "at_risk"


# --- monthly reports ------------------------------------------------------------------------------


def test_month_statuses_on_time_late_missing_pending() -> None:
    target = quantity()
    plan = plan_of(target)
    ledger: Ledger = {("east", "1.1"): filed((1, 1, date(2012, 2, 5)), (2, 2, date(2012, 3, 6)))}
    statuses = {m: rules.month_status(plan, "east", ledger, m, date(2012, 4, 6)) for m in (1, 2, 3, 4)}
    assert statuses == {1: "on_time", 2: "late", 3: "missing", 4: "pending"}


def test_due_day_is_inclusive_and_configurable() -> None:
    target = quantity()
    ledger: Ledger = {("east", "1.1"): filed((1, 1, date(2012, 2, 10)))}
    assert rules.month_status(plan_of(target), "east", ledger, 1, date(2012, 3, 1)) == "late"
    assert rules.month_status(plan_of(target, report_due_day=10), "east", ledger, 1, date(2012, 3, 1)) == "on_time"
    # due(M) not yet passed: still pending on the due day itself
    assert rules.month_status(plan_of(target, report_due_day=10), "east", {}, 1, date(2012, 2, 10)) == "pending"
    assert rules.month_status(plan_of(target, report_due_day=10), "east", {}, 1, date(2012, 2, 11)) == "missing"


def test_december_is_due_in_january_of_the_next_year() -> None:
    assert rules.report_due_date(plan_of(quantity()), 12) == date(2013, 1, 5)


def test_a_report_covering_only_some_open_targets_is_missing() -> None:
    plan = plan_of(quantity("1.1"), quantity("1.2"))
    ledger: Ledger = {("east", "1.1"): filed((1, 1, date(2012, 2, 3)))}
    assert rules.month_status(plan, "east", ledger, 1, date(2012, 3, 1)) == "missing"


def test_filed_on_the_latest_of_the_targets_first_filings() -> None:
    plan = plan_of(quantity("1.1"), quantity("1.2"))
    ledger: Ledger = {
        ("east", "1.1"): filed((1, 1, date(2012, 2, 3))),
        ("east", "1.2"): filed((1, 1, date(2012, 2, 9))),
    }
    assert rules.month_status(plan, "east", ledger, 1, date(2012, 3, 1)) == "late"


def test_a_late_correction_does_not_make_an_on_time_month_late() -> None:
    plan = plan_of(quantity())
    # first filed on time; the value that counts came from a correction weeks later
    ledger: Ledger = {("east", "1.1"): {1: Filed(value=3, first_on=date(2012, 2, 4), counted_on=date(2012, 2, 4))}}
    assert rules.month_status(plan, "east", ledger, 1, date(2012, 4, 1)) == "on_time"


def test_a_unit_that_finished_owes_no_more_reports() -> None:
    plan = plan_of(quantity("1.1"), quantity("1.2"))
    ledger: Ledger = {
        ("east", "1.1"): filed((3, 10, date(2012, 4, 2))),  # done in March
        ("east", "1.2"): filed((3, 10, date(2012, 4, 2))),
    }
    assert rules.month_status(plan, "east", ledger, 3, date(2012, 6, 1)) == "on_time"
    assert rules.month_status(plan, "east", ledger, 4, date(2012, 6, 1)) == "not_required"
    assert rules.month_status(plan, "east", ledger, 11, date(2012, 6, 1)) == "not_required"


def test_only_open_targets_must_be_covered() -> None:
    plan = plan_of(quantity("1.1"), quantity("1.2"))
    ledger: Ledger = {
        ("east", "1.1"): filed((3, 10, date(2012, 4, 2))),  # 1.1 done; April needs only 1.2
        ("east", "1.2"): filed((3, 2, date(2012, 4, 2)), (4, 3, date(2012, 5, 2))),
    }
    assert rules.month_status(plan, "east", ledger, 4, date(2012, 6, 1)) == "on_time"


def test_start_month_skips_earlier_months() -> None:
    plan = plan_of(quantity(), start_month=3)
    evaluation = rules.evaluate(plan, {}, date(2012, 7, 1))
    assert list(evaluation.filings[0].months) == [f"2012-{m:02d}" for m in range(3, 13)]
    assert evaluation.filings[0].months["2012-03"] == "missing"


def test_supporting_only_units_appear_nowhere() -> None:
    target = replace(quantity(), support=("help",))
    plan = plan_of(target)
    evaluation = rules.evaluate(plan, {}, date(2012, 9, 1))
    assert [r.unit for r in evaluation.rows] == ["east"]
    assert [f.unit for f in evaluation.filings] == ["east"]
    assert [a.unit for a in rules.assess(plan, evaluation, {})] == ["east"]


# --- overdue units --------------------------------------------------------------------------------


def test_overdue_order_most_reasons_first_then_plan_order() -> None:
    plan = plan_of(quantity("1.1", unit="east"), quantity("1.2", unit="west"), milestone("9.1", unit="west"))
    as_of = date(2012, 7, 10)
    ledger: Ledger = {
        ("east", "1.1"): {
            m: Filed(1, date(2012, m + 1, 1), date(2012, m + 1, 1)) for m in range(1, 7)
        },  # behind, no missing month
        ("west", "1.2"): {
            m: Filed(5, date(2012, m + 1, 1), date(2012, m + 1, 1)) for m in range(1, 5)
        },  # May, June missing
        ("west", "9.1"): {m: Filed(0, date(2012, m + 1, 1), date(2012, m + 1, 1)) for m in range(1, 5)},
    }
    evaluation = rules.evaluate(plan, ledger, as_of)
    overdue = rules.overdue_units(evaluation)
    assert [(u.unit, u.missing_reports, [b.target for b in u.behind]) for u in overdue] == [
        ("west", ["2012-05", "2012-06"], ["9.1"]),  # milestone past its due date is behind
        ("east", [], ["1.1"]),
    ]


# --- assessment ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "rounded"), [(89.995, 90.0), (89.994999, 89.99), (46.333333, 46.33), (0.005, 0.01)])
def test_round_half_up(value: float, rounded: float) -> None:
    assert rules.round_half_up(value) == rounded


def test_float_noise_does_not_decide_rounding() -> None:
    assert rules.round_half_up(89.99499999999999) == 90.0


def assessment_plan(**settings: object) -> Plan:
    return plan_of(
        quantity("1.1", unit="east", weight=3),
        quantity("1.2", unit="east", amount=50, baseline=100),
        quantity("1.3", unit="west"),
        assessment=AssessmentSettings(**settings),  # type: ignore[arg-type]
    )


def test_completion_clamps_over_fulfilment_and_negative_progress() -> None:
    plan = assessment_plan()
    year_end = date(2013, 2, 1)
    ledger: Ledger = {
        ("east", "1.1"): filed((12, 15, date(2013, 1, 3))),  # 150 % counts as 100 %
        ("east", "1.2"): filed((12, 120, date(2013, 1, 3))),  # emissions rose: −40 % counts as 0
    }
    evaluation = rules.evaluate(plan, ledger, year_end)
    east = next(a for a in rules.assess(plan, evaluation, {}) if a.unit == "east")
    assert east.completion == pytest.approx(3 * 1.0 / 4)


def test_timeliness_is_one_when_no_month_was_required() -> None:
    plan = plan_of(quantity())
    evaluation = rules.evaluate(plan, {}, date(2012, 1, 20))
    (only,) = rules.assess(plan, evaluation, {})
    assert (only.timeliness, only.reports_on_time, only.reports_late, only.reports_missing) == (1.0, 0, 0, 0)
    assert only.score == 20.0


def test_score_with_non_default_settings_notices_and_grades() -> None:
    plan = assessment_plan(
        completion_points=60, timeliness_points=40, notice_penalty=5, grades=(("A", 95.0), ("B", 50.0)), fail_grade="F"
    )
    year_end = date(2013, 2, 1)
    ledger: Ledger = {
        ("east", "1.1"): {
            m: Filed(10 * m / 12, date(2012 + m // 12, m % 12 + 1, 3), date(2012 + m // 12, m % 12 + 1, 3))
            for m in range(1, 13)
        },
        ("east", "1.2"): {
            m: Filed(50, date(2012 + m // 12, m % 12 + 1, 3), date(2012 + m // 12, m % 12 + 1, 3)) for m in range(1, 13)
        },
        ("west", "1.3"): {
            m: Filed(10, date(2012 + m // 12, m % 12 + 1, 9), date(2012 + m // 12, m % 12 + 1, 9)) for m in range(1, 2)
        },
    }
    evaluation = rules.evaluate(plan, ledger, year_end)
    results = {a.unit: a for a in rules.assess(plan, evaluation, {"west": 3})}
    assert results["east"].score == 100.0 and results["east"].grade == "A"
    # west: done in January (filed late), then owes nothing; 60 + 40 × 0 − 5 × 3
    assert (results["west"].reports_late, results["west"].reports_on_time) == (1, 0)
    assert results["west"].score == 45.0 and results["west"].grade == "F"
    assert results["west"].notices == 3


def test_score_is_never_negative() -> None:
    plan = plan_of(quantity())
    evaluation = rules.evaluate(plan, {}, date(2013, 2, 1))
    (only,) = rules.assess(plan, evaluation, {"east": 40})
    assert only.score == 0.0


def test_competition_ranking_with_ties() -> None:
    units = ("a", "b", "c", "d")
    plan = plan_of(*(quantity(f"1.{i}", unit=u) for i, u in enumerate(units, start=1)), units=units)
    as_of = date(2013, 2, 1)
    values = {"a": 10, "b": 5, "c": 5, "d": 0}
    ledger: Ledger = {(u, f"1.{i}"): filed((12, values[u], date(2013, 1, 2))) for i, u in enumerate(units, start=1)}
    results = rules.assess(plan, rules.evaluate(plan, ledger, as_of), {})
    assert [(a.unit, a.rank) for a in results] == [("a", 1), ("b", 2), ("c", 2), ("d", 4)]


# --- properties -----------------------------------------------------------------------------------

schedules = st.lists(st.integers(1, 12), min_size=1, max_size=12, unique=True).flatmap(
    lambda months: st.lists(st.floats(0.01, 1.0), min_size=len(months), max_size=len(months)).map(
        lambda shares: tuple(zip(sorted(months), [*sorted(shares)[:-1], 1.0], strict=True))
    )
)


@given(schedules, st.integers(1, 11))
def test_expected_share_never_decreases_and_stays_in_0_1(schedule: tuple[tuple[int, float], ...], month: int) -> None:
    here, later = rules.scheduled_share(schedule, month), rules.scheduled_share(schedule, month + 1)
    assert 0.0 <= here <= later + 1e-12 <= 1.0 + 1e-12
    assert rules.scheduled_share(schedule, 12) == pytest.approx(1.0)


@given(
    st.floats(0, 1000, allow_nan=False),
    st.floats(0, 1000, allow_nan=False),
    st.floats(0, 1000),
    st.dates(date(2012, 1, 1), date(2013, 3, 1)),
)
def test_status_agrees_with_progress(amount: float, baseline: float, actual: float, as_of: date) -> None:
    if abs(amount - baseline) < 1e-6:
        return
    target = quantity(amount=amount, baseline=baseline)
    plan = plan_of(target)
    row = rules.status_row(
        plan, plan.units[0], target, target.assignments[0], filed((1, actual, date(2012, 2, 1))), as_of
    )
    better_actual = actual + (1 if amount > baseline else -1) * abs(amount - baseline)
    better = rules.status_row(
        plan, plan.units[0], target, target.assignments[0], filed((1, max(better_actual, 0), date(2012, 2, 1))), as_of
    )
    order = rules.STATUSES[::-1]  # behind < at_risk < on_track < done
    assert order.index(better.status) >= order.index(row.status)
    assert row.gap == pytest.approx((row.expected_share - row.progress) * abs(amount - baseline), abs=1e-6)


@settings(max_examples=60)
@given(
    st.lists(st.tuples(st.integers(1, 12), st.floats(0, 20), st.integers(0, 60)), max_size=30),
    st.dates(date(2012, 1, 1), date(2013, 2, 28)),
)
def test_assessment_bounds(filings: list[tuple[int, float, int]], as_of: date) -> None:
    plan = plan_of(quantity("1.1"), quantity("1.2", unit="west"), milestone("9.1", unit="west"))
    ledger: dict[tuple[str, str], dict[int, Filed]] = {}
    for month, value, delay in filings:
        key = ("east", "1.1") if month % 2 else ("west", "1.2")
        on = date(YEAR, month, 1) + timedelta(days=delay)
        ledger.setdefault(key, {})[month] = Filed(value=value, first_on=on, counted_on=on)
    evaluation = rules.evaluate(plan, ledger, as_of)
    for result in rules.assess(plan, evaluation, {}):
        assert 0 <= result.completion <= 1 and 0 <= result.timeliness <= 1
        assert 0 <= result.score <= 100
        assert result.score == rules.round_half_up(result.score)


@given(
    st.dictionaries(st.integers(min_value=1, max_value=12), st.floats(min_value=0, max_value=100), max_size=12),
    st.floats(min_value=0, max_value=50),
)
@settings(max_examples=200, deadline=None)
def test_latest_values_are_latest_value_for_every_month(values: dict[int, float], baseline: float) -> None:
    """The one-pass table the evaluation uses for the months' reports equals `latest_value` month by month."""
    target = Target(code="1.1", title="t", task="1", baseline=baseline)
    on = date(2012, 6, 1)
    periods = {month: Filed(value, on, on) for month, value in values.items()}
    table = rules.latest_values(target, periods)
    assert table == [rules.latest_value(target, periods, before_month=month) for month in range(14)]
