"""Fixtures: every test gets its own folder, database and plan; the CLI runs for real on them."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecotrack.cli.app import app
from ecotrack.i18n import set_language

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
    """A folder with a plan file and a database path; `run` drives the real CLI against them."""

    def __init__(self, root: Path, plan: Path) -> None:
        self.root = root
        self.plan = plan
        self.db = root / "data" / "ecotrack.db"

    def env(self, **extra: str) -> dict[str, str]:
        return {"ECOTRACK_DB": str(self.db), "ECOTRACK_PLAN": str(self.plan), **extra}

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
        with sqlite3.connect(self.db) as connection:
            return int(connection.execute("SELECT count(*) FROM entry").fetchone()[0])

    def snapshot(self) -> bytes:
        """Every row of every table, to show that a refused command changed nothing."""
        with sqlite3.connect(self.db) as connection:
            return "\n".join(connection.iterdump()).encode()


def make_workspace(tmp_path: Path, plan_text: str | Path) -> Workspace:
    plan = tmp_path / "tasks.yaml"
    if isinstance(plan_text, Path):
        shutil.copyfile(plan_text, plan)
    else:
        plan.write_text(plan_text, encoding="utf-8")
    return Workspace(tmp_path, plan)


@pytest.fixture
def conformance(tmp_path: Path) -> Workspace:
    """The conformance plan of SPEC §5, initialised, with its year of filings imported."""
    workspace = make_workspace(tmp_path, CONFORMANCE / "plan.yaml")
    workspace.ok("init")
    workspace.ok("import", str(CONFORMANCE / "filings.csv"))
    return workspace


@pytest.fixture
def conformance_empty(tmp_path: Path) -> Workspace:
    """The conformance plan, initialised, with no entries."""
    workspace = make_workspace(tmp_path, CONFORMANCE / "plan.yaml")
    workspace.ok("init")
    return workspace


@pytest.fixture
def sample(tmp_path: Path) -> Workspace:
    """The shipped 2012 plan, initialised, with the shipped year of filings imported."""
    workspace = make_workspace(tmp_path, SAMPLE_PLAN)
    workspace.ok("init")
    workspace.ok("import", str(SAMPLE_FILINGS))
    return workspace


def csv_text(rows: Sequence[str], header: str = "unit,target,period,value,note,reported_by,reported_at") -> str:
    return "\n".join([header, *rows]) + "\n"
