"""Rectification (整改) and the office's hand on a notice (SPEC §10, §14; issue 13), through the real CLI.

The numbers are worked by hand in tests/data/rectification/plan.yaml; every test that records runs on
SQLite and, where a server is there, on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from ecotrack import rules

from .conftest import DATA, Workspace, csv_text, make_workspace, prepared

PLAN = DATA / "rectification" / "plan.yaml"


def filings(months: range = range(1, 12)) -> str:
    """a on the line every month; b the same but March skipped; c filing 0 every month: all on the 3rd."""
    rows = []
    for month in months:
        filed_on = f"2012-{month + 1:02d}-03"
        rows.append(f"a,1,2012-{month:02d},{10 * month},,,{filed_on}")
        if month != 3:
            rows.append(f"b,1,2012-{month:02d},{10 * month},,,{filed_on}")
        rows.append(f"c,1,2012-{month:02d},0,,,{filed_on}")
    return csv_text(rows)


@pytest.fixture
def office(tmp_path: Path, backend: str | None) -> Workspace:
    workspace = prepared(tmp_path, PLAN, url=backend)
    workspace.write("filings.csv", filings())
    workspace.ok("import", "filings.csv")
    return workspace


def js(workspace: Workspace, *args: str) -> Any:
    return json.loads(workspace.ok(*args, "--format", "json").stdout)


def states(workspace: Workspace, as_of: str) -> dict[tuple[int, str], str]:
    items = js(workspace, "rectifications", "--as-of", as_of)["items"]
    return {(item["notice"], item["unit"]): item["state"] for item in items}


def named(notice: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {unit["unit"]: unit for unit in notice["units"]}


def test_each_state_of_an_item_around_its_due_date(office: Workspace) -> None:
    first = named(js(office, "notice", "--as-of", "2012-04-06"))
    assert set(first) == {"b", "c"}
    assert first["b"]["missing_reports"] == ["2012-03"] and first["c"]["behind"]
    office.ok("rectify", "--notice", "1", "--unit", "c", "--text", "加快进度", "--on", "2012-04-12")
    assert states(office, "2012-04-05") == {}  # the notice is dated 04-06: no item before it
    assert states(office, "2012-04-11") == {(1, "b"): "open", (1, "c"): "open"}
    assert states(office, "2012-04-12") == {(1, "b"): "open", (1, "c"): "answered"}
    assert states(office, "2012-04-16") == {(1, "b"): "open", (1, "c"): "answered"}  # due that day: still open
    assert states(office, "2012-04-17") == {(1, "b"): "overdue", (1, "c"): "answered"}
    office.ok("rectifications", "return", "1", "--unit", "c", "--reason", "未说明整改时限", "--on", "2012-04-14")
    assert states(office, "2012-04-14")[(1, "c")] == "reopened"
    assert states(office, "2012-04-17")[(1, "c")] == "overdue"  # returned, then its due date passed
    office.ok("rectify", "--notice", "1", "--unit", "c", "--text", "5月底前完成", "--on", "2012-04-18")
    # c is still behind (it files 0): the close is the office's override, recorded as one
    office.ok("rectifications", "close", "1", "--unit", "c", "--override", "--note", "核查属实", "--on", "2012-04-20")
    assert states(office, "2012-04-19")[(1, "c")] == "answered"
    assert states(office, "2012-04-20")[(1, "c")] == "closed"
    before = office.snapshot()
    for args in (
        ("rectifications", "close", "1", "--unit", "c"),
        ("rectifications", "return", "1", "--unit", "c", "--reason", "x"),
        ("rectify", "--notice", "1", "--unit", "c", "--text", "again"),
    ):
        refused = office.run(*args)
        assert refused.exit_code == 1 and "closed" in refused.stderr, args
    assert office.snapshot() == before
    no_answer = office.run("rectifications", "return", "1", "--unit", "b", "--reason", "x")
    assert no_answer.exit_code == 1 and "no answer to return" in no_answer.stderr


def test_an_overdue_item_makes_a_unit_overdue_and_names_it_again(office: Workspace) -> None:
    office.ok("notice", "--as-of", "2012-04-06")
    office.ok("rectify", "--notice", "1", "--unit", "c", "--text", "加快进度", "--on", "2012-04-12")
    units = {u["unit"]: u for u in js(office, "overdue", "--as-of", "2012-04-17")["units"]}
    assert units["b"]["rectification_overdue"] == [1] and units["c"]["rectification_overdue"] == []
    second = named(js(office, "notice", "--as-of", "2012-05-07"))
    assert set(second) == {"b", "c"}
    # b's March was named in notice 1: listed as still not filed, not a reason; its overdue item is
    assert second["b"]["missing_reports"] == [] and second["b"]["still_not_filed"] == ["2012-03"]
    assert second["b"]["rectification_overdue"] == [1] and second["b"]["count_this_year"] == 2
    document = office.ok("notices", "show", "2").stdout
    assert "此前已通报、至今仍未报送：2012年3月" in document and "逾期未报送" in document


def test_a_month_named_once_is_no_reason_to_name_the_unit_again(office: Workspace) -> None:
    office.ok("notice", "--as-of", "2012-04-06")
    office.ok("report", "--unit", "b", "--target", "1", "--period", "2012-03", "--value", "30", "--on", "2012-04-10")
    office.ok("rectify", "--notice", "1", "--unit", "b", "--text", "3月月报已补交", "--on", "2012-04-10")
    office.ok("rectifications", "close", "1", "--unit", "b", "--on", "2012-04-11")
    second = named(js(office, "notice", "--as-of", "2012-05-07"))
    assert "b" not in second  # its only reason would be March, named in notice 1
    assert js(office, "assess", "--as-of", "2013-01-10")["units"][1]["notices"] == 1  # b: one notice, not two


def test_the_office_leaves_out_adds_and_commends(office: Workspace) -> None:
    notice = js(
        office,
        "notice",
        "--as-of",
        "2012-04-06",
        "--exclude",
        "c=已书面说明：施工受雨季影响",
        "--add",
        "a",
        "--reason",
        "措施不力",
    )
    assert set(named(notice)) == {"a", "b"}
    assert named(notice)["a"]["added_reason"] == "措施不力"
    assert notice["excluded"] == [{"unit": "c", "unit_name": "丙镇", "reason": "已书面说明：施工受雨季影响"}]
    shown = office.ok("notices", "show", "1")
    # the office's reason to leave a unit out is its own: in the record and told to the office, never circulated
    assert "丙镇" not in shown.stdout and "雨季" not in shown.stdout
    assert "left out by the office, not in the circulated text: 丙镇 (已书面说明：施工受雨季影响)" in shown.stderr
    assert "经研究予以通报：措施不力" in shown.stdout
    scores = {u["unit"]: u["notices"] for u in js(office, "assess", "--as-of", "2012-04-30")["units"]}
    assert scores == {"a": 1, "b": 1, "c": 0}  # the excluded unit is not counted
    office.ok("rectify", "--notice", "1", "--unit", "a", "--text", "已落实专人", "--on", "2012-04-10")
    second = named(js(office, "notice", "--as-of", "2012-05-07", "--commend", "a"))
    assert second["c"]["count_this_year"] == 1  # nor does the ladder count it
    assert js(office, "notices", "show", "2")["commended"] == [{"unit": "a", "unit_name": "甲镇"}]
    assert "甲镇工作进展较快、报送及时，予以表扬。" in office.ok("notices", "show", "2").stdout


def test_a_voided_notice_counts_nowhere_and_its_number_is_not_reused(office: Workspace) -> None:
    office.ok("notice", "--as-of", "2012-04-06")
    office.ok("notices", "void", "1", "--reason", "数据有误，重新印发")
    assert all(u["notices"] == 0 for u in js(office, "assess", "--as-of", "2012-04-30")["units"])
    assert states(office, "2012-04-30") == {}
    again = js(office, "notice", "--as-of", "2012-04-06")  # the month may be issued again
    assert again["number"] == 2 and all(u["count_this_year"] == 1 for u in again["units"])
    listed = js(office, "notices")["notices"]
    assert [(n["number"], n["void"]) for n in listed] == [(1, True), (2, False)]
    assert js(office, "notices", "show", "1")["void"]["reason"] == "数据有误，重新印发"
    twice = office.run("notices", "void", "1", "--reason", "again")
    assert twice.exit_code == 1 and "voided already" in twice.stderr


def test_an_attachment_round_trips_byte_for_byte_and_a_large_one_is_refused(office: Workspace) -> None:
    office.ok("notice", "--as-of", "2012-04-06")
    content = bytes(range(256)) * 64 + os.urandom(1000) + b"\x00\r\n"
    office.write("整改报告.pdf", "")
    (office.root / "整改报告.pdf").write_bytes(content)
    office.ok(
        "rectify", "--notice", "1", "--unit", "b", "--text", "见附件", "--attach", "整改报告.pdf", "--on", "2012-04-10"
    )
    (item,) = [i for i in js(office, "rectifications", "--as-of", "2012-04-30")["items"] if i["unit"] == "b"]
    sha256 = hashlib.sha256(content).hexdigest()
    assert item["attachments"] == [{"name": "整改报告.pdf", "size": len(content), "sha256": sha256}]
    office.ok("attachment", sha256, "--out", "back.pdf")
    assert (office.root / "back.pdf").read_bytes() == content
    # an entry's attachment, stored once by its content
    office.ok("report", "--unit", "a", "--target", "1", "--period", "2012-11", "--value", "110", "--on", "2012-12-03",
              "--attach", "整改报告.pdf")  # fmt: skip
    assert js(office, "history", "--unit", "a")["entries"][-1]["attachments"][0]["sha256"] == sha256
    assert office.query("SELECT count(*) FROM attachment")[0][0] == 1
    with (office.root / "big.bin").open("wb") as big:
        big.truncate(21 * 1024 * 1024)
    before = office.snapshot()
    refused = office.run("rectify", "--notice", "1", "--unit", "b", "--text", "x", "--attach", "big.bin")
    assert refused.exit_code == 2 and "at most 20 MiB" in refused.stderr
    assert office.snapshot() == before


@pytest.mark.parametrize("days_before", [1, 3, 5])
def test_remind_lists_exactly_the_units_that_have_not_filed(tmp_path: Path, days_before: int) -> None:
    """April's report is due 2012-05-05; with --days 3 it is chased from 05-02 on, not on 04-30."""
    workspace = make_workspace(tmp_path, PLAN)
    workspace.ok("init")
    workspace.write("filings.csv", filings(range(1, 4)))
    workspace.ok("import", "filings.csv")
    workspace.ok("report", "--unit", "a", "--target", "1", "--period", "2012-04", "--value", "40", "--on", "2012-04-30")
    as_of = (date(2012, 5, 5) - timedelta(days=days_before)).isoformat()
    reminded = js(workspace, "remind", "--as-of", as_of, "--days", "3")["units"]
    grid = js(workspace, "filings", "--as-of", as_of)["units"]
    not_filed = [u["unit"] for u in grid if u["months"]["2012-04"] == "pending"]
    assert not_filed == ["b", "c"]  # a filed on 04-30
    expected = not_filed if days_before <= 3 else []
    assert [u["unit"] for u in reminded] == expected
    if expected:
        assert reminded[0]["contact"] == {"name": "李四", "phone": "13800000002"} and reminded[1]["contact"] is None
        assert all(u["reports"] == ["2012-04"] and u["due"] == "2012-05-05" for u in reminded)
        text = workspace.ok("--lang", "zh", "remind", "--as-of", as_of, "--format", "text").stdout
        assert text.splitlines()[0].startswith("【催办】乙镇 李四：请于 2012-05-05 前报送2012-04 月度进展情况")


def test_remind_chases_a_rectification_due_soon(office: Workspace) -> None:
    office.ok("notice", "--as-of", "2012-04-06")  # items due 2012-04-16
    office.ok("rectify", "--notice", "1", "--unit", "c", "--text", "加快进度", "--on", "2012-04-12")
    units = {u["unit"]: u for u in js(office, "remind", "--as-of", "2012-04-14")["units"]}
    assert units["b"]["rectifications"] == [1] and units["b"]["due"] == "2012-04-16"
    assert "c" not in units  # answered


def test_the_export_has_the_rectifications(office: Workspace) -> None:
    office.ok("notice", "--as-of", "2012-04-06")
    office.ok("rectify", "--notice", "1", "--unit", "b", "--text", "已补报", "--on", "2012-04-10")
    data = js(office, "export", "--as-of", "2012-04-30")
    assert [(r["unit"], r["state"]) for r in data["rectifications"]] == [("b", "answered"), ("c", "overdue")]
    assert data["plan"]["notices"]["rectify_days"] == 10
    assert data["plan"]["units"][0]["contact"] == {"name": "张三", "phone": "13800000001"}
    import jsonschema

    schema = json.loads((Path(__file__).parent.parent / "ecotrack" / "schema" / "export.schema.json").read_text())
    jsonschema.validate(data, schema)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("notice", "--as-of", "2012-04-06", "--exclude", "a", "--reason", "x"), 2, "the rules do not name a"),
        (("notice", "--as-of", "2012-04-06", "--add", "b", "--reason", "x"), 2, "the rules name b in this notice"),
        (("notice", "--as-of", "2012-04-06", "--exclude", "b"), 2, "--exclude b needs a reason"),
        (("notice", "--as-of", "2012-04-06", "--commend", "b"), 2, "b is named in this notice"),
        (("notice", "--as-of", "2012-04-06", "--reason", "x"), 2, "--reason goes with --exclude or --add"),
        (("rectify", "--notice", "9", "--unit", "b", "--text", "x"), 2, "no notice 9 in 2012"),
        (("rectify", "--notice", "1", "--unit", "b"), 2, "--text is required"),
        (("rectify", "--notice", "1", "--unit", "b", "--text", "x", "--attach", "none.pdf"), 2, "--attach none.pdf"),
        (("rectifications", "return", "1", "--unit", "b"), 2, "--reason is required"),
        (("notices", "void", "1"), 2, "--reason is required"),
        (("notices", "void", "7", "--reason", "x"), 2, "no notice 7 in 2012"),
        (("attachment", "abc"), 2, "is not a SHA-256"),
        (("attachment", "0" * 64), 2, "no attachment with SHA-256"),
    ],
)
def test_bad_editorial_and_rectification_input_changes_nothing(
    tmp_path: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    workspace = make_workspace(tmp_path, PLAN)
    workspace.ok("init")
    workspace.write("filings.csv", filings())
    workspace.ok("import", "filings.csv")
    if args[0] != "notice":
        workspace.ok("notice", "--as-of", "2012-04-06")
    before = workspace.snapshot()
    outcome = workspace.run(*args)
    assert (outcome.exit_code, outcome.stderr.count("error:")) == (code, 1), outcome.stderr
    assert message in outcome.stderr
    assert workspace.snapshot() == before


def test_a_rectification_for_a_unit_the_notice_does_not_name(office: Workspace) -> None:
    office.ok("notice", "--as-of", "2012-04-06")
    outcome = office.run("rectify", "--notice", "1", "--unit", "a", "--text", "x")
    assert outcome.exit_code == 2 and "notice 1 does not name a" in outcome.stderr


# --- the pure rule -------------------------------------------------------------------------------------


def test_the_default_ladder_ends_in_a_request_to_summon_the_head() -> None:
    from ecotrack.planfile import parse_plan

    plan = parse_plan(PLAN.read_text(encoding="utf-8"), "plan.yaml")
    assert [plan.notices.wording(n) for n in (1, 2, 3, 4)] == [
        "通报",
        "通报批评",
        "提请约谈主要负责人",
        "提请约谈主要负责人",
    ]
    assert plan.notices.rectify_days == 10


DUE = date(2012, 4, 16)


@pytest.mark.parametrize(
    ("events", "as_of", "state"),
    [
        ([], DUE, "open"),
        ([], DUE + timedelta(days=1), "overdue"),
        ([("answered", DUE + timedelta(days=3))], DUE + timedelta(days=2), "overdue"),
        ([("answered", DUE + timedelta(days=3))], DUE + timedelta(days=3), "answered"),
        ([("answered", DUE), ("reopened", DUE)], DUE, "reopened"),
        ([("answered", DUE), ("reopened", DUE)], DUE + timedelta(days=1), "overdue"),
        ([("closed", DUE), ("answered", DUE)], DUE + timedelta(days=9), "closed"),
    ],
)
def test_item_state(events: list[tuple[rules.ItemEventKind, date]], as_of: date, state: str) -> None:
    assert rules.item_state(DUE, [rules.ItemEvent(kind, on) for kind, on in events], as_of) == state


def test_events_take_effect_in_the_order_of_their_dates(office: Workspace) -> None:
    office.ok("notice", "--as-of", "2012-04-06")
    office.ok("rectify", "--notice", "1", "--unit", "c", "--text", "x", "--on", "2012-04-12")
    early = office.run("rectifications", "return", "1", "--unit", "c", "--reason", "r", "--on", "2012-04-10")
    assert early.exit_code == 1 and "no answer to return" in early.stderr  # nothing was answered by 04-10
    office.ok("rectifications", "return", "1", "--unit", "c", "--reason", "r", "--on", "2012-04-14")
    office.ok("rectify", "--notice", "1", "--unit", "c", "--text", "paper", "--on", "2012-04-13")  # filed late
    assert states(office, "2012-04-13")[(1, "c")] == "answered"
    assert states(office, "2012-04-20")[(1, "c")] == "overdue"  # returned on 04-14, not answered since
    (item,) = [i for i in js(office, "rectifications", "--as-of", "2012-04-12")["items"] if i["unit"] == "c"]
    assert [s["on"] for s in item["steps"]] == ["2012-04-12"]  # what was done by then, no more
    assert item["answered_on"] == "2012-04-12" and item["note"] is None


def test_a_future_date_and_praise_for_a_lagging_unit_are_refused(office: Workspace) -> None:
    office.ok("notice", "--as-of", "2012-04-06")
    before = office.snapshot()
    future = office.run("rectify", "--notice", "1", "--unit", "b", "--text", "x", "--on", "2099-01-01")
    assert future.exit_code == 2 and "--on 2099-01-01 is in the future" in future.stderr
    lagging = office.run("notice", "--as-of", "2012-05-07", "--exclude", "c=说明", "--commend", "c", "--dry-run")
    assert lagging.exit_code == 2 and "c is behind or late" in lagging.stderr
    assert office.snapshot() == before
