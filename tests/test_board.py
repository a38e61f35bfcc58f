"""The 亮灯 board (issue 35, README "The board"): the rule worked by hand in tests/data/board/README.md, through the
pure rules and through `status --board`; and the sample's board at the July meeting."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ecotrack import rules
from ecotrack.planfile import read_plan
from ecotrack.rules import Filed

from .conftest import DATA, Workspace, prepared

PLAN = DATA / "board" / "plan.yaml"
FILINGS = DATA / "board" / "filings.csv"
D, BEFORE = date(2012, 6, 10), date(2012, 5, 10)
# (unit, colour, score, rank, previous colour, previous rank, change): tests/data/board/README.md
BY_HAND = [
    ("a", "green", 90.0, 1, "yellow", 1, 0),
    ("c", "yellow", 85.0, 2, "yellow", 3, 1),
    ("b", "red", 25.0, 3, "yellow", 1, -2),
    ("e", "green", 80.0, 1, "red", 2, 1),
    ("d", "red", 40.0, 2, "green", 1, -1),
]


def _ledger(path: Path, as_of: date) -> dict[tuple[str, str], dict[int, Filed]]:
    """The worked example's entries counted as of a date, as the rules read them: one per unit, target and month."""
    ledger: dict[tuple[str, str], dict[int, Filed]] = {}
    with path.open(encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            on = date.fromisoformat(row["reported_at"])
            month = int(row["period"][5:])
            if on > as_of:
                continue
            ledger.setdefault((row["unit"], row["target"]), {})[month] = Filed(float(row["value"]), on, on)
    return ledger


def test_the_board_worked_by_hand_through_the_rules() -> None:
    plan, _ = read_plan(PLAN)
    assert rules.previous_board_date(plan.year, D) == BEFORE
    now, before = (rules.evaluate(plan, _ledger(FILINGS, day), day) for day in (D, BEFORE))
    board = rules.board(plan, now, before)
    shown = [
        (r.now.unit, r.now.colour, r.now.score, r.now.rank, r.previous.colour, r.previous.rank, r.change)
        for r in board
        if r.previous is not None
    ]
    assert shown == BY_HAND  # s only supports: no light
    b = next(r.now for r in board if r.now.unit == "b")
    assert (b.behind, b.at_risk, b.missing_reports, b.late) == (("2.1",), ("1.1",), (), False)
    d = next(r.now for r in board if r.now.unit == "d")
    assert (d.missing_reports, d.at_risk) == (("2012-05",), ("1.2",))
    assert [r.now.group for r in board] == ["town"] * 3 + ["department"] * 2


@pytest.mark.parametrize(
    ("as_of", "previous"),
    [
        (date(2012, 7, 6), date(2012, 6, 6)),  # the sample's July meeting against June's
        (date(2012, 7, 1), date(2012, 6, 1)),
        (date(2012, 3, 31), date(2012, 2, 29)),  # the day clamped to the shorter month
        (date(2013, 1, 6), date(2012, 12, 6)),  # December's meeting in January
        (date(2013, 5, 20), date(2012, 12, 31)),  # after the year: as at the end of January, November before
        (date(2012, 2, 15), None),  # January has no evaluation month before it
        (date(2012, 1, 20), None),  # no evaluation month yet
    ],
)
def test_the_month_before(as_of: date, previous: date | None) -> None:
    found = rules.previous_board_date(2012, as_of)
    assert found == previous
    if found is not None:
        now, before = rules.evaluation_month(2012, as_of), rules.evaluation_month(2012, found)
        assert before is not None and now == before + 1


def _board(workspace: Workspace, *args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(workspace.ok("status", "--board", *args, "--format", "json").stdout)
    return data


def test_status_board_in_every_format(tmp_path: Path) -> None:
    office = prepared(tmp_path, PLAN, FILINGS)
    data = _board(office, "--as-of", D.isoformat())
    assert (data["as_of"], data["evaluation_month"], data["previous_as_of"], data["previous_month"]) == (
        "2012-06-10",
        "2012-05",
        "2012-05-10",
        "2012-04",
    )
    keys = ("unit", "colour", "score", "rank", "previous_colour", "previous_rank", "change")
    assert [tuple(u[k] for k in keys) for u in data["units"]] == BY_HAND
    assert {"unit", "unit_name", "colour", "rank", "previous_colour", "previous_rank", "change"} <= set(
        data["units"][0]
    )
    table = office.ok("status", "--board", "--as-of", D.isoformat()).stdout
    for words in ("● green", "● yellow (3)", "● red", "↑1", "↓2", "→", "behind: 2.1", "reports missing: 2012-05"):
        assert words in table  # a light by its word, not by its colour alone; moves as arrows
    chinese = office.ok("--lang", "zh", "status", "--board", "--as-of", D.isoformat()).stdout
    assert "● 绿灯" in chinese and "● 红灯" in chinese and "● 黄灯 (1)" in chinese and "本月月报逾期报送" in chinese
    text = office.ok("status", "--board", "--as-of", D.isoformat(), "--format", "csv", "--no-bom").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert text.splitlines()[0].startswith("unit,unit_name,group,colour,score,rank,previous_colour")
    assert [(r["unit"], r["colour"], r["change"]) for r in rows] == [(u[0], u[1], str(u[6])) for u in BY_HAND]
    # January's evaluation has no month before it
    february = _board(office, "--as-of", "2012-02-15")
    assert february["previous_as_of"] is None and {u["change"] for u in february["units"]} == {None}


def test_status_board_refuses_what_it_cannot_show(tmp_path: Path) -> None:
    office = prepared(tmp_path, PLAN, FILINGS)
    mixed = office.run("status", "--board", "--unit", "a")
    assert mixed.exit_code == 2 and mixed.stderr.startswith("error: --board shows every unit")
    assert len(mixed.stderr.strip().splitlines()) == 1
    early = office.run("status", "--board", "--as-of", "2012-01-20")
    assert early.exit_code == 1 and "no evaluation month yet as of 2012-01-20" in early.stderr
    assert "Traceback" not in mixed.stderr + early.stderr


def test_the_sample_board_at_the_july_meeting(sample: Workspace) -> None:
    """docs/meeting.md: `status --board --as-of 2012-07-06`, against 2012-06-06."""
    data = _board(sample, "--as-of", "2012-07-06")
    assert data["previous_as_of"] == "2012-06-06"
    by_unit = {u["unit"]: u for u in data["units"]}
    assert len(by_unit) == 19  # every unit of the sample leads a target
    # 白沙镇 behind and months missing; 东湖街道 red for its mistyped wetland, green the month before
    assert by_unit["baisha"]["colour"] == "red" and by_unit["baisha"]["missing_reports"] == ["2012-03", "2012-05"]
    assert (by_unit["donghu"]["colour"], by_unit["donghu"]["previous_colour"]) == ("red", "green")
    assert (by_unit["huanbao"]["colour"], by_unit["huanbao"]["behind"]) == ("red", ["2.3"])
    assert (by_unit["taoyuan"]["rank"], by_unit["taoyuan"]["change"], by_unit["taoyuan"]["previous_colour"]) == (
        1,
        1,
        "yellow",
    )
    for unit in data["units"]:  # a unit never ranks above one of a better light in its group
        better = [o for o in data["units"] if o["group"] == unit["group"] and o["rank"] < unit["rank"]]
        assert all(rules.LIGHTS.index(o["colour"]) <= rules.LIGHTS.index(unit["colour"]) for o in better)
