"""The year end end to end: assessment, exports (JSON schema, CSV, XLSX), round trips, backup, several years."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from .conftest import CONFORMANCE, ECOTRACK, ROOT, Workspace, csv_text, make_workspace, prepared

SCHEMA = json.loads((ROOT / "ecotrack" / "schema" / "export.schema.json").read_text(encoding="utf-8"))


def js(workspace: Workspace, *args: str) -> Any:
    return json.loads(workspace.ok(*args, "--format", "json").stdout)


# --- the assessment -------------------------------------------------------------------------------

ASSESSED_PLAN = """
plan: {year: 2014, title: 考核样例, office: 办公室, report_due_day: 5}
assessment:
  completion_points: 70
  timeliness_points: 30
  notice_penalty: 5
  grades: {合格: 50, 优秀: 95, 良好: 75}
  fail_grade: 差
units:
  - {code: a, name: 甲镇, kind: town}
  - {code: b, name: 乙镇, kind: town}
  - {code: c, name: 丙街道, kind: subdistrict}
  - {code: d, name: 丁局, kind: department}
  - {code: e, name: 戊局, kind: department}
tasks:
  - code: "1"
    title: 任务
    targets:
      - {code: "1.1", title: 数量, measure: 个, weight: 3, assign: {a: 10, b: 10, c: 10, d: 10}, support: [e]}
      - {code: "1.2", title: 减排, measure: 吨, baseline: 100, assign: {a: 50, b: 50, c: 50, d: 50}}
"""


@pytest.fixture
def assessed(tmp_path: Path) -> Workspace:
    workspace = prepared(tmp_path, ASSESSED_PLAN)
    rows = [
        # a: over-fulfils 1.1 (counted as 100 %), emissions rise on 1.2 (counted as 0), files January on time
        "a,1.1,2014-01,15,,x,2014-02-03",
        "a,1.2,2014-01,120,,x,2014-02-03",
        # b and c: the same work, b on time and c late: equal scores share a rank only when equal
        "b,1.1,2014-01,5,,x,2014-02-03",
        "b,1.2,2014-01,75,,x,2014-02-03",
        "c,1.1,2014-01,5,,x,2014-02-03",
        "c,1.2,2014-01,75,,x,2014-02-03",
        # d: nothing at all
    ]
    workspace.ok("import", str(workspace.write("f.csv", csv_text(rows))))
    return workspace


def test_assessment_with_non_default_settings(assessed: Workspace) -> None:
    units = {u["unit"]: u for u in js(assessed, "assess", "--as-of", "2014-02-20")["units"]}
    assert set(units) == {"a", "b", "c", "d"}  # e only supports: never assessed
    a, b, d = units["a"], units["b"], units["d"]
    assert a["completion"] == pytest.approx(0.75)  # (3 × 1.0 + 1 × 0) / 4: clamped both ways
    assert a["score"] == round(70 * 0.75 + 30 * 1.0, 2) == 82.5 and a["grade"] == "良好"
    assert b["completion"] == pytest.approx(0.5) and b["score"] == 65.0 and b["grade"] == "合格"
    assert units["c"]["score"] == 65.0 and units["c"]["rank"] == b["rank"] == 2  # ties share a rank
    assert d["reports_missing"] == 1 and d["timeliness"] == 0.0 and d["score"] == 0.0 and d["grade"] == "差"
    assert [u["unit"] for u in js(assessed, "assess", "--as-of", "2014-02-20")["units"]] == ["a", "b", "c", "d"]
    assert d["rank"] == 4


def test_timeliness_is_one_when_no_month_is_required(assessed: Workspace) -> None:
    units = {u["unit"]: u for u in js(assessed, "assess", "--as-of", "2014-01-20")["units"]}
    assert all(u["timeliness"] == 1.0 and u["reports_missing"] == 0 for u in units.values())


def test_notice_penalty_and_rounding_half_up(tmp_path: Path) -> None:
    text = (
        ASSESSED_PLAN.replace("completion_points: 70", "completion_points: 80")
        .replace("timeliness_points: 30", "timeliness_points: 20")
        .replace("notice_penalty: 5", "notice_penalty: 2")
    )
    workspace = make_workspace(tmp_path, text)
    workspace.ok("init")
    # a: completion (3 × 4/9 + 0) / 4 = 1/3, so 80/3 + 20 = 46.666… → 46.67
    # b: 1.1 done but 1.2 never reported: January is missing, so b is overdue and named in the notice
    rows = [
        "a,1.1,2014-01,4.444444444444445,,x,2014-02-03",
        "a,1.2,2014-01,100,,x,2014-02-03",
        "b,1.1,2014-01,10,,x,2014-02-03",
    ]
    workspace.ok("import", str(workspace.write("f.csv", csv_text(rows))))
    before = {u["unit"]: u["score"] for u in js(workspace, "assess", "--as-of", "2014-02-20")["units"]}
    assert before["a"] == 46.67 and before["b"] == 60.0
    named = js(workspace, "notice", "--as-of", "2014-02-10")["units"]
    assert "b" in [u["unit"] for u in named] and "a" not in [u["unit"] for u in named]
    after = {u["unit"]: u for u in js(workspace, "assess", "--as-of", "2014-02-20")["units"]}
    assert after["b"]["notices"] == 1 and after["b"]["score"] == 58.0
    assert after["a"]["notices"] == 0 and after["a"]["score"] == 46.67
    assert js(workspace, "assess", "--as-of", "2014-02-09")["units"][1]["notices"] == 0  # issued after that day


def test_assess_explains_one_unit(assessed: Workspace) -> None:
    data = js(assessed, "assess", "--as-of", "2014-02-20", "--unit", "a")
    assert [u["unit"] for u in data["units"]] == ["a"]
    assert [(c["target"], c["weight"], c["counted"]) for c in data["contributions"]] == [
        ("1.1", 3.0, 1.0),
        ("1.2", 1.0, 0.0),
    ]
    assert sum(c["points"] for c in data["contributions"]) == pytest.approx(70 * 0.75)
    assert data["months"]["2014-01"] == "on_time"
    table = assessed.ok("assess", "--as-of", "2014-02-20", "--unit", "a").stdout
    assert "score = 70 × completion 0.7500 + 30 × timeliness 1.0000 − 5 × 0 notices = 82.50" in table
    supporting = assessed.ok("assess", "--unit", "e", "--as-of", "2014-02-20")
    assert "not assessed" in supporting.stderr


def test_assess_table_is_ordered_by_rank(assessed: Workspace) -> None:
    table = assessed.ok("assess", "--as-of", "2014-02-20").stdout
    assert table.index("甲镇") < table.index("乙镇") < table.index("丙街道") < table.index("丁局")
    assert "82.50" in table and "良好" in table


# --- exports --------------------------------------------------------------------------------------


def test_json_export_follows_the_published_schema(conformance: Workspace) -> None:
    conformance.ok("notice", "--as-of", "2014-10-01")
    data = js(conformance, "export", "--as-of", "2015-01-06")
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    assert list(data) == [
        "plan_year",
        "as_of",
        "plan",
        "status",
        "filings",
        "assessment",
        "entries",
        "notices",
        "locks",
        "rectifications",
        "matters",
        "assessment_final",
    ]
    assert len(data["entries"]) == 77 and len(data["notices"]) == 1
    assert data["status"] == js(conformance, "status", "--as-of", "2015-01-06")["rows"]
    assert data["assessment"] == js(conformance, "assess", "--as-of", "2015-01-06")["units"]


def test_the_schema_names_every_key_the_code_writes(sample: Workspace) -> None:
    """additionalProperties is false throughout: a key added in code and not in the schema fails here."""
    sample.ok("notice", "--as-of", "2012-07-06")
    jsonschema.Draft202012Validator(SCHEMA).validate(js(sample, "export", "--as-of", "2013-02-01"))
    row = SCHEMA["$defs"]["status_row"]
    assert row["additionalProperties"] is False and set(row["required"]) == set(row["properties"])


@pytest.mark.parametrize("table", ["plan", "status", "filings", "assessment", "entries", "notices"])
def test_csv_export_of_each_table(conformance: Workspace, table: str) -> None:
    conformance.ok("notice", "--as-of", "2014-10-01")
    raw = conformance.ok("export", "--format", "csv", "--table", table, "--as-of", "2015-01-06").stdout_bytes
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows, table
    plain = conformance.ok("export", "-f", "csv", "--table", table, "--as-of", "2015-01-06", "--no-bom").stdout_bytes
    assert plain == raw[3:]


def test_csv_export_needs_a_known_table(conformance: Workspace) -> None:
    for args, message in ((("--format", "csv"), "give --table"), (("-f", "csv", "--table", "nope"), "unknown table")):
        outcome = conformance.run("export", *args)
        assert outcome.exit_code == 2 and message in outcome.stderr and outcome.stdout == ""


FORMULAS = ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tx", "'=1", "'"]


def test_no_cell_can_run_as_a_formula(conformance_empty: Workspace) -> None:
    for i, note in enumerate(FORMULAS):  # `report` keeps a note exactly as typed
        conformance_empty.ok(
            "report",
            "-u",
            "dongpo",
            "-t",
            "1.1",
            "-p",
            f"2014-0{i + 1}",
            "-v",
            str(i),
            "--note",
            note,
            "--on",
            f"2014-0{i + 2}-03",
        )
    notes = [e["note"] for e in js(conformance_empty, "history")["entries"]]
    assert notes == FORMULAS
    text = conformance_empty.ok("export", "-f", "csv", "--table", "entries", "--no-bom").stdout
    exported = [r["note"] for r in csv.DictReader(io.StringIO(text))]
    assert exported == ['\'=HYPERLINK("http://x")', "'+1", "'-2+3", "'@SUM(A1)", "'\tx", "''=1", "'"]
    conformance_empty.ok("export", "-f", "xlsx", "--out", "all.xlsx")
    with zipfile.ZipFile(conformance_empty.root / "all.xlsx") as workbook:
        sheets = [n for n in workbook.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in workbook.read(n) or b"<f " in workbook.read(n) for n in sheets)
    entries = load_workbook(conformance_empty.root / "all.xlsx")["entries"]
    header = [c.value for c in entries[3]]  # under the title and the office's line
    # an XLSX cell is typed: text cells hold the note exactly as stored, with no apostrophe to see
    cells = [row[header.index("Note")] for row in entries.iter_rows(min_row=4)]
    assert [cell.value for cell in cells] == FORMULAS
    assert {cell.data_type for cell in cells} == {"s"}


def test_xlsx_export_is_formatted_for_people(sample: Workspace) -> None:
    sample.ok("--lang", "zh", "export", "--format", "xlsx", "--out", "年度.xlsx", "--as-of", "2013-02-01")
    workbook = load_workbook(sample.root / "年度.xlsx")
    assert workbook.sheetnames == [
        "计划分解",
        "进展情况",
        "月报报送",
        "年度考核",
        "填报记录",
        "通报",
        "关账记录",
        "整改情况",
        "交办事项",
        "配合单位月度情况",
        # then the assessment sheet of each unit, in the assessment's order
        *[unit["unit_name"] for unit in js(sample, "assess", "--as-of", "2013-02-01")["units"]],
    ]
    status = workbook["进展情况"]
    # a title, the issuing office and the date, then the headings in the interface language
    assert status["A1"].value == "青川区全区生态建设2012年重点工作任务分解：进展情况" and status["A1"].font.bold
    assert status["A2"].value == "区生态建设工作领导小组办公室 · 截至 2013-02-01"
    header = [c.value for c in status[3]]
    assert header[:5] == ["单位代码", "单位", "任务", "指标", "指标名称"]
    assert status.freeze_panes == "A4"
    first = dict(zip(header, next(status.iter_rows(min_row=4)), strict=True))
    assert first["单位"].value == "青山镇"
    assert isinstance(first["目标"].value, int | float) and first["进度"].number_format == "0.00%"
    assert first["指标"].data_type == "s"  # codes stay text
    assert status.column_dimensions["E"].width > 20
    assessment = workbook["年度考核"]
    assert assessment.cell(3, 10).value == "得分" and isinstance(assessment.cell(4, 10).value, int | float)


def test_export_goes_to_stdout_and_messages_to_stderr(conformance: Workspace) -> None:
    outcome = conformance.ok("export", "-f", "json", "--out", "x.json")
    assert outcome.stdout == "" and "wrote x.json" in outcome.stderr
    assert json.loads((conformance.root / "x.json").read_text(encoding="utf-8"))["plan_year"] == 2014
    piped = subprocess.run(
        [str(ECOTRACK), "export", "-f", "xlsx"],
        cwd=conformance.root,
        env=_env(conformance),
        capture_output=True,
        check=True,
    )
    assert piped.stdout.startswith(b"PK\x03\x04") and piped.stderr == b""


def _env(workspace: Workspace) -> dict[str, str]:
    import os

    return {**os.environ, **workspace.env()}


# --- the round trip of entries --------------------------------------------------------------------

texts = st.text(
    # control characters are refused at filing (tab and line feed are kept in notes)
    alphabet=st.one_of(
        st.characters(
            exclude_categories=["Cs", "Cc"], exclude_characters="\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
        ),
        st.sampled_from("\t\n"),
    ),
    max_size=40,
).map(lambda s: s.strip())
starts = st.sampled_from(["", "=", "+", "-", "@", "'", "''=", "\t", "𠀀", "生态"])


# 15 examples: each start that a spreadsheet takes for a formula, and characters beyond the BMP, are met
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(starts, texts), min_size=1, max_size=5))
def test_entries_round_trip_through_csv(tmp_path_factory: pytest.TempPathFactory, notes: list[tuple[str, str]]) -> None:
    """Export entries as CSV, import them into a fresh database: the same status and the same notes."""
    source = prepared(tmp_path_factory.mktemp("source"), CONFORMANCE / "plan.yaml")
    rows = [
        ["nanyuan", "2.1", f"2014-{i + 1:02d}", str(500 - i), start + body, "张𠀀", f"2014-{i + 2:02d}-0{i % 3 + 3}"]
        for i, (start, body) in enumerate(notes)
    ]
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["unit", "target", "period", "value", "note", "reported_by", "reported_at"], *rows])
    source.ok("import", str(source.write("in.csv", buffer.getvalue())))
    exported = source.ok("export", "-f", "csv", "--table", "entries").stdout_bytes
    copy = prepared(tmp_path_factory.mktemp("copy"), CONFORMANCE / "plan.yaml")
    (copy.root / "entries.csv").write_bytes(exported)
    copy.ok("import", str(copy.root / "entries.csv"))
    for day in ("2014-03-01", "2014-07-06", "2015-01-06"):
        assert js(copy, "status", "--as-of", day) == js(source, "status", "--as-of", day)
    original = [(e["note"], e["reported_by"], e["reported_at"]) for e in js(source, "history")["entries"]]
    assert [(e["note"], e["reported_by"], e["reported_at"]) for e in js(copy, "history")["entries"]] == original


# --- backup ---------------------------------------------------------------------------------------

FILER = """
import subprocess, sys
eco, start = sys.argv[1], int(sys.argv[2])
for i in range(start, start + 15):
    subprocess.run([eco, "report", "-u", "dongpo", "-t", "1.2", "-p", "2014-03", "-v", str(60 + i % 30),
                    "--on", "2014-04-03", "--note", f"n{i}"], check=True, capture_output=True)
"""


@pytest.mark.slow
def test_backup_while_another_process_files(conformance: Workspace) -> None:
    filer = subprocess.Popen(
        [sys.executable, "-c", FILER, str(ECOTRACK), "0"], env=_env(conformance), cwd=conformance.root
    )
    copies = []
    try:
        for index in range(3):
            result = conformance.spawn("backup", f"copy{index}.db")
            assert result.returncode == 0, result.stderr
            assert "integrity check ok" in result.stderr
            copies.append(conformance.root / f"copy{index}.db")
    finally:
        assert filer.wait(timeout=300) == 0
    counts = []
    for copy in copies:
        with sqlite3.connect(copy) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            ids = [row[0] for row in connection.execute("SELECT id FROM entry ORDER BY id")]
            assert ids == list(range(1, len(ids) + 1))  # a consistent prefix: nothing half-copied
            counts.append(len(ids))
    assert 77 <= counts[0] <= counts[-1] <= 77 + 15
    (conformance.root / "restored").mkdir()
    copied = make_workspace(conformance.root / "restored", CONFORMANCE / "plan.yaml")
    assert json.loads(copied.run("status", "--format", "json", env={"ECOTRACK_DB": str(copies[0])}).stdout)["rows"]


def test_backup_refuses_to_overwrite_and_needs_sqlite(conformance: Workspace) -> None:
    conformance.ok("backup", "one.db")
    again = conformance.run("backup", "one.db")
    assert again.exit_code == 1 and "exists already" in again.stderr
    server = conformance.run("backup", "x.db", env={"ECOTRACK_DB": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    assert server.exit_code == 1 and "pg_dump" in server.stderr


# --- several plan years ---------------------------------------------------------------------------


def test_a_second_year_changes_nothing_of_the_first(conformance: Workspace) -> None:
    conformance.ok("notice", "--as-of", "2014-10-01")
    before = conformance.ok("export", "-f", "json", "--as-of", "2015-01-06").stdout
    plan_2015 = (
        (CONFORMANCE / "plan.yaml")
        .read_text()
        .replace("year: 2014", "year: 2015")
        .replace("2014-06-30", "2015-06-30")
        .replace("dongpo: 10", "dongpo: 12")
    )
    conformance.ok("--plan", str(conformance.write("plan-2015.yaml", plan_2015)), "plan", "load")
    assert js(conformance, "status")["plan_year"] == 2015  # the latest year by default
    conformance.ok(
        "--year", "2015", "report", "-u", "dongpo", "-t", "1.1", "-p", "2015-01", "-v", "1", "--on", "2015-02-03"
    )
    after = conformance.ok("--year", "2014", "export", "-f", "json", "--as-of", "2015-01-06").stdout
    assert after == before
    same_units = [u["unit"] for u in js(conformance, "--year", "2015", "units")["units"]]
    assert same_units == ["dongpo", "nanyuan", "huanbao"]
    assessed_2015 = js(conformance, "--year", "2015", "assess", "--as-of", "2015-02-10")
    assert assessed_2015["plan_year"] == 2015
    assert js(conformance, "--year", "2015", "notices")["notices"] == []
    env_year = conformance.run("export", "-f", "json", "--as-of", "2015-01-06", env={"ECOTRACK_YEAR": "2014"})
    assert env_year.stdout == before
