"""`ecotrack import` (SPEC §4, §6; RELIABILITY.md "Spreadsheets"): encodings, headers, all rows or none,
every bad row by its line, XLSX, formula-looking text; through the real CLI on a real SQLite database."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import sqlite3
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from ecotrack.cells import neutralise, restore

from .conftest import CONFORMANCE, Workspace, csv_text, make_workspace, prepared

HEADER = "unit,target,period,value,note,reported_by,reported_at"
CHINESE_HEADER = "单位,指标,月份,完成值,备注,填报人,填报日期"
# Three good rows of the conformance plan (year 2014): dongpo and nanyuan lead 1.1, dongpo leads 1.2.
GOOD = [
    "dongpo,1.1,2014-03,2,,clerk,2014-04-02",
    "nanyuan,1.1,2014-03,1,,clerk,2014-04-02",
    "dongpo,1.2,2014-03,70,,clerk,2014-04-02",
]
LONG_NOTE = "说" * 2001
_INITIALISED: Workspace | None = None  # the one `init` of this module, copied for each test


@pytest.fixture
def conformance_empty(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """conftest's `conformance_empty` (the conformance plan, initialised, no entries), made faster.

    `ecotrack init` runs the migrations (about 0.2 s); here it runs once for the module, and each test gets
    its own copy of that database, taken with SQLite's backup API, next to its own copy of the plan.
    """
    global _INITIALISED
    if _INITIALISED is None:
        _INITIALISED = make_workspace(tmp_path_factory.mktemp("initialised"), CONFORMANCE / "plan.yaml")
        _INITIALISED.ok("init")
    workspace = make_workspace(tmp_path, CONFORMANCE / "plan.yaml")
    workspace.db.parent.mkdir()
    with sqlite3.connect(_INITIALISED.db) as source, sqlite3.connect(workspace.db) as copy:
        source.backup(copy)
    assert workspace.entries() == 0
    return workspace


def history(workspace: Workspace) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(workspace.ok("history", "--format", "json").stdout)["entries"]
    return entries


def write_bytes(workspace: Workspace, name: str, raw: bytes) -> str:
    (workspace.root / name).write_bytes(raw)
    return name


def csv_cells(rows: list[list[str]], header: str = HEADER) -> str:
    """CSV text with proper quoting, for cells holding commas, quotes or apostrophes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header.split(","))
    writer.writerows(rows)
    return out.getvalue()


# --- a good file --------------------------------------------------------------------------------------


def test_good_csv_imports_every_row_in_file_order(conformance_empty: Workspace) -> None:
    conformance_empty.write("rows.csv", csv_text(GOOD))
    outcome = conformance_empty.run("import", "rows.csv")
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.stderr.strip() == "imported 3 entries from rows.csv as import #1"
    assert conformance_empty.entries() == 3
    assert [
        (e["unit"], e["target"], e["period"], e["value"], e["reported_by"], e["reported_at"])
        for e in history(conformance_empty)
    ] == [
        ("dongpo", "1.1", "2014-03", 2.0, "clerk", "2014-04-02T00:00:00"),
        ("nanyuan", "1.1", "2014-03", 1.0, "clerk", "2014-04-02T00:00:00"),
        ("dongpo", "1.2", "2014-03", 70.0, "clerk", "2014-04-02T00:00:00"),
    ]


def test_the_conformance_filings_import(conformance_empty: Workspace) -> None:
    rows = (CONFORMANCE / "filings.csv").read_text(encoding="utf-8").strip().splitlines()[1:]
    conformance_empty.ok("import", str(CONFORMANCE / "filings.csv"))
    assert conformance_empty.entries() == len(rows)


def test_utf8_with_bom_imports(conformance_empty: Workspace) -> None:
    name = write_bytes(conformance_empty, "bom.csv", codecs.BOM_UTF8 + csv_text(GOOD).encode("utf-8"))
    outcome = conformance_empty.run("import", name)
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.stderr.strip() == "imported 3 entries from bom.csv as import #1"
    assert conformance_empty.entries() == 3


def test_utf16_tab_separated_text_from_excel_imports(conformance_empty: Workspace) -> None:
    text = csv_text([row.replace(",", "\t") for row in GOOD], header=HEADER.replace(",", "\t"))
    name = write_bytes(conformance_empty, "unicode.txt", text.encode("utf-16"))
    conformance_empty.ok("import", name)
    assert conformance_empty.entries() == 3


CHINESE_ROWS = [
    "dongpo,1.1,2014-03,2,已建成两座（东坡村、西坡村）,王小明,2014-04-02",
    "nanyuan,1.1,2014-03,1,南苑街道：一座调试中,李华,2014-04-03",
]


@pytest.mark.parametrize(
    ("encoding", "option", "read_as"),
    [
        pytest.param("gbk", None, " (read as gb18030)", id="gbk-detected"),
        pytest.param("gbk", "gbk", " (read as gbk)", id="gbk-given"),
        pytest.param("gb18030", None, " (read as gb18030)", id="gb18030-detected"),
        pytest.param("utf-8", None, "", id="utf-8"),
    ],
)
def test_chinese_headers_and_notes_survive_each_encoding(
    conformance_empty: Workspace, encoding: str, option: str | None, read_as: str
) -> None:
    name = write_bytes(conformance_empty, "form.csv", csv_text(CHINESE_ROWS, CHINESE_HEADER).encode(encoding))
    outcome = conformance_empty.run("import", name, *(["--encoding", option] if option else []))
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.stderr.strip() == f"imported 2 entries from form.csv{read_as} as import #1"
    assert [(e["unit"], e["note"], e["reported_by"], e["reported_at"]) for e in history(conformance_empty)] == [
        ("dongpo", "已建成两座（东坡村、西坡村）", "王小明", "2014-04-02T00:00:00"),
        ("nanyuan", "南苑街道：一座调试中", "李华", "2014-04-03T00:00:00"),
    ]


def test_gb18030_text_beyond_gbk_is_kept(conformance_empty: Workspace) -> None:
    note = "𠮷野家门前的𡈼字号井"  # characters outside GBK, in GB18030's four-byte range
    with pytest.raises(UnicodeEncodeError):
        note.encode("gbk")
    text = csv_text([f"dongpo,1.1,2014-03,2,{note},张三,2014-04-02"], CHINESE_HEADER)
    name = write_bytes(conformance_empty, "form.csv", text.encode("gb18030"))
    outcome = conformance_empty.run("import", name)
    assert outcome.exit_code == 0, outcome.stderr
    assert [e["note"] for e in history(conformance_empty)] == [note]


@pytest.mark.parametrize(
    ("raw", "option", "message"),
    [
        pytest.param(
            csv_text(GOOD[:1]).encode() + b"dongpo,1.2,2014-03,70,\xff\xfe\xfd,clerk,2014-04-02\n",
            None,
            'error: bad.csv:3: not utf-8 / gb18030 text; save the file as "CSV UTF-8"',
            id="ff-on-line-3",
        ),
        pytest.param(
            csv_text(GOOD).encode() + b"\x80",
            None,
            'error: bad.csv:5: not utf-8 / gb18030 text; save the file as "CSV UTF-8"',
            id="lone-80-at-end",
        ),
        pytest.param(
            csv_text(CHINESE_ROWS, CHINESE_HEADER).encode("gbk"),
            "utf-8",
            'error: bad.csv:1: not utf-8 text; save the file as "CSV UTF-8"',
            id="gbk-read-as-utf8",
        ),
        pytest.param(csv_text(GOOD).encode(), "klingon", "error: unknown encoding 'klingon'", id="unknown-encoding"),
        pytest.param(
            b"unit,target\x00\x00,period\n",
            None,
            "error: bad.csv is not a text file (save it as CSV UTF-8, or as .xlsx)",
            id="nul-bytes",
        ),
        pytest.param(b"  \n\r\n", None, "error: bad.csv is empty: no header row", id="blank"),
    ],
)
def test_undecodable_files_are_refused_naming_the_line(
    conformance_empty: Workspace, raw: bytes, option: str | None, message: str
) -> None:
    name = write_bytes(conformance_empty, "bad.csv", raw)
    before = conformance_empty.snapshot()
    outcome = conformance_empty.run("import", name, *(["--encoding", option] if option else []))
    assert outcome.exit_code == 2
    assert outcome.stderr.splitlines() == [message]
    assert conformance_empty.snapshot() == before


def test_a_missing_file_is_refused(conformance_empty: Workspace) -> None:
    outcome = conformance_empty.run("import", "nowhere.csv")
    assert (outcome.exit_code, outcome.stderr.splitlines()) == (2, ["error: no file at nowhere.csv"])


# --- all rows or none ---------------------------------------------------------------------------------

BAD_ROWS = [
    pytest.param(
        "dongpoo,1.1,2014-03,2,,c,2014-04-02",
        "unknown unit 'dongpoo' in the 2014 plan; did you mean 'dongpo'?",
        id="unknown-unit",
    ),
    pytest.param("dongpo,9.9,2014-03,2,,c,2014-04-02", "unknown target '9.9'", id="unknown-target"),
    pytest.param(
        "dongpo,1.11,2014-03,2,,c,2014-04-02", "unknown target '1.11'; did you mean '1.1'?", id="target-misspelt"
    ),
    pytest.param(
        "huanbao,1.1,2014-03,2,,c,2014-04-02",
        "huanbao only supports target 1.1; its lead units report it",
        id="supporting-unit",
    ),
    pytest.param("huanbao,1.2,2014-03,70,,c,2014-04-02", "huanbao is not assigned target 1.2", id="unassigned"),
    pytest.param(",1.1,2014-03,2,,c,2014-04-02", "unit is empty", id="empty-unit"),
    pytest.param("dongpo,1.1,2014-13,2,,c,2014-04-02", "period '2014-13': the month must be 1 to 12", id="month-13"),
    pytest.param("dongpo,1.1,March,2,,c,2014-04-02", "period 'March' is not a month like 2012-03", id="period-words"),
    pytest.param(
        "dongpo,1.1,2013-12,2,,c,2014-04-02", "period 2013-12 is outside the plan year 2014", id="period-last-year"
    ),
    pytest.param(
        "dongpo,1.1,2014-05,2,,c,2014-04-02",
        "period 2014-05 has not begun by the report date 2014-04-02",
        id="period-after-reported-at",
    ),
    pytest.param("dongpo,1.1,2014-03,2,,c,2999-01-01", "reported_at 2999-01-01 00:00:00 is in the future", id="future"),
    pytest.param(
        "dongpo,1.1,2014-03,2,,c,2014-02-30",
        "reported_at '2014-02-30' is not a date like 2012-07-03 (or 2012-07-03T09:30)",
        id="reported-at-not-a-real-date",
    ),
    pytest.param(
        "dongpo,1.1,2014-03,nan,,c,2014-04-02", "value 'nan' is not a plain decimal number (like 12 or 3.5)", id="nan"
    ),
    pytest.param(
        "dongpo,1.1,2014-03,inf,,c,2014-04-02", "value 'inf' is not a plain decimal number (like 12 or 3.5)", id="inf"
    ),
    pytest.param(
        "dongpo,1.1,2014-03,-Infinity,,c,2014-04-02",
        "value '-Infinity' is not a plain decimal number (like 12 or 3.5)",
        id="-inf",
    ),
    pytest.param(
        "dongpo,1.1,2014-03,1e400,,c,2014-04-02",
        "value '1e400' is not a plain decimal number (like 12 or 3.5)",
        id="1e400",
    ),
    pytest.param("dongpo,1.1,2014-03,-1,,c,2014-04-02", "value '-1' is negative; a level is 0 or more", id="negative"),
    pytest.param(
        "dongpo,1.1,2014-03,abc,,c,2014-04-02", "value 'abc' is not a plain decimal number (like 12 or 3.5)", id="abc"
    ),
    pytest.param("dongpo,1.1,2014-03,,note,c,2014-04-02", "value is empty", id="empty-value"),
    pytest.param(
        "huanbao,2.2,2014-03,2,,c,2014-04-02", "a milestone is 1 (done) or 0 (not done), not 2", id="milestone-2"
    ),
    pytest.param(
        "huanbao,2.2,2014-03,0.5,,c,2014-04-02", "a milestone is 1 (done) or 0 (not done), not 0.5", id="milestone-half"
    ),
    pytest.param(
        f"dongpo,1.1,2014-03,2,{LONG_NOTE},c,2014-04-02",
        "note is 2001 characters long; at most 2000 are kept",
        id="note-too-long",
    ),
    pytest.param(
        f"dongpo,1.1,2014-03,2,,{'c' * 101},2014-04-02",
        "reported_by is 101 characters long; at most 100 are kept",
        id="reported-by-too-long",
    ),
    pytest.param(
        "dongpo,1.1,2014-03,2,,c,2014-04-02,extra", "8 cells but only 7 columns in the header", id="extra-cell"
    ),
]


@pytest.mark.parametrize(("row", "message"), BAD_ROWS)
def test_one_bad_row_imports_nothing_and_is_named_by_its_line(
    conformance_empty: Workspace, row: str, message: str
) -> None:
    conformance_empty.write("rows.csv", csv_text([GOOD[0], row, GOOD[1], GOOD[2]]))
    before = conformance_empty.snapshot()
    outcome = conformance_empty.run("import", "rows.csv")
    assert outcome.exit_code == 2
    assert outcome.stderr.splitlines() == [
        f"error: rows.csv:3: {message}",
        "error: rows.csv: 1 bad row; nothing was imported",
    ]
    assert "Traceback" not in outcome.stderr
    assert conformance_empty.entries() == 0
    assert conformance_empty.snapshot() == before


def test_every_bad_row_is_named(conformance_empty: Workspace) -> None:
    rows = [
        GOOD[0],
        "dongpo,1.1,2014-13,2,,c,2014-04-02",  # line 3
        GOOD[1],
        "",  # line 5: blank lines are skipped but keep the numbering of the file
        "huanbao,1.1,2014-03,2,,c,2014-04-02",  # line 6
        "dongpo,1.2,2014-03,-5,,c,2014-04-02",  # line 7
        GOOD[2],
    ]
    conformance_empty.write("rows.csv", csv_text(rows))
    outcome = conformance_empty.run("import", "rows.csv")
    assert outcome.exit_code == 2
    assert outcome.stderr.splitlines() == [
        "error: rows.csv:3: period '2014-13': the month must be 1 to 12",
        "error: rows.csv:6: huanbao only supports target 1.1; its lead units report it",
        "error: rows.csv:7: value '-5' is negative; a level is 0 or more",
        "error: rows.csv: 3 bad rows; nothing was imported",
    ]
    assert conformance_empty.entries() == 0


def test_a_quoted_note_over_several_lines_keeps_the_file_line_numbers(conformance_empty: Workspace) -> None:
    text = csv_cells(
        [
            ["dongpo", "1.1", "2014-03", "2", "第一行\n第二行\n第三行", "c", "2014-04-02"],  # lines 2-4
            ["dongpo", "1.2", "2014-03", "x", "", "c", "2014-04-02"],  # line 5
        ]
    )
    conformance_empty.write("rows.csv", text)
    outcome = conformance_empty.run("import", "rows.csv")
    assert outcome.stderr.splitlines()[:-1] == [
        "error: rows.csv:5: value 'x' is not a plain decimal number (like 12 or 3.5)"
    ]


def test_a_file_already_partly_imported_changes_nothing_more(conformance_empty: Workspace) -> None:
    conformance_empty.write("first.csv", csv_text(GOOD[:1]))
    conformance_empty.ok("import", "first.csv")
    before = conformance_empty.snapshot()
    conformance_empty.write("second.csv", csv_text([*GOOD[1:], "dongpo,1.1,2014-03,abc,,c,2014-04-02"]))
    assert conformance_empty.run("import", "second.csv").exit_code == 2
    assert conformance_empty.entries() == 1
    assert conformance_empty.snapshot() == before


def test_a_row_with_extra_cells_does_not_hide_the_other_bad_rows(conformance_empty: Workspace) -> None:
    rows = [GOOD[0], "dongpo,1.1,2014-03,2,,c,2014-04-02,extra", "dongpo,1.1,2014-03,abc,,c,2014-04-02"]
    conformance_empty.write("rows.csv", csv_text(rows))
    outcome = conformance_empty.run("import", "rows.csv")
    assert outcome.exit_code == 2
    assert outcome.stderr.splitlines() == [
        "error: rows.csv:3: 8 cells but only 7 columns in the header",
        "error: rows.csv:4: value 'abc' is not a plain decimal number (like 12 or 3.5)",
        "error: rows.csv: 2 bad rows; nothing was imported",
    ]


@pytest.mark.parametrize("reported_at", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00"])
def test_a_reported_at_out_of_range_after_its_offset_is_a_bad_row(
    conformance_empty: Workspace, reported_at: str
) -> None:
    conformance_empty.write("rows.csv", csv_text([f"dongpo,1.1,2014-03,2,,c,{reported_at}"]))
    outcome = conformance_empty.run("import", "rows.csv")
    assert outcome.exit_code == 2
    assert outcome.stderr.splitlines()[0].startswith("error: rows.csv:2: reported_at ")
    assert conformance_empty.entries() == 0


# --- headers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(CHINESE_HEADER, id="chinese"),
        pytest.param("Unit,Target,Period,Value,Note,Reported_By,Reported_At", id="capitalised"),
        pytest.param("单位,target,月份,value,备注,reported_by,填报日期", id="mixed"),
        pytest.param(" unit , target , period , value , note , reported_by , reported_at ", id="spaces"),
    ],
)
def test_header_variants_import(conformance_empty: Workspace, header: str) -> None:
    conformance_empty.write("rows.csv", csv_text(GOOD, header))
    conformance_empty.ok("import", "rows.csv")
    assert [e["value"] for e in history(conformance_empty)] == [2.0, 1.0, 70.0]


@pytest.mark.parametrize(
    ("header", "problems"),
    [
        pytest.param(
            "unit,target,perod,value,note,reported_by,reported_at",
            ["unknown column 'perod'; did you mean 'period'?", "missing columns: period"],
            id="unknown-column",
        ),
        pytest.param(
            "单位,指标,月份,完成数,备注,填报人,填报日期",
            ["unknown column '完成数'; did you mean '完成值'?", "missing columns: value"],
            id="unknown-chinese-column",
        ),
        pytest.param("unit,target,period,note", ["missing columns: value"], id="missing-value"),
        pytest.param("note,reported_by", ["missing columns: unit, target, period, value"], id="missing-all"),
        pytest.param("unit,target,period,value,note,note,reported_at", ["column 'note' appears twice"], id="duplicate"),
        pytest.param(
            "unit,单位,target,period,value,note,reported_by", ["column '单位' appears twice"], id="duplicate-chinese"
        ),
    ],
)
def test_bad_headers_are_refused_at_line_1(conformance_empty: Workspace, header: str, problems: list[str]) -> None:
    conformance_empty.write("rows.csv", csv_text(GOOD, header))
    outcome = conformance_empty.run("import", "rows.csv")
    assert outcome.exit_code == 2
    assert outcome.stderr.splitlines() == [
        *(f"error: rows.csv:1: {problem}" for problem in problems),
        "error: rows.csv: the header row is wrong",
    ]
    assert conformance_empty.entries() == 0


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(f"{HEADER},unit_name,target_title,measure,amount,last_period,last_value", id="english"),
        pytest.param(f"{CHINESE_HEADER},单位名称,指标名称,计量单位,全年目标,上次填报月份,上次填报值", id="chinese"),
    ],
)
def test_template_info_columns_are_read_past(conformance_empty: Workspace, header: str) -> None:
    # whatever the info columns hold, even text that would be a bad value, is ignored
    rows = [f"{row},东坡镇,建成污水处理设施,座,not a number,2099-99,-1" for row in GOOD]
    conformance_empty.write("rows.csv", csv_text(rows, header))
    conformance_empty.ok("import", "rows.csv")
    assert conformance_empty.entries() == 3


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_filled_in_template_imports(conformance_empty: Workspace, suffix: str) -> None:
    conformance_empty.ok("template", "--unit", "dongpo", "--period", "2014-03", "--out", f"form{suffix}")
    values = {"1.1": 2, "1.2": 70, "2.3": 1}
    path = conformance_empty.root / f"form{suffix}"
    if suffix == ".xlsx":
        workbook = load_workbook(path)
        sheet = workbook.active
        header = [cell.value for cell in sheet[1]]
        for row in sheet.iter_rows(min_row=2):
            row[header.index("value")].value = values[str(row[header.index("target")].value)]
            row[header.index("reported_at")].value = datetime(2014, 4, 2, 8, 0)
        workbook.save(path)
    else:
        lines = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        for line in lines:
            line["value"] = str(values[line["target"]])
            line["reported_at"] = "2014-04-02T08:00"
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(lines[0]))
        writer.writeheader()
        writer.writerows(lines)
        path.write_text(out.getvalue(), encoding="utf-8")
    conformance_empty.ok("import", f"form{suffix}", "--by", "dongpo-clerk")
    assert [(e["target"], e["period"], e["value"], e["reported_by"]) for e in history(conformance_empty)] == [
        ("1.1", "2014-03", 2.0, "dongpo-clerk"),
        ("1.2", "2014-03", 70.0, "dongpo-clerk"),
        ("2.3", "2014-03", 1.0, "dongpo-clerk"),
    ]


# --- --dry-run ----------------------------------------------------------------------------------------


def test_dry_run_checks_every_row_and_files_nothing(conformance_empty: Workspace) -> None:
    conformance_empty.write("rows.csv", csv_text(GOOD))
    before = conformance_empty.snapshot()
    outcome = conformance_empty.run("import", "rows.csv", "--dry-run")
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.stderr.strip() == "rows.csv: all 3 rows are good; nothing filed (--dry-run)"
    assert conformance_empty.entries() == 0
    assert conformance_empty.snapshot() == before


def test_dry_run_reports_bad_rows(conformance_empty: Workspace) -> None:
    conformance_empty.write("rows.csv", csv_text([*GOOD, "dongpo,1.1,2014-03,abc,,c,2014-04-02"]))
    outcome = conformance_empty.run("import", "rows.csv", "--dry-run")
    assert outcome.exit_code == 2
    assert outcome.stderr.splitlines()[:-1] == [
        "error: rows.csv:5: value 'abc' is not a plain decimal number (like 12 or 3.5)"
    ]


# --- XLSX ---------------------------------------------------------------------------------------------


def save_workbook(workspace: Workspace, name: str, rows: list[list[Any]], header: str = HEADER) -> str:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header.split(","))
    for row in rows:
        sheet.append(row)
    workbook.save(workspace.root / name)
    return name


def test_xlsx_with_numbers_dates_and_text_imports(conformance_empty: Workspace) -> None:
    name = save_workbook(
        conformance_empty,
        "form.xlsx",
        [
            ["dongpo", "1.1", "2014-03", 2, "文字备注", "王小明", "2014-04-02"],
            ["nanyuan", 1.1, datetime(2014, 3, 1), 1.5, None, "李华", datetime(2014, 4, 2, 9, 30)],
            ["nanyuan", 2.1, "2014-03", 480, None, None, datetime(2014, 4, 3)],
            ["huanbao", "2.2", datetime(2014, 3, 31), 1, "'=机制已建立", "环保局", "2014-04-03"],
            [None, None, None, None, None, None, None],  # an empty row, as spreadsheets leave them
        ],
    )
    outcome = conformance_empty.run("import", name, "--by", "office")
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.stderr.strip() == "imported 4 entries from form.xlsx as import #1"
    entries = history(conformance_empty)
    assert [
        (e["unit"], e["target"], e["period"], e["value"], e["note"], e["reported_by"], e["reported_at"])
        for e in entries
    ] == [
        ("dongpo", "1.1", "2014-03", 2.0, "文字备注", "王小明", "2014-04-02T00:00:00"),
        ("nanyuan", "1.1", "2014-03", 1.5, "", "李华", "2014-04-02T09:30:00"),
        ("nanyuan", "2.1", "2014-03", 480.0, "", "office", "2014-04-03T00:00:00"),
        ("huanbao", "2.2", "2014-03", 1.0, "=机制已建立", "环保局", "2014-04-03T00:00:00"),
    ]


def test_xlsx_bad_rows_are_named_by_sheet_row(conformance_empty: Workspace) -> None:
    name = save_workbook(
        conformance_empty,
        "form.xlsx",
        [
            ["dongpo", "1.1", "2014-03", 2, None, "c", "2014-04-02"],
            ["dongpo", "1.1", "2014-03", True, None, "c", "2014-04-02"],
            ["dongpo", "1.1", "2014-03", -3, None, "c", "2014-04-02"],
        ],
    )
    outcome = conformance_empty.run("import", name)
    assert outcome.exit_code == 2
    assert outcome.stderr.splitlines() == [
        "error: form.xlsx:Sheet!3: value 'True' is not a plain decimal number (like 12 or 3.5)",
        "error: form.xlsx:Sheet!4: value '-3' is negative; a level is 0 or more",
        "error: form.xlsx: 2 bad rows; nothing was imported",
    ]
    assert conformance_empty.entries() == 0


def test_a_target_read_as_a_number_is_refused_when_two_codes_could_mean_it(tmp_path: Path) -> None:
    plan = (
        (CONFORMANCE / "plan.yaml")
        .read_text(encoding="utf-8")
        .replace('      - code: "1.2"\n', '      - code: "1.10"\n')
    )
    workspace = make_workspace(tmp_path, plan)
    workspace.ok("init")
    name = save_workbook(workspace, "form.xlsx", [["dongpo", 1.1, "2014-03", 2, None, "c", "2014-04-02"]])
    outcome = workspace.run("import", name)
    assert outcome.exit_code == 2
    assert outcome.stderr.splitlines()[:-1] == [
        'error: form.xlsx:Sheet!2: target 1.1 was read as a number; format the column as text (e.g. "1.10")'
    ]


def test_xlsx_with_a_formula_is_refused_naming_the_cell(conformance_empty: Workspace) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append(["dongpo", "1.1", "2014-03", 2, None, "c", "2014-04-02"])
    sheet.append(["nanyuan", "1.1", "2014-03", 1, None, "c", "2014-04-02"])
    sheet["D2"] = "=1+1"
    workbook.save(conformance_empty.root / "form.xlsx")
    before = conformance_empty.snapshot()
    outcome = conformance_empty.run("import", "form.xlsx")
    assert outcome.exit_code == 2
    assert outcome.stderr.splitlines() == [
        "error: form.xlsx:Sheet!2: cell D2 holds a formula; paste values instead",
        "error: form.xlsx: 1 bad row; nothing was imported",
    ]
    assert conformance_empty.snapshot() == before


@pytest.mark.parametrize(
    ("name", "raw", "reason"),
    [
        pytest.param("corrupt.xlsx", bytes(range(256)) * 8, "BadZipFile", id="random-bytes"),
        pytest.param("corrupt.xlsx", b"PK\x03\x04" + b"\x00" * 200, "BadZipFile", id="zip-magic-then-zeros"),
        pytest.param("corrupt.csv", b"PK\x03\x04garbage", "BadZipFile", id="zip-magic-named-csv"),
        pytest.param("text.xlsx", csv_text(GOOD).encode(), "BadZipFile", id="csv-named-xlsx"),
    ],
)
def test_a_corrupt_workbook_is_refused_cleanly(
    conformance_empty: Workspace, name: str, raw: bytes, reason: str
) -> None:
    write_bytes(conformance_empty, name, raw)
    outcome = conformance_empty.run("import", name)
    assert outcome.exit_code == 2
    assert outcome.stderr.splitlines() == [f"error: {name} is not a readable .xlsx workbook ({reason})"]
    assert conformance_empty.entries() == 0


def test_a_zip_that_is_not_a_workbook_is_refused_cleanly(conformance_empty: Workspace) -> None:
    with zipfile.ZipFile(conformance_empty.root / "other.xlsx", "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    outcome = conformance_empty.run("import", "other.xlsx")
    assert outcome.exit_code == 2
    assert outcome.stderr.startswith("error: other.xlsx is not a readable .xlsx workbook (")
    assert "Traceback" not in outcome.stderr


# --- formula-looking text -----------------------------------------------------------------------------


# (cell in the file, note stored): one `'` is taken off only where ecotrack's own export would have added it
NOTES = [
    ("'=SUM(A1)", "=SUM(A1)"),
    ("'+86 138 0000 0000", "+86 138 0000 0000"),
    ("'-3 compared with May", "-3 compared with May"),
    ("'@office", "@office"),
    ("''=x", "'=x"),
    ("'", "'"),
    ("''", "''"),
    ("'quoted'", "'quoted'"),
    ("it's done", "it's done"),
    ("=SUM(A1)", "=SUM(A1)"),
]


def test_formula_looking_notes_round_trip(conformance_empty: Workspace) -> None:
    rows = [
        ["dongpo", "1.1", f"2014-{month:02d}", "2", cell, "c", "2014-12-02"]
        for month, (cell, _) in enumerate(NOTES, start=1)
    ]
    conformance_empty.write("rows.csv", csv_cells(rows))
    conformance_empty.ok("import", "rows.csv")
    assert [e["note"] for e in history(conformance_empty)] == [stored for _, stored in NOTES]
    # ecotrack's own CSV writes each stored note back as the cell it was read from (neutralised)
    exported = conformance_empty.ok("history", "--format", "csv", "--no-bom").stdout
    assert [row["note"] for row in csv.DictReader(io.StringIO(exported))] == [neutralise(n) for _, n in NOTES]


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("\nx", "'\nx"),
        ("'=x", "''=x"),
        ("'", "'"),
        ("", ""),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("12", "12"),
    ],
)
def test_neutralise_and_restore(text: str, written: str) -> None:
    assert neutralise(text) == written
    assert restore(written) == text


@settings(max_examples=200, deadline=None)
@given(text=st.text())
def test_neutralise_never_writes_a_formula_and_restore_undoes_it(text: str) -> None:
    written = neutralise(text)
    assert not written.startswith(("=", "+", "-", "@", "\t", "\r", "\n"))
    assert restore(written) == text


# --- corrections --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first_on", "second_on", "superseded"),
    [
        pytest.param("2014-04-02", "2014-04-02", [True, False], id="same-day-later-row-wins"),
        pytest.param("2014-04-02", "2014-04-09", [True, False], id="later-date-wins"),
        pytest.param("2014-04-09", "2014-04-02", [False, True], id="earlier-date-loses-though-filed-later"),
    ],
)
def test_two_rows_for_one_period_are_both_kept(
    conformance_empty: Workspace, first_on: str, second_on: str, superseded: list[bool]
) -> None:
    rows = [f"dongpo,1.1,2014-03,2,first,c,{first_on}", f"dongpo,1.1,2014-03,3,second,c,{second_on}"]
    conformance_empty.write("rows.csv", csv_text(rows))
    conformance_empty.ok("import", "rows.csv")
    assert conformance_empty.entries() == 2
    entries = history(conformance_empty)
    assert [(e["note"], e["value"], e["superseded"]) for e in entries] == [
        ("first", 2.0, superseded[0]),
        ("second", 3.0, superseded[1]),
    ]


def test_a_level_falling_back_is_kept_with_a_warning(conformance_empty: Workspace) -> None:
    rows = ["dongpo,1.1,2014-02,4,,c,2014-03-02", "dongpo,1.1,2014-03,3,,c,2014-04-02"]
    conformance_empty.write("rows.csv", csv_text(rows))
    outcome = conformance_empty.run("import", "rows.csv")
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.stderr.splitlines() == [
        "warning: rows.csv:3: dongpo 1.1 2014-03: 3 is further from the amount than the last period "
        "(a slip back, or a correction?)",
        "imported 2 entries from rows.csv as import #1",
    ]
    assert conformance_empty.entries() == 2


# --- the importer never fails in any other way ---------------------------------------------------------

CELLS = st.one_of(
    st.sampled_from(
        [
            *["dongpo", "nanyuan", "huanbao", "东坡镇", "1.1", "1.2", "2.1", "2.2", "2.3", "2014-03", "2014-3"],
            *["2014年3月", "2013-12", "2014-13", "0", "1", "2", "450", "1e400", "nan", "-1", "1,000", "'=SUM(A1)"],
            *["'", "2014-04-02", "2014-04-02T09:30:00+08:00", "2014-02-30"],
            *["2999-01-01", "", " ", '"', "\t"],
        ]
    ),
    st.text(max_size=12),
)
HEADERS = st.sampled_from([HEADER, CHINESE_HEADER, "unit,target,period,value", "unit;target;period;value", "a,b"])


@st.composite
def csv_like_bytes(draw: st.DrawFn) -> bytes:
    """A header and rows of plausible and implausible cells, in one of the encodings a clerk might use."""
    rows = draw(st.lists(st.lists(CELLS, min_size=0, max_size=8), max_size=5))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    text = draw(HEADERS) + "\n" + "\n".join(delimiter.join(row) for row in rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
    return text.encode(encoding, errors="replace")


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=st.one_of(st.binary(max_size=300), csv_like_bytes()))
def test_any_bytes_are_imported_or_refused(conformance_empty: Workspace, raw: bytes) -> None:
    name = f"fuzz-{hashlib.sha256(raw).hexdigest()[:16]}.csv"
    write_bytes(conformance_empty, name, raw)
    before = conformance_empty.entries()
    snapshot = conformance_empty.snapshot()
    outcome = conformance_empty.run("import", name)
    assert outcome.exit_code in (0, 2), outcome.stderr
    assert "Traceback" not in outcome.stderr
    assert "unexpected" not in outcome.stderr and "a bug in ecotrack" not in outcome.stderr
    if outcome.exit_code == 0:
        assert conformance_empty.entries() >= before
    else:
        assert outcome.stderr.startswith("error: ")
        assert conformance_empty.snapshot() == snapshot


@pytest.mark.parametrize(("text", "value"), [("1,200", 1200.0), ("1,200.5", 1200.5), ("12", 12.0), (" 3.5 ", 3.5)])
def test_thousands_separators_are_read(text: str, value: float) -> None:
    from ecotrack.filing import parse_value

    assert parse_value(text) == value


def test_the_control_character_search_agrees_with_the_rule_on_every_code_point() -> None:
    """check_text's one-regex fast path finds exactly what `is_control` finds, character by character."""
    from ecotrack import filing

    for pattern, allowed in ((filing._FORBIDDEN, ""), (filing._FORBIDDEN_IN_NOTES, "\t\n\r")):
        wrong = [
            hex(code)
            for code in range(0x110000)
            if (filing.is_control(chr(code)) and chr(code) not in allowed) != bool(pattern.search(chr(code)))
        ]
        assert not wrong, wrong[:5]


@given(st.text(alphabet="0123456789.,+- \u3000１２٣", max_size=12))
@settings(max_examples=300, deadline=None)
def test_the_quick_value_path_reads_as_the_general_one(text: str) -> None:
    """parse_value's fast path for plain digits gives what the general path gives (or the same refusal)."""
    import re

    from ecotrack import filing

    def general(value: str) -> object:
        pattern = filing._SIMPLE_DECIMAL
        filing._SIMPLE_DECIMAL = re.compile(r"(?!)")  # never matches: the general path only
        try:
            return filing.parse_value(value)
        except filing.EntryError as refused:
            return str(refused)
        finally:
            filing._SIMPLE_DECIMAL = pattern

    try:
        quick: object = filing.parse_value(text)
    except filing.EntryError as refused:
        quick = str(refused)
    assert quick == general(text)


@pytest.mark.parametrize("text", ["1,5", "12,34", "1,2000"])
def test_a_decimal_comma_is_refused_not_misread(text: str) -> None:
    from ecotrack.filing import EntryError, parse_value

    with pytest.raises(EntryError, match="is not a plain decimal number"):
        parse_value(text)


def test_a_row_that_does_not_take_over_is_not_what_later_rows_compare_with(conformance_empty: Workspace) -> None:
    """March = 5 reported 04-09 on file: a March = 2 reported 04-03 in the file does not count (SPEC §4), so an
    April = 4 after it falls back from 5 and is warned about, as it is when imported alone."""
    conformance_empty.write("first.csv", csv_text(["dongpo,1.1,2014-03,5,,c,2014-04-09"]))
    conformance_empty.ok("import", "first.csv")
    conformance_empty.write(
        "both.csv", csv_text(["dongpo,1.1,2014-03,2,,c,2014-04-03", "dongpo,1.1,2014-04,4,,c,2014-05-02"])
    )
    conformance_empty.write("april.csv", csv_text(["dongpo,1.1,2014-04,4,,c,2014-05-02"]))
    together = conformance_empty.ok("import", "both.csv", "--dry-run").stderr.splitlines()
    alone = conformance_empty.ok("import", "april.csv", "--dry-run").stderr.splitlines()
    assert [line.replace("both.csv:3", "FILE") for line in together if "warning" in line] == [
        line.replace("april.csv:2", "FILE") for line in alone if "warning" in line
    ]
    assert len(alone) == 2 and "further from the amount" in alone[0], alone


def test_an_imported_entry_is_stored_as_a_reported_one(tmp_path: Path, backend: str | None) -> None:
    """Imports file through the driver's executemany with each distinct value processed once; `report`
    through the ORM. The same entry comes out of the database the same, column by column, on SQLite and
    PostgreSQL (dates, the naive reported time, the aware filing time, booleans, notes)."""
    from sqlalchemy import create_engine, text

    space = prepared(tmp_path, CONFORMANCE / "plan.yaml", url=backend)
    space.write("one.csv", csv_text(["dongpo,1.1,2014-03,2.5,已建成“两座”,张三,2014-04-02 09:30"]))
    space.ok("import", "one.csv")
    space.ok(
        "report",
        "-u",
        "dongpo",
        "-t",
        "1.1",
        "-p",
        "2014-03",
        "-v",
        "2.5",
        "--note",
        "已建成“两座”",
        "--by",
        "张三",
        "--on",
        "2014-04-02 09:30",
    )
    url = backend or f"sqlite:///{space.db}"
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT assignment_id, period, value, note, reported_by, reported_at, reported_on, filed_by,"
                " submitted, reason, catch_up, filed_at FROM entry ORDER BY id"
            )
        ).all()
    engine.dispose()
    assert len(rows) == 2
    imported, reported = rows
    assert imported[:-1] == reported[:-1]
    assert type(imported[-1]) is type(reported[-1])  # the filing time, stored the same way


def test_the_lookups_check_a_row_as_the_full_check_does(
    conformance: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Plain rows are checked against per-text lookups (issue 36) and the rest in full (`_check_row`): the
    entries, their order, the warnings and every refusal are the same as when every row is checked in full."""
    from datetime import datetime
    from pathlib import Path

    from ecotrack import imports
    from ecotrack.config import Settings
    from ecotrack.errors import ImportInvalid
    from ecotrack.tracker import Tracker

    good = [
        "dongpo,1.1,2014-03,4,,,2014-04-02",
        "dongpo,1.1,2014-04,2,slipping back,dongpo-clerk,2014-05-02",  # further from the amount: a warning
        "dongpo,1.1,2014-04,3,a correction,dongpo-clerk,2014-05-03",
        "dongpo,1.1,2014-04,2.5,loses: reported earlier,dongpo-clerk,2014-05-01",
        "nanyuan,2.1,2014年5月,５００,全角,nanyuan-clerk,2014-06-02T09:30+08:00",
        "nanyuan,2.1,2014/06,4600,far beyond the amount,nanyuan-clerk,",
        "huanbao,2.2,2014-05,1,,huanbao-clerk,2014-06-04",
        "dongpo,1.2,2014-04,,,dongpo-clerk,2014-05-02",  # left blank
        "dongpo,1.2,2014-05, 70 ,'=formula-looking,'+clerk,2014-06-02",
    ]
    bad = [
        "dongpo,1.2,2014-05,,only a note,dongpo-clerk,2014-06-02",  # a value missing
        "青山,1.1,2014-05,1,,x,2014-06-02",  # no such unit
        "dongpo,9.9,2014-05,1,,x,2014-06-02",  # no such target
        "huanbao,2.2,2014-06,0.5,,x,2014-07-02",  # a milestone is 0 or 1
        "dongpo,1.1,2013-05,1,,x,2013-06-02",  # outside the plan year
        "dongpo,1.1,2014-09,1,,x,2014-08-02",  # not begun by the report date
        "dongpo,1.1,2014-05,1e3,,x,2014-06-02",  # not a plain decimal
        "dongpo,1.1,2014-05,1,,x,2999-06-02",  # in the future
        "dongpo,1.1,2014-05,1,,x,yesterday",  # not a date
        "dongpo,1.1,2014-05,1,\x1b[31m,x,2014-06-02",  # a control character in the note
        "dongpo,1.1,2014-05,1,," + "n" * 101 + ",2014-06-02",  # a reporter's name too long
        "nanyuan,1.2,2014-05,1,,x,2014-06-02",  # not assigned
    ]
    conformance.write("good.csv", csv_text(good))
    conformance.write(
        "bad.csv", csv_text([row for pair in zip(good, bad, strict=False) for row in pair] + bad[len(good) :])
    )
    now = datetime(2015, 1, 10, 12, 0)

    def checked(name: str) -> tuple[list[object], list[str], int, int]:
        settings = Settings(plan=str(conformance.plan), db=conformance.database)
        with Tracker.open(settings) as tracker, imports.open_source(Path(conformance.root / name), name) as source:
            result = imports.check_rows(source.rows, tracker.plan, tracker.ledger(None), now, "me", name)
        return list(result.entries), result.warnings, result.checked, result.blank

    def refusal(name: str) -> list[str]:
        with pytest.raises(ImportInvalid) as refused:
            checked(name)
        return [str(refused.value), *refused.value.problems]

    fast, fast_problems = checked("good.csv"), refusal("bad.csv")
    assert len(fast[0]) == len(good) - 1 and fast[1] and fast[3] == 1
    assert len(fast_problems) == 1 + len(bad)
    monkeypatch.setattr(imports._Lookups, "file_row", lambda *_: None)
    assert checked("good.csv") == fast
    assert refusal("bad.csv") == fast_problems
