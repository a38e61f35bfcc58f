"""Generate ``data/sample-2012.csv``: a year of monthly progress filings for the sample plan.

Reads the sample plan ``tasks.yaml`` (the fictional Qingchuan District, 2012) and writes one
progress entry per row in the import format of SPEC §6
(``unit,target,period,value,note,reported_by,reported_at``), in filing order, ready for
``ecotrack import data/sample-2012.csv``.

Every unit files a monthly report for 2012-01 .. 2012-12 in the following month, covering its
assignments that are not yet done; the report for December is filed in January 2013. The data
tell a story for the monthly meeting (``ecotrack status --as-of 2012-07-06``) and the year-end
assessment; the story's cast is in the ``STORY_*``, ``FILING_DAYS`` and ``CORRECTIONS`` tables
below, and every other assignment follows its schedule, slightly ahead.

Run it (from any folder: the paths default to the repository's own)::

    python3 data/generate_sample.py [--plan tasks.yaml] [--out data/sample-2012.csv]

Deterministic: the only randomness comes from generators with fixed seeds, so running it twice
gives byte-identical output. Prints the number of rows written to stderr.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import yaml

YEAR = 2012
HERE = Path(__file__).resolve().parent
DEFAULT_PLAN = HERE.parent / "tasks.yaml"
DEFAULT_OUT = HERE / f"sample-{YEAR}.csv"
HEADER = ("unit", "target", "period", "value", "note", "reported_by", "reported_at")
LEVEL_SEED = 2012
FILING_SEED = 20120105

# How far below its expected share (SPEC §5) an assignment outside the story may fall at a
# month's end: less than the plan's tolerance of 0.10, so it is at worst at_risk.
KEEP_UP_MARGIN = 0.09
# Measures whose levels are kept to one decimal place; all others are whole numbers.
DECIMAL_MEASURES = frozenset({"公里", "公顷", "%"})

# Public holidays and the weekend days worked in their place (State Council arrangements for
# 2012 and New Year 2013). A clerk files on the next working day, unless that would make a
# report meant to be on time late: then on the last working day before (even before the month
# ends, as before the National Day holiday).
HOLIDAY_SPANS = (
    (date(2012, 1, 1), date(2012, 1, 3)),
    (date(2012, 1, 22), date(2012, 1, 28)),
    (date(2012, 4, 2), date(2012, 4, 4)),
    (date(2012, 4, 29), date(2012, 5, 1)),
    (date(2012, 6, 22), date(2012, 6, 24)),
    (date(2012, 9, 30), date(2012, 10, 7)),
    (date(2013, 1, 1), date(2013, 1, 3)),
)
MAKEUP_WORKDAYS = frozenset(
    {
        date(2012, 1, 21),
        date(2012, 1, 29),
        date(2012, 3, 31),
        date(2012, 4, 1),
        date(2012, 4, 28),
        date(2012, 9, 29),
        date(2013, 1, 5),
        date(2013, 1, 6),
    }
)

# --- The story -------------------------------------------------------------------------------

# Intended filing day (of the following month) for the report of each month, Jan..Dec.
# liuhe and jiaojing are habitually late; baisha files on the due day itself.
FILING_DAYS: dict[str, tuple[int, ...]] = {
    "liuhe": (10, 9, 12, 4, 11, 9, 12, 5, 8, 11, 9, 10),
    "jiaojing": (12, 14, 8, 15, 9, 13, 11, 8, 10, 14, 12, 9),
    "baisha": (5,) * 12,
}
# One-off slips of otherwise punctual units: (unit, month) -> intended day.
FILING_DAY_EXCEPTIONS: dict[tuple[str, int], int] = {("nongye", 7): 9, ("xiyuan", 8): 7, ("donghu", 12): 7}
# Months for which a unit never files a report.
SKIPPED_MONTHS: frozenset[tuple[str, int]] = frozenset({("baisha", 3), ("baisha", 5)})

# Levels at the end of each month, Jan..Dec, for the assignments the story is about.
STORY_LEVELS: dict[tuple[str, str], tuple[float, ...]] = {
    # qingshan closes its enterprises ahead of schedule (a note in May).
    ("qingshan", "1.1"): (0, 1, 1, 2, 3, 3, 3, 4, 4, 4, 4, 4),
    # shimen: falls one enterprise short at year end.
    ("shimen", "1.1"): (0, 1, 1, 2, 2, 3, 3, 3, 4, 4, 4, 4),
    # longquan: nothing closed by June (behind at 2012-07-06), catches up in autumn.
    ("longquan", "1.1"): (0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 3, 3),
    # baisha: slow sewage works and livestock farms, short at year end.
    ("baisha", "1.1"): (0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2),
    ("baisha", "3.1"): (0, 0, 0, 0, 0, 0, 1, 1, 2, 2, 3, 3),
    ("baisha", "3.8"): (0, 0, 1, 1, 2, 2, 2, 3, 3, 4, 4, 4),
    ("baisha", "4.1"): (0, 1, 3, 7, 9, 10, 10, 11, 13, 15, 16, 16),
    # qingshan's May figure is corrected (see CORRECTIONS).
    ("qingshan", "3.1"): (0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 8, 8),
    # COD falls month by month and ends below the amount (a reduction, over-fulfilled).
    ("huanbao", "2.1"): (1196, 1191, 1186, 1181, 1175, 1169, 1165, 1160, 1155, 1150, 1145, 1138),
    # The air-quality rate rises to its target in November.
    ("huanbao", "2.10"): (78.2, 78.6, 79.0, 79.5, 80.0, 80.3, 80.8, 81.2, 81.5, 81.8, 82.0, 82.2),
    # Yellow-label vehicles: over-fulfilment in December.
    ("jiaojing", "2.8"): (60, 130, 220, 320, 410, 520, 610, 720, 860, 1010, 1150, 1286),
    # Rural sewage treatment rate: slow first half, new plants in the second.
    ("shuiwu", "3.2"): (35.5, 36.2, 37.0, 38.1, 39.0, 42.8, 45.0, 47.5, 50.2, 53.6, 57.0, 60.3),
    # Rural waste treatment rate; April's figure is corrected (see CORRECTIONS).
    ("zhujian", "3.3"): (71.8, 73.5, 75.2, 76.8, 78.6, 80.3, 81.9, 83.5, 85.2, 86.9, 88.5, 90.4),
    # Outfalls into rivers: the level falls from 46 to 30 as the towns seal theirs.
    ("shuiwu", "3.7"): (46, 45, 44, 42, 40, 38, 37, 36, 34, 32, 31, 30),
    # liuhe's river works slow down in the flood season (at risk, then behind, in summer).
    ("liuhe", "3.5"): (0.8, 1.6, 2.5, 3.8, 5.0, 5.5, 5.8, 6.2, 8.0, 10.5, 13.0, 15.0),
    # shimen's mine replanting lags all year and ends short.
    ("shimen", "4.1"): (0, 0, 2, 4, 5, 6, 8, 10, 14, 18, 22, 24),
    # donghu's June wetland figure is mistyped and corrected after the July meeting.
    ("donghu", "4.3"): (0, 20, 45, 80, 120, 150, 160, 170, 190, 240, 280, 300),
    # taoyuan over-fulfils its afforestation in the autumn planting season.
    ("taoyuan", "4.5"): (0, 150, 420, 680, 700, 700, 700, 720, 760, 960, 1150, 1150),
}

# The month whose report first says a milestone is done.
STORY_MILESTONES: dict[tuple[str, str], int] = {
    ("fagai", "1.4"): 5,  # due 2012-04-30: done late
    ("huanbao", "2.3"): 8,  # due 2012-06-30: open and behind at 2012-07-06, done late
    ("huanbao", "2.4"): 8,  # due 2012-09-30: done on time
    ("caizheng", "5.1"): 2,  # due 2012-03-31: done on time
    ("caizheng", "5.6"): 9,  # due 2012-10-31: done on time
    ("baisha", "5.8"): 4,  # due 2012-02-29: done late
}


@dataclass(frozen=True)
class Correction:
    """A figure first filed wrongly, then filed again some days later with the right level."""

    first_value: float
    days_later: int
    note: str


CORRECTIONS: dict[tuple[str, str, int], Correction] = {
    ("qingshan", "3.1", 5): Correction(2, 4, "更正：5月份数据录入有误，实际已建成3座"),
    ("zhujian", "3.3", 4): Correction(67.8, 5, "更正：4月份数据录入有误，76.8%误录为67.8%"),
    ("donghu", "4.3", 6): Correction(15, 6, "更正：6月份完成值少录一位，应为150亩"),
}

# What a supporting unit says of its part each month (配合单位月度情况, SPEC §17), drawn with its own seed.
NOTE_SEED = 17
SUPPORT_NOTES = (
    "按分工配合开展本月工作，进展正常",
    "参加联合督查一次，提供技术指导",
    "已向牵头单位报送配合事项进展",
    "配合完成现场核查，未发现问题",
)

NOTES: dict[tuple[str, str, int], str] = {
    ("qingshan", "1.1", 5): "已完成3家企业关停",
    ("longquan", "1.1", 6): "3家企业搬迁补偿尚未谈妥，镇政府正在协调",
    ("longquan", "1.1", 7): "1家企业已停产搬迁",
    ("longquan", "1.1", 10): "3家企业全部完成关停搬迁",
    ("shimen", "1.1", 12): "1家企业搬迁选址未落实，关停顺延至2013年",
    ("shimen", "4.1", 4): "复绿工程资金未到位，进度滞后",
    ("shimen", "4.1", 6): "雨季施工受限，已申请专项资金支持",
    ("shimen", "4.1", 12): "受冬季低温影响，剩余6公顷顺延至2013年春季栽植",
    ("liuhe", "3.5", 6): "受汛期影响进度放缓",
    ("liuhe", "3.5", 7): "受汛期影响进度放缓",
    ("liuhe", "3.5", 8): "受汛期影响进度放缓",
    ("liuhe", "3.5", 12): "全年任务已完成",
    ("baisha", "5.8", 4): "3月份因人员调整未能按时报送；目标责任书已签订",
    ("baisha", "3.1", 6): "5月份漏报，已整改；污水处理设施选址正在调整",
    ("baisha", "3.1", 12): "1座设施因征地未完成，顺延至2013年",
    ("baisha", "3.8", 12): "2家养殖场拟关闭搬迁，治理未完成",
    ("baisha", "4.1", 12): "4公顷因土地权属争议暂缓实施",
    ("huanbao", "2.1", 6): "城区污水处理厂提标改造完成，减排效果显现",
    ("huanbao", "2.3", 6): "实施方案初稿已完成专家论证，正在征求意见",
    ("huanbao", "2.3", 7): "实施方案已报市环保局审核",
    ("huanbao", "2.3", 8): "实施方案经区政府常务会议审议通过，已由区政府办公室印发",
    ("huanbao", "2.4", 8): "已与周边3个区县签订区域大气污染联防联控协议",
    ("huanbao", "2.10", 11): "全年目标已实现",
    ("shuiwu", "3.7", 4): "本月封堵排污口2个",
    ("jiaojing", "2.8", 12): "超额完成全年黄标车淘汰任务",
    ("taoyuan", "4.5", 11): "秋冬季造林超额完成全年任务",
    ("caizheng", "5.1", 2): "经区政府常务会议研究，设立生态建设专项资金3000万元",
    ("caizheng", "5.6", 9): "生态建设和生态示范创建奖励办法已印发",
    ("fagai", "1.4", 4): "实施方案已报区政府审定",
    ("fagai", "1.4", 5): "实施方案已由区政府办公室印发",
}

CLERKS: dict[str, str] = {
    "qingshan": "王芳",
    "liuhe": "刘洋",
    "shimen": "石门镇填报员",
    "taoyuan": "陈静",
    "longquan": "赵磊",
    "baisha": "白沙镇填报员",
    "chengguan": "孙丽",
    "donghu": "周敏",
    "xiyuan": "吴涛",
    "huanbao": "李明",
    "caizheng": "郑红",
    "fagai": "冯军",
    "jingxin": "胡斌",
    "nongye": "许建国",
    "shuiwu": "何平",
    "guotu": "高峰",
    "zhujian": "马丽娟",
    "jiaojing": "交警大队内勤",
    "xuanchuan": "杨帆",
}
# A new clerk from a given month on: (unit) -> (first month, name).
NEW_CLERKS: dict[str, tuple[int, str]] = {"baisha": (6, "张伟")}


# --- The plan --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assignment:
    """One unit's share of one target, as far as the sample needs it."""

    unit: str
    target: str
    milestone: bool
    measure: str
    baseline: Decimal
    amount: Decimal
    schedule: tuple[tuple[int, float], ...]
    due: date | None

    @property
    def key(self) -> tuple[str, str]:
        """The (unit, target) pair the story tables are keyed by."""
        return (self.unit, self.target)


@dataclass(frozen=True)
class Plan:
    """The units (in plan order) and every assignment (in plan order of targets)."""

    year: int
    units: tuple[str, ...]
    unit_names: Mapping[str, str]
    assignments: tuple[Assignment, ...]
    report_due_day: int
    supports: tuple[tuple[str, str], ...] = ()  # (unit, target) a unit supports and does not lead (SPEC §17)


def to_decimal(value: Any) -> Decimal:
    """A YAML or story number as an exact decimal."""
    return Decimal(str(value))


def read_plan(path: Path) -> Plan:
    """The units and assignments of a plan file in the format of SPEC §3."""
    with path.open(encoding="utf-8") as stream:
        doc = yaml.safe_load(stream)
    units = tuple(str(u["code"]) for u in doc["units"])
    names = {str(u["code"]): str(u["name"]) for u in doc["units"]}
    assignments: list[Assignment] = []
    supports: list[tuple[str, str]] = []
    for task in doc["tasks"]:
        for target in task["targets"]:
            milestone = target.get("type", "quantity") == "milestone"
            assign = target["assign"]
            if isinstance(assign, dict):
                amounts = {str(u): to_decimal(a) for u, a in assign.items()}
            else:
                amount = Decimal(1) if milestone else to_decimal(target["amount"])
                amounts = {str(u): amount for u in assign}
            schedule = tuple(sorted((int(m), float(s)) for m, s in target.get("schedule", {12: 1.0}).items()))
            due = target.get("due")
            if isinstance(due, str):
                due = date.fromisoformat(due)
            supports += [(str(u), str(target["code"])) for u in target.get("support", []) if str(u) not in amounts]
            for unit, amount in amounts.items():
                assignments.append(
                    Assignment(
                        unit=unit,
                        target=str(target["code"]),
                        milestone=milestone,
                        measure=str(target.get("measure", "")),
                        baseline=Decimal(0) if milestone else to_decimal(target.get("baseline", 0)),
                        amount=amount,
                        schedule=schedule,
                        due=due,
                    )
                )
    due_day = int(doc["plan"].get("report_due_day", 5))
    return Plan(
        year=int(doc["plan"]["year"]),
        units=units,
        unit_names=names,
        assignments=tuple(assignments),
        report_due_day=due_day,
        supports=tuple(supports) if doc["plan"].get("supporting_reports") else (),
    )


def check_story(plan: Plan) -> None:
    """Stop with a message when the story names an assignment or unit the plan lacks."""
    if plan.year != YEAR:
        raise SystemExit(f"generate_sample: the story is about {YEAR}, the plan about {plan.year}")
    known = {a.key for a in plan.assignments}
    milestones = {a.key for a in plan.assignments if a.milestone}
    problems = [f"story levels for {k}: no such assignment" for k in STORY_LEVELS if k not in known]
    problems += [f"story levels for {k}: not 12 months" for k, v in STORY_LEVELS.items() if len(v) != 12]
    problems += [f"story milestone {k}: no such milestone" for k in STORY_MILESTONES if k not in milestones]
    for table in (CORRECTIONS, NOTES):
        problems += [f"{key}: no such assignment" for key in table if key[:2] not in known]
    for unit in [*FILING_DAYS, *CLERKS, *NEW_CLERKS, *(u for u, _ in SKIPPED_MONTHS)]:
        if unit not in plan.unit_names:
            problems.append(f"unit {unit!r} is not in the plan")
    if problems:
        raise SystemExit("generate_sample: the story does not fit the plan:\n  " + "\n  ".join(problems))


# --- Levels ----------------------------------------------------------------------------------


def expected_share(schedule: Sequence[tuple[int, float]], month: float) -> float:
    """The piecewise-linear share through (0, 0) and the schedule points, 1.0 after the last (SPEC §5)."""
    previous_month, previous_share = 0.0, 0.0
    for point_month, point_share in schedule:
        if month <= point_month:
            span = point_month - previous_month
            return previous_share + (point_share - previous_share) * (month - previous_month) / span
        previous_month, previous_share = float(point_month), point_share
    return 1.0


def quantum(measure: str) -> Decimal:
    """The smallest step a clerk writes for this measure."""
    return Decimal("0.1") if measure in DECIMAL_MEASURES else Decimal(1)


def quantize(value: Decimal, measure: str) -> Decimal:
    """A level rounded the way a clerk writes it for this measure."""
    return value.quantize(quantum(measure), rounding=ROUND_HALF_UP)


def scheduled_levels(assignment: Assignment, rng: random.Random) -> tuple[Decimal, ...]:
    """End-of-month levels that keep up with the schedule, a little ahead, never falling back."""
    lead = rng.choice((0.25, 0.5, 0.75, 1.0))
    delta = assignment.amount - assignment.baseline
    size = abs(delta)
    step = quantum(assignment.measure)
    levels: list[Decimal] = []
    done = Decimal(0)
    for month in range(1, 13):
        wobble = rng.uniform(-0.2, 0.2)
        share = 1.0 if month == 12 else expected_share(assignment.schedule, min(12.0, month + lead + wobble))
        # Round the work done, not the level, so that reductions round like increases; never
        # fall further behind than within the tolerance band, so that only the story is behind.
        floor = size * to_decimal(round(expected_share(assignment.schedule, month) - KEEP_UP_MARGIN, 6))
        floor = (floor / step).to_integral_value(rounding=ROUND_CEILING) * step
        done = max(done, quantize(size * to_decimal(round(share, 6)), assignment.measure), floor)
        levels.append(assignment.baseline + done if delta > 0 else assignment.baseline - done)
    return tuple(levels)


def milestone_levels(done_month: int) -> tuple[Decimal, ...]:
    """0 until the month the milestone is done, 1 from then on."""
    return tuple(Decimal(1 if month >= done_month else 0) for month in range(1, 13))


def all_levels(plan: Plan) -> dict[tuple[str, str], tuple[Decimal, ...]]:
    """The true end-of-month levels of every assignment."""
    rng = random.Random(LEVEL_SEED)
    levels: dict[tuple[str, str], tuple[Decimal, ...]] = {}
    for a in plan.assignments:
        key = a.key
        if a.milestone:
            # Draw even when the story decides, so that editing the story moves nothing else.
            due_month = a.due.month if a.due is not None else 12
            default = max(1, due_month - rng.choice((1, 1, 0)))
            levels[key] = milestone_levels(STORY_MILESTONES.get(key, default))
        else:
            default_levels = scheduled_levels(a, rng)
            story = STORY_LEVELS.get(key)
            levels[key] = tuple(to_decimal(v) for v in story) if story else default_levels
    return levels


def is_done(assignment: Assignment, level: Decimal | None) -> bool:
    """Whether a filed level completes the assignment (progress ≥ 1, SPEC §5)."""
    if level is None:
        return False
    if assignment.milestone:
        return level == 1
    return (level - assignment.baseline) / (assignment.amount - assignment.baseline) >= 1


# --- Filing ----------------------------------------------------------------------------------


def is_workday(day: date) -> bool:
    """Whether government offices are open on this day."""
    if day in MAKEUP_WORKDAYS:
        return True
    if any(first <= day <= last for first, last in HOLIDAY_SPANS):
        return False
    return day.weekday() < 5


def next_workday(day: date, step: int = 1) -> date:
    """The day itself if offices are open, else the nearest open day in the direction of step."""
    while not is_workday(day):
        day += timedelta(days=step)
    return day


def filing_date(intended: date, deadline: date | None) -> date:
    """The working day a clerk files who means to file on ``intended`` (and by ``deadline``)."""
    day = next_workday(intended)
    if deadline is not None and intended <= deadline < day:
        day = next_workday(intended, step=-1)
    return day


def report_month_start(month: int) -> date:
    """The first day of the month after ``month`` of the plan year."""
    return date(YEAR + 1, 1, 1) if month == 12 else date(YEAR, month + 1, 1)


def intended_day(unit: str, month: int, default: int) -> int:
    """The day of the following month on which the unit means to file its report for ``month``."""
    habit = FILING_DAYS.get(unit)
    return FILING_DAY_EXCEPTIONS.get((unit, month), habit[month - 1] if habit else default)


def clerk(unit: str, month: int) -> str:
    """Who fills in the unit's report for a month."""
    change = NEW_CLERKS.get(unit)
    if change is not None and month >= change[0]:
        return change[1]
    return CLERKS.get(unit, f"{unit}填报员")


def fmt(value: Decimal) -> str:
    """A level as written in the CSV: no exponent, no trailing zeros."""
    return format(value.normalize(), "f")


@dataclass(frozen=True)
class Row:
    """One progress entry, with its place in the filing order."""

    reported_at: date
    seq: int
    unit: str
    target: str
    period: str
    value: Decimal | None  # None: a supporting unit's note (SPEC §17)
    note: str
    reported_by: str

    def cells(self) -> tuple[str, ...]:
        """The row's cells in the order of HEADER."""
        return (
            self.unit,
            self.target,
            self.period,
            "" if self.value is None else fmt(self.value),
            self.note,
            self.reported_by,
            self.reported_at.isoformat(),
        )


def filings(plan: Plan) -> Iterator[Row]:
    """Every entry of the year, in the order the reports are generated (not yet by date)."""
    levels = all_levels(plan)
    rng = random.Random(FILING_SEED)
    by_unit = {u: [a for a in plan.assignments if a.unit == u] for u in plan.units}
    supported = {u: [t for s, t in plan.supports if s == u] for u in plan.units}
    note_rng = random.Random(NOTE_SEED)  # apart from the filing draws, which stay as they were
    last_filed: dict[tuple[str, str], Decimal] = {}
    seq = 0
    for month in range(1, 13):
        period = f"{YEAR}-{month:02d}"
        for unit in plan.units:
            default_day = rng.choice((2, 3, 3, 4, 4, 5))  # drawn always: stable defaults
            if (unit, month) in SKIPPED_MONTHS:
                continue
            # SPEC §5: a report covers the assignments not done by the earlier periods filed.
            open_assignments = [a for a in by_unit[unit] if not is_done(a, last_filed.get(a.key))]
            if not open_assignments and not supported[unit]:
                continue
            first_day = report_month_start(month)
            filed_on = filing_date(
                first_day.replace(day=intended_day(unit, month, default_day)),
                first_day.replace(day=plan.report_due_day),
            )
            by = clerk(unit, month)
            # a supporting unit's note for each target it supports, with its own report (SPEC §17, §18)
            for target in supported[unit]:
                seq += 1
                yield Row(filed_on, seq, unit, target, period, None, note_rng.choice(SUPPORT_NOTES), by)
            for a in open_assignments:
                key = a.key
                level = levels[key][month - 1]
                correction = CORRECTIONS.get((unit, a.target, month))
                first = level if correction is None else to_decimal(correction.first_value)
                seq += 1
                yield Row(filed_on, seq, unit, a.target, period, first, NOTES.get((*key, month), ""), by)
                if correction is not None:
                    seq += 1
                    corrected_on = filing_date(filed_on + timedelta(days=correction.days_later), None)
                    yield Row(corrected_on, seq, unit, a.target, period, level, correction.note, by)
                last_filed[key] = level


def write_csv(rows: Sequence[Row], out: Path) -> None:
    """Write the rows in the import format of SPEC §6: UTF-8 without BOM, LF line ends."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(row.cells() for row in rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Read the plan, generate the year's filings, write them in filing order."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--plan", type=Path, default=DEFAULT_PLAN, help="plan file (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="CSV to write (default: %(default)s)")
    args = parser.parse_args(argv)
    plan = read_plan(args.plan)
    check_story(plan)
    rows = sorted(filings(plan), key=lambda r: (r.reported_at, r.seq))
    write_csv(rows, args.out)
    sys.stderr.write(f"generate_sample: wrote {len(rows)} rows to {args.out}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
