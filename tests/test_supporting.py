"""Supporting units' monthly notes end to end (配合单位, SPEC §17, §18): the worked example of
tests/data/supporting/README.md through the real CLI on SQLite and PostgreSQL, the refusals, the import and the
template, the append-only table, and on PostgreSQL a clerk's raw SQL."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from contextlib import closing
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from .conftest import DATA, Workspace, make_workspace, prepared, refused_sql, sql_as

SUPPORTING = DATA / "supporting"
PLAN = SUPPORTING / "plan.yaml"
FILINGS = SUPPORTING / "filings.csv"
PENDING = {f"2012-{month:02d}": "pending" for month in range(7, 13)}


@pytest.fixture
def year(tmp_path: Path, backend: str | None) -> Workspace:
    """The worked example's plan, initialised, with its filings (entries and notes) imported."""
    return prepared(tmp_path, PLAN, FILINGS, url=backend)


@pytest.fixture
def fresh(tmp_path: Path) -> Workspace:
    """The worked example's plan on SQLite, with nothing filed."""
    return prepared(tmp_path, PLAN)


def js(workspace: Workspace, *args: str) -> Any:
    return json.loads(workspace.ok(*args, "--format", "json").stdout)


def months(workspace: Workspace, day: str) -> dict[str, dict[str, str]]:
    return {u["unit"]: u["months"] for u in js(workspace, "filings", "--as-of", day)["units"]}


def refused(workspace: Workspace, *args: str, exit_code: int = 2, saying: str = "") -> None:
    before = workspace.snapshot()
    outcome = workspace.run(*args)
    assert outcome.exit_code == exit_code, (args, outcome.exit_code, outcome.stderr)
    assert outcome.stderr.startswith("error: ") and outcome.stderr.count("error:") == 1, outcome.stderr
    assert "Traceback" not in outcome.stderr + outcome.stdout
    assert saying in outcome.stderr, outcome.stderr
    assert workspace.snapshot() == before, args


def without_the_key(tmp_path: Path) -> Workspace:
    """The same plan without `supporting_reports`, with the entry rows of the filings only."""
    plan = PLAN.read_text(encoding="utf-8").replace("  supporting_reports: true", "  # (no supporting_reports)")
    (tmp_path / "plain").mkdir()
    workspace = make_workspace(tmp_path / "plain", plan)
    rows = FILINGS.read_text(encoding="utf-8").splitlines()
    entries = [row for row in rows if row.split(",")[3] != "" or row.startswith("unit,")]
    workspace.write("entries.csv", "\n".join(entries) + "\n")
    workspace.ok("init")
    workspace.ok("import", str(workspace.root / "entries.csv"))
    return workspace


# --- the worked example ---------------------------------------------------------------------------------------


def test_filings_as_of_july_6(year: Workspace) -> None:
    """README §1: a month of a unit that leads and supports is on time only if its entries and its notes are."""
    assert months(year, "2012-07-06") == {
        "taoyuan": {"2012-04": "on_time", "2012-05": "on_time", "2012-06": "on_time", **PENDING},
        "hebian": {"2012-04": "on_time", "2012-05": "late", "2012-06": "missing", **PENDING},
        "huanbao": {"2012-04": "on_time", "2012-05": "on_time", "2012-06": "missing", **PENDING},
        "shuiwu": {"2012-04": "on_time", "2012-05": "on_time", "2012-06": "on_time", **PENDING},
    }


def test_overdue_names_a_unit_that_only_supports(year: Workspace) -> None:
    """README §2: huanbao has no assignment, yet its missing June note lists it, so a notice can name it."""
    listed = js(year, "overdue", "--as-of", "2012-07-06")["units"]
    assert [(u["unit"], u["missing_reports"], u["behind"]) for u in listed] == [
        ("hebian", ["2012-06"], []),
        ("huanbao", ["2012-06"], []),
    ]
    assert year.run("overdue", "--as-of", "2012-07-06", "--exit-code").exit_code == 1
    draft = year.ok("notice", "--as-of", "2012-07-06", "--dry-run", "--format", "json").stdout
    assert [u["unit"] for u in json.loads(draft)["units"]] == ["hebian", "huanbao"]


def test_the_assessment_counts_notes_of_a_unit_that_also_leads(year: Workspace) -> None:
    """README §3: hebian's missing June note costs it; the units that only support are never assessed."""
    units = {u["unit"]: u for u in js(year, "assess", "--as-of", "2012-07-06")["units"]}
    assert set(units) == {"taoyuan", "hebian"}
    hebian, taoyuan = units["hebian"], units["taoyuan"]
    assert (hebian["reports_on_time"], hebian["reports_late"], hebian["reports_missing"]) == (1, 1, 1)
    assert hebian["completion"] == pytest.approx(0.5)
    assert hebian["timeliness"] == pytest.approx(0.5)
    assert (hebian["score"], hebian["rank"], hebian["grade"]) == (50.0, 1, "不合格")
    assert taoyuan["completion"] == pytest.approx(0.25)
    assert taoyuan["timeliness"] == pytest.approx(1.0)
    assert (taoyuan["score"], taoyuan["rank"]) == (40.0, 2)
    assert year.ok("assess", "--as-of", "2012-07-06", "--unit", "huanbao").exit_code == 0


def test_a_week_later_the_late_note_counts_as_late(year: Workspace) -> None:
    """README §4: the June note of 07-09 makes hebian's June late, not missing."""
    assert months(year, "2012-07-10")["hebian"]["2012-06"] == "late"
    hebian = next(u for u in js(year, "assess", "--as-of", "2012-07-10")["units"] if u["unit"] == "hebian")
    assert hebian["timeliness"] == pytest.approx(2 / 3)
    assert hebian["score"] == 53.33
    assert [u["unit"] for u in js(year, "overdue", "--as-of", "2012-07-10")["units"]] == ["huanbao"]


def test_status_never_lists_a_unit_that_only_supports(year: Workspace) -> None:
    rows = js(year, "status", "--as-of", "2012-07-06")["rows"]
    assert {r["unit"] for r in rows} == {"taoyuan", "hebian"}
    only = js(year, "status", "--as-of", "2012-07-06", "--unit", "huanbao")
    assert only["rows"] == [] and only["support_notes"] == []


def test_without_the_key_the_numbers_are_part_ones(year: Workspace, tmp_path: Path) -> None:
    """README §5: the same entries without the key; and a note never changes a lead unit's actual."""
    plain = without_the_key(tmp_path)
    assert months(plain, "2012-07-06") == {
        "taoyuan": {"2012-04": "on_time", "2012-05": "on_time", "2012-06": "on_time", **PENDING},
        "hebian": {"2012-04": "on_time", "2012-05": "late", "2012-06": "on_time", **PENDING},
    }
    hebian = next(u for u in js(plain, "assess", "--as-of", "2012-07-06")["units"] if u["unit"] == "hebian")
    assert hebian["timeliness"] == pytest.approx(2.5 / 3)
    assert hebian["score"] == 56.67
    assert js(plain, "overdue", "--as-of", "2012-07-06")["units"] == []
    with_notes = js(year, "status", "--as-of", "2012-07-06")
    without = js(plain, "status", "--as-of", "2012-07-06")
    assert with_notes["rows"] == without["rows"]
    assert "support_notes" not in js(plain, "status", "--as-of", "2012-07-06", "--unit", "taoyuan")
    assert "notes" not in js(plain, "history")


def test_the_lead_unit_sees_its_partners_notes(year: Workspace) -> None:
    """README §6: per target and supporting unit, the note shown for the latest month noted by the date."""
    shown = js(year, "status", "--as-of", "2012-07-06", "--unit", "taoyuan")["support_notes"]
    assert [(n["target"], n["unit"], n["period"], n["text"]) for n in shown] == [
        ("1.1", "huanbao", "2012-05", "配合关停1家电镀企业"),
        ("1.1", "shuiwu", "2012-06", "配合关停2家企业并封堵取水口"),
        ("2.1", "hebian", "2012-05", "完成选址地块征求意见"),
    ]
    later = js(year, "status", "--as-of", "2012-07-10", "--unit", "taoyuan")["support_notes"]
    assert later[-1]["period"] == "2012-06" and later[-1]["text"] == "方案初稿已送镇政府审议"
    hebian = js(year, "status", "--as-of", "2012-07-06", "--unit", "hebian")["support_notes"]
    assert [(n["target"], n["unit"]) for n in hebian] == [("1.1", "huanbao"), ("1.1", "shuiwu")]
    table = year.ok("status", "--as-of", "2012-07-06", "--unit", "taoyuan").stdout
    assert "What the supporting units say" in table and "配合关停2家企业并封堵取水口" in table


def test_history_shows_the_notes_superseded_ones_marked(year: Workspace) -> None:
    notes = js(year, "history", "--target", "1.1")["notes"]
    assert [(n["id"], n["unit"], n["period"], n["superseded"]) for n in notes] == [
        (1, "huanbao", "2012-04", False),
        (2, "shuiwu", "2012-04", False),
        (4, "huanbao", "2012-05", False),
        (5, "shuiwu", "2012-05", True),
        (7, "shuiwu", "2012-05", False),
        (8, "shuiwu", "2012-06", False),
    ]
    assert notes[0]["unit_name"] == "区环保局" and notes[0]["reported_at"] == "2012-05-02T00:00:00"
    mine = js(year, "history", "--unit", "hebian")["notes"]  # its own notes (2.1) and those on what it leads (1.1)
    assert {n["target"] for n in mine} == {"1.1", "2.1"}
    assert "Supporting units' notes of 2012" in year.ok("history", "--target", "2.1").stdout


# --- filing a note ----------------------------------------------------------------------------------------------


NOTE = ("report", "--unit", "huanbao", "--target", "1.1", "--period", "2012-06")


def test_a_note_filed_by_hand_counts_from_its_date(year: Workspace) -> None:
    year.ok(*NOTE, "--text", "6月配合关停1家企业", "--on", "2012-07-08")
    assert months(year, "2012-07-10")["huanbao"]["2012-06"] == "late"
    assert months(year, "2012-07-06")["huanbao"]["2012-06"] == "missing"  # the past as it was
    assert js(year, "overdue", "--as-of", "2012-07-10")["units"] == []


@pytest.mark.parametrize(
    ("period", "text", "extra", "saying"),
    [
        ("2012-06", "配合检查", ("--value", "3"), "which has no value"),
        ("2012-06", "配合检查", ("--done",), "which has no value"),
        ("2012-06", "配合检查", ("--note", "x"), "--note goes with an entry"),
        ("2011-06", "配合检查", (), "outside the plan year"),
        ("2012-03", "配合检查", (), "before the first reporting month"),
        ("2012-06", "配合检查", ("--on", "2012-05-20"), "has not begun by the report date"),
        ("2012-06", "配合检查", ("--on", "2099-01-01"), "in the future"),
        ("2012-06", "", (), "text is empty"),
        ("2012-06", "   ", (), "text is empty"),
        ("2012-06", "a\x1b[2Jb", (), "control character"),
        ("2012-06", "x" * 2001, (), "at most 2000"),
    ],
)
def test_bad_notes_are_refused(fresh: Workspace, period: str, text: str, extra: tuple[str, ...], saying: str) -> None:
    args = ("report", "--unit", "huanbao", "--target", "1.1", "--period", period, "--text", text)
    refused(fresh, *args, *extra, saying=saying)


def test_only_a_supporting_unit_notes_a_target(fresh: Workspace) -> None:
    refused(
        fresh, "report", "--unit", "huanbao", "--target", "2.1", "--period", "2012-06", "--text", "x",
        saying="huanbao does not support target 2.1 (it supports 1.1)",
    )  # fmt: skip
    refused(
        fresh, "report", "--unit", "taoyuan", "--target", "1.1", "--period", "2012-06", "--text", "x",
        saying="taoyuan leads target 1.1: it reports a value",
    )  # fmt: skip
    refused(fresh, "report", "--unit", "huanbao", "--target", "9.9", "--period", "2012-06", "--text", "x")
    refused(fresh, "report", "--unit", "huanbao", "--target", "1.1", "--text", "x", saying="--period")
    refused(fresh, *NOTE, "--value", "1", saying="only supports target 1.1")  # a value stays the lead's


def test_a_plan_without_the_key_takes_no_note(tmp_path: Path) -> None:
    plain = without_the_key(tmp_path)
    refused(plain, *NOTE, "--text", "配合检查", saying="plan.supporting_reports")


def test_a_note_for_a_locked_month_is_the_offices_catch_up(fresh: Workspace) -> None:
    fresh.ok("lock", "2012-06", "--reason", "7月调度会后关账")
    refused(fresh, *NOTE, "--text", "补充", exit_code=1, saying="2012-06 is locked")
    refused(fresh, *NOTE, "--text", "补充", "--office", exit_code=1, saying="2012-06 is locked")
    fresh.ok(*NOTE, "--text", "补充", "--office", "--reason", "纸质报告补录", "--on", "2012-07-04")
    [note] = js(fresh, "history", "--unit", "huanbao")["notes"]
    assert (note["catch_up"], note["reason"], note["backdated"]) == (True, "纸质报告补录", True)
    assert months(fresh, "2012-07-06")["huanbao"]["2012-06"] == "on_time"


def test_notes_are_append_only(year: Workspace) -> None:
    """No raw SQL changes or removes a note, each way the dialect offers (as tests/test_integrity.py forges the
    other guarded tables)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import DBAPIError

    from ecotrack.storage.db import Database

    first = "(SELECT min(id) FROM support_note)"
    statements = [
        f"UPDATE support_note SET text = 'forged' WHERE id = {first}",
        f"DELETE FROM support_note WHERE id = {first}",
        "DELETE FROM support_note",
        f"INSERT INTO support_note SELECT * FROM support_note WHERE id = {first} "
        "ON CONFLICT (id) DO UPDATE SET text = 'forged'",
    ]
    if year.url is None:
        statements += [
            f"REPLACE INTO support_note SELECT * FROM support_note WHERE id = {first}",
            f"INSERT OR REPLACE INTO support_note SELECT * FROM support_note WHERE id = {first}",
        ]
    else:
        statements.append("TRUNCATE support_note CASCADE")
    before = year.snapshot()
    engine = create_engine(Database.from_setting(year.database).url)
    try:
        for statement in statements:
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
                connection.execute(text(statement))
    finally:
        engine.dispose()
    assert year.snapshot() == before


def test_the_database_checks_a_raw_note(year: Workspace) -> None:
    if year.url is not None:
        pytest.skip("on the server, tried from a clerk's login below")
    # the database checks a raw note as the CLI would: the unit supports the target, a month of the year, a text
    raw = (
        "INSERT INTO support_note (plan_id, unit, target, period, text, reported_by, reported_at, reported_on, "
        "filed_at, filed_by, reason, catch_up) VALUES (1, '{unit}', '{target}', '{period}', '{text}', 'x', "
        "'2012-07-01 00:00:00', '2012-07-01', '2012-07-01 00:00:00', 'x', '', 0)"
    )
    for unit, target, period, text in (
        ("taoyuan", "1.1", "2012-06", "x"),  # leads, does not support
        ("huanbao", "2.1", "2012-06", "x"),
        ("huanbao", "1.1", "2012-13", "x"),
        ("huanbao", "1.1", "2012-08", "x"),  # after the month reported
        ("huanbao", "1.1", "2012-03", "x"),  # before start_month
        ("huanbao", "1.1", "2012-06", ""),
    ):
        with closing(sqlite3.connect(year.db)) as connection, pytest.raises(sqlite3.DatabaseError):
            connection.execute(raw.format(unit=unit, target=target, period=period, text=text))
    with closing(sqlite3.connect(year.db)) as connection:
        connection.execute(raw.format(unit="huanbao", target="1.1", period="2012-06", text="ok"))
        connection.commit()


# --- import and template ----------------------------------------------------------------------------------------


def test_the_template_lists_the_targets_a_unit_notes(fresh: Workspace) -> None:
    form = fresh.ok("template", "--unit", "hebian", "--period", "2012-06").stdout
    rows = list(csv.DictReader(io.StringIO(form.lstrip("\ufeff"))))
    assert [(r["target"], r["value"], r["note"]) for r in rows] == [("1.1", "", ""), ("2.1", "", "")]
    only = fresh.ok("template", "--unit", "huanbao", "--period", "2012-06").stdout
    assert [r["target"] for r in csv.DictReader(io.StringIO(only.lstrip("\ufeff")))] == ["1.1"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_filled_in_template_imports_entries_and_notes(fresh: Workspace, suffix: str) -> None:
    import openpyxl

    out = fresh.root / f"hebian{suffix}"
    fresh.ok("template", "--unit", "hebian", "--period", "2012-06", "--out", str(out))
    if suffix == ".csv":
        rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
        rows[1][3], rows[2][4] = "1", "方案初稿已送审"
        with out.open("w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows(rows)
    else:
        book = openpyxl.load_workbook(out)
        sheet = book.active
        sheet["D2"], sheet["E3"] = "1", "方案初稿已送审"
        book.save(out)
    outcome = fresh.ok("import", str(out))
    assert "imported 1 entry" in outcome.stderr and "1 supporting unit's note" in outcome.stderr
    [note] = js(fresh, "history", "--unit", "hebian", "--target", "2.1")["notes"]
    assert (note["text"], note["batch"]) == ("方案初稿已送审", 1)
    again = fresh.ok("import", str(out))  # files nothing twice
    assert "nothing filed" in again.stderr
    assert len(js(fresh, "history")["notes"]) == 1


def test_a_bad_note_row_refuses_the_whole_import(fresh: Workspace) -> None:
    bad = fresh.write(
        "bad.csv",
        "unit,target,period,value,note,reported_by,reported_at\n"
        "taoyuan,1.1,2012-06,2,,,2012-07-03\n"
        "huanbao,2.1,2012-06,,配合,,2012-07-03\n"
        "shuiwu,1.1,2012-06,,\t,,2012-07-03\n"
        "shuiwu,1.1,2012-06,,a\x07b,,2012-07-03\n",
    )
    outcome = fresh.run("import", str(bad))
    assert outcome.exit_code == 2, outcome.stderr
    assert "bad.csv:3: huanbao does not support target 2.1" in outcome.stderr
    assert "bad.csv:5:" in outcome.stderr and "control character" in outcome.stderr
    assert fresh.entries() == 0
    assert fresh.query("SELECT count(*) FROM support_note") == [(0,)]


def test_a_note_row_under_a_plan_without_the_key_is_refused_as_before(tmp_path: Path) -> None:
    plain = without_the_key(tmp_path)
    rows = plain.write("notes.csv", "unit,target,period,value,note\nhuanbao,1.1,2012-06,,配合检查\n")
    outcome = plain.run("import", str(rows))
    assert outcome.exit_code == 2 and "notes.csv:2: value is empty" in outcome.stderr


# --- the plan key -------------------------------------------------------------------------------------------------


def test_the_plan_key_is_a_boolean(tmp_path: Path) -> None:
    plan = PLAN.read_text(encoding="utf-8").replace("supporting_reports: true", "supporting_reports: yes please")
    workspace = make_workspace(tmp_path, plan)
    outcome = workspace.run("plan", "check")
    assert outcome.exit_code == 2
    assert "tasks.yaml:7:" in outcome.stderr and "supporting_reports" in outcome.stderr
    typo = PLAN.read_text(encoding="utf-8").replace("supporting_reports: true", "supporting_report: true")
    (tmp_path / "typo").mkdir()
    outcome = make_workspace(tmp_path / "typo", typo).run("plan", "check")
    assert outcome.exit_code == 2 and "did you mean 'supporting_reports'" in outcome.stderr


def test_the_key_is_kept_with_the_plan(fresh: Workspace) -> None:
    exported = js(fresh, "export")
    assert exported["plan"]["supporting_reports"] is True
    assert exported["notes"] == []


# --- on a server: a clerk's own login (SPEC §13) -----------------------------------------------------------------


@pytest.mark.postgres
def test_a_clerk_notes_for_its_own_unit_and_reads_what_it_leads(tmp_path: Path, postgres_url: str) -> None:
    import uuid

    from .test_appeals import owner_login, refused_cli
    from .test_roles import as_login

    owner = prepared(tmp_path, PLAN, FILINGS, postgres_url)
    owner.ok("db", "roles")
    suffix = uuid.uuid4().hex[:8]
    logins = {unit: f"{unit}_{suffix}" for unit in ("huanbao", "shuiwu", "taoyuan", "hebian")}
    for unit, login in logins.items():
        owner.ok("db", "clerk", login, "--unit", unit)
    huanbao, taoyuan, shuiwu = (as_login(owner, logins[unit]) for unit in ("huanbao", "taoyuan", "shuiwu"))
    huanbao.ok(*NOTE, "--text", "6月配合关停1家企业")
    refused_cli(huanbao, owner, "report", "--unit", "shuiwu", "--target", "1.1", "--period", "2012-06", "--text", "x")
    refused_cli(huanbao, owner, *NOTE, "--text", "补", "--on", "2012-07-01")  # --on is the office's
    # the lead unit reads its partners' notes; a supporting unit only its own
    assert len(js(taoyuan, "history", "--target", "1.1")["notes"]) == 7
    assert {n["unit"] for n in js(shuiwu, "history")["notes"]} == {"shuiwu"}
    [mine] = [n for n in js(huanbao, "history")["notes"] if n["period"] == "2012-06"]
    assert mine["reported_by"] == logins["huanbao"] and mine["reported_at"][:10] == date.today().isoformat()

    def sql(login: str, statement: str) -> list[tuple[Any, ...]]:
        return sql_as(postgres_url, login, statement)

    def refuses(login: str, statement: str) -> None:
        refused_sql(owner, postgres_url, login, statement)

    clerk = logins["huanbao"]
    insert = (
        "INSERT INTO support_note (plan_id, unit, target, period, text, reported_by, reported_at, reported_on, "
        "filed_at, filed_by, reason, catch_up) SELECT id, '{unit}', '{target}', '{period}', '{text}', 'someone', "
        "'2012-07-01 09:00', '2012-07-01', '2000-01-01', 'someone', '{reason}', {catch_up} FROM plan"
    )
    good = {"unit": "huanbao", "target": "1.1", "period": "2012-06", "text": "x", "reason": "", "catch_up": "false"}
    for change in (
        {"unit": "shuiwu"},  # another unit's note
        {"unit": "taoyuan"},  # its own unit code would not help: the unit must support the target
        {"target": "2.1"},  # a target it does not support
        {"period": "2012-13"},
        {"period": "2013-01"},  # outside the plan year
        {"text": ""},
        {"text": "a\x1bb"},
    ):
        refuses(clerk, insert.format(**{**good, **change}))
    assert {row[0] for row in sql(logins["shuiwu"], "SELECT unit FROM support_note")} == {"shuiwu"}
    assert {row[0] for row in sql(logins["taoyuan"], "SELECT unit FROM support_note")} == {
        "huanbao", "shuiwu", "hebian",
    }  # fmt: skip
    for statement in ("UPDATE support_note SET text = '改'", "DELETE FROM support_note"):
        refuses(clerk, statement)
        refuses(owner_login(owner), statement)
    # its own note by raw SQL is taken, dated by the server and stamped with its login, whatever it says
    sql(clerk, insert.format(**{**good, "text": "raw", "reason": "forged", "catch_up": "true"}))
    [(on, by, filed_by, reason, catch_up)] = owner.query(
        "SELECT reported_on, reported_by, filed_by, reason, catch_up FROM support_note WHERE text = 'raw'"
    )
    assert (str(on), by, filed_by, reason, catch_up) == (date.today().isoformat(), clerk, clerk, "", False)
    # a locked month is the office's only
    owner.ok("lock", "2012-06", "--reason", "关账")
    refuses(clerk, insert.format(**good))
    refused_cli(huanbao, owner, *NOTE, "--text", "补")


# --- the docs -------------------------------------------------------------------------------------------------


def test_the_docs_commands_run_on_the_worked_example(tmp_path: Path) -> None:
    """docs/changes.md, "Supporting units' notes": each command of its block runs on the worked example as written."""
    import re
    import shlex

    from .conftest import ROOT

    page = (ROOT / "docs" / "changes.md").read_text(encoding="utf-8")
    section = page.split("## Supporting units' notes", 1)[1]
    (block,) = re.findall(r"```text\n(.*?)```", section, flags=re.S)[:1]
    lines = [line for line in block.splitlines() if line.startswith("ecotrack ")]
    assert len(lines) >= 8
    workspace = prepared(tmp_path, PLAN, FILINGS)
    for line in lines:
        command = line.split("  #")[0]
        outcome = workspace.run(*shlex.split(command)[1:])
        assert outcome.exit_code == 0, f"{line}\n{outcome.stderr}"
    assert (workspace.root / "河边镇-2012-06.xlsx").exists()
    assert (workspace.root / "meeting" / "meeting-pack-2012-07-06.html").exists()


# --- the rules, as plain data ------------------------------------------------------------------------------------


def test_the_rules_take_the_notes_as_plain_data() -> None:
    """rules.evaluate with a ledger and notes built by hand: no database, no clock (the README's hebian)."""
    from ecotrack import rules
    from ecotrack.planfile import read_plan

    plan, _ = read_plan(PLAN)
    filed = rules.Filed
    ledger = {
        ("hebian", "1.1"): {
            4: filed(0, date(2012, 5, 4), date(2012, 5, 4)),
            5: filed(1, date(2012, 6, 8), date(2012, 6, 8)),
            6: filed(1, date(2012, 7, 2), date(2012, 7, 2)),
        }
    }
    noted = {4: date(2012, 5, 4), 5: date(2012, 6, 3), 6: date(2012, 7, 9)}

    def counted(day: date) -> rules.NoteLedger:  # as the store gives them: the notes reported by the day
        return {("hebian", "2.1"): {month: on for month, on in noted.items() if on <= day}}

    as_of = date(2012, 7, 6)
    notes = counted(as_of)
    months_of = {f.unit: f.months for f in rules.evaluate(plan, ledger, as_of, notes=notes).filings}
    assert [months_of["hebian"][f"2012-0{m}"] for m in (4, 5, 6)] == ["on_time", "late", "missing"]
    assert months_of["huanbao"]["2012-04"] == "missing"  # noted nothing at all
    day = date(2012, 7, 10)
    later = {f.unit: f.months for f in rules.evaluate(plan, ledger, day, notes=counted(day)).filings}
    assert later["hebian"]["2012-06"] == "late"
    # without the key the notes are not read, and a unit that only supports has no months
    plain = rules.evaluate(replace(plan, supporting_reports=False), ledger, as_of, notes=notes)
    assert [f.unit for f in plain.filings] == ["taoyuan", "hebian"]
    assert plain.filings[1].months["2012-06"] == "on_time"
    assert rules.targets_to_note(plan, "shuiwu") == [plan.target("1.1")]
    assert rules.targets_to_note(plan, "taoyuan") == []


def test_with_review_required_a_backdated_note_needs_its_reason(tmp_path: Path) -> None:
    plan = PLAN.read_text(encoding="utf-8").replace("units:\n", "review:\n  required: true\nunits:\n", 1)
    workspace = make_workspace(tmp_path, plan)
    workspace.ok("init")
    refused(workspace, *NOTE, "--text", "纸质报告", "--on", "2012-07-04", saying="needs its reason")
    workspace.ok(*NOTE, "--text", "纸质报告", "--on", "2012-07-04", "--reason", "7月4日报送纸质材料")
    assert months(workspace, "2012-07-06")["huanbao"]["2012-06"] == "on_time"  # a note is not reviewed


def test_remind_chases_a_supporting_unit(year: Workspace) -> None:
    """The note due on 07-05 and not filed by 07-02: a unit that only supports is chased like any other."""
    units = {u["unit"]: u for u in js(year, "remind", "--as-of", "2012-07-02", "--days", "3")["units"]}
    assert units["huanbao"]["reports"] == ["2012-06"]
