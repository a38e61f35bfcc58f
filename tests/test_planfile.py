"""The plan file (SPEC §3): every rule as `FILE:LINE:COLUMN: message`, all errors at once, a safe loader,
and `ecotrack plan check` at the command line."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from ecotrack.errors import PlanInvalid
from ecotrack.plan import AssessmentSettings, Contact, NoticeSettings, Plan, ReviewSettings, Scoring
from ecotrack.planfile import (
    AssessmentSection,
    ContactSection,
    NoticesSection,
    PlanSection,
    ReviewSection,
    ScoringSection,
    parse_plan,
    read_plan,
)

from .conftest import CONFORMANCE, SAMPLE_PLAN, make_workspace

# A small valid plan; the cases below edit one spot of it. The lines the expectations refer to: 1 plan, 2 year,
# 3 title, 4 office, 5 units, 6 / 9 / 12 the codes of dongpo / nanyuan / huanbao, 15 tasks, 16 task "1",
# 19 target "1.1" (21 measure, 22 schedule, 23 support, 24 assign), 25 target "1.2" (27 type, 28 due, 29 assign),
# 30 target "1.3" (32 measure, 33 amount, 34 assign); test_base_plan_lines_are_as_documented keeps this true.
BASE = """\
plan:
  year: 2014
  title: 规则样例
  office: 办公室
units:
  - code: dongpo
    name: 东坡镇
    kind: town
  - code: nanyuan
    name: 南苑街道
    kind: subdistrict
  - code: huanbao
    name: 区环保局
    kind: department
tasks:
  - code: "1"
    title: 农村环境整治
    targets:
      - code: "1.1"
        title: 建成污水处理设施
        measure: 座
        schedule: {6: 0.4, 12: 1.0}
        support: [huanbao]
        assign: {dongpo: 10, nanyuan: 5}
      - code: "1.2"
        title: 建立联防联控机制
        type: milestone
        due: 2014-06-30
        assign: [huanbao]
      - code: "1.3"
        title: 开展宣传活动
        measure: 场
        amount: 4
        assign: [dongpo, nanyuan]
"""
AFTER_OFFICE = "  office: 办公室\n"  # inserting after it puts the new key on line 5
BEFORE_UNITS = "units:\n"  # inserting before it puts the new section on line 5
BEFORE_TASKS = "tasks:\n"  # inserting before it puts the new lines from line 15
AFTER_MEASURE = "        measure: 座\n"  # inserting after it puts the new key of target 1.1 on line 22
AFTER_DUE = "        due: 2014-06-30\n"  # inserting after it puts the new key of target 1.2 on line 29
SCHEDULE = "{6: 0.4, 12: 1.0}"
ASSIGN = "{dongpo: 10, nanyuan: 5}"
QUOTE_HINT = 'code must be text, not a number or yes/no: quote it (code: "{text}")'
UNIT_PATTERN = "unit code {code!r} must be lowercase letters, digits, '_' or '-', starting with a letter"
NUMBER_FORMAT_FIELDS = "number_format must contain {number} and may contain only {number}, {year} and {code}"
ALIAS_REFUSED = "YAML aliases (*name) are not allowed in a plan file; write the value out"


def edited(old: str, new: str) -> str:
    """BASE with its one occurrence of `old` replaced."""
    assert BASE.count(old) == 1, f"{old!r} must occur once in BASE"
    return BASE.replace(old, new)


def inserted_after(anchor: str, lines: str) -> str:
    return edited(anchor, anchor + lines)


def inserted_before(anchor: str, lines: str) -> str:
    return edited(anchor, lines + anchor)


def problems(text: str, filename: str = "p.yaml") -> list[str]:
    """The problems parse_plan reports for `text` (it must refuse it)."""
    with pytest.raises(PlanInvalid) as refused:
        parse_plan(text, filename)
    return refused.value.problems


# --- plans that load ------------------------------------------------------------------------------


def test_base_plan_lines_are_as_documented() -> None:
    lines = BASE.splitlines()
    documented = {1: "plan:", 6: "- code: dongpo", 9: "- code: nanyuan", 12: "- code: huanbao", 15: "tasks:"}
    documented |= {16: '- code: "1"', 19: '- code: "1.1"', 22: "schedule:", 25: '- code: "1.2"', 28: "due:"}
    documented |= {30: '- code: "1.3"', 33: "amount: 4", 34: "assign: [dongpo, nanyuan]"}
    assert {n: lines[n - 1].strip()[: len(text)] for n, text in documented.items()} == documented
    assert len(lines) == 34


def test_base_plan_of_these_cases_is_valid() -> None:
    plan = parse_plan(BASE, "p.yaml")
    assert [u.code for u in plan.units] == ["dongpo", "nanyuan", "huanbao"]
    target = plan.target("1.1")
    assert target is not None
    assert target.schedule == ((6, 0.4), (12, 1.0))
    assert target.support == ("huanbao",)
    assert [(a.unit, a.amount) for a in target.assignments] == [("dongpo", 10.0), ("nanyuan", 5.0)]
    listed = plan.target("1.3")
    assert listed is not None
    assert [(a.unit, a.amount) for a in listed.assignments] == [("dongpo", 4.0), ("nanyuan", 4.0)]
    # the defaults of SPEC §3
    assert (plan.report_due_day, plan.tolerance, plan.start_month) == (5, 0.10, 1)
    assert plan.notices.number_format == "〔{year}〕{number}号"


@pytest.mark.parametrize(
    ("path", "counts"),
    [
        pytest.param(SAMPLE_PLAN, (2012, 19, 5, 39, 114), id="tasks.yaml"),
        pytest.param(CONFORMANCE / "plan.yaml", (2014, 3, 2, 5, 7), id="conformance"),
    ],
)
def test_shipped_plans_load(path: Path, counts: tuple[int, int, int, int, int]) -> None:
    plan, raw = read_plan(path)
    targets = list(plan.targets())
    assignments = sum(len(target.assignments) for target in targets)
    assert (plan.year, len(plan.units), len(plan.tasks), len(targets), assignments) == counts
    assert raw == path.read_bytes()


def test_conformance_plan_reads_every_kind_of_target() -> None:
    plan, _ = read_plan(CONFORMANCE / "plan.yaml")
    reduction = plan.target("2.1")
    assert reduction is not None
    assert (reduction.baseline, [(a.unit, a.amount) for a in reduction.assignments]) == (500.0, [("nanyuan", 450.0)])
    milestone = plan.target("2.2")
    assert milestone is not None
    assert (milestone.type, milestone.due, milestone.assignments[0].amount) == ("milestone", date(2014, 6, 30), 1.0)
    assert plan.supports_of("huanbao")[0].code == "1.1"


def test_reduction_target_below_its_baseline_is_accepted() -> None:
    plan = parse_plan(inserted_after(AFTER_MEASURE, "        baseline: 20\n"), "p.yaml")
    target = plan.target("1.1")
    assert target is not None
    assert target.baseline == 20.0
    assert [a.amount for a in target.assignments] == [10.0, 5.0]


def test_quoted_iso_due_date_is_accepted() -> None:
    plan = parse_plan(edited("due: 2014-06-30", 'due: "2014-06-30"'), "p.yaml")
    target = plan.target("1.2")
    assert target is not None
    assert target.due == date(2014, 6, 30)


def test_grades_in_any_order_are_applied_highest_first() -> None:
    text = inserted_before(BEFORE_UNITS, "assessment:\n  grades: {合格: 60, 优秀: 90.5, 不错: 75, 良好: 80}\n")
    plan = parse_plan(text, "p.yaml")
    assert plan.assessment.grades == (("优秀", 90.5), ("良好", 80.0), ("不错", 75.0), ("合格", 60.0))


def test_ladder_keys_in_any_order_are_sorted() -> None:
    text = inserted_before(BEFORE_UNITS, "notices:\n  ladder: {3: 约谈, 1: 通报}\n")
    plan = parse_plan(text, "p.yaml")
    assert plan.notices.ladder == ((1, "通报"), (3, "约谈"))
    assert plan.notices.wording(2) == "通报"


@pytest.mark.parametrize(
    ("section", "kind"),
    [
        (AssessmentSection, AssessmentSettings),
        (NoticesSection, NoticeSettings),
        (ReviewSection, ReviewSettings),
        (ContactSection, Contact),
        (ScoringSection, Scoring),
    ],
    ids=lambda cls: cls.__name__,
)
def test_each_settings_section_validates_exactly_its_settings_fields(section: type[BaseModel], kind: type) -> None:
    """The plan is built from a section's keys by name (`settings_from_data`): a key validated but not a
    field would be lost, a field with no key could never be set."""
    assert set(section.model_fields) == {item.name for item in fields(kind)}


def test_the_plan_section_gives_plan_fields() -> None:
    assert set(PlanSection.model_fields) <= {item.name for item in fields(Plan)}


# --- every rule of SPEC §3, at its line and column ------------------------------------------------

RULES = [
    # unknown and duplicate keys
    pytest.param(
        inserted_after(AFTER_OFFICE, "  colour: red\n"), ["p.yaml:5:3: unknown key 'colour'"], id="unknown-key"
    ),
    pytest.param(
        inserted_after(AFTER_OFFICE, "  tolerence: 0.2\n"),
        ["p.yaml:5:3: unknown key 'tolerence'; did you mean 'tolerance'?"],
        id="unknown-key-suggestion",
    ),
    pytest.param(
        inserted_before(BEFORE_UNITS, "asessment: {}\n"),
        ["p.yaml:5:1: unknown key 'asessment'; did you mean 'assessment'?"],
        id="unknown-section",
    ),
    pytest.param(
        inserted_after(AFTER_MEASURE, "        colour: red\n"),
        ["p.yaml:22:9: unknown key 'colour'"],
        id="unknown-target-key",
    ),
    pytest.param(
        inserted_after(AFTER_OFFICE, "  title: again\n"),
        ["p.yaml:5:3: duplicate key 'title' (first at line 3)"],
        id="duplicate-key",
    ),
    pytest.param(
        inserted_after(AFTER_MEASURE, "        measure: 家\n"),
        ["p.yaml:22:9: duplicate key 'measure' (first at line 21)"],
        id="duplicate-target-key",
    ),
    # duplicate codes
    pytest.param(
        inserted_before(BEFORE_TASKS, "  - code: dongpo\n    name: 东坡\n    kind: town\n"),
        ["p.yaml:15:11: duplicate unit code 'dongpo' (first at line 6)"],
        id="duplicate-unit-code",
    ),
    pytest.param(
        BASE + '  - code: "1"\n    title: 重复\n    targets:\n'
        '      - {code: "9", title: t, measure: m, amount: 1, assign: [dongpo]}\n',
        ["p.yaml:35:11: duplicate task code '1' (first at line 16)"],
        id="duplicate-task-code",
    ),
    pytest.param(
        edited('      - code: "1.2"\n', '      - code: "1.1"\n'),
        ["p.yaml:25:15: duplicate target code '1.1' (first at line 19)"],
        id="duplicate-target-code",
    ),
    pytest.param(
        edited("assign: [dongpo, nanyuan]", "assign: [dongpo, dongpo]"),
        ["p.yaml:34:26: unit 'dongpo' is listed twice"],
        id="unit-listed-twice",
    ),
    # references to units
    pytest.param(
        edited(ASSIGN, "{dongpo: 10, nanyuna: 5}"),
        ["p.yaml:24:30: unknown unit 'nanyuna'; did you mean 'nanyuan'?"],
        id="unknown-unit-mapping",
    ),
    pytest.param(
        edited("assign: [huanbao]", "assign: [huanbo]"),
        ["p.yaml:29:18: unknown unit 'huanbo'; did you mean 'huanbao'?"],
        id="unknown-unit-list",
    ),
    pytest.param(
        edited("support: [huanbao]", "support: [huanbo]"),
        ["p.yaml:23:19: unknown unit 'huanbo'; did you mean 'huanbao'?"],
        id="unknown-unit-support",
    ),
    pytest.param(
        edited("assign: [huanbao]", "assign: [zhenjiang]"),
        ["p.yaml:29:18: unknown unit 'zhenjiang'"],
        id="unknown-unit-nothing-close",
    ),
    pytest.param(
        edited("support: [huanbao]", "support: [dongpo]"),
        ["p.yaml:23:19: unit 'dongpo' is both assigned and supporting"],
        id="assigned-and-supporting",
    ),
    # milestones
    pytest.param(
        inserted_after(AFTER_DUE, "        schedule: {12: 1.0}\n"),
        ["p.yaml:29:9: a milestone has no schedule"],
        id="milestone-schedule",
    ),
    pytest.param(
        inserted_after(AFTER_DUE, "        baseline: 0\n"),
        ["p.yaml:29:9: a milestone has no baseline"],
        id="milestone-baseline",
    ),
    pytest.param(
        inserted_after(AFTER_DUE, "        amount: 1\n"),
        ["p.yaml:29:9: a milestone has no amount"],
        id="milestone-amount",
    ),
    pytest.param(
        edited("assign: [huanbao]", "assign: {huanbao: 1}"),
        ["p.yaml:29:17: assign a milestone as a list of units"],
        id="milestone-assign-mapping",
    ),
    pytest.param(
        edited("due: 2014-06-30", "due: 2015-01-01"),
        ["p.yaml:28:14: due 2015-01-01 is outside the plan year 2014"],
        id="due-after-year",
    ),
    pytest.param(
        edited("due: 2014-06-30", 'due: "2013-12-31"'),
        ["p.yaml:28:14: due 2013-12-31 is outside the plan year 2014"],
        id="due-before-year-quoted",
    ),
    pytest.param(
        edited("due: 2014-06-30", "due: 2014-02-30"),
        ["p.yaml:28:14: '2014-02-30' is not a real date"],
        id="due-not-a-real-date",
    ),
    pytest.param(
        edited("due: 2014-06-30", 'due: "2014-02-30"'),
        ["p.yaml:28:14: due must be a date like 2012-09-30"],
        id="due-quoted-not-a-real-date",
    ),
    pytest.param(
        edited("due: 2014-06-30", "due: next june"),
        ["p.yaml:28:14: due must be a date like 2012-09-30"],
        id="due-not-a-date",
    ),
    # quantities
    pytest.param(
        inserted_after(AFTER_MEASURE, "        baseline: 10\n"),
        ["p.yaml:25:26: amount 10 equals the baseline: nothing to do"],
        id="amount-equals-baseline-mapping",
    ),
    pytest.param(
        edited("        measure: 场\n", "        measure: 场\n        baseline: 4\n"),
        ["p.yaml:34:17: amount 4 equals the baseline: nothing to do"],
        id="amount-equals-baseline-list",
    ),
    pytest.param(
        edited("        amount: 4\n", ""),
        ["p.yaml:30:9: a list of units needs amount (the same amount for each)"],
        id="list-without-amount",
    ),
    pytest.param(
        inserted_after(AFTER_MEASURE, "        due: 2014-06-30\n"),
        ["p.yaml:22:9: due is for milestones; a quantity target uses schedule"],
        id="quantity-with-due",
    ),
    pytest.param(
        edited(SCHEDULE, "{0: 0.4, 12: 1.0}"),
        ["p.yaml:22:20: schedule month 0 is outside 1..12"],
        id="schedule-month-0",
    ),
    pytest.param(
        edited(SCHEDULE, "{6: 0.4, 13: 1.0}"),
        ["p.yaml:22:23: the last share of a schedule must be 1.0", "p.yaml:22:28: schedule month 13 is outside 1..12"],
        id="schedule-month-13",
    ),
    pytest.param(
        edited(SCHEDULE, "{6: 0, 12: 1.0}"),
        ["p.yaml:22:23: schedule share 0.0 must be more than 0 and at most 1"],
        id="schedule-share-0",
    ),
    pytest.param(
        edited(SCHEDULE, "{6: 1.5, 12: 1.0}"),
        ["p.yaml:22:23: schedule share 1.5 must be more than 0 and at most 1"],
        id="schedule-share-above-1",
    ),
    pytest.param(
        edited(SCHEDULE, "{6: 0.4, 9: 0.4, 12: 1.0}"),
        ["p.yaml:22:31: schedule shares must increase with the month (month 9)"],
        id="schedule-share-equal",
    ),
    pytest.param(
        edited(SCHEDULE, "{9: 0.4, 6: 0.6, 12: 1.0}"),
        ["p.yaml:22:23: schedule shares must increase with the month (month 9)"],
        id="schedule-share-decreasing",
    ),
    pytest.param(
        edited(SCHEDULE, "{6: 0.4, 12: 0.9}"),
        ["p.yaml:22:32: the last share of a schedule must be 1.0"],
        id="schedule-last-share",
    ),
    # required keys
    pytest.param(edited("  year: 2014\n", ""), ["p.yaml:1:1: missing required key 'year'"], id="missing-year"),
    pytest.param(edited("  title: 规则样例\n", ""), ["p.yaml:1:1: missing required key 'title'"], id="missing-title"),
    pytest.param(edited(AFTER_OFFICE, ""), ["p.yaml:1:1: missing required key 'office'"], id="missing-office"),
    pytest.param(edited(AFTER_MEASURE, ""), ["p.yaml:19:9: missing required key 'measure'"], id="missing-measure"),
    pytest.param(edited(AFTER_DUE, ""), ["p.yaml:25:9: missing required key 'due'"], id="missing-due"),
    pytest.param(
        edited("        assign: [huanbao]\n", ""), ["p.yaml:25:9: missing required key 'assign'"], id="missing-assign"
    ),
    pytest.param(
        edited("        title: 开展宣传活动\n", ""),
        ["p.yaml:30:9: missing required key 'title'"],
        id="missing-target-title",
    ),
    pytest.param(
        edited("    name: 南苑街道\n", ""), ["p.yaml:9:5: missing required key 'name'"], id="missing-unit-name"
    ),
    pytest.param(
        edited("    title: 农村环境整治\n", ""), ["p.yaml:16:5: missing required key 'title'"], id="missing-task-title"
    ),
    pytest.param(
        BASE.split(BEFORE_TASKS)[0], ["p.yaml:1:1: missing required section 'tasks'"], id="missing-tasks-section"
    ),
    pytest.param(
        edited("assign: [dongpo, nanyuan]", "assign: []"),
        ["p.yaml:34:17: assign must have at least one item"],
        id="assign-empty",
    ),
    # codes are text
    pytest.param(
        edited('      - code: "1.1"\n', "      - code: 1.10\n"),
        ["p.yaml:19:15: " + QUOTE_HINT.format(text="1.10")],
        id="target-code-number",
    ),
    pytest.param(
        edited('      - code: "1.2"\n', "      - code: NO\n"),
        ["p.yaml:25:15: " + QUOTE_HINT.format(text="NO")],
        id="target-code-boolean",
    ),
    pytest.param(
        edited('  - code: "1"\n', "  - code: 1\n"),
        ["p.yaml:16:11: " + QUOTE_HINT.format(text="1")],
        id="task-code-number",
    ),
    # unit codes and kinds
    pytest.param(
        inserted_before(BEFORE_TASKS, "  - code: Xinzhen\n    name: 新镇\n    kind: town\n"),
        ["p.yaml:15:11: " + UNIT_PATTERN.format(code="Xinzhen")],
        id="unit-code-uppercase",
    ),
    pytest.param(
        inserted_before(BEFORE_TASKS, "  - code: 2zhen\n    name: 新镇\n    kind: town\n"),
        ["p.yaml:15:11: " + UNIT_PATTERN.format(code="2zhen")],
        id="unit-code-digit-first",
    ),
    pytest.param(
        inserted_before(BEFORE_TASKS, "  - code: xin zhen\n    name: 新镇\n    kind: town\n"),
        ["p.yaml:15:11: " + UNIT_PATTERN.format(code="xin zhen")],
        id="unit-code-space",
    ),
    pytest.param(
        edited("    kind: town\n", "    kind: village\n"),
        ["p.yaml:8:11: kind must be one of 'town', 'subdistrict' or 'department'"],
        id="unit-kind",
    ),
    # ranges of the plan section
    pytest.param(edited("year: 2014", "year: 1899"), ["p.yaml:2:9: year must be at least 1900"], id="year-1899"),
    pytest.param(edited("year: 2014", "year: 2101"), ["p.yaml:2:9: year must be at most 2100"], id="year-2101"),
    pytest.param(edited("year: 2014", "year: 2014.5"), ["p.yaml:2:9: year must be a whole number"], id="year-fraction"),
    pytest.param(
        inserted_after(AFTER_OFFICE, "  report_due_day: 0\n"),
        ["p.yaml:5:19: report_due_day must be at least 1"],
        id="report-due-day-0",
    ),
    pytest.param(
        inserted_after(AFTER_OFFICE, "  report_due_day: 29\n"),
        ["p.yaml:5:19: report_due_day must be at most 28"],
        id="report-due-day-29",
    ),
    pytest.param(
        inserted_after(AFTER_OFFICE, "  tolerance: -0.1\n"),
        ["p.yaml:5:14: tolerance must be at least 0"],
        id="tolerance-negative",
    ),
    pytest.param(
        inserted_after(AFTER_OFFICE, "  tolerance: 1.5\n"),
        ["p.yaml:5:14: tolerance must be at most 1"],
        id="tolerance-above-1",
    ),
    pytest.param(
        inserted_after(AFTER_OFFICE, "  start_month: 0\n"),
        ["p.yaml:5:16: start_month must be at least 1"],
        id="start-month-0",
    ),
    pytest.param(
        inserted_after(AFTER_OFFICE, "  start_month: 13\n"),
        ["p.yaml:5:16: start_month must be at most 12"],
        id="start-month-13",
    ),
    # weights, points, amounts
    pytest.param(
        inserted_after(AFTER_MEASURE, "        weight: 0\n"),
        ["p.yaml:22:17: weight must be greater than 0"],
        id="weight-0",
    ),
    pytest.param(
        inserted_after(AFTER_MEASURE, "        weight: -2\n"),
        ["p.yaml:22:17: weight must be greater than 0"],
        id="weight-negative",
    ),
    pytest.param(
        inserted_after(AFTER_MEASURE, "        weight: .nan\n"),
        ["p.yaml:22:17: weight must be a finite number"],
        id="weight-nan",
    ),
    pytest.param(
        inserted_before(BEFORE_UNITS, "assessment:\n  completion_points: -1\n"),
        ["p.yaml:6:22: completion_points must be at least 0"],
        id="completion-points-negative",
    ),
    pytest.param(
        inserted_before(BEFORE_UNITS, "assessment:\n  timeliness_points: -0.5\n"),
        ["p.yaml:6:22: timeliness_points must be at least 0"],
        id="timeliness-points-negative",
    ),
    pytest.param(
        inserted_before(BEFORE_UNITS, "assessment:\n  notice_penalty: -2\n"),
        ["p.yaml:6:19: notice_penalty must be at least 0"],
        id="notice-penalty-negative",
    ),
    pytest.param(
        inserted_before(BEFORE_UNITS, "assessment:\n  grades: {优秀: -90}\n"),
        ["p.yaml:6:16: 优秀 must be at least 0"],
        id="grade-negative",
    ),
    pytest.param(
        edited(ASSIGN, "{dongpo: .nan, nanyuan: 5}"),
        ["p.yaml:24:26: dongpo must be a finite number"],
        id="amount-nan",
    ),
    pytest.param(
        edited(ASSIGN, "{dongpo: 10, nanyuan: .inf}"),
        ["p.yaml:24:39: nanyuan must be a finite number"],
        id="amount-inf",
    ),
    pytest.param(
        edited("        amount: 4\n", "        amount: -.inf\n"),
        ["p.yaml:33:17: amount must be a finite number"],
        id="list-amount-minus-inf",
    ),
    pytest.param(
        inserted_after(AFTER_MEASURE, "        baseline: .NaN\n"),
        ["p.yaml:22:19: baseline must be a finite number"],
        id="baseline-nan",
    ),
    pytest.param(
        edited(ASSIGN, "{dongpo: -1, nanyuan: 5}"),
        ["p.yaml:24:26: dongpo must be at least 0"],
        id="amount-negative",
    ),
    # notices
    pytest.param(
        inserted_before(BEFORE_UNITS, 'notices:\n  number_format: "第{year}号"\n'),
        ["p.yaml:6:18: " + NUMBER_FORMAT_FIELDS],
        id="number-format-without-number",
    ),
    pytest.param(
        inserted_before(BEFORE_UNITS, 'notices:\n  number_format: "{year}-{number}-{unit}"\n'),
        ["p.yaml:6:18: " + NUMBER_FORMAT_FIELDS],
        id="number-format-unknown-field",
    ),
    pytest.param(
        inserted_before(BEFORE_UNITS, 'notices:\n  number_format: "〔{year}〕{number号"\n'),
        ["p.yaml:6:18: number_format is not a valid format (unbalanced braces?)"],
        id="number-format-broken",
    ),
    pytest.param(
        inserted_before(BEFORE_UNITS, 'notices:\n  number_format: "{code}〔{year}〕{number}号"\n'),
        ["p.yaml:6:18: number_format uses {code}, but notices has no office_code"],
        id="number-format-code-without-office-code",
    ),
    pytest.param(
        inserted_before(BEFORE_UNITS, "notices:\n  office_code: 青生态办\n  contact: {name: 李明}\n"),
        ["p.yaml:5:1: missing required key 'phone'"],  # at the notices mapping, as for a unit's contact
        id="notice-contact-without-phone",
    ),
    pytest.param(
        inserted_before(BEFORE_UNITS, "notices:\n  ladder: {}\n"),
        ["p.yaml:6:11: ladder must have at least one item"],
        id="ladder-empty",
    ),
    pytest.param(
        inserted_before(BEFORE_UNITS, "notices:\n  cc: [区委办公室, 2012]\n"),
        ['p.yaml:6:15: cc must list text, not a number or yes/no: quote it ("2012")'],  # named by its list
        id="list-item-not-text",
    ),
    pytest.param(
        inserted_before(BEFORE_UNITS, "notices:\n  ladder: {1: 2012}\n"),
        ['p.yaml:6:15: 1 must be text, not a number or yes/no: quote it (1: "2012")'],  # a mapping's key names it
        id="mapping-value-not-text",
    ),
]


@pytest.mark.parametrize(("text", "expected"), RULES)
def test_each_rule_is_reported_at_its_line_and_column(text: str, expected: list[str]) -> None:
    assert problems(text) == expected


def test_ladder_key_zero_is_refused() -> None:
    found = problems(inserted_before(BEFORE_UNITS, "notices:\n  ladder: {0: 通报, 2: 通报批评}\n"))
    assert len(found) == 1
    assert found[0].startswith("p.yaml:6:")
    assert found[0].endswith("must be at least 1")


def test_ladder_key_zero_points_at_the_key_and_names_the_ladder() -> None:
    found = problems(inserted_before(BEFORE_UNITS, "notices:\n  ladder: {0: 通报, 2: 通报批评}\n"))
    assert len(found) == 1
    assert found[0].startswith("p.yaml:6:12: ")  # the key 0, not its wording at column 15
    assert "[key]" not in found[0]
    assert "ladder" in found[0]


def test_problems_of_a_file_come_all_at_once_sorted_by_line() -> None:
    text = """\
plan:
  year: 2014
  title: 规则样例
  office: 办公室
assessment:
  notice_penalty: -1
  fail_grade: 不合格
notices:
  number_format: "第号"
units:
  - code: dongpo
    name: 东坡镇
    kind: village
  - code: nanyuan
    name: 南苑街道
    kind: subdistrict
tasks:
  - code: "1"
    title: 农村环境整治
    targets:
      - code: 1.10
        title: 建成污水处理设施
        measure: 座
        schedule: {6: 0.4, 12: 0.9}
        assign: {dongpo: 10, nanyuna: 5}
      - code: "1.2"
        title: 建立联防联控机制
        type: milestone
        due: 2015-06-30
        assign: [dongpo]
"""
    assert problems(text) == [
        "p.yaml:6:19: notice_penalty must be at least 0",
        "p.yaml:9:18: " + NUMBER_FORMAT_FIELDS,
        "p.yaml:13:11: kind must be one of 'town', 'subdistrict' or 'department'",
        "p.yaml:21:15: " + QUOTE_HINT.format(text="1.10"),
        "p.yaml:24:32: the last share of a schedule must be 1.0",
        "p.yaml:25:30: unknown unit 'nanyuna'; did you mean 'nanyuan'?",
        "p.yaml:29:14: due 2015-06-30 is outside the plan year 2014",
    ]


def test_a_bad_plan_setting_does_not_hide_a_due_date_outside_the_year() -> None:
    text = inserted_after(AFTER_OFFICE, "  tolerance: 2\n").replace("due: 2014-06-30", "due: 2015-06-30")
    assert problems(text) == [
        "p.yaml:5:14: tolerance must be at most 1",
        "p.yaml:29:14: due 2015-06-30 is outside the plan year 2014",
    ]


# --- a safe loader ----------------------------------------------------------------------------------

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_billion_laughs_is_refused_at_its_aliases_without_expanding() -> None:
    found = problems(BILLION_LAUGHS)
    # each of the 8 × 9 aliases is named where it is written, nothing else is reported
    assert len(found) == 72
    assert found[0] == f"p.yaml:2:8: {ALIAS_REFUSED}"
    assert found[-1] == f"p.yaml:9:32: {ALIAS_REFUSED}"
    assert {line.split(":")[1] for line in found} == {str(n) for n in range(2, 10)}


def test_an_alias_in_a_real_plan_is_refused_at_the_alias() -> None:
    text = edited("  - code: dongpo\n", "  - code: &d dongpo\n").replace("support: [huanbao]", "support: [*d]")
    assert problems(text) == [f"p.yaml:23:19: {ALIAS_REFUSED}"]


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        pytest.param('!!python/object/apply:os.system ["touch pwned"]', "!!python/object/apply:os.system", id="apply"),
        pytest.param("!!python/name:os.system", "!!python/name:os.system", id="name"),
        pytest.param('!!python/object/new:pathlib.Path ["pwned"]', "!!python/object/new:pathlib.Path", id="new"),
        pytest.param("!!binary aGVsbG8=", "!!binary", id="binary"),
        pytest.param("!local 规则样例", "!local", id="local"),
    ],
)
def test_tags_that_construct_objects_are_refused(value: str, tag: str, tmp_path: Path) -> None:
    found = problems(edited("  title: 规则样例\n", f"  title: {value}\n"))
    assert found == [f"p.yaml:3:10: the tag {tag} is not allowed in a plan file"]
    assert not (tmp_path / "pwned").exists()  # the tests run in tmp_path: os.system never ran


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", "p.yaml:1:1: the plan file is empty", id="empty"),
        pytest.param("\n\n# only a comment\n", "p.yaml:1:1: the plan file is empty", id="comment-only"),
        pytest.param("- plan\n- units\n", "p.yaml:1:1: a plan file is a mapping with plan, units and tasks", id="list"),
        pytest.param("just words\n", "p.yaml:1:1: a plan file is a mapping with plan, units and tasks", id="scalar"),
        pytest.param(
            "plan:\n  year: 2014\n   title: x\n",
            "p.yaml:3:9: not valid YAML: mapping values are not allowed here",
            id="bad-indentation",
        ),
        pytest.param(
            "plan:\n\tyear: 2014\n",
            "p.yaml:2:1: not valid YAML: found character '\\t' that cannot start any token",
            id="tab",
        ),
        pytest.param(
            "plan: {year: 2014\nunits: []\n",
            "p.yaml:2:6: not valid YAML: expected ',' or '}', but got ':'",
            id="unclosed-brace",
        ),
        pytest.param(
            "plan:\n  title: 'unterminated\n",
            "p.yaml:3:1: not valid YAML: found unexpected end of stream",
            id="unclosed-quote",
        ),
        pytest.param("[" * 1000, "p.yaml: cannot read this file as YAML (nested too deeply?)", id="nested-too-deeply"),
    ],
)
def test_unreadable_documents_are_refused_with_a_place(text: str, expected: str) -> None:
    assert problems(text) == [expected]


def test_a_file_that_is_not_utf8_is_refused_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "gbk.yaml"
    path.write_bytes(BASE.encode("utf-8").replace("规则样例".encode(), "规则样例".encode("gbk")))
    with pytest.raises(PlanInvalid) as refused:
        read_plan(path, "gbk.yaml")
    assert refused.value.problems == ["gbk.yaml:3: the plan file is not UTF-8 text"]


def test_a_utf8_file_with_a_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.encode("utf-8"))
    plan, _ = read_plan(path)
    assert plan.title == "规则样例"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(
            b"\x00\x01\x02\x03binary\x00",
            "binary.yaml:1:1: control character U+0000 is not allowed in a plan file",
            id="binary",
        ),
        pytest.param(
            BASE.replace("规则样例", "规则\x01样例").encode(),
            "binary.yaml:3:12: control character U+0001 is not allowed in a plan file",
            id="control-character-in-title",
        ),
        pytest.param(
            BASE.replace("    kind: department\n", "    kind: department\x1b[31m\n").encode(),
            "binary.yaml:14:21: control character U+001B is not allowed in a plan file",
            id="escape-sequence",
        ),
    ],
)
def test_a_binary_file_is_refused_with_a_line(raw: bytes, expected: str, tmp_path: Path) -> None:
    path = tmp_path / "binary.yaml"
    path.write_bytes(raw)
    with pytest.raises(PlanInvalid) as refused:
        read_plan(path, "binary.yaml")
    assert refused.value.problems == [expected]


# --- `ecotrack plan check` --------------------------------------------------------------------------

BROKEN = """\
plan:
  year: 2014
  title: 规则样例
  colour: red
units:
  - code: dongpo
    name: 东坡镇
    kind: town
tasks:
  - code: "1"
    title: 农村环境整治
    targets:
      - code: "1.1"
        title: 建成污水处理设施
        assign: {dongpo: 10, dongpoo: 2}
"""


def test_plan_check_prints_every_problem_and_exits_2_without_a_database(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path, BASE)
    workspace.write("broken.yaml", BROKEN)  # the file named is checked, not the workspace's plan
    outcome = workspace.run("plan", "check", "broken.yaml")
    assert outcome.exit_code == 2
    assert outcome.stderr.splitlines() == [
        "error: broken.yaml:1:1: missing required key 'office'",
        "error: broken.yaml:4:3: unknown key 'colour'",
        "error: broken.yaml:13:9: missing required key 'measure'",
        "error: broken.yaml:15:30: unknown unit 'dongpoo'; did you mean 'dongpo'?",
    ]
    assert outcome.stdout == ""
    assert "Traceback" not in outcome.stderr + outcome.stdout
    assert not workspace.db.exists()
    assert not workspace.db.parent.exists()


def test_plan_check_of_a_binary_file_exits_2(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path, BASE)
    (tmp_path / "binary.yaml").write_bytes(b"plan:\n  year: \x00\x01\n")
    outcome = workspace.run("plan", "check", "binary.yaml")
    assert outcome.exit_code == 2
    assert outcome.stderr.splitlines() == [
        "error: binary.yaml:2:9: control character U+0000 is not allowed in a plan file"
    ]
    assert not workspace.db.exists()


def test_plan_check_of_a_missing_file_exits_2(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path, BASE)
    outcome = workspace.run("plan", "check", "nowhere.yaml")
    assert outcome.exit_code == 2
    assert outcome.stderr.splitlines() == [
        f"error: no plan file at nowhere.yaml (in {Path.cwd()})",
        "give --plan FILE or set ECOTRACK_PLAN, or run ecotrack in the folder of the plan",
    ]
    assert not workspace.db.exists()


@pytest.mark.parametrize(
    ("source", "summary"),
    [
        pytest.param(BASE, "valid: 3 units, 1 task, 3 targets, 5 assignments", id="base"),
        pytest.param(CONFORMANCE / "plan.yaml", "valid: 3 units, 2 tasks, 5 targets, 7 assignments", id="conformance"),
    ],
)
def test_plan_check_of_a_good_plan_exits_0_with_a_summary(tmp_path: Path, source: str | Path, summary: str) -> None:
    workspace = make_workspace(tmp_path, source)
    outcome = workspace.run("plan", "check")  # the plan of ECOTRACK_PLAN
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.stderr.strip() == f"{workspace.plan}: {summary}"
    assert not workspace.db.exists()


# --- the loader never fails in any other way ---------------------------------------------------------

# Scalars and bits of YAML syntax that trip loaders: YAML 1.1 typing, impossible dates, flow brackets,
# aliases, tags, merge keys, block scalars, directives, document markers.
yaml_fragments = st.sampled_from(
    [
        *["1.10", "NO", "yes", "~", ".nan", "-.inf", "0x1f", "1e400", "2014-02-30", "2014-06-30", "2015-01-01"],
        *["[", "]", "{", "}", "{}", "[]", "*a", "|", ">", "#", ":", "---", "..."],
        *["", "&a x", "!!python/name:os.system", "!!binary x", "? x", "- x", "'x", '"x', "{12: 1.0}", "{13: 1.0}"],
        *["[dongpo]", "{dongpo: 10}", "{0: x}", "<<: {}", "{number}", "{year}{x}", "x: y: z", "%TAG ! x"],
    ]
)
replacement = st.one_of(
    yaml_fragments, st.text(), st.integers().map(str), st.floats().map(repr), st.booleans().map(str)
)


def refused_or_loaded(text: str) -> None:
    try:
        plan = parse_plan(text, "p.yaml")
    except PlanInvalid as refused:
        assert refused.problems
        assert all(line.startswith("p.yaml:") for line in refused.problems)
    else:
        assert isinstance(plan, Plan)


@settings(max_examples=200, deadline=None)
@given(text=st.text())
@example(text="\x00")
@example(text="plan:\n  title: \ud800\n")
@example(text="a: &x 1\nb: *x\n")
@example(text="? [a]\n: b\n")
@example(text="{.nan: 1, .nan: 2}\n")
def test_any_text_is_loaded_or_refused(text: str) -> None:
    refused_or_loaded(text)


@st.composite
def mutated_plans(draw: st.DrawFn) -> str:
    """BASE with a few random edits: lines deleted or duplicated, values or keys replaced."""
    lines = BASE.splitlines()
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        if not lines:
            break
        index = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "value", "key", "indent"]))
        line = lines[index]
        if action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, line)
        elif action == "value" and ": " in line:
            lines[index] = line.split(": ", 1)[0] + ": " + draw(replacement)
        elif action == "key" and ": " in line:
            indent = line[: len(line) - len(line.lstrip(" -"))]
            lines[index] = indent + draw(replacement) + ": " + line.split(": ", 1)[1]
        else:
            lines[index] = " " * draw(st.integers(min_value=0, max_value=3)) + line
    return "\n".join(lines) + "\n"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=mutated_plans())
def test_any_mutation_of_a_valid_plan_is_loaded_or_refused(text: str) -> None:
    refused_or_loaded(text)
