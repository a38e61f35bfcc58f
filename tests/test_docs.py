"""The docs stay true: every command is in the CLI reference, and every ```console example of docs/*.md runs
as shown, its output compared exactly.

A ```console block is lines `$ ecotrack …` (or `$ export NAME=VALUE …`, `$ unset NAME …`), each followed by
the output it prints (stdout and stderr as a terminal shows them). A command exits 0 unless its comment says
`exit N` (`$ ecotrack assess --final  # refused (exit 1): …`); `> FILE` sends its stdout to FILE. Each page
runs on a fresh workspace of its own, in the folder shown as /home/clerk/qingchuan, in English, 100 columns
wide, with ECOTRACK_YES=1 answering the questions a terminal would ask. A page may say how to prepare it in an
HTML comment at its top:

    <!-- docs-test
    workspace: sample        # sample (default): the shipped plan, initialised, its year of filings imported;
                             # plan: the shipped plan and data/ only, nothing initialised
                             # (either way with the files of docs/examples/ beside tasks.yaml)
    setup:                   # commands run first, not shown, each exiting 0
      - ecotrack notice --as-of 2012-07-06 --dated 2012-07-09
    -->

Outputs change with the code: `ECOTRACK_DOCS_UPDATE=1 .venv/bin/pytest tests/test_docs.py` rewrites every
block with the output the commands print now (then read the diff), and `.venv/bin/cog -r docs/cli.md`
regenerates the CLI reference.
"""

from __future__ import annotations

import difflib
import os
import re
import shlex
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from ecotrack.cli.app import app

from .conftest import ROOT, SAMPLE_FILINGS, SAMPLE_PLAN, Workspace, make_workspace, prepared

DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
UPDATE = os.environ.get("ECOTRACK_DOCS_UPDATE") == "1"

# What must vary from run to run is shown as these: the workspace's folder (a temporary one of the same
# length, so that tables wrap alike), today's date (a day after the sample's year end) and the account.
HOME = "/home/clerk/qingchuan"
TODAY = "2013-03-15"
ACCOUNT = "zhou"
COLUMNS = "100"

BLOCK = re.compile(r"^```console\n(.*?)^```$", re.S | re.M)
SETTINGS = re.compile(r"\A\s*<!-- docs-test\n(.*?)-->", re.S)
EXIT = re.compile(r"\bexit (\d+)\b")


@dataclass
class Command:
    line: str  # as written after `$ `
    expected: list[str] = field(default_factory=list)


def parse_block(text: str) -> list[Command]:
    commands: list[Command] = []
    for line in text.splitlines():
        if line.startswith("$ "):
            commands.append(Command(line[2:]))
        else:
            assert commands, f"output before any command in a console block:\n{text}"
            commands[-1].expected.append(line)
    return commands


def split_comment(line: str) -> tuple[list[str], str]:
    """The words of a command line and its trailing `# comment`."""
    words = shlex.split(line, comments=True)
    for match in re.finditer(r"\s#", line):
        try:
            if shlex.split(line[: match.start()]) == words:
                return words, line[match.end() :].strip()
        except ValueError:  # a `#` inside quotes
            continue
    return words, ""


def folder() -> Path:
    """A fresh folder whose path is as long as HOME (tables wrap on its length where a command names it)."""
    base = Path("/dev/shm") if os.access("/dev/shm", os.W_OK) else Path(tempfile.gettempdir())
    pad = len(HOME) - len(str(base)) - 1 - 8  # mkdtemp adds 8 characters
    return Path(tempfile.mkdtemp(prefix="q" * max(pad, 1), dir=base))


def workspace(kind: str, root: Path) -> Workspace:
    if kind == "sample":
        ws = prepared(root, SAMPLE_PLAN, SAMPLE_FILINGS)
    elif kind == "plan":
        ws = make_workspace(root, SAMPLE_PLAN)
    else:
        raise AssertionError(f"unknown docs-test workspace {kind!r}")
    (root / "data").mkdir(exist_ok=True)
    for name in ("sample-2012.csv", "review-2012.yaml", "review-2012.csv"):
        shutil.copyfile(ROOT / "data" / name, root / "data" / name)
    for example in (DOCS / "examples").iterdir():  # files the pages use, such as a filled-in form
        shutil.copyfile(example, root / example.name)
    return ws


def normalise(text: str, root: Path) -> list[str]:
    text = text.replace(str(root), HOME)
    today = date.today().isoformat()
    if today in text:  # a wall-clock stamp: its time too, wherever a table wrapped it (the sample's are dates)
        text = re.sub(
            r"(?<!\d)\d\d:\d\d(:\d\d)?(\.\d+)?(?!\d)",
            lambda m: "09:30" + (":00" if m[1] else "") + ("." + "0" * (len(m[2]) - 1) if m[2] else ""),
            text,
        ).replace(today, TODAY)
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


class Session:
    """A page's commands, run in order in one workspace."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.env: dict[str, str] = {
            "ECOTRACK_YES": "1",
            "COLUMNS": COLUMNS,
            "LINES": "50",
            "NO_COLOR": "1",
            "LANG": "C.UTF-8",
        }

    def run(self, line: str) -> tuple[int, int, list[str]]:
        """The exit code expected, the exit code and the output of one line."""
        words, comment = split_comment(line)
        found = EXIT.search(comment)
        expected = int(found[1]) if found else 0
        if not words:  # `$ # a comment`
            return expected, 0, []
        if words[0] == "export":
            for word in words[1:]:
                name, _, value = word.partition("=")
                self.env[name] = value
            return expected, 0, []
        if words[0] == "unset":
            for name in words[1:]:
                self.env.pop(name, None)
            return expected, 0, []
        assert words[0] == "ecotrack", f"the docs run only ecotrack, export and unset: {line}"
        args, out = words[1:], None
        if ">" in args:
            at = args.index(">")
            args, out = args[:at], self.root / args[at + 1]
        result = CliRunner().invoke(app, args, env=self.env, catch_exceptions=False)
        if out is not None:
            out.write_bytes(result.stdout_bytes)
            text = result.stderr
        else:
            text = result.output
        return expected, result.exit_code, normalise(text, self.root)


def page_settings(text: str) -> dict[str, object]:
    found = SETTINGS.match(text)
    settings = yaml.safe_load(found[1]) if found else {}
    assert isinstance(settings, dict)
    return settings


@pytest.fixture
def _fixed_account(monkeypatch: pytest.MonkeyPatch) -> None:
    import ecotrack.tracker.base

    monkeypatch.setattr(ecotrack.tracker.base, "account", lambda: ACCOUNT)


PAGES_WITH_EXAMPLES = [page for page in PAGES if "```console" in page.read_text(encoding="utf-8")]


@pytest.mark.usefixtures("_fixed_account")
@pytest.mark.parametrize("page", PAGES_WITH_EXAMPLES, ids=[page.stem for page in PAGES_WITH_EXAMPLES])
def test_the_examples_print_what_the_page_shows(page: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = page.read_text(encoding="utf-8")
    settings = page_settings(text)
    root = folder()
    try:
        workspace(str(settings.get("workspace", "sample")), root)
        monkeypatch.chdir(root)
        session = Session(root)
        for line in settings.get("setup", None) or []:  # type: ignore[attr-defined]
            expected, code, output = session.run(str(line))
            assert code == expected, f"{page.name} setup: {line}\n" + "\n".join(output)
        failures: list[str] = []

        def check(block: re.Match[str]) -> str:
            lines = []
            for command in parse_block(block[1]):
                expected, code, output = session.run(command.line)
                if code != expected:
                    failures.append(f"$ {command.line}\nexited {code}, not {expected}:\n" + "\n".join(output))
                elif output != command.expected:
                    diff = difflib.unified_diff(command.expected, output, "the page", "the command", lineterm="")
                    failures.append(f"$ {command.line}\n" + "\n".join(diff))
                lines += [f"$ {command.line}", *output]
            return "```console\n" + "".join(line + "\n" for line in lines) + "```"

        rewritten = BLOCK.sub(check, text)
        if UPDATE:
            if rewritten != text:
                page.write_text(rewritten, encoding="utf-8")
            return
        assert not failures, (
            f"{page.name}: {len(failures)} example(s) print otherwise (ECOTRACK_DOCS_UPDATE=1 rewrites them):\n\n"
            + "\n\n".join(failures)
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


# --- the CLI reference and the README -------------------------------------------------------------------


def command_names() -> list[str]:
    import typer.main

    group = typer.main.get_command(app)
    names = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        sub = getattr(command, "commands", None)
        names += [f"{name} {inner}" for inner in sub] if sub else [name]
    return names


@pytest.mark.parametrize("name", command_names())
def test_every_command_is_in_the_cli_reference(name: str) -> None:
    reference = (DOCS / "cli.md").read_text(encoding="utf-8")
    found = re.search(rf"^### ecotrack {name}$", reference, re.M)
    assert found, f"`ecotrack {name}` is not in docs/cli.md: run `.venv/bin/cog -r docs/cli.md`"


def test_every_page_is_in_the_nav_and_every_example_ran() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in PAGES:
        assert f": {page.name}" in config, f"{page.name} is not in mkdocs.yml's nav"
    examples = sum(len(parse_block(block)) for page in PAGES for block in BLOCK.findall(page.read_text("utf-8")))
    assert examples >= 80


OUTSIDE = re.compile(r"\.\./|SPEC\.md|SPEC §|RELIABILITY\.md|STYLE\.md|shared/")


@pytest.mark.parametrize("path", [ROOT / "README.md", *PAGES], ids=lambda path: path.name)
def test_nothing_refers_to_files_outside_the_repository(path: Path) -> None:
    found = [line for line in path.read_text(encoding="utf-8").splitlines() if OUTSIDE.search(line)]
    assert not found, f"{path.name} refers outside the repository:\n" + "\n".join(found)


def test_the_readme_names_the_two_setup_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.encode()) < 12_000, "the README is a few screens; the rest belongs in docs/"
    assert "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/ecotrack init" in readme
    assert "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest" in readme
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ".venv/bin/pip install -q -e '.[test]'" in ci and ".venv/bin/pytest" in ci
    assert "cog --check" in ci and "mkdocs build --strict" in ci
    assert Path(ROOT / "data" / "sample-2012.csv").exists()
