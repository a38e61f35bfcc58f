"""The README stays true: every command is documented, and its walkthrough runs as written."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from ecotrack.cli.app import app

from .conftest import ROOT, Workspace

README = (ROOT / "README.md").read_text(encoding="utf-8")
# Walkthrough lines that need a person: the interactive form, and importing the form once filled in.
NEEDS_A_PERSON = ("report --unit qingshan --period 2012-06", "import 青山镇-2012-06.xlsx")


def command_names() -> list[str]:
    import typer.main

    group = typer.main.get_command(app)
    names = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        sub = getattr(command, "commands", None)
        names += [f"{name} {inner}" for inner in sub] if sub else [name]
    return names


@pytest.mark.parametrize("name", command_names())
def test_every_command_is_in_the_readme(name: str) -> None:
    assert f"ecotrack {name}" in README, f"`ecotrack {name}` is not documented in README.md"


def walkthrough() -> list[str]:
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", README, flags=re.S):
        for line in block.splitlines():
            if line.startswith("ecotrack ") and not line.removeprefix("ecotrack ").startswith(NEEDS_A_PERSON):
                lines.append(line)
    return lines


def test_the_walkthrough_runs_on_the_sample(sample: Workspace) -> None:
    lines = walkthrough()
    assert len(lines) >= 25
    for line in lines:
        command = line.split("#")[0].split("||")[0].split(">")[0].strip()
        args = shlex.split(command)[1:]
        outcome = sample.run(*args)
        expected = 1 if "--exit-code" in args or "refused (exit 1)" in line else 0
        assert outcome.exit_code == expected, f"{line}\n{outcome.stderr}"
    assert (sample.root / "notices" / "通报-2012-001-2012-06.md").exists()
    assert (sample.root / "2012年度考核.xlsx").exists() and (sample.root / "backups").is_dir()


def test_the_review_walkthrough_runs_on_its_plan(tmp_path: Path) -> None:
    """The README's review story (a ```shell block) on data/review-2012.yaml, as written: each line succeeds
    but the one it says is refused."""
    import shutil

    from .conftest import make_workspace

    workspace = make_workspace(tmp_path, ROOT / "data" / "review-2012.yaml")
    (tmp_path / "data").mkdir()
    shutil.copyfile(ROOT / "data" / "review-2012.csv", tmp_path / "data" / "review-2012.csv")
    (block,) = re.findall(r"```shell\n(.*?)```", README, flags=re.S)
    lines = [line for line in block.splitlines() if line.startswith("ecotrack ")]
    assert len(lines) >= 12
    for line in lines:
        command, _, comment = line.partition("#")
        outcome = workspace.run(*shlex.split(command)[1:])
        expected = 1 if "refused (exit 1)" in comment else 0
        assert outcome.exit_code == expected, f"{line}\n{outcome.stderr}"
    entries = workspace.query("SELECT count(*) FROM entry")[0][0]
    assert entries == 24 + 4  # the paper reports, July twice (15 returned, then 415) and 4.5, the 补报
    assert workspace.query("SELECT count(*) FROM review_decision WHERE decision = 'returned'")[0][0] == 1
    assert '"entries":[]' in workspace.ok("review", "--format", "json").stdout  # every decision made


def test_the_readme_names_the_two_setup_commands() -> None:
    assert "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/ecotrack init" in README
    assert "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest" in README
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ".venv/bin/pip install -q -e '.[test]'" in ci and ".venv/bin/pytest" in ci
    assert Path(ROOT / "data" / "sample-2012.csv").exists()
