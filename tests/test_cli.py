"""The CLI end to end on real SQLite files: set-up, plan, filing, status, errors and start-up."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook

from .conftest import CONFORMANCE, ECOTRACK, SAMPLE_PLAN, Workspace, csv_text, make_workspace

# --- set-up and the plan --------------------------------------------------------------------------


def test_init_creates_the_database_and_is_safe_to_run_again(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path, CONFORMANCE / "plan.yaml")
    first = workspace.ok("init")
    assert "database created" in first.stderr and "plan year 2014 loaded" in first.stderr
    second = workspace.ok("init")
    assert "re-synced: 0 added, 0 changed, 0 removed" in second.stderr
    assert workspace.db.exists()


def test_init_with_a_broken_plan_creates_nothing(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path, "plan:\n  year: 2012\n")
    outcome = workspace.run("init")
    assert outcome.exit_code == 2
    assert "tasks.yaml" in outcome.stderr and "missing required key 'title'" in outcome.stderr
    assert not workspace.db.exists()


def test_commands_before_init_say_so(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path, CONFORMANCE / "plan.yaml")
    outcome = workspace.run("status")
    assert outcome.exit_code == 1
    assert outcome.stderr.startswith("error: no database at") and "ecotrack init" in outcome.stderr
    assert not workspace.db.exists()


def test_plan_check_reports_problems_as_file_line_column(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path, CONFORMANCE / "plan.yaml")
    broken = workspace.write(
        "broken.yaml",
        (CONFORMANCE / "plan.yaml")
        .read_text()
        .replace("kind: town", "kind: village")
        .replace("weight: 2", "weight: 0"),
    )
    outcome = workspace.run("plan", "check", str(broken))
    assert outcome.exit_code == 2
    lines = outcome.stderr.strip().splitlines()
    assert lines == [
        f"error: {broken}:9:11: kind must be one of 'town', 'subdistrict' or 'department'",
        f"error: {broken}:24:17: weight must be greater than 0",
    ]
    assert "Traceback" not in outcome.stderr
    assert "tasks.yaml: valid: 3 units, 2 tasks, 5 targets, 7 assignments" in workspace.ok("plan", "check").stderr


def test_plan_load_resyncs_and_refuses_to_drop_filed_data(conformance: Workspace) -> None:
    before = conformance.snapshot()
    source = conformance.plan.read_text()
    conformance.plan.write_text(source.replace("assign: {nanyuan: 450}", "assign: {dongpo: 450}"))
    outcome = conformance.run("plan", "load")
    assert outcome.exit_code == 1
    assert "target 2.1 of nanyuan has 11 entries" in outcome.stderr
    assert conformance.snapshot() == before
    conformance.plan.write_text(source.replace("amount: 4", "amount: 5"))
    assert "0 added, 2 changed, 0 removed" in conformance.ok("plan", "load").stderr


def test_status_warns_when_the_plan_file_changed_but_was_not_reloaded(tmp_path: Path) -> None:
    conformance = make_workspace(tmp_path, CONFORMANCE / "plan.yaml")  # loaded from this very file
    conformance.ok("init")
    conformance.plan.write_text(conformance.plan.read_text().replace("amount: 4", "amount: 5"))
    outcome = conformance.ok("status", "--as-of", "2014-07-06", "--format", "json")
    assert "has changed since plan year 2014 was loaded" in outcome.stderr
    assert json.loads(outcome.stdout)["rows"]  # the data still comes out, on stdout only


def test_plan_show_draws_the_tree(conformance: Workspace) -> None:
    shown = conformance.ok("--lang", "zh", "plan", "show").stdout
    for fragment in (
        "1.1 建成村级污水处理设施",
        "责任： 东坡镇  10 座",
        "配合： 区环保局",
        "时限 2014-06-30",
        "基数 500 吨",
    ):
        assert fragment in shown


def test_units_and_targets_in_every_format(conformance: Workspace) -> None:
    units = json.loads(conformance.ok("units", "--format", "json").stdout)
    assert units["units"][2] == {
        "unit": "huanbao",
        "unit_name": "区环保局",
        "kind": "department",
        "assignments": ["2.2"],
        "supports": ["1.1"],
    }
    targets = json.loads(conformance.ok("targets", "--unit", "nanyuan", "--format", "json").stdout)["targets"]
    assert [(t["target"], t["amount"], t["baseline"]) for t in targets] == [
        ("1.1", 5.0, 0.0),
        ("2.1", 450.0, 500.0),
        ("2.3", 4.0, 0.0),
    ]
    table = conformance.ok("targets", "--unit", "nanyuan").stdout
    assert "450 吨" in table and "500 吨" in table
    csv_bytes = conformance.ok("units", "--format", "csv").stdout_bytes
    assert csv_bytes.startswith(b"\xef\xbb\xbfunit,unit_name,kind,assignments,supports\r\n")
    assert conformance.ok("units", "--format", "csv", "--no-bom").stdout_bytes.startswith(b"unit,")


# --- filing ---------------------------------------------------------------------------------------


def test_report_files_one_entry_and_history_shows_it(conformance_empty: Workspace) -> None:
    outcome = conformance_empty.ok(
        "report",
        "--unit",
        "dongpo",
        "--target",
        "1.1",
        "--period",
        "2014-03",
        "--value",
        "2",
        "--note",
        "=1+1",
        "--by",
        "王芳",
        "--on",
        "2014-04-03",
    )
    assert "filed: dongpo 1.1 2014-03 = 2 座" in outcome.stderr
    entries = json.loads(conformance_empty.ok("history", "--format", "json").stdout)["entries"]
    assert [(e["unit"], e["target"], e["period"], e["value"], e["note"], e["reported_by"]) for e in entries] == [
        ("dongpo", "1.1", "2014-03", 2.0, "=1+1", "王芳")
    ]
    assert entries[0]["reported_at"] == "2014-04-03T00:00:00" and entries[0]["superseded"] is False


def test_report_done_files_a_milestone_as_one(conformance_empty: Workspace) -> None:
    conformance_empty.ok("report", "-u", "huanbao", "-t", "2.2", "-p", "2014-05", "--done", "--on", "2014-06-02")
    status = json.loads(conformance_empty.ok("status", "--as-of", "2014-06-03", "--format", "json").stdout)
    assert next(r for r in status["rows"] if r["target"] == "2.2")["status"] == "done"


def test_a_correction_warns_when_the_level_falls_back(conformance_empty: Workspace) -> None:
    common = ("report", "-u", "dongpo", "-t", "1.1", "-v")
    conformance_empty.ok(*common, "3", "-p", "2014-03", "--on", "2014-04-02")
    outcome = conformance_empty.ok(*common, "1", "-p", "2014-04", "--on", "2014-05-02")
    assert "warning: dongpo 1.1 2014-04: 1 is further from the amount" in outcome.stderr
    assert conformance_empty.entries() == 2


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("-u", "dongpo", "-t", "1.1", "-p", "2014-03", "-v", "-1"), "value '-1' is negative"),
        (("-u", "dongpo", "-t", "1.1", "-p", "2014-03", "-v", "nan"), "not a plain decimal number"),
        (("-u", "dongpo", "-t", "1.1", "-p", "2014-13", "-v", "1"), "the month must be 1 to 12"),
        (("-u", "dongpo", "-t", "1.1", "-p", "2013-12", "-v", "1"), "outside the plan year 2014"),
        (("-u", "dongpo", "-t", "1.1", "-p", "2014-05", "-v", "1", "--on", "2014-04-30"), "has not begun"),
        (("-u", "dongpo", "-t", "1.1", "-p", "2014-05", "-v", "1", "--on", "2050-01-01"), "in the future"),
        (("-u", "dongpo", "-t", "1.1", "-p", "2014-05", "-v", "1", "--on", "2014-02-30"), "--on"),
        (("-u", "huanbao", "-t", "2.2", "-p", "2014-05", "-v", "2"), "a milestone is 1 (done) or 0"),
        (("-u", "huanbao", "-t", "1.1", "-p", "2014-05", "-v", "2"), "only supports target 1.1"),
        (("-u", "dongpo", "-t", "2.1", "-p", "2014-05", "-v", "2"), "is not assigned target 2.1"),
        (("-u", "dongpoo", "-t", "1.1", "-p", "2014-05", "-v", "2"), "did you mean 'dongpo'?"),
        (("-u", "dongpo", "-t", "1.9", "-p", "2014-05", "-v", "2"), "unknown target '1.9'"),
        (("-u", "dongpo", "-t", "1.1", "-p", "2014-05"), "give --target, --period and --value"),
        (("-u", "dongpo", "-t", "1.1", "-p", "2014-05", "-v", "1", "--done"), "not both"),
        (("-u", "dongpo", "-t", "1.1", "-p", "2014-05", "-v", "1", "--bogus"), "No such option"),
    ],
)
def test_bad_reports_change_nothing(conformance: Workspace, arguments: tuple[str, ...], message: str) -> None:
    before = conformance.snapshot()
    outcome = conformance.run("report", *arguments)
    assert outcome.exit_code == 2, outcome.stderr
    assert outcome.stderr.startswith("error: ") and message in outcome.stderr
    assert "Traceback" not in outcome.stderr + outcome.stdout
    assert conformance.snapshot() == before


def test_report_without_a_terminal_asks_for_options(conformance_empty: Workspace) -> None:
    outcome = conformance_empty.run("report", "--unit", "dongpo")
    assert outcome.exit_code == 2 and "needs a terminal" in outcome.stderr


def test_template_lists_open_targets_and_imports_back(conformance: Workspace) -> None:
    # by December dongpo has finished 1.1 and 2.3 but not 1.2, so its form holds only 1.2
    conformance.ok("template", "--unit", "dongpo", "--period", "2014-12", "--out", "form.csv")
    form = (conformance.root / "form.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(form)))
    assert [(r["unit"], r["target"], r["period"], r["last_value"]) for r in rows] == [
        ("dongpo", "1.2", "2014-12", "91")
    ]
    filled = form.replace("2014-12,,", "2014-12,92,").replace("\r\n", "\n")
    conformance.write("filled.csv", filled)
    before = conformance.entries()
    conformance.ok("import", "filled.csv")
    assert conformance.entries() == before + 1


def test_template_xlsx_in_chinese_keeps_codes_as_text(conformance_empty: Workspace) -> None:
    conformance_empty.ok("--lang", "zh", "template", "-u", "nanyuan", "-p", "2014-02", "-o", "form.xlsx")
    sheet = load_workbook(conformance_empty.root / "form.xlsx").worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:7] == ["单位", "指标", "月份", "完成值", "备注", "填报人", "填报日期"]
    assert [(r[0].value, r[1].value, r[2].value) for r in sheet.iter_rows(min_row=2)] == [
        ("nanyuan", "1.1", "2014-02"),
        ("nanyuan", "2.1", "2014-02"),
        ("nanyuan", "2.3", "2014-02"),
    ]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold


def test_interactive_monthly_form_on_a_terminal(conformance_empty: Workspace) -> None:
    """The form walks through each open target on a real pseudo-terminal and files all at once."""
    env = {**os.environ, **conformance_empty.env(), "COLUMNS": "120", "TERM": "dumb"}
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [str(ECOTRACK), "report", "--unit", "nanyuan", "--period", "2014-03", "--on", "2014-04-03", "--by", "李"],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        cwd=conformance_empty.root,
    )
    os.close(follower)
    answers = iter(["1", "495", "", "y"])  # 1.1, 2.1, skip 2.3, confirm
    seen = b""
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.5)
        if not ready:
            continue
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        seen += chunk
        if chunk.rstrip().endswith((b":", b"]", b")")):
            os.write(leader, (next(answers, "") + "\n").encode())
    process.wait(timeout=30)
    os.close(leader)
    text = seen.decode("utf-8", "replace")
    assert process.returncode == 0, text
    assert "3 targets" in text and "File these 2 entries?" in text
    entries = json.loads(conformance_empty.ok("history", "--format", "json").stdout)["entries"]
    assert [(e["target"], e["value"], e["reported_by"]) for e in entries] == [("1.1", 1.0, "李"), ("2.1", 495.0, "李")]


# --- status ---------------------------------------------------------------------------------------


def test_status_table_json_and_csv_agree(conformance: Workspace) -> None:
    as_of = ("--as-of", "2014-07-06")
    data = json.loads(conformance.ok("status", *as_of, "--format", "json").stdout)
    assert list(data) == ["plan_year", "as_of", "evaluation_month", "rows"]
    assert list(data["rows"][0]) == [
        "unit",
        "unit_name",
        "task",
        "target",
        "target_title",
        "type",
        "measure",
        "baseline",
        "amount",
        "actual",
        "expected",
        "gap",
        "progress",
        "expected_share",
        "status",
        "last_period",
        "due",
    ]
    rows = list(
        csv.DictReader(
            io.StringIO(conformance.ok("status", *as_of, "--format", "csv").stdout_bytes.decode("utf-8-sig"))
        )
    )
    assert [(r["unit"], r["target"], r["status"]) for r in rows] == [
        (r["unit"], r["target"], r["status"]) for r in data["rows"]
    ]
    table = conformance.ok("status", *as_of).stdout
    assert "behind" in table and "Dongpo" not in table and "东坡镇" in table
    assert "2014-06" in table  # the evaluation month in the title


def test_status_filters_by_unit_and_task(conformance: Workspace) -> None:
    rows = json.loads(conformance.ok("status", "--unit", "nanyuan", "--task", "2", "--format", "json").stdout)["rows"]
    assert [(r["unit"], r["target"]) for r in rows] == [("nanyuan", "2.1"), ("nanyuan", "2.3")]
    supporting_only = make_supporting_plan(conformance)
    assert json.loads(supporting_only.ok("status", "--unit", "helper", "--format", "json").stdout)["rows"] == []


def make_supporting_plan(conformance: Workspace) -> Workspace:
    text = conformance.plan.read_text().replace(
        "units:\n", "units:\n  - code: helper\n    name: 协助单位\n    kind: department\n"
    )
    conformance.plan.write_text(text)
    conformance.ok("plan", "load")
    return conformance


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("status", "--as-of", "2014-02-30"), "--as-of '2014-02-30' is not a date"),
        (("status", "--unit", "nanyuang"), "did you mean 'nanyuan'?"),
        (("status", "--task", "9"), "unknown task '9'"),
        (("status", "--format", "xml"), "--format"),
        (("--year", "2013", "status"), "no plan for 2013 in the database (loaded: 2014)"),
        (("--lang", "fr", "status"), "choose zh or en"),
    ],
)
def test_bad_options_give_one_error_line_and_exit_2(
    conformance: Workspace, arguments: tuple[str, ...], message: str
) -> None:
    outcome = conformance.run(*arguments)
    assert outcome.exit_code == 2
    assert outcome.stderr.startswith("error: ") and message in outcome.stderr
    assert outcome.stdout == ""


def test_chinese_interface_keeps_json_keys_and_status_words(conformance: Workspace) -> None:
    english = conformance.ok("status", "--as-of", "2014-07-06", "--format", "json").stdout
    chinese = conformance.ok("--lang", "zh", "status", "--as-of", "2014-07-06", "--format", "json").stdout
    assert english == chinese
    table = conformance.run("status", "--as-of", "2014-07-06", env={"ECOTRACK_LANG": "zh"}).stdout
    assert "滞后" in table and "统计月份 2014-06" in table


def test_locale_chooses_the_language(conformance: Workspace) -> None:
    assert "滞后" in conformance.run("status", "--as-of", "2014-07-06", env={"LC_ALL": "zh_CN.UTF-8"}).stdout


# --- the installed command ------------------------------------------------------------------------


def test_version_and_python_dash_m(tmp_path: Path) -> None:
    from ecotrack import __version__

    installed = subprocess.run([str(ECOTRACK), "--version"], capture_output=True, text=True, check=True)
    module = subprocess.run([sys.executable, "-m", "ecotrack", "--version"], capture_output=True, text=True, check=True)
    assert installed.stdout == module.stdout == f"ecotrack {__version__}\n"


def test_help_does_not_import_the_heavy_libraries() -> None:
    probe = (
        "import sys\nfrom ecotrack.cli.app import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('sqlalchemy', 'sqlmodel', 'alembic', 'openpyxl', 'pydantic') if m in sys.modules]\n"
        "print('HEAVY:' + ','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "Usage" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "HEAVY:"


def test_a_subprocess_error_has_no_traceback(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path, SAMPLE_PLAN)
    result = workspace.spawn("import", "missing.csv")
    assert result.returncode == 1 or result.returncode == 2
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr


def test_import_one_bad_row_imports_nothing(conformance_empty: Workspace) -> None:
    path = conformance_empty.write(
        "filings.csv",
        csv_text(
            [
                "dongpo,1.1,2014-01,0,,a,2014-02-03",
                "dongpo,1.1,2014-02,x,,a,2014-03-03",
                "dongpo,1.2,2014-01,61,,a,2014-02-03",
            ]
        ),
    )
    outcome = conformance_empty.run("import", str(path))
    assert outcome.exit_code == 2
    assert f"{path}:3: value 'x' is not a plain decimal number (like 12 or 3.5)" in outcome.stderr
    assert conformance_empty.entries() == 0
