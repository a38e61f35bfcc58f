"""The deadline hour of issue 36: every clerk files its month at once on a PostgreSQL server, the office
running `status` meanwhile.

    .venv/bin/python benchmarks/deadline.py [--server URL] [--clerks 200] [--targets 40] [--per-unit 4]
                                            [--processes 8] [--cli 10] [--spread 0] [--path form|import]
                                            [--connection-limit 250] [--profile] [--keep]

Builds, through the installed `ecotrack` CLI, a database on the server of `--server` (any database on it,
as a login that may create databases and roles; default `ECOTRACK_TEST_POSTGRES_URL`): `init` with a
generated plan of `--clerks` units (and three more for the floor) × `--per-unit` targets, `db roles`,
`db office`, `db clerk LOGIN --unit U` for a login of each unit, and the year's earlier months imported by
the owner. The filed month is the one before today (the 5th of the month is its deadline), the plan year
its year, as a clerk's entry is stamped with the server's clock (SPEC §13).

Then, at one moment (or spread evenly over `--spread` seconds), every clerk files its unit's month under
its own login, row-level security and the stamping triggers on:

- in-process (the unit of work the server sees): each clerk is a thread in one of `--processes` worker
  processes that does what `ecotrack report --unit U --period P` does on a terminal once the form is
  filled in: `Tracker.open` with the `Settings` of its login's URL, the login, its open targets and returned
  entries, each entry checked as `report` checks it, and `Tracker.file` of the month's entries in one
  transaction (with `--path import`: what `ecotrack import FORM` does, the form read and checked, then
  filed as one import batch). One filing is timed from `Tracker.open` to the commit, by phase (open and
  reads, checks, write);
- end to end: `--cli` of the clerks instead run `ecotrack import FORM.csv` as a child process under their
  login (the form `ecotrack template` wrote for them, filled in): Python's start-up included;
- the office: `ecotrack status --as-of TODAY --format json` as a child process under the office's login, one
  run after another until the last clerk is done.

A clerk whose command fails runs it again, as a clerk would, after a second or two; the library's own
retries of serialization failures and deadlocks inside a unit of work are counted by an engine event.
Afterwards the owner counts the entries: every (assignment, period) filed exactly once, none lost, none
doubled, the earlier months untouched, every new entry stamped with its clerk's login. The floor is the
same filing by a clerk alone on the idle server, before the wave; the import floor that of `run.py`.
Meanwhile the connections to the database and the CPU of its server processes are sampled.

The database gets a CONNECTION LIMIT (`--connection-limit`, 250) so that the clerks cannot take the slots
other users of the server need; a clerk refused a connection runs its command again. The database and
logins it creates are named `deadline_<pid>…`; they are dropped at the end unless `--keep`.
Nothing here asserts a time: the figures go into the README and the closing notes, never into tests.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import multiprocessing
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from run import STACK, Assignment, city, write_plan

ECOTRACK = Path(sys.executable).with_name("ecotrack")
FLOOR_UNITS = 3
GOAL_P99 = 1.0  # seconds, issue 36 part 5


ERROR_KINDS = ("40001", "40P01", "53300", "other")


def kind_of(error: BaseException) -> str:
    """What a database error was, for counting: a serialization failure, a deadlock, a connection the server
    refused (too many), or anything else."""
    state = getattr(error, "sqlstate", None)
    if state in ("40001", "40P01", "53300"):
        return str(state)
    return "53300" if "too many connections" in str(error) else "other"


def counted_command() -> str:
    """`python -c` code running `ecotrack ARGS` as the installed script does, counting the database errors its
    engines meet (retried or not) onto the pipe of BENCH_FD."""
    import inspect

    return "\n".join(
        [
            "import json, os, sys",
            "from sqlalchemy import Engine, event",
            inspect.getsource(kind_of),
            "counts = {}",
            "def count(context):",
            "    kind = kind_of(context.original_exception)",
            "    counts[kind] = counts.get(kind, 0) + 1",
            'event.listen(Engine, "handle_error", count)',
            'sys.argv = ["ecotrack", *sys.argv[1:]]',
            "try:",
            "    from ecotrack.cli.app import main",
            "    main()",
            "finally:",
            '    os.write(int(os.environ["BENCH_FD"]), json.dumps(counts).encode())',
        ]
    )


def reason_of(text: str, tag: str) -> str:
    """A failure in a few words, the same for every clerk."""
    if "too many connections" in text:
        return "the server refused the connection: too many connections for the database"
    if "could not serialize" in text:
        return "a serialization failure the library's retries did not overcome"
    return text.replace(tag, "TAG")[:160]


@dataclass(frozen=True)
class Clerk:
    login: str
    unit: str
    url: str


@dataclass
class Filing:
    """One clerk's filing of its month, as measured."""

    login: str
    unit: str
    began: float  # seconds after the wave began
    seconds: float = 0.0  # from Tracker.open (or the child process's start) to the commit, over every run
    opened: float = 0.0  # Tracker.open, the login and the reads of `report`
    checked: float = 0.0  # the entries checked against the plan and the ledger
    written: float = 0.0  # Tracker.file: the write transaction, to its commit
    cpu: float = 0.0  # the thread's own CPU (client side)
    entries: int = 0
    attempts: int = 1  # runs of the command (a clerk runs it again after a failure)
    failures: list[str] = field(default_factory=list)
    via: str = "in-process"
    errors: dict[str, int] = field(default_factory=dict)  # database errors met (a child process's)


@dataclass(frozen=True)
class Config:
    plan: str
    year: int
    month: int
    path: str  # "form": `report`'s monthly form; "import": `import` of the filled-in template
    forms: str  # the folder of the filled-in forms (`form-UNIT.csv`)


# --- the clerk's path, in-process ---------------------------------------------------------------------


def file_month(clerk: Clerk, config: Config, values: dict[str, float], filing: Filing) -> None:
    """What `ecotrack report --unit U --period P` does on a terminal, the form filled in with `values`."""
    from ecotrack.config import Settings
    from ecotrack.tracker import Tracker

    began, cpu = time.perf_counter(), time.thread_time()
    now = datetime.now()
    with Tracker.open(Settings(plan=config.plan, db=clerk.url, year=config.year)) as tracker:
        reporter = tracker.recorder()
        unit = tracker.plan.find_unit(clerk.unit)
        assert unit is not None
        tracker.require_unit(unit.code)
        open_targets = tracker.open_targets(unit.code, config.month)
        tracker.returned(unit.code)  # the form shows what the office returned
        opened = time.perf_counter()
        entries = [
            tracker.check_entry(
                unit.code, row.target.code, (config.year, config.month), values[row.target.code], "", reporter, now, now
            )[0]
            for row in open_targets
        ]
        checked = time.perf_counter()
        tracker.file(entries)
        written = time.perf_counter()
    filing.seconds = written - began
    filing.opened, filing.checked, filing.written = opened - began, checked - opened, written - checked
    filing.cpu = time.thread_time() - cpu
    filing.entries = len(entries)


def import_month(clerk: Clerk, config: Config, filing: Filing) -> None:
    """What `ecotrack import FORM` does with the clerk's filled-in form."""
    from ecotrack.config import Settings
    from ecotrack.tracker import Tracker
    from ecotrack.tracker.inputs import open_form

    form = Path(config.forms) / f"form-{clerk.unit}.csv"
    began, cpu = time.perf_counter(), time.thread_time()
    now = datetime.now()
    with (
        Tracker.open(Settings(plan=config.plan, db=clerk.url, year=config.year)) as tracker,
        open_form(form, str(form), None) as source,
    ):
        reporter = tracker.recorder()
        opened = time.perf_counter()
        result = tracker.check_import(source, now, reporter, lambda: None, keep=True)
        tracker.earlier_imports(source.sha256)  # `import` tells of an earlier import of the same file
        checked = time.perf_counter()
        tracker.file_import(result.entries, file_name=form.name, sha256=source.sha256, rows=result.rows)
        written = time.perf_counter()
    filing.seconds = written - began
    filing.opened, filing.checked, filing.written = opened - began, checked - opened, written - checked
    filing.cpu = time.thread_time() - cpu
    filing.entries = len(result.entries)


def file_once(clerk: Clerk, config: Config, values: dict[str, float], filing: Filing) -> None:
    if config.path == "import":
        import_month(clerk, config, filing)
    else:
        file_month(clerk, config, values, filing)


def file_with_retries(clerk: Clerk, config: Config, values: dict[str, float], filing: Filing) -> None:
    """A clerk runs the command again after a failure (a second or two later), at most five times; its
    filing takes from the start of the first run to the commit of the last."""
    first = time.perf_counter()
    for attempt in range(1, 6):
        filing.attempts = attempt
        try:
            began = time.perf_counter()
            file_once(clerk, config, values, filing)
            filing.seconds += began - first  # the runs that failed, and the waits between them
            return
        except Exception as failure:
            filing.failures.append(f"{type(failure).__name__}: {failure}")
            time.sleep(random.uniform(1.0, 2.0))


def clerk_worker(
    clerks: list[Clerk],
    values: dict[str, dict[str, float]],
    config: Config,
    offsets: list[float],
    ready: Any,
    go: Any,
    results: Any,
) -> None:
    """A worker process: one thread per clerk, all waiting for `go`, then filing (each after its offset)."""
    from sqlalchemy import Engine, event

    import ecotrack.tracker  # noqa: F401  (imported before the wave, as a running process has it)

    transient = dict.fromkeys(ERROR_KINDS, 0)
    where: dict[str, int] = {}  # the statement each serialization failure or deadlock ended
    lock = threading.Lock()

    @event.listens_for(Engine, "handle_error")
    def _count(context: Any) -> None:
        kind = kind_of(context.original_exception)
        statement = " ".join((context.statement or "(no statement: the commit)").split())[:70]
        with lock:
            transient[kind] += 1
            if kind in ("40001", "40P01"):
                where[statement] = where.get(statement, 0) + 1

    start = threading.Event()
    filings = [Filing(c.login, c.unit, began=offset) for c, offset in zip(clerks, offsets, strict=True)]
    origin: list[float] = []

    def clerk_thread(clerk: Clerk, filing: Filing) -> None:
        start.wait()
        delay = origin[0] + filing.began - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        file_with_retries(clerk, config, values[clerk.unit], filing)

    threads = [threading.Thread(target=clerk_thread, args=pair) for pair in zip(clerks, filings, strict=True)]
    for thread in threads:
        thread.start()
    ready.put(os.getpid())
    go.wait()
    origin.append(time.perf_counter())
    cpu = time.process_time()
    start.set()
    for thread in threads:
        thread.join()
    results.put(([asdict(f) for f in filings], transient, where, time.process_time() - cpu))


# --- building the database through the CLI -----------------------------------------------------------


SERIALIZATION = "could not serialize access"


def ecotrack(args: Sequence[str], env: dict[str, str], cwd: Path, reruns: list[str] | None = None) -> str:
    """Run `ecotrack ARGS`; its stdout, or exit with its error. With `reruns`, a command refused by a
    serialization failure is run again, as an administrator would, and noted there."""
    for _ in range(5):
        done = subprocess.run(
            [str(ECOTRACK), *args], env={**os.environ, **env}, cwd=cwd, capture_output=True, text=True, check=False
        )
        if done.returncode == 0:
            return done.stdout
        if reruns is None or SERIALIZATION not in done.stderr:
            break
        reruns.append(" ".join(args))
        time.sleep(random.uniform(0.2, 1.0))
    raise SystemExit(f"ecotrack {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()[-500:]}")


def level(baseline: float, amount: float, milestone: bool, month: int, filed_month: int) -> float:
    """An assignment's level at the end of a month, never done before the filed month (so that every
    assignment is open in it and each clerk files all of its unit's targets)."""
    if milestone:
        return 1.0 if month == filed_month else 0.0
    share = month / 12 * 0.9
    return round(baseline + share * (amount - baseline), 2)


def server_url(base: str, database: str, login: str | None = None) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(base).set(database=database)
    if login is not None:
        url = url.set(username=login, password=None)
    return url.render_as_string(hide_password=False)


@contextlib.contextmanager
def admin(url: str) -> Iterator[Any]:
    import psycopg
    from sqlalchemy.engine import make_url

    parts = make_url(url)
    with psycopg.connect(
        host=parts.host or "",
        port=parts.port or 5432,
        user=parts.username or "",
        password=parts.password or "",
        dbname=parts.database or "postgres",
        autocommit=True,
    ) as connection:
        yield connection


@dataclass
class Built:
    server: str  # the URL the benchmark was given (its maintenance database)
    work: Path
    database: str
    owner_url: str
    office_url: str
    clerks: list[Clerk]
    floor_clerks: list[Clerk]
    assignments: list[Assignment]
    values: dict[str, dict[str, float]]  # unit -> target -> the filed month's level
    earlier_rows: int
    year: int
    month: int
    seconds: float
    phases: dict[str, float]


def build(server: str, work: Path, tag: str, clerks: int, targets: int, per_unit: int, limit: int) -> Built:
    began = time.perf_counter()
    filed = date.today().replace(day=1) - timedelta(days=1)
    year, month = filed.year, filed.month
    database = tag
    units, plan_targets = city(clerks + FLOOR_UNITS, targets, per_unit, seed=36)
    assignments = write_plan(work / "tasks.yaml", year, units, plan_targets)
    with admin(server) as connection:
        # a limit of our own, so that a storm of connections cannot take the slots other users of the server need
        connection.execute(f"CREATE DATABASE {database} CONNECTION LIMIT {limit}")
    owner_url = server_url(server, database)
    env = {"ECOTRACK_PLAN": str(work / "tasks.yaml"), "ECOTRACK_DB": owner_url, "ECOTRACK_LANG": "en"}
    phases: dict[str, float] = {}
    mark = time.perf_counter()
    ecotrack(["init"], env, work)
    ecotrack(["db", "roles"], env, work)
    office = f"{tag}_office"
    ecotrack(["db", "office", office], env, work)
    phases["init, db roles, db office"], mark = time.perf_counter() - mark, time.perf_counter()
    logins = [
        Clerk(f"{tag}_c{index:03d}", unit, server_url(server, database, f"{tag}_c{index:03d}"))
        for index, unit in enumerate(units)
    ]
    # `db clerk` for every login, two at a time: two at once may refuse each other (a serialization failure
    # `db clerk` does not retry), and the one refused is run again
    reruns: list[str] = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        try:
            list(pool.map(lambda c: ecotrack(["db", "clerk", c.login, "--unit", c.unit], env, work, reruns), logins))
        except BaseException:  # an interrupt: the logins not made yet are not made (the rest are dropped)
            pool.shutdown(cancel_futures=True)
            raise
    phases[f"{len(logins)} × db clerk ({len(reruns)} run again)"] = time.perf_counter() - mark
    mark = time.perf_counter()
    # the months before the filed one, imported by the owner with the days they were reported on
    rows = []
    for m in range(1, month):
        on = date(year, m, 1) + timedelta(days=35)
        on = on.replace(day=3)
        for unit, target, baseline, amount, milestone in assignments:
            value = level(baseline, amount, milestone, m, month)
            rows.append([unit, target, f"{year}-{m:02d}", f"{value:g}", "", "基准", on.isoformat()])
    if rows:
        with (work / "earlier.csv").open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(["unit", "target", "period", "value", "note", "reported_by", "reported_at"])
            writer.writerows(rows)
        ecotrack(["import", "earlier.csv"], env, work)
        phases[f"import of {len(rows)} earlier rows"] = time.perf_counter() - mark
    values: dict[str, dict[str, float]] = {}
    for unit, target, baseline, amount, milestone in assignments:
        values.setdefault(unit, {})[target] = level(baseline, amount, milestone, month, month)
    return Built(
        server=server,
        work=work,
        database=database,
        owner_url=owner_url,
        office_url=server_url(server, database, office),
        clerks=logins[:clerks],
        floor_clerks=logins[clerks:],
        assignments=assignments,
        values=values,
        earlier_rows=len(rows),
        year=year,
        month=month,
        seconds=time.perf_counter() - began,
        phases=phases,
    )


def write_form(built: Built, clerk: Clerk) -> Path:
    """The clerk's form from `ecotrack template`, its value column filled in (as the clerk saves it)."""
    path = built.work / f"form-{clerk.unit}.csv"
    env = {"ECOTRACK_PLAN": str(built.work / "tasks.yaml"), "ECOTRACK_DB": clerk.url, "ECOTRACK_LANG": "en"}
    period = f"{built.year}-{built.month:02d}"
    ecotrack(["template", "--unit", clerk.unit, "--period", period, "--out", str(path)], env, built.work)
    with path.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    columns = list(rows[0]) if rows else []
    for row in rows:
        row["value"] = f"{built.values[clerk.unit][row['target']]:g}"
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_forms(built: Built, clerks: Sequence[Clerk], folder: Path) -> None:
    """Filled-in forms as `template` writes them (its first seven columns), for the in-process `import` path."""
    folder.mkdir(exist_ok=True)
    period = f"{built.year}-{built.month:02d}"
    for clerk in clerks:
        with (folder / f"form-{clerk.unit}.csv").open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(["unit", "target", "period", "value", "note", "reported_by", "reported_at"])
            for target, value in built.values[clerk.unit].items():
                writer.writerow([clerk.unit, target, period, f"{value:g}", "", "", ""])


def drop(server: str, database: str, logins: Sequence[str]) -> None:
    with admin(server) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        for login in logins:
            connection.execute(f"DROP ROLE IF EXISTS {login}")


# --- what is watched during the wave -------------------------------------------------------------------


class Watch:
    """Samples, every 0.1 s: the connections to the database (all, active, waiting on a lock), the CPU of its
    server processes (from /proc, when the server runs on this machine) and of the whole machine."""

    def __init__(self, server: str, database: str, interval: float = 0.1) -> None:
        self.server, self.database, self.interval = server, database, interval
        self.stop = threading.Event()
        self.peak_connections = self.peak_active = self.peak_waiting = 0
        self.backend_ticks: dict[int, int] = {}
        self.machine: tuple[list[int], list[int]] = ([], [])
        self.thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _machine_ticks() -> list[int]:
        with Path("/proc/stat").open() as stream:
            return [int(x) for x in stream.readline().split()[1:]]

    def _run(self) -> None:
        first = self._machine_ticks()
        with admin(self.server) as connection:
            while not self.stop.is_set():
                rows = connection.execute(
                    "SELECT pid, state, wait_event_type FROM pg_stat_activity WHERE datname = %s", (self.database,)
                ).fetchall()
                self.peak_connections = max(self.peak_connections, len(rows))
                self.peak_active = max(self.peak_active, sum(1 for r in rows if r[1] == "active"))
                self.peak_waiting = max(self.peak_waiting, sum(1 for r in rows if r[2] == "Lock"))
                for pid, _, _ in rows:
                    with contextlib.suppress(OSError, IndexError, ValueError):
                        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                        self.backend_ticks[pid] = int(fields[11]) + int(fields[12])  # utime + stime
                self.stop.wait(self.interval)
        self.machine = (first, self._machine_ticks())

    def start(self) -> None:
        self.thread.start()

    def finish(self) -> None:
        self.stop.set()
        self.thread.join()

    def server_cpu(self) -> float:
        return sum(self.backend_ticks.values()) / os.sysconf("SC_CLK_TCK")

    def machine_busy(self) -> float:
        """The share of the machine's cores that were busy (every process, other users' included)."""
        before, after = self.machine
        if not before or not after:
            return 0.0
        delta = [b - a for a, b in zip(before, after, strict=False)]
        idle = delta[3] + (delta[4] if len(delta) > 4 else 0)
        return 1 - idle / max(sum(delta), 1)


def timed_status(url: str, work: Path, year: int) -> tuple[float, int]:
    """One `ecotrack status --format json` of the office: seconds and exit code."""
    env = {
        **os.environ,
        "ECOTRACK_PLAN": str(work / "tasks.yaml"),
        "ECOTRACK_DB": url,
        "ECOTRACK_LANG": "en",
    }
    args = [str(ECOTRACK), "--year", str(year), "status", "--as-of", date.today().isoformat(), "--format", "json"]
    began = time.perf_counter()
    done = subprocess.run(args, env=env, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - began, done.returncode


def floor_seconds() -> float:
    """The import floor of run.py (the stack the data commands need, psycopg included)."""
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import " + ", ".join([*STACK, "psycopg"])], check=True)
    return time.perf_counter() - began


def cli_clerk(built: Built, clerk: Clerk, form: Path, origin: float, offset: float, filing: Filing) -> None:
    """`ecotrack import FORM` under the clerk's login, run again after a failure as a clerk would."""
    env = {
        **os.environ,
        "ECOTRACK_PLAN": str(built.work / "tasks.yaml"),
        "ECOTRACK_DB": clerk.url,
        "ECOTRACK_LANG": "en",
    }
    delay = origin + offset - time.perf_counter()
    if delay > 0:
        time.sleep(delay)
    first = time.perf_counter()
    for attempt in range(1, 6):
        filing.attempts = attempt
        read, write = os.pipe()
        done = subprocess.run(
            [sys.executable, "-c", counted_command(), "import", str(form)],
            env={**env, "BENCH_FD": str(write)},
            cwd=built.work,
            pass_fds=(write,),
            capture_output=True,
            text=True,
            check=False,
        )
        ended = time.perf_counter()
        os.close(write)
        with os.fdopen(read) as stream:
            for kind, times in json.loads(stream.read() or "{}").items():
                filing.errors[kind] = filing.errors.get(kind, 0) + times
        if done.returncode == 0:
            filing.seconds = ended - first  # the runs that failed and the waits included
            filing.entries = sum(1 for _ in form.open(encoding="utf-8")) - 1
            return
        filing.failures.append(done.stderr.strip() or f"exit {done.returncode}")
        time.sleep(random.uniform(1.0, 2.0))


# --- counting afterwards -------------------------------------------------------------------------------


@dataclass
class Count:
    expected: int = 0
    found: int = 0
    lost: int = 0
    doubled: int = 0
    unexpected: int = 0
    wrong_value: int = 0
    wrong_login: int = 0
    earlier_changed: int = 0


def count(built: Built, filed_units: dict[str, str]) -> Count:
    """Every (assignment, period) of the earlier months and of the filed month exactly once, as the owner sees
    it; the filed month's entries with the value filed and the clerk's login as `reported_by`."""
    period = f"{built.year}-{built.month:02d}"
    with admin(server_url(built.owner_url, built.database)) as connection:
        rows = connection.execute(
            "SELECT u.code, t.code, e.period, count(*), min(e.value), max(e.value), min(e.reported_by),"
            " max(e.reported_by) FROM entry e JOIN assignment a ON a.id = e.assignment_id"
            " JOIN unit u ON u.id = a.unit_id JOIN target t ON t.id = a.target_id"
            " GROUP BY e.assignment_id, u.code, t.code, e.period"
        ).fetchall()
    found = {(r[0], r[1], r[2]): r[3:] for r in rows}
    result = Count()
    expected: set[tuple[str, str, str]] = set()
    for unit, target, *_ in built.assignments:
        expected.update((unit, target, f"{built.year}-{m:02d}") for m in range(1, built.month))
        if unit in filed_units:
            expected.add((unit, target, period))
    result.expected, result.found = len(expected), sum(r[3] for r in rows)
    for key in expected:
        if key not in found:
            result.lost += 1
            continue
        times, low, high, first_by, last_by = found[key]
        if times > 1:
            result.doubled += times - 1
            if key[2] != period:
                result.earlier_changed += 1
        if key[2] == period:
            if abs(low - built.values[key[0]][key[1]]) > 1e-9 or abs(high - low) > 1e-9:
                result.wrong_value += 1
            if first_by != filed_units[key[0]] or last_by != first_by:
                result.wrong_login += 1
    result.unexpected = sum(times for key, (times, *_) in found.items() if key not in expected)
    return result


# --- the wave ------------------------------------------------------------------------------------------


@dataclass
class Summary:
    """What run.py shows of a deadline hour: one filing's latency against its floor, and the count."""

    clerks: int
    entries: int
    wave: float
    filings_per_second: float
    entries_per_second: float
    p50: float
    p95: float
    p99: float
    worst: float
    floor: float  # one clerk's filing alone on the idle server
    cli_p50: float
    cli_worst: float
    status_median: float
    status_alone: float
    lost: int
    doubled: int
    serialization: int  # serialization failures and deadlocks met (a unit of work retries them)
    refused: int  # connections the server refused (too many for the database)
    reran: int  # commands a clerk ran again

    @property
    def met(self) -> bool:
        return self.p99 < GOAL_P99 and self.lost == 0 and self.doubled == 0


def rank(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (p99 of 200 is the second worst)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = max(0, min(len(ordered) - 1, -int(-share * len(ordered) // 1) - 1))
    return ordered[index]


def statements_of_one(clerk: Clerk, config: Config, values: dict[str, float], profile: bool) -> tuple[Filing, int, int]:
    """One filing alone, with the statements it sent and the connections it opened (and its profile)."""
    from sqlalchemy import Engine, event

    sent, opened = [0], [0]

    def on_statement(*_: object) -> None:
        sent[0] += 1

    def on_connect(*_: object) -> None:
        opened[0] += 1

    event.listen(Engine, "before_cursor_execute", on_statement)
    event.listen(Engine, "connect", on_connect)
    filing = Filing(clerk.login, clerk.unit, 0.0)
    try:
        if profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(file_once, clerk, config, values, filing)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats("ecotrack|sqlalchemy|psycopg", 30)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
        else:
            file_once(clerk, config, values, filing)
    finally:
        event.remove(Engine, "before_cursor_execute", on_statement)
        event.remove(Engine, "connect", on_connect)
    return filing, sent[0], opened[0]


def wave(built: Built, processes: int, cli: int, spread: float, path: str, profile: bool) -> Summary:
    config = Config(str(built.work / "tasks.yaml"), built.year, built.month, path, str(built.work / "forms"))
    period = f"{built.year}-{built.month:02d}"
    by_process = built.clerks[: len(built.clerks) - cli]
    by_cli = built.clerks[len(built.clerks) - cli :]
    forms = {c.unit: write_form(built, c) for c in by_cli}
    if path == "import":
        write_forms(built, by_process + built.floor_clerks, Path(config.forms))
    n = len(built.clerks)
    offsets = {c.login: spread * i / n for i, c in enumerate(built.clerks)}

    # the floor: each floor clerk files alone on the idle server, in this process, its modules imported (as in
    # the workers; the profile is of the last, after two filings have filled the caches a process keeps)
    import ecotrack.tracker  # noqa: F401

    last = len(built.floor_clerks) - 1
    watch = Watch(built.server, built.database, interval=0.01)
    watch.start()
    time.sleep(0.2)
    alone = [
        statements_of_one(c, config, built.values[c.unit], profile and i == last)
        for i, c in enumerate(built.floor_clerks)
    ]
    time.sleep(0.1)
    watch.finish()
    floor = statistics.median(f.seconds for f, _, _ in alone)
    floor_client = statistics.median(f.cpu for f, _, _ in alone)
    floor_server = watch.server_cpu() / len(alone)
    import_floor = statistics.median(floor_seconds() for _ in range(2))
    status_alone = statistics.median(timed_status(built.office_url, built.work, built.year)[0] for _ in range(2))
    print(
        f"floor: one clerk's filing alone {floor:.3f} s (median of {len(alone)}: "
        f"{', '.join(f'{f.seconds:.3f}' for f, _, _ in alone)}), {alone[0][1]} statements, "
        f"{alone[0][2]} connections, CPU {1000 * floor_client:.0f} ms client and {1000 * floor_server:.0f} ms server; "
        f"import floor {import_floor:.3f} s; office status alone {status_alone:.2f} s",
        flush=True,
    )

    context = multiprocessing.get_context("spawn")
    ready, results, go = context.Queue(), context.Queue(), context.Event()
    chunks = [by_process[i::processes] for i in range(processes)]
    workers = [
        context.Process(
            target=clerk_worker,
            args=(
                chunk,
                {c.unit: built.values[c.unit] for c in chunk},
                config,
                [offsets[c.login] for c in chunk],
                ready,
                go,
                results,
            ),
        )
        for chunk in chunks
        if chunk
    ]
    for worker in workers:
        worker.start()
    for _ in workers:
        ready.get(timeout=300)
    watch = Watch(built.server, built.database)
    watch.start()
    stop_office = threading.Event()
    office: list[tuple[float, float, int]] = []  # began after the wave began, seconds, exit code
    cli_filings = [Filing(c.login, c.unit, offsets[c.login], via="ecotrack import") for c in by_cli]
    origin = time.perf_counter()

    def office_loop() -> None:
        while not stop_office.is_set() or not office:
            began = time.perf_counter() - origin
            seconds, code = timed_status(built.office_url, built.work, built.year)
            office.append((began, seconds, code))

    office_thread = threading.Thread(target=office_loop)
    cli_threads = [
        threading.Thread(target=cli_clerk, args=(built, c, forms[c.unit], origin, offsets[c.login], f))
        for c, f in zip(by_cli, cli_filings, strict=True)
    ]
    go.set()
    office_thread.start()
    for thread in cli_threads:
        thread.start()
    filings: list[Filing] = []
    transient = dict.fromkeys(ERROR_KINDS, 0)
    where: dict[str, int] = {}
    client_cpu = 0.0
    for _ in workers:
        rows, counted, ended_at, cpu = results.get()
        filings += [Filing(**row) for row in rows]
        for statement, times in ended_at.items():
            where[statement] = where.get(statement, 0) + times
        for key, value in counted.items():
            transient[key] += value
        client_cpu += cpu
    for thread in cli_threads:
        thread.join()
    ended = time.perf_counter() - origin
    stop_office.set()
    office_thread.join()
    watch.finish()
    for worker in workers:
        worker.join()

    everyone = filings + cli_filings
    done = [f for f in everyone if f.seconds > 0]
    entries = sum(f.entries for f in done)
    latencies = [f.seconds for f in filings if f.seconds > 0]
    cli_latencies = [f.seconds for f in cli_filings if f.seconds > 0]
    during = [s for began, s, code in office if code == 0 and began < ended]
    reran = sum(f.attempts - 1 for f in everyone)
    reasons: dict[str, int] = {}
    for f in everyone:
        for key, value in f.errors.items():
            transient[key] += value
        for failure in f.failures:
            reason = reason_of(failure, built.database)
            reasons[reason] = reasons.get(reason, 0) + 1
    filed_units = {c.unit: c.login for c in built.floor_clerks}
    filed_units.update({f.unit: f.login for f in done})
    counted = count(built, filed_units)
    server_cpu = watch.server_cpu()

    def spread_of(values: Sequence[float]) -> str:
        worst = max(values, default=float("nan"))
        shares = ", ".join(f"p{round(100 * share)} {rank(values, share):.2f} s" for share in (0.5, 0.95, 0.99))
        return f"{shares}, max {worst:.2f} s"

    def median(values: Sequence[float]) -> float:
        return statistics.median(values) if values else float("nan")

    kept = [f for f in filings if f.seconds > 0]
    when = ("at one moment" if spread == 0 else f"spread over {spread:g} s") + f", by the {path} path"
    lines = [
        f"wave: {len(everyone)} clerks {when}, {len(filings)} in-process in {len(workers)} processes, "
        f"{len(cli_filings)} by `ecotrack import`; {entries} entries of {period}",
        f"  the last commit {ended:.2f} s after the start: {len(done) / ended:.1f} filings/s, "
        f"{entries / ended:.0f} entries/s",
        f"  one filing, in-process ({len(latencies)}): {spread_of(latencies)}",
        f"    median phases: open and reads {median([f.opened for f in kept]):.3f} s, "
        f"checks {median([f.checked for f in kept]):.3f} s, write to commit {median([f.written for f in kept]):.3f} s; "
        f"client CPU {1000 * median([f.cpu for f in kept]):.0f} ms",
    ]
    if cli_latencies:
        lines.append(
            f"  one filing, `ecotrack import` (child process, {len(cli_latencies)}): {spread_of(cli_latencies)}"
        )
    lines += [
        f"  office `status --format json` during the wave: {len(during)} runs, median {median(during):.2f} s, "
        f"max {max(during, default=float('nan')):.2f} s (alone {status_alone:.2f} s; "
        f"import floor {import_floor:.2f} s)",
        f"  database errors: {transient['40001']} serialization failures and {transient['40P01']} deadlocks "
        f"(a unit of work retries them), {transient['53300']} connections refused (too many), "
        f"{transient['other']} other; commands a clerk ran again: {reran}",
        *[f"    {times}× at {statement}" for statement, times in sorted(where.items(), key=lambda kv: -kv[1])],
        *[f"    {times}× run again: {reason}" for reason, times in sorted(reasons.items(), key=lambda kv: -kv[1])],
        f"  connections: peak {watch.peak_connections} ({watch.peak_active} active, "
        f"{watch.peak_waiting} waiting on a lock)",
        f"  CPU: clerks' processes {client_cpu:.1f} s ({1000 * client_cpu / max(len(filings), 1):.0f} ms a filing), "
        f"server backends {server_cpu:.1f} s ({1000 * server_cpu / max(len(done), 1):.0f} ms a filing, "
        f"the office's included); the machine {watch.machine_busy():.0%} busy over {os.cpu_count()} cores",
        f"  count: {counted.found} entries found, {counted.expected} expected; lost {counted.lost}, "
        f"doubled {counted.doubled}, unexpected {counted.unexpected}, wrong value {counted.wrong_value}, "
        f"wrong login {counted.wrong_login}, earlier months changed {counted.earlier_changed}",
    ]
    print("\n".join(lines), flush=True)
    missing = [f.login for f in everyone if f.seconds == 0]
    if missing:
        shown = ", ".join(login.removeprefix(f"{built.database}_") for login in missing[:8])
        print(
            f"  not filed: {len(missing)} clerks gave up after five runs, their month missing "
            f"({shown}{', …' if len(missing) > 8 else ''}); counted as lost"
        )
    summary = Summary(
        clerks=len(everyone),
        entries=entries,
        wave=ended,
        filings_per_second=len(done) / ended,
        entries_per_second=entries / ended,
        p50=rank(latencies, 0.5),
        p95=rank(latencies, 0.95),
        p99=rank(latencies, 0.99),
        worst=max(latencies, default=float("nan")),
        floor=floor,
        cli_p50=rank(cli_latencies, 0.5),
        cli_worst=max(cli_latencies, default=float("nan")),
        status_median=median(during),
        status_alone=status_alone,
        lost=counted.lost + len(missing),
        doubled=counted.doubled + counted.unexpected,
        serialization=transient["40001"] + transient["40P01"],
        refused=transient["53300"],
        reran=reran,
    )
    verdict = "met" if summary.met else "not met"
    print(f"  goal: one filing's p99 < {GOAL_P99:g} s: {summary.p99:.2f} s (floor {floor:.2f} s), {verdict}")
    (built.work / "deadline.json").write_text(
        json.dumps({"summary": asdict(summary), "filings": [asdict(f) for f in everyone], "office": office}, indent=1)
    )
    return summary


def measure(
    server: str,
    *,
    clerks: int = 200,
    targets: int = 40,
    per_unit: int = 4,
    processes: int = 8,
    cli: int = 10,
    spread: float = 0.0,
    path: str = "form",
    connection_limit: int = 250,
    profile: bool = False,
    keep: bool = False,
) -> Summary:
    """Build the database, run the wave, count, and drop it all again (unless `keep`)."""
    import platform

    tag = f"deadline_{os.getpid()}"
    work = Path(tempfile.mkdtemp(prefix=f"{tag}_"))
    logins = [f"{tag}_office"] + [f"{tag}_c{i:03d}" for i in range(clerks + FLOOR_UNITS)]
    try:
        with admin(server) as connection:
            version = connection.execute("SHOW server_version").fetchone()[0]
        print(
            f"deadline hour, {date.today().isoformat()}, {platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, PostgreSQL {version}",
            flush=True,
        )
        built = build(server, work, tag, clerks, targets, per_unit, connection_limit)
        print(
            f"built in {built.seconds:.0f} s through the CLI: {clerks + FLOOR_UNITS} units, {len(built.assignments)} "
            f"assignments, {built.earlier_rows} entries of the earlier months; {clerks + FLOOR_UNITS} clerk logins "
            f"and an office login; database {built.database} (connection limit {connection_limit}); "
            + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in built.phases.items()),
            flush=True,
        )
        return wave(built, processes, min(cli, clerks // 2), spread, path, profile)
    finally:
        if keep:
            print(f"kept: database {tag}, logins {tag}_*, work folder {work}")
        else:
            drop(server, tag, logins)
            import shutil

            shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--server",
        default=os.environ.get("ECOTRACK_TEST_POSTGRES_URL"),
        help="a database URL on the server, as a login that creates databases and roles",
    )
    parser.add_argument("--clerks", type=int, default=200)
    parser.add_argument("--targets", type=int, default=40)
    parser.add_argument("--per-unit", type=int, default=4)
    parser.add_argument("--processes", type=int, default=8, help="worker processes the in-process clerks share")
    parser.add_argument("--cli", type=int, default=10, help="clerks that file by `ecotrack import` in a child process")
    parser.add_argument("--spread", type=float, default=0.0, help="start the clerks evenly over this many seconds")
    parser.add_argument(
        "--path",
        choices=["form", "import"],
        default="form",
        help="the in-process clerks' path: `report`'s monthly form (default) or `import` of the filled-in form",
    )
    parser.add_argument("--connection-limit", type=int, default=250, help="the database's CONNECTION LIMIT")
    parser.add_argument("--profile", action="store_true", help="print the profile of one filing alone")
    parser.add_argument("--keep", action="store_true", help="keep the database, the logins and the work folder")
    options = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` drops what was made
    if not options.server:
        parser.error("give --server URL (or set ECOTRACK_TEST_POSTGRES_URL)")
    measure(
        options.server,
        clerks=options.clerks,
        targets=options.targets,
        per_unit=options.per_unit,
        processes=options.processes,
        cli=options.cli,
        spread=options.spread,
        path=options.path,
        connection_limit=options.connection_limit,
        profile=options.profile,
        keep=options.keep,
    )


if __name__ == "__main__":
    main()
