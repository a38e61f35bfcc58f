"""Engines, units of work and schema migrations, on SQLite (the default) and PostgreSQL.

SQLite follows the recipe of RELIABILITY.md, which was measured to lose no update under concurrent
writers: autocommit at the driver, `foreign_keys`, `busy_timeout` and `synchronous=FULL` on every
connection, `BEGIN IMMEDIATE` for every writing transaction, and WAL set once at `init`.
"""

from __future__ import annotations

import random
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine.interfaces import CompiledCacheType, Dialect
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from ecotrack.errors import DatabaseUnavailable
from ecotrack.i18n import N_, t, tn

# The newest migration this ecotrack knows; a test keeps it equal to the head of migrations/.
SCHEMA_HEAD = "0016"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_SECONDS = 30
RETRY_ATTEMPTS = 5

T = TypeVar("T")


@dataclass(frozen=True)
class Database:
    """Where the data lives: an SQLAlchemy URL, and the SQLite file when it is one."""

    url: str
    path: Path | None  # the SQLite file, None for a server

    @classmethod
    def from_setting(cls, value: str) -> Database:
        """A `--db` value: a URL when it contains `://`, else a SQLite file path (SPEC §2)."""
        if "://" in value:
            if value.startswith("sqlite:///"):
                return cls(value, Path(value.removeprefix("sqlite:///")))
            if value.startswith("postgresql://"):
                value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
            return cls(value, None)
        return cls(f"sqlite:///{value}", Path(value))

    @property
    def is_sqlite(self) -> bool:
        return self.path is not None

    def display(self) -> str:
        """The database as users know it; a server URL without its password."""
        if self.path is not None:
            return str(self.path)
        from sqlalchemy.engine import make_url

        return make_url(self.url).render_as_string(hide_password=True)


# One dialect object per kind of engine in a process. SQLAlchemy keys its cache of compiled statements and
# its per-column type adaptations on the dialect object, and each engine makes its own: a command's writer
# after its reader (and every command a test process runs in-process) would compile every statement and
# adapt every column type again, which was half the time of a small command. Dialects of one kind are
# configured alike (the SQLite library of the process; a server, a login and an isolation level), and an
# engine only takes one that has met its database already (`server_version_info` is set on first connect).
_DIALECTS: dict[tuple[str, ...], tuple[Dialect, CompiledCacheType | None]] = {}


def _sharing_dialect(engine: Engine, kind: tuple[str, ...]) -> Engine:
    """`engine`, with the dialect (and compiled-statement cache) of the first engine of its kind."""
    first = _DIALECTS.get(kind)
    if first is None or first[0].server_version_info is None:
        _DIALECTS[kind] = (engine.dialect, engine._compiled_cache)
        return engine
    engine.dialect, engine._compiled_cache = first
    engine.pool._dialect = first[0]
    return engine


def make_engine(database: Database, *, write: bool = True, foreign_keys: bool = True) -> Engine:
    """An engine for one command: writing engines take the SQLite write lock when they begin."""
    if not database.is_sqlite:
        from sqlalchemy.engine import make_url

        isolation = "SERIALIZABLE" if write else "REPEATABLE READ"
        server_url = make_url(database.url)
        server = (
            server_url.drivername,
            str(server_url.host),
            str(server_url.port),
            str(server_url.username),
            isolation,
        )
        try:
            engine = create_engine(database.url, isolation_level=isolation, pool_pre_ping=True)
        except ImportError as missing:  # the driver: the postgres extra, or psycopg itself
            # the hint works from a clone and from the index alike (`pip install '.[postgres]'` needs a clone)
            raise DatabaseUnavailable(
                t(
                    "a PostgreSQL database needs the psycopg driver, missing here ({module}): "
                    "pip install 'psycopg[binary]>=3.1'",
                    module=missing.name or "psycopg",
                )
            ) from missing
        return _sharing_dialect(engine, server)
    connect_args: dict[str, Any] = {"timeout": BUSY_TIMEOUT_SECONDS}
    if sys.version_info >= (3, 12):
        connect_args["autocommit"] = sqlite3.LEGACY_TRANSACTION_CONTROL
    url = database.url
    if not write and database.path is not None and not _writable_place(database.path):
        # An archived database (read-only media, an immutable file or folder) is read as it is
        url = f"sqlite:///{read_only_uri(database.path)}&uri=true"
    engine = create_engine(url, connect_args=connect_args)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # The driver must not start transactions on its own (it would skip the write lock before a
        # SELECT and lose updates); pragmas run outside any transaction.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # A deferred transaction that later writes fails at once with SQLITE_BUSY_SNAPSHOT; taking
        # the write lock up front makes writers queue on the busy timeout instead.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return _sharing_dialect(engine, ("sqlite",))


def _is_transient(failure: BaseException) -> bool:
    """A lock wait that timed out on SQLite, or a serialization failure on PostgreSQL: worth a retry."""
    original = getattr(failure, "orig", None)
    if isinstance(original, sqlite3.OperationalError) and "locked" in str(original).lower():
        return True
    sqlstate = getattr(getattr(failure, "orig", None), "sqlstate", None)
    return sqlstate in ("40001", "40P01")


def run_unit_of_work(engine: Engine, work: Callable[[Session], T], *, attempts: int = RETRY_ATTEMPTS) -> T:
    """Run `work` in one transaction, retrying a few times with jitter when another writer is in the way."""
    for attempt in range(1, attempts + 1):
        try:
            with Session(engine, expire_on_commit=False) as session, session.begin():
                # begin now, so that the write lock is held before `work` reads the clock or the data
                session.connection()
                return work(session)
        except DBAPIError as failure:
            if attempt == attempts or not _is_transient(failure):
                raise
            time.sleep(random.uniform(0.05, 0.25) * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    """A read-only unit of work: one consistent snapshot for all its queries."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


def describe_failure(failure: BaseException, database: Database) -> str:
    """A database failure in words a user can act on."""
    reason = (str(getattr(failure, "orig", None) or failure).strip().splitlines() or ["?"])[0]
    lowered = reason.lower()
    where = database.display()
    folder = database.path.parent if database.path is not None else None
    if folder is not None and ("readonly" in lowered or "unable to open" in lowered) and not _writable(folder):
        # SQLite writes its journal beside the file: a read-only folder makes a writable file read-only
        return t(
            "cannot write to {db}: its folder {folder} is read-only, and SQLite keeps "
            "its journal beside the file; nothing was changed",
            db=where,
            folder=folder,
        )
    if database.path is None and ("permission denied" in lowered or "row-level security" in lowered):
        from sqlalchemy.engine import make_url

        # SPEC §13: the server refused this login; the commands refuse the common cases before asking
        return t(
            "not allowed: {login} may not do this ({reason})", login=make_url(database.url).username, reason=reason
        )
    if "readonly" in lowered or "read-only" in lowered or "permission denied" in lowered:
        return t("cannot write to {db}: the file is read-only; nothing was changed", db=where)
    if "full" in lowered or "no space" in lowered or "disk i/o" in lowered or "too large" in lowered:
        return t("cannot write to {db}: the disk is full; nothing was changed", db=where)
    if "unable to open" in lowered:
        return t("cannot open the database {db}", db=where)
    if "locked" in lowered and database.path is not None:
        return t("{db} stayed busy with other writers; nothing was changed, try again", db=where)
    if "not a database" in lowered or "malformed" in lowered:
        return t("{db} is not an ecotrack database, or is damaged", db=where)
    return t("database {db}: {reason}", db=where, reason=reason)


def _writable_place(path: Path) -> bool:
    """Whether SQLite could open the file for writing and keep its WAL index beside it. A file that is
    not there yet counts as writable (opening it says what is wrong)."""
    import os

    if not path.exists():
        return True
    return os.access(path, os.W_OK) and _writable(path.parent) and _not_immutable(path)


def _not_immutable(path: Path) -> bool:
    """False for a file the kernel refuses to open for writing even to root (chattr +i, a read-only mount)."""
    import os

    try:
        os.close(os.open(path, os.O_RDWR))
    except PermissionError:
        return False
    except OSError as failure:
        import errno

        return failure.errno != errno.EROFS
    return True


def read_only_uri(path: Path) -> str:
    """An SQLite URI opening `path` read-only. Where nobody can be writing it (its folder cannot hold a
    WAL file, and none is left beside it) it is opened as immutable: WAL mode otherwise needs to create
    its index file, which a read-only folder forbids."""
    from urllib.parse import quote

    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    wal = path.with_name(path.name + "-wal")
    if not _writable(path.parent) and not (wal.exists() and wal.stat().st_size > 0):
        uri += "&immutable=1"
    return uri


def _writable(folder: Path) -> bool:
    """Whether files can be created in a folder (tried, since permissions alone miss immutable folders)."""
    import tempfile

    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


# --- the schema -----------------------------------------------------------------------------------


def schema_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at, or None when it has no ecotrack schema."""
    from sqlalchemy import inspect

    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _alembic_config() -> Any:
    from alembic.config import Config

    # Alembic's own messages are messages, not data: stderr (and the stream of now, not of import time).
    config = Config(stdout=sys.stderr)
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory.from_config(_alembic_config()).walk_revisions()}


def check_schema(database: Database, engine: Engine) -> None:
    """Refuse to work on a database that `init` has not created, or that another version has migrated."""
    revision = schema_revision(engine)
    if revision == SCHEMA_HEAD:
        return
    if revision is None:
        raise DatabaseUnavailable(t("{db} has no ecotrack schema: run `ecotrack init`", db=database.display()))
    if revision in known_revisions():
        raise DatabaseUnavailable(
            t(
                "{db} is at an older schema ({revision}): run `ecotrack init` to upgrade it (a backup is taken)",
                db=database.display(),
                revision=revision,
            )
        )
    raise DatabaseUnavailable(
        t(
            "{db} was written by a newer ecotrack (schema {revision}): upgrade ecotrack",
            db=database.display(),
            revision=revision,
        )
    )


def backup_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite file (the backup API; never a plain file copy)."""
    with (
        closing(sqlite3.connect(read_only_uri(source), uri=True, timeout=BUSY_TIMEOUT_SECONDS)) as origin,
        closing(sqlite3.connect(target)) as copy,
    ):
        origin.backup(copy)


def upgrade(database: Database) -> tuple[str | None, Path | None]:
    """Bring the schema to the head revision; give back the revision it had and any backup taken.

    SQLite DDL through Alembic's batch mode rebuilds tables, which fails while foreign keys are
    enforced: migrate with them off, after a backup next to the file, then check them.
    """
    from alembic import command

    engine = make_engine(database, foreign_keys=False)
    try:
        revision = schema_revision(engine)
        if revision is not None and revision != SCHEMA_HEAD and revision not in known_revisions():
            raise DatabaseUnavailable(
                t(
                    "{db} was written by a newer ecotrack (schema {revision}): upgrade ecotrack",
                    db=database.display(),
                    revision=revision,
                )
            )
        if revision == SCHEMA_HEAD:
            return revision, None
        backup = None
        if revision is not None and database.path is not None:
            stamp = datetime.now().strftime("%Y%m%d%H%M%S")
            backup = database.path.with_name(f"{database.path.name}.backup-{revision}-{stamp}")
            from ecotrack import safefile

            with safefile.replacing(backup) as partial:  # a kill mid-copy leaves no backup that is not one
                backup_sqlite(database.path, partial)
        config = _alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            if database.is_sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise DatabaseUnavailable(
                        tn(
                            "the upgrade left {count} broken reference; it was rolled back",
                            "the upgrade left {count} broken references; it was rolled back",
                            count=len(broken),
                        )
                    )
        return revision, backup
    finally:
        engine.dispose()


def enable_wal(database: Database) -> None:
    """Write-ahead logging, so that readers never block the clerks who file (a persistent setting)."""
    if database.path is None:
        return
    with closing(sqlite3.connect(database.path, timeout=BUSY_TIMEOUT_SECONDS)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")


def _require_regular_file(database: Database) -> None:
    """A SQLite database is a plain file: a folder or a device (`/dev/null`) is refused by name."""
    path = database.path
    if path is not None and path.exists() and not path.is_file():
        kind = (
            N_("the database {db} is a folder, not a SQLite file")
            if path.is_dir()
            else N_("the database {db} is not a regular file (a device or a pipe), so it cannot hold a SQLite database")
        )
        raise DatabaseUnavailable(t(kind, db=database.display()))


def prepare_sqlite_location(database: Database) -> None:
    """Create the folder of a new SQLite file (`data/` by default)."""
    _require_regular_file(database)
    if database.path is not None:
        try:
            database.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as failure:
            raise DatabaseUnavailable(describe_failure(failure, database)) from None


def require_existing(database: Database) -> None:
    """Commands other than `init` never create a database by accident."""
    if database.path is not None and not database.path.exists():
        raise DatabaseUnavailable(
            t(
                "no database at {db} (in {folder}): run `ecotrack init` first",
                db=database.display(),
                folder=database.path.absolute().parent,
            )
        )
    _require_regular_file(database)
