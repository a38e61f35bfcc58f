"""The server keeps SPEC §13's promise against a hostile clerk (issue 31): every attack is raw SQL sent with
psycopg from the clerk's own login, and each is refused, or made harmless, by the database itself; what
the database holds afterwards is checked row for row. Also: role commands that set a login's one role,
and office actions recorded under the database login. On the real server `.ci/run` starts.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from .conftest import CONFORMANCE, Workspace, prepared
from .test_roles import as_login, js, refused

pytestmark = pytest.mark.postgres


@dataclass(frozen=True)
class Server:
    owner: Workspace
    logins: dict[str, str]  # who -> database login
    as_: dict[str, Workspace]  # who -> the workspace reached as that login

    def sql(self, who: str, statement: str, parameters: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Raw SQL from a login, in its own transaction, committed; the rows it returns."""
        with psycopg.connect(self.conninfo(who)) as connection, connection.cursor() as cursor:
            cursor.execute(statement.encode(), parameters)
            return list(cursor.fetchall()) if cursor.description else []

    def conninfo(self, who: str) -> str:
        url = make_url(self.owner.url or "").set(drivername="postgresql")
        if who != "owner":
            url = url.set(username=self.logins[who], password=None)
        return url.render_as_string(hide_password=False)

    def refuses(self, who: str, statement: str, parameters: tuple[Any, ...] = (), *, saying: str = "") -> str:
        """The statement fails in the database and changes nothing; the server's message."""
        before = self.owner.snapshot()
        with pytest.raises(psycopg.Error) as failure:
            self.sql(who, statement, parameters)
        assert self.owner.snapshot() == before, statement
        message = str(failure.value)
        assert saying in message, message
        return message


# The logins of the prepared server, made once per test process with its template: the server's roles are
# the cluster's, so every copy of the template has them. A test that changes a login's role makes its own.
LOGINS = {who: f"{who}_{uuid.uuid4().hex[:8]}" for who in ("dongpo", "nanyuan", "huanbao", "auditor", "office")}


def _roles_and_logins(maker: Workspace) -> None:
    maker.ok("db", "roles")
    for unit in ("dongpo", "nanyuan", "huanbao"):
        maker.ok("db", "clerk", LOGINS[unit], "--unit", unit)
    maker.ok("db", "auditor", LOGINS["auditor"])
    maker.ok("db", "office", LOGINS["office"])


@pytest.fixture
def server(tmp_path: Path, postgres_url: str) -> Server:
    """The conformance year on a server with ecotrack's roles, a clerk of each unit, an auditor and an office login."""
    owner = prepared(
        tmp_path, CONFORMANCE / "plan.yaml", CONFORMANCE / "filings.csv", postgres_url,
        steps=_roles_and_logins, name="roles and logins",
    )  # fmt: skip
    return Server(owner, dict(LOGINS), {who: as_login(owner, login) for who, login in LOGINS.items()})


def fresh_login(server: Server, who: str, *role: str) -> Workspace:
    """A login of this test's own, given `role` (a `db` command's words), as `who` of the server."""
    login = f"{who}_{uuid.uuid4().hex[:8]}"
    server.owner.ok("db", *role[:1], login, *role[1:])
    server.logins[who] = login
    server.as_[who] = as_login(server.owner, login)
    return server.as_[who]


def assignment(unit: str, target: str) -> str:
    return (
        "(SELECT a.id FROM assignment a JOIN unit u ON u.id = a.unit_id JOIN target t ON t.id = a.target_id "
        f"WHERE u.code = '{unit}' AND t.code = '{target}')"
    )


ENTRY = (
    "INSERT INTO entry (assignment_id, period, value, note, reported_by, reported_at, reported_on, filed_at, "
    "filed_by{extra}) VALUES ({assignment}, %s, %s, '', 'x', now(), now(), {filed_at}, 'x'{values}) RETURNING id"
)


def entry_sql(unit: str, target: str, *, filed_at: str = "now()", extra: str = "", values: str = "") -> str:
    return ENTRY.format(assignment=assignment(unit, target), filed_at=filed_at, extra=extra, values=values)


# --- evidence: attachments ---------------------------------------------------------------------------------


def test_a_clerk_cannot_store_bytes_under_a_hash_they_do_not_have(server: Server) -> None:
    genuine, forged = b"the signed minutes", b"something else entirely"
    sha = hashlib.sha256(genuine).hexdigest()
    server.refuses(
        "dongpo",
        "INSERT INTO attachment (sha256, size, content, stored_at) VALUES (%s, %s, %s, now())",
        (sha, len(forged), forged),
        saying="SHA-256",
    )
    # nor under the right hash with a size of its own
    server.refuses(
        "dongpo",
        "INSERT INTO attachment (sha256, size, content, stored_at) VALUES (%s, 1, %s, now())",
        (sha, genuine),
        saying="size",
    )
    # the office attaches the genuine file later, and what is kept and served is the genuine file
    server.owner.write("minutes.txt", genuine.decode())
    server.as_["office"].ok("report", "--unit", "nanyuan", "--target", "1.1", "--period", "2014-12", "--value", "5",
                            "--attach", "minutes.txt")  # fmt: skip
    server.as_["office"].ok("attachment", sha, "--out", "back.txt")
    assert (server.owner.root / "back.txt").read_bytes() == genuine


def test_a_clerk_reads_only_its_own_units_files(server: Server) -> None:
    server.owner.write("minutes.txt", "南苑街道的会议纪要")
    sha = hashlib.sha256("南苑街道的会议纪要".encode()).hexdigest()
    server.as_["office"].ok("report", "--unit", "nanyuan", "--target", "1.1", "--period", "2014-12", "--value", "5",
                            "--attach", "minutes.txt")  # fmt: skip
    assert server.sql("dongpo", "SELECT count(*) FROM attachment") == [(0,)]
    assert server.sql("dongpo", "SELECT count(*) FROM attachment_link") == [(0,)]
    assert server.sql("nanyuan", "SELECT count(*) FROM attachment") == [(1,)]
    outcome = server.as_["dongpo"].run("attachment", sha, "--out", "stolen.txt")
    assert outcome.exit_code == 2 and "no attachment" in outcome.stderr  # as for a file nobody stored
    assert not (server.owner.root / "stolen.txt").exists()
    server.as_["nanyuan"].ok("attachment", sha, "--out", "own.txt")
    # the auditor reads every file
    server.as_["auditor"].ok("attachment", sha, "--out", "audited.txt")


def test_a_clerk_cannot_link_another_units_file_to_read_it(server: Server) -> None:
    server.owner.write("minutes.txt", "secret")
    server.as_["office"].ok("report", "--unit", "nanyuan", "--target", "1.1", "--period", "2014-12", "--value", "5",
                            "--attach", "minutes.txt")  # fmt: skip
    ((attachment_id,),) = server.owner.query("SELECT id FROM attachment")
    ((own_entry,),) = server.sql("dongpo", entry_sql("dongpo", "1.1"), ("2014-12", 10))
    server.refuses(
        "dongpo",
        "INSERT INTO attachment_link (attachment_id, name, entry_id) VALUES (%s, 'x.txt', %s)",
        (attachment_id, own_entry),
    )
    assert server.sql("dongpo", "SELECT count(*) FROM attachment") == [(0,)]


def test_a_clerk_cannot_name_a_file_with_control_characters(server: Server) -> None:
    server.owner.write("own.txt", "ours")
    server.as_["dongpo"].ok("report", "--unit", "dongpo", "--target", "1.1", "--period", "2014-12", "--value", "10",
                            "--attach", "own.txt")  # fmt: skip
    ((attachment_id, entry_id),) = server.owner.query("SELECT attachment_id, entry_id FROM attachment_link")
    server.refuses(
        "dongpo",
        "INSERT INTO attachment_link (attachment_id, name, entry_id) VALUES (%s, %s, %s)",
        (attachment_id, "a\x1b[2Jb\n.txt", entry_id),
        saying="control character",
    )


# --- entries: locks, periods, values, times ----------------------------------------------------------------


def test_a_clerks_raw_entry_into_a_locked_period_is_refused(server: Server) -> None:
    server.as_["office"].ok("lock", "2014-03", "--reason", "月度例会后")
    server.refuses("dongpo", entry_sql("dongpo", "1.1"), ("2014-03", 3), saying="2014-03 is locked")
    # nor by calling it a catch-up report with a reason: a 补报 is the office's
    server.refuses(
        "dongpo",
        entry_sql("dongpo", "1.1", extra=", catch_up, reason", values=", true, '补报'"),
        ("2014-03", 3),
        saying="locked",
    )
    # the office files its 补报 with a reason, and an unlocked period takes the clerk's entry again
    server.as_["office"].ok("report", "--unit", "dongpo", "--target", "1.1", "--period", "2014-03", "--value", "3",
                            "--office", "--reason", "纸质补报")  # fmt: skip
    server.as_["office"].ok("unlock", "2014-03", "--reason", "更正")
    server.sql("dongpo", entry_sql("dongpo", "1.1"), ("2014-03", 3))


def test_a_period_that_locked_itself_binds_a_clerks_raw_sql_too(tmp_path: Path, postgres_url: str) -> None:
    plan = (CONFORMANCE / "plan.yaml").read_text(encoding="utf-8")
    plan = plan.replace("units:\n", "review:\n  lock_after_days: 0\nunits:\n", 1)
    source = tmp_path / "locking.yaml"
    source.write_text(plan, encoding="utf-8")

    def steps(maker: Workspace) -> None:
        maker.ok("db", "roles")

    owner = prepared(tmp_path, source, None, postgres_url, steps=steps, name="locking")
    login = f"dongpo_{uuid.uuid4().hex[:8]}"
    owner.ok("db", "clerk", login, "--unit", "dongpo")
    server = Server(owner, {"dongpo": login}, {})
    server.refuses("dongpo", entry_sql("dongpo", "1.1"), ("2014-05", 3), saying="2014-05 is locked")


@pytest.mark.parametrize(
    ("period", "value", "saying"),
    [
        ("1999-99", 1, "period"),
        ("2014-13", 1, "period"),
        ("2014-00", 1, "period"),
        ("2014-1", 1, "period"),
        ("x", 1, "period"),
        ("2013-05", 1, "2014"),  # another year than the plan's
        ("2015-01", 1, "2014"),
        ("2014-05", float("nan"), "finite"),
        ("2014-05", float("inf"), "finite"),
        ("2014-05", float("-inf"), ""),
        ("2014-05", -1, ""),
    ],
)
def test_a_clerks_raw_entry_with_a_bad_period_or_value_is_refused(
    server: Server, period: str, value: float, saying: str
) -> None:
    server.refuses("dongpo", entry_sql("dongpo", "1.1"), (period, value), saying=saying)


def test_a_milestone_takes_0_or_1_in_raw_sql_too(server: Server) -> None:
    server.refuses("huanbao", entry_sql("huanbao", "2.2"), ("2014-05", 0.5), saying="0 or 1")
    server.sql("huanbao", entry_sql("huanbao", "2.2"), ("2014-05", 1))


def test_a_clerk_cannot_forge_when_or_as_whom_it_filed(server: Server) -> None:
    login = server.logins["dongpo"]
    ((entry_id,),) = server.sql(
        "dongpo",
        entry_sql("dongpo", "1.1", filed_at="'2099-01-01T00:00:00+00:00'", extra=", submitted", values=", false"),
        ("2014-12", 10),
    )
    ((filed_at, filed_by, reported_by),) = server.owner.query(
        f"SELECT filed_at, filed_by, reported_by FROM entry WHERE id = {entry_id}"
    )
    assert isinstance(filed_at, datetime)
    assert abs(filed_at - datetime.now(filed_at.tzinfo)) < timedelta(minutes=5)  # the server's clock
    assert filed_by == login and reported_by == login
    # an import batch and a rectification report are stamped the same way
    server.sql(
        "dongpo",
        "INSERT INTO import_batch (plan_id, file_name, sha256, rows, filed, imported_at, imported_by) "
        "VALUES ((SELECT id FROM plan), 'x.csv', 'abc', 1, 1, '2001-01-01', 'someone')",
    )
    ((imported_at, imported_by),) = server.owner.query(
        "SELECT imported_at, imported_by FROM import_batch ORDER BY id DESC LIMIT 1"
    )
    assert isinstance(imported_at, datetime)
    assert imported_by == login and abs(imported_at - datetime.now(imported_at.tzinfo)) < timedelta(minutes=5)


def test_a_clerk_cannot_file_into_another_logins_import(server: Server) -> None:
    server.as_["nanyuan"].write("own.csv", "unit,target,period,value\nnanyuan,1.1,2014-12,5\n")
    server.as_["nanyuan"].ok("import", "own.csv")
    ((batch_id,),) = server.owner.query("SELECT max(id) FROM import_batch")
    server.refuses("dongpo", entry_sql("dongpo", "1.1", extra=", batch_id", values=f", {batch_id}"), ("2014-12", 10))


# --- rectification -----------------------------------------------------------------------------------------


def test_a_clerk_cannot_answer_an_item_the_office_closed(server: Server) -> None:
    office = server.as_["office"]
    office.ok("notice", "--as-of", "2014-08-15")
    office.ok("rectify", "--notice", "1", "--unit", "nanyuan", "--text", "已整改", "--on", "2014-08-20")
    office.ok(
        "rectifications", "close", "1", "--unit", "nanyuan", "--on", "2014-08-21", "--override", "--note", "核查属实"
    )
    ((item_id,),) = server.sql("nanyuan", "SELECT id FROM notice_item")
    server.refuses(
        "nanyuan",
        "INSERT INTO rectification_report (notice_item_id, text, reported_on, reported_by, filed_at, filed_by) "
        "VALUES (%s, '又整改了', now(), 'x', now(), 'x')",
        (item_id,),
        saying="closed",
    )


# --- what a clerk reads ------------------------------------------------------------------------------------


def test_a_clerk_reads_the_plan_every_notice_and_only_its_own_units_records(server: Server) -> None:
    office = server.as_["office"]
    office.ok("notice", "--as-of", "2014-08-15")  # names nanyuan, dongpo and huanbao
    office.ok("rectify", "--notice", "1", "--unit", "nanyuan", "--text", "已整改", "--on", "2014-08-20")
    for table, rows in (("notice", 1), ("unit", 3), ("assignment", 7), ("period_lock", 0)):
        assert server.sql("dongpo", f"SELECT count(*) FROM {table}") == [(rows,)], table
    assert [n["number"] for n in js(server.as_["dongpo"], "notices")["notices"]] == [1]
    units = {u for (u,) in server.sql("dongpo", "SELECT unit_id FROM notice_item")}
    assert len(units) == 1
    assert server.sql("dongpo", "SELECT count(*) FROM rectification_report") == [(0,)]
    assert server.sql("nanyuan", "SELECT count(*) FROM rectification_report") == [(1,)]
    # who the other clerks are is not a clerk's to read
    assert server.sql("dongpo", "SELECT login, unit_code FROM ecotrack_clerk_unit") == [
        (server.logins["dongpo"], "dongpo")
    ]


# --- logins have one role ----------------------------------------------------------------------------------


def test_role_commands_set_a_logins_one_role(server: Server) -> None:
    office = fresh_login(server, "changing", "office")
    owner, login = server.owner, server.logins["changing"]
    office.ok("lock", "2014-02")
    owner.ok("db", "auditor", login)  # demoted: it reads and no longer writes
    assert "is an auditor" in refused(office, owner, "lock", "2014-03")
    server.refuses("changing", "INSERT INTO period_lock (plan_id, period, locked, reason, at, by) "
                   "VALUES ((SELECT id FROM plan), '2014-04', true, '', now(), 'x')")  # fmt: skip
    assert js(office, "history")["entries"]
    # a clerk of one unit, then of another: of the second only
    owner.ok("db", "clerk", login, "--unit", "dongpo")
    owner.ok("db", "clerk", login, "--unit", "nanyuan")
    assert "is a clerk of nanyuan" in refused(office, owner, "report", "--unit", "dongpo", "--target", "1.1",
                                              "--period", "2014-12", "--value", "10")  # fmt: skip
    office.ok("report", "--unit", "nanyuan", "--target", "1.1", "--period", "2014-12", "--value", "5")
    logins = {row["login"]: row for row in js(owner, "db", "logins")["logins"]}
    assert logins[login]["role"] == "clerk" and logins[login]["unit"] == "nanyuan"
    assert logins[server.logins["auditor"]]["role"] == "auditor"
    # revoked: the login reads nothing of ecotrack's
    owner.ok("db", "revoke", login)
    assert login not in {row["login"] for row in js(owner, "db", "logins")["logins"]}
    outcome = office.run("history")
    assert outcome.exit_code == 1 and "not allowed" in outcome.stderr
    # the database itself holds a login to one unit
    server.refuses(
        "owner",
        "INSERT INTO ecotrack_clerk_unit (login, unit_code) VALUES (%s, 'nanyuan')",
        (server.logins["dongpo"],),
    )


def test_role_commands_refuse_a_login_the_server_cannot_hold_to_a_role(server: Server) -> None:
    owner = server.owner
    superuser = make_url(owner.url or "").username or "postgres"
    outcome = owner.run("db", "clerk", superuser, "--unit", "dongpo")
    assert outcome.exit_code == 1 and "superuser" in outcome.stderr
    outcome = owner.run("db", "revoke", f"nobody_{uuid.uuid4().hex[:8]}")
    assert outcome.exit_code == 2 and "no login" in outcome.stderr


def test_office_acts_are_recorded_under_the_database_login(server: Server) -> None:
    office, login = server.as_["office"], server.logins["office"]
    office.ok("lock", "2014-02")
    office.ok("notice", "--as-of", "2014-08-15")
    office.ok("score", "add", "--unit", "dongpo", "--points", "2", "--item", "示范", "--basis", "文件")
    office.ok("report", "--unit", "nanyuan", "--target", "1.1", "--period", "2014-12", "--value", "5",
              "--on", "2015-01-04", "--by", "李四")  # fmt: skip
    assert server.owner.query('SELECT "by" FROM period_lock') == [(login,)]
    assert server.owner.query("SELECT issued_by FROM notice") == [(login,)]
    assert server.owner.query("SELECT recorded_by FROM score_adjustment") == [(login,)]
    assert server.owner.query("SELECT filed_by, reported_by FROM entry ORDER BY id DESC LIMIT 1") == [(login, "李四")]
    assert js(server.owner, "history")["entries"][-1]["filed_by"] == login


def test_a_login_an_earlier_release_made_clerk_of_two_units_is_named_until_it_has_one(server: Server) -> None:
    fresh_login(server, "changing", "clerk", "--unit", "dongpo")
    owner, login = server.owner, server.logins["changing"]
    # the table as ecotrack 0.1 made it (keyed by login and unit), with the accident it allowed
    server.sql(
        "owner",
        "ALTER TABLE ecotrack_clerk_unit DROP CONSTRAINT ecotrack_clerk_unit_pkey, ADD PRIMARY KEY (login, unit_code)",
    )
    server.sql("owner", "DELETE FROM ecotrack_clerk_unit WHERE login = %s", (login,))
    server.sql("owner", "INSERT INTO ecotrack_clerk_unit VALUES (%s, 'dongpo'), (%s, 'nanyuan')", (login, login))
    installed = owner.ok("db", "roles")
    assert f"{login} is the clerk of several units (dongpo, nanyuan)" in installed.stderr
    listed = owner.ok("db", "logins", "--format", "json")
    assert {row["login"]: row["unit"] for row in json.loads(listed.stdout)["logins"]}[login] == "dongpo, nanyuan"
    assert "has more than one role or unit" in listed.stderr
    owner.ok("db", "clerk", login, "--unit", "nanyuan")
    assert "several units" not in owner.ok("db", "roles").stderr
    server.refuses("owner", "INSERT INTO ecotrack_clerk_unit VALUES (%s, 'dongpo')", (login,))  # keyed by login now
    assert server.sql("owner", "SELECT unit_code FROM ecotrack_clerk_unit WHERE login = %s", (login,)) == [("nanyuan",)]


def test_a_clerk_cannot_answer_an_item_of_a_notice_awaiting_its_signature(server: Server) -> None:
    """SPEC §16: with notices.require_signature an item counts once its notice is signed; raw SQL meets that too."""
    owner = server.owner
    text = owner.plan.read_text(encoding="utf-8")
    owner.plan.write_text(text.replace("units:", "notices:\n  require_signature: true\nunits:", 1), encoding="utf-8")
    owner.ok("plan", "load")
    office = server.as_["office"]
    office.ok("notice", "--as-of", "2014-08-15")
    ((item_id,),) = server.sql("nanyuan", "SELECT id FROM notice_item")
    report = (
        "INSERT INTO rectification_report (notice_item_id, text, reported_on, reported_by, filed_at, filed_by) "
        "VALUES (%s, '已整改', now(), 'x', now(), 'x')"
    )
    server.refuses("nanyuan", report, (item_id,), saying="not signed yet")
    server.refuses(
        "nanyuan",
        "INSERT INTO notice_signature (notice_id, signed_on, signed_at, signed_by) "
        "SELECT id, now(), now(), 'x' FROM notice",
        saying="permission denied",
    )
    office.ok("notices", "sign", "1", "--on", "2014-08-16")
    server.sql("nanyuan", report, (item_id,))  # signed: the unit answers
    assert server.sql("owner", "SELECT count(*) FROM rectification_report") == [(1,)]


@pytest.mark.slow
def test_logins_given_roles_at_once_all_get_them(server: Server) -> None:
    """The office sets up its clerks from a script, several at once: each `db clerk` either waits its turn or is
    retried after a serialization failure, as every write is; none fails for the others."""
    import os
    import subprocess

    from .conftest import ECOTRACK

    logins = [f"many_{uuid.uuid4().hex[:8]}" for _ in range(8)]
    owner = server.owner
    started = [
        subprocess.Popen(
            [str(ECOTRACK), "db", "clerk", login, "--unit", "dongpo"],
            cwd=owner.root,
            env={**os.environ, **owner.env()},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for login in logins
    ]
    failures = [process.communicate(timeout=120)[1] for process in started if process.wait(timeout=120)]
    assert not failures, failures
    holders = {row["login"]: row for row in js(owner, "db", "logins")["logins"]}
    assert all(holders[login]["unit"] == "dongpo" for login in logins)
