"""The tracker's base: an open database and one plan year, the login, units of work, and the reads every
job shares (the ledger, the evaluation, the history, the notices issued)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Self, TypeVar

from sqlalchemy import Engine
from sqlmodel import Session

from ecotrack import rules
from ecotrack.config import Settings
from ecotrack.errors import BadInput, DatabaseUnavailable, Refused
from ecotrack.i18n import t
from ecotrack.lazy import OnFirstUse
from ecotrack.plan import Plan, month_of, period_label
from ecotrack.results import (
    HistoryEntry,
    IssuedNotice,
    StoredRequest,
    SupportNote,
)
from ecotrack.rules import Evaluation as Evaluation  # the CLI reads evaluations through the tracker
from ecotrack.storage import db
from ecotrack.storage import entries as entry_store
from ecotrack.storage import notes as note_store
from ecotrack.storage import plans as plan_store
from ecotrack.storage import rectification as rectification_store
from ecotrack.storage import requests as request_store
from ecotrack.storage import review as review_store
from ecotrack.storage import roles as roles_store

if TYPE_CHECKING:
    from ecotrack.storage import notices as notice_store
else:  # on first use: status, filings and assess never draft a notice nor read a file
    notice_store = OnFirstUse("ecotrack.storage.notices")

T = TypeVar("T")


def fingerprint(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def account() -> str:
    """The account running ecotrack, for the audit trail: from the system's user database, never from
    `LOGNAME` or `USER`, which anyone can set to any text."""
    try:
        import pwd
    except ImportError:  # pragma: no cover - Windows has no user database of this kind
        import getpass

        return getpass.getuser()
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # an account without an entry (a container's arbitrary uid)
        return f"uid {uid}"


def utc_now() -> datetime:
    return datetime.now(UTC)


class TrackerBase:
    """A database opened for one plan year: what every job of the tracker works on."""

    def __init__(
        self, database: db.Database, reader: Engine, stored: plan_store.StoredPlan, warnings: list[str]
    ) -> None:
        self.database = database
        self._reader = reader
        self._writer: Engine | None = None
        self.stored = stored
        self.warnings = warnings
        self._login: roles_store.Login | None = None

    @classmethod
    def open(cls, settings: Settings) -> Self:
        database = db.Database.from_setting(settings.db)
        if settings.searched and database.path is not None and not database.path.exists():
            raise DatabaseUnavailable(
                t(
                    "no database at {db}, and no tasks.yaml in {folder} nor in any folder above it",
                    db=database.display(),
                    folder=settings.searched[0],
                ),
                hint=t("run ecotrack in the folder of the plan (`ecotrack init` there creates its database)"),
            )
        db.require_existing(database)
        reader = db.make_engine(database, write=False)
        try:
            db.check_schema(database, reader)
            with db.reading(reader) as session:
                years = plan_store.plan_years(session=session)
                if not years:
                    raise DatabaseUnavailable(
                        t("{db} holds no plan yet: run `ecotrack init` or `ecotrack plan load`", db=database.display())
                    )
                year = settings.year if settings.year is not None else years[-1]
                if year not in years:
                    raise BadInput(
                        t(
                            "no plan for {year} in the database (loaded: {years})",
                            year=year,
                            years=", ".join(map(str, years)),
                        )
                    )
                stored = plan_store.load_plan(session=session, year=year)
                assert stored is not None
        except BaseException:
            reader.dispose()
            raise
        return cls(database, reader, stored, _stale_plan_warnings(settings, stored))

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._reader.dispose()
        if self._writer is not None:
            self._writer.dispose()

    @property
    def plan(self) -> Plan:
        return self.stored.plan

    def login(self) -> roles_store.Login | None:
        """Who this connection is on a server with ecotrack's roles (SPEC §13); None on SQLite."""
        if self.database.is_sqlite:
            return None
        if self._login is None:
            with self._reader.connect() as connection:
                self._login = roles_store.who(connection)
        return self._login

    def recorder(self) -> str:
        """Who a record is made by: the database login on a server (which its triggers stamp anyway, SPEC §13),
        else the account running ecotrack."""
        login = self.login()
        return login.name if login is not None else account()

    def require_office(self, doing: str) -> None:
        """Refuse what only the office may do (a date given after the fact, filing as the office) to a clerk."""
        login = self.login()
        if login is not None and login.role in ("clerk", "auditor"):
            raise Refused(not_allowed(login) + t(": {doing} is the office's", doing=doing))

    def require_unit(self, unit: str) -> None:
        """A clerk files only for its own unit (the server refuses it too)."""
        login = self.login()
        if login is not None and login.role == "clerk" and unit not in login.units:
            raise Refused(not_allowed(login))
        if login is not None and login.role == "auditor":
            raise Refused(not_allowed(login))

    def read(self, work: Callable[[Session], T]) -> T:
        try:
            with db.reading(self._reader) as session:
                return work(session)
        except rectification_store.TamperedAttachment as tampered:
            raise _tampered(tampered) from None

    def write(self, work: Callable[[Session], T]) -> T:
        """Run `work` as one unit of work. It starts once the write lock is held (`db.run_unit_of_work`), so a
        recording time it takes (`utc_now()` inside it, never before) follows the order records are written."""
        if self._writer is None:
            self._writer = db.make_engine(self.database, write=True)
        try:
            return db.run_unit_of_work(self._writer, work)
        except rectification_store.TamperedAttachment as tampered:
            raise _tampered(tampered) from None

    def ledger(self, as_of: date | None) -> rules.Ledger:
        """Counted entries as of a date (all of them with None), reduced per assignment and period."""
        return self.read(lambda session: entry_store.ledger(session=session, plan_id=self.stored.id, as_of=as_of))

    def evaluate(self, as_of: date) -> Evaluation:
        """Status and filings as of a date, under the amendments decided by then (SPEC §17, §18)."""
        return self.read(lambda session: self.evaluate_in(session, as_of))

    def evaluate_in(self, session: Session, as_of: date) -> Evaluation:
        """`evaluate` inside a unit of work: the entries, amendments and supporting units' notes it reads."""
        ledger = entry_store.ledger(session=session, plan_id=self.stored.id, as_of=as_of)
        return rules.evaluate(
            self.plan, ledger, as_of, self.amendments_in(session), self.note_ledger_in(session, as_of)
        )

    def note_ledger_in(self, session: Session, as_of: date | None) -> rules.NoteLedger | None:
        """The supporting units' notes counted as of a date (SPEC §17, §18); None when the plan asks for none, so
        that a plan without `supporting_reports` reads nothing more than it did."""
        if not self.plan.supporting_reports:
            return None
        return note_store.note_ledger(session=session, plan_id=self.stored.id, as_of=as_of)

    def support_notes(
        self, unit: str | None = None, target: str | None = None, *, leading: bool = False
    ) -> list[SupportNote]:
        """The supporting units' notes, oldest filing first (SPEC §17): of a unit (with `leading`, also those on the
        targets it leads, as the lead unit sees them), on a target, or all."""

        def read(session: Session) -> list[SupportNote]:
            led = [t.code for t, _ in self.plan.assignments_of(unit)] if unit is not None and leading else None
            return note_store.notes(session=session, plan_id=self.stored.id, unit=unit, target=target, targets=led)

        return self.read(read)

    def amended(self, as_of: date) -> Plan:
        """The plan as the amendments decided on or before a date make it (`plan.amended` says which)."""
        return rules.amended_plan(self.plan, rules.amendments_in_force(self.read(self.amendments_in), as_of))

    def amendments_in(self, session: Session) -> list[rules.Amendment]:
        """The year's approved requests as amendments of the plan (SPEC §17), whenever decided."""
        stored = request_store.requests(session=session, plan_id=self.stored.id)
        return amendments_of(self.plan, stored)

    def _require_same_plan(self, session: Session) -> None:
        """Refuse to record what was checked against a plan year that has been loaded again since."""
        current = plan_store.load_plan(session=session, year=self.plan.year)
        if current is None or current.plan != self.plan:
            loaded = current.loaded_at if current is not None else utc_now()
            if loaded.tzinfo is not None:
                loaded = loaded.astimezone().replace(tzinfo=None)
            raise Refused(
                t(
                    "the {year} plan was loaded again ({loaded}) while this command was "
                    "checking against it; nothing was filed: run the command again",
                    year=self.plan.year,
                    loaded=loaded.isoformat(sep=" ", timespec="seconds"),
                )
            )

    def history(self, unit: str | None = None, target: str | None = None) -> list[HistoryEntry]:
        """Every entry (SPEC §6, §9), with the files attached to it (§10)."""

        def read(session: Session) -> list[HistoryEntry]:
            entries = entry_store.history(session=session, plan_id=self.stored.id, unit=unit, target=target)
            files = rectification_store.entry_files(session=session, plan_id=self.stored.id)
            if not files:
                return entries
            return [replace(e, attachments=tuple(files[e.id])) if e.id in files else e for e in entries]

        return self.read(read)

    def partner_notes(self, unit: str, as_of: date) -> list[SupportNote]:
        """What the supporting units say of the targets a unit leads (SPEC §17), as it sees them in `status
        --unit`: per target and supporting unit, the note shown for the latest month noted, of the notes reported
        on or before the date; in plan order of targets, then of the supporting units."""
        if not self.plan.supporting_reports:
            return []
        led = [target for target, _ in self.plan.assignments_of(unit)]
        codes = {target.code for target in led}
        latest: dict[tuple[str, str], SupportNote] = {}
        for note in self.support_notes(unit, leading=True):  # oldest filing first: of equal rank, the later wins
            if note.target not in codes or date.fromisoformat(note.reported_at[:10]) > as_of:
                continue
            key = (note.target, note.unit)
            shown = latest.get(key)
            if shown is None or (note.period, note.reported_at[:10]) >= (shown.period, shown.reported_at[:10]):
                latest[key] = note
        order = {(t.code, u): (i, j) for i, t in enumerate(led) for j, u in enumerate(t.support)}
        return sorted(latest.values(), key=lambda n: order.get((n.target, n.unit), (len(order), 0)))

    def notices(self) -> list[IssuedNotice]:
        return self.read(lambda session: notice_store.notices(session=session, plan_id=self.stored.id))

    def notices_in_force(self, issued: Sequence[IssuedNotice], as_of: date) -> list[IssuedNotice]:
        """Of the notices issued, those that count as of D (their items, their place in the ladder, their
        penalty): not void, and from their as-of date, or with `notices.require_signature` from the day they
        were signed (SPEC §10, §16, §18)."""
        return [
            n
            for n in issued
            if n.voided is None
            and rules.counts_by(rules.notice_counts_from(self.plan, n.as_of, n.signed.on if n.signed else None), as_of)
        ]

    def notice_counts(self, as_of: date) -> dict[str, int]:
        """Per unit, the notices of the year naming it that count as of a date (the ladder, the assessment)."""
        return named_counts(self.notices_in_force(self.notices(), as_of))

    def locks(self) -> list[rules.PeriodLock]:
        """Every time a period of the year was locked, in period order, as of now."""
        events = self.read(lambda session: review_store.lock_events(session=session, plan_id=self.stored.id))
        now = datetime.now()
        return [
            lock
            for month in range(self.plan.start_month, 13)
            for lock in rules.period_locks(self.plan, month, events.get(period_label(self.plan.year, month), []), now)
        ]


def amendments_of(plan: Plan, stored: Sequence[StoredRequest]) -> list[rules.Amendment]:
    """The approved ones of these requests as amendments; `--from` a month of another year decides every
    monthly report of this one (an earlier year) or none (a later one)."""
    found = []
    for request in stored:
        decision = request.decision
        if decision is None or not decision.approved:
            continue
        year = int(decision.from_period[:4])
        month = month_of(decision.from_period)
        from_month = month if year == plan.year else (1 if year < plan.year else 13)
        found.append(
            rules.Amendment(
                unit=request.unit,
                target=request.target,
                kind=request.kind,
                from_month=from_month,
                decided_on=decision.decided_on,
                order=decision.id,
                extend_to=request.extend_to,
                amount=request.amount,
            )
        )
    return found


def named_counts(issued: Sequence[IssuedNotice]) -> dict[str, int]:
    """Per unit, how many of these notices name it."""
    counts: dict[str, int] = {}
    for notice in issued:
        for named in notice.named:
            counts[named.unit] = counts.get(named.unit, 0) + 1
    return counts


def months_named(issued: Sequence[IssuedNotice]) -> dict[str, set[str]]:
    """Per unit, the months these notices listed as missing (as a reason or under "still not filed"): a month
    named once is no reason to name the unit again (SPEC §10, §14)."""
    named: dict[str, set[str]] = {}
    for notice in issued:
        for item in notice.notice.units:
            named.setdefault(item.unit, set()).update(item.missing_reports, item.still_not_filed)
    return named


def not_allowed(login: roles_store.Login) -> str:
    """SPEC §13's refusal: who the login is, in the words of its role."""
    if login.role == "clerk":
        return t("not allowed: {login} is a clerk of {units}", login=login.name, units=", ".join(login.units) or "-")
    if login.role == "auditor":
        return t("not allowed: {login} is an auditor, who reads and does not write", login=login.name)
    return t("not allowed: {login} has no ecotrack role for this", login=login.name)


def _tampered(tampered: rectification_store.TamperedAttachment) -> Refused:
    return Refused(
        t(
            "the stored file {sha256} does not hold the bytes its SHA-256 names: it was written past ecotrack; "
            "nothing was done",
            sha256=tampered.sha256,
        ),
        hint=t("Keep the database as it is for the office to look into, and restore the file from a backup."),
    )


def _stale_plan_warnings(settings: Settings, stored: plan_store.StoredPlan) -> list[str]:
    """Warn when the plan file this year was loaded from has changed since (but was not reloaded)."""
    path = settings.plan_path
    try:
        if str(path.resolve()) != stored.source or not path.is_file():
            return []
        if fingerprint(path.read_bytes()) == stored.source_sha256:
            return []
    except OSError:
        return []
    return [
        t(
            "{path} has changed since plan year {year} was loaded: run `ecotrack plan load`",
            path=settings.plan,
            year=stored.plan.year,
        )
    ]
