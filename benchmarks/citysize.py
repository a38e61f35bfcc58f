"""Time and measure ecotrack at city scale: a generated plan and a year of filings, every command timed.

    .venv/bin/python benchmarks/citysize.py [--units 120] [--targets 400] [--runs 3] [--keep DIR]

Generates a plan (towns, sub-districts, departments; quantity, reduction and milestone targets, most
assigned to many units) and a year of monthly filings with a few percent corrections, imports them
into a fresh SQLite database (or `--db URL`), then runs each command `--runs` times through the
installed `ecotrack` and prints the median wall time and the peak memory (max RSS) of each. Nothing
here asserts a time: figures go into the closing notes, never into tests.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ECOTRACK = Path(sys.executable).with_name("ecotrack")
# Runs ecotrack's entry point in-process, then reports the process's peak memory (KiB) on a pipe: VmHWM
# of its own address space, not ru_maxrss, which Linux carries over an exec from the forking parent.
MEASURED = """
import os, resource, sys
sys.argv = ["ecotrack", *sys.argv[1:]]
def peak():
    try:
        with open("/proc/self/status") as status:
            return next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
try:
    from ecotrack.cli.app import main
    main()
finally:
    os.write(int(os.environ["BENCH_FD"]), peak().encode())
"""


def write_plan(path: Path, units: int, targets: int, seed: int = 7) -> list[tuple[str, str, float, float, bool]]:
    """A plan file; gives back the assignments as (unit, target, baseline, amount, milestone)."""
    rng = random.Random(seed)
    towns = [f"town{i:03d}" for i in range(units * 6 // 10)]
    subdistricts = [f"sub{i:03d}" for i in range(units * 2 // 10)]
    departments = [f"dept{i:03d}" for i in range(units - len(towns) - len(subdistricts))]
    lines = ["plan:", "  year: 2012", "  title: 城市规模基准计划", "  office: 生态建设工作领导小组办公室", "units:"]
    for code in towns + subdistricts + departments:
        kind = "town" if code.startswith("town") else "subdistrict" if code.startswith("sub") else "department"
        lines += [f"  - code: {code}", f"    name: 单位{code}", f"    kind: {kind}"]
    lines.append("tasks:")
    assignments: list[tuple[str, str, float, float, bool]] = []
    per_task = max(1, targets // 5)
    for task in range(1, 6):
        lines += [f'  - code: "{task}"', f"    title: 任务{task}", "    targets:"]
        for number in range(1, per_task + 1):
            code = f"{task}.{number}"
            draw = rng.random()
            if draw < 0.08:  # a milestone for a department or two
                owners = rng.sample(departments, k=min(2, len(departments)))
                lines += [
                    f'      - code: "{code}"',
                    f"        title: 节点{code}",
                    "        type: milestone",
                    f"        due: 2012-{rng.randint(3, 11):02d}-28",
                    f"        assign: [{', '.join(owners)}]",
                ]
                assignments += [(u, code, 0.0, 1.0, True) for u in owners]
                continue
            territorial = towns + subdistricts
            owners = rng.sample(territorial, k=rng.randint(len(territorial) // 4, len(territorial)))
            reduction = draw > 0.9
            baseline = float(rng.randint(200, 1000)) if reduction else 0.0
            amounts = {u: baseline * 0.9 if reduction else float(rng.randint(2, 60)) for u in owners}
            assign = ", ".join(f"{u}: {a:g}" for u, a in amounts.items())
            lines += [
                f'      - code: "{code}"',
                f"        title: 指标{code}",
                "        measure: 个",
                f"        baseline: {baseline:g}",
                "        schedule: {6: 0.4, 9: 0.75, 12: 1.0}",
                f"        weight: {rng.randint(1, 3)}",
                f"        assign: {{{assign}}}",
            ]
            assignments += [(u, code, baseline, a, False) for u, a in amounts.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return assignments


def write_filings(path: Path, assignments: list[tuple[str, str, float, float, bool]], seed: int = 11) -> int:
    """A year of monthly levels for every assignment, filed around the due day, 3 % of them corrected."""
    rng = random.Random(seed)
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["unit", "target", "period", "value", "note", "reported_by", "reported_at"])
        for month in range(1, 13):
            filed = f"{2012 + month // 12}-{month % 12 + 1:02d}-{rng.randint(2, 8):02d}"
            for unit, target, baseline, amount, milestone in assignments:
                share = min(1.0, month / 12 * rng.uniform(0.8, 1.15))
                value = float(share >= 0.75) if milestone else round(baseline + share * (amount - baseline), 1)
                writer.writerow([unit, target, f"2012-{month:02d}", f"{value:g}", "", "基准", filed])
                rows += 1
                if rng.random() < 0.03:
                    writer.writerow([unit, target, f"2012-{month:02d}", f"{value:g}", "更正", "基准", filed])
                    rows += 1
    return rows


def measure_once(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, float, float, str]:
    """Exit code, seconds, peak MiB and stderr of one `ecotrack ARGS` run."""
    read, write = os.pipe()
    began = time.perf_counter()
    process = subprocess.run(
        [sys.executable, "-c", MEASURED, *args],
        env={**os.environ, **env, "BENCH_FD": str(write)},
        cwd=cwd,
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seconds = time.perf_counter() - began
    os.close(write)
    peak = os.read(read, 64)
    os.close(read)
    return process.returncode, seconds, int(peak or 0) / 1024, process.stderr


def measure(args: list[str], env: dict[str, str], cwd: Path, runs: int) -> tuple[float, float]:
    """Median seconds and peak MiB of `ecotrack ARGS` over `runs` runs."""
    times, peaks = [], []
    for _ in range(runs):
        code, seconds, mebibytes, stderr = measure_once(args, env, cwd)
        if code != 0:
            raise SystemExit(f"ecotrack {' '.join(args)} failed: {stderr.strip()[-300:]}")
        times.append(seconds)
        peaks.append(mebibytes)
    return statistics.median(times), max(peaks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=120)
    parser.add_argument("--targets", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", help="a database URL instead of a fresh SQLite file")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    options = parser.parse_args()
    work = options.keep or Path(tempfile.mkdtemp(prefix="ecotrack-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    assignments = write_plan(work / "tasks.yaml", options.units, options.targets)
    rows = write_filings(work / "filings.csv", assignments)
    env = {
        **os.environ,
        "ECOTRACK_PLAN": str(work / "tasks.yaml"),
        "ECOTRACK_DB": options.db or str(work / "data" / "bench.db"),
        "ECOTRACK_LANG": "en",
        "COLUMNS": "160",
    }
    print(
        f"plan: {options.units} units, {options.targets} targets, {len(assignments)} assignments; "
        f"filings: {rows} rows ({(work / 'filings.csv').stat().st_size / 1e6:.1f} MB)"
    )
    results: dict[str, tuple[float, float]] = {}
    results["init"] = measure(["init"], env, work, 1)
    results["import (all rows, one transaction)"] = measure(["import", "filings.csv"], env, work, 1)
    commands = {
        "--help": ["--help"],
        "status --format json": ["status", "--as-of", "2012-07-06", "--format", "json"],
        "status (table)": ["status", "--as-of", "2012-07-06"],
        "filings --format json": ["filings", "--as-of", "2012-07-06", "--format", "json"],
        "overdue --format json": ["overdue", "--as-of", "2012-07-06", "--format", "json"],
        "assess --format json": ["assess", "--as-of", "2013-02-01", "--format", "json"],
        "notice --dry-run": ["notice", "--as-of", "2012-07-06", "--dry-run"],
        "history --format json": ["history", "--format", "json"],
        "export --format json": ["export", "--format", "json", "--as-of", "2013-02-01"],
        "export --format xlsx": ["export", "--format", "xlsx", "--out", "bench.xlsx", "--as-of", "2013-02-01"],
        "report (one entry)": [
            "report",
            "-u",
            assignments[0][0],
            "-t",
            assignments[0][1],
            "-p",
            "2012-12",
            "-v",
            "1",
            "--on",
            "2013-01-03",
        ],
    }
    for name, args in commands.items():
        results[name] = measure(args, env, work, options.runs)
    width = max(map(len, results))
    print(f"{'command':<{width}}  {'median s':>9}  {'peak MiB':>9}")
    for name, (seconds, mebibytes) in results.items():
        print(f"{name:<{width}}  {seconds:>9.2f}  {mebibytes:>9.1f}")
    import_seconds = results["import (all rows, one transaction)"][0]
    print(f"import rate: {rows / import_seconds:,.0f} rows/s")
    (work / "results.json").write_text(json.dumps({k: list(v) for k, v in results.items()}, indent=2))
    print(f"work folder: {work}")


if __name__ == "__main__":
    main()
