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

from ecotrack import rules
from ecotrack.plan import Plan
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
    """The README's year-end story: towns, sub-districts and departments ranked apart, 30% may be 优秀."""
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
