"""Finding the plan and its database as git finds its repository (issue 37): the nearest tasks.yaml in the working
folder or a folder above it, the database beside it, `ecotrack config` saying what is in use and where it came
from, and every "not found" naming where it looked."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ecotrack.cli.app import app

from .conftest import ECOTRACK, SAMPLE_PLAN, Workspace, prepared

UNSET: dict[str, str | None] = {"ECOTRACK_PLAN": None, "ECOTRACK_DB": None, "ECOTRACK_YEAR": None}


def run_in(folder: Path, *args: str, monkeypatch: pytest.MonkeyPatch, **env: str) -> tuple[int, str, str]:
    """The CLI in-process, in `folder`, with no plan or database given: only what it finds."""
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(app, list(args), env={**UNSET, **env}, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def office(tmp_path: Path) -> Workspace:
    """The sample plan initialised in `office/` (tasks.yaml and data/ecotrack.db), with a folder below it."""
    workspace = prepared(tmp_path, SAMPLE_PLAN)
    (workspace.root / "tasks.yaml").write_bytes(workspace.plan.read_bytes())
    (workspace.root / "notices" / "2012").mkdir(parents=True)
    return workspace


def test_a_command_from_a_subfolder_finds_the_plan_and_its_database(office: Workspace) -> None:
    """The installed command, as a user runs it from a folder below the plan's."""
    below = office.root / "notices" / "2012"
    env = {k: v for k, v in os.environ.items() if k not in UNSET}
    done = subprocess.run(
        [str(ECOTRACK), "--lang", "en", "units", "--format", "json"],
        cwd=below,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["units"]) == 19
    assert not (below / "data").exists()  # nothing created where it was run


def test_config_says_what_is_in_use_and_where_it_came_from(office: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = run_in(office.root / "notices" / "2012", "config", "--format", "json", monkeypatch=monkeypatch)
    assert code == 0, err
    settings: dict[str, Any] = {row["setting"]: row for row in json.loads(out)["settings"]}
    assert (settings["plan"]["value"], settings["plan"]["from"]) == ("../../tasks.yaml", "found")
    assert settings["plan"]["path"] == str((office.root / "tasks.yaml").resolve())
    assert (settings["database"]["value"], settings["database"]["from"]) == ("../../data/ecotrack.db", "beside")
    assert (settings["year"]["value"], settings["year"]["from"]) == (2012, "latest")
    assert settings["language"]["from"] == "locale"
    code, out, _ = run_in(
        office.root, "--lang", "zh", "config", "--format", "json", monkeypatch=monkeypatch, ECOTRACK_YEAR="2012"
    )
    settings = {row["setting"]: row for row in json.loads(out)["settings"]}
    assert (settings["plan"]["value"], settings["plan"]["from"], settings["database"]["from"]) == (
        "tasks.yaml",
        "found",
        "default",
    )
    assert (settings["year"]["from"], settings["language"]["from"]) == ("environment", "option")
    table = run_in(office.root / "notices", "config", monkeypatch=monkeypatch)[1]
    assert "the nearest tasks.yaml, in " + str(office.root.resolve()) in table.replace("\n", " ").replace("│", " ")


def test_a_database_given_stays_the_one_used(office: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = office.root / "elsewhere.db"
    _, out, _ = run_in(
        office.root / "notices", "config", "--format", "json", monkeypatch=monkeypatch, ECOTRACK_DB=str(elsewhere)
    )
    settings = {row["setting"]: row for row in json.loads(out)["settings"]}
    assert (settings["plan"]["from"], settings["database"]["value"], settings["database"]["from"]) == (
        "found",
        str(elsewhere),
        "environment",
    )


def test_not_found_names_where_it_looked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nowhere = tmp_path / "empty" / "below"
    nowhere.mkdir(parents=True)
    code, _, err = run_in(nowhere, "status", monkeypatch=monkeypatch)
    assert code == 1 and err.startswith("error: ") and "Traceback" not in err
    assert f"no tasks.yaml in {nowhere} nor in any folder above it" in err
    assert "`ecotrack init`" in err
    code, _, err = run_in(nowhere, "init", monkeypatch=monkeypatch)
    assert code == 2 and f"no tasks.yaml in {nowhere} nor in any folder above it" in err
    assert "--plan" in err and not (nowhere / "data").exists()
    code, _, err = run_in(nowhere, "--plan", "other.yaml", "plan", "check", monkeypatch=monkeypatch)
    assert code == 2 and f"no plan file at other.yaml (in {nowhere})" in err
    (nowhere / "tasks.yaml").write_bytes(SAMPLE_PLAN.read_bytes())
    code, _, err = run_in(nowhere, "status", monkeypatch=monkeypatch)
    assert code == 1 and f"no database at data/ecotrack.db (in {nowhere / 'data'}): run `ecotrack init` first" in err
