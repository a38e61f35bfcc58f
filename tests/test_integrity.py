"""Integrity: nothing recorded that should not be, nothing altered, nothing forged (issue 8).

Each test reproduces one way a hostile or unlucky run lost or forged a record, on the real CLI and a
real database, and shows it now refused with the database unchanged.
"""

from __future__ import annotations

import json
import os
import pwd
import resource
import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from .conftest import CONFORMANCE, ECOTRACK, Workspace, csv_text, make_workspace, prepared
from .test_reliability import unwritable

# --- append-only, enforced by the database ------------------------------------------------------------

GUARDED = (
    "entry",
    "import_batch",
    "notice",
    "notice_item",
    "review_decision",
    "period_lock",
    "notice_void",
    "rectification_report",
    "rectification_decision",
    "attachment",
    "attachment_link",
    "score_adjustment",
    "score_void",
    "final_assessment",
)


def _forgeries(table: str, dialect: str) -> list[str]:
    """Raw SQL that would change or remove a row of `table`, each way the dialect offers."""
    first = f"(SELECT min(id) FROM {table})"
    column = {
        "entry": "note",
        "import_batch": "file_name",
        "notice": "document",
        "notice_item": "count_this_year",
        "review_decision": "reason",
        "period_lock": "reason",
        "notice_void": "reason",
        "rectification_report": "text",
        "rectification_decision": "note",
        "attachment": "sha256",
        "attachment_link": "name",
        "score_adjustment": "item",
        "score_void": "reason",
        "final_assessment": "content",
    }
    forged = "99" if table == "notice_item" else "'forged'"
    statements = [
        f"UPDATE {table} SET {column[table]} = {forged} WHERE id = {first}",
        f"DELETE FROM {table} WHERE id = {first}",
        f"DELETE FROM {table}",
    ]
    if dialect == "sqlite":
        statements += [
            f"REPLACE INTO {table} SELECT * FROM {table} WHERE id = {first}",
            f"INSERT OR REPLACE INTO {table} SELECT * FROM {table} WHERE id = {first}",
            f"INSERT INTO {table} SELECT * FROM {table} WHERE id = {first} "
            f"ON CONFLICT (id) DO UPDATE SET {column[table]} = {forged}",
        ]
    else:
        statements += [
            f"TRUNCATE {table} CASCADE",
            f"INSERT INTO {table} SELECT * FROM {table} WHERE id = {first} "
            f"ON CONFLICT (id) DO UPDATE SET {column[table]} = {forged}",
        ]
    return statements


def _record_everything(workspace: Workspace) -> None:
    workspace.ok("notice", "--as-of", "2014-07-06")
    text = workspace.plan.read_text(encoding="utf-8")
    workspace.plan.write_text(text.replace("units:", "review:\n  required: true\nunits:", 1), encoding="utf-8")
    workspace.ok("plan", "load")
    workspace.ok("report", "--unit", "dongpo", "--target", "1.1", "--period", "2014-12", "--value", "10",
                 "--on", "2015-01-03", "--reason", "paper report")  # fmt: skip
    workspace.ok("accept", "--all")
    workspace.ok("lock", "2014-12")
    workspace.write("整改报告.txt", "已整改")
    workspace.ok("rectify", "--notice", "1", "--unit", "nanyuan", "--text", "已整改", "--attach", "整改报告.txt")
    workspace.ok("rectifications", "close", "1", "--unit", "nanyuan", "--override", "--note", "核查属实")
    workspace.ok("notices", "void", "1", "--reason", "issued in error")
    workspace.ok("score", "add", "--unit", "dongpo", "--points", "2", "--item", "示范", "--basis", "文件")
    workspace.ok("score", "void", "1", "--reason", "误录")
    workspace.ok("assess", "--final", "--as-of", "2015-01-06")


@pytest.fixture
def recorded(tmp_path: Path, backend: str | None) -> Workspace:
    """The conformance year imported (one batch) with one notice issued, then review turned on, an entry
    filed and accepted, a month locked, a rectification filed with a file and closed, the notice voided,
    an adjustment recorded and voided, and the final result recorded: a row in every guarded table."""
    workspace = prepared(
        tmp_path,
        CONFORMANCE / "plan.yaml",
        CONFORMANCE / "filings.csv",
        backend,
        steps=_record_everything,
        name="every guarded table",
    )
    for table in GUARDED:
        count = workspace.query(f"SELECT count(*) FROM {table}")[0][0]
        assert isinstance(count, int) and count > 0, table
    return workspace


@pytest.mark.parametrize("table", GUARDED)
def test_no_raw_sql_changes_or_removes_a_guarded_row(recorded: Workspace, table: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import DBAPIError

    from ecotrack.storage.db import Database

    before = recorded.snapshot()
    engine = create_engine(Database.from_setting(recorded.database).url)
    try:
        for statement in _forgeries(table, engine.dialect.name):
            # (a copy of a closed item's report is refused before it can conflict: 销号 is final)
            with pytest.raises(DBAPIError, match=r"append-only|the item is closed"), engine.begin() as connection:
                connection.execute(text(statement))
    finally:
        engine.dispose()
    assert recorded.snapshot() == before


def test_notices_show_prints_the_document_as_circulated(recorded: Workspace) -> None:
    shown = recorded.ok("notices", "show", "1").stdout
    assert "forged" not in shown and "2014年6月" in shown


# --- write, then record ------------------------------------------------------------------------------------


def test_a_notice_that_cannot_be_written_is_not_recorded(conformance: Workspace) -> None:
    out = conformance.root / "full"
    before = conformance.snapshot()

    def small_disk() -> None:  # no file this process writes may hold a byte: the disk is "full"
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))

    result = subprocess.run(
        [str(ECOTRACK), "notice", "--as-of", "2014-07-06", "--out", str(out)],
        env={**os.environ, **conformance.env()},
        cwd=conformance.root,
        capture_output=True,
        text=True,
        preexec_fn=small_disk,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("error: cannot write") and "Traceback" not in result.stderr
    assert conformance.snapshot() == before  # no notice numbered, counted or penalised
    assert not out.exists()  # and no folder or partial file left behind
    again = conformance.run("notice", "--as-of", "2014-07-06", "--out", str(out))
    assert again.exit_code == 0, again.stderr  # with room, the same notice is issued, as number 1
    assert "〔2014〕1号" in again.stderr
    assert [p.name for p in out.iterdir()] == [p.name for p in out.iterdir() if not p.name.startswith(".")]
    assert len(list(out.iterdir())) == 1


def test_a_read_only_database_leaves_no_notice_folder_behind(conformance: Workspace) -> None:
    out = conformance.root / "notices-out"
    with unwritable(conformance.db):
        result = conformance.run("notice", "--as-of", "2014-07-06", "--out", str(out))
    assert result.exit_code == 1 and "read-only" in result.stderr, result.stderr
    assert not out.exists()
    assert conformance.query("SELECT count(*) FROM notice") == [(0,)]


def test_a_planted_symlink_is_not_followed(conformance: Workspace) -> None:
    victim = conformance.write("victim.txt", "keep me\n")
    out = conformance.root / "status.csv"
    (conformance.root / ".status.csv.partial").symlink_to(victim)
    conformance.ok("export", "--format", "csv", "--table", "status", "--as-of", "2014-07-06", "--out", str(out))
    assert victim.read_text() == "keep me\n"
    assert out.read_bytes().startswith(b"\xef\xbb\xbfplan_year,") or out.stat().st_size > 0
    assert out.stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_failed_atomic_write_leaves_nothing(tmp_path: Path) -> None:
    from ecotrack import safefile

    target = tmp_path / "copy.db"
    with pytest.raises(RuntimeError), safefile.replacing(target) as partial:
        partial.write_bytes(b"half a backup")
        raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_a_migration_safety_copy_is_never_half_a_file(tmp_path: Path) -> None:
    """The copy is made under a temporary name and renamed when whole: a backup-* file is always complete."""
    from ecotrack.storage import db

    source = db.Database.from_setting(str(tmp_path / "old.db"))
    db.prepare_sqlite_location(source)
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(tmp_path / "old.db")) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        connection.execute("INSERT INTO alembic_version VALUES ('0099')")
        connection.commit()
    from ecotrack.errors import DatabaseUnavailable

    with pytest.raises(DatabaseUnavailable):  # a revision this ecotrack does not know: refused before copying
        db.upgrade(source)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.db"]


# --- the plan changed underneath an import ----------------------------------------------------------------


def _blocked(process: subprocess.Popen[str], settle: float = 1.0) -> bool:
    """Whether a process has stopped using the CPU (it waits for the write lock)."""

    def cpu() -> int:
        fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    used = cpu()
    time.sleep(settle)
    return process.poll() is None and cpu() == used


@pytest.mark.parametrize(
    ("change", "row"),
    [
        pytest.param("retype", "dongpo,1.1,2014-03,50,,c,2014-04-02", id="quantity-becomes-milestone"),
        pytest.param("drop-unit", "zz,1.1,2014-03,5,,c,2014-04-02", id="unit-dropped"),
    ],
)
def test_an_import_refuses_when_the_plan_changed_while_it_checked(tmp_path: Path, change: str, row: str) -> None:
    """Two processes: an import checks its rows against the plan, and before it can record them the
    plan is loaded again, changed. The import refuses; nothing is filed against the stale plan."""
    from sqlmodel import Session

    from ecotrack.planfile import read_plan
    from ecotrack.storage import db
    from ecotrack.storage import plans as plan_store

    plan_text = (CONFORMANCE / "plan.yaml").read_text()
    if change == "drop-unit":  # a unit zz that the new plan no longer has
        plan_text = plan_text.replace(
            "  - code: dongpo\n", "  - code: zz\n    name: 临时单位\n    kind: town\n  - code: dongpo\n", 1
        ).replace("assign: {dongpo: 10, nanyuan: 5}", "assign: {dongpo: 10, nanyuan: 5, zz: 1}", 1)
    workspace = make_workspace(tmp_path, plan_text)
    workspace.ok("init")
    new_text = (CONFORMANCE / "plan.yaml").read_text()
    if change == "retype":
        new_text = _retype_target_to_milestone(new_text, "1.1")
    new_plan_file = workspace.write("new-plan.yaml", new_text)
    new_plan, _raw = read_plan(new_plan_file, str(new_plan_file))
    path = workspace.write("rows.csv", csv_text([row]))
    database = db.Database.from_setting(workspace.database)
    engine = db.make_engine(database)
    try:
        with Session(engine) as session, session.begin():  # the plan load, holding the write lock
            session.connection()  # BEGIN IMMEDIATE now, not at the first query
            importer = subprocess.Popen(
                [str(ECOTRACK), "import", str(path)],
                env={**os.environ, **workspace.env()},
                cwd=tmp_path,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            deadline = time.monotonic() + 60
            while not _blocked(importer):  # it has read the plan, checked the row, and waits to file it
                assert importer.poll() is None, importer.communicate()
                assert time.monotonic() < deadline
            plan_store.sync_plan(
                session=session, plan=new_plan, source=str(new_plan_file), source_sha256="new", now=_now()
            )
        _, stderr = importer.communicate(timeout=60)
    finally:
        engine.dispose()
    assert importer.returncode == 1, stderr
    assert stderr.startswith("error: the 2014 plan was loaded again") and "nothing was filed" in stderr
    assert "Traceback" not in stderr and "a bug" not in stderr
    assert workspace.entries() == 0


def _retype_target_to_milestone(text: str, code: str) -> str:
    """The plan with target `code` turned from a quantity into a milestone."""
    import yaml

    data = yaml.safe_load(text)
    for task in data["tasks"]:
        for target in task["targets"]:
            if str(target["code"]) == code:
                for key in ("measure", "baseline", "schedule"):
                    target.pop(key, None)
                target.update(type="milestone", due="2014-10-31", assign=list(target["assign"]))
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _now() -> datetime:
    return datetime.now(UTC)


def test_a_report_refuses_when_the_plan_changed_since_it_was_read(conformance_empty: Workspace) -> None:
    """The same re-check in `report`, shown in-process: the plan is loaded again between check and write."""
    from ecotrack.config import Settings
    from ecotrack.errors import Refused
    from ecotrack.filing import NewEntry
    from ecotrack.tracker import Tracker, load_plan_file

    settings = Settings(plan=str(conformance_empty.plan), db=conformance_empty.database)
    entry = NewEntry("dongpo", "1.1", "2014-03", 2.0, "", "c", datetime(2014, 4, 2))
    with Tracker.open(settings) as tracker:
        new_text = _retype_target_to_milestone(conformance_empty.plan.read_text(), "1.1")
        from ecotrack.planfile import read_plan

        changed = conformance_empty.write("changed.yaml", new_text)
        plan, raw = read_plan(changed, str(changed))
        load_plan_file(tracker.database, plan, raw, str(changed))
        with pytest.raises(Refused, match="loaded again"):
            tracker.file([entry])
    assert conformance_empty.entries() == 0


def test_a_plan_loaded_again_unchanged_does_not_refuse(conformance_empty: Workspace) -> None:
    from ecotrack.config import Settings
    from ecotrack.filing import NewEntry
    from ecotrack.planfile import read_plan
    from ecotrack.tracker import Tracker, load_plan_file

    settings = Settings(plan=str(conformance_empty.plan), db=conformance_empty.database)
    with Tracker.open(settings) as tracker:
        plan, raw = read_plan(conformance_empty.plan, str(conformance_empty.plan))
        load_plan_file(tracker.database, plan, raw, str(conformance_empty.plan))
        report = tracker.file([NewEntry("dongpo", "1.1", "2014-03", 2.0, "", "c", datetime(2014, 4, 2))])
    assert report.filed == 1


# --- inputs read as meant, or refused -----------------------------------------------------------------------

HEADER = ["unit", "target", "period", "value", "note", "reported_by", "reported_at"]


def _workbook(path: Path, sheets: list[tuple[str, list[list[object]], str]], active: int = 0) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows, state in sheets:
        sheet = book.create_sheet(title)
        sheet.append(HEADER)
        for row in rows:
            sheet.append(row)
        sheet.sheet_state = state
    book.active = active
    book.save(path)
    return path


def test_a_numeric_period_cell_is_refused(conformance_empty: Workspace) -> None:
    path = _workbook(
        conformance_empty.root / "form.xlsx",
        [("表", [["dongpo", "1.1", 2014.1, 2, None, "c", "2014-11-02"]], "visible")],
    )
    before = conformance_empty.snapshot()
    outcome = conformance_empty.run("import", str(path))
    assert outcome.exit_code == 2
    assert "form.xlsx:表!2: period is the number 2014.1" in outcome.stderr and "type it as text" in outcome.stderr
    assert conformance_empty.snapshot() == before


def test_the_visible_sheet_is_read_not_a_hidden_first_one(conformance_empty: Workspace) -> None:
    path = _workbook(
        conformance_empty.root / "form.xlsx",
        [
            ("旧表", [["dongpo", "1.1", "2014-03", 9, None, "c", "2014-04-02"]], "hidden"),
            ("本月", [["dongpo", "1.1", "2014-03", 2, None, "c", "2014-04-02"]], "visible"),
        ],
        active=1,
    )
    conformance_empty.ok("import", str(path))
    assert conformance_empty.query("SELECT value FROM entry") == [(2.0,)]


def test_several_visible_sheets_are_refused_by_name(conformance_empty: Workspace) -> None:
    path = _workbook(
        conformance_empty.root / "form.xlsx",
        [
            ("一月", [["dongpo", "1.1", "2014-01", 1, None, "c", "2014-02-02"]], "visible"),
            ("二月", [["dongpo", "1.1", "2014-02", 2, None, "c", "2014-03-02"]], "visible"),
        ],
    )
    outcome = conformance_empty.run("import", str(path))
    assert outcome.exit_code == 2
    assert outcome.stderr.strip() == (
        "error: " + str(path) + ": the workbook has several visible sheets (一月, 二月); "
        "keep the form on one sheet, or hide the others"
    )
    assert conformance_empty.entries() == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1_0", "value '1_0' is not a plain decimal number"),
        ("1e3", "value '1e3' is not a plain decimal number"),
        ("1.5e308", "value '1.5e308' is not a plain decimal number"),
        ("0x10", "value '0x10' is not a plain decimal number"),
        ("1" + "0" * 20, "is too large (at most 1,000,000,000,000,000)"),
    ],
)
def test_only_plain_decimals_are_read_as_values(conformance_empty: Workspace, value: str, message: str) -> None:
    for command in (
        ("report", "-u", "dongpo", "-t", "1.1", "-p", "2014-03", "-v", value, "--on", "2014-04-02"),
        ("import", str(conformance_empty.write("rows.csv", csv_text([f"dongpo,1.1,2014-03,{value},,c,2014-04-02"])))),
    ):
        outcome = conformance_empty.run(*command)
        assert outcome.exit_code == 2 and message in outcome.stderr, outcome.stderr
    assert conformance_empty.entries() == 0


def test_full_width_digits_and_a_plus_sign_read_as_typed(conformance_empty: Workspace) -> None:
    conformance_empty.ok("report", "-u", "dongpo", "-t", "1.1", "-p", "2014-03", "-v", "１２", "--on", "2014-04-02")
    conformance_empty.ok("report", "-u", "dongpo", "-t", "1.1", "-p", "2014-04", "-v", "+12.5", "--on", "2014-05-02")
    assert conformance_empty.query("SELECT value FROM entry ORDER BY id") == [(12.0,), (12.5,)]


def test_a_huge_number_cell_is_refused_before_any_number_overflows(conformance_empty: Workspace) -> None:
    path = _workbook(
        conformance_empty.root / "form.xlsx",
        [("表", [["dongpo", "1.1", "2014-03", 1.5e308, None, "c", "2014-04-02"]], "visible")],
    )
    outcome = conformance_empty.run("import", str(path))
    assert outcome.exit_code == 2 and "is too large" in outcome.stderr, outcome.stderr
    assert conformance_empty.entries() == 0
    for fmt in ("json",):
        assert conformance_empty.run("status", "--as-of", "2014-07-06", "--format", fmt).exit_code == 0


def test_a_value_far_beyond_the_amount_is_filed_with_a_warning(conformance_empty: Workspace) -> None:
    amount = conformance_empty.query(
        "SELECT a.amount FROM assignment a JOIN unit u ON u.id = a.unit_id JOIN target g ON g.id = a.target_id "
        "WHERE u.code = 'dongpo' AND g.code = '1.1'"
    )[0][0]
    assert isinstance(amount, float)
    far = amount * 10 + 1
    outcome = conformance_empty.ok(
        "report", "-u", "dongpo", "-t", "1.1", "-p", "2014-03", "-v", f"{far:g}", "--on", "2014-04-02"
    )
    assert f"warning: dongpo 1.1 2014-03: {far:g} is more than 10× the amount ({amount:g})" in outcome.stderr
    assert conformance_empty.entries() == 1
    near = conformance_empty.ok(
        "report", "-u", "dongpo", "-t", "1.1", "-p", "2014-04", "-v", f"{amount * 10:g}", "--on", "2014-05-02"
    )
    assert "more than 10×" not in near.stderr  # exactly ten times is not beyond it
    status = json.loads(conformance_empty.ok("status", "--as-of", "2014-07-06", "--format", "json").stdout)
    assert status["rows"]


# --- who filed it ---------------------------------------------------------------------------------------------


def test_the_filer_is_the_real_account_not_the_environment(conformance_empty: Workspace) -> None:
    forged = conformance_empty.spawn(
        "report", "-u", "dongpo", "-t", "1.1", "-p", "2014-03", "-v", "2", "--on", "2014-04-02",
        env={"LOGNAME": "director\x1b[2J", "USER": "director", "LNAME": "director", "USERNAME": "director"},
    )  # fmt: skip
    assert forged.returncode == 0, forged.stderr
    real = pwd.getpwuid(os.geteuid()).pw_name
    assert conformance_empty.query("SELECT filed_by, reported_by FROM entry") == [(real, real)]


def test_a_reporter_with_control_characters_is_refused(conformance_empty: Workspace) -> None:
    outcome = conformance_empty.run(
        "report", "-u", "dongpo", "-t", "1.1", "-p", "2014-03", "-v", "2", "--on", "2014-04-02", "--by", "王\x1b[2J芳"
    )
    assert outcome.exit_code == 2
    assert "reported_by contains the control character U+001B" in outcome.stderr
    assert conformance_empty.entries() == 0


# --- the ladder counts what came before -------------------------------------------------------------------------


def test_a_notice_counts_only_notices_dated_on_or_before_its_own(conformance: Workspace) -> None:
    conformance.ok("notice", "--as-of", "2014-09-06")  # the August notice first
    conformance.ok("notice", "--as-of", "2014-07-06")  # then June's, issued later
    notices = json.loads(conformance.ok("notices", "--format", "json").stdout)["notices"]
    august, june = notices
    assert (august["evaluation_month"], june["evaluation_month"]) == ("2014-08", "2014-06")
    assert {u["unit"] for u in june["units"]} & {u["unit"] for u in august["units"]}  # a unit named in both
    assert all(u["count_this_year"] == 1 for u in june["units"])
    assert all(u["count_this_year"] == 1 for u in august["units"])
    september = conformance.ok("notice", "--as-of", "2014-10-06", "--format", "json")
    counts = {u["unit"]: u["count_this_year"] for u in json.loads(september.stdout)["units"]}
    named_before = [u["unit"] for n in notices for u in n["units"]]
    assert all(counts[unit] == named_before.count(unit) + 1 for unit in counts)


# --- import batches ----------------------------------------------------------------------------------------------


def test_importing_a_file_twice_files_nothing_the_second_time(conformance: Workspace) -> None:
    path = CONFORMANCE / "filings.csv"
    before = conformance.snapshot()
    again = conformance.ok("import", str(path))
    assert "was imported before: import #1 of filings.csv" in again.stderr
    assert again.stderr.splitlines()[-1] == f"nothing filed from {path}: all 77 rows equal what is on file"
    assert conformance.snapshot() == before
    batches = conformance.query("SELECT id, file_name, rows, filed FROM import_batch")
    assert batches == [(1, "filings.csv", 77, 77)]


def test_a_changed_row_is_filed_and_the_rest_reported_unchanged(conformance: Workspace) -> None:
    lines = (CONFORMANCE / "filings.csv").read_text().splitlines()
    header, first, *rest = lines
    unit, target, period, value, _note, by, at = first.split(",")
    changed = ",".join([unit, target, period, str(float(value) + 1), "更正", by, at])
    path = conformance.write("corrected.csv", "\n".join([header, changed, *rest]) + "\n")
    outcome = conformance.ok("import", str(path))
    assert outcome.stderr.splitlines()[-1] == (
        f"imported 1 entry from {path} as import #2; 76 rows equal to what is on file were not filed again"
    )
    history = json.loads(conformance.ok("history", "--format", "json").stdout)["entries"]
    assert history[-1]["batch"] == 2 and history[-1]["note"] == "更正"
    assert {e["batch"] for e in history[:-1]} == {1}
    exported = json.loads(conformance.ok("export", "--format", "json").stdout)
    assert exported["entries"][-1]["batch"] == 2
    table = conformance.ok("history", "--unit", unit, "--target", target).stdout
    assert "(import #2)" in table


def test_an_import_killed_after_its_commit_does_not_file_twice(conformance_empty: Workspace) -> None:
    """The clerk saw no "imported" line and imports again: the rows already on file are not filed again."""
    path = CONFORMANCE / "filings.csv"
    first = conformance_empty.run("import", str(path))
    assert first.exit_code == 0
    count = conformance_empty.entries()
    again = conformance_empty.run("import", str(path))
    assert again.exit_code == 0 and "nothing filed" in again.stderr
    assert conformance_empty.entries() == count
    reports = conformance_empty.run("report", "-u", "dongpo", "-t", "1.1", "-p", "2014-03", "-v", "2")
    assert reports.exit_code == 0  # a report is not an import: filed as given
    assert conformance_empty.entries() == count + 1
