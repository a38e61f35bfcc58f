"""The monthly meeting end to end: filings grid, overdue units, notices (通报) and their escalation."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import CONFORMANCE, Workspace, csv_text, make_workspace


def js(workspace: Workspace, *args: str) -> Any:
    return json.loads(workspace.ok(*args, "--format", "json").stdout)


# --- filings --------------------------------------------------------------------------------------


def test_filings_grid_in_json_csv_and_table(conformance: Workspace) -> None:
    data = js(conformance, "filings", "--as-of", "2014-08-15")
    nanyuan = next(u for u in data["units"] if u["unit"] == "nanyuan")
    assert nanyuan["months"]["2014-06"] == "late" and nanyuan["months"]["2014-07"] == "missing"
    assert list(nanyuan) == ["unit", "unit_name", "months"]
    rows = list(
        csv.DictReader(
            io.StringIO(
                conformance.ok("filings", "--as-of", "2014-08-15", "--format", "csv").stdout_bytes.decode("utf-8-sig")
            )
        )
    )
    assert list(rows[0]) == ["unit", "unit_name", *[f"2014-{m:02d}" for m in range(1, 13)]]
    assert rows[1]["2014-07"] == "missing"
    table = conformance.ok("filings", "--as-of", "2014-08-15").stdout
    assert "✗" in table and "L" in table and "✓" in table


def custom_plan(tmp_path: Path) -> Workspace:
    """report_due_day 10, start_month 3, tolerance 0.2."""
    text = (
        (CONFORMANCE / "plan.yaml")
        .read_text()
        .replace(
            "  office: 青溪区生态建设工作领导小组办公室\n",
            "  office: 青溪区生态建设工作领导小组办公室\n  report_due_day: 10\n  start_month: 3\n  tolerance: 0.2\n",
        )
    )
    workspace = make_workspace(tmp_path, text)
    workspace.ok("init")
    return workspace


def test_non_default_due_day_start_month_and_tolerance(tmp_path: Path) -> None:
    workspace = custom_plan(tmp_path)
    rows = [
        "dongpo,1.1,2014-03,1,,a,2014-04-09",
        "dongpo,1.2,2014-03,61,,a,2014-04-09",
        "dongpo,2.3,2014-03,0,,a,2014-04-09",
        "dongpo,1.1,2014-04,2,,a,2014-05-11",
        "dongpo,1.2,2014-04,65,,a,2014-05-11",
        "dongpo,2.3,2014-04,1,,a,2014-05-11",
    ]
    workspace.ok("import", str(workspace.write("f.csv", csv_text(rows))))
    months = js(workspace, "filings", "--as-of", "2014-06-11")["units"][0]["months"]
    assert list(months)[:4] == ["2014-03", "2014-04", "2014-05", "2014-06"]  # nothing before start_month
    assert (months["2014-03"], months["2014-04"], months["2014-05"]) == ("on_time", "late", "missing")
    status = {r["target"]: r for r in js(workspace, "status", "--as-of", "2014-06-11", "--unit", "dongpo")["rows"]}
    # 1.2: progress 5/30 = 0.167 against 5/12 = 0.417 expected: behind by default, at_risk within 0.2? no: 0.25 short
    assert status["1.2"]["status"] == "behind"
    # 2.3: 1 of 4 = 0.25 against 5/12 = 0.417: within the 0.2 band
    assert status["2.3"]["status"] == "at_risk"


# --- overdue --------------------------------------------------------------------------------------


def test_overdue_lists_units_in_order_with_reasons(conformance: Workspace) -> None:
    data = js(conformance, "overdue", "--as-of", "2014-10-01")
    assert data["evaluation_month"] == "2014-09"
    assert [(u["unit"], u["missing_reports"], [b["target"] for b in u["behind"]]) for u in data["units"]] == [
        ("nanyuan", ["2014-07", "2014-08"], ["1.1", "2.1", "2.3"]),
        ("dongpo", [], ["1.2", "2.3"]),
    ]
    status = {(r["unit"], r["target"]): r for r in js(conformance, "status", "--as-of", "2014-10-01")["rows"]}
    behind = data["units"][0]["behind"][1]
    assert behind == status[("nanyuan", "2.1")] and behind["gap"] == pytest.approx(15.5)


def test_overdue_csv_one_row_per_reason(conformance: Workspace) -> None:
    text = conformance.ok("overdue", "--as-of", "2014-10-01", "--format", "csv", "--no-bom").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["unit"], r["missing_reports"], r["target"]) for r in rows] == [
        ("nanyuan", "2014-07 2014-08", "1.1"),
        ("nanyuan", "2014-07 2014-08", "2.1"),
        ("nanyuan", "2014-07 2014-08", "2.3"),
        ("dongpo", "", "1.2"),
        ("dongpo", "", "2.3"),
    ]


def test_overdue_exit_code_for_scripts(conformance: Workspace) -> None:
    assert conformance.run("overdue", "--as-of", "2014-10-01", "--exit-code").exit_code == 1
    assert conformance.run("overdue", "--as-of", "2014-10-01").exit_code == 0
    assert conformance.run("overdue", "--as-of", "2014-01-20", "--exit-code").exit_code == 0  # nobody overdue
    assert conformance.run("overdue", "--as-of", "2014-10-01", "--unit", "huanbao", "--exit-code").exit_code == 0
    only = js(conformance, "overdue", "--as-of", "2014-10-01", "--unit", "dongpo")["units"]
    assert [u["unit"] for u in only] == ["dongpo"]


def test_a_milestone_past_its_due_date_is_behind(conformance_empty: Workspace) -> None:
    data = js(conformance_empty, "overdue", "--as-of", "2014-07-01")
    huanbao = next(u for u in data["units"] if u["unit"] == "huanbao")
    assert [b["target"] for b in huanbao["behind"]] == ["2.2"] and huanbao["behind"][0]["due"] == "2014-06-30"


# --- notices --------------------------------------------------------------------------------------


def test_notice_is_numbered_recorded_and_refused_twice(conformance: Workspace) -> None:
    first = conformance.ok("notice", "--as-of", "2014-08-15")
    assert first.stdout.startswith(
        "# 青溪区生态建设工作领导小组办公室关于2014年7月生态建设工作进展情况的通报\n\n〔2014〕1号\n\n各成员单位：\n"
    )
    assert "notice 〔2014〕1号 recorded: 3 units named" in first.stderr
    before = conformance.snapshot()
    again = conformance.run("notice", "--as-of", "2014-08-20")  # same evaluation month
    assert again.exit_code == 1
    assert again.stderr.startswith("error: a notice for 2014-07 was issued already: 〔2014〕1号, on ")
    assert conformance.snapshot() == before
    second = js(conformance, "notice", "--as-of", "2014-10-01")
    assert (second["number"], second["evaluation_month"]) == (2, "2014-09")


def test_notice_document_names_every_unit_with_its_reasons(conformance: Workspace) -> None:
    document = conformance.ok("notice", "--as-of", "2014-10-01").stdout
    assert "现将工作进展缓慢、报送不及时的2个单位通报如下" in document
    assert "## 一、总体情况\n\n全区3个单位承担的7项任务目标中，已完成1项，存在滞后风险1项，进度滞后5项。" in document
    assert "### （一）南苑街道（本年度第1次，通报）" in document
    assert "### （二）东坡镇（本年度第1次，通报）" in document
    assert "未按要求报送月度工作进展情况：2014年7月、2014年8月。" in document
    assert "2.1 化学需氧量排放量：全年目标450吨，截至2014年7月实际478吨，按进度应降至462.5吨，相差15.5吨。" in document
    assert "2.3 开展生态文明宣传活动：全年目标4场，截至2014年6月实际2场，按进度应达到3场，相差1场。" in document
    rate = "1.2 农村生活垃圾无害化处理率：全年目标90%，截至2014年8月实际76%，按进度应达到82.5%，相差6.5个百分点。"
    assert rate in document
    assert "青溪区生态建设工作领导小组办公室\n\n2014年10月1日\n" in document  # the issuer and the date
    # the attachment: amounts in the measure, then the shares and the shortfall in percentage points
    assert "| 5 | 东坡镇 | 2.3 开展生态文明宣传活动 | 4场 | 2场 | 75% | 50% | 25 |" in document
    assert document.rstrip().endswith("青溪区生态建设工作领导小组办公室\u3000\u30002014年10月1日印发")


def test_english_document_on_request(conformance: Workspace) -> None:
    document = conformance.ok("notice", "--as-of", "2014-10-01", "--document-lang", "en", "--dry-run").stdout
    assert "### (1) 南苑街道 (first notice this year: named)" in document
    assert "Monthly reports not filed: 2014-07, 2014-08." in document


def test_counts_escalate_by_the_ladder(tmp_path: Path) -> None:
    text = (CONFORMANCE / "plan.yaml").read_text() + '\nnotices:\n  number_format: "青生态办〔{year}〕{number}号"\n'
    text += "  ladder: {1: 提醒, 2: 通报批评, 4: 约谈主要负责人}\n"
    workspace = make_workspace(tmp_path, text)
    workspace.ok("init")  # no entries: every unit misses every month from January
    wordings = []
    for day in ("2014-02-10", "2014-03-10", "2014-04-10", "2014-05-10", "2014-06-10"):
        notice = js(workspace, "notice", "--as-of", day)
        dongpo = next(u for u in notice["units"] if u["unit"] == "dongpo")
        wordings.append((notice["document_number"], dongpo["count_this_year"], dongpo["wording"]))
    assert wordings == [
        ("青生态办〔2014〕1号", 1, "提醒"),
        ("青生态办〔2014〕2号", 2, "通报批评"),
        ("青生态办〔2014〕3号", 3, "通报批评"),
        ("青生态办〔2014〕4号", 4, "约谈主要负责人"),
        ("青生态办〔2014〕5号", 5, "约谈主要负责人"),  # the highest key applies beyond
    ]
    listed = js(workspace, "notices")
    assert [n["number"] for n in listed["notices"]] == [1, 2, 3, 4, 5]
    assert all("issued_at" in n for n in listed["notices"])


def test_dry_run_records_nothing_and_out_writes_the_file(conformance: Workspace) -> None:
    before = conformance.snapshot()
    dry = conformance.ok("notice", "--as-of", "2014-10-01", "--dry-run")
    assert "nothing recorded" in dry.stderr and "〔2014〕1号" in dry.stdout
    assert conformance.snapshot() == before
    written = conformance.ok("notice", "--as-of", "2014-10-01", "--out", "notices")
    assert written.stdout == ""
    files = list((conformance.root / "notices").iterdir())
    assert [f.name for f in files] == ["通报-2014-001-2014-09.md"]
    shown = conformance.ok("notices", "show", "1").stdout
    assert shown == files[0].read_text(encoding="utf-8") == dry.stdout


def test_notices_show_reproduces_the_record(conformance: Workspace) -> None:
    issued = conformance.ok("notice", "--as-of", "2014-10-01").stdout
    conformance.ok("report", "-u", "nanyuan", "-t", "1.1", "-p", "2014-08", "-v", "5", "--on", "2014-10-02")
    assert conformance.ok("notices", "show", "1").stdout == issued  # later filings change nothing in it
    data = js(conformance, "notices", "show", "1")
    assert [u["unit"] for u in data["units"]] == ["nanyuan", "dongpo"] and data["issued_at"]
    missing = conformance.run("notices", "show", "7")
    assert missing.exit_code == 2 and "no notice number 7 in 2014 (issued: 1)" in missing.stderr


def test_no_overdue_unit_records_nothing_and_exits_0(conformance_empty: Workspace) -> None:
    january = [
        "dongpo,1.1,2014-01,1,,a,2014-02-03",
        "dongpo,1.2,2014-01,63,,a,2014-02-03",
        "dongpo,2.3,2014-01,1,,a,2014-02-03",
        "nanyuan,1.1,2014-01,1,,a,2014-02-03",
        "nanyuan,2.1,2014-01,495,,a,2014-02-03",
        "nanyuan,2.3,2014-01,1,,a,2014-02-03",
        "huanbao,2.2,2014-01,0,,a,2014-02-03",
    ]
    conformance_empty.ok("import", str(conformance_empty.write("jan.csv", csv_text(january))))
    before = conformance_empty.snapshot()
    outcome = conformance_empty.run("notice", "--as-of", "2014-02-10")
    assert outcome.exit_code == 0 and "no unit is overdue" in outcome.stderr and outcome.stdout == ""
    assert conformance_empty.snapshot() == before
    assert js(conformance_empty, "notices")["notices"] == []


def test_no_evaluation_month_is_refused(conformance: Workspace) -> None:
    outcome = conformance.run("notice", "--as-of", "2014-01-20")
    assert outcome.exit_code == 1 and "no month of 2014 has ended yet" in outcome.stderr


def test_notices_count_in_the_assessment_as_of_their_date(conformance: Workspace) -> None:
    def assessed(day: str) -> dict[str, Any]:
        return {u["unit"]: u for u in js(conformance, "assess", "--as-of", day)["units"]}

    without = assessed("2015-01-06")
    conformance.ok("notice", "--as-of", "2014-08-15")  # names nanyuan, dongpo, huanbao
    # names nanyuan, dongpo, and huanbao for its rectification of notice 1, overdue since 2014-08-25 (SPEC §10)
    conformance.ok("notice", "--as-of", "2014-10-01")
    assert {u: a["notices"] for u, a in assessed("2014-09-01").items()} == {"dongpo": 1, "nanyuan": 1, "huanbao": 1}
    assert {u: a["notices"] for u, a in assessed("2014-08-14").items()} == {"dongpo": 0, "nanyuan": 0, "huanbao": 0}
    with_notices = assessed("2015-01-06")
    for unit, count in {"nanyuan": 2, "dongpo": 2, "huanbao": 2}.items():
        assert with_notices[unit]["notices"] == count
        assert with_notices[unit]["score"] == pytest.approx(without[unit]["score"] - 2 * count)


def test_plan_load_refuses_to_drop_a_unit_named_in_a_notice(tmp_path: Path) -> None:
    text = (CONFORMANCE / "plan.yaml").read_text()
    workspace = make_workspace(tmp_path, text + "")
    workspace.ok("init")
    workspace.ok("notice", "--as-of", "2014-02-10")
    extra = text.replace("units:\n", "units:\n  - code: xincheng\n    name: 新城街道\n    kind: subdistrict\n")
    workspace.plan.write_text(extra)
    workspace.ok("plan", "load")
    workspace.plan.write_text(text)
    assert workspace.run("plan", "load").exit_code == 0  # xincheng had no assignment: never named
    outcome = workspace.run(
        "--plan",
        str(
            workspace.write(
                "other.yaml",
                text.replace("  - code: huanbao\n    name: 区环保局\n    kind: department\n", "")
                .replace("        support: [huanbao]\n", "")
                .replace("assign: [huanbao]", "assign: [dongpo]"),
            )
        ),
        "plan",
        "load",
    )
    assert outcome.exit_code == 1 and "unit huanbao is named in 1 notice" in outcome.stderr
