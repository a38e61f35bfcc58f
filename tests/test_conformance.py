"""The conformance examples of SPEC §5: every value, through the pure rules and through `--format json`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ecotrack import rules
from ecotrack.config import Settings
from ecotrack.tracker import Tracker

from .conftest import CONFORMANCE, Workspace, make_workspace

EXPECTED: dict[str, Any] = json.loads((CONFORMANCE / "expected.json").read_text(encoding="utf-8"))["as_of"]
DATES = sorted(EXPECTED)
TOLERANCE = 1e-6


def same(got: Any, want: Any) -> bool:
    if isinstance(want, float) or isinstance(got, float):
        return got is not None and abs(float(got) - float(want)) <= TOLERANCE
    return bool(got == want)


def differences(
    got_rows: dict[Any, dict[str, Any]], want_rows: list[dict[str, Any]], key: tuple[str, ...]
) -> list[str]:
    problems = []
    for want in want_rows:
        ident = tuple(want[k] for k in key)
        got = got_rows.get(ident)
        if got is None:
            problems.append(f"no row {ident}")
            continue
        problems += [f"{ident} {k}: {got.get(k)!r} != {v!r}" for k, v in want.items() if not same(got.get(k), v)]
    return problems


@pytest.mark.parametrize("day", DATES)
def test_rules_reproduce_every_value(conformance: Workspace, day: str) -> None:
    want = EXPECTED[day]
    as_of = date.fromisoformat(day)
    settings = Settings(plan=str(conformance.plan), db=str(conformance.db))
    with Tracker.open(settings) as tracker:
        evaluation = rules.evaluate(tracker.plan, tracker.ledger(as_of), as_of)
        plan = tracker.plan
    assert evaluation.evaluation_month == want["status"]["evaluation_month"]
    status_rows = {(r.unit, r.target): vars(r) for r in evaluation.rows}
    assert differences(status_rows, want["status"]["rows"], ("unit", "target")) == []
    months = {u.unit: u.months for u in evaluation.filings}
    assert {u["unit"]: u["months"] for u in want["filings"]["units"]} == months
    overdue = [(u.unit, u.missing_reports, [b.target for b in u.behind]) for u in rules.overdue_units(evaluation)]
    assert overdue == [(u["unit"], u["missing_reports"], u["behind"]) for u in want["overdue"]["units"]]
    assessed = rules.assess(plan, evaluation, {})
    assert [a.unit for a in assessed] == [u["unit"] for u in want["assess"]["units"]]
    assert differences({(a.unit,): vars(a) for a in assessed}, want["assess"]["units"], ("unit",)) == []


@pytest.mark.parametrize("day", DATES)
def test_cli_json_reproduces_every_value(conformance: Workspace, day: str) -> None:
    want = EXPECTED[day]
    status = json.loads(conformance.ok("status", "--as-of", day, "--format", "json").stdout)
    assert status["plan_year"] == 2014 and status["as_of"] == day
    assert status["evaluation_month"] == want["status"]["evaluation_month"]
    rows = {(r["unit"], r["target"]): r for r in status["rows"]}
    assert differences(rows, want["status"]["rows"], ("unit", "target")) == []

    filings = json.loads(conformance.ok("filings", "--as-of", day, "--format", "json").stdout)
    assert {u["unit"]: u["months"] for u in filings["units"]} == {
        u["unit"]: u["months"] for u in want["filings"]["units"]
    }

    overdue = json.loads(conformance.ok("overdue", "--as-of", day, "--format", "json").stdout)
    assert [(u["unit"], u["missing_reports"], [b["target"] for b in u["behind"]]) for u in overdue["units"]] == [
        (u["unit"], u["missing_reports"], u["behind"]) for u in want["overdue"]["units"]
    ]

    assessed = json.loads(conformance.ok("assess", "--as-of", day, "--format", "json").stdout)["units"]
    assert [u["unit"] for u in assessed] == [u["unit"] for u in want["assess"]["units"]]
    assert differences({(u["unit"],): u for u in assessed}, want["assess"]["units"], ("unit",)) == []


@pytest.mark.postgres
def test_cli_json_on_postgresql_reproduces_every_value(tmp_path: Path, postgres_url: str) -> None:
    """SPEC §8: every command works the same on PostgreSQL; the whole conformance year, on a real server."""
    workspace = make_workspace(tmp_path, CONFORMANCE / "plan.yaml", postgres_url)
    workspace.ok("init")
    workspace.ok("import", str(CONFORMANCE / "filings.csv"))
    for day in DATES:
        test_cli_json_reproduces_every_value(workspace, day)
