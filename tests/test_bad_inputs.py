"""The bad input corpus (`tests/bad_inputs/`): every case is refused with exit 2 (or its own `exit`), `error:`
lines that name the place, no traceback, and a database left exactly as it was (SPEC §7, RELIABILITY.md).

The cases live in `tests/bad_inputs/cases.yaml`, their input files in `tests/bad_inputs/files/`; see the README
there for how to add one. Each case runs against the conformance plan, initialised and with its year of filings
imported, so that bad input meets a database holding real data.
"""

from __future__ import annotations

import codecs
import io
import re
import shutil
import sqlite3
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from .conftest import CONFORMANCE, Workspace, make_workspace

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
FILES = CORPUS / "files"
CASES_FILE = CORPUS / "cases.yaml"
KINDS = ("plan", "csv", "xlsx", "option")
CASE_KEYS = {"name", "kind", "command", "file", "xlsx", "expect", "exit", "spawn", "bug", "undecodable", "why"}
XLSX_KEYS = {"header", "rows", "formulas", "empty_first_sheet"}
HEADER = ["unit", "target", "period", "value", "note", "reported_by", "reported_at"]
NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# Every generated workbook carries this time (document properties and zip entries), so its bytes never change.
FIXED_TIME = datetime(2014, 1, 1)
FIXED_ZIP_TIME = (2014, 1, 1, 0, 0, 0)
PLACEHOLDER = "{file}"
# A plan case also loads its file as the plan; it must be refused the same way, before the database is touched.
PLAN_LOAD = ("--plan", PLACEHOLDER, "plan", "load")
# SQLite's side files come and go with connections; every other file in the workspace must stay as it was.
DATABASE_SIDE_FILES = ("-wal", "-shm", "-journal")


@dataclass(frozen=True)
class Case:
    """One bad input: what to run, on which file, and what a user must be told."""

    name: str
    kind: str
    command: tuple[str, ...]
    expect: tuple[str, ...]
    exit: int = 2
    file: str | None = None
    xlsx: Mapping[str, Any] | None = None
    spawn: bool = False
    bug: str | None = None
    undecodable: tuple[str, ...] = ()
    why: str = ""
    commands: tuple[tuple[str, ...], ...] = field(default=(), compare=False)

    def param(self) -> Any:
        # strict: the case fails the run once the bug is fixed, so that its `bug:` line is removed
        marks = [pytest.mark.xfail(strict=True, raises=AssertionError, reason=f"BUG: {self.bug}")] if self.bug else []
        return pytest.param(self, id=self.name, marks=marks)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f'{where} must be a list of strings (quote numbers and dates: "2014-02-30"): {value!r}')
    return tuple(value)


def _case(raw: Any, index: int) -> Case:
    """A case from cases.yaml, checked so that a typo in the corpus fails loudly instead of testing nothing."""
    where = f"{CASES_FILE.name} case {index + 1}"
    if not isinstance(raw, dict):
        raise ValueError(f"{where} must be a mapping")
    unknown = set(raw) - CASE_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}; known: {sorted(CASE_KEYS)}")
    name = raw.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        raise ValueError(f"{where}: name must be kebab-case, not {name!r}")
    where = f"{CASES_FILE.name} case {name!r}"
    kind = raw.get("kind")
    if kind not in KINDS:
        raise ValueError(f"{where}: kind must be one of {KINDS}, not {kind!r}")
    command = _strings(raw.get("command"), f"{where}: command")
    expect = _strings(raw.get("expect"), f"{where}: expect")
    if not expect:
        raise ValueError(f"{where}: expect at least one substring of stderr")
    file = raw.get("file")
    if file is not None and (not isinstance(file, str) or Path(file).name != file):
        raise ValueError(f"{where}: file must be a bare file name, not {file!r}")
    xlsx = raw.get("xlsx")
    if xlsx is not None:
        if not isinstance(xlsx, dict) or set(xlsx) - XLSX_KEYS:
            raise ValueError(f"{where}: xlsx must be a mapping with keys among {sorted(XLSX_KEYS)}")
        if file is None or not file.endswith(".xlsx"):
            raise ValueError(f"{where}: a generated workbook needs a file name ending in .xlsx")
    if (PLACEHOLDER in command) != (file is not None):
        raise ValueError(f"{where}: a case with a file must use {PLACEHOLDER} in its command, and only then")
    exit_code = raw.get("exit", 2)
    if not isinstance(exit_code, int) or isinstance(exit_code, bool) or exit_code == 0:
        raise ValueError(f"{where}: exit must be a non-zero integer")
    bug = raw.get("bug")
    if bug is not None and not isinstance(bug, str):
        raise ValueError(f"{where}: bug must be text saying what is wrong")
    commands = (command, PLAN_LOAD) if kind == "plan" else (command,)
    return Case(
        name=name,
        kind=kind,
        command=command,
        expect=expect,
        exit=exit_code,
        file=file,
        xlsx=xlsx,
        spawn=bool(raw.get("spawn", False)),
        bug=bug,
        undecodable=_strings(raw.get("undecodable", []), f"{where}: undecodable"),
        why=str(raw.get("why", "")),
        commands=commands,
    )


def load_cases() -> list[Case]:
    raw = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
    if not isinstance(raw, list):
        raise ValueError(f"{CASES_FILE} must hold a list of cases")
    return [_case(item, index) for index, item in enumerate(raw)]


CASES = load_cases()


# --- generated workbooks --------------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    """A cell of a generated row; `{repeat: TEXT, times: N}` stands for a long text."""
    if isinstance(value, dict):
        return str(value["repeat"]) * int(value["times"])
    return value


def xlsx_bytes(spec: Mapping[str, Any]) -> bytes:
    """A workbook from a case's `xlsx:` spec, byte for byte the same on every run.

    `header` (default: the seven English columns) and `rows` go on the first sheet, `Sheet`, or on the second
    when `empty_first_sheet` is true; `formulas` ({cell: "=…"}) are then set on that sheet.
    """
    workbook = Workbook()
    sheet = workbook.active
    if spec.get("empty_first_sheet"):
        sheet.title = "空白"
        sheet = workbook.create_sheet("Sheet")
    sheet.append(list(spec.get("header", HEADER)))
    for row in spec.get("rows", []):
        sheet.append([_cell(value) for value in row])
    for coordinate, formula in spec.get("formulas", {}).items():
        sheet[coordinate] = formula
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    written = io.BytesIO()
    archive = zipfile.ZipFile(written, "w", zipfile.ZIP_DEFLATED)
    ExcelWriter(workbook, archive).save()  # unlike Workbook.save, keeps the fixed `modified` time
    # zip entries carry the time they were written: copy them with a fixed one
    fixed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(written.getvalue())) as source, zipfile.ZipFile(fixed, "w") as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, source.read(info))
    return fixed.getvalue()


# --- running a case -------------------------------------------------------------------------------------

_TEMPLATE: Workspace | None = None  # the conformance workspace, initialised and imported once for the module


@pytest.fixture
def conformance(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """conftest's `conformance` (the conformance plan, initialised, its year of filings imported), made faster.

    `init` and the import run once for the module; each case gets its own copy of that database, taken with
    SQLite's backup API, next to its own copy of the plan (as tests/test_imports.py does).
    """
    global _TEMPLATE
    if _TEMPLATE is None:
        template = make_workspace(tmp_path_factory.mktemp("conformance"), CONFORMANCE / "plan.yaml")
        template.ok("init")
        template.ok("import", str(CONFORMANCE / "filings.csv"))
        _TEMPLATE = template
    workspace = make_workspace(tmp_path, CONFORMANCE / "plan.yaml")
    workspace.db.parent.mkdir()
    with sqlite3.connect(_TEMPLATE.db) as source, sqlite3.connect(workspace.db) as copy:
        source.backup(copy)
    assert workspace.entries() > 0
    return workspace


def place_input(workspace: Workspace, case: Case) -> None:
    """Put the case's input file into the workspace, under its own name."""
    if case.file is None:
        return
    if case.xlsx is not None:
        (workspace.root / case.file).write_bytes(xlsx_bytes(case.xlsx))
    else:
        shutil.copyfile(FILES / case.file, workspace.root / case.file)


def workspace_files(workspace: Workspace) -> dict[str, bytes]:
    """Every file of the workspace with its bytes, but the database (compared by `snapshot`) and its side files."""
    return {
        path.relative_to(workspace.root).as_posix(): path.read_bytes()
        for path in sorted(workspace.root.rglob("*"))
        if path.is_file() and path != workspace.db and not path.name.endswith(DATABASE_SIDE_FILES)
    }


def with_file(command: Sequence[str], case: Case) -> list[str]:
    return [case.file if part == PLACEHOLDER and case.file else part for part in command]


def check_refused(case: Case, command: Sequence[str], exit_code: int, stdout: str, stderr: str) -> None:
    shown = f"ecotrack {' '.join(command)}\nexit {exit_code}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    assert "Traceback" not in stdout and "Traceback" not in stderr, shown
    assert exit_code == case.exit, shown
    assert stderr.splitlines() and stderr.splitlines()[0].startswith("error: "), shown
    missing = [text for text in case.expect if text not in stderr]
    assert not missing, f"stderr lacks {missing}\n{shown}"


@pytest.mark.parametrize("case", [case.param() for case in CASES])
def test_bad_input_is_refused_and_changes_nothing(conformance: Workspace, case: Case) -> None:
    place_input(conformance, case)
    database = conformance.snapshot()
    files = workspace_files(conformance)
    for command in case.commands:
        args = with_file(command, case)
        outcome = conformance.run(*args)
        check_refused(case, args, outcome.exit_code, outcome.stdout, outcome.stderr)
        assert conformance.snapshot() == database, f"ecotrack {' '.join(args)} changed the database"
        assert workspace_files(conformance) == files, f"ecotrack {' '.join(args)} changed files"
        if case.spawn:  # the installed command, as a user runs it: still no traceback
            spawned = conformance.spawn(*args)
            check_refused(case, args, spawned.returncode, spawned.stdout, spawned.stderr)
            assert conformance.snapshot() == database, f"ecotrack {' '.join(args)} (spawned) changed the database"
            assert workspace_files(conformance) == files, f"ecotrack {' '.join(args)} (spawned) changed files"


# --- the corpus itself ----------------------------------------------------------------------------------


def test_the_corpus_is_large_named_and_complete() -> None:
    assert len(CASES) >= 45
    names = [case.name for case in CASES]
    assert len(set(names)) == len(names), sorted({n for n in names if names.count(n) > 1})
    assert {case.kind for case in CASES} == set(KINDS)
    for kind in KINDS:
        assert any(case.spawn for case in CASES if case.kind == kind), f"no {kind} case runs as a real process"
    literal = {case.file for case in CASES if case.file is not None and case.xlsx is None}
    generated = {case.file for case in CASES if case.xlsx is not None}
    assert not literal & generated, "a generated workbook must not share its name with a file of the corpus"
    missing = sorted(name for name in literal if not (FILES / name).is_file())
    assert not missing, f"cases name files that are not in {FILES}: {missing}"
    on_disk = {path.name for path in FILES.iterdir()}
    unused = sorted(on_disk - literal)
    assert not unused, f"files no case uses: {unused}"


@pytest.mark.parametrize("case", [case for case in CASES if case.undecodable], ids=lambda case: case.name)
def test_encoded_files_really_fail_the_encodings_they_claim(case: Case) -> None:
    assert case.file is not None
    raw = (FILES / case.file).read_bytes()
    for encoding in case.undecodable:
        codecs.lookup(encoding)
        with pytest.raises(UnicodeDecodeError):
            raw.decode(encoding)


def test_generated_workbooks_are_deterministic() -> None:
    specs = [case.xlsx for case in CASES if case.xlsx is not None]
    assert specs
    for spec in specs:
        first = xlsx_bytes(spec)
        assert xlsx_bytes(spec) == first
        with zipfile.ZipFile(io.BytesIO(first)) as archive:
            assert {info.date_time for info in archive.infolist()} == {FIXED_ZIP_TIME}
            core = archive.read("docProps/core.xml").decode("utf-8")
        assert core.count(FIXED_TIME.isoformat()) == 2, core  # created and modified
