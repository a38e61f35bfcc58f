"""Roles the PostgreSQL server enforces (SPEC §13; issue 15), on the real server `.ci/run` starts.

Each test makes its own logins (the server's roles are shared by its databases) and connects as them;
the server trusts local logins, as CI's does. Skipped without a server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from .conftest import CONFORMANCE, Workspace, make_workspace, prepared

pytestmark = pytest.mark.postgres


def as_login(workspace: Workspace, login: str) -> Workspace:
    """The same database and plan, reached as another login."""
    assert workspace.url is not None
    url = make_url(workspace.url).set(username=login, password=None).render_as_string(hide_password=False)
    return Workspace(workspace.root, workspace.plan, url)


@pytest.fixture
def server(tmp_path: Path, postgres_url: str) -> tuple[Workspace, dict[str, Workspace]]:
    """The conformance year on a server with ecotrack's roles: the owner, and a clerk of dongpo, a clerk of
    nanyuan, an auditor and an office login."""
    owner = prepared(tmp_path, CONFORMANCE / "plan.yaml", CONFORMANCE / "filings.csv", postgres_url)
    owner.ok("db", "roles")
    suffix = uuid.uuid4().hex[:8]
    logins = {name: f"{name}_{suffix}" for name in ("dongpo", "nanyuan", "auditor", "office")}
    owner.ok("db", "clerk", logins["dongpo"], "--unit", "dongpo")
    owner.ok("db", "clerk", logins["nanyuan"], "--unit", "nanyuan")
    owner.ok("db", "auditor", logins["auditor"])
    owner.ok("db", "office", logins["office"])
    return owner, {name: as_login(owner, login) for name, login in logins.items()}


def js(workspace: Workspace, *args: str) -> Any:
    return json.loads(workspace.ok(*args, "--format", "json").stdout)


def refused(workspace: Workspace, owner: Workspace, *args: str) -> str:
    """The command is refused with one `error:` line and exit 1, and the database is unchanged."""
    before = owner.snapshot()
    outcome = workspace.run(*args)
    assert outcome.exit_code == 1, (args, outcome.stderr)
    assert outcome.stderr.count("error:") == 1 and "Traceback" not in outcome.stderr, outcome.stderr
    assert owner.snapshot() == before, args
    return outcome.stderr


def test_a_clerk_files_sees_and_decides_only_for_its_own_unit(server: tuple[Workspace, dict[str, Workspace]]) -> None:
    owner, logins = server
    clerk = logins["dongpo"]
    name = make_url(clerk.url or "").username
    clerk.ok("report", "--unit", "dongpo", "--target", "1.1", "--period", "2014-12", "--value", "10")
    (entry,) = [e for e in js(owner, "history")["entries"] if e["reported_by"] == name]
    assert entry["unit"] == "dongpo" and entry["filed_by"] == name
    assert entry["reported_at"][:4] == time.strftime("%Y")  # the server's clock, not a date of its choosing
    message = refused(clerk, owner, "report", "--unit", "nanyuan", "--target", "1.1", "--period", "2014-12",
                      "--value", "5")  # fmt: skip
    assert f"not allowed: {name} is a clerk of dongpo" in message
    assert {e["unit"] for e in js(clerk, "history")["entries"]} == {"dongpo"}
    assert "--on is the office's" in refused(
        clerk, owner, "report", "--unit", "dongpo", "--target", "1.1", "--period", "2014-12", "--value", "10",
        "--on", "2015-01-03",
    )  # fmt: skip
    for args in (("accept", "1"), ("lock", "2014-12"), ("notice", "--as-of", "2014-08-15"),
                 ("score", "add", "--unit", "dongpo", "--points", "2", "--item", "x", "--basis", "y")):  # fmt: skip
        assert f"not allowed: {name} is a clerk of dongpo" in refused(clerk, owner, *args)
    clerk.write("nanyuan.csv", "unit,target,period,value\nnanyuan,1.1,2014-12,5\n")
    assert "not allowed" in refused(clerk, owner, "import", "nanyuan.csv")


def test_a_clerks_raw_sql_cannot_change_or_forge_anything(server: tuple[Workspace, dict[str, Workspace]]) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import DBAPIError

    owner, logins = server
    before = owner.snapshot()
    engine = create_engine(logins["dongpo"].url or "")
    nanyuan = "SELECT a.id FROM assignment a JOIN unit u ON u.id = a.unit_id WHERE u.code = 'nanyuan' LIMIT 1"
    try:
        for statement in (
            "UPDATE entry SET value = 0",
            "DELETE FROM entry",
            "UPDATE unit SET name = 'x'",
            "INSERT INTO review_decision (entry_id, decision, reason, decided_at, decided_by) "
            "VALUES (1, 'accepted', '', now(), 'x')",
            "INSERT INTO period_lock (plan_id, period, locked, reason, at, by) "
            "VALUES (1, '2014-01', true, '', now(), 'x')",
            "INSERT INTO entry (assignment_id, period, value, note, reported_by, reported_at, reported_on, filed_at, "
            f"filed_by) VALUES (({nanyuan}), '2014-03', 1, '', 'x', now(), now(), now(), 'x')",
        ):
            with pytest.raises(DBAPIError), engine.begin() as connection:
                connection.execute(text(statement))
        with engine.begin() as connection:  # and what it reads of another unit is nothing
            assert (
                connection.execute(text(f"SELECT count(*) FROM entry WHERE assignment_id = ({nanyuan})")).scalar() == 0
            )
            # its own entry, forged in raw SQL, is stamped with its login and the server's clock
            own = "SELECT a.id FROM assignment a JOIN unit u ON u.id = a.unit_id WHERE u.code = 'dongpo' LIMIT 1"
            connection.execute(
                text(
                    "INSERT INTO entry (assignment_id, period, value, note, reported_by, reported_at, reported_on, "
                    f"filed_at, filed_by) VALUES (({own}), '2014-03', 1, '', '李四', '2014-04-01', '2014-04-01', "
                    "now(), 'someone')"
                )
            )
            stamped = connection.execute(
                text("SELECT reported_by, reported_on, filed_by FROM entry ORDER BY id DESC LIMIT 1")
            ).one()
    finally:
        engine.dispose()
    login = make_url(logins["dongpo"].url or "").username
    assert stamped[0] == login and stamped[2] == login and str(stamped[1]) == time.strftime("%Y-%m-%d")
    assert owner.snapshot() != before  # only that one entry was added
    assert owner.entries() == 78


def test_an_auditor_reads_everything_and_writes_nothing(server: tuple[Workspace, dict[str, Workspace]]) -> None:
    owner, logins = server
    auditor = logins["auditor"]
    assert len(js(auditor, "history")["entries"]) == 77
    assert js(auditor, "assess", "--as-of", "2015-01-06")["units"]
    for args in (("report", "--unit", "dongpo", "--target", "1.1", "--period", "2014-12", "--value", "10"),
                 ("lock", "2014-12"), ("notice", "--as-of", "2014-08-15")):  # fmt: skip
        assert "is an auditor" in refused(auditor, owner, *args)


def test_the_office_does_everything(server: tuple[Workspace, dict[str, Workspace]]) -> None:
    owner, logins = server
    office = logins["office"]
    office.ok("report", "--unit", "nanyuan", "--target", "1.1", "--period", "2014-12", "--value", "5",
              "--on", "2015-01-04", "--by", "李四")  # fmt: skip
    assert js(owner, "history")["entries"][-1]["reported_by"] == "李四"
    office.ok("lock", "2014-12")
    office.ok("notice", "--as-of", "2014-08-15")
    office.ok("rectify", "--notice", "1", "--unit", "nanyuan", "--text", "已整改", "--on", "2014-08-20")
    office.ok(
        "rectifications", "close", "1", "--unit", "nanyuan", "--on", "2014-08-21", "--override", "--note", "核查属实"
    )
    office.ok("score", "add", "--unit", "dongpo", "--points", "2", "--item", "示范", "--basis", "文件")
    office.ok("assess", "--final", "--as-of", "2015-01-06")
    # the clerk of nanyuan sees its unit's notice item and rectification
    items = js(logins["nanyuan"], "rectifications", "--as-of", "2014-09-01")["items"]
    assert [(i["unit"], i["state"]) for i in items] == [("nanyuan", "closed")]


def test_roles_need_a_server(conformance: Workspace) -> None:
    outcome = conformance.run("db", "roles")
    assert outcome.exit_code == 1 and "roles are a PostgreSQL server's" in outcome.stderr


CLERK = """
import sys, time
from ecotrack.cli.app import app
unit, target, start = sys.argv[1], sys.argv[2], float(sys.argv[3])
time.sleep(max(0.0, start - time.time()))
failures = 0
for i in range(25):
    month = 1 + i % 12
    code = app(["report", "-u", unit, "-t", target, "-p", f"2014-{month:02d}", "-v", str(i), "--note", f"#{i}"],
               standalone_mode=False)
    failures += code != 0
sys.exit(failures)
"""


@pytest.mark.slow
def test_eight_clerk_logins_file_200_entries_at_once(tmp_path: Path, postgres_url: str) -> None:
    from .test_reliability import CLERKS

    owner = make_workspace(tmp_path, CONFORMANCE / "plan.yaml", postgres_url)
    owner.ok("init")
    owner.ok("db", "roles")
    suffix = uuid.uuid4().hex[:8]
    logins = [f"clerk{n}_{suffix}" for n in range(8)]
    for login, (unit, _) in zip(logins, CLERKS, strict=True):
        owner.ok("db", "clerk", login, "--unit", unit)
    start = time.time() + 3
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                CLERK.replace("str(i)", "str(i % 2)") if target == "2.2" else CLERK,
                unit,
                target,
                str(start),
            ],
            env={**os.environ, **as_login(owner, login).env()},
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for login, (unit, target) in zip(logins, CLERKS, strict=True)
    ]
    results = [(p.wait(timeout=600), p.communicate()[1]) for p in processes]
    assert [code for code, _ in results] == [0] * 8, [err for _, err in results]
    entries = js(owner, "history")["entries"]
    assert len(entries) == 200
    assert {login: sum(e["reported_by"] == login for e in entries) for login in logins} == dict.fromkeys(logins, 25)


def test_an_import_copied_in_is_checked_by_the_server_as_an_insert_is(
    server: tuple[Workspace, dict[str, Workspace]],
) -> None:
    """Imports reach the server by COPY (issue 36): a clerk's rows still pass its row-level security (through a
    temporary table and one INSERT … SELECT), and every login's still fire the entry's triggers: the stamps of
    the server's clock and login, and the checks against the plan."""
    from datetime import UTC, datetime

    from sqlalchemy.exc import DBAPIError

    from ecotrack.config import Settings
    from ecotrack.filing import NewEntry
    from ecotrack.storage import entries as entry_store
    from ecotrack.tracker import Tracker

    owner, logins = server

    def file(workspace: Workspace, unit: str, period: str, value: float = 7.0) -> None:
        entry = NewEntry(unit, "1.1", period, value, "", "clerk", datetime(2014, 12, 3))
        with Tracker.open(Settings(plan=str(workspace.plan), db=workspace.url or "")) as tracker:
            tracker.write(
                lambda session: entry_store.add_entries(
                    session=session,
                    plan_id=tracker.stored.id,
                    entries=[entry] * 3,
                    filed_by="forged",
                    filed_at=datetime(2000, 1, 1, tzinfo=UTC),
                    batch=entry_store.NewBatch("x.csv", uuid.uuid4().hex, 3),
                )
            )

    before = owner.snapshot()
    for workspace, unit, period, words in (
        (logins["dongpo"], "nanyuan", "2014-12", "row-level security"),  # another unit's assignment
        (logins["dongpo"], "dongpo", "2013-12", "not in the plan year"),  # the statement trigger's check
        (owner, "dongpo", "2013-12", "not in the plan year"),  # the owner's COPY goes straight in, checked
    ):
        with pytest.raises(DBAPIError, match=words):
            file(workspace, unit, period)
    assert owner.snapshot() == before
    file(logins["dongpo"], "dongpo", "2014-12")
    name = make_url(logins["dongpo"].url or "").username
    filed = [e for e in js(owner, "history")["entries"] if e["batch"] is not None and e["filed_by"] == name]
    assert len(filed) == 3 and {e["unit"] for e in filed} == {"dongpo"}  # stamped with the login, not "forged"
    assert {e["filed_at"][:4] for e in filed} == {time.strftime("%Y")}  # and the server's clock
