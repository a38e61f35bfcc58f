"""A notice the office signs and dates, 销号 against the data, and 限期重报 (SPEC §16, §18; issue 33), through the
real CLI. The numbers are worked by hand in tests/data/signed/*.yaml; every test that records runs on SQLite
and, where a server is there, on PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import docx
import pytest

from .conftest import DATA, Workspace, csv_text, prepared

PLAN = DATA / "signed" / "plan.yaml"
SIGNATURE = DATA / "signed" / "signature.yaml"
REVIEW = DATA / "signed" / "review.yaml"


def filings(months: range = range(1, 12), *, skip: tuple[tuple[str, int], ...] = (("b", 3),)) -> str:
    """a on the line every month, b the same, c at 0; each on the 3rd of the next month; `skip` left out."""
    rows = []
    for month in months:
        filed_on = f"2012-{month + 1:02d}-03"
        for unit, value in (("a", 10 * month), ("b", 10 * month), ("c", 0)):
            if (unit, month) not in skip:
                rows.append(f"{unit},1,2012-{month:02d},{value},,,{filed_on}")
    return csv_text(rows)


def workspace_for(tmp_path: Path, plan: Path, backend: str | None, months: range = range(1, 12)) -> Workspace:
    workspace = prepared(tmp_path, plan, url=backend)
    workspace.write("filings.csv", filings(months))
    workspace.ok("import", "filings.csv")
    return workspace


def js(workspace: Workspace, *args: str) -> Any:
    return json.loads(workspace.ok(*args, "--format", "json").stdout)


def items(workspace: Workspace, as_of: str) -> dict[str, dict[str, Any]]:
    return {item["unit"]: item for item in js(workspace, "rectifications", "--as-of", as_of)["items"]}


def named(notice: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {unit["unit"]: unit for unit in notice["units"]}


# --- 成文日期 ---------------------------------------------------------------------------------------------


def test_a_notice_dated_a_week_after_its_as_of_date_is_due_from_its_date(tmp_path: Path, backend: str | None) -> None:
    office = workspace_for(tmp_path, PLAN, backend)
    notice = js(office, "notice", "--as-of", "2012-04-06", "--dated", "2012-04-13")
    assert notice["dated"] == "2012-04-13" and set(named(notice)) == {"b", "c"}
    assert "2012年4月13日" in office.ok("notices", "show", "1").stdout  # the document shows its 成文日期
    office.ok("notices", "show", "1", "--docx", "--out", "n.docx")
    words = (
        "\n".join(p.text for p in docx.Document(str(office.root / "n.docx")).paragraphs)
        .replace("\u2060", "")
        .replace("\u200b", "")
    )
    assert "2012年4月13日" in words and "于2012年4月23日前将整改情况" in words
    assert items(office, "2012-04-05") == {}  # the item exists from the as-of date, not from the 成文日期
    assert items(office, "2012-04-06")["b"]["due"] == "2012-04-23"  # 04-13 + 10, not 04-06 + 10
    assert items(office, "2012-04-23")["b"]["state"] == "open"
    assert items(office, "2012-04-24")["b"]["state"] == "overdue"
    listed = js(office, "notices")["notices"][0]
    assert (listed["dated"], listed["signed"], listed["awaiting_signature"]) == ("2012-04-13", None, False)


def test_a_notice_is_not_dated_before_its_as_of_date(tmp_path: Path) -> None:
    office = workspace_for(tmp_path, PLAN, None)
    before = office.snapshot()
    refused = office.run("notice", "--as-of", "2012-04-06", "--dated", "2012-04-05")
    assert refused.exit_code == 2 and "--dated 2012-04-05 is before the notice's as-of date" in refused.stderr
    assert office.snapshot() == before


# --- 销号 against the data --------------------------------------------------------------------------------


def test_a_close_is_refused_until_the_fault_is_cured_or_overridden(tmp_path: Path, backend: str | None) -> None:
    office = workspace_for(tmp_path, PLAN, backend)
    office.ok("notice", "--as-of", "2012-04-06", "--dated", "2012-04-13")
    for unit in ("b", "c"):
        office.ok("rectify", "--notice", "1", "--unit", unit, "--text", "已整改", "--on", "2012-04-20")
    before = office.snapshot()
    refused = office.run("rectifications", "close", "1", "--unit", "b", "--note", "已补报", "--on", "2012-04-21")
    assert refused.exit_code == 1, refused.stderr
    assert "not cured as of 2012-04-21: months not filed 2012-03" in refused.stderr
    assert "--override --note" in refused.stderr and office.snapshot() == before
    office.ok("report", "--unit", "b", "--target", "1", "--period", "2012-03", "--value", "30", "--on", "2012-04-22")
    office.ok("rectifications", "close", "1", "--unit", "b", "--note", "已补报，核查属实", "--on", "2012-04-22")
    assert items(office, "2012-04-22")["b"]["state"] == "closed"

    still = office.run("rectifications", "close", "1", "--unit", "c", "--on", "2012-04-21")
    assert still.exit_code == 1 and "targets still behind 1" in still.stderr
    bare = office.run("rectifications", "close", "1", "--unit", "c", "--override", "--on", "2012-04-21")
    assert bare.exit_code == 2 and "--override needs --note" in bare.stderr
    office.ok(
        "rectifications", "close", "1", "--unit", "c", "--override", "--note", "已制定赶超计划", "--on", "2012-04-21"
    )
    assert "特批销号" in office.ok("--lang", "zh", "rectifications", "--as-of", "2012-04-21").stdout
    steps = items(office, "2012-04-21")["c"]["steps"]
    assert [(s["kind"], s["override"]) for s in steps] == [("answered", False), ("closed", True)]
    closed_b = items(office, "2012-04-22")["b"]["steps"][-1]
    assert (closed_b["kind"], closed_b["override"]) == ("closed", False)


def test_a_close_is_judged_as_of_its_day(tmp_path: Path) -> None:
    """March filed on 04-22: a close dated 04-21 is still refused, whenever it is typed in."""
    office = workspace_for(tmp_path, PLAN, None)
    office.ok("notice", "--as-of", "2012-04-06")
    office.ok("report", "--unit", "b", "--target", "1", "--period", "2012-03", "--value", "30", "--on", "2012-04-22")
    assert office.run("rectifications", "close", "1", "--unit", "b", "--on", "2012-04-21").exit_code == 1
    office.ok("rectifications", "close", "1", "--unit", "b", "--on", "2012-04-22")


# --- signatures ---------------------------------------------------------------------------------------


def test_with_require_signature_a_notice_counts_once_signed(tmp_path: Path, backend: str | None) -> None:
    office = workspace_for(tmp_path, SIGNATURE, backend)
    out = tmp_path / "out"
    before = office.snapshot()
    refused = office.run("notice", "--as-of", "2012-04-06", "--out", str(out))
    assert refused.exit_code == 1 and "signed before it is circulated" in refused.stderr
    assert office.snapshot() == before and not out.exists()
    office.ok("notice", "--as-of", "2012-04-06")
    listed = js(office, "notices")["notices"][0]
    assert (listed["signed"], listed["awaiting_signature"]) == (None, True)
    assert "待签发" in office.ok("--lang", "zh", "notices").stdout  # the table says it waits for its signature
    assert items(office, "2012-05-30") == {}  # unsigned: no item as of any day
    assert all(u["rectification_overdue"] == [] for u in js(office, "overdue", "--as-of", "2012-05-30")["units"])
    unsigned = office.run("rectify", "--notice", "1", "--unit", "b", "--text", "x", "--on", "2012-04-10")
    assert unsigned.exit_code == 1 and "is not signed yet" in unsigned.stderr

    early = office.run("notices", "sign", "1", "--on", "2012-04-05")
    assert early.exit_code == 2 and "before the notice's 成文日期 2012-04-06" in early.stderr
    office.ok("notices", "sign", "1", "--on", "2012-04-09", "--out", str(out))
    assert [p.name for p in out.iterdir()] == ["通报-2012-001-2012-03.md"]
    again = office.run("notices", "sign", "1", "--on", "2012-04-10")
    assert again.exit_code == 1 and "was signed already, on 2012-04-09" in again.stderr
    listed = js(office, "notices")["notices"][0]
    assert listed["signed"]["on"] == "2012-04-09" and listed["awaiting_signature"] is False
    assert items(office, "2012-04-08") == {}
    assert items(office, "2012-04-09")["b"]["due"] == "2012-04-16"  # due from its 成文日期
    assert items(office, "2012-04-16")["b"]["state"] == "open"
    assert items(office, "2012-04-17")["b"]["state"] == "overdue"


def test_an_unsigned_notice_is_not_in_the_ladder(tmp_path: Path) -> None:
    office = workspace_for(tmp_path, SIGNATURE, None)
    office.ok("notice", "--as-of", "2012-04-06")
    second = named(js(office, "notice", "--as-of", "2012-05-07"))
    assert second["c"]["count_this_year"] == 1  # notice 1 does not count: unsigned
    assert second["b"]["missing_reports"] == ["2012-03"] and second["b"]["still_not_filed"] == []
    office.ok("notices", "void", "2", "--reason", "先签发1号")
    office.ok("notices", "sign", "1", "--on", "2012-04-09")
    third = named(js(office, "notice", "--as-of", "2012-05-07"))
    assert third["c"]["count_this_year"] == 2 and third["b"]["still_not_filed"] == ["2012-03"]
    void = office.run("notices", "sign", "2", "--on", "2012-05-08")
    assert void.exit_code == 1 and "is void" in void.stderr


# --- citations by the numbers issued ------------------------------------------------------------------


def test_an_earlier_notice_is_cited_by_its_issued_number(tmp_path: Path) -> None:
    office = workspace_for(tmp_path, PLAN, None)
    office.ok("notice", "--as-of", "2012-04-06")
    office.plan.write_text(office.plan.read_text(encoding="utf-8").replace("示例办", "新办"), encoding="utf-8")
    office.ok("plan", "load")
    second = js(office, "notice", "--as-of", "2012-05-07")
    assert second["document_number"] == "新办〔2012〕2号"
    assert named(second)["b"]["rectification_overdue"] == [1]
    document = office.ok("notices", "show", "2").stdout
    assert "示例办〔2012〕1号" in document and "新办〔2012〕1号" not in document
    assert "示例办〔2012〕1号" in office.ok("overdue", "--as-of", "2012-05-07", "--brief").stdout


# --- 限期重报 -------------------------------------------------------------------------------------------


def test_a_returned_entry_not_refiled_by_its_deadline_is_overdue(tmp_path: Path, backend: str | None) -> None:
    office = prepared(tmp_path, REVIEW, url=backend)
    rows = filings(range(1, 5), skip=(("b", 3), ("a", 4))).splitlines()
    office.write("filings.csv", "\n".join([rows[0] + ",reason", *(row + ",纸质报表" for row in rows[1:])]) + "\n")
    office.ok("import", "filings.csv")
    office.ok("accept", "--all")
    office.ok(
        "report",
        "--unit",
        "a",
        "--target",
        "1",
        "--period",
        "2012-04",
        "--value",
        "40",
        "--on",
        "2012-05-03",
        "--reason",
        "纸质报表",
    )
    (entry,) = [e["id"] for e in js(office, "review")["entries"]]
    early = office.run("return", str(entry), "--reason", "请核实", "--refile-by", "2012-05-03", "--on", "2012-05-04")
    assert early.exit_code == 2 and "--refile-by 2012-05-03 is before the day of the return 2012-05-04" in early.stderr
    office.ok("return", str(entry), "--reason", "请附佐证材料", "--refile-by", "2012-05-10", "--on", "2012-05-04")

    def refile_overdue(as_of: str) -> list[int]:
        units = {u["unit"]: u for u in js(office, "overdue", "--as-of", as_of)["units"]}
        return list(units["a"]["refile_overdue"]) if "a" in units else []

    assert refile_overdue("2012-05-10") == []  # the deadline day
    assert refile_overdue("2012-05-11") == [entry]
    assert f"refile overdue: #{entry}" in office.ok("--lang", "en", "overdue", "--as-of", "2012-05-11").stdout
    notice = named(js(office, "notice", "--as-of", "2012-05-11"))
    assert notice["a"]["refile_overdue"] == [entry] and notice["a"]["missing_reports"] == ["2012-04"]
    assert f"退回的数据未在限期内重新报送：#{entry}" in office.ok("notices", "show", "1").stdout

    office.ok(
        "report",
        "--unit",
        "a",
        "--target",
        "1",
        "--period",
        "2012-04",
        "--value",
        "40",
        "--on",
        "2012-05-12",
        "--reason",
        "补充佐证",
    )
    office.ok("accept", "--all")
    refused = office.run("rectifications", "close", "1", "--unit", "a", "--on", "2012-05-11")
    assert refused.exit_code == 1 and f"returned entries not refiled #{entry}" in refused.stderr
    assert refile_overdue("2012-05-11") == [entry]  # a late refile cures from its reported date on
    assert refile_overdue("2012-05-12") == []
    office.ok("rectifications", "close", "1", "--unit", "a", "--on", "2012-05-12")


@pytest.mark.parametrize("deadline", ["2012-13-01", "2012-05-10T09:00", "tomorrow"])
def test_a_refile_deadline_is_a_day(tmp_path: Path, deadline: str) -> None:
    office = prepared(tmp_path, REVIEW)
    before = office.snapshot()
    bad = office.run("return", "1", "--reason", "x", "--refile-by", deadline)
    assert bad.exit_code == 2 and bad.stderr.startswith("error: --refile-by") and office.snapshot() == before


def test_the_database_refuses_an_answer_to_a_notice_awaiting_its_signature(tmp_path: Path) -> None:
    """On SQLite too: a raw INSERT of a rectification report on an unsigned notice's item is refused."""
    import sqlite3
    from contextlib import closing

    office = workspace_for(tmp_path, SIGNATURE, None)
    office.ok("notice", "--as-of", "2012-04-06")
    report = (
        "INSERT INTO rectification_report (notice_item_id, text, reported_on, reported_by, filed_at, filed_by) "
        "SELECT min(id), '已整改', '2012-04-10', 'x', '2012-04-10 00:00:00', 'x' FROM notice_item"
    )
    with closing(sqlite3.connect(office.db)) as connection, pytest.raises(sqlite3.DatabaseError, match="not signed"):
        connection.execute(report)
    office.ok("notices", "sign", "1", "--on", "2012-04-09")
    with closing(sqlite3.connect(office.db)) as connection:
        connection.execute(report)
        connection.commit()
    assert office.query("SELECT count(*) FROM rectification_report") == [(1,)]
