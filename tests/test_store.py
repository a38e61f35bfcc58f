"""The store and engine on a real SQLite file: the recipe, plan sync, the winning-entry rule, history."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from ecotrack.filing import NewEntry
from ecotrack.plan import AssessmentSettings, NoticeSettings, Plan, ReviewSettings
from ecotrack.planfile import parse_plan, read_plan
from ecotrack.results import HistoryEntry, SyncReport
from ecotrack.rules import Filed
from ecotrack.storage import db
from ecotrack.storage import entries as entry_store
from ecotrack.storage import plans as plan_store

from .conftest import CONFORMANCE, DATA, ROOT, SAMPLE_PLAN, migrated

NOW = datetime(2015, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def database(tmp_path: Path, backend: str | None) -> db.Database:
    """A migrated database: a SQLite file, and again a PostgreSQL database when a server is there."""
    setting = backend or str(tmp_path / "store.db")
    migrated(setting)
    return db.Database.from_setting(setting)


@pytest.fixture
def sqlite_database(tmp_path: Path) -> db.Database:
    migrated(str(tmp_path / "store.db"))
    return db.Database.from_setting(str(tmp_path / "store.db"))


def sync(database: db.Database, plan: Plan) -> SyncReport:
    engine = db.make_engine(database)
    try:
        return db.run_unit_of_work(
            engine, lambda s: plan_store.sync_plan(session=s, plan=plan, source="p.yaml", source_sha256="x", now=NOW)
        )
    finally:
        engine.dispose()


def file(database: db.Database, plan_id: int, *entries: NewEntry) -> None:
    engine = db.make_engine(database)
    try:
        db.run_unit_of_work(
            engine,
            lambda s: entry_store.add_entries(session=s, plan_id=plan_id, entries=entries, filed_by="t", filed_at=NOW),
        )
    finally:
        engine.dispose()


def entry(unit: str, target: str, period: str, value: float, reported: str) -> NewEntry:
    return NewEntry(unit, target, period, value, "", "clerk", datetime.fromisoformat(reported))


def conformance_plan() -> Plan:
    return read_plan(CONFORMANCE / "plan.yaml")[0]


def stored(database: db.Database, year: int) -> plan_store.StoredPlan:
    engine = db.make_engine(database, write=False)
    try:
        with db.reading(engine) as session:
            loaded = plan_store.load_plan(session=session, year=year)
    finally:
        engine.dispose()
    assert loaded is not None
    return loaded


def test_engine_applies_the_sqlite_recipe(sqlite_database: db.Database) -> None:
    engine = db.make_engine(sqlite_database)
    try:
        with engine.connect() as connection:
            pragmas = {
                name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            }
    finally:
        engine.dispose()
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 30000, "synchronous": 2}


def test_writing_transactions_take_the_write_lock_at_begin(sqlite_database: db.Database) -> None:
    engine = db.make_engine(sqlite_database)
    statements: list[str] = []
    from sqlalchemy import event

    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    try:
        db.run_unit_of_work(engine, lambda s: s.execute(text("SELECT 1")).scalar())
    finally:
        engine.dispose()
    assert statements[0] == "BEGIN IMMEDIATE"


# Every plan file the project ships or tests with (the invalid ones of tests/bad_inputs aside).
PLAN_FILES = [SAMPLE_PLAN, ROOT / "data" / "review-2012.yaml", *sorted(DATA.glob("*/plan.yaml"))]
EVERY_SETTING = DATA / "settings" / "plan.yaml"


@pytest.mark.parametrize("plan_file", PLAN_FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_a_synced_plan_reads_back_identical(database: db.Database, plan_file: Path) -> None:
    plan = read_plan(plan_file)[0]
    report = sync(database, plan)
    assert report.created and report.removed == 0
    assert stored(database, plan.year).plan == plan
    again = sync(database, plan)  # `plan load` of the same file: nothing to report
    assert (again.created, again.added, again.changed, again.removed) == (False, 0, 0, 0)
    assert stored(database, plan.year).plan == plan


def test_the_every_setting_plan_sets_every_setting_away_from_its_default() -> None:
    """So that the round trips above store each settings field, a field added later included."""
    plan = read_plan(EVERY_SETTING)[0]
    for settings in (plan.assessment, plan.notices, plan.review):
        default = type(settings)()
        same = [item.name for item in fields(settings) if getattr(settings, item.name) == getattr(default, item.name)]
        assert same == [], f"{EVERY_SETTING.relative_to(ROOT)}: set {same} away from the default"


# The settings of tests/data/settings/plan.yaml as the release before one definition of them (issue 32) wrote
# them, byte for byte: databases in the field hold these.
STORED_ASSESSMENT = (
    '{"completion_points": 70.0, "timeliness_points": 30.0, "notice_penalty": 1.5, '
    '"grades": [["优秀", 85.0], ["合格", 60.0]], "fail_grade": "差", '
    '"grades_en": [["优秀", "Excellent"], ["合格", "Pass"], ["差", "Poor"]], "notice_penalty_cap": 6.0, '
    '"late_milestone": 0.5, "rank_by": "kind", "grade_quota": [["优秀", 0.3]], "veto_grade": "合格", '
    '"bonus_cap": 5.0, "deduction_cap": 10.0}'
)
STORED_NOTICES = (
    '{"number_format": "{code}〔{year}〕第{number}号", "ladder": [[1, "通报"], [3, "约谈主要负责人"]], '
    '"rectify_days": 15, "office_code": "青生态办", "addressees": "各镇人民政府、街道办事处", '
    '"cc": ["区委办公室", "区政府办公室"], "contact": ["周敏", "0839-5551234"]}'
)
STORED_REVIEW = '{"required": true, "lock_after_days": 20}'
# The assessment settings added since (SPEC §15), as this release writes them after the earlier ones.
STORED_SCORING = '{"per": 1.0, "points": 5.0}'


def execute(database: db.Database, sql: str, **values: object) -> list[tuple[Any, ...]]:
    engine = db.make_engine(database)
    try:
        with engine.begin() as connection:
            result = connection.execute(text(sql), values)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


# The settings keys added since that release (part three): its JSON lacks them, so they load with their defaults.
LATER_KEYS = {
    "assessment": ("late_report_share", "tie_break", "quota_ties", "appeal_days"),
    "notices": ("require_signature", "ladder_en"),
    "review": (),
}


def test_settings_stored_by_the_earlier_release_load_and_are_written_the_same(database: db.Database) -> None:
    plan = read_plan(EVERY_SETTING)[0]
    sync(database, plan)
    execute(
        database,
        "UPDATE plan SET assessment = :assessment, notices = :notices, review = :review",
        assessment=STORED_ASSESSMENT,
        notices=STORED_NOTICES,
        review=STORED_REVIEW,
    )
    execute(database, "UPDATE target SET scoring = :scoring WHERE code = '1.1'", scoring=STORED_SCORING)
    earlier = replace(
        plan,
        **{
            section: replace(
                getattr(plan, section),
                **{key: getattr(type(getattr(plan, section))(), key) for key in keys},
            )
            for section, keys in LATER_KEYS.items()
        },
    )
    assert stored(database, plan.year).plan == earlier
    report = sync(database, earlier)
    assert (report.added, report.changed, report.removed) == (0, 0, 0)
    # The same values again, under the same keys: an earlier release's client on the same server reads what this
    # one writes (the later keys beside them, which it does not read).
    written = execute(database, "SELECT assessment, notices, review FROM plan")[0]
    for text_now, text_then, (section, keys) in zip(
        written, (STORED_ASSESSMENT, STORED_NOTICES, STORED_REVIEW), LATER_KEYS.items(), strict=True
    ):
        now = json.loads(text_now)
        assert set(now) - set(json.loads(text_then)) == set(keys), section
        assert {k: v for k, v in now.items() if k not in keys} == json.loads(text_then)
    assert execute(database, "SELECT scoring FROM target WHERE code = '1.1'") == [(STORED_SCORING,)]


def test_settings_from_before_the_later_keys_load_with_their_defaults(database: db.Database) -> None:
    """The first releases stored the points, grades, number format and ladder only, and no review."""
    sync(database, conformance_plan())
    execute(
        database,
        "UPDATE plan SET assessment = :assessment, notices = :notices, review = '{}'",
        assessment='{"completion_points": 70, "timeliness_points": 30, "notice_penalty": 1, '
        '"grades": [["优秀", 85], ["合格", 60]], "fail_grade": "差"}',
        notices='{"number_format": "第{number}号", "ladder": [[1, "通报"], [2, "通报批评"]]}',
    )
    plan = stored(database, 2014).plan
    assert plan.assessment == AssessmentSettings(
        completion_points=70,
        timeliness_points=30,
        notice_penalty=1,
        grades=(("优秀", 85), ("合格", 60)),
        fail_grade="差",
    )
    assert plan.notices == NoticeSettings(number_format="第{number}号", ladder=((1, "通报"), (2, "通报批评")))
    assert plan.review == ReviewSettings()


def test_resync_updates_in_place_and_counts_changes(database: db.Database) -> None:
    plan = conformance_plan()
    sync(database, plan)
    changed = parse_plan((CONFORMANCE / "plan.yaml").read_text().replace("dongpo: 10", "dongpo: 12"), "p.yaml")
    report = sync(database, changed)
    assert (report.created, report.added, report.changed, report.removed) == (False, 0, 1, 0)
    assert stored(database, 2014).plan == changed


def test_resync_refuses_to_drop_or_retype_what_has_entries(database: db.Database) -> None:
    plan = conformance_plan()
    sync(database, plan)
    plan_id = stored(database, 2014).id
    file(database, plan_id, entry("nanyuan", "2.1", "2014-01", 498, "2014-02-03"))
    source = (CONFORMANCE / "plan.yaml").read_text()
    without_nanyuan = source.replace("        assign: {nanyuan: 450}", "        assign: {dongpo: 450}")
    with pytest.raises(plan_store.FiledDataAtRisk) as refused:
        sync(database, parse_plan(without_nanyuan, "p.yaml"))
    assert refused.value.losses == [plan_store.RemovedAssignment(target="2.1", unit="nanyuan", entries=1)]
    assert stored(database, 2014).plan == plan  # nothing changed


def test_resync_refuses_to_retype_a_target_with_entries(database: db.Database) -> None:
    sync(database, conformance_plan())
    file(database, stored(database, 2014).id, entry("huanbao", "2.2", "2014-01", 0, "2014-02-03"))
    source = (CONFORMANCE / "plan.yaml").read_text()
    retyped = source.replace(
        "        type: milestone\n        due: 2014-06-30\n        assign: [huanbao]",
        "        measure: 项\n        amount: 1\n        assign: [huanbao]",
    )
    with pytest.raises(plan_store.FiledDataAtRisk) as refused:
        sync(database, parse_plan(retyped, "p.yaml"))
    assert refused.value.losses == [plan_store.RetypedTarget(target="2.2", old="milestone", new="quantity", entries=1)]


def test_resync_removes_what_has_no_entries(database: db.Database) -> None:
    sync(database, conformance_plan())
    source = (CONFORMANCE / "plan.yaml").read_text()
    start = source.index('      - code: "2.3"')
    report = sync(database, parse_plan(source[:start], "p.yaml"))
    assert report.removed == 3  # target 2.3 and its two assignments
    assert stored(database, 2014).plan.target("2.3") is None


def ledger(database: db.Database, as_of: date | None) -> dict[tuple[str, str], dict[int, Filed]]:
    engine = db.make_engine(database, write=False)
    try:
        with db.reading(engine) as session:
            return {k: dict(v) for k, v in entry_store.ledger(session=session, plan_id=1, as_of=as_of).items()}
    finally:
        engine.dispose()


def history(database: db.Database) -> list[HistoryEntry]:
    engine = db.make_engine(database, write=False)
    try:
        with db.reading(engine) as session:
            return entry_store.history(session=session, plan_id=1)
    finally:
        engine.dispose()


def test_the_entry_with_the_later_reported_date_wins_then_the_later_filed(database: db.Database) -> None:
    sync(database, conformance_plan())
    file(
        database,
        1,
        entry("dongpo", "1.1", "2014-03", 3, "2014-04-09T08:00"),
        entry("dongpo", "1.1", "2014-03", 2, "2014-04-03T10:00"),  # a paper report, filed later, dated earlier
        entry("dongpo", "1.1", "2014-04", 4, "2014-05-03T17:00"),
        entry("dongpo", "1.1", "2014-04", 5, "2014-05-03T09:00"),  # same date, filed later: wins
    )
    everything = ledger(database, None)[("dongpo", "1.1")]
    assert everything == {
        3: Filed(3, date(2014, 4, 3), date(2014, 4, 9)),
        4: Filed(5, date(2014, 5, 3), date(2014, 5, 3)),
    }
    # counted as of 2014-04-05, the 04-09 entry does not exist yet
    assert ledger(database, date(2014, 4, 5))[("dongpo", "1.1")] == {3: Filed(2, date(2014, 4, 3), date(2014, 4, 3))}


def test_history_marks_superseded_entries_oldest_first(database: db.Database) -> None:
    sync(database, conformance_plan())
    file(
        database,
        1,
        entry("dongpo", "1.1", "2014-03", 3, "2014-04-03"),
        entry("nanyuan", "2.1", "2014-03", 495, "2014-04-05"),
        entry("dongpo", "1.1", "2014-03", 4, "2014-04-08"),
    )
    engine = db.make_engine(database, write=False)
    try:
        with db.reading(engine) as session:
            rows = entry_store.history(session=session, plan_id=1)
            only_dongpo = entry_store.history(session=session, plan_id=1, unit="dongpo", target="1.1")
    finally:
        engine.dispose()
    assert [(r.id, r.unit, r.value, r.superseded) for r in rows] == [
        (1, "dongpo", 3, True),
        (2, "nanyuan", 495, False),
        (3, "dongpo", 4, False),
    ]
    assert [r.id for r in only_dongpo] == [1, 3]
    # on a server the database login filed it, whatever the client said (issue 31)
    recorder = "t" if database.is_sqlite else make_url(database.url).username
    assert rows[0].reported_at == "2014-04-03T00:00:00" and rows[0].filed_by == recorder


def test_the_database_refuses_a_negative_value(database: db.Database) -> None:
    from sqlalchemy.exc import IntegrityError

    sync(database, conformance_plan())
    with pytest.raises(IntegrityError):
        file(database, 1, entry("dongpo", "1.1", "2014-03", -1, "2014-04-03"))


def test_several_plan_years_live_side_by_side(database: db.Database) -> None:
    plan_2014 = conformance_plan()
    source = (
        (CONFORMANCE / "plan.yaml").read_text().replace("year: 2014", "year: 2015").replace("2014-06-30", "2015-06-30")
    )
    sync(database, plan_2014)
    sync(database, parse_plan(source, "p.yaml"))
    engine = db.make_engine(database, write=False)
    try:
        with db.reading(engine) as session:
            assert plan_store.plan_years(session=session) == [2014, 2015]
    finally:
        engine.dispose()
    assert stored(database, 2014).plan == plan_2014


def test_the_python_fold_counts_the_entry_the_sql_counts(database: db.Database) -> None:
    """`rules.file_onto` over the entries in filing order gives what `entry_store.ledger` and the SQL window of
    an import's counted entries pick, however the reported dates fall (ties, earlier dates filed later), on
    SQLite and PostgreSQL."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from ecotrack.rules import file_onto

    sync(database, conformance_plan())
    filed: list[NewEntry] = []

    @settings(max_examples=30, deadline=None)
    @given(st.lists(st.tuples(st.integers(0, 6), st.integers(1, 6)), min_size=1, max_size=4))
    def files_and_compares(batch: list[tuple[int, int]]) -> None:
        entries = [entry("dongpo", "1.1", "2014-03", value, f"2014-04-0{day}T08:00") for value, day in batch]
        file(database, 1, *entries)
        filed.extend(entries)
        expected: Filed | None = None
        for earlier in filed:
            expected = file_onto(expected, earlier.value, earlier.reported_at.date())
        assert ledger(database, None)[("dongpo", "1.1")][3] == expected
        # the SQL window (`superseding_entry`) that an import reads what counts by picks the same winner
        engine = db.make_engine(database, write=False)
        try:
            with db.reading(engine) as session:
                counted, _ = entry_store._counted_now(session, 1)[("dongpo", "1.1", "2014-03")]
        finally:
            engine.dispose()
        assert counted == expected

    files_and_compares()


def test_the_sql_counts_the_accepted_entries_the_rules_count(database: db.Database) -> None:
    """`rules.counts` over `rules.review_state`, folded with `rules.file_onto`, gives the ledger the store's
    SQL gives, whatever mix of entries accepted when filed, submitted, accepted later and returned, on
    SQLite and PostgreSQL."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from ecotrack.rules import counts, file_onto, review_state
    from ecotrack.storage import review as review_store

    sync(database, conformance_plan())
    filed: list[tuple[NewEntry, bool, str | None]] = []
    decisions = st.sampled_from([(False, None), (True, None), (True, "accepted"), (True, "returned")])

    @settings(max_examples=30, deadline=None)
    @given(st.lists(st.tuples(st.integers(0, 6), st.integers(1, 6), decisions), min_size=1, max_size=4))
    def files_and_compares(batch: list[tuple[int, int, tuple[bool, str | None]]]) -> None:
        engine = db.make_engine(database)
        try:
            for value, day, (submitted, decision) in batch:
                new = entry("dongpo", "1.1", "2014-03", value, f"2014-04-0{day}T08:00")

                def record(
                    session: Any, new: NewEntry = new, submitted: bool = submitted, decision: Any = decision
                ) -> None:
                    entry_store.add_entries(
                        session=session, plan_id=1, entries=[new], filed_by="t", filed_at=NOW, submitted=submitted
                    )
                    if decision is not None:
                        (last,) = session.execute(text("SELECT max(id) FROM entry")).one()
                        review_store.record_decisions(
                            session=session,
                            entry_ids=[last],
                            decision=decision,
                            reason="",
                            decided_by="o",
                            decided_at=NOW,
                        )

                db.run_unit_of_work(engine, record)
                filed.append((new, submitted, decision))
        finally:
            engine.dispose()
        for as_of in (date(2014, 4, 3), None):
            expected: Filed | None = None
            for earlier, submitted, decision in filed:
                if counts(review_state(submitted, decision), earlier.reported_at.date(), as_of):
                    expected = file_onto(expected, earlier.value, earlier.reported_at.date())
            got = ledger(database, as_of).get(("dongpo", "1.1"), {}).get(3)
            assert got == expected
        # history marks superseded exactly the accepted entries a later accepted one replaces (SPEC §4, §9):
        # a later reported date, or the same date filed later; the one left is the ledger's
        accepted = [
            (number, new.reported_at.date())
            for number, (new, submitted, decision) in enumerate(filed)
            if counts(review_state(submitted, decision), new.reported_at.date(), None)
        ]
        replaced = {number for number, on in accepted if any((o, n) > (on, number) for n, o in accepted)}
        marks = [e.superseded for e in history(database) if e.unit == "dongpo" and e.target == "1.1"]
        assert marks == [number in replaced for number in range(len(filed))]

    files_and_compares()
