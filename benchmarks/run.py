"""The performance benchmark of issue 18: a city for ten plan years, each figure a ratio in one run.

    .venv/bin/python benchmarks/run.py [--units 300] [--targets 60] [--per-unit 20] [--years 10]
                                       [--runs 3] [--db URL] [--keep DIR] [--clerks 200] [--no-deadline]

Builds a city of `--units` units (six in ten towns, two in ten sub-districts, the rest departments) and
`--targets` targets, each unit assigned `--per-unit` of them (quantities, reductions and milestones), and
a year of monthly filings for every assignment (72,000 rows a year at the defaults), for `--years` plan
years (720,000 entries). Through the installed `ecotrack`, in child processes, it measures:

- the import floor: a process importing the third-party stack the data commands need (Typer, Rich's
  console and tables, SQLAlchemy, SQLModel, PyYAML, and psycopg with a PostgreSQL `--db`);
- `import` of the first year into the empty database, in rows/s, against raw sqlite3 `executemany` of
  the same rows into a table of the same columns in one transaction (the best any SQLite import can do);
- `status`, `overdue` and `assess` (`--format json`) for the first year with one year loaded and again
  with all of them, each as a ratio to the import floor, and the growth between the two;
- the peak memory (max RSS) of each, beside the floor's own; `--help` and `--version` against `python -c
  pass`; and `status` on the shipped sample against the floor without psycopg (the sample is SQLite);
- with a PostgreSQL `--db`, the deadline hour (`deadline.py`): `--clerks` clerk logins filing their month
  at once on a database of its own beside the `--db` one (the `--db` login must create databases and roles).

At the end it prints the goals of issue 36, each beside its figure and the floor measured in the same run,
met or not.

Each figure is the median of `--runs` runs, and each ratio the median of the ratios to its reference
(the floor, or `python -c pass`) run just before it: a shared machine's pace changes by half within
minutes, and the ratio of two neighbours does not. Nothing here asserts a time: the figures go into the
README and the closing notes, never into tests.
"""

from __future__ import annotations

import argparse
import compileall
import csv
import importlib.util
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from citysize import measure

ROOT = Path(__file__).resolve().parent.parent
FIRST_YEAR = 2012
STACK = ["typer", "rich.console", "rich.table", "sqlalchemy", "sqlmodel", "yaml"]
Assignment = tuple[str, str, float, float, bool]  # unit, target, baseline, amount, milestone
Row = tuple[str, str, str, str, str, str, str]  # as the form has them


def city(units: int, targets: int, per_unit: int, seed: int = 7) -> tuple[list[str], list[dict[str, object]]]:
    """The units and the targets (with their assignments) of the city, the same every plan year."""
    rng = random.Random(seed)
    codes = (
        [f"town{i:03d}" for i in range(units * 6 // 10)]
        + [f"sub{i:03d}" for i in range(units * 2 // 10)]
        + [f"dept{i:03d}" for i in range(units - units * 6 // 10 - units * 2 // 10)]
    )
    kinds = ["milestone" if n % 12 == 0 else "reduction" if n % 10 == 3 else "quantity" for n in range(targets)]
    owners: list[list[str]] = [[] for _ in range(targets)]
    for unit in codes:
        for index in rng.sample(range(targets), k=min(per_unit, targets)):
            owners[index].append(unit)
    plan_targets: list[dict[str, object]] = []
    for index, kind in enumerate(kinds):
        task, number = index // 10 + 1, index % 10 + 1
        baseline = float(rng.randint(200, 1000)) if kind == "reduction" else 0.0
        amounts = {
            u: (1.0 if kind == "milestone" else baseline * 0.9 if baseline else float(rng.randint(2, 60)))
            for u in owners[index]
        }
        plan_targets.append(
            {
                "task": task,
                "code": f"{task}.{number}",
                "kind": kind,
                "baseline": baseline,
                "amounts": amounts,
                "due_month": rng.randint(3, 11),
                "weight": rng.randint(1, 3),
            }
        )
    return codes, plan_targets


def write_plan(path: Path, year: int, units: list[str], targets: list[dict[str, object]]) -> list[Assignment]:
    """The plan file of one year; gives back its assignments."""
    lines = ["plan:", f"  year: {year}", "  title: 城市规模基准计划", "  office: 生态建设工作领导小组办公室", "units:"]
    for code in units:
        kind = "town" if code.startswith("town") else "subdistrict" if code.startswith("sub") else "department"
        lines += [f"  - code: {code}", f"    name: 单位{code}", f"    kind: {kind}"]
    lines.append("tasks:")
    assignments: list[Assignment] = []
    task = 0
    for target in targets:
        if target["task"] != task:
            task = int(str(target["task"]))
            lines += [f'  - code: "{task}"', f"    title: 任务{task}", "    targets:"]
        amounts: dict[str, float] = target["amounts"]  # type: ignore[assignment]
        if not amounts:
            continue
        code, baseline = str(target["code"]), float(str(target["baseline"]))
        if target["kind"] == "milestone":
            lines += [
                f'      - code: "{code}"',
                f"        title: 节点{code}",
                "        type: milestone",
                f"        due: {year}-{int(str(target['due_month'])):02d}-28",
                f"        assign: [{', '.join(amounts)}]",
            ]
            assignments += [(u, str(code), 0.0, 1.0, True) for u in amounts]
            continue
        assign = ", ".join(f"{u}: {a:g}" for u, a in amounts.items())
        lines += [
            f'      - code: "{code}"',
            f"        title: 指标{code}",
            "        measure: 个",
            f"        baseline: {baseline:g}",
            "        schedule: {6: 0.4, 9: 0.75, 12: 1.0}",
            f"        weight: {target['weight']}",
            f"        assign: {{{assign}}}",
        ]
        assignments += [(u, str(code), baseline, a, False) for u, a in amounts.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return assignments


def filing_rows(year: int, assignments: list[Assignment], seed: int) -> list[Row]:
    """A year of monthly levels for every assignment, each filed a few days into the next month."""
    rng = random.Random(seed)
    rows = []
    for month in range(1, 13):
        filed = date(year + month // 12, month % 12 + 1, rng.randint(2, 8)).isoformat()
        for unit, target, baseline, amount, milestone in assignments:
            share = min(1.0, month / 12 * rng.uniform(0.8, 1.15))
            value = float(share >= 0.75) if milestone else round(baseline + share * (amount - baseline), 1)
            rows.append((unit, target, f"{year}-{month:02d}", f"{value:g}", "", "基准", filed))
    return rows


def write_filings(path: Path, rows: list[Row]) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["unit", "target", "period", "value", "note", "reported_by", "reported_at"])
        writer.writerows(rows)


def raw_sqlite_rate(rows: list[Row], folder: Path) -> float:
    """Rows/s of raw sqlite3 executemany of the rows into a table of the same columns, one transaction."""
    path = folder / "raw.db"
    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    connection.execute(
        "CREATE TABLE entry (id INTEGER PRIMARY KEY, unit TEXT, target TEXT, period TEXT, value REAL, note TEXT,"
        " reported_by TEXT, reported_at TEXT)"
    )
    began = time.perf_counter()
    with connection:
        connection.executemany(
            "INSERT INTO entry (unit, target, period, value, note, reported_by, reported_at) VALUES (?,?,?,?,?,?,?)",
            [(u, t, p, float(v), n, b, a) for u, t, p, v, n, b, a in rows],
        )
    seconds = time.perf_counter() - began
    connection.close()
    return len(rows) / seconds


def core_rate(rows: list[Row], folder: Path) -> float:
    """Rows/s of SQLAlchemy Core's own executemany of the rows as entries, into an empty entry table."""
    from datetime import UTC, datetime

    from sqlalchemy import create_engine, insert

    from ecotrack.storage.models import EntryRecord

    path = folder / "core.db"
    path.unlink(missing_ok=True)
    engine = create_engine(f"sqlite:///{path}")
    table = EntryRecord.__table__  # type: ignore[attr-defined]
    table.create(engine)
    now = datetime.now(UTC)
    parameters = [
        {
            "assignment_id": 1,
            "period": p,
            "value": float(v),
            "note": n,
            "reported_by": b,
            "reported_at": datetime.fromisoformat(a),
            "reported_on": datetime.fromisoformat(a).date(),
            "filed_at": now,
            "filed_by": "bench",
            "batch_id": None,
            "submitted": False,
            "reason": "",
            "catch_up": False,
        }
        for _, _, p, v, n, b, a in rows
    ]
    began = time.perf_counter()
    with engine.begin() as connection:
        for start in range(0, len(parameters), 5000):
            connection.execute(insert(table), parameters[start : start + 5000])
    seconds = time.perf_counter() - began
    engine.dispose()
    return len(rows) / seconds


def side_by_side(
    reference: str, command: list[str], env: dict[str, str], small: Path, cwd: Path, runs: int
) -> tuple[Timed, float, float]:
    """`ecotrack ARGS` on the database of `env` and on the `small` copy, turn about after the floor:
    the big one against the floor, the median big/small ratio and the small one's median seconds."""
    times, ratios, growths, peaks, floors, bases = [], [], [], [], [], []
    for _ in range(runs):
        floor = process_seconds(reference)
        base, _ = measure(command, {**env, "ECOTRACK_DB": str(small)}, cwd, 1)
        seconds, peak = measure(command, env, cwd, 1)
        times.append(seconds)
        ratios.append(seconds / floor)
        growths.append(seconds / base)
        peaks.append(peak)
        floors.append(floor)
        bases.append(base)
    timed = Timed(statistics.median(times), statistics.median(ratios), max(peaks), statistics.median(floors))
    return timed, statistics.median(growths), statistics.median(bases)


def process_seconds(code: str) -> float:
    """Wall time of one `python -c CODE`."""
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - began


@dataclass(frozen=True)
class Timed:
    """A command against its reference: median seconds, the median of the ratios, peak MiB, median floor s."""

    seconds: float
    ratio: float
    peak: float
    floor: float


def against(reference: str, command: list[str], env: dict[str, str], cwd: Path, runs: int) -> Timed:
    """Median seconds of `ecotrack ARGS`, the median of its ratio to `python -c REFERENCE` run just before
    it each time (so that a shared machine slowing down for a minute slows both), and its peak MiB."""
    times, ratios, peaks, floors = [], [], [], []
    for _ in range(runs):
        floor = process_seconds(reference)
        seconds, peak = measure(command, env, cwd, 1)
        times.append(seconds)
        ratios.append(seconds / floor)
        peaks.append(peak)
        floors.append(floor)
    return Timed(statistics.median(times), statistics.median(ratios), max(peaks), statistics.median(floors))


def process_peak(code: str) -> float:
    """Peak MiB (VmHWM) of one `python -c CODE`: the floor's own memory."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            f"{code}\nprint(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM:')))",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout.strip()) / 1024


@dataclass(frozen=True)
class Goal:
    """A goal of issue 36 beside its figure and the floor measured in the same run; `met` None: not measured."""

    goal: str
    figure: str
    floor: str
    met: bool | None


def goals_table(goals: list[Goal], database: str) -> str:
    """The goals as a Markdown table."""
    lines = [f"| goal ({database}) | figure | floor, same run | met |", "| --- | --- | --- | --- |"]
    for g in goals:
        verdict = "—" if g.met is None else "yes" if g.met else "**no**"
        lines.append(f"| {g.goal} | {g.figure} | {g.floor} | {verdict} |")
    return "\n".join(lines)


def installed_package() -> Path:
    """The folder of the ecotrack this interpreter (the one of the measured command) imports."""
    spec = importlib.util.find_spec("ecotrack")
    assert spec is not None and spec.origin is not None, "install ecotrack into this interpreter first"
    return Path(spec.origin).parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--targets", type=int, default=60)
    parser.add_argument("--per-unit", type=int, default=20)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", help="an empty PostgreSQL database's URL instead of a fresh SQLite file")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--clerks", type=int, default=200, help="clerks of the deadline hour (with a PostgreSQL --db)")
    parser.add_argument("--no-deadline", action="store_true", help="leave the deadline hour out")
    options = parser.parse_args()
    work = options.keep or Path(tempfile.mkdtemp(prefix="ecotrack-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    runs = options.runs
    server = bool(options.db and options.db.startswith("postgresql"))
    stack = STACK + (["psycopg"] if server else [])
    units, targets = city(options.units, options.targets, options.per_unit)
    years = list(range(FIRST_YEAR, FIRST_YEAR + options.years))
    env = {
        "ECOTRACK_PLAN": str(work / f"tasks-{FIRST_YEAR}.yaml"),
        "ECOTRACK_DB": options.db or str(work / "data" / "city.db"),
        "ECOTRACK_LANG": "en",
        "COLUMNS": "160",
    }
    figures: list[tuple[str, str]] = []
    goals: list[Goal] = []

    def show(name: str, value: str) -> None:
        figures.append((name, value))
        print(f"{name:<52} {value}", flush=True)

    print(
        f"ecotrack benchmark, {date.today().isoformat()}, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {'PostgreSQL' if options.db else 'SQLite'}"
    )
    # Every package of the floor was byte-compiled when pip installed it; an editable ecotrack under
    # PYTHONDONTWRITEBYTECODE (set on these machines) would be compiled from source in every process,
    # 60-100 ms of each command that no installed ecotrack pays. Compile it once, as `pip install .` does.
    compileall.compile_dir(installed_package(), quiet=1)
    floor_code = "import " + ", ".join(stack)
    sqlite_floor_code = "import " + ", ".join(STACK)  # the shipped sample is SQLite, whatever --db is
    floor = statistics.median(process_seconds(floor_code) for _ in range(runs))
    floor_peak = process_peak(floor_code)
    bare = statistics.median(process_seconds("pass") for _ in range(runs))
    show("import floor (" + ", ".join(stack) + ")", f"{floor:.3f} s, {floor_peak:.0f} MiB")
    show("python -c pass", f"{bare:.3f} s")
    for args in (["--help"], ["--version"]):
        timed = against("pass", args, env, work, runs)
        show(f"ecotrack {args[0]}", f"{timed.seconds:.3f} s = {timed.ratio:.1f}× python -c pass")
        goals.append(
            Goal(
                f"`{args[0]}` ≤ 5× `python -c pass` (issue 18)",
                f"{timed.ratio:.1f}× ({timed.seconds:.2f} s)",
                f"{timed.floor:.2f} s",
                timed.ratio <= 5,
            )
        )

    # the shipped sample: its status against the floor of a SQLite command
    sample = work / "sample"
    shutil.rmtree(sample, ignore_errors=True)
    sample.mkdir()
    sample_env = {**env, "ECOTRACK_PLAN": str(ROOT / "tasks.yaml"), "ECOTRACK_DB": str(sample / "sample.db")}
    measure(["init"], sample_env, sample, 1)
    measure(["import", str(ROOT / "data" / "sample-2012.csv")], sample_env, sample, 1)
    for args in (["status", "--as-of", "2012-07-06"], ["status", "--as-of", "2012-07-06", "--format", "json"]):
        timed = against(sqlite_floor_code, args, sample_env, sample, runs)
        show(
            f"sample (SQLite): {' '.join(args)}",
            f"{timed.seconds:.3f} s = {timed.ratio:.2f}× floor, {timed.peak:.0f} MiB",
        )
        shape = "json" if "json" in args else "table"
        goals.append(
            Goal(
                f"sample `status` ({shape}, SQLite) ≤ 1.2× floor",
                f"{timed.ratio:.2f}× ({timed.seconds:.2f} s)",
                f"{timed.floor:.2f} s (no psycopg)",
                timed.ratio <= 1.2,
            )
        )

    # the city: the first year into an empty database
    per_year: dict[int, list[Assignment]] = {}
    for year in years:
        per_year[year] = write_plan(work / f"tasks-{year}.yaml", year, units, targets)
    first_rows = filing_rows(FIRST_YEAR, per_year[FIRST_YEAR], seed=FIRST_YEAR)
    write_filings(work / f"filings-{FIRST_YEAR}.csv", first_rows)
    print(
        f"city: {len(units)} units, {options.targets} targets, {len(per_year[FIRST_YEAR])} assignments; "
        f"{len(first_rows)} rows a year, {len(first_rows) * len(years)} in {len(years)} years",
        flush=True,
    )
    measure(["init"], env, work, 1)
    floor_now = process_seconds(floor_code)
    seconds, import_peak = measure(["import", f"filings-{FIRST_YEAR}.csv"], env, work, 1)
    raw = raw_sqlite_rate(first_rows, work)
    rate = len(first_rows) / seconds
    show("import, first year (whole command)", f"{seconds:.2f} s, {rate:,.0f} rows/s, {import_peak:.0f} MiB")
    beyond = len(first_rows) / max(seconds - floor_now, 1e-9)
    show("  beyond the floor", f"{beyond:,.0f} rows/s")
    show("  raw sqlite3 executemany", f"{raw:,.0f} rows/s; ecotrack = {rate / raw:.0%} of it")
    core = core_rate(first_rows, work)
    show("  SQLAlchemy Core executemany (SQLite)", f"{core:,.0f} rows/s (the same rows as entries, all 13 columns)")
    wanted = 30_000 if server else 60_000
    goals.append(
        Goal(
            f"`import` ≥ {wanted:,} rows/s ({len(first_rows):,} rows, whole command)",
            f"{rate:,.0f} rows/s ({seconds:.1f} s); {beyond:,.0f} rows/s beyond the floor",
            f"{floor_now:.2f} s",
            rate >= wanted,
        )
    )
    peaks = {"import": import_peak}
    one_year_db = None
    if not options.db:
        one_year_db = work / "data" / "city-1-year.db"
        shutil.copyfile(work / "data" / "city.db", one_year_db)

    first = str(FIRST_YEAR)
    commands = {
        "status": ["--year", first, "status", "--as-of", f"{FIRST_YEAR}-07-06", "--format", "json"],
        "overdue": ["--year", first, "overdue", "--as-of", f"{FIRST_YEAR}-07-06", "--format", "json"],
        "assess": ["--year", first, "assess", "--as-of", f"{FIRST_YEAR + 1}-02-01", "--format", "json"],
    }
    one_year = {name: against(floor_code, args, env, work, runs) for name, args in commands.items()}
    for name, timed in one_year.items():
        show(
            f"{name} --format json, 1 year loaded",
            f"{timed.seconds:.2f} s = {timed.ratio:.2f}× floor, {timed.peak:.0f} MiB",
        )
        peaks[name] = timed.peak
    loaded = dict(one_year)  # the commands as the goals see them: with every year loaded
    growth: dict[str, tuple[float, str]] = {}  # the growth, and what it grew from

    # the other years, each loaded and imported into the same database
    imports = []
    for later in years[1:]:
        rows = filing_rows(later, per_year[later], seed=later)
        write_filings(work / f"filings-{later}.csv", rows)
        measure(["--plan", f"tasks-{later}.yaml", "plan", "load"], env, work, 1)
        seconds, _ = measure(["--year", str(later), "import", f"filings-{later}.csv"], env, work, 1)
        imports.append(len(rows) / seconds)
        (work / f"filings-{later}.csv").unlink()
    if imports:
        show(f"import, years 2–{len(years)} (median)", f"{statistics.median(imports):,.0f} rows/s")
        for name, args in commands.items():
            if one_year_db is None:  # a server: the growth is that of the ratios to the floor
                timed = against(floor_code, args, env, work, runs)
                growth[name] = (timed.ratio / one_year[name].ratio, f"1 year: {one_year[name].ratio:.2f}× floor")
            else:  # the one-year copy and the ten-year database run side by side, turn about
                timed, grown, base = side_by_side(floor_code, args, env, one_year_db, work, runs)
                growth[name] = (grown, f"1 year, turn about: {base:.2f} s")
            show(
                f"{name} --format json, {len(years)} years loaded",
                f"{timed.seconds:.2f} s = {timed.ratio:.2f}× floor, growth {growth[name][0]:.2f}×, "
                f"{timed.peak:.0f} MiB",
            )
            loaded[name] = timed
            peaks[name] = max(peaks[name], timed.peak)
    for name, timed in loaded.items():
        goals.append(
            Goal(
                f"`{name} --format json` ≤ 2× floor ({len(years)} year{'s' if len(years) > 1 else ''} loaded)",
                f"{timed.ratio:.2f}× ({timed.seconds:.2f} s)",
                f"{timed.floor:.2f} s",
                timed.ratio <= 2,
            )
        )
    for name, (grown, base_words) in growth.items():
        goals.append(
            Goal(f"`{name}` from 1 to {len(years)} plan years ≤ 1.15×", f"{grown:.2f}×", base_words, grown <= 1.15)
        )
    heaviest = max(peaks, key=lambda name: peaks[name])
    goals.append(
        Goal(
            "peak memory ≤ 200 MiB (import, status, overdue, assess)",
            f"{peaks[heaviest]:.0f} MiB ({heaviest})",
            f"{floor_peak:.0f} MiB",
            peaks[heaviest] <= 200,
        )
    )

    # the deadline hour: a server's goal
    if server and not options.no_deadline:
        import deadline

        print(flush=True)
        hour = deadline.measure(options.db, clerks=options.clerks, cli=max(1, options.clerks // 20))
        show(
            f"deadline hour, {hour.clerks} clerks at once",
            f"p50 {hour.p50:.2f} s, p99 {hour.p99:.2f} s, {hour.filings_per_second:.1f} filings/s, "
            f"lost {hour.lost}, doubled {hour.doubled}",
        )
        goals.append(
            Goal(
                f"deadline hour: one filing's p99 < 1 s ({hour.clerks} clerks at once), none lost or doubled",
                f"p99 {hour.p99:.2f} s (p50 {hour.p50:.2f} s); lost {hour.lost}, doubled {hour.doubled}",
                f"{hour.floor:.2f} s (one clerk alone)",
                hour.met,
            )
        )
    elif not server:
        goals.append(Goal("deadline hour: one filing's p99 < 1 s", "a server's goal: run with --db", "", None))
    table = goals_table(goals, "PostgreSQL" if server else "SQLite")
    print("\n" + table)
    (work / "figures.txt").write_text("\n".join(f"{name}: {value}" for name, value in figures) + "\n\n" + table + "\n")
    print(f"work folder: {work}")


if __name__ == "__main__":
    main()
