"""Robustness (issue 9): stored data never breaks an export or reaches a terminal raw; options are
checked in ecotrack's words; failures are blamed on what failed."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import CONFORMANCE, ECOTRACK, Workspace, on_a_terminal

ESCAPES = "\x1b[2J\x1b[31mRED\x1b]0;pwned\x1b\\\x0bend"


def _plant(workspace: Workspace) -> None:
    """What an older version let in: a note with escape sequences, a unit name with markup and ESC.

    Inserted with raw SQL (entries accept INSERT; the unit table is the plan's, not a record)."""
    with closing(sqlite3.connect(workspace.db)) as connection:
        connection.execute(
            "INSERT INTO entry (assignment_id, period, value, note, reported_by, reported_at, reported_on, "
            "filed_at, filed_by) SELECT assignment_id, period, value, ?, 'old', reported_at, reported_on, "
            "filed_at, filed_by FROM entry WHERE id = 1",
            (ESCAPES,),
        )
        connection.execute("UPDATE unit SET name = ? WHERE code = 'dongpo'", ("[bold]东坡[/]\x1b[2J镇",))
        connection.commit()


def _on_a_terminal(workspace: Workspace, *args: str) -> bytes:
    """The command's output as a terminal receives it (stdout and stderr on a pseudo-terminal)."""
    code, received = on_a_terminal(workspace, *args)
    assert code == 0, received.decode("utf-8", "replace")
    return received


@pytest.mark.parametrize(
    "command",
    [
        ("history",),
        ("status", "--as-of", "2014-07-06"),
        ("units",),
        ("notice", "--as-of", "2014-07-06", "--dry-run"),
        ("export", "--format", "csv", "--table", "entries"),
        ("history", "--format", "csv"),
    ],
    ids=lambda command: "-".join(command[:3]),
)
def test_no_stored_escape_sequence_reaches_a_terminal(conformance: Workspace, command: tuple[str, ...]) -> None:
    _plant(conformance)
    shown = _on_a_terminal(conformance, *command)
    assert b"\x1b[2J" not in shown and b"\x1b]" not in shown and b"\x0b" not in shown
    assert b"\x1b[31mRED" not in shown
    if command[0] in ("history", "export") and "csv" not in command:
        assert "\ufffd".encode() in shown  # shown as a visible replacement, not dropped silently


def test_markup_in_stored_names_is_shown_as_text(conformance: Workspace) -> None:
    _plant(conformance)
    table = conformance.ok("units").stdout
    assert "[bold]东坡[/]" in table


def test_an_xlsx_export_survives_stored_control_characters(conformance: Workspace) -> None:
    from openpyxl import load_workbook

    _plant(conformance)
    out = conformance.root / "year.xlsx"
    outcome = conformance.run("export", "--format", "xlsx", "--as-of", "2014-12-31", "--out", str(out))
    assert outcome.exit_code == 0, outcome.stderr
    assert "Traceback" not in outcome.stderr and "Exception ignored" not in outcome.stderr
    book = load_workbook(out, read_only=True)
    notes = [str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row]
    assert any("RED" in note and "\ufffd" in note for note in notes)
    stdout = conformance.run("export", "--format", "xlsx", "--as-of", "2014-12-31")
    assert stdout.exit_code == 0 and len(stdout.stdout_bytes) > 1000
    load_workbook(io.BytesIO(stdout.stdout_bytes), read_only=True)


def test_json_keeps_stored_text_exactly_and_escaped(conformance: Workspace) -> None:
    _plant(conformance)
    raw = conformance.ok("history", "--format", "json").stdout
    assert "\x1b" not in raw  # the JSON encoder writes \u001b
    assert json.loads(raw)["entries"][-1]["note"] == ESCAPES


def test_a_plan_yaml_escape_writing_a_control_character_is_refused(tmp_path: Path) -> None:
    from .conftest import CONFORMANCE, make_workspace

    text = (CONFORMANCE / "plan.yaml").read_text().replace("name: 东坡镇", 'name: "东坡\\e[2J镇"', 1)
    workspace = make_workspace(tmp_path, text)
    outcome = workspace.run("plan", "check", str(workspace.plan))
    assert outcome.exit_code == 2
    assert "control character U+001B is not allowed in a plan file" in outcome.stderr


def test_stdout_that_cannot_be_written_is_blamed_not_the_database(conformance: Workspace) -> None:
    for command in (("units",), ("units", "--format", "json"), ("export", "--format", "csv", "--table", "plan")):
        with Path("/dev/full").open("w") as full:
            result = subprocess.run(
                [str(ECOTRACK), *command],
                stdout=full,
                stderr=subprocess.PIPE,
                env={**os.environ, **conformance.env()},
                text=True,
                timeout=60,
            )
        assert result.returncode == 1
        assert result.stderr == "error: cannot write to standard output: No space left on device\n", result.stderr


def test_a_folder_or_device_as_the_database_is_named(tmp_path: Path) -> None:
    (tmp_path / "dir.db").mkdir()
    result = subprocess.run(
        [str(ECOTRACK), "--db", "dir.db", "backup", "copy.db"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert result.stderr == "error: the database dir.db is a folder, not a SQLite file\n"
    assert not (tmp_path / "copy.db").exists()


def test_environment_variables_are_named_in_errors(conformance: Workspace) -> None:
    for name, value, expected in (
        ("ECOTRACK_DB", "mysql://u@h/db", "error: ECOTRACK_DB 'mysql://u@h/db' is not a database"),
        ("ECOTRACK_LANG", "fr", "error: ECOTRACK_LANG 'fr': choose zh or en"),
        ("ECOTRACK_YEAR", "abc", "error: ECOTRACK_YEAR 'abc' is not a plan year"),
    ):
        outcome = conformance.run("status", env={name: value})
        assert outcome.exit_code == 2 and outcome.stderr.startswith(expected), outcome.stderr


@pytest.mark.parametrize(
    ("number", "numeral"),
    [(1, "一"), (10, "十"), (19, "十九"), (99, "九十九"), (100, "一百"), (101, "一百零一"), (110, "一百一十"),
     (1005, "一千零五"), (1020, "一千零二十")],
)  # fmt: skip
def test_chinese_section_numerals_go_past_ninety_nine(number: int, numeral: str) -> None:
    from ecotrack.notices import chinese_numeral

    assert chinese_numeral(number) == numeral


# --- workbooks whose XML a spreadsheet program would not write ---------------------------------------------


def _doctored_workbook(path: Path, replace: tuple[str, str], rows: int = 1) -> Path:
    """A form whose sheet XML has one piece replaced (openpyxl writes `<c r="D2" t="n"><v>2</v></c>`)."""
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["unit", "target", "period", "value", "note", "reported_by", "reported_at"])
    for _ in range(rows):
        sheet.append(["dongpo", "1.1", "2014-03", 2, None, "c", "2014-04-02"])
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode().replace(" />", "/>")  # as openpyxl writes it, with lxml or without
                assert replace[0] in text, text[:600]
                data = text.replace(replace[0], replace[1], 1).encode()
            target.writestr(info, data)
    return path


CANNOT_READ = "the cell cannot be read"
NUMBER_CELL = '<c r="D2" t="n"><v>2</v>'


@pytest.mark.parametrize(
    ("replace", "expected"),
    [
        pytest.param((NUMBER_CELL, '<c r="D2" t="n"><v>abc</v>'), f"Sheet!D2: {CANNOT_READ}", id="text-in-number"),
        pytest.param((NUMBER_CELL, '<c r="D2" t="d"><v>2012-13-45</v>'), f"Sheet!D2: {CANNOT_READ}", id="bad-date"),
        pytest.param(('<c r="D2" t="n">', '<c r="ZZZZ2" t="n">'), f"Sheet!ZZZZ2: {CANNOT_READ}", id="bad-reference"),
        pytest.param(
            (NUMBER_CELL, '<c r="D2" t="n"><v>1' + "0" * 400 + "</v>"),
            "Sheet!2: value '100000000000…' is too large",
            id="400-digits",
        ),
    ],
)
def test_a_malformed_cell_is_named_by_its_reference(
    conformance_empty: Workspace, replace: tuple[str, str], expected: str
) -> None:
    path = _doctored_workbook(conformance_empty.root / "form.xlsx", replace)
    outcome = conformance_empty.run("import", "form.xlsx")
    assert outcome.exit_code == 2, outcome.stderr
    assert f"form.xlsx:{expected}" in outcome.stderr and "a bug" not in outcome.stderr, outcome.stderr
    assert conformance_empty.entries() == 0
    assert path.exists()


def test_a_sheet_declaring_a_million_rows_reads_only_what_it_holds(conformance_empty: Workspace) -> None:
    """A 5 KB workbook declaring A1:XFD1048576 with its one row at 1048576 took about 27 minutes."""
    path = _doctored_workbook(
        conformance_empty.root / "form.xlsx", ('<dimension ref="A1:G2"/>', '<dimension ref="A1:XFD1048576"/>')
    )
    import zipfile

    with zipfile.ZipFile(path) as archive:
        text = archive.read("xl/worksheets/sheet1.xml").decode()
    text = text.replace('<row r="2"', '<row r="1048576"').replace('r="A2"', 'r="A1048576"')
    for column in "BCDEFG":
        text = text.replace(f'r="{column}2"', f'r="{column}1048576"')
    rebuilt = conformance_empty.root / "far.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(rebuilt, "w") as target:
        for info in source.infolist():
            data = text.encode() if info.filename == "xl/worksheets/sheet1.xml" else source.read(info)
            target.writestr(info, data)
    assert rebuilt.stat().st_size < 10_000
    outcome = conformance_empty.run("import", "far.xlsx", "--dry-run")
    assert outcome.exit_code == 0, outcome.stderr
    assert "the 1 row is good" in outcome.stderr


def test_an_import_larger_than_the_limit_is_refused_before_it_is_read(conformance_empty: Workspace) -> None:
    path = conformance_empty.write("big.csv", "unit,target,period,value\n" + "dongpo,1.1,2014-03,2\n" * 60_000)
    outcome = conformance_empty.run("import", str(path), env={"ECOTRACK_IMPORT_LIMIT_MB": "1"})
    assert outcome.exit_code == 2
    assert outcome.stderr.startswith(f"error: {path} is 1 MiB, more than the 1 MiB an import reads")
    bad = conformance_empty.run("import", str(path), env={"ECOTRACK_IMPORT_LIMIT_MB": "lots"})
    assert bad.exit_code == 2 and "ECOTRACK_IMPORT_LIMIT_MB 'lots' is not a whole number" in bad.stderr
    assert conformance_empty.entries() == 0


def _read_only(path: Path) -> bool:
    """Make a file or folder unwritable even to root (chattr +i), or by its mode for anyone else."""
    if os.geteuid() != 0:
        path.chmod(0o555 if path.is_dir() else 0o444)
        return True
    return subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0


def _writable_again(path: Path) -> None:
    if os.geteuid() != 0:
        path.chmod(0o755 if path.is_dir() else 0o644)
    else:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True)


@pytest.mark.parametrize("what", ["folder", "file"])
def test_an_archived_database_can_be_read_exported_and_backed_up(conformance: Workspace, what: str) -> None:
    """On read-only media, `status`, `history`, `export` and `backup` said "folder is read-only"."""
    expected = {
        args: conformance.ok(*args).stdout
        for args in (("status", "--as-of", "2014-07-06", "--format", "json"), ("history", "--format", "csv"))
    }
    count = conformance.entries()
    locked = [conformance.db, conformance.db.parent] if what == "folder" else [conformance.db]
    for path in locked:
        if not _read_only(path):
            pytest.skip("cannot make a file read-only here (chattr failed)")
    try:
        for args, output in expected.items():
            outcome = conformance.run(*args)
            assert outcome.exit_code == 0, outcome.stderr
            assert outcome.stdout == output
        exported = conformance.run("export", "--format", "json")
        assert exported.exit_code == 0 and json.loads(exported.stdout)["entries"]
        copy = conformance.root.parent / f"{conformance.root.name}-copy.db"
        backed_up = conformance.run("backup", str(copy))
        assert backed_up.exit_code == 0, backed_up.stderr
        with closing(sqlite3.connect(copy)) as connection:
            assert connection.execute("SELECT count(*) FROM entry").fetchone()[0] == count
        refused = conformance.run("report", "-u", "dongpo", "-t", "1.1", "-p", "2014-03", "-v", "2")
        assert refused.exit_code == 1
        assert "read-only" in refused.stderr and "Traceback" not in refused.stderr
    finally:
        for path in locked:
            _writable_again(path)


def test_too_many_shared_strings_are_refused_before_they_are_loaded(conformance_empty: Workspace) -> None:
    """A 211 KB workbook with 5 million shared strings took 78 s and 536 MB to be refused."""
    import zipfile

    from ecotrack.imports import MAX_SHARED_STRINGS

    path = _doctored_workbook(conformance_empty.root / "form.xlsx", ("", ""))
    rebuilt = conformance_empty.root / "strings.xlsx"
    count = MAX_SHARED_STRINGS + 1
    strings = (
        '<?xml version="1.0" encoding="UTF-8"?><x:sst xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/'
        f'main" count="{count}" uniqueCount="1">' + "<x:si><x:t/></x:si>" * count + "</x:sst>"
    )
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "[Content_Types].xml":  # openpyxl writes inline strings: declare the part
                override = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{kind}"/></Types>'
                data = data.decode().replace("</Types>", override).encode()
            target.writestr(info.filename, data)
        target.writestr("xl/sharedStrings.xml", strings)
    assert rebuilt.stat().st_size < 200_000
    outcome = conformance_empty.run("import", "strings.xlsx", "--dry-run")
    assert outcome.exit_code == 2
    assert outcome.stderr == (
        f"error: strings.xlsx holds more than {MAX_SHARED_STRINGS:,} different texts (shared strings); "
        "no form needs so many\n"
    )


def test_an_undecodable_byte_far_into_a_file_is_named_by_its_line(conformance_empty: Workspace) -> None:
    """The encoding is found by reading the file in pieces: a bad byte past the first piece, and one split
    across two pieces, are still named by their line, and a GB18030 file past the first piece is read."""
    from ecotrack.imports import CHUNK

    header = "unit,target,period,value,note\n"
    row = "dongpo,1.1,2014-03,2,说明\n"
    count = CHUNK // len(row.encode()) + 10
    text = (header + row * count).encode()
    bad = text + b"dongpo,1.1,2014-03,2,\xff\n"
    (conformance_empty.root / "bad.csv").write_bytes(bad)
    outcome = conformance_empty.run("import", "bad.csv", "--dry-run")
    assert outcome.exit_code == 2
    assert outcome.stderr.startswith(f"error: bad.csv:{count + 2}: not utf-8 / gb18030 text"), outcome.stderr
    chinese = (header + row * count).encode("gb18030")
    (conformance_empty.root / "gbk.csv").write_bytes(chinese)
    read = conformance_empty.run("import", "gbk.csv", "--dry-run")
    assert read.exit_code == 0, read.stderr
    assert f"all {count} rows are good" in read.stderr


def test_checked_entries_give_back_exactly_what_was_kept() -> None:
    """The compact store of a file's entries: every field back as it went in, in order."""
    from datetime import datetime

    from ecotrack.filing import NewEntry
    from ecotrack.imports import CheckedEntries

    kept = CheckedEntries()
    entries = [
        NewEntry("dongpo", "1.1", "2014-03", 2.5, "说明\n第二行", "张三", datetime(2014, 4, 2, 9, 30, 1, 7)),
        NewEntry("dongpo", "1.2", "2014-03", -0.0, "", "张三", datetime(1999, 12, 31)),
        NewEntry("nanyuan", "1.1", "2014-04", 1e15, "\u3000lead \U0001f600", "李四", datetime(2014, 5, 1)),
    ]
    for entry in entries:
        kept.append(entry)
    assert list(kept) == entries
    assert kept[-1] == entries[-1] and kept[1:] == entries[1:] and len(kept) == 3
    with pytest.raises(IndexError):
        kept[3]


def test_warnings_past_the_first_two_hundred_are_counted(conformance_empty: Workspace) -> None:
    far = ["dongpo,1.1,2014-05,100000,,c,2014-12-20"] * 250
    conformance_empty.write("rows.csv", "unit,target,period,value,note,reported_by,reported_at\n" + "\n".join(far))
    outcome = conformance_empty.run("import", "rows.csv", "--dry-run")
    assert outcome.exit_code == 0, outcome.stderr
    lines = outcome.stderr.splitlines()
    assert sum("more than 10× the amount" in line for line in lines) == 200, lines[:3]
    assert lines[-2:] == [
        "warning: ... and 50 more warnings",
        "rows.csv: all 250 rows are good; nothing filed (--dry-run)",
    ]


# --- the smaller items -----------------------------------------------------------------------------------------


def test_minus_nought_is_nought_without_a_drift_warning(conformance_empty: Workspace) -> None:
    conformance_empty.ok("report", "-u", "dongpo", "-t", "1.1", "-p", "2014-02", "-v", "0", "--on", "2014-03-02")
    outcome = conformance_empty.ok(
        "report", "-u", "dongpo", "-t", "1.1", "-p", "2014-03", "-v", "-0", "--on", "2014-04-02"
    )
    assert "warning" not in outcome.stderr and "= -0" not in outcome.stderr
    assert conformance_empty.query("SELECT value FROM entry ORDER BY id") == [(0.0,), (0.0,)]


def test_a_reporter_number_too_long_for_a_spreadsheet_is_refused(conformance_empty: Workspace) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["unit", "target", "period", "value", "note", "reported_by", "reported_at"])
    book.active.append(["dongpo", "1.1", "2014-03", 2, None, 12345678901234567890.0, "2014-04-02"])
    book.save(conformance_empty.root / "form.xlsx")
    outcome = conformance_empty.run("import", "form.xlsx")
    assert outcome.exit_code == 2
    assert "form.xlsx:Sheet!2: the number 1234567890123456" in outcome.stderr
    assert "is too long for a spreadsheet to keep exactly" in outcome.stderr


def test_a_note_keeps_its_leading_whitespace(conformance_empty: Workspace) -> None:
    path = conformance_empty.write("rows.csv", "unit,target,period,value,note\ndongpo,1.1,2014-03,2,\t\u3000缩进说明\n")
    conformance_empty.ok("import", str(path))
    assert conformance_empty.query("SELECT note FROM entry") == [("\t\u3000缩进说明",)]


@pytest.mark.parametrize("code", [" 1.1 ", "1 1", "=1+1", "-1", "@x", "'1"])
def test_a_code_a_spreadsheet_would_change_is_refused(tmp_path: Path, code: str) -> None:
    from .conftest import CONFORMANCE, make_workspace

    text = (CONFORMANCE / "plan.yaml").read_text().replace('- code: "1.1"', f"- code: {json.dumps(code)}", 1)
    workspace = make_workspace(tmp_path, text)
    outcome = workspace.run("plan", "check", str(workspace.plan))
    assert outcome.exit_code == 2
    assert f"code '{code}' may not hold spaces or start with = + - @ or '" in outcome.stderr


# --- fuzz: a workbook's XML, doctored at random ------------------------------------------------------------

_CELL_VALUES = st.one_of(
    st.text(alphabet="0123456789.-eE+abc", max_size=12),
    st.sampled_from(["1" + "0" * 400, "nan", "inf", "-0", "2012-13-45", "", "1e308", "#DIV/0!"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(["n", "s", "d", "b", "e", "str", "inlineStr", "x"]),
    value=_CELL_VALUES,
    reference=st.sampled_from(["D2", "ZZZZ2", "A0", "D", "XFD1048576", "1D", ""]),
)
def test_any_doctored_cell_is_imported_or_refused(
    conformance_empty: Workspace, kind: str, value: str, reference: str
) -> None:
    import hashlib

    name = f"fuzz-{hashlib.sha256(f'{kind}|{value}|{reference}'.encode()).hexdigest()[:12]}.xlsx"
    _doctored_workbook(conformance_empty.root / name, (NUMBER_CELL, f'<c r="{reference}" t="{kind}"><v>{value}</v>'))
    before = conformance_empty.snapshot()
    outcome = conformance_empty.run("import", name, "--dry-run")
    assert outcome.exit_code in (0, 2), outcome.stderr
    assert "Traceback" not in outcome.stderr and "a bug" not in outcome.stderr, outcome.stderr
    assert conformance_empty.snapshot() == before


def test_a_semicolon_in_a_csv_cell_cannot_split_it_into_a_formula() -> None:
    from ecotrack.exports import csv_text

    text = csv_text([{"note": "已完成;=HYPERLINK(1)", "value": 2}, {"note": "plain", "value": 3}], ["note", "value"])
    assert text.splitlines() == ["note,value", '"已完成;=HYPERLINK(1)","2"', "plain,3"]


# --- the plan loader never fails in any other way ------------------------------------------------------

PLAN_FRAGMENTS = st.sampled_from(
    [
        ": ",
        "\n  - ",
        "\n- code: x\n",
        "[",
        "]",
        "{",
        "&a ",
        "*a",
        "<<: *a\n",
        "!!python/object/apply:os.system ['true']",
        "1e400",
        "-1",
        "null",
        "~",
        '"\\e"',
        '"\\0"',
        "\t",
        "2014-02-30",
        "? ",
        "|\n",
        "0x10",
        "'=1+1'",
        "\ufeff",
        "\u202e",
        "assign: {dongpo: 1}",
        "schedule: {13: 2}",
        "weight: -3",
    ]
)


@st.composite
def mutated_plans(draw: st.DrawFn, original: str) -> str:
    """The conformance plan with a few pieces deleted, repeated, replaced or inserted."""
    text = original
    for _ in range(draw(st.integers(1, 3))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 60)))
        kind = draw(st.sampled_from(["delete", "repeat", "replace", "insert"]))
        if kind == "delete":
            text = text[:start] + text[end:]
        elif kind == "repeat":
            text = text[:end] + text[start:end] + text[end:]
        elif kind == "replace":
            text = text[:start] + draw(st.text(max_size=6)) + text[end:]
        else:
            text = text[:start] + draw(PLAN_FRAGMENTS) + text[start:]
    return text


CONFORMANCE_PLAN = (CONFORMANCE / "plan.yaml").read_text("utf-8")


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=mutated_plans(CONFORMANCE_PLAN))
def test_any_plan_text_is_loaded_or_refused(conformance: Workspace, text: str) -> None:
    """`plan check` and `plan load` of a damaged plan: 0, 1 or 2, one clear error, nothing changed unless 0."""
    conformance.plan.write_text(text, encoding="utf-8")
    checked = conformance.run("plan", "check", str(conformance.plan))
    assert checked.exit_code in (0, 2), checked.stderr
    before = conformance.snapshot()
    loaded = conformance.run("plan", "load")
    assert loaded.exit_code in (0, 1, 2), loaded.stderr
    for outcome in (checked, loaded):
        assert "Traceback" not in outcome.stderr
        assert "a bug in ecotrack" not in outcome.stderr
    if loaded.exit_code != 0:
        assert loaded.stderr.startswith("error: "), loaded.stderr
        assert conformance.snapshot() == before
