"""An open database and one plan year: what every command but `init` and `plan check` works on.

This is the one seam between the CLI (or a notebook) and the layers below: it opens engines, picks the
plan year, hands storage's plain data to the rules, and gives back typed results. It holds no rule of
its own, and words what storage reports as data (a sync that would lose filed data, a damaged copy).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine
from sqlmodel import Session

from ecotrack import rules
from ecotrack.config import Settings
from ecotrack.errors import BadInput, DatabaseUnavailable, Refused
from ecotrack.filing import NewEntry, prepare_entry
from ecotrack.i18n import t, tn
from ecotrack.lazy import OnFirstUse
from ecotrack.plan import Plan, month_of, period_label
from ecotrack.results import (
    Assessment,
    BackupReport,
    EarlierBatch,
    Explained,
    Explanation,
    FilingReport,
    FinalResult,
    HistoryEntry,
    InitReport,
    Installed,
    IssuedDraft,
    IssuedNotice,
    NoticeNaming,
    Overdue,
    RectificationItem,
    Reminder,
    ReviewItem,
    RoleHolder,
    StoredAdjustment,
    StoredItem,
    SyncReport,
)
from ecotrack.rules import Evaluation as Evaluation  # the CLI reads evaluations through the tracker
from ecotrack.storage import db
from ecotrack.storage import entries as entry_store
from ecotrack.storage import plans as plan_store
from ecotrack.storage import rectification as rectification_store
from ecotrack.storage import review as review_store
from ecotrack.storage import roles as roles_store
from ecotrack.storage import scores as score_store

if TYPE_CHECKING:
    from ecotrack import imports, notices
    from ecotrack.imports import ImportResult, SourceFile
    from ecotrack.notices import Candidate, Editorial
    from ecotrack.storage import notices as notice_store
else:  # on first use: status, filings and assess never draft a notice nor read a file
    imports = OnFirstUse("ecotrack.imports")
    notices = OnFirstUse("ecotrack.notices")
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


def initialise(settings: Settings) -> InitReport:
    """Create or upgrade the schema, then load the plan file (SPEC §6 `init`); safe to run again."""
    from ecotrack.planfile import read_plan

    plan, raw = read_plan(settings.plan_path, settings.plan)  # bad plan: nothing is created
    database = db.Database.from_setting(settings.db)
    db.prepare_sqlite_location(database)
    previous, backup = db.upgrade(database)
    db.enable_wal(database)
    return InitReport(database.display(), previous, backup, load_plan_file(database, plan, raw, settings.plan))


def describe_database_failure(failure: BaseException, setting: str) -> str:
    """A database failure that escaped a command, in words a user can act on."""
    return db.describe_failure(failure, db.Database.from_setting(setting))  # type: ignore[arg-type]


def load_plan_file(database: db.Database, plan: Plan, raw: bytes, source: str) -> SyncReport:
    engine = db.make_engine(database)
    try:
        db.check_schema(database, engine)
        return db.run_unit_of_work(
            engine,
            lambda session: plan_store.sync_plan(
                session=session,
                plan=plan,
                source=str(Path(source).resolve()),
                source_sha256=fingerprint(raw),
                now=utc_now(),
            ),
        )
    except plan_store.FiledDataAtRisk as refused:
        raise Refused(
            t("plan year {year} was not reloaded: it would drop filed data", year=refused.year),
            details=[_loss(loss) for loss in refused.losses],
            hint=t("Keep these targets and assignments in the plan file, or load the change as a new plan year."),
        ) from None
    finally:
        engine.dispose()


def _loss(loss: plan_store.RemovedAssignment | plan_store.RetypedTarget | plan_store.RemovedNamedUnit) -> str:
    """What a refused sync would lose, in words."""
    if isinstance(loss, plan_store.RemovedAssignment):
        return tn(
            "target {target} of {unit} has {count} entry; the plan file drops it",
            "target {target} of {unit} has {count} entries; the plan file drops it",
            target=loss.target,
            unit=loss.unit,
            count=loss.entries,
        )
    if isinstance(loss, plan_store.RetypedTarget):
        return tn(
            "target {target} has {count} entry; the plan file changes its type from {old} to {new}",
            "target {target} has {count} entries; the plan file changes its type from {old} to {new}",
            target=loss.target,
            old=loss.old,
            new=loss.new,
            count=loss.entries,
        )
    if loss.notices == 0:
        return tn(
            "unit {unit} has {count} score adjustment; the plan file drops it",
            "unit {unit} has {count} score adjustments; the plan file drops it",
            unit=loss.unit,
            count=loss.adjustments,
        )
    return tn(
        "unit {unit} is named in {count} notice; the plan file drops it",
        "unit {unit} is named in {count} notices; the plan file drops it",
        unit=loss.unit,
        count=loss.notices,
    )


def reload_plan(settings: Settings) -> SyncReport:
    """`plan load`: re-sync the plan file into an existing database."""
    from ecotrack.planfile import read_plan

    plan, raw = read_plan(settings.plan_path, settings.plan)
    database = db.Database.from_setting(settings.db)
    db.require_existing(database)
    return load_plan_file(database, plan, raw, settings.plan)


def server_roles(settings: Settings, action: Callable[[Any], T]) -> T:
    """Run a role-managing action (SPEC §13) as the database's owner, on a PostgreSQL server only."""
    database = db.Database.from_setting(settings.db)
    if database.is_sqlite:
        raise Refused(t("roles are a PostgreSQL server's: a SQLite file has none (give --db postgresql://…)"))
    db.require_existing(database)
    engine = db.make_engine(database)
    try:
        db.check_schema(database, engine)
        with engine.begin() as connection:
            return action(connection)
    finally:
        engine.dispose()


def install_roles(settings: Settings) -> Installed:
    return server_roles(settings, roles_store.install)


def set_login_role(settings: Settings, login: str, role: str, unit: str | None = None) -> None:
    """Give a login exactly one role (SPEC §13): the office, an auditor, or the clerk of one unit."""

    def grant(connection: Any) -> None:
        roles_store.install_once(connection)  # the groups and their rules must exist first
        roles_store.set_role(connection, login, role, unit)

    _worded(lambda: server_roles(settings, grant))


def revoke_login(settings: Settings, login: str) -> None:
    """Take every ecotrack role away from a login."""

    def take(connection: Any) -> None:
        roles_store.install_once(connection)
        roles_store.revoke(connection, login)

    _worded(lambda: server_roles(settings, take))


def role_holders(settings: Settings) -> list[RoleHolder]:
    """The logins given an ecotrack role, each with its role and a clerk's unit (`db logins`)."""
    return server_roles(settings, roles_store.holders)


def _worded(action: Callable[[], None]) -> None:
    try:
        action()
    except roles_store.RoleRefused as refused:
        if refused.why == "unknown":
            raise BadInput(t("no login {login} on the server", login=refused.login)) from None
        if refused.why == "superuser":
            raise Refused(
                t(
                    "{login} is a superuser: the server holds it to no role, so it cannot be given one",
                    login=refused.login,
                )
            ) from None
        if refused.why == "owner":
            raise Refused(
                t(
                    "{login} owns ecotrack's tables: the server holds it to no role, so it cannot be given one",
                    login=refused.login,
                )
            ) from None
        raise Refused(
            t(
                "{login} is also a member of {group} through another role; nothing was changed",
                login=refused.login,
                group=refused.through,
            ),
            hint=t("The server's administrator grants that other role: ask them to take it away first."),
        ) from None


def backup_database(settings: Settings, target: Path) -> BackupReport:
    """A consistent copy of a live SQLite database (SQLite's backup API), checked before it is kept."""
    database = db.Database.from_setting(settings.db)
    if database.path is None:
        raise Refused(t("backup copies a SQLite file; back up a PostgreSQL server with pg_dump"))
    db.require_existing(database)
    if target.exists():
        raise Refused(t("{path} exists already: choose a new file name", path=target))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as failure:
        raise Refused(t("cannot write {path}: {reason}", path=target, reason=failure.strerror or failure)) from None
    from ecotrack.storage.backup import CopyDamaged, copy_database

    try:
        copied = copy_database(database.path, target)
    except CopyDamaged as damaged:
        raise DatabaseUnavailable(
            t("the copy failed its integrity check ({reason}); nothing was kept", reason=damaged.integrity)
        ) from None
    return BackupReport(entries=copied.entries, years=copied.years)


class Tracker:
    """A database opened for one plan year."""

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
    def open(cls, settings: Settings) -> Tracker:
        database = db.Database.from_setting(settings.db)
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

    def __enter__(self) -> Tracker:
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

    # --- what the commands ask for ---

    def ledger(self, as_of: date | None) -> rules.Ledger:
        """Counted entries as of a date (all of them with None), reduced per assignment and period."""
        return self.read(lambda session: entry_store.ledger(session=session, plan_id=self.stored.id, as_of=as_of))

    def evaluate(self, as_of: date) -> Evaluation:
        return rules.evaluate(self.plan, self.ledger(as_of), as_of)

    def trajectories(self, as_of: date, assignments: Sequence[tuple[str, str]]) -> list[rules.Trajectory]:
        """The expected line and the filed levels of each (unit, target) as of a date (SPEC §12's charts)."""
        ledger = self.ledger(as_of)
        found = []
        for unit, code in assignments:
            target = self.plan.target(code)
            assignment = target.assignment(unit) if target else None
            if target is None or assignment is None:
                raise BadInput(t("{unit} has no assignment of target {target}", unit=unit, target=code))
            found.append(rules.trajectory(self.plan, target, assignment, ledger.get((unit, code), {}), as_of))
        return found

    def file(
        self,
        entries: Sequence[NewEntry],
        batch: entry_store.NewBatch | None = None,
        *,
        as_office: bool = False,
        attachments: Sequence[tuple[str, bytes]] = (),
    ) -> FilingReport:
        """Append entries in one short transaction (nothing is read from the user inside it).

        The entries were checked against the plan as it was read when the command began; the plan is
        read again inside the transaction, and a plan loaded since with any difference refuses the lot.
        With review required a unit's entries wait for the office; the office's own (`as_office`) are
        accepted when filed. An entry for a locked period is refused, unless the office files it with a
        reason: a 补报 (SPEC §9).
        """
        filed_by = self.recorder()
        if as_office:
            self.require_office("--office")
        if self.login() is not None:
            for unit in {entry.unit for entry in entries}:
                self.require_unit(unit)

        def file(session: Session) -> FilingReport:
            filed_at = utc_now()
            self._require_same_plan(session)
            catch_up = self._catch_up_periods(session, entries, as_office)
            report = entry_store.add_entries(
                session=session,
                plan_id=self.stored.id,
                entries=entries,
                filed_by=filed_by,
                filed_at=filed_at,
                batch=batch,
                submitted=self.plan.review.required and not as_office,
                catch_up_periods=catch_up,
                with_ids=bool(attachments),
            )
            if attachments:
                rectification_store.attach_to_entries(
                    session=session, entry_ids=report.ids, attachments=attachments, at=filed_at, by=filed_by
                )
            return report

        return self.write(file)

    def _catch_up_periods(self, session: Session, entries: Sequence[NewEntry], as_office: bool) -> frozenset[str]:
        """The locked periods these entries are for, when the office files them with a reason (补报);
        refused when anyone else files into a locked period, or the office gives no reason."""
        events = review_store.lock_events(session=session, plan_id=self.stored.id)
        if not events and self.plan.review.lock_after_days is None:
            return frozenset()
        now = datetime.now()
        periods: dict[str, bool] = {}  # period -> every entry for it gives a reason
        for entry in entries:
            periods[entry.period] = periods.get(entry.period, True) and bool(entry.reason)
        catch_up = set()
        for period, reasons in periods.items():
            lock = rules.lock_in_force(rules.period_locks(self.plan, month_of(period), events.get(period, []), now))
            if lock is None:
                continue
            if not (as_office and reasons):
                raise Refused(
                    _lock_words(lock) + t("; nothing was filed"),
                    hint=t("Only the office files into a locked period: a catch-up report with --office and --reason."),
                )
            catch_up.add(period)
        return frozenset(catch_up)

    # --- review and locks (SPEC §9) ---

    def review_queue(self, unit: str | None = None, period: str | None = None) -> list[ReviewItem]:
        """The entries waiting for the office's decision, each with the level accepted before it."""
        accepted = self.ledger(None)
        waiting = [e for e in self.history(unit) if e.review == "submitted" and (period is None or e.period == period)]
        items = []
        for entry in waiting:
            target = self.plan.target(entry.target)
            assert target is not None
            periods = accepted.get((entry.unit, entry.target), {})
            items.append(
                ReviewItem(entry, rules.latest_value(target, periods, before_month=month_of(entry.period) + 1))
            )
        return items

    def decide(
        self,
        decision: str,
        ids: Sequence[int] = (),
        *,
        unit: str | None = None,
        period: str | None = None,
        reason: str = "",
    ) -> list[int]:
        """Accept or return entries under review: by id, else every one (of a unit, of a period), once each.

        An unknown id is bad input; an entry that is not waiting for a decision is refused, naming who
        decided it. Everything is decided in one transaction, or nothing is."""
        decided_by = self.recorder()
        self.require_office(t("review"))

        def record(session: Session) -> list[int]:
            decided_at = utc_now()
            if ids:
                states = review_store.entry_states(session=session, plan_id=self.stored.id, ids=ids)
                unknown = [i for i in ids if i not in states]
                if unknown:
                    raise BadInput(
                        tn(
                            "no entry {ids} in the {year} plan",
                            "no entries {ids} in the {year} plan",
                            ids=", ".join(f"#{i}" for i in unknown),
                            year=self.plan.year,
                            count=len(unknown),
                        ),
                        hint=t("`ecotrack review` lists the entries waiting for a decision, with their ids."),
                    )
                for entry_id in dict.fromkeys(ids):
                    if states[entry_id].state != "submitted":
                        raise Refused(_decided_words(states[entry_id]) + t("; nothing was decided"))
                chosen = list(dict.fromkeys(ids))
            else:
                states = review_store.entry_states(session=session, plan_id=self.stored.id, unit=unit, period=period)
                chosen = [i for i, s in states.items() if s.state == "submitted"]
            review_store.record_decisions(
                session=session,
                entry_ids=chosen,
                decision=decision,
                reason=reason,
                decided_by=decided_by,
                decided_at=decided_at,
            )
            return chosen

        return self.write(record)

    def locks(self) -> list[rules.PeriodLock]:
        """Every time a period of the year was locked, in period order, as of now."""
        events = self.read(lambda session: review_store.lock_events(session=session, plan_id=self.stored.id))
        now = datetime.now()
        return [
            lock
            for month in range(self.plan.start_month, 13)
            for lock in rules.period_locks(self.plan, month, events.get(period_label(self.plan.year, month), []), now)
        ]

    def set_lock(self, period: str, *, locked: bool, reason: str) -> None:
        """Lock or unlock a period (SPEC §9); refused when it is locked already, or is not locked."""
        by = self.recorder()
        self.require_office(t("locking"))

        def record(session: Session) -> None:
            at = utc_now()
            events = review_store.lock_events(session=session, plan_id=self.stored.id).get(period, [])
            current = rules.lock_in_force(rules.period_locks(self.plan, month_of(period), events, datetime.now()))
            if locked and current is not None:
                raise Refused(_lock_words(current))
            if not locked and current is None:
                raise Refused(t("{period} is not locked: nothing to unlock", period=period))
            review_store.record_lock(
                session=session, plan_id=self.stored.id, period=period, locked=locked, reason=reason, by=by, at=at
            )

        self.write(record)

    def returned(self, unit: str) -> list[HistoryEntry]:
        """A unit's returned entries not yet filed again: what it must correct, with the office's reason."""
        entries = self.history(unit)
        latest_filed: dict[tuple[str, str], int] = {}  # the last entry not returned, per target and period
        for entry in entries:
            if entry.review != "returned":
                latest_filed[(entry.target, entry.period)] = entry.id
        return [e for e in entries if e.review == "returned" and latest_filed.get((e.target, e.period), 0) < e.id]

    def check_entry(
        self,
        unit: str,
        target: str,
        period: tuple[int, int],
        value: float,
        note: str,
        reported_by: str,
        reported_at: datetime,
        now: datetime,
        reason: str = "",
    ) -> tuple[NewEntry, list[str]]:
        """One entry checked against the plan and what counts already (SPEC §4, §9), with its warnings."""
        periods = self.ledger(None).get((unit, target), {})
        return prepare_entry(
            self.plan, unit, target, period, value, note, reported_by, reported_at, now, periods, reason
        )

    def check_import(
        self, source: SourceFile, now: datetime, default_by: str, progress: Callable[[], None], *, keep: bool
    ) -> ImportResult:
        """Every row of a monthly form checked against the plan and what counts already (SPEC §6 `import`)."""
        return imports.check_rows(
            source.rows, self.plan, self.ledger(None), now, default_by, source.display, progress, keep
        )

    def file_import(
        self, entries: Sequence[NewEntry], *, file_name: str, sha256: str, rows: int, as_office: bool = False
    ) -> FilingReport:
        """File the checked entries of an import as one batch (rows that change nothing are left out)."""
        return self.file(
            entries, entry_store.NewBatch(file_name=file_name, sha256=sha256, rows=rows), as_office=as_office
        )

    def earlier_imports(self, sha256: str) -> list[EarlierBatch]:
        return self.read(
            lambda session: entry_store.earlier_batches(session=session, plan_id=self.stored.id, sha256=sha256)
        )

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

    def notices(self) -> list[IssuedNotice]:
        return self.read(lambda session: notice_store.notices(session=session, plan_id=self.stored.id))

    def notice_counts(self, as_of: date) -> dict[str, int]:
        """Notice items per unit in this year's notices as of a date (for the assessment)."""
        return self.read(
            lambda session: notice_store.notice_counts(session=session, plan_id=self.stored.id, as_of=as_of)
        )

    def issue_notice(
        self,
        as_of: date,
        language: str,
        *,
        dry_run: bool,
        publish: Publisher | None = None,
        editorial: Editorial | None = None,
    ) -> IssuedDraft | None:
        """Draft, number and record a notice naming the overdue units (SPEC §6 `notice`).

        None when no unit is overdue (nothing is recorded). Refused when there is no evaluation month
        yet, or a notice for this evaluation month exists. Numbering and recording happen in one
        write transaction, so two offices issuing at once cannot take the same number or month.
        `publish` writes the document before that transaction commits (write, then record): when it
        fails nothing is recorded, and when the commit fails what it wrote is taken back.
        """
        month_number = rules.evaluation_month(self.plan.year, as_of)
        if month_number is None:
            raise Refused(
                t(
                    "no notice as of {as_of}: no month of {year} has ended yet",
                    as_of=as_of.isoformat(),
                    year=self.plan.year,
                )
            )
        month = period_label(self.plan.year, month_number)

        if not dry_run:
            self.require_office(t("issuing a notice"))

        def issue(session: Session) -> IssuedDraft | None:
            # Evaluated inside the transaction that records it: the plan and the filings it names
            # units for are the ones on record when it is numbered.
            if not dry_run:
                self._require_same_plan(session)
            ledger = entry_store.ledger(session=session, plan_id=self.stored.id, as_of=as_of)
            evaluation = rules.evaluate(self.plan, ledger, as_of)
            assert evaluation.evaluation_month == month
            overdue_items = self._overdue_items(session, as_of)
            already_named = notice_store.months_named(session=session, plan_id=self.stored.id, as_of=as_of)
            chosen = editorial or notices.Editorial()
            self._check_editorial(notices.candidates(evaluation, overdue_items, already_named), chosen)
            first = notice_store.notice_for_month(session=session, plan_id=self.stored.id, evaluation_month=month)
            if first is not None:
                raise Refused(
                    t(
                        "a notice for {month} was issued already: {number}, on {issued}",
                        month=month,
                        number=first.document_number,
                        issued=first.issued_at.replace("T", " "),
                    )
                )
            notice = notices.draft(
                self.plan,
                as_of,
                evaluation,
                number=notice_store.next_notice_number(session=session, plan_id=self.stored.id),
                # the ladder counts only notices dated on or before this one (SPEC §6), void ones never
                prior_counts=notice_store.notice_counts(session=session, plan_id=self.stored.id, as_of=as_of),
                overdue_items=overdue_items,
                already_named=already_named,
                editorial=chosen,
            )
            if not notice.units:
                return None
            notice = replace(notice, language=language)
            text = notices.document(self.plan, notice)
            if not dry_run:
                notice_store.record_notice(
                    session=session,
                    plan_id=self.stored.id,
                    notice=notice,
                    document=text,
                    issued_at=utc_now(),
                    issued_by=self.recorder(),
                )
            drafted = IssuedDraft(notice, text, recorded=not dry_run)
            if publish is not None:
                take_back.append(publish(drafted))
            return drafted

        take_back: list[Callable[[], None]] = []
        try:
            return self.read(issue) if dry_run else self.write(issue)
        except BaseException:
            for undo in reversed(take_back):
                undo()
            raise

    def _check_editorial(self, found: Sequence[Candidate], editorial: Editorial) -> None:
        """The office leaves out only units the rules name, adds only units they do not, praises none it names."""
        named = {c.overdue.unit for c in found if c.has_reason}
        for unit in editorial.excluded:
            if unit not in named:
                raise BadInput(t("--exclude {unit}: the rules do not name {unit} in this notice", unit=unit))
        for unit in editorial.added:
            if unit in named:
                raise BadInput(t("--add {unit}: the rules name {unit} in this notice already", unit=unit))
        for unit in editorial.commended:
            if (unit in named and unit not in editorial.excluded) or unit in editorial.added:
                raise BadInput(t("--commend {unit}: {unit} is named in this notice", unit=unit))
            if unit in {c.overdue.unit for c in found}:  # praise is for units that are ahead
                raise BadInput(t("--commend {unit}: {unit} is behind or late as of this notice", unit=unit))

    def _overdue_items(self, session: Session, as_of: date) -> dict[str, list[int]]:
        """Per unit, the notices whose rectification item is overdue as of a date (SPEC §10)."""
        overdue: dict[str, list[int]] = {}
        for item in self._items(session, as_of):
            if item.state == "overdue":
                overdue.setdefault(item.unit, []).append(item.notice_number)
        return overdue

    def _items(self, session: Session, as_of: date, unit: str | None = None) -> list[RectificationItem]:
        """The rectification items that exist as of a date (their notice's as-of date on or before it)."""
        found = []
        for stored in rectification_store.items(session=session, plan_id=self.stored.id, unit=unit):
            if stored.notice_as_of > as_of:
                continue
            due = rules.rectification_due(self.plan, stored.notice_as_of)
            # what was done by then: a later answer or decision is not shown as of an earlier date
            stored = replace(stored, steps=[step for step in stored.steps if step.on <= as_of])
            found.append(RectificationItem(stored, due, rules.item_state(due, stored.events, as_of)))
        return found

    def rectifications(self, as_of: date, unit: str | None = None) -> list[RectificationItem]:
        return self.read(lambda session: self._items(session, as_of, unit))

    def _item(self, session: Session, number: int, unit: str) -> StoredItem:
        for stored in rectification_store.items(session=session, plan_id=self.stored.id, unit=unit):
            if stored.notice_number == number:
                return stored
        if not any(n.number == number for n in notice_store.notices(session=session, plan_id=self.stored.id)):
            raise BadInput(t("no notice {number} in {year}", number=number, year=self.plan.year))
        raise BadInput(t("notice {number} does not name {unit} (or it is void)", number=number, unit=unit))

    def _open_item(self, session: Session, number: int, unit: str, on: date) -> StoredItem:
        """The item something is done about on a day: it must exist, not be closed (a close is final), and
        the day may not come before its notice."""
        item = self._item(session, number, unit)
        if on < item.notice_as_of:
            raise BadInput(
                t("--on {on} is before notice {number} ({as_of})", on=on, number=number, as_of=item.notice_as_of)
            )
        if rules.item_state(date.max, item.events, date.max) == "closed":
            raise Refused(t("the item of {unit} in notice {number} is closed", unit=unit, number=number))
        return item

    def rectify(
        self, number: int, unit: str, text: str, attachments: Sequence[tuple[str, bytes]], on: date, by: str
    ) -> None:
        """Record a named unit's rectification report on its item (several may be filed; the latest answers)."""
        filed_by = self.recorder()
        self.require_unit(unit)

        def record(session: Session) -> None:
            filed_at = utc_now()
            item = self._open_item(session, number, unit, on)
            rectification_store.record_report(
                session=session,
                item_id=item.item_id,
                text=text,
                reported_on=on,
                reported_by=by,
                filed_at=filed_at,
                filed_by=filed_by,
                attachments=attachments,
            )

        self.write(record)

    def decide_item(self, number: int, unit: str, action: str, note: str, on: date) -> None:
        """The office closes an item (销号, final) or returns its answer (reopened)."""
        by = self.recorder()
        self.require_office(t("closing or returning a rectification"))

        def record(session: Session) -> None:
            at = utc_now()
            item = self._open_item(session, number, unit, on)
            if action == "reopened" and rules.item_state(date.max, item.events, on) != "answered":
                raise Refused(
                    t("the item of {unit} in notice {number} has no answer to return", unit=unit, number=number)
                )
            rectification_store.record_decision(
                session=session,
                item_id=item.item_id,
                action=action,
                note=note,
                decided_on=on,
                decided_at=at,
                decided_by=by,
            )

        self.write(record)

    def void_notice(self, number: int, reason: str) -> None:
        """Void a notice issued in error: kept, marked void, counting nowhere; its number is never reused."""
        by = self.recorder()
        self.require_office(t("voiding a notice"))

        def record(session: Session) -> None:
            at = utc_now()
            issued = {n.number: n for n in notice_store.notices(session=session, plan_id=self.stored.id)}
            if number not in issued:
                raise BadInput(t("no notice {number} in {year}", number=number, year=self.plan.year))
            voided = issued[number].voided
            if voided is not None:
                raise Refused(
                    t(
                        "notice {number} was voided already, by {by} on {when}",
                        number=number,
                        by=voided.voided_by,
                        when=voided.voided_at.replace("T", " "),
                    )
                )
            notice_store.void_notice(
                session=session, plan_id=self.stored.id, number=number, reason=reason, at=at, by=by
            )

        self.write(record)

    def attachment(self, sha256: str) -> bytes | None:
        return self.read(lambda session: rectification_store.attachment(session=session, sha256=sha256))

    def remind(self, as_of: date, days: int) -> list[Reminder]:
        """SPEC §10 催办: each unit with a monthly report due in D..D+days and not filed, or a rectification item
        due then and not answered, with its contact."""
        evaluation = self.evaluate(as_of)
        last = as_of + timedelta(days=days)
        items = self.rectifications(as_of)
        reminders = []
        for unit_filings in evaluation.filings:
            reports = [
                month
                for month, status in unit_filings.months.items()
                if status == "pending" and as_of <= rules.report_due_date(self.plan, month_of(month)) <= last
            ]
            chased = [
                item
                for item in items
                if item.unit == unit_filings.unit and item.state in ("open", "reopened") and as_of <= item.due <= last
            ]
            if not reports and not chased:
                continue
            dues = [rules.report_due_date(self.plan, month_of(m)) for m in reports] + [i.due for i in chased]
            unit = self.plan.unit(unit_filings.unit)
            assert unit is not None
            reminders.append(Reminder(unit, reports, [i.notice_number for i in chased], min(dues)))
        return reminders

    def overdue(self, as_of: date) -> Overdue:
        """The units overdue as of a date, most reasons first (SPEC §5, §10), with the month they are judged by."""
        evaluation = self.evaluate(as_of)
        items = self.read(lambda session: self._overdue_items(session, as_of))
        return Overdue(evaluation.evaluation_month, rules.overdue_units(evaluation, items))

    def evaluation_month(self, as_of: date) -> str | None:
        """The month a notice as of this date would be for (SPEC §5), None before the first."""
        month = rules.evaluation_month(self.plan.year, as_of)
        return period_label(self.plan.year, month) if month is not None else None

    def assess(self, as_of: date) -> Assessment:
        """Every unit scored, graded and ranked (SPEC §5, §11), computed now (a trial): with the evaluation
        it was scored from, the adjustments and vetoes not voided, and when milestones were first done."""
        evaluation = self.evaluate(as_of)

        def read(session: Session) -> tuple[list[StoredAdjustment], dict[tuple[str, str], date]]:
            stored = score_store.adjustments(session=session, plan_id=self.stored.id)
            return stored, score_store.milestones_done_on(session=session, plan_id=self.stored.id, as_of=as_of)

        stored, done_on = self.read(read)
        items: dict[str, list[rules.Adjustment]] = {}
        vetoes: dict[str, list[rules.Veto]] = {}
        for a in stored:
            if a.void_reason is not None:
                continue
            if a.kind == "veto":
                vetoes.setdefault(a.unit, []).append(rules.Veto(a.id, a.basis))
            else:
                items.setdefault(a.unit, []).append(rules.Adjustment(a.id, a.points, a.item, a.basis))
        results = rules.assess(
            self.plan, evaluation, self.notice_counts(as_of), adjustments=items, vetoes=vetoes, done_on=done_on
        )
        return Assessment(evaluation, results, vetoes, done_on)

    def adjustments(self) -> list[StoredAdjustment]:
        return self.read(lambda session: score_store.adjustments(session=session, plan_id=self.stored.id))

    def add_adjustment(self, unit: str, kind: str, points: float, item: str, basis: str) -> int:
        """Record an office's bonus or deduction item, or a veto (SPEC §11); refused after the final result."""
        by = self.recorder()
        self.require_office(t("an adjustment"))

        def record(session: Session) -> int:
            at = utc_now()
            self._refuse_after_final(session)
            return score_store.add_adjustment(
                session=session,
                plan_id=self.stored.id,
                unit=unit,
                kind=kind,
                points=points,
                item=item,
                basis=basis,
                at=at,
                by=by,
            )

        return self.write(record)

    def void_adjustment(self, adjustment_id: int, reason: str) -> None:
        by = self.recorder()
        self.require_office(t("voiding an adjustment"))

        def record(session: Session) -> None:
            at = utc_now()
            self._refuse_after_final(session)
            found = {a.id: a for a in score_store.adjustments(session=session, plan_id=self.stored.id)}
            if adjustment_id not in found:
                raise BadInput(t("no adjustment #{id} in {year}", id=adjustment_id, year=self.plan.year))
            if found[adjustment_id].void_reason is not None:
                raise Refused(
                    t(
                        "adjustment #{id} was voided already, by {by} on {when}",
                        id=adjustment_id,
                        by=found[adjustment_id].voided_by,
                        when=(found[adjustment_id].voided_at or "").replace("T", " "),
                    )
                )
            score_store.void_adjustment(session=session, adjustment_id=adjustment_id, reason=reason, at=at, by=by)

        self.write(record)

    def _refuse_after_final(self, session: Session) -> None:
        recorded = score_store.final(session=session, plan_id=self.stored.id)
        if recorded is not None:
            raise Refused(_final_words(self.plan.year, recorded))

    def final_result(self) -> FinalResult | None:
        return self.read(lambda session: score_store.final(session=session, plan_id=self.stored.id))

    def record_final(self, as_of: date, content: Mapping[str, object]) -> None:
        """Record the year's result (SPEC §11) once; refused when it is recorded already."""
        by = self.recorder()
        self.require_office(t("the final assessment"))

        def record(session: Session) -> None:
            at = utc_now()
            self._refuse_after_final(session)
            score_store.record_final(
                session=session, plan_id=self.stored.id, as_of=as_of, content=dict(content), at=at, by=by
            )

        self.write(record)

    def explanations(self, as_of: date, unit: str | None = None, *, every: bool = False) -> Explained:
        """The assessment as of a date and how it was reached, for one unit or (`every`) for each: what
        `assess --unit` shows and `assess --final` records. Everything is read once, and only when asked."""
        assessment = self.assess(as_of)
        if unit is None and not every:
            return Explained(assessment, {})
        issued = self.notices()
        # only entries filed after the fact are explained, grouped by unit once rather than scanned once
        # per unit (a city's year has a hundred thousand entries and a few hundred units)
        after_the_fact: dict[str, list[HistoryEntry]] = {}
        for entry in self.history(unit):
            if entry.backdated or entry.catch_up:
                after_the_fact.setdefault(entry.unit, []).append(entry)
        by_unit: dict[str, Explanation] = {}
        for result in assessment.units:
            if unit is not None and result.unit != unit:
                continue
            entries = after_the_fact.get(result.unit, [])
            by_unit[result.unit] = self._explain(assessment, result.unit, as_of, issued, entries)
        return Explained(assessment, by_unit)

    def assessment_record(self, as_of: date, unit: str | None = None, *, every: bool = False) -> dict[str, Any]:
        """The assessment and its explanations (of `unit`, or of `every` unit) as JSON data: the shape
        `assess` prints and `--final` keeps."""
        from ecotrack.listings import assessment_content

        explained = self.explanations(as_of, unit, every=every)
        return assessment_content(
            as_of,
            explained.assessment.units,
            {
                code: (e.contributions, e.months, e.notices, e.after_the_fact, e.vetoes)
                for code, e in explained.by_unit.items()
            },
        )

    def _explain(
        self,
        assessment: Assessment,
        unit: str,
        as_of: date,
        issued: Sequence[IssuedNotice],
        entries: Sequence[HistoryEntry],
    ) -> Explanation:
        result = next((r for r in assessment.units if r.unit == unit), None)
        named = [
            NoticeNaming(n.number, n.document_number, n.evaluation_month, n.as_of, item.count_this_year)
            for n in issued
            if n.as_of <= as_of and n.voided is None
            for item in n.named
            if item.unit == unit
        ]
        return Explanation(
            assessment=assessment,
            result=result,
            contributions=rules.contributions(self.plan, assessment.evaluation, unit, assessment.done_on)
            if result
            else [],
            vetoes=list(assessment.vetoes.get(unit, [])),
            months=next((f.months for f in assessment.evaluation.filings if f.unit == unit), {}),
            notices=named,
            after_the_fact=[
                e
                for e in entries
                if e.unit == unit
                and (e.backdated or e.catch_up)
                and rules.counts(e.review, date.fromisoformat(e.reported_at[:10]), as_of)
            ],
        )

    def explain(self, as_of: date, unit: str) -> Explanation:
        """One unit's assessment with how it was reached: what each assignment adds, its monthly
        reports, the notices that named it by then, its adjustments and vetoes."""
        explained = self.explanations(as_of, unit)
        return explained.by_unit.get(unit) or self._explain(explained.assessment, unit, as_of, [], [])

    def open_targets(self, unit: str, month: int) -> list[rules.OpenTarget]:
        """The targets a unit's report for a month of this year must cover, with the last value filed."""
        return rules.open_targets(self.plan, unit, self.ledger(None), month)

    def history(self, unit: str | None = None, target: str | None = None) -> list[HistoryEntry]:
        """Every entry (SPEC §6, §9), with the files attached to it (§10)."""

        def read(session: Session) -> list[HistoryEntry]:
            entries = entry_store.history(session=session, plan_id=self.stored.id, unit=unit, target=target)
            files = rectification_store.entry_files(session=session, plan_id=self.stored.id)
            if not files:
                return entries
            return [replace(e, attachments=tuple(files[e.id])) if e.id in files else e for e in entries]

        return self.read(read)


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


def _final_words(year: int, recorded: FinalResult) -> str:
    return t(
        "the final assessment of {year} was recorded on {when} by {by} (as of {as_of}); it is not changed",
        year=year,
        when=recorded.recorded_at.replace("T", " "),
        by=recorded.recorded_by,
        as_of=recorded.as_of.isoformat(),
    )


def _lock_words(lock: rules.PeriodLock) -> str:
    since = lock.locked_at.isoformat(sep=" ", timespec="minutes")
    if lock.locked_by is None:
        return t(
            "{period} is locked: it locked itself on {since} (review.lock_after_days)", period=lock.period, since=since
        )
    words = t("{period} is locked: locked by {by} on {since}", period=lock.period, by=lock.locked_by, since=since)
    return words + (t(" ({reason})", reason=lock.reason) if lock.reason else "")


def _decided_words(state: review_store.EntryState) -> str:
    if state.decided_by is None:
        return t("entry #{id} needs no decision: it was accepted when filed", id=state.id)
    when = state.decided_at.isoformat(sep=" ", timespec="minutes") if state.decided_at else ""
    if state.state == "returned":
        return t("entry #{id} was returned already, by {by} on {when}", id=state.id, by=state.decided_by, when=when)
    return t("entry #{id} was accepted already, by {by} on {when}", id=state.id, by=state.decided_by, when=when)


# Writes a drafted notice's document; gives back what removes what it wrote.
Publisher = Callable[["IssuedDraft"], Callable[[], None]]


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
