"""Review, locks and dates that can be trusted (SPEC §9, §14; issue 12), through the real CLI.

The numbers are worked by hand in tests/data/review/plan.yaml. Every test runs on SQLite and, where a
server is there, on PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from ecotrack import rules
from ecotrack.plan import Plan
from ecotrack.planfile import parse_plan

from .conftest import CONFORMANCE, DATA, Workspace, csv_text, make_workspace, prepared

REVIEW_PLAN = DATA / "review" / "plan.yaml"
MEETING = "2012-07-06"  # evaluation month June


@pytest.fixture
def office(tmp_path: Path, backend: str | None) -> Workspace:
    return prepared(tmp_path, REVIEW_PLAN, url=backend)


def status(workspace: Workspace, unit: str, as_of: str = MEETING) -> dict[str, Any]:
    rows = json.loads(workspace.ok("status", "--as-of", as_of, "--unit", unit, "--format", "json").stdout)["rows"]
    assert len(rows) == 1
    row: dict[str, Any] = rows[0]
    return row


def june(workspace: Workspace, unit: str, as_of: str = MEETING) -> str:
    units = json.loads(workspace.ok("filings", "--as-of", as_of, "--format", "json").stdout)["units"]
    month: str = next(u for u in units if u["unit"] == unit)["months"]["2012-06"]
    return month


def file_june(workspace: Workspace, unit: str, value: str, on: str, *extra: str) -> int:
    """A paper report of June (given its reason, as review requires), and the id it was filed under."""
    workspace.ok("report", "--unit", unit, "--target", "1", "--period", "2012-06", "--value", value, "--on", on,
                 "--reason", "paper report", *extra)  # fmt: skip
    (last,) = workspace.query("SELECT max(id) FROM entry")[0]
    assert isinstance(last, int)
    return last


def history(workspace: Workspace, unit: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(workspace.ok("history", "--unit", unit, "--format", "json").stdout)[
        "entries"
    ]
    return entries


def test_a_submitted_entry_counts_for_nothing_until_accepted(office: Workspace) -> None:
    entry = file_june(office, "a", "60", "2012-07-03")
    assert history(office, "a")[-1]["review"] == "submitted"
    row = status(office, "a")
    assert (row["actual"], row["status"]) == (0, "behind")
    assert june(office, "a") == "missing"
    queue = json.loads(office.ok("review", "--format", "json").stdout)["entries"]
    assert [(e["id"], e["value"], e["previous_value"]) for e in queue] == [(entry, 60, 0)]

    office.ok("accept", str(entry))
    row = status(office, "a")
    assert (row["actual"], row["status"]) == (60, "on_track")
    # accepted years after its due date: filed on the date the unit reported it, so on time
    assert june(office, "a") == "on_time"
    decided = history(office, "a")[-1]
    assert decided["review"] == "accepted" and decided["decided_by"] and decided["decided_at"]
    assert json.loads(office.ok("review", "--format", "json").stdout)["entries"] == []


def test_an_entry_accepted_later_counts_as_of_its_reported_date(office: Workspace) -> None:
    office.ok("accept", str(file_june(office, "a", "60", "2012-07-03")))
    assert status(office, "a", "2012-07-03")["actual"] == 60
    assert status(office, "a", "2012-07-02")["actual"] == 0


def test_a_returned_entry_never_counts_and_the_refiled_one_dates_the_report(office: Workspace) -> None:
    returned = file_june(office, "b", "15", "2012-07-03")
    office.ok("return", str(returned), "--reason", "15亩应为150亩？请核实")
    assert status(office, "b")["actual"] == 0 and june(office, "b") == "missing"
    shown = office.ok("targets", "--unit", "b").stdout
    assert "15亩应为150亩？请核实" in shown
    assert json.loads(office.ok("targets", "--unit", "b", "--format", "json").stdout)["returned"][0]["id"] == returned

    file_june(office, "b", "55", "2012-07-09")
    office.ok("accept", "--unit", "b", "--period", "2012-06")
    row = status(office, "b", "2012-07-10")
    assert (row["actual"], row["status"]) == (55, "on_track")
    assert june(office, "b", "2012-07-10") == "late"  # filed on 07-09, not on the returned entry's 07-03
    entries = history(office, "b")
    assert [(e["review"], e["return_reason"]) for e in entries] == [
        ("returned", "15亩应为150亩？请核实"),
        ("accepted", None),
    ]
    assert json.loads(office.ok("targets", "--unit", "b", "--format", "json").stdout)["returned"] == []


def test_an_entry_for_a_locked_month_is_refused_and_the_offices_catch_up_is_marked(office: Workspace) -> None:
    office.ok("lock", "2012-06", "--reason", "7月调度会后关账")
    before = office.snapshot()
    refused = office.run("report", "--unit", "b", "--target", "1", "--period", "2012-06", "--value", "58",
                         "--on", "2012-07-20", "--reason", "late paper")  # fmt: skip
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: 2012-06 is locked: locked by ") and "7月调度会后关账" in refused.stderr
    no_reason = office.run("report", "--unit", "b", "--target", "1", "--period", "2012-06", "--value", "58",
                           "--office")  # fmt: skip
    assert no_reason.exit_code == 1 and "locked" in no_reason.stderr
    assert office.snapshot() == before

    file_june(office, "b", "58", "2012-07-20", "--office")
    entry = history(office, "b")[-1]
    assert (entry["review"], entry["catch_up"], entry["backdated"], entry["reason"]) == (
        "accepted",
        True,
        True,
        "paper report",
    )
    assert status(office, "b", "2012-07-20")["actual"] == 58
    assert status(office, "b", "2012-07-19")["actual"] == 0
    locks = json.loads(office.ok("locks", "--format", "json").stdout)["locks"]
    assert [(lock["period"], lock["reason"], lock["unlocked_at"], lock["automatic"]) for lock in locks] == [
        ("2012-06", "7月调度会后关账", None, False)
    ]


def test_unlock_reopens_a_month_with_its_reason(office: Workspace) -> None:
    office.ok("lock", "2012-07")
    office.ok("unlock", "2012-07", "--reason", "乙镇补交7月纸质月报")
    office.ok("report", "--unit", "b", "--target", "1", "--period", "2012-07", "--value", "60", "--on", "2012-08-03",
              "--reason", "paper")  # fmt: skip
    (lock,) = json.loads(office.ok("locks", "--format", "json").stdout)["locks"]
    assert lock["unlocked_at"] and lock["unlock_reason"] == "乙镇补交7月纸质月报" and lock["unlocked_by"]


def test_with_review_a_backdated_entry_needs_a_reason(office: Workspace) -> None:
    before = office.snapshot()
    refused = office.run("report", "--unit", "a", "--target", "1", "--period", "2012-06", "--value", "60",
                         "--on", "2012-07-03")  # fmt: skip
    assert refused.exit_code == 2 and "needs its reason" in refused.stderr
    office.write("june.csv", csv_text(["a,1,2012-06,60,,,2012-07-03"]))
    assert office.run("import", "june.csv").exit_code == 2
    assert office.snapshot() == before
    office.write("june.csv", csv_text(["a,1,2012-06,60,,,2012-07-03,据纸质月报"], header=HEADER_WITH_REASON))
    office.ok("import", "june.csv")
    assert [(e["review"], e["backdated"], e["reason"]) for e in history(office, "a")] == [
        ("submitted", True, "据纸质月报")
    ]


HEADER_WITH_REASON = "unit,target,period,value,note,reported_by,reported_at,reason"


def test_without_review_a_backdated_entry_is_taken_and_marked(conformance_empty: Workspace) -> None:
    conformance_empty.ok("report", "--unit", "dongpo", "--target", "1.1", "--period", "2014-03", "--value", "3",
                         "--on", "2014-04-03")  # fmt: skip
    conformance_empty.ok("report", "--unit", "dongpo", "--target", "1.1", "--period", "2014-03", "--value", "3")
    entries = json.loads(conformance_empty.ok("history", "--format", "json").stdout)["entries"]
    assert [(e["review"], e["backdated"]) for e in entries] == [("accepted", True), ("accepted", False)]
    table = conformance_empty.ok("history").stdout
    assert "reported after the fact" in table


def test_a_month_locks_itself_after_lock_after_days(tmp_path: Path) -> None:
    text = REVIEW_PLAN.read_text(encoding="utf-8").replace("required: true", "required: true\n  lock_after_days: 10")
    workspace = make_workspace(tmp_path, text)
    workspace.ok("init")
    refused = workspace.run("report", "--unit", "a", "--target", "1", "--period", "2012-06", "--value", "60",
                            "--on", "2012-07-03", "--reason", "paper")  # fmt: skip
    assert refused.exit_code == 1
    assert "2012-06 is locked: it locked itself on 2012-07-16 00:00" in refused.stderr
    (first, *_) = json.loads(workspace.ok("locks", "--format", "json").stdout)["locks"]
    assert (first["period"], first["locked_at"], first["locked_by"], first["automatic"]) == (
        "2012-06",
        "2012-07-16T00:00:00",
        None,
        True,
    )
    workspace.ok("unlock", "2012-06", "--reason", "reopened for the paper reports")
    workspace.ok("report", "--unit", "a", "--target", "1", "--period", "2012-06", "--value", "60",
                 "--on", "2012-07-03", "--reason", "paper")  # fmt: skip


def test_the_export_carries_review_and_locks(office: Workspace) -> None:
    office.ok("accept", str(file_june(office, "a", "60", "2012-07-03")))
    office.ok("lock", "2012-06")
    data = json.loads(office.ok("export", "--format", "json", "--as-of", MEETING).stdout)
    assert data["plan"]["review"] == {"required": True, "lock_after_days": None}
    assert data["entries"][0]["review"] == "accepted" and data["entries"][0]["backdated"] is True
    assert [lock["period"] for lock in data["locks"]] == ["2012-06"]
    import jsonschema

    schema = json.loads((Path(__file__).parent.parent / "ecotrack" / "schema" / "export.schema.json").read_text())
    jsonschema.validate(data, schema)
    assert "2012-06" in office.ok("export", "--format", "csv", "--table", "locks").stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("accept", "99"), 2, "no entry #99 in the 2012 plan"),
        (("return", "1", "--reason", " "), 2, "--reason is required"),
        (("return", "1"), 2, "--reason is required"),
        (("accept",), 2, "say which entries"),
        (("accept", "1", "--all"), 2, "not both"),
        (("lock", "2013-01"), 2, "outside the plan year 2012"),
        (("lock", "2012-13"), 2, "the month must be 1 to 12"),
        (("unlock", "2012-06"), 2, "--reason is required"),
        (("unlock", "2012-06", "--reason", "x"), 1, "2012-06 is not locked"),
    ],
)
def test_bad_decisions_and_locks_change_nothing(
    office: Workspace, args: tuple[str, ...], code: int, message: str
) -> None:
    file_june(office, "a", "60", "2012-07-03")
    before = office.snapshot()
    outcome = office.run(*args)
    assert (outcome.exit_code, outcome.stderr.count("error:")) == (code, 1), outcome.stderr
    assert message in outcome.stderr
    assert office.snapshot() == before


def test_deciding_twice_is_refused(office: Workspace) -> None:
    entry = str(file_june(office, "a", "60", "2012-07-03"))
    office.ok("accept", entry)
    before = office.snapshot()
    for args in (("accept", entry), ("return", entry, "--reason", "wrong")):
        outcome = office.run(*args)
        assert outcome.exit_code == 1 and f"entry #{entry} was accepted already, by " in outcome.stderr
    office.ok("lock", "2012-06")
    again = office.run("lock", "2012-06")
    assert again.exit_code == 1 and "2012-06 is locked" in again.stderr
    assert office.run("accept", "--all").exit_code == 0  # nothing waiting: nothing to do
    assert office.snapshot() != before  # the lock, and nothing else
    assert office.query("SELECT count(*) FROM review_decision")[0][0] == 1


def test_an_entry_accepted_when_filed_needs_no_decision(conformance: Workspace) -> None:
    outcome = conformance.run("accept", "1")
    assert outcome.exit_code == 1 and "accepted when filed" in outcome.stderr


def test_the_database_refuses_a_second_decision(office: Workspace) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import IntegrityError

    from ecotrack.storage.db import Database

    entry = file_june(office, "a", "60", "2012-07-03")
    office.ok("accept", str(entry))
    engine = create_engine(Database.from_setting(office.database).url)
    try:
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO review_decision (entry_id, decision, reason, decided_at, decided_by) "
                    f"VALUES ({entry}, 'returned', 'x', '2026-01-01 00:00:00', 'x')"
                )
            )
    finally:
        engine.dispose()


def test_the_monthly_form_shows_what_the_office_returned(tmp_path: Path) -> None:
    from .conftest import on_a_terminal

    workspace = make_workspace(tmp_path, REVIEW_PLAN)
    workspace.ok("init")
    returned = file_june(workspace, "b", "15", "2012-07-03")
    workspace.ok("return", str(returned), "--reason", "请核实面积")
    code, screen = on_a_terminal(
        workspace, "report", "--unit", "b", "--period", "2012-06", "--on", "2012-07-09", "--reason", "r", answers="\n"
    )
    assert code == 0
    assert "the office returned 15 亩 for 2012-06: 请核实面积" in screen.decode()


# --- the pure rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("submitted", "decision", "state"),
    [
        (False, None, "accepted"),
        (True, None, "submitted"),
        (True, "accepted", "accepted"),
        (True, "returned", "returned"),
    ],
)
def test_review_state(submitted: bool, decision: str | None, state: str) -> None:
    assert rules.review_state(submitted, decision) == state


def test_only_accepted_entries_reported_by_the_date_count() -> None:
    day = date(2012, 7, 6)
    assert rules.counts("accepted", day, day) and rules.counts("accepted", day, None)
    assert not rules.counts("accepted", date(2012, 7, 7), day)
    assert not rules.counts("submitted", day, day) and not rules.counts("returned", day, None)


@pytest.mark.parametrize(
    ("reported", "filed", "backdated"),
    [("2012-07-03", "2012-07-03", False), ("2012-07-03", "2012-07-04", False), ("2012-07-03", "2012-07-05", True)],
)
def test_backdated_is_more_than_a_day_before_filing(reported: str, filed: str, backdated: bool) -> None:
    assert rules.is_backdated(date.fromisoformat(reported), date.fromisoformat(filed)) is backdated


def _plan(lock_after_days: int | None) -> Plan:
    text = REVIEW_PLAN.read_text(encoding="utf-8")
    if lock_after_days is not None:
        text = text.replace("required: true", f"required: true\n  lock_after_days: {lock_after_days}")
    return parse_plan(text, "plan.yaml")


def test_a_period_locks_itself_at_the_end_of_the_day_n_days_after_its_due_date() -> None:
    plan = _plan(0)  # June's report is due 2012-07-05: locked from 2012-07-06 00:00
    assert rules.auto_lock_moment(plan, 6) == datetime(2012, 7, 6)
    assert rules.lock_in_force(rules.period_locks(plan, 6, [], datetime(2012, 7, 5, 23, 59))) is None
    lock = rules.lock_in_force(rules.period_locks(plan, 6, [], datetime(2012, 7, 6)))
    assert lock is not None and lock.automatic
    assert rules.auto_lock_moment(_plan(None), 6) is None


def test_locks_replay_in_time_order() -> None:
    plan = _plan(0)
    events = [
        rules.LockEvent(locked=True, at=datetime(2012, 7, 1), by="office", reason="early"),
        rules.LockEvent(locked=False, at=datetime(2012, 7, 2), by="office", reason="reopened"),
        rules.LockEvent(locked=False, at=datetime(2012, 7, 8), by="office", reason="paper reports"),
    ]
    locks = rules.period_locks(plan, 6, events, datetime(2012, 8, 1))
    assert [(lock.locked_by, lock.locked_at, lock.unlocked_at) for lock in locks] == [
        ("office", datetime(2012, 7, 1), datetime(2012, 7, 2)),
        (None, datetime(2012, 7, 6), datetime(2012, 7, 8)),  # it locked itself, then the office reopened it
    ]
    assert rules.lock_in_force(locks) is None


def test_a_plan_without_review_keys_reads_as_part_one() -> None:
    plan = parse_plan((CONFORMANCE / "plan.yaml").read_text(encoding="utf-8"), "plan.yaml")
    assert (plan.review.required, plan.review.lock_after_days) == (False, None)
