"""Nothing is lost: concurrent clerks, the engine recipe, crashes, unwritable or full disks, newer and
older databases, and the append-only audit trail. Concurrent clerks, kills and a full disk are real subprocesses;
refusals of unwritable, missing, damaged, newer and older databases run in-process (CliRunner keeps stderr apart
and lets no exception through, so "no traceback" still holds) at a fraction of a process's start-up."""

from __future__ import annotations

import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from ecotrack.planfile import read_plan
from ecotrack.storage import db

from .conftest import CONFORMANCE, ECOTRACK, ROOT, SAMPLE_FILINGS, SAMPLE_PLAN, Workspace, csv_text, make_workspace

# --- many clerks at once --------------------------------------------------------------------------

CLERK = """
import sys, time
from ecotrack.cli.app import app
unit, target, clerk, start = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
time.sleep(max(0.0, start - time.time()))  # every clerk starts at the same moment
failures = 0
for i in range(25):
    month = i % 12 + 1
    code = app(["report", "-u", unit, "-t", target, "-p", f"2014-{month:02d}", "-v", str(i),
                "--on", f"2014-{month:02d}-28", "--by", clerk, "--note", f"{clerk} #{i}"], standalone_mode=False)
    failures += code != 0
sys.exit(failures)
"""
CLERKS = [
    ("dongpo", "1.1"),
    ("dongpo", "1.2"),
    ("dongpo", "2.3"),
    ("nanyuan", "1.1"),
    ("nanyuan", "2.1"),
    ("nanyuan", "2.3"),
    ("huanbao", "2.2"),
    ("dongpo", "1.1"),
]


@pytest.mark.slow
def test_eight_clerks_file_200_entries_at_once_and_all_are_kept(tmp_path: Path, backend: str | None) -> None:
    workspace = make_workspace(tmp_path, CONFORMANCE / "plan.yaml", backend)
    workspace.ok("init")
    env = {**os.environ, **workspace.env()}
    start = time.time() + 3
    clerks = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                CLERK.replace('"-v", str(i)', '"-v", str(i % 2)') if target == "2.2" else CLERK,
                unit,
                target,
                f"clerk{n}",
                str(start),
            ],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n, (unit, target) in enumerate(CLERKS)
    ]
    results = [(clerk.wait(timeout=600), clerk.communicate()[1]) for clerk in clerks]
    assert [code for code, _ in results] == [0] * 8, [err for _, err in results]
    assert not any("locked" in err.lower() or "error" in err.lower() for _, err in results)
    entries = json.loads(workspace.ok("history", "--format", "json").stdout)["entries"]
    assert len(entries) == 200
    per_clerk = {
        f"clerk{n}": sorted(int(e["note"].split("#")[1]) for e in entries if e["reported_by"] == f"clerk{n}")
        for n in range(8)
    }
    assert per_clerk == {f"clerk{n}": list(range(25)) for n in range(8)}


# --- the engine recipe against SQLAlchemy's defaults ----------------------------------------------

READ_THEN_WRITE = """
import sys, time
from sqlalchemy import create_engine, text
from sqlmodel import Session
from ecotrack.storage import db
path, recipe, start = sys.argv[1], sys.argv[2] == "ours", float(sys.argv[3])
database = db.Database.from_setting(path)
engine = db.make_engine(database) if recipe else create_engine(database.url)
def bump(session):
    value = session.execute(text("SELECT value FROM counter")).scalar_one()
    time.sleep(0.001)  # the window in which another writer can slip in
    session.execute(text("UPDATE counter SET value = :value"), {"value": value + 1})
time.sleep(max(0.0, start - time.time()))
errors = 0
for _ in range(50):
    try:
        if recipe:
            db.run_unit_of_work(engine, bump)
        else:
            with Session(engine) as session, session.begin():
                bump(session)
    except Exception:
        errors += 1
print(errors)
"""


def race(tmp_path: Path, recipe: str) -> tuple[int, int]:
    """Four processes × 50 read-then-write units of work on one counter; (lost updates, errors)."""
    path = tmp_path / f"{recipe}.db"
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE counter (value INTEGER NOT NULL)")
        connection.execute("INSERT INTO counter VALUES (0)")
        connection.commit()
    start = time.time() + 2
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", READ_THEN_WRITE, str(path), recipe, str(start)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    errors = sum(int(worker.communicate(timeout=300)[0]) for worker in workers)
    with closing(sqlite3.connect(path)) as connection:
        value = connection.execute("SELECT value FROM counter").fetchone()[0]
    return 200 - errors - value, errors


@pytest.mark.slow
def test_our_engine_recipe_loses_no_update_where_the_defaults_do(tmp_path: Path) -> None:
    assert race(tmp_path, "ours") == (0, 0)
    lost, errors = race(tmp_path, "defaults")
    assert lost > 0 or errors > 0  # what RELIABILITY.md measured: updates lost silently


# --- crashes --------------------------------------------------------------------------------------


def big_import(workspace: Workspace, rows: int) -> Path:
    """Many corrections of the conformance filings: every row valid, the file large, each row's note its own
    (so that every period's counted note changes and the whole file is filed)."""
    import csv

    base = list(csv.reader((CONFORMANCE / "filings.csv").read_text().splitlines()[1:]))
    lines = []
    for index in range(rows):
        unit, target, period, value, _note, by, at = base[index % len(base)]
        lines.append(",".join([unit, target, period, value, f"row {index}", by, at]))
    return workspace.write("big.csv", csv_text(lines))


@pytest.mark.slow
def test_an_import_killed_halfway_leaves_all_or_nothing(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path, CONFORMANCE / "plan.yaml")
    workspace.ok("init")
    rows = 30_000
    path = big_import(workspace, rows)
    began = time.monotonic()
    assert workspace.spawn("import", str(path), "--dry-run").returncode == 0
    checking = time.monotonic() - began
    env = {**os.environ, **workspace.env()}
    outcomes = []
    for fraction in (0.3, 0.7, 0.9, 1.0, 1.1, 1.3):
        before = workspace.entries()
        process = subprocess.Popen(
            [str(ECOTRACK), "import", str(path)],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(checking * fraction)
        process.send_signal(signal.SIGKILL)
        process.wait()
        with closing(sqlite3.connect(workspace.db)) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        gained = workspace.entries() - before
        assert gained in (0, rows), f"killed at {fraction:.0%}: {gained} of {rows} rows kept"
        outcomes.append(gained)
    again = workspace.spawn("import", str(path))  # the same import runs again, after a kill or a success
    assert again.returncode == 0, again.stderr
    assert workspace.entries() == rows  # every row filed once: an import that committed is not filed twice
    assert 0 in outcomes  # at least one kill landed before the commit


# --- disks and files that refuse ------------------------------------------------------------------


@contextmanager
def unwritable(path: Path) -> Iterator[None]:
    """Make a file or folder unwritable, even for root (an immutable attribute), for the duration."""
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
            pytest.skip("this file system cannot make files immutable")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(mode)


REPORT = ("report", "-u", "dongpo", "-t", "1.1", "-p", "2014-12", "-v", "11", "--on", "2015-01-02")


def test_a_read_only_database_file(conformance: Workspace) -> None:
    before = conformance.snapshot()
    with unwritable(conformance.db):
        result = conformance.run(*REPORT)
        assert result.exit_code == 1
        assert result.stderr.startswith("error: cannot write to ") and "read-only" in result.stderr
        assert "Traceback" not in result.stderr
        assert conformance.run("status", "--format", "json").exit_code == 0  # reading still works
    assert conformance.snapshot() == before


def test_a_read_only_database_folder(conformance: Workspace) -> None:
    for leftover in ("ecotrack.db-wal", "ecotrack.db-shm"):
        (conformance.db.parent / leftover).unlink(missing_ok=True)
    before = conformance.snapshot()
    with unwritable(conformance.db.parent):
        result = conformance.run(*REPORT)
    assert result.exit_code == 1 and "folder" in result.stderr and "read-only" in result.stderr
    assert "Traceback" not in result.stderr
    assert conformance.snapshot() == before


def test_a_full_disk_changes_nothing(conformance: Workspace) -> None:
    path = big_import(conformance, 5_000)
    before = conformance.snapshot()

    def small_disk() -> None:  # every file this process writes may grow to 64 KiB: the disk is "full"
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

    env = {**os.environ, **conformance.env(), "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [str(ECOTRACK), "import", str(path)],
        env=env,
        cwd=conformance.root,
        capture_output=True,
        text=True,
        preexec_fn=small_disk,
        timeout=300,
    )
    assert result.returncode == 1, result.stderr
    assert "disk is full" in result.stderr and "nothing was changed" in result.stderr
    assert "Traceback" not in result.stderr
    assert conformance.snapshot() == before
    assert conformance.run("import", str(path)).exit_code == 0  # with room again, it imports


def test_a_missing_database_is_not_created(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path, CONFORMANCE / "plan.yaml")
    result = workspace.run(*REPORT)
    assert result.exit_code == 1 and "no database at" in result.stderr and "ecotrack init" in result.stderr
    assert not workspace.db.exists()


def test_a_damaged_database_file(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path, CONFORMANCE / "plan.yaml")
    workspace.db.parent.mkdir()
    workspace.db.write_bytes(os.urandom(8192))
    for command in (("status",), ("init",)):
        result = workspace.run(*command)
        assert result.exit_code == 1 and "not an ecotrack database, or is damaged" in result.stderr
        assert "Traceback" not in result.stderr


def test_a_database_from_a_newer_ecotrack(conformance_on: Workspace) -> None:
    conformance_on.query("SELECT 1")
    from sqlalchemy import create_engine, text

    engine = create_engine(db.Database.from_setting(conformance_on.database).url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099_future'"))
    engine.dispose()
    before = conformance_on.snapshot()
    for command in (REPORT, ("status",), ("init",)):
        result = conformance_on.run(*command)
        assert result.exit_code == 1, command
        assert "written by a newer ecotrack (schema 0099_future)" in result.stderr
    assert conformance_on.snapshot() == before


def test_an_unreachable_server(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path, CONFORMANCE / "plan.yaml", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    result = workspace.run("status")
    assert result.exit_code == 1 and result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert "127.0.0.1" in result.stderr


# --- migrations keep data -------------------------------------------------------------------------


def seed_first_revision(database: db.Database) -> None:
    """A database at the first migration, holding the sample plan and its year of filings.

    Rows go in through the tables as the first revision defined them (reflected), not through today's
    store, which knows tables the first revision did not have.
    """
    from datetime import UTC, datetime

    from alembic import command
    from sqlalchemy import MetaData, insert

    from ecotrack.imports import check_rows, open_source

    engine = db.make_engine(database, foreign_keys=False)
    config = db._alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    plan, _ = read_plan(SAMPLE_PLAN)
    with open_source(SAMPLE_FILINGS, "sample.csv") as source:
        entries = check_rows(source.rows, plan, {}, datetime(2013, 2, 1), "seed", "sample.csv").entries
    now = datetime.now(UTC)
    with engine.begin() as connection:
        tables = MetaData()
        tables.reflect(bind=connection)
        connection.execute(
            insert(tables.tables["plan"]),
            [
                {
                    "id": 1,
                    "year": plan.year,
                    "title": plan.title,
                    "office": plan.office,
                    "report_due_day": 5,
                    "tolerance": 0.1,
                    "start_month": 1,
                    "source": "tasks.yaml",
                    "source_sha256": "-",
                    "loaded_at": now,
                    "assessment": json.dumps(
                        {
                            "completion_points": 80,
                            "timeliness_points": 20,
                            "notice_penalty": 2,
                            "grades": [["优秀", 90], ["良好", 80], ["合格", 60]],
                            "fail_grade": "不合格",
                        }
                    ),
                    "notices": json.dumps(
                        {
                            "number_format": "〔{year}〕{number}号",
                            "ladder": [[1, "通报"], [2, "通报批评"], [3, "约谈主要负责人"]],
                        }
                    ),
                }
            ],
        )
        unit_ids = {u.code: n for n, u in enumerate(plan.units, start=1)}
        connection.execute(
            insert(tables.tables["unit"]),
            [
                {
                    "id": n,
                    "plan_id": 1,
                    "code": u.code,
                    "name": u.name,
                    "name_en": u.name_en,
                    "kind": u.kind,
                    "position": n,
                }
                for u, n in ((u, unit_ids[u.code]) for u in plan.units)
            ],
        )
        task_ids = {k.code: n for n, k in enumerate(plan.tasks, start=1)}
        connection.execute(
            insert(tables.tables["task"]),
            [
                {
                    "id": task_ids[k.code],
                    "plan_id": 1,
                    "code": k.code,
                    "title": k.title,
                    "title_en": k.title_en,
                    "position": task_ids[k.code],
                }
                for k in plan.tasks
            ],
        )
        targets = list(plan.targets())
        connection.execute(
            insert(tables.tables["target"]),
            [
                {
                    "id": n,
                    "plan_id": 1,
                    "task_id": task_ids[g.task],
                    "code": g.code,
                    "title": g.title,
                    "title_en": g.title_en,
                    "type": g.type,
                    "measure": g.measure,
                    "baseline": g.baseline,
                    "schedule": json.dumps(g.schedule),
                    "weight": g.weight,
                    "due": g.due,
                    "position": n,
                }
                for n, g in enumerate(targets, start=1)
            ],
        )
        assignment_ids: dict[tuple[str, str], int] = {}
        assignment_rows: list[dict[str, object]] = []
        for target_id, target in enumerate(targets, start=1):
            for position, assignment in enumerate(target.assignments):
                assignment_ids[(assignment.unit, target.code)] = len(assignment_rows) + 1
                assignment_rows.append(
                    {
                        "id": len(assignment_rows) + 1,
                        "target_id": target_id,
                        "unit_id": unit_ids[assignment.unit],
                        "amount": assignment.amount,
                        "position": position,
                    }
                )
        connection.execute(insert(tables.tables["assignment"]), assignment_rows)
        connection.execute(
            insert(tables.tables["entry"]),
            [
                {
                    "assignment_id": assignment_ids[(e.unit, e.target)],
                    "period": e.period,
                    "value": e.value,
                    "note": e.note,
                    "reported_by": e.reported_by,
                    "reported_at": e.reported_at,
                    "reported_on": e.reported_at.date(),
                    "filed_at": now,
                    "filed_by": "seed",
                }
                for e in entries
            ],
        )
    engine.dispose()


def test_init_upgrades_an_old_database_keeping_every_entry(tmp_path: Path, backend: str | None) -> None:
    workspace = make_workspace(tmp_path, SAMPLE_PLAN, backend)
    database = db.Database.from_setting(workspace.database)
    db.prepare_sqlite_location(database)
    seed_first_revision(database)
    entries_before = workspace.query(
        "SELECT id, assignment_id, period, value, note, reported_at FROM entry ORDER BY id"
    )
    assert len(entries_before) == 1092
    outcome = workspace.run("status")
    assert outcome.exit_code == 1 and "older schema (0001): run `ecotrack init`" in outcome.stderr
    upgraded = workspace.run("init")
    assert upgraded.exit_code == 0, upgraded.stderr
    if backend is None:
        backups = list(workspace.db.parent.glob("ecotrack.db.backup-0001-*"))
        assert len(backups) == 1 and "upgraded from revision 0001" in upgraded.stderr
        with closing(sqlite3.connect(backups[0])) as copy:
            assert copy.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001"
            assert copy.execute("SELECT count(*) FROM entry").fetchone()[0] == 1092
    assert workspace.query("SELECT version_num FROM alembic_version") == [(db.SCHEMA_HEAD,)]
    after = workspace.query("SELECT id, assignment_id, period, value, note, reported_at FROM entry ORDER BY id")
    assert after == entries_before
    status = json.loads(workspace.ok("status", "--as-of", "2012-07-06", "--format", "json").stdout)
    assert len(status["rows"]) == 114
    drafted = workspace.ok("notice", "--as-of", "2012-07-06", "--dry-run").stdout
    assert drafted.startswith("# 青川区生态建设工作领导小组办公室关于2012年6月")


def test_schema_head_and_models_agree_with_the_migrations(tmp_path: Path, backend: str | None) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory

    config = db._alembic_config()
    assert ScriptDirectory.from_config(config).get_heads() == [db.SCHEMA_HEAD]  # one head, the one we check
    database = db.Database.from_setting(backend or str(tmp_path / "check.db"))
    db.upgrade(database)
    engine = db.make_engine(database)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.check(config)  # raises when the models and the migrations disagree
    finally:
        engine.dispose()


# --- the audit trail ------------------------------------------------------------------------------


def test_the_database_refuses_to_change_or_delete_an_entry(conformance_on: Workspace) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import DBAPIError

    engine = create_engine(db.Database.from_setting(conformance_on.database).url)
    try:
        for statement in ("UPDATE entry SET value = 0 WHERE id = 1", "DELETE FROM entry WHERE id = 1"):
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
                connection.execute(text(statement))
    finally:
        engine.dispose()
    assert conformance_on.entries() == 77


def test_no_code_updates_or_deletes_an_entry() -> None:
    for path in (ROOT / "ecotrack").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for forbidden in ("update(EntryRecord", "delete(EntryRecord", "UPDATE entry", "DELETE FROM entry"):
            assert forbidden not in source or "migrations" in path.parts, f"{path}: {forbidden}"


def test_history_shows_who_filed_what_and_the_correction_chain(conformance_empty: Workspace) -> None:
    common = ("report", "-u", "dongpo", "-t", "1.1", "-p", "2014-03")
    conformance_empty.ok(*common, "-v", "2", "--on", "2014-04-03", "--by", "王芳")
    conformance_empty.ok(*common, "-v", "3", "--on", "2014-04-09", "--by", "李强", "--note", "更正")
    conformance_empty.ok(*common, "-v", "4", "--on", "2014-04-10", "--by", "李强")
    entries = json.loads(conformance_empty.ok("history", "--format", "json").stdout)["entries"]
    assert [(e["id"], e["value"], e["reported_by"], e["superseded"], e["corrects"]) for e in entries] == [
        (1, 2.0, "王芳", True, None),
        (2, 3.0, "李强", True, 1),
        (3, 4.0, "李强", False, 2),
    ]
    import pwd

    assert all(e["filed_by"] == pwd.getpwuid(os.geteuid()).pw_name and e["filed_at"] for e in entries)
    table = conformance_empty.ok("history").stdout
    assert "#1" in table and "#2" in table and "(superseded)" in table


def test_the_notice_table_is_rebuilt_by_0007_keeping_its_notices_and_its_guard(tmp_path: Path) -> None:
    """0007 drops the one-notice-per-month constraint; on SQLite that rebuilds the table, so its rows and
    append-only triggers must come through (SPEC §10: a voided notice's month may be issued again)."""
    import sqlite3
    from contextlib import closing

    from alembic import command

    database = db.Database.from_setting(str(tmp_path / "old.db"))
    engine = db.make_engine(database, foreign_keys=False)
    config = db._alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0006")
    engine.dispose()
    with closing(sqlite3.connect(tmp_path / "old.db")) as raw, raw:
        raw.execute(
            "INSERT INTO plan (id, year, title, office, report_due_day, tolerance, start_month, assessment, notices, "
            "review, source, source_sha256, loaded_at) VALUES (1, 2012, 't', 'o', 5, 0.1, 1, '{}', '{}', '{}', 's', "
            "'x', '2012-01-01 00:00:00')"
        )
        raw.execute("INSERT INTO unit (id, plan_id, code, name, kind, position) VALUES (1, 1, 'a', '甲', 'town', 0)")
        raw.execute(
            "INSERT INTO notice (id, plan_id, number, document_number, as_of, evaluation_month, issued_at, issued_by, "
            "document, content) VALUES (1, 1, 1, 'N1', '2012-07-06', '2012-06', '2012-07-06 00:00:00', 'o', 'doc', "
            "'{\"units\": []}')"
        )
        raw.execute("INSERT INTO notice_item (id, notice_id, unit_id, count_this_year) VALUES (1, 1, 1, 1)")
    db.upgrade(database)
    with closing(sqlite3.connect(tmp_path / "old.db")) as raw:
        assert raw.execute("SELECT number, document, evaluation_month FROM notice").fetchall() == [
            (1, "doc", "2012-06")
        ]
        assert raw.execute("SELECT added_reason FROM notice_item").fetchall() == [("",)]
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            raw.execute("UPDATE notice SET document = 'forged'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            raw.execute("DELETE FROM notice")
        raw.execute(  # a second notice for the month: allowed now (the first could be void)
            "INSERT INTO notice (plan_id, number, document_number, as_of, evaluation_month, issued_at, issued_by, "
            "document, content) VALUES (1, 2, 'N2', '2012-07-06', '2012-06', '2012-07-07 00:00:00', 'o', 'd', '{}')"
        )
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
