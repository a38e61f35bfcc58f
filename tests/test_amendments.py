"""Requests and amendments end to end (SPEC §17, §18): the worked example of tests/data/amendments/README.md
through the real CLI on SQLite and PostgreSQL, past dates unchanged by later amendments, the refusals, and on
PostgreSQL a clerk's raw SQL."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from .conftest import DATA, Workspace, prepared, refused_sql, sql_as

AMENDMENTS = DATA / "amendments"


@pytest.fixture
def year(tmp_path: Path, backend: str | None) -> Workspace:
    """The worked example's plan, initialised, with its filings imported (SQLite, then PostgreSQL)."""
    return prepared(tmp_path, AMENDMENTS / "plan.yaml", AMENDMENTS / "filings.csv", url=backend)


def js(workspace: Workspace, *args: str) -> Any:
    return json.loads(workspace.ok(*args, "--format", "json").stdout)


def statuses(workspace: Workspace, day: str, unit: str | None = None) -> dict[tuple[str, str], str]:
    chosen = ("--unit", unit) if unit else ()
    return {(r["unit"], r["target"]): r["status"] for r in js(workspace, "status", "--as-of", day, *chosen)["rows"]}


def scores(workspace: Workspace, day: str) -> dict[str, tuple[float, str, int]]:
    return {u["unit"]: (u["score"], u["grade"], u["rank"]) for u in js(workspace, "assess", "--as-of", day)["units"]}


def months(workspace: Workspace, day: str) -> dict[str, dict[str, str]]:
    return {u["unit"]: u["months"] for u in js(workspace, "filings", "--as-of", day)["units"]}


def refused(workspace: Workspace, *args: str, exit_code: int = 1, saying: str = "") -> None:
    before = workspace.snapshot()
    outcome = workspace.run(*args)
    assert outcome.exit_code == exit_code, (args, outcome.exit_code, outcome.stderr)
    assert outcome.stderr.startswith("error: ") and outcome.stderr.count("error:") == 1, outcome.stderr
    assert "Traceback" not in outcome.stderr + outcome.stdout
    assert saying in outcome.stderr, outcome.stderr
    assert workspace.snapshot() == before, args


EXTEND = ("request", "--unit", "x", "--target", "2.1", "--extend-to", "2012-07-31", "--reason", "用地审批延后")
EXEMPT_Y = ("request", "--unit", "y", "--target", "3.1", "--exempt", "--reason", "项目取消")
EXEMPT_Z = ("request", "--unit", "z", "--target", "3.1", "--exempt", "--reason", "项目调出")
CUT_Y = ("request", "--unit", "y", "--target", "1.1", "--amount", "80", "--reason", "用地调减")


def every_request(year: Workspace) -> None:
    """The four requests of the worked example, each decided as it says."""
    year.ok(*EXTEND, "--on", "2012-05-10")
    year.ok("requests", "decide", "1", "--approve", "--reason", "同意", "--on", "2012-05-20")
    year.ok(*EXEMPT_Y, "--on", "2012-08-10")
    year.ok("requests", "decide", "2", "--approve", "--reason", "同意", "--from", "2012-08", "--on", "2012-08-20")
    year.ok(*EXEMPT_Z, "--on", "2012-10-08")
    year.ok("requests", "decide", "3", "--approve", "--reason", "同意", "--on", "2012-10-15")
    year.ok(*CUT_Y, "--on", "2013-01-05")
    year.ok("requests", "decide", "4", "--approve", "--reason", "同意", "--from", "2012-07", "--on", "2013-01-08")


def test_an_extension_of_a_milestone_approved_in_may(year: Workspace) -> None:
    year.ok(*EXTEND, "--on", "2012-05-10")
    year.ok("requests", "decide", "1", "--approve", "--reason", "同意", "--on", "2012-05-20")
    expected = {
        "2012-04-15": "on_track",
        "2012-05-15": "at_risk",
        "2012-06-15": "on_track",
        "2012-07-10": "at_risk",
        "2012-08-15": "behind",
    }
    assert {day: statuses(year, day, "x")[("x", "2.1")] for day in expected} == expected
    data = js(year, "status", "--as-of", "2012-06-15", "--unit", "x")
    assert data["amendments"] == [
        {"unit": "x", "target": "2.1", "exempt": False, "due": "2012-07-31", "last_month": None, "amount": None}
    ]
    assert "amendments" not in js(year, "status", "--as-of", "2012-05-15", "--unit", "x")
    [request] = js(year, "requests")["requests"]
    assert (request["state"], request["from"], request["decided_on"]) == ("approved", "2012-05", "2012-05-20")


def test_exemptions_leave_the_weights_and_the_assessment(year: Workspace) -> None:
    every_request(year)
    assert ("y", "3.1") in statuses(year, "2012-08-15") and ("z", "3.1") in statuses(year, "2012-10-10")
    assert ("y", "3.1") not in statuses(year, "2012-08-20")
    late = statuses(year, "2013-01-10")
    assert ("z", "3.1") not in late and not any(unit == "z" for unit, _ in late)
    assert months(year, "2012-10-10")["z"]["2012-09"] == "missing"
    assert months(year, "2013-01-10")["z"] == {
        "2012-09": "missing",  # an exemption from October does not excuse September
        "2012-10": "not_required",
        "2012-11": "not_required",
        "2012-12": "not_required",
    }
    overdue = {u["unit"]: u["missing_reports"] for u in js(year, "overdue", "--as-of", "2013-01-10")["units"]}
    assert overdue == {"z": ["2012-09"]}
    assert set(scores(year, "2013-01-10")) == {"x", "y"}  # z has no assessed assignment: not assessed


def test_an_amount_cut_from_july_decided_after_the_year(year: Workspace) -> None:
    every_request(year)
    assert scores(year, "2013-01-07") == {"x": (96.0, "优秀", 1), "y": (84.0, "良好", 2)}
    assert scores(year, "2013-01-10") == {"y": (100.0, "优秀", 1), "x": (96.0, "优秀", 2)}
    explained = js(year, "assess", "--as-of", "2013-01-10", "--unit", "y")
    assert {(a["target"], a["exempt"], a["amount"]) for a in explained["amendments"]} == {
        ("3.1", True, None),
        ("1.1", False, 80.0),
    }


PAST = ("2012-04-15", "2012-05-15", "2012-06-15", "2012-08-15", "2012-10-10", "2013-01-07")


def _numbers(year: Workspace, day: str) -> list[Any]:
    return [js(year, command, "--as-of", day) for command in ("status", "filings", "overdue", "assess")]


def test_every_past_date_keeps_its_numbers_after_a_later_amendment(tmp_path: Path) -> None:
    """Each decision is recorded after its past dates were computed: those dates give the same numbers after it
    (the amendment is not retroactive), and the dates from its decision on give different ones. On SQLite only:
    which amendments are in force is the pure rules' choice, and the server's reading of them is tested above."""
    year = prepared(tmp_path, AMENDMENTS / "plan.yaml", AMENDMENTS / "filings.csv")
    steps = [
        (EXTEND, "2012-05-10", ("1", "--on", "2012-05-20"), "2012-06-15"),
        (EXEMPT_Y, "2012-08-10", ("2", "--from", "2012-08", "--on", "2012-08-20"), "2012-08-20"),
        (EXEMPT_Z, "2012-10-08", ("3", "--on", "2012-10-15"), "2013-01-07"),
        (CUT_Y, "2013-01-05", ("4", "--from", "2012-07", "--on", "2013-01-08"), "2013-01-10"),
    ]
    for request, made, decision, after in steps:
        decided = date.fromisoformat(decision[-1])
        earlier = [day for day in PAST if date.fromisoformat(day) < decided]
        before = {day: _numbers(year, day) for day in [*earlier, after]}
        year.ok(*request, "--on", made)
        number, *rest = decision
        year.ok("requests", "decide", number, "--approve", "--reason", "同意", *rest)
        assert {day: _numbers(year, day) for day in earlier} == {day: before[day] for day in earlier}
        assert _numbers(year, after) != before[after]


def test_a_decision_is_taken_once(year: Workspace) -> None:
    year.ok(*EXTEND, "--on", "2012-05-10")
    assert [r["state"] for r in js(year, "requests", "--open")["requests"]] == ["pending"]
    year.ok("requests", "decide", "1", "--reject", "--reason", "理由不充分", "--on", "2012-05-20")
    assert js(year, "requests", "--open")["requests"] == []
    assert statuses(year, "2012-06-15", "x")[("x", "2.1")] == "behind"  # rejected: the plan stands
    refused(year, "requests", "decide", "1", "--approve", "--reason", "再议", saying="decided already")
    refused(year, "requests", "decide", "9", "--approve", "--reason", "无", exit_code=2, saying="no request #9")
    refused(year, "requests", "decide", "1", "--approve", "--reject", "--reason", "无", exit_code=2)


def test_bad_requests_are_refused(year: Workspace) -> None:
    refused(year, "request", "--unit", "z", "--target", "1.1", "--exempt", "--reason", "r", exit_code=2)
    refused(year, "request", "--unit", "x", "--target", "2.1", "--amount", "3", "--reason", "r", exit_code=2)
    refused(year, "request", "--unit", "x", "--target", "1.1", "--amount", "0", "--reason", "r", exit_code=2)
    refused(year, "request", "--unit", "x", "--target", "1.1", "--exempt", exit_code=2, saying="--reason")
    year.ok(*EXTEND)
    refused(year, "requests", "decide", "1", "--approve", "--reason", "r", "--from", "2013-02", exit_code=2)
    refused(year, "requests", "decide", "1", "--approve", "--reason", "r", "--on", "2012-01-01", exit_code=2)


def test_a_request_keeps_its_files(year: Workspace) -> None:
    """SPEC §17: `request --attach FILE…`, listed with the request and written back byte for byte."""
    (year.root / "用地批复.pdf").write_bytes(b"%PDF-1.4 grounds")
    year.ok(*EXTEND, "--attach", "用地批复.pdf", "--on", "2012-05-10")
    [listed] = js(year, "requests")["requests"]
    [attached] = listed["attachments"]
    assert (attached["name"], attached["size"]) == ("用地批复.pdf", 16)
    assert year.ok("attachment", attached["sha256"]).stdout_bytes == b"%PDF-1.4 grounds"
    assert "📎 用地批复.pdf" in year.ok("requests", env={"COLUMNS": "200"}).stdout


def test_plan_load_keeps_the_amendments(year: Workspace) -> None:
    year.ok(*EXTEND, "--on", "2012-05-10")
    year.ok("requests", "decide", "1", "--approve", "--reason", "同意", "--on", "2012-05-20")
    year.plan.write_text(year.plan.read_text(encoding="utf-8").replace("变更样例计划", "变更样例计划（修订）"), "utf-8")
    outcome = year.ok("plan", "load", env={"ECOTRACK_LANG": "en"})
    assert "1 amendment of 2012 is kept" in outcome.stderr
    assert statuses(year, "2012-06-15", "x")[("x", "2.1")] == "on_track"
    shown = js(year, "plan", "show")
    assert [(a["unit"], a["target"], a["due"]) for a in shown["amendments"]] == [("x", "2.1", "2012-07-31")]


def test_a_quantity_extension_moves_the_schedule_share() -> None:
    """SPEC §18: `--extend-to` on a quantity target moves its schedule's 1.0 to the new month, dropping later points."""
    from ecotrack.plan import AmendedAssignment, Assignment, Target

    target = Target("1.1", "t", "1", schedule=((6, 0.5), (9, 0.8), (12, 1.0)), assignments=(Assignment("x", 10),))
    moved = AmendedAssignment("x", "1.1", last_month=8).apply(target)
    assert moved.schedule == ((6, 0.5), (8, 1.0))
    assert AmendedAssignment("x", "1.1", amount=6).apply(target).assignments == (Assignment("x", 6),)


# --- on a server: a clerk's own login (SPEC §13) -------------------------------------------------------------


@pytest.mark.postgres
def test_a_clerk_requests_for_its_own_unit_only(tmp_path: Path, postgres_url: str) -> None:
    import uuid

    from .test_appeals import owner_login, refused_cli
    from .test_roles import as_login

    owner = prepared(tmp_path, AMENDMENTS / "plan.yaml", AMENDMENTS / "filings.csv", postgres_url)
    owner.ok("db", "roles")
    suffix = uuid.uuid4().hex[:8]
    logins = {"x": f"x_{suffix}", "y": f"y_{suffix}", "auditor": f"aud_{suffix}"}
    owner.ok("db", "clerk", logins["x"], "--unit", "x")
    owner.ok("db", "clerk", logins["y"], "--unit", "y")
    owner.ok("db", "auditor", logins["auditor"])
    clerk_x, clerk_y, auditor = (as_login(owner, logins[who]) for who in ("x", "y", "auditor"))
    clerk_x.ok(*EXTEND)
    (clerk_y.root / "批复.pdf").write_bytes(b"%PDF-1.4 y's grounds")
    clerk_y.ok(*CUT_Y, "--attach", "批复.pdf")
    sha256 = str(owner.query("SELECT sha256 FROM attachment")[0][0])
    assert clerk_y.ok("attachment", sha256).stdout_bytes == b"%PDF-1.4 y's grounds"
    assert clerk_x.run("attachment", sha256).exit_code == 2  # another unit's grounds: not there for x
    refused_cli(clerk_x, owner, *CUT_Y)  # another unit's
    refused_cli(clerk_x, owner, *EXTEND, "--on", "2012-05-10")  # --on is the office's
    refused_cli(clerk_x, owner, "requests", "decide", "1", "--approve", "--reason", "自己")
    refused_cli(auditor, owner, *EXTEND)
    assert [r["unit"] for r in json.loads(clerk_x.ok("requests", "--format", "json").stdout)["requests"]] == ["x"]
    assert [r["unit"] for r in json.loads(auditor.ok("requests", "--format", "json").stdout)["requests"]] == ["x", "y"]
    owner.ok("requests", "decide", "2", "--reject", "--reason", "无据")

    def sql(login: str, statement: str) -> list[tuple[Any, ...]]:
        return sql_as(postgres_url, login, statement)

    def refuses(login: str, statement: str) -> None:
        refused_sql(owner, postgres_url, login, statement)

    clerk = logins["x"]
    insert = (
        "INSERT INTO request (plan_id, unit, target, kind, reason, requested_on, requested_at, requested_by) "
        "SELECT id, '{unit}', '1.1', 'exempt', 'r', '2012-01-01', now(), 'someone' FROM plan"
    )
    refuses(clerk, insert.format(unit="y"))  # another unit's request
    assert [row[0] for row in sql(clerk, "SELECT unit FROM request ORDER BY id")] == ["x"]
    assert sql(clerk, "SELECT * FROM request_decision") == []  # y's decision is not its to read
    for statement in (
        "UPDATE request SET reason = '改'",
        "DELETE FROM request",
        "UPDATE request_decision SET approved = true",
        "DELETE FROM request_decision",
        "INSERT INTO request_decision (request_id, approved, reason, from_period, decided_on, decided_at, decided_by) "
        "SELECT id, true, '自己', '2012-05', current_date, now(), 'x' FROM request",
    ):
        refuses(clerk, statement)
    # its own request by raw SQL is taken, dated by the server whatever it says, and stamped with its login
    sql(clerk, insert.format(unit="x"))
    [(requested_on, requested_by)] = owner.query("SELECT requested_on, requested_by FROM request WHERE kind = 'exempt'")
    assert (str(requested_on), requested_by) == (date.today().isoformat(), clerk)
    refuses(owner_login(owner), "UPDATE request_decision SET approved = true")
    refuses(owner_login(owner), "DELETE FROM request")
