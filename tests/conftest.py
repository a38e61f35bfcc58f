"""Fixtures: every test gets its own folder, database and plan; the CLI runs for real on them."""

from __future__ import annotations

import compileall
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer.testing
from typer import _click as click
from typer.main import get_command
from typer.testing import CliRunner

from ecotrack.cli.app import app
from ecotrack.i18n import set_language

# Typer builds the Click command tree from the annotations of every command on each `invoke` (about 0.1 s,
# half of a small command's time in a test). A process builds it once; so does a test process, here.
_COMMAND = get_command(app)


def _built(typer_instance: typer.Typer) -> click.Command:
    return _COMMAND if typer_instance is app else get_command(typer_instance)


typer.testing._get_command = _built  # type: ignore[attr-defined]

# Every test's folder (pytest's tmp_path) and the prepared templates live in memory where the machine has a
# tmpfs: SQLite's synchronous=FULL commits there cost no disk flush, which was a third of the suite's time.
# What the tests check (killed imports, concurrent writers, backups) depends on processes, not on the disk.
MEMORY = Path("/dev/shm")
if "PYTEST_DEBUG_TEMPROOT" not in os.environ and MEMORY.is_dir() and os.access(MEMORY, os.W_OK):
    os.environ["PYTEST_DEBUG_TEMPROOT"] = str(MEMORY)  # read by pytest when it makes the first tmp_path


def pytest_configure(config: pytest.Config) -> None:
    """Byte-compile ecotrack once, as `pip install .` does: under PYTHONDONTWRITEBYTECODE an editable install
    is otherwise compiled from source by every `ecotrack` process a test spawns (about 0.1 s each)."""
    if not hasattr(config, "workerinput"):  # the controller, before any xdist worker starts
        compileall.compile_dir(ROOT / "ecotrack", quiet=1)


_TEMPLATES_ROOT: list[Path] = []  # made on first use, removed when the test process ends


def _template_folder() -> Path:
    if not _TEMPLATES_ROOT:
        root = os.environ.get("PYTEST_DEBUG_TEMPROOT")
        _TEMPLATES_ROOT.append(Path(tempfile.mkdtemp(prefix="ecotrack-templates-", dir=root)))
    return Path(tempfile.mkdtemp(prefix="template-", dir=_TEMPLATES_ROOT[0]))


ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
CONFORMANCE = DATA / "conformance"
SAMPLE_PLAN = ROOT / "tasks.yaml"
SAMPLE_FILINGS = ROOT / "data" / "sample-2012.csv"
ECOTRACK = Path(sys.executable).with_name("ecotrack")


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    stdout: str
    stderr: str
    stdout_bytes: bytes


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test sees the developer's environment, database or locale; English by default."""
    for name in ("ECOTRACK_DB", "ECOTRACK_PLAN", "ECOTRACK_YEAR", "ECOTRACK_LANG", "ECOTRACK_USER", "LC_ALL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.chdir(tmp_path)
    yield
    set_language("en")


class Workspace:
    """A folder with a plan file and a database (a SQLite file, or a PostgreSQL URL); `run` drives the real CLI."""

    def __init__(self, root: Path, plan: Path, url: str | None = None) -> None:
        self.root = root
        self.plan = plan
        self.db = root / "data" / "ecotrack.db"
        self.url = url  # a PostgreSQL database instead of the SQLite file

    @property
    def database(self) -> str:
        return self.url or str(self.db)

    def env(self, **extra: str) -> dict[str, str]:
        # a script's answer to the acts that ask first (issue 37); tests of the question set ECOTRACK_YES=0
        return {"ECOTRACK_DB": self.database, "ECOTRACK_PLAN": str(self.plan), "ECOTRACK_YES": "1", **extra}

    def run(self, *args: str, input: str | None = None, env: dict[str, str] | None = None) -> Outcome:
        """The CLI in-process (Typer's CliRunner), stdout and stderr apart."""
        result = CliRunner().invoke(app, list(args), input=input, env=self.env(**(env or {})), catch_exceptions=False)
        return Outcome(result.exit_code, result.stdout, result.stderr, result.stdout_bytes)

    def ok(self, *args: str, input: str | None = None, env: dict[str, str] | None = None) -> Outcome:
        outcome = self.run(*args, input=input, env=env)
        assert outcome.exit_code == 0, outcome.stderr
        return outcome

    def spawn(
        self, *args: str, env: dict[str, str] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """The installed `ecotrack` command in a separate process."""
        full_env = {**os.environ, **self.env(**(env or {}))}
        return subprocess.run(
            [str(ECOTRACK), *args], cwd=self.root, env=full_env, capture_output=True, text=True, timeout=timeout
        )

    def write(self, name: str, text: str, encoding: str = "utf-8") -> Path:
        path = self.root / name
        path.write_text(text, encoding=encoding)
        return path

    def entries(self) -> int:
        (count,) = self.query("SELECT count(*) FROM entry")[0]
        assert isinstance(count, int)
        return count

    def query(self, sql: str) -> list[tuple[object, ...]]:
        return self.queries(sql)[0]

    def queries(self, *statements: str) -> list[list[tuple[object, ...]]]:
        """The rows of each statement, all read through one connection."""
        if self.url is None:
            with closing(sqlite3.connect(self.db)) as connection:
                return [list(connection.execute(sql).fetchall()) for sql in statements]
        import psycopg
        from sqlalchemy.engine import make_url

        conninfo = make_url(self.url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo) as connection:
            return [[tuple(row) for row in connection.execute(sql.encode()).fetchall()] for sql in statements]

    def snapshot(self) -> bytes:
        """Every row of every table, to show that a refused command changed nothing."""
        if self.url is None:
            with closing(sqlite3.connect(self.db)) as connection:
                return "\n".join(connection.iterdump()).encode()
        tables = [
            row[0]
            for row in self.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        ]
        rows = self.queries(*(f'SELECT * FROM "{table}"' for table in tables))
        return repr([(table, sorted(map(repr, found))) for table, found in zip(tables, rows, strict=True)]).encode()


def make_workspace(tmp_path: Path, plan_text: str | Path, url: str | None = None) -> Workspace:
    plan = tmp_path / "tasks.yaml"
    if isinstance(plan_text, Path):
        shutil.copyfile(plan_text, plan)
    else:
        plan.write_text(plan_text, encoding="utf-8")
    return Workspace(tmp_path, plan, url)


POSTGRES_URL = os.environ.get("ECOTRACK_TEST_POSTGRES_URL")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test (dropped afterwards); skipped without a server."""
    if not POSTGRES_URL:
        pytest.skip("no PostgreSQL server: set ECOTRACK_TEST_POSTGRES_URL (.ci/run starts one)")
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = f"ecotrack_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str | None:
    """Run a test on SQLite and again on PostgreSQL: None for SQLite, else a fresh database URL."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("postgres_url")
    return url


# --- prepared databases: made once per test process through the real CLI, copied for each test ---------

PlanSource = str | Path
Steps = Callable[["Workspace"], None]
_TEMPLATES: dict[tuple[str, Path | None, str], tuple[Path, Path]] = {}  # (database, plan file)
_SERVER_TEMPLATES: dict[tuple[str, Path | None, str], tuple[str, Path]] = {}
# The schema every template starts from, migrated once per test process: "sqlite" the file, "server" the database
_MIGRATED: dict[str, str] = {}


def _migrated(*, server: bool = False) -> str:
    """An empty database at the head revision, as `init`'s migrations leave it, made once per test process: the
    SQLite file, or (`server`) the PostgreSQL database's name. Templates and `migrated` start from a copy of it
    (the migrations were 0.1 s of each SQLite template and 0.5 s of each server one); tests of `init` and of
    the migrations themselves run them on a fresh database."""
    from ecotrack.storage import db

    where = "server" if server else "sqlite"
    if where not in _MIGRATED:
        if server:
            from sqlalchemy import create_engine
            from sqlalchemy.engine import make_url

            assert POSTGRES_URL is not None
            name = f"ecotrack_migrated_{uuid.uuid4().hex[:12]}"
            admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
            admin.dispose()
            _MIGRATED[where] = name  # dropped with the templates, even if the migrations fail
            url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
            db.upgrade(db.Database.from_setting(url))
        else:
            path = _template_folder() / "data" / "migrated.db"
            database = db.Database.from_setting(str(path))
            db.prepare_sqlite_location(database)
            db.upgrade(database)
            db.enable_wal(database)
            with closing(sqlite3.connect(path)) as connection:  # everything in the one file, none in the WAL
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            _MIGRATED[where] = str(path)
    return _MIGRATED[where]


def migrated(setting: str) -> None:
    """Make the database `setting` names (a SQLite file not there yet, or a fresh PostgreSQL database from
    `postgres_url`) an empty one at the head revision: a copy of `_migrated`'s."""
    if "://" not in setting:
        Path(setting).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_migrated(), setting)
        return
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    assert POSTGRES_URL is not None
    source = _migrated(server=True)
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE "{make_url(setting).database}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{make_url(setting).database}" TEMPLATE "{source}"')
    finally:
        admin.dispose()


def _plan_key(plan: PlanSource) -> str:
    return str(plan.resolve()) if isinstance(plan, Path) else plan


def _make(maker: Workspace, filings: Path | None, steps: Steps | None) -> None:
    """Run the commands in the maker's own folder, as a test runs them in its own."""
    here = Path.cwd()
    os.chdir(maker.root)
    try:
        maker.ok("init")
        if filings is not None:
            maker.ok("import", str(filings))
        if steps is not None:
            steps(maker)
    finally:
        os.chdir(here)


def prepared(
    tmp_path: Path,
    plan: PlanSource,
    filings: Path | None = None,
    url: str | None = None,
    *,
    steps: Steps | None = None,
    name: str = "",
) -> Workspace:
    """A workspace on SQLite (or, with `url`, on that fresh PostgreSQL database) holding what `init` of `plan`,
    `import` of `filings` and then `steps` (commands run on the workspace; `name` tells them apart) make.
    The real CLI makes it once per test process, on a copy of the migrated schema (`_migrated`); each test gets
    a copy: the file copied on SQLite, CREATE DATABASE … TEMPLATE on the server, and the plan file as the steps
    left it."""
    if url is not None:
        return _prepared_on_server(tmp_path, plan, filings, url, steps, name)
    key = (_plan_key(plan), filings, name)
    if key not in _TEMPLATES:
        maker = make_workspace(_template_folder(), plan)
        maker.db.parent.mkdir()
        shutil.copyfile(_migrated(), maker.db)
        _make(maker, filings, steps)
        with closing(sqlite3.connect(maker.db)) as connection:  # everything in the one file, none in the WAL
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _TEMPLATES[key] = (maker.db, maker.plan)
    database, plan_file = _TEMPLATES[key]
    workspace = make_workspace(tmp_path, plan_file)
    workspace.db.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(database, workspace.db)
    return workspace


def _prepared_on_server(
    tmp_path: Path, plan: PlanSource, filings: Path | None, url: str, steps: Steps | None, name: str
) -> Workspace:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    assert POSTGRES_URL is not None
    key = (_plan_key(plan), filings, name)
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        if key not in _SERVER_TEMPLATES:
            template = f"ecotrack_template_{uuid.uuid4().hex[:12]}"
            source = _migrated(server=True)
            with admin.connect() as connection:
                connection.exec_driver_sql(f'CREATE DATABASE "{template}" TEMPLATE "{source}"')
            template_url = make_url(POSTGRES_URL).set(database=template).render_as_string(hide_password=False)
            maker = make_workspace(_template_folder(), plan, template_url)
            _SERVER_TEMPLATES[key] = (template, maker.plan)
            _make(maker, filings, steps)
        template, plan_file = _SERVER_TEMPLATES[key]
        database = make_url(url).database
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE "{database}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
    finally:
        admin.dispose()
    return make_workspace(tmp_path, plan_file, url)


@pytest.fixture(scope="session", autouse=True)
def _drop_templates() -> Iterator[None]:
    yield
    for root in _TEMPLATES_ROOT:
        shutil.rmtree(root, ignore_errors=True)
    if POSTGRES_URL and (_SERVER_TEMPLATES or "server" in _MIGRATED):
        from sqlalchemy import create_engine

        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            migrated = [_MIGRATED["server"]] if "server" in _MIGRATED else []
            for name in [*(name for name, _ in _SERVER_TEMPLATES.values()), *migrated]:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def conformance_on(tmp_path: Path, backend: str | None) -> Workspace:
    """The conformance plan with its filings, on SQLite and on PostgreSQL."""
    return prepared(tmp_path, CONFORMANCE / "plan.yaml", CONFORMANCE / "filings.csv", backend)


@pytest.fixture
def conformance(tmp_path: Path) -> Workspace:
    """The conformance plan of SPEC §5, initialised, with its year of filings imported."""
    return prepared(tmp_path, CONFORMANCE / "plan.yaml", CONFORMANCE / "filings.csv")


@pytest.fixture
def conformance_empty(tmp_path: Path) -> Workspace:
    """The conformance plan, initialised, with no entries."""
    return prepared(tmp_path, CONFORMANCE / "plan.yaml")


@pytest.fixture
def sample(tmp_path: Path) -> Workspace:
    """The shipped 2012 plan, initialised, with the shipped year of filings imported."""
    return prepared(tmp_path, SAMPLE_PLAN, SAMPLE_FILINGS)


def csv_text(rows: Sequence[str], header: str = "unit,target,period,value,note,reported_by,reported_at") -> str:
    return "\n".join([header, *rows]) + "\n"


def on_a_terminal(
    workspace: Workspace, *args: str, answers: str = "", env: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """The installed command with a pseudo-terminal as stdin, stdout and stderr, fed `answers`: its exit code
    and everything the terminal received."""
    import pty
    import select

    leader, follower = pty.openpty()
    full_env = {**os.environ, **workspace.env(), "COLUMNS": "200", "TERM": "xterm-256color", **(env or {})}
    full_env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [str(ECOTRACK), *args], stdin=follower, stdout=follower, stderr=follower, env=full_env, cwd=workspace.root
    )
    os.close(follower)
    if answers:
        os.write(leader, answers.encode())
    received = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the command is done
            break
        if not chunk:
            break
        received += chunk
    process.wait(timeout=60)
    os.close(leader)
    return process.returncode, received


def sql_as(url: str, login: str, statement: str) -> list[tuple[Any, ...]]:
    """Raw SQL on the server from `login`'s own connection (an attacker's view of SPEC §13)."""
    import psycopg
    from sqlalchemy.engine import make_url

    login_url = make_url(url).set(drivername="postgresql", username=login, password=None)
    with psycopg.connect(login_url.render_as_string(hide_password=False)) as connection, connection.cursor() as cursor:
        cursor.execute(statement.encode())
        return list(cursor.fetchall()) if cursor.description else []


def refused_sql(owner: Workspace, url: str, login: str, statement: str) -> None:
    """`statement` from `login` fails on the server, and the database is as it was, row for row."""
    import psycopg

    before = owner.snapshot()
    with pytest.raises(psycopg.Error):
        sql_as(url, login, statement)
    assert owner.snapshot() == before, statement
