"""The assessment rules of SPEC §11 and §14 (issue 14): worked by hand on small plans, through the pure
functions and through the real CLI.

Every plan here gives completion all the points (completion_points 100, timeliness_points 0) and has one
straight-line target of amount 100 per unit, so that a unit's score is its level as of 2013-01-10 (after the
year: the whole amount is due) unless a rule under test says otherwise.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecotrack import rules
from ecotrack.plan import Plan, TieBreakPart
from ecotrack.planfile import parse_plan

from .conftest import Workspace, csv_text, make_workspace, prepared

AS_OF = date(2013, 1, 10)


def plan_text(units: dict[str, str], assessment: str = "", target: str = "") -> str:
    """A plan with `units` (code -> kind) and one target 1 assigned 100 to each."""
    lines = [
        "plan: {year: 2012, title: 评分示例, office: 示例办公室}",
        "assessment:",
        "  completion_points: 100",
        "  timeliness_points: 0",
        "  grades: {优秀: 90, 良好: 80}",
        "  fail_grade: 不合格",
        *(f"  {line}" for line in assessment.strip().splitlines() if line),
        "units:",
        *(f"  - {{code: {code}, name: {code}单位, kind: {kind}}}" for code, kind in units.items()),
        "tasks:",
        "  - code: '1'",
        "    title: 示例任务",
        "    targets:",
        "      - code: '1'",
        "        title: 示例指标",
        *(f"        {line}" for line in target.strip().splitlines() if line),
        *(
            ["        assign: [" + ", ".join(units) + "]"]
            if "milestone" in target
            else ["        measure: 亩", "        assign: {" + ", ".join(f"{code}: 100" for code in units) + "}"]
        ),
    ]
    return "\n".join(lines) + "\n"


def ledger(levels: dict[str, float], target: str = "1") -> rules.Ledger:
    filed = date(2013, 1, 3)
    return {(unit, target): {12: rules.Filed(value, filed, filed)} for unit, value in levels.items()}


def assess(plan: Plan, levels: dict[str, float], **kwargs: Any) -> dict[str, rules.UnitAssessment]:
    evaluation = rules.evaluate(plan, ledger(levels), AS_OF)
    return {a.unit: a for a in rules.assess(plan, evaluation, kwargs.pop("notices", {}), **kwargs)}


FOUR_TOWNS = {"a": "town", "b": "town", "c": "town", "d": "town"}


def test_without_the_new_keys_the_numbers_are_part_ones() -> None:
    results = assess(parse_plan(plan_text(FOUR_TOWNS), "p.yaml"), {"a": 100, "b": 95, "c": 95, "d": 70})
    assert {u: (r.score, r.grade, r.rank) for u, r in results.items()} == {
        "a": (100.0, "优秀", 1),
        "b": (95.0, "优秀", 2),
        "c": (95.0, "优秀", 2),
        "d": (70.0, "不合格", 4),
    }


def test_a_quota_with_a_tie_straddling_the_limit_drops_the_whole_rank() -> None:
    # 50% of 4 units may be 优秀: the limit is 2, and the 2nd and 3rd share rank 2, so both drop to 良好
    plan = parse_plan(plan_text(FOUR_TOWNS, "grade_quota: {优秀: 0.5}"), "p.yaml")
    results = assess(plan, {"a": 100, "b": 95, "c": 95, "d": 70})
    assert {u: r.grade for u, r in results.items()} == {"a": "优秀", "b": "良好", "c": "良好", "d": "不合格"}
    # with no tie at the limit, the first two keep it
    results = assess(plan, {"a": 100, "b": 96, "c": 95, "d": 91})
    assert {u: r.grade for u, r in results.items()} == {"a": "优秀", "b": "优秀", "c": "良好", "d": "良好"}


def test_dropped_units_meet_the_next_grades_quota_in_turn() -> None:
    plan = parse_plan(plan_text(FOUR_TOWNS, "grade_quota: {优秀: 0.25, 良好: 0.25}"), "p.yaml")
    results = assess(plan, {"a": 100, "b": 95, "c": 92, "d": 85})
    # 优秀: a keeps it (limit 1); b and c drop to 良好, which now holds b, c, d: b keeps it, c and d fail
    assert {u: r.grade for u, r in results.items()} == {"a": "优秀", "b": "良好", "c": "不合格", "d": "不合格"}


def test_the_quota_limit_allows_for_float_noise() -> None:
    ten = {f"u{i}": "town" for i in range(10)}
    plan = parse_plan(plan_text(ten, "grade_quota: {优秀: 0.3}"), "p.yaml")
    results = assess(plan, {code: 100 - index for index, code in enumerate(ten)})
    assert sum(r.grade == "优秀" for r in results.values()) == 3  # 0.3 × 10 is 3, not 2.9999…


def test_a_veto_of_the_top_unit() -> None:
    plan = parse_plan(plan_text(FOUR_TOWNS, "grade_quota: {优秀: 0.5}"), "p.yaml")
    results = assess(plan, {"a": 100, "b": 95, "c": 95, "d": 70}, vetoes={"a": [rules.Veto(1, "重大事故")]})
    a = results["a"]
    assert (a.grade, a.rank, a.score, a.vetoed) == ("不合格", 1, 100.0, True)  # ranked at its score
    # the group still counts a (limit 2): b and c, tied at rank 2, are the only 优秀 holders left and keep it
    assert (results["b"].grade, results["c"].grade) == ("优秀", "优秀")
    veto_grade = parse_plan(plan_text(FOUR_TOWNS, "veto_grade: 良好"), "p.yaml")
    assert assess(veto_grade, {"a": 100}, vetoes={"a": [rules.Veto(1, "x")]})["a"].grade == "良好"


@pytest.mark.parametrize(
    ("notices", "bonuses", "score", "notice_points"),
    [
        (2, [], 56.0, 4.0),  # 60 − 2 × 2: under the cap of 5
        (4, [], 55.0, 5.0),  # 2 × 4 = 8, capped at 5
        (0, [2.0, 2.0], 63.0, 0.0),  # bonuses 4, capped at 3
        (0, [2.0, -1.0], 61.0, 0.0),  # bonus 2, deduction 1: capped apart, not netted
        (0, [-3.0, -3.0], 56.0, 0.0),  # deductions 6, capped at 4
        (4, [3.0, 3.0, -9.0], 54.0, 5.0),  # 60 − 5 + 3 − 4
    ],
)
def test_caps_reached_and_not_reached(notices: int, bonuses: list[float], score: float, notice_points: float) -> None:
    plan = parse_plan(
        plan_text({"a": "town"}, "notice_penalty: 2\nnotice_penalty_cap: 5\nbonus_cap: 3\ndeduction_cap: 4"), "p.yaml"
    )
    items = [rules.Adjustment(i, points, "item", "basis") for i, points in enumerate(bonuses)]
    result = assess(plan, {"a": 60}, notices={"a": notices}, adjustments={"a": items})["a"]
    assert (result.score, result.notice_points) == (score, notice_points)


MILESTONE = "type: milestone\ndue: 2012-06-30"


@pytest.mark.parametrize(("done_on", "score"), [(date(2012, 6, 30), 100.0), (date(2012, 7, 10), 50.0), (None, 100.0)])
def test_a_milestone_done_late_loses_its_share(done_on: date | None, score: float) -> None:
    plan = parse_plan(plan_text({"a": "town"}, "late_milestone: 0.5", MILESTONE), "p.yaml")
    done = {("a", "1"): done_on} if done_on else {}
    assert assess(plan, {"a": 1}, done_on=done)["a"].score == score


@pytest.mark.parametrize(
    ("scoring", "level", "score"),
    [
        ("{per: 10, points: 5}", 100, 100.0),  # nothing short
        ("{per: 10, points: 5}", 50, 75.0),  # 50 short: 25 off
        ("{per: 10, points: 20}", 50, 0.0),  # 50 short: 100 off, exactly all its points
        ("{per: 10, points: 20}", 0, 0.0),  # 100 short: 200 off, no lower than 0
    ],
)
def test_scoring_per_shortfall(scoring: str, level: float, score: float) -> None:
    plan = parse_plan(plan_text({"a": "town"}, target=f"scoring: {scoring}"), "p.yaml")
    result = assess(plan, {"a": level})["a"]
    assert result.score == score
    (contribution,) = rules.contributions(plan, rules.evaluate(plan, ledger({"a": level}), AS_OF), "a")
    assert contribution.rule == "scoring" and contribution.shortfall == 100 - level


def test_scoring_counts_a_level_below_the_baseline_as_more_short() -> None:
    plan = parse_plan(plan_text({"a": "town"}, target="baseline: 10\nscoring: {per: 1, points: 0.5}"), "p.yaml")
    plan_amount = plan.targets().__next__().assignments[0].amount
    assert plan_amount == 100  # span 90
    evaluation = rules.evaluate(plan, ledger({"a": 0}), AS_OF)
    (contribution,) = rules.contributions(plan, evaluation, "a")
    assert contribution.shortfall == pytest.approx(100)  # p = −10/90: (1 − p) × 90 = 100
    assert contribution.points == pytest.approx(50)


def test_scoring_with_no_completion_points() -> None:
    text = plan_text({"a": "town", "b": "town"}, target="scoring: {per: 10, points: 5}")
    plan = parse_plan(text.replace("completion_points: 100", "completion_points: 0"), "p.yaml")
    evaluation = rules.evaluate(plan, ledger({"a": 100, "b": 90}), AS_OF)
    assert [c.counted for c in rules.contributions(plan, evaluation, "a")] == [1.0]
    assert [c.counted for c in rules.contributions(plan, evaluation, "b")] == [0.0]


def test_separate_ranks_per_kind() -> None:
    units = {"t1": "town", "d1": "department", "t2": "town", "d2": "department"}
    plan = parse_plan(plan_text(units, "rank_by: kind"), "p.yaml")
    evaluation = rules.evaluate(plan, ledger({"t1": 80, "d1": 90, "t2": 85, "d2": 70}), AS_OF)
    results = rules.assess(plan, evaluation, {})
    assert [(r.unit, r.group, r.rank) for r in results] == [
        ("t2", "town", 1),
        ("t1", "town", 2),
        ("d1", "department", 1),
        ("d2", "department", 2),
    ]


@pytest.mark.parametrize(
    ("assessment", "message"),
    [
        ("grade_quota: {优等: 0.3}", "grade_quota names '优等', which is not one of the grades"),
        ("veto_grade: 差", "veto_grade '差' is not one of the grades"),
        ("rank_by: town", "rank_by must be one of 'kind'"),
        ("late_milestone: 1.5", "late_milestone must be at most 1"),
        ("grade_quota: {优秀: -0.1}", "must be at least 0"),
    ],
)
def test_bad_rules_are_plan_errors_at_their_place(tmp_path: Path, assessment: str, message: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(plan_text(FOUR_TOWNS, assessment), encoding="utf-8")
    workspace = make_workspace(tmp_path, path)
    outcome = workspace.run("plan", "check", str(path))
    assert outcome.exit_code == 2 and message in outcome.stderr
    assert f"{path}:7:" in outcome.stderr  # the line of the key, under assessment


def test_a_bad_scoring_rule_is_a_plan_error(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(plan_text(FOUR_TOWNS, target="scoring: {per: 0, points: 5}"), encoding="utf-8")
    outcome = make_workspace(tmp_path, path).run("plan", "check", str(path))
    assert outcome.exit_code == 2 and "per must be greater than 0" in outcome.stderr


# --- through the CLI: adjustments, vetoes and the final result ------------------------------------------


@pytest.fixture
def year(tmp_path: Path, backend: str | None) -> Workspace:
    text = plan_text(FOUR_TOWNS, "bonus_cap: 3")
    workspace = prepared(tmp_path, text, url=backend)
    rows = [f"{u},1,2012-12,{v},,,2013-01-03" for u, v in {"a": 100, "b": 95, "c": 95, "d": 70}.items()]
    workspace.write("december.csv", csv_text(rows))
    workspace.ok("import", "december.csv")
    return workspace


def js(workspace: Workspace, *args: str) -> Any:
    return json.loads(workspace.ok(*args, "--format", "json").stdout)


def units(workspace: Workspace, *args: str) -> dict[str, dict[str, Any]]:
    return {u["unit"]: u for u in js(workspace, "assess", "--as-of", "2013-01-10", *args)["units"]}


def test_adjustments_and_vetoes_are_recorded_shown_and_voided(year: Workspace) -> None:
    year.ok("score", "add", "--unit", "d", "--points", "2", "--item", "省级示范", "--basis", "市环委〔2012〕5号")
    year.ok("score", "add", "--unit", "d", "--points", "2", "--item", "宣传工作", "--basis", "区委宣传部函")
    year.ok("score", "veto", "--unit", "a", "--reason", "发生重大环境污染事件")
    results = units(year)
    assert results["d"]["score"] == 73.0  # 70 + 4 bonus, capped at 3
    assert [a["item"] for a in results["d"]["adjustments"]] == ["省级示范", "宣传工作"]
    assert results["a"]["vetoed"] is True and results["a"]["grade"] == "不合格" and results["a"]["rank"] == 1
    explained = js(year, "assess", "--as-of", "2013-01-10", "--unit", "a")
    assert explained["vetoes"] == [{"id": 3, "reason": "发生重大环境污染事件"}]
    assert "vetoed (#3): 发生重大环境污染事件" in year.ok("assess", "--as-of", "2013-01-10", "--unit", "a").stdout
    year.ok("score", "void", "3", "--reason", "经复核不属实")
    assert units(year)["a"]["vetoed"] is False
    listed = js(year, "score", "list")["adjustments"]
    assert [(a["id"], a["void_reason"]) for a in listed] == [(1, None), (2, None), (3, "经复核不属实")]
    twice = year.run("score", "void", "3", "--reason", "again")
    assert twice.exit_code == 1 and "voided already" in twice.stderr


def test_the_final_result_is_recorded_once_and_later_filings_move_only_the_trial(year: Workspace) -> None:
    assert js(year, "assess", "--as-of", "2013-01-10")["final"] is False
    assert "(trial)" in year.ok("assess", "--as-of", "2013-01-10").stdout
    year.ok("assess", "--final", "--as-of", "2013-01-10")
    before = year.snapshot()
    again = year.run("assess", "--final", "--as-of", "2013-01-10")
    assert again.exit_code == 1 and "was recorded on" in again.stderr
    adjust = year.run("score", "add", "--unit", "d", "--points", "1", "--item", "x", "--basis", "y")
    assert adjust.exit_code == 1
    assert year.snapshot() == before
    # d files a higher December level later: the trial moves, the final result does not
    year.ok("report", "--unit", "d", "--target", "1", "--period", "2012-12", "--value", "90", "--on", "2013-01-05")
    final = units(year)
    assert final["d"]["score"] == 70.0 and final["d"]["final"] is True
    assert js(year, "assess")["final"] is True  # whatever the date
    trial = units(year, "--trial")
    assert trial["d"]["score"] == 90.0 and trial["d"]["final"] is False
    explained = js(year, "assess", "--unit", "d")
    assert explained["final"] is True and explained["contributions"][0]["progress"] == 0.7
    assert "Final assessment of 2012 as of 2013-01-10" in year.ok("assess", "--unit", "d").stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("score", "add", "--unit", "d", "--points", "two", "--item", "x", "--basis", "y"), 2, "is not a number"),
        (("score", "add", "--unit", "d", "--points", "0", "--item", "x", "--basis", "y"), 2, "give a bonus above 0"),
        (("score", "add", "--unit", "d", "--points", "2", "--basis", "y"), 2, "--item is required"),
        (("score", "add", "--unit", "zz", "--points", "2", "--item", "x", "--basis", "y"), 2, "unknown unit 'zz'"),
        (("score", "veto", "--unit", "a"), 2, "--reason is required"),
        (("score", "void", "9", "--reason", "x"), 2, "no adjustment #9"),
        (("assess", "--final", "--trial"), 2, "not both"),
        (("assess", "--final", "--unit", "a"), 2, "leave out --unit"),
    ],
)
def test_bad_score_input_changes_nothing(tmp_path: Path, args: tuple[str, ...], code: int, message: str) -> None:
    workspace = make_workspace(tmp_path, plan_text(FOUR_TOWNS))
    workspace.ok("init")
    before = workspace.snapshot()
    outcome = workspace.run(*args)
    assert (outcome.exit_code, outcome.stderr.count("error:")) == (code, 1), outcome.stderr
    assert message in outcome.stderr
    assert workspace.snapshot() == before


def test_a_late_milestone_through_the_cli(tmp_path: Path) -> None:
    text = plan_text({"a": "town"}, "late_milestone: 0.5", MILESTONE)
    workspace = make_workspace(tmp_path, text)
    workspace.ok("init")
    workspace.ok("report", "--unit", "a", "--target", "1", "--period", "2012-07", "--done", "--on", "2012-08-02")
    (result,) = js(workspace, "assess", "--as-of", "2013-01-10")["units"]
    assert result["score"] == 50.0
    explained = js(workspace, "assess", "--as-of", "2013-01-10", "--unit", "a")
    assert explained["contributions"][0]["rule"] == "late_milestone"


def test_the_samples_rules_through_json(sample: Workspace) -> None:
    """The year-end story of docs/year-end.md: towns, sub-districts and departments ranked apart, 30% may be 优秀."""
    results = {u["unit"]: u for u in js(sample, "assess", "--as-of", "2013-02-01")["units"]}
    assert [u for u, r in results.items() if r["grade"] == "优秀"] == ["taoyuan"]  # 1 of 6 towns
    assert (results["chengguan"]["rank"], results["chengguan"]["grade"]) == (1, "良好")  # 0.3 × 3 < 1
    tied = [u for u, r in results.items() if r["group"] == "department" and r["rank"] == 1]
    assert len(tied) == 6 and all(results[u]["grade"] == "良好" for u in tied)  # the tie straddles 3
    assert (results["huanbao"]["score"], results["qingshan"]["score"], results["baisha"]["score"]) == (
        93.85,
        97.78,
        85.6,
    )
    assert [r["group"] for r in results.values()][:6] == ["town"] * 6


def test_plan_load_refuses_to_drop_a_unit_with_an_adjustment(tmp_path: Path) -> None:
    text = plan_text(FOUR_TOWNS)
    workspace = make_workspace(tmp_path, text)
    workspace.ok("init")
    workspace.ok("score", "add", "--unit", "d", "--points", "-2", "--item", "x", "--basis", "y")
    workspace.plan.write_text(text.replace("  - {code: d, name: d单位, kind: town}\n", "").replace(", d: 100", ""))
    before = workspace.snapshot()
    outcome = workspace.run("plan", "load")
    assert outcome.exit_code == 1 and "unit d has 1 score adjustment; the plan file drops it" in outcome.stderr
    assert workspace.snapshot() == before


# --- SPEC §15, §18 (issue 33): late reports, tie-breaks and ties at a quota -------------------------------
# The worked examples of tests/data/scoring/README.md, by hand first, then through the real CLI.

SCORING = Path(__file__).parent / "data" / "scoring"
AS_OF_TEXT = AS_OF.isoformat()

# unit -> (score, rank, grade, beyond_quota), as docs/year-end.md works them out
TIES = {
    "quota-drop.yaml": {
        "a": (100.0, 1, "优秀", False),
        "b": (95.0, 2, "良好", False),
        "c": (95.0, 2, "良好", False),
        "e": (92.0, 4, "良好", False),
        "d": (80.0, 5, "良好", False),
    },
    "quota-keep.yaml": {
        "a": (100.0, 1, "优秀", False),
        "b": (95.0, 2, "优秀", True),
        "c": (95.0, 2, "优秀", True),
        "e": (92.0, 4, "良好", False),
        "d": (80.0, 5, "良好", False),
    },
    "tie-break-completion.yaml": {
        "a": (100.0, 1, "优秀", False),
        "b": (95.0, 2, "优秀", False),
        "c": (95.0, 3, "良好", False),
        "e": (92.0, 4, "良好", False),
        "d": (80.0, 5, "良好", False),
    },
    "tie-break-timeliness.yaml": {
        "a": (100.0, 1, "优秀", False),
        "c": (95.0, 2, "优秀", False),
        "b": (95.0, 3, "良好", False),
        "e": (92.0, 4, "良好", False),
        "d": (80.0, 5, "良好", False),
    },
    "tie-break-unbroken.yaml": {
        "a": (100.0, 1, "优秀", False),
        "b": (95.0, 2, "优秀", True),
        "c": (95.0, 2, "优秀", True),
        "e": (92.0, 4, "良好", False),
        "d": (80.0, 5, "良好", False),
    },
}
# unit -> (completion, timeliness, on time, late, missing), the same in every plan of (a)
TIES_PARTS = {
    "a": (1.0, 1.0, 4, 0, 0),
    "b": (1.0, 0.75, 3, 1, 0),
    "c": (0.9375, 1.0, 4, 0, 0),
    "d": (0.75, 1.0, 4, 0, 0),
    "e": (0.9, 1.0, 4, 0, 0),
}


def scored(workspace: Workspace, *args: str) -> list[dict[str, Any]]:
    units: list[dict[str, Any]] = js(workspace, "assess", "--as-of", AS_OF_TEXT, *args)["units"]
    return units


def example(tmp_path: Path, plan: str | Path, filings: str, url: str | None = None) -> Workspace:
    source = plan if isinstance(plan, str) and "\n" in plan else SCORING / plan
    tmp_path.mkdir(parents=True, exist_ok=True)
    return prepared(tmp_path, source, SCORING / filings, url)


@pytest.mark.parametrize("plan", list(TIES))
def test_worked_example_a_a_tie_straddling_a_quota(tmp_path: Path, backend: str | None, plan: str) -> None:
    results = scored(example(tmp_path, plan, "ties.csv", backend))
    assert [u["unit"] for u in results] == list(TIES[plan])  # by rank, then plan order
    assert {u["unit"]: (u["score"], u["rank"], u["grade"], u["beyond_quota"]) for u in results} == TIES[plan]
    for u in results:
        parts = (u["completion"], u["timeliness"], u["reports_on_time"], u["reports_late"], u["reports_missing"])
        assert parts == pytest.approx(TIES_PARTS[u["unit"]])


def test_worked_example_b_a_late_month_keeps_half(tmp_path: Path, backend: str | None) -> None:
    results = {u["unit"]: u for u in scored(example(tmp_path, "late-share.yaml", "late.csv", backend))}
    x, y = results["x"], results["y"]
    assert (x["reports_on_time"], x["reports_late"], x["reports_missing"]) == (2, 1, 1)
    assert (x["completion"], x["timeliness"], x["score"], x["grade"], x["rank"]) == (0.85, 0.625, 80.5, "良好", 2)
    assert (y["reports_on_time"], y["reports_late"], y["reports_missing"]) == (3, 1, 0)
    assert (y["completion"], y["timeliness"], y["score"], y["grade"], y["rank"]) == (1.0, 0.875, 97.5, "优秀", 1)


def without(name: str, key: str) -> str:
    """A plan of the worked examples with the line of one of its keys left out."""
    lines = (SCORING / name).read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.lstrip().startswith(f"{key}:")]
    assert len(kept) == len(lines) - 1
    return "".join(kept)


def test_worked_example_b_without_the_key_gives_todays_numbers(tmp_path: Path) -> None:
    """A late month counts as missing (part one): docs/year-end.md's last column."""
    results = {
        u["unit"]: u for u in scored(example(tmp_path, without("late-share.yaml", "late_report_share"), "late.csv"))
    }
    assert (results["x"]["timeliness"], results["x"]["score"], results["x"]["grade"]) == (0.5, 78.0, "合格")
    assert (results["y"]["timeliness"], results["y"]["score"], results["y"]["grade"]) == (0.75, 95.0, "优秀")


def test_a_plan_without_the_new_keys_gives_exactly_todays_result(tmp_path: Path) -> None:
    """`quota_ties: drop` is §14's reading: the plan with it and the plan without any new key give the same JSON,
    explanations included, but for the new keys' names."""
    explicit = example(tmp_path / "explicit", "quota-drop.yaml", "ties.csv")
    today = example(tmp_path / "today", without("quota-drop.yaml", "quota_ties"), "ties.csv")
    for args in ((), ("--unit", "b")):
        shown = [js(w, "assess", "--as-of", AS_OF_TEXT, *args) for w in (explicit, today)]
        for data in shown:  # the entries counted after the fact were filed at other moments in the two databases
            data.pop("after_the_fact", None)
        assert shown[0] == shown[1]
    explained = js(today, "assess", "--as-of", AS_OF_TEXT, "--unit", "b")
    assert (explained["tie"], explained["quota"]) == (None, None)
    assert "tied at" not in today.ok("assess", "--as-of", AS_OF_TEXT, "--unit", "b").stdout


def test_keep_is_explained_and_marked(tmp_path: Path) -> None:
    workspace = example(tmp_path, "quota-keep.yaml", "ties.csv")
    table = workspace.ok("assess", "--as-of", AS_OF_TEXT).stdout
    assert "优秀*" in table and "* kept beyond the quota (a tie at its limit; quota_ties: keep): 乙镇, 丙镇" in table
    assert table.count("优秀*") == 2
    explained = js(workspace, "assess", "--as-of", AS_OF_TEXT, "--unit", "c")
    assert explained["quota"] == {"grade": "优秀", "quota": 0.5, "group_size": 5, "limit": 2, "holders": 3}
    assert explained["tie"] is None  # no tie_break: nothing ordered the tie
    text = workspace.ok("assess", "--as-of", AS_OF_TEXT, "--unit", "c").stdout
    assert (
        "优秀 kept beyond its quota: 50% of the group's 5 units allows 2, but rank 2 at the limit is shared and each "
        "of its units keeps the grade (quota_ties: keep); 3 units hold it"
    ) in " ".join(text.split())
    assert js(workspace, "assess", "--as-of", AS_OF_TEXT, "--unit", "a")["quota"] is None
    csv_rows = workspace.ok("assess", "--as-of", AS_OF_TEXT, "--format", "csv", "--no-bom").stdout.splitlines()
    assert csv_rows[0].endswith(",final,beyond_quota")
    assert [row.rsplit(",", 1)[1] for row in csv_rows[1:]] == ["false", "true", "true", "false", "false"]


def test_a_tie_break_that_decides_is_explained(tmp_path: Path) -> None:
    workspace = example(tmp_path, "tie-break-timeliness.yaml", "ties.csv")
    explained = js(workspace, "assess", "--as-of", AS_OF_TEXT, "--unit", "b")
    assert explained["tie"] == {
        "score": 95.0,
        "tie_break": ["timeliness", "completion"],
        "units": [
            {"unit": "c", "unit_name": "丙镇", "completion": 0.9375, "timeliness": 1.0, "notices": 0, "rank": 2},
            {"unit": "b", "unit_name": "乙镇", "completion": 1.0, "timeliness": 0.75, "notices": 0, "rank": 3},
        ],
    }
    text = " ".join(workspace.ok("assess", "--as-of", AS_OF_TEXT, "--unit", "b").stdout.split())
    assert (
        "rank 3: tied at 95.00 with 1 other unit, ordered by the tie-break (timeliness, completion) "
        "#2 丙镇: timeliness 1.0000, completion 0.9375 #3 乙镇: timeliness 0.7500, completion 1.0000"
    ) in text
    assert js(workspace, "assess", "--as-of", AS_OF_TEXT, "--unit", "e")["tie"] is None  # alone at 92.00
    chinese = " ".join(workspace.ok("--lang", "zh", "assess", "--as-of", AS_OF_TEXT, "--unit", "b").stdout.split())
    assert "第 3 名：与其他 1 个单位得分并列（95.00 分），按及时率、完成率依次比较确定名次" in chinese
    assert "#2 丙镇: 及时率 1.0000、完成率 0.9375" in chinese


def test_a_tie_break_that_cannot_decide_says_the_rank_is_shared(tmp_path: Path) -> None:
    workspace = example(tmp_path, "tie-break-unbroken.yaml", "ties.csv")
    text = " ".join(workspace.ok("assess", "--as-of", AS_OF_TEXT, "--unit", "b").stdout.split())
    assert (
        "rank 2: tied at 95.00 with 1 other unit, equal on every part of the tie-break (notices): they share the "
        "rank #2 乙镇: 0 notices #2 丙镇: 0 notices"
    ) in text
    assert "优秀 kept beyond its quota" in text


def test_the_late_share_is_explained(tmp_path: Path) -> None:
    workspace = example(tmp_path, "late-share.yaml", "late.csv")
    text = workspace.ok("assess", "--as-of", AS_OF_TEXT, "--unit", "x").stdout
    assert "timeliness = (2 on time + 0.5 × 1 late) / 4 months = 0.6250" in text
    today = example(tmp_path / "today", without("late-share.yaml", "late_report_share"), "late.csv")
    assert "timeliness = (" not in today.ok("assess", "--as-of", AS_OF_TEXT, "--unit", "x").stdout


def test_the_final_result_keeps_what_keep_and_the_tie_break_decided(tmp_path: Path) -> None:
    workspace = example(tmp_path, "tie-break-unbroken.yaml", "ties.csv")
    trial = js(workspace, "assess", "--as-of", AS_OF_TEXT, "--unit", "b")
    workspace.ok("assess", "--final", "--as-of", AS_OF_TEXT)
    # the plan loses the rules afterwards: the recorded result and its explanation stay as they were
    workspace.plan.write_text(without("quota-drop.yaml", "quota_ties"), encoding="utf-8")
    workspace.ok("plan", "load")
    final = js(workspace, "assess", "--unit", "b")
    assert (final["tie"], final["quota"]) == (trial["tie"], trial["quota"])
    assert [u["beyond_quota"] for u in scored(workspace)] == [False, True, True, False, False]
    assert [u["beyond_quota"] for u in scored(workspace, "--trial")] == [False] * 5  # recomputed by the new plan


def test_the_export_and_the_sheet_say_so(tmp_path: Path) -> None:
    import jsonschema
    from openpyxl import load_workbook

    workspace = example(tmp_path, "quota-keep.yaml", "ties.csv")
    data = js(workspace, "export", "--as-of", AS_OF_TEXT)
    assert [u["beyond_quota"] for u in data["assessment"]] == [False, True, True, False, False]
    schema = json.loads((Path(__file__).parent.parent / "ecotrack" / "schema" / "export.schema.json").read_text())
    jsonschema.validate(data, schema)
    workspace.ok("assess", "--as-of", AS_OF_TEXT, "--xlsx", "--out", "sheet.xlsx")
    book = load_workbook(workspace.root / "sheet.xlsx")
    total = [row for row in book["乙镇"].iter_rows(values_only=True) if row[0] == "Total"]
    assert total[0][3] == "grade 优秀, rank 2; kept beyond the quota (a tie at its limit)"
    late = example(tmp_path / "late", "late-share.yaml", "late.csv")
    late.ok("assess", "--as-of", AS_OF_TEXT, "--xlsx", "--out", str(late.root / "sheet.xlsx"))
    reports = [
        r
        for r in load_workbook(late.root / "sheet.xlsx")["青山镇"].iter_rows(values_only=True)
        if r[0] == "Monthly reports on time"
    ]
    assert reports[0][4] == "points × (on time + 0.5 × late) / months due" and reports[0][5] == pytest.approx(12.5)


@pytest.mark.parametrize(
    ("assessment", "place", "message"),
    [
        ("tie_break: [completion, score]", "7:27", "tie_break must be one of 'completion', 'timeliness' or 'notices'"),
        ("tie_break: [notices, completion, notices]", "7:36", "tie_break lists 'notices' twice"),
        ("tie_break: completion", "7:14", "tie_break must be a list"),
        ("late_report_share: 1.5", "7:22", "late_report_share must be at most 1"),
        ("late_report_share: -0.1", "7:22", "late_report_share must be at least 0"),
        ("late_report_share: half", "7:22", "late_report_share must be a number"),
        ("quota_ties: maybe", "7:15", "quota_ties must be one of 'drop' or 'keep'"),
    ],
)
def test_bad_part_three_rules_are_plan_errors_at_the_value(
    tmp_path: Path, assessment: str, place: str, message: str
) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(plan_text(FOUR_TOWNS, assessment), encoding="utf-8")
    outcome = make_workspace(tmp_path, path).run("plan", "check", str(path))
    assert outcome.exit_code == 2
    assert outcome.stderr.splitlines() == [f"error: {path}:{place}: {message}"]


# --- the pure rules ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on_time", "late", "missing", "share", "expected"),
    [
        (0, 0, 0, 0.5, 1.0),  # no month counts
        (2, 1, 1, 0.0, 0.5),  # part one: late costs as much as missing
        (2, 1, 1, 0.5, 0.625),
        (2, 1, 1, 1.0, 0.75),  # late as good as on time; missing still nothing
        (0, 3, 0, 0.5, 0.5),
        (0, 0, 3, 0.5, 0.0),
        (3, 0, 0, 0.5, 1.0),
    ],
)
def test_timeliness(on_time: int, late: int, missing: int, share: float, expected: float) -> None:
    assert rules.timeliness(on_time, late, missing, share) == pytest.approx(expected)


def result(
    unit: str, score: float, completion: float = 1.0, timeliness: float = 1.0, notices: int = 0
) -> rules.UnitAssessment:
    return rules.UnitAssessment(unit, unit, "town", completion, timeliness, 0, 0, 0, notices, score, "优秀", 0)


@pytest.mark.parametrize(
    ("tie_break", "expected"),
    [
        ((), {"a": 1, "b": 1, "c": 1, "d": 4}),
        (("completion",), {"a": 1, "b": 1, "c": 1, "d": 4}),  # equal but for float noise: still tied
        (("notices",), {"a": 2, "b": 1, "c": 3, "d": 4}),  # fewest notices first
        (("completion", "notices"), {"a": 2, "b": 1, "c": 3, "d": 4}),
        (("notices", "completion"), {"a": 2, "b": 1, "c": 3, "d": 4}),
        (("timeliness",), {"a": 3, "b": 1, "c": 2, "d": 4}),
        (("timeliness", "notices"), {"a": 3, "b": 1, "c": 2, "d": 4}),
    ],
)
def test_ranks_with_a_tie_break(tie_break: tuple[TieBreakPart, ...], expected: dict[str, int]) -> None:
    members = [
        result("a", 90.0, completion=0.9, timeliness=0.5, notices=1),
        result("b", 90.0, completion=0.9, timeliness=1.0, notices=0),
        result("c", 90.0, completion=0.9 + 1e-12, timeliness=0.75, notices=2),  # completion equal but for noise
        result("d", 89.99, completion=1.0, timeliness=1.0, notices=0),  # a lower score: parts never lift it
    ]
    assert {r.unit: r.rank for r in rules.ranks(members, tie_break)} == expected


SCORES = st.sampled_from([80.0, 90.0, 95.0, 100.0])
SHARES = st.sampled_from([0.5, 0.75, 1.0])
MEMBERS = st.lists(st.tuples(SCORES, SHARES, SHARES, st.integers(0, 2)), min_size=1, max_size=8)
PARTS = st.lists(st.sampled_from(["completion", "timeliness", "notices"]), unique=True, max_size=3)


@settings(max_examples=200, deadline=None)
@given(members=MEMBERS, tie_break=PARTS)
def test_ranks_are_one_and_the_units_strictly_ahead(
    members: list[tuple[float, float, float, int]], tie_break: list[TieBreakPart]
) -> None:
    results = [result(f"u{i}", s, c, t, n) for i, (s, c, t, n) in enumerate(members)]
    ranked = {r.unit: r.rank for r in rules.ranks(results, tie_break)}

    def key(r: rules.UnitAssessment) -> tuple[float, ...]:
        parts = {"completion": r.completion, "timeliness": r.timeliness, "notices": -r.notices}
        return (r.score, *(parts[p] for p in tie_break))

    for r in results:
        assert ranked[r.unit] == 1 + sum(key(other) > key(r) for other in results)
        # a tie-break orders only within an equal score: the ranks of part two, 1 + the higher scores, and below
        higher = sum(other.score > r.score for other in results)
        equal = sum(other.score == r.score for other in results)
        assert higher + 1 <= ranked[r.unit] <= higher + equal
    if not tie_break:
        assert all(ranked[r.unit] == 1 + sum(o.score > r.score for o in results) for r in results)


QUOTA_LEVELS = st.lists(st.sampled_from([100, 96, 95, 92, 90, 85, 80]), min_size=1, max_size=7)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(levels=QUOTA_LEVELS, quota=st.sampled_from([0.25, 0.3, 0.5, 0.75]))
def test_keep_holds_at_least_drop_and_exceeds_only_by_the_tie_at_the_limit(levels: list[int], quota: float) -> None:
    units = {f"u{i}": "town" for i in range(len(levels))}
    filed = dict(zip(units, map(float, levels), strict=True))
    drop, keep = (
        assess(parse_plan(plan_text(units, f"grade_quota: {{优秀: {quota}}}\nquota_ties: {ties}"), "p.yaml"), filed)
        for ties in ("drop", "keep")
    )
    limit = rules.quota_limit(quota, len(units))
    drop_holders = [r for r in drop.values() if r.grade == "优秀"]
    keep_holders = [r for r in keep.values() if r.grade == "优秀"]
    assert len(drop_holders) <= limit and not any(r.beyond_quota for r in drop.values())
    assert {r.unit for r in drop_holders} <= {r.unit for r in keep_holders}
    assert all((drop[u].score, drop[u].rank) == (keep[u].score, keep[u].rank) for u in units)
    beyond = [r for r in keep.values() if r.beyond_quota]
    if len(keep_holders) <= limit:
        assert beyond == []
    else:
        # every unit of one rank, the last that keeps the grade, is kept beyond; fewer than the limit are ahead
        (tied,) = {r.rank for r in beyond}
        assert {r.unit for r in beyond} == {r.unit for r in keep_holders if r.rank == tied}
        assert max(r.rank for r in keep_holders) == tied
        assert sum(r.rank < tied for r in keep_holders) < limit


def test_tie_of_and_quota_exceeded_read_the_result() -> None:
    plan = parse_plan(
        plan_text(FOUR_TOWNS, "grade_quota: {优秀: 0.5}\nquota_ties: keep\ntie_break: [notices]"), "p.yaml"
    )
    results = rules.assess(plan, rules.evaluate(plan, ledger({"a": 100, "b": 95, "c": 95, "d": 70}), AS_OF), {})
    tie = rules.tie_of(plan, results, "c")
    assert tie is not None and [(u.unit, u.rank) for u in tie.units] == [("b", 2), ("c", 2)]
    assert rules.tie_of(plan, results, "a") is None
    assert rules.quota_exceeded(plan, results, "b") == rules.QuotaExceeded("优秀", 0.5, 4, 2, 3)
    assert rules.quota_exceeded(plan, results, "d") is None
