"""Setting up and looking after a database: `init`, `plan load`, a server's roles, backups. Module functions:
they work before a plan year is open."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from ecotrack.config import Settings
from ecotrack.errors import BadInput, DatabaseUnavailable, Refused
from ecotrack.i18n import t, tn
from ecotrack.plan import Plan
from ecotrack.plancheck import check_plan_file as check_plan_file  # `plan check` imports it alone
from ecotrack.results import (
    BackupReport,
    InitReport,
    Installed,
    RoleHolder,
    SyncReport,
)
from ecotrack.rules import Evaluation as Evaluation  # the CLI reads evaluations through the tracker
from ecotrack.storage import db
from ecotrack.storage import plans as plan_store
from ecotrack.storage import roles as roles_store
from ecotrack.tracker.base import fingerprint, utc_now

T = TypeVar("T")


def initialise(settings: Settings) -> InitReport:
    """Create or upgrade the schema, then load the plan file (SPEC §6 `init`); safe to run again."""
    from ecotrack.planfile import read_plan

    plan, raw = read_plan(settings.plan_path, settings.plan, settings.searched)  # bad plan: nothing is created
    database = db.Database.from_setting(settings.db)
    db.prepare_sqlite_location(database)
    previous, backup = db.upgrade(database)
    db.enable_wal(database)
    return InitReport(database.display(), previous, backup, load_plan_file(database, plan, raw, settings.plan))


def describe_database_failure(failure: BaseException, setting: str) -> str:
    """A database failure that escaped a command, in words a user can act on."""
    return db.describe_failure(failure, db.Database.from_setting(setting))


def load_plan_file(database: db.Database, plan: Plan, raw: bytes, source: str) -> SyncReport:
    engine = db.make_engine(database)
    try:
        db.check_schema(database, engine)
        return db.run_unit_of_work(
            engine,
            lambda session: plan_store.sync_plan(
                session=session,
                plan=plan,
                source=str(Path(source).resolve()),
                source_sha256=fingerprint(raw),
                now=utc_now(),
            ),
        )
    except plan_store.FiledDataAtRisk as refused:
        raise Refused(
            t("plan year {year} was not reloaded: it would drop filed data", year=refused.year),
            details=[_loss(loss) for loss in refused.losses],
            hint=t("Keep these targets and assignments in the plan file, or load the change as a new plan year."),
        ) from None
    finally:
        engine.dispose()


def _loss(loss: plan_store.RemovedAssignment | plan_store.RetypedTarget | plan_store.RemovedNamedUnit) -> str:
    """What a refused sync would lose, in words."""
    if isinstance(loss, plan_store.RemovedAssignment):
        return tn(
            "target {target} of {unit} has {count} entry; the plan file drops it",
            "target {target} of {unit} has {count} entries; the plan file drops it",
            target=loss.target,
            unit=loss.unit,
            count=loss.entries,
        )
    if isinstance(loss, plan_store.RetypedTarget):
        return tn(
            "target {target} has {count} entry; the plan file changes its type from {old} to {new}",
            "target {target} has {count} entries; the plan file changes its type from {old} to {new}",
            target=loss.target,
            old=loss.old,
            new=loss.new,
            count=loss.entries,
        )
    if loss.notices == 0:
        return tn(
            "unit {unit} has {count} score adjustment; the plan file drops it",
            "unit {unit} has {count} score adjustments; the plan file drops it",
            unit=loss.unit,
            count=loss.adjustments,
        )
    return tn(
        "unit {unit} is named in {count} notice; the plan file drops it",
        "unit {unit} is named in {count} notices; the plan file drops it",
        unit=loss.unit,
        count=loss.notices,
    )


def reload_plan(settings: Settings) -> SyncReport:
    """`plan load`: re-sync the plan file into an existing database."""
    from ecotrack.planfile import read_plan

    plan, raw = read_plan(settings.plan_path, settings.plan, settings.searched)
    database = db.Database.from_setting(settings.db)
    db.require_existing(database)
    return load_plan_file(database, plan, raw, settings.plan)


def kept_amendments(settings: Settings, year: int) -> int:
    """How many approved requests amend plan year `year` (`plan load` keeps them, SPEC §17)."""
    from dataclasses import replace

    from ecotrack.tracker import Tracker

    with Tracker.open(replace(settings, year=year)) as tracker:
        return tracker.amendments_kept()


def server_roles(settings: Settings, action: Callable[[Any], T]) -> T:
    """Run a role-managing action (SPEC §13) as the database's owner, on a PostgreSQL server only."""
    database = db.Database.from_setting(settings.db)
    if database.is_sqlite:
        raise Refused(t("roles are a PostgreSQL server's: a SQLite file has none (give --db postgresql://…)"))
    db.require_existing(database)
    engine = db.make_engine(database)
    try:
        db.check_schema(database, engine)
        # retried on a serialization failure as every write is: a script giving logins their roles at once
        return db.run_unit_of_work(engine, lambda session: action(session.connection()))
    finally:
        engine.dispose()


def install_roles(settings: Settings) -> Installed:
    return server_roles(settings, roles_store.install)


def set_login_role(settings: Settings, login: str, role: str, unit: str | None = None) -> None:
    """Give a login exactly one role (SPEC §13): the office, an auditor, or the clerk of one unit."""

    def grant(connection: Any) -> None:
        roles_store.install_once(connection)  # the groups and their rules must exist first
        roles_store.set_role(connection, login, role, unit)

    _worded(lambda: server_roles(settings, grant))


def revoke_login(settings: Settings, login: str) -> None:
    """Take every ecotrack role away from a login."""

    def take(connection: Any) -> None:
        roles_store.install_once(connection)
        roles_store.revoke(connection, login)

    _worded(lambda: server_roles(settings, take))


def role_holders(settings: Settings) -> list[RoleHolder]:
    """The logins given an ecotrack role, each with its role and a clerk's unit (`db logins`)."""
    return server_roles(settings, roles_store.holders)


def _worded(action: Callable[[], None]) -> None:
    try:
        action()
    except roles_store.RoleRefused as refused:
        if refused.why == "unknown":
            raise BadInput(t("no login {login} on the server", login=refused.login)) from None
        if refused.why == "superuser":
            raise Refused(
                t(
                    "{login} is a superuser: the server holds it to no role, so it cannot be given one",
                    login=refused.login,
                )
            ) from None
        if refused.why == "owner":
            raise Refused(
                t(
                    "{login} owns ecotrack's tables: the server holds it to no role, so it cannot be given one",
                    login=refused.login,
                )
            ) from None
        raise Refused(
            t(
                "{login} is also a member of {group} through another role; nothing was changed",
                login=refused.login,
                group=refused.through,
            ),
            hint=t("The server's administrator grants that other role: ask them to take it away first."),
        ) from None


def backup_database(settings: Settings, target: Path) -> BackupReport:
    """A consistent copy of a live SQLite database (SQLite's backup API), checked before it is kept."""
    database = db.Database.from_setting(settings.db)
    if database.path is None:
        raise Refused(t("backup copies a SQLite file; back up a PostgreSQL server with pg_dump"))
    db.require_existing(database)
    if target.exists():
        raise Refused(t("{path} exists already: choose a new file name", path=target))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as failure:
        raise Refused(t("cannot write {path}: {reason}", path=target, reason=failure.strerror or failure)) from None
    from ecotrack.storage.backup import CopyDamaged, copy_database

    try:
        copied = copy_database(database.path, target)
    except CopyDamaged as damaged:
        raise DatabaseUnavailable(
            t("the copy failed its integrity check ({reason}); nothing was kept", reason=damaged.integrity)
        ) from None
    return BackupReport(entries=copied.entries, years=copied.years)
