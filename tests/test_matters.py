"""Assigned matters (交办事项, SPEC §17, §18; issue 34) through the real CLI: one item model with rectifications,
an overdue matter as an overdue reason named in the next notice and checked at 销号, chased by `remind`, and on
a server a clerk's own login. The numbers are worked by hand in tests/data/matters/plan.yaml."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import DATA, Workspace, prepared, refused_sql, sql_as

PLAN = DATA / "matters" / "plan.yaml"
FILINGS = DATA / "matters" / "filings.csv"
ASSIGN = (
    "matter", "add", "--title", "清理河道垃圾", "--unit", "a", "--unit", "b", "--unit", "d",
    "--due", "2012-04-20", "--source", "区长批示", "--on", "2012-04-10",
)  # fmt: skip


def story(workspace: Workspace) -> None:
    """The matter of the worked example and everything done about it (tests/data/matters/plan.yaml)."""
    workspace.ok(*ASSIGN)
    workspace.ok("matter", "report", "1", "--unit", "a", "--text", "已清理完毕", "--on", "2012-04-18")
    workspace.ok("matters", "close", "1", "--unit", "a", "--note", "核查属实", "--on", "2012-04-19")
    workspace.ok("matter", "report", "1", "--unit", "b", "--text", "已清理", "--on", "2012-04-25")
    workspace.ok("matters", "return", "1", "--unit", "b", "--reason", "请附现场照片", "--on", "2012-04-26")
    workspace.ok("matter", "report", "1", "--unit", "b", "--text", "已补附照片", "--on", "2012-04-28")


@pytest.fixture
def year(tmp_path: Path, backend: str | None) -> Workspace:
    return prepared(tmp_path, PLAN, FILINGS, backend, steps=story, name="story")


def js(workspace: Workspace, *args: str) -> Any:
    return json.loads(workspace.ok(*args, "--format", "json").stdout)


def states(workspace: Workspace, day: str) -> dict[str, str]:
    return {item["unit"]: item["state"] for item in js(workspace, "matters", "--as-of", day)["items"]}


def overdue(workspace: Workspace, day: str) -> dict[str, tuple[list[int], int]]:
    units = js(workspace, "overdue", "--as-of", day)["units"]
    return {u["unit"]: (u["matters_overdue"], len(u["missing_reports"]) + len(u["behind"])) for u in units}


def test_a_matter_answered_late(year: Workspace) -> None:
    assert states(year, "2012-04-09") == {}  # not assigned yet
    assert states(year, "2012-04-10") == {"a": "open", "b": "open", "d": "open"}
    assert states(year, "2012-04-18") == {"a": "answered", "b": "open", "d": "open"}
    assert states(year, "2012-04-20") == {"a": "closed", "b": "open", "d": "open"}  # the due day: still open
    assert states(year, "2012-04-21") == {"a": "closed", "b": "overdue", "d": "overdue"}
    assert states(year, "2012-04-24")["b"] == "overdue"
    assert states(year, "2012-04-25")["b"] == "answered"  # late, and answered from its day
    assert states(year, "2012-04-26")["b"] == "overdue"  # returned after its due date: overdue again
    assert states(year, "2012-04-28")["b"] == "answered"
    item = {i["unit"]: i for i in js(year, "matters", "--as-of", "2012-05-06")["items"]}["b"]
    assert (item["matter"], item["title"], item["source"], item["assigned_on"], item["due"]) == (
        1, "清理河道垃圾", "区长批示", "2012-04-10", "2012-04-20",
    )  # fmt: skip
    assert [(s["kind"], s["on"]) for s in item["steps"]] == [
        ("answered", "2012-04-25"), ("reopened", "2012-04-26"), ("answered", "2012-04-28"),
    ]  # fmt: skip
    assert [i["unit"] for i in js(year, "matters", "--as-of", "2012-05-06", "--open")["items"]] == ["d"]
    assert set(states(year, "2012-05-06")) == {"a", "b", "d"}
    assert [i["unit"] for i in js(year, "matters", "--as-of", "2012-05-06", "--unit", "b")["items"]] == ["b"]


def test_an_overdue_matter_is_an_overdue_reason(year: Workspace) -> None:
    # the units on the line have no other reason; d files nothing and is listed for the matter alone
    assert overdue(year, "2012-04-27") == {"b": ([1], 0), "d": ([1], 0)}
    assert overdue(year, "2012-05-06") == {"d": ([1], 0)}
    brief = year.ok("--lang", "zh", "overdue", "--as-of", "2012-05-06", "--brief").stdout
    assert "水利局 (1)" in brief and "清理河道垃圾" in brief
    # the figures never move: status is the plan's without matters
    assert {r["status"] for r in js(year, "status", "--as-of", "2012-05-06")["rows"]} == {"on_track"}


def test_the_next_notice_names_the_matter_and_its_close_checks_it(year: Workspace) -> None:
    notice = js(year, "notice", "--as-of", "2012-05-06")
    assert [(u["unit"], u["matters_overdue"]) for u in notice["units"]] == [("d", [1])]
    assert notice["matters"] == {"1": "清理河道垃圾"}
    document = year.ok("notices", "show", "1").stdout
    assert "交办事项逾期未办结：“清理河道垃圾”。" in document
    year.ok("rectify", "--notice", "1", "--unit", "d", "--text", "正在清理", "--on", "2012-05-10")
    before = year.snapshot()
    refused = year.run("rectifications", "close", "1", "--unit", "d", "--on", "2012-05-10")
    assert refused.exit_code == 1 and "assigned matters not answered #1 清理河道垃圾" in refused.stderr
    assert year.snapshot() == before
    year.ok("matter", "report", "1", "--unit", "d", "--text", "已清理完毕", "--on", "2012-05-12")
    year.ok("rectifications", "close", "1", "--unit", "d", "--on", "2012-05-12")
    assert {i["unit"]: i["state"] for i in js(year, "rectifications", "--as-of", "2012-05-12")["items"]} == {
        "d": "closed"
    }


def test_remind_chases_a_matter_due_soon(year: Workspace) -> None:
    units = js(year, "remind", "--as-of", "2012-04-18", "--days", "3")["units"]
    assert [(u["unit"], u["matters"], u["due"]) for u in units] == [("b", [1], "2012-04-20"), ("d", [1], "2012-04-20")]
    text = year.ok("--lang", "zh", "remind", "--as-of", "2012-04-18", "--days", "3", "--format", "text").stdout
    assert "交办事项“清理河道垃圾”（区长批示）的办理情况" in text


def test_a_close_needs_an_answer_and_is_final(year: Workspace) -> None:
    before = year.snapshot()
    for args, code, saying in (
        (("matters", "close", "1", "--unit", "d", "--on", "2012-04-22"), 1, "is not answered as of 2012-04-22"),
        (("matters", "return", "1", "--unit", "d", "--reason", "x", "--on", "2012-04-22"), 1, "no answer to return"),
        (("matter", "report", "1", "--unit", "a", "--text", "again", "--on", "2012-04-22"), 1, "is closed"),
        (("matters", "close", "1", "--unit", "a", "--on", "2012-04-22"), 1, "is closed"),
        (("matters", "close", "1", "--unit", "d", "--override"), 2, "--override needs --note"),
        (("matter", "report", "1", "--unit", "c", "--text", "x"), 2, "matter #1 is not assigned to c"),
        (("matter", "report", "2", "--unit", "a", "--text", "x"), 2, "no assigned matter #2 in 2012"),
        (("matter", "report", "1", "--unit", "d", "--text", "x", "--on", "2012-04-09"), 2, "before matter #1 was"),
        (("matter", "report", "1", "--unit", "d"), 2, "--text is required"),
        (("matter", "add", "--title", "t", "--unit", "a", "--due", "2012-04-01", "--source", "s", "--on",
          "2012-04-02"), 2, "--due 2012-04-01 is before the day it is assigned"),
        (("matter", "add", "--title", "t", "--unit", "a", "--unit", "a", "--due", "2012-05-01", "--source", "s",
          "--on", "2012-04-10"), 2, "--unit a is given twice"),
        (("matter", "add", "--title", "t", "--unit", "zz", "--due", "2012-05-01", "--source", "s"), 2, "zz"),
        (("matter", "add", "--title", "t", "--due", "2012-05-01", "--source", "s"), 2, "--unit is required"),
        (("matter", "add", "--unit", "a", "--due", "2012-05-01", "--source", "s"), 2, "--title is required"),
    ):  # fmt: skip
        outcome = year.run(*args)
        assert (outcome.exit_code, outcome.stderr.count("error:")) == (code, 1), (args, outcome.stderr)
        assert saying in outcome.stderr, (args, outcome.stderr)
        assert "Traceback" not in outcome.stderr
    assert year.snapshot() == before
    year.ok("matters", "close", "1", "--unit", "d", "--override", "--note", "经研究同意办结", "--on", "2012-04-22")
    [step] = next(i for i in js(year, "matters", "--as-of", "2012-04-22")["items"] if i["unit"] == "d")["steps"]
    assert (step["kind"], step["override"], step["text"]) == ("closed", True, "经研究同意办结")


def test_the_export_and_the_pack_show_the_matters(year: Workspace) -> None:
    data = js(year, "export", "--as-of", "2012-05-06")
    assert [(m["matter"], m["unit"], m["state"]) for m in data["matters"]] == [
        (1, "a", "closed"), (1, "b", "answered"), (1, "d", "overdue"),
    ]  # fmt: skip
    year.ok("--lang", "zh", "pack", "--as-of", "2012-05-06", "--out", "pack")
    page = (year.root / "pack" / "meeting-pack-2012-05-06.html").read_text(encoding="utf-8")
    assert 'data-matter="1" data-state="overdue"' in page and "未办结的交办事项" in page
    assert 'data-unit="d"' in page and 'data-matters="1"' in page


@pytest.mark.postgres
def test_a_clerk_answers_its_own_units_matters_only(tmp_path: Path, postgres_url: str) -> None:
    import uuid

    from .test_appeals import owner_login, refused_cli
    from .test_roles import as_login

    owner = prepared(tmp_path, PLAN, FILINGS, postgres_url)
    owner.ok(*ASSIGN)
    owner.ok(
        "matter",
        "add",
        "--title",
        "只交乙镇",
        "--unit",
        "b",
        "--due",
        "2012-05-01",
        "--source",
        "会议",
        "--on",
        "2012-04-10",
    )
    owner.ok("db", "roles")
    suffix = uuid.uuid4().hex[:8]
    logins = {"a": f"ma_{suffix}", "b": f"mb_{suffix}"}
    owner.ok("db", "clerk", logins["a"], "--unit", "a")
    owner.ok("db", "clerk", logins["b"], "--unit", "b")
    clerk_a = as_login(owner, logins["a"])
    clerk_a.ok("matter", "report", "1", "--unit", "a", "--text", "已清理")
    refused_cli(clerk_a, owner, "matter", "report", "1", "--unit", "b", "--text", "代报")  # another unit's
    refused_cli(clerk_a, owner, "matter", "report", "1", "--unit", "a", "--text", "补", "--on", "2012-04-18")
    refused_cli(clerk_a, owner, "matters", "close", "1", "--unit", "a")
    refused_cli(clerk_a, owner, "matter", "add", "--title", "t", "--unit", "a", "--due", "2099-01-01", "--source", "s")
    seen = js(clerk_a, "matters", "--as-of", "2099-01-01")["items"]
    assert [(i["matter"], i["unit"]) for i in seen] == [(1, "a")]  # not b's items, nor the matter b alone has

    def sql(login: str, statement: str) -> list[tuple[Any, ...]]:
        return sql_as(postgres_url, login, statement)

    def refuses(login: str, statement: str) -> None:
        refused_sql(owner, postgres_url, login, statement)

    clerk = logins["a"]
    [(item_of_b,)] = owner.query(
        "SELECT i.id FROM notice_item i JOIN unit u ON u.id = i.unit_id WHERE u.code = 'b' AND i.matter_id = 1"
    )
    assert [row[0] for row in sql(clerk, "SELECT title FROM matter ORDER BY id")] == ["清理河道垃圾"]
    assert {row[0] for row in sql(clerk, "SELECT unit_id FROM notice_item")} == {
        owner.query("SELECT id FROM unit WHERE code = 'a'")[0][0]
    }
    for statement in (
        "INSERT INTO matter (plan_id, title, source, due, assigned_on, recorded_at, recorded_by) "
        "SELECT id, 't', 's', '2012-05-01', '2012-04-01', now(), 'x' FROM plan",
        "INSERT INTO notice_item (matter_id, unit_id, count_this_year) SELECT 1, id, 0 FROM unit WHERE code = 'a'",
        "UPDATE matter SET due = '2012-12-31'",
        "DELETE FROM notice_item",
        "INSERT INTO rectification_report (notice_item_id, text, reported_on, reported_by, filed_at, filed_by) "
        f"VALUES ({item_of_b}, '代报', current_date, 'x', now(), 'x')",  # b's item, which it cannot even see
        "INSERT INTO rectification_decision (notice_item_id, action, note, decided_on, decided_at, decided_by) "
        "SELECT id, 'closed', '', current_date, now(), 'x' FROM notice_item",
    ):
        refuses(clerk, statement)
    refuses(owner_login(owner), "UPDATE matter SET title = '改'")
    refuses(owner_login(owner), "DELETE FROM matter")
    [(recorded_by,)] = owner.query("SELECT recorded_by FROM matter WHERE id = 1")
    assert recorded_by == owner_login(owner)  # stamped by the server with the login, whatever the client sent
