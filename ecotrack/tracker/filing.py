"""The clerks' desk and the office's review (SPEC §4, §9): filing entries and imports, what a unit must
report, the history, review decisions and locks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, TypeVar

from sqlmodel import Session

from ecotrack import rules
from ecotrack.errors import BadInput, Refused
from ecotrack.filing import EntryError, NewEntry, NewNote, entry_units, period_reasons, prepare_entry, prepare_note
from ecotrack.i18n import t, tn
from ecotrack.lazy import OnFirstUse
from ecotrack.plan import Target, month_of
from ecotrack.results import (
    EarlierBatch,
    FilingReport,
    HistoryEntry,
    ReviewItem,
)
from ecotrack.rules import Evaluation as Evaluation  # the CLI reads evaluations through the tracker
from ecotrack.storage import entries as entry_store
from ecotrack.storage import notes as note_store
from ecotrack.storage import rectification as rectification_store
from ecotrack.storage import review as review_store
from ecotrack.tracker.base import TrackerBase, utc_now

if TYPE_CHECKING:
    from ecotrack import imports
    from ecotrack.imports import ImportResult, SourceFile
else:  # on first use: status, filings and assess never draft a notice nor read a file
    imports = OnFirstUse("ecotrack.imports")

T = TypeVar("T")


class FilingDesk(TrackerBase):
    """Filing, review and locks."""

    def file(
        self,
        entries: Sequence[NewEntry],
        batch: entry_store.NewBatch | None = None,
        *,
        as_office: bool = False,
        attachments: Sequence[tuple[str, bytes]] = (),
        notes: Sequence[NewNote] = (),
    ) -> FilingReport:
        """Append entries (and supporting units' notes, SPEC §17) in one short transaction (nothing is read from
        the user inside it).

        The entries were checked against the plan as it was read when the command began; the plan is
        read again inside the transaction, and a plan loaded since with any difference refuses the lot.
        With review required a unit's entries wait for the office; the office's own (`as_office`) are
        accepted when filed. An entry or a note for a locked period is refused, unless the office files it
        with a reason: a 补报 (SPEC §9). Notes are not reviewed: they count when filed.
        """
        filed_by = self.recorder()
        if as_office:
            self.require_office("--office")
        if self.login() is not None:
            for unit in entry_units(entries) | {note.unit for note in notes}:
                self.require_unit(unit)

        def file(session: Session) -> FilingReport:
            filed_at = utc_now()
            self._require_same_plan(session)
            catch_up = self._catch_up_periods(session, entries, as_office)
            if notes:  # (an import's entries are held compactly: never copied into a list)
                catch_up |= self._catch_up_periods(session, notes, as_office)
            unchanged = (
                note_store.unchanged_notes(session=session, plan_id=self.stored.id, new=notes)
                if batch is not None
                else set()
            )
            kept = [note for index, note in enumerate(notes) if index not in unchanged]
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
                notes_filed=len(kept),
            )
            if attachments:
                rectification_store.attach_to_entries(
                    session=session, entry_ids=report.ids, attachments=attachments, at=filed_at, by=filed_by
                )
            if kept:
                note_store.add_notes(
                    session=session,
                    plan_id=self.stored.id,
                    notes=kept,
                    filed_by=filed_by,
                    filed_at=filed_at,
                    batch_id=report.batch,
                    catch_up_periods=catch_up,
                )
            if notes:
                report = replace(report, notes=len(kept), unchanged=report.unchanged + len(unchanged))
            return report

        return self.write(file)

    def _catch_up_periods(
        self, session: Session, entries: Sequence[NewEntry | NewNote], as_office: bool
    ) -> frozenset[str]:
        """The locked periods these entries are for, when the office files them with a reason (补报);
        refused when anyone else files into a locked period, or the office gives no reason."""
        events = review_store.lock_events(session=session, plan_id=self.stored.id)
        if not events and self.plan.review.lock_after_days is None:
            return frozenset()
        now = datetime.now()
        periods = period_reasons(entries)  # period -> every entry for it gives a reason
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
        """One entry checked against the plan and what counts already (SPEC §4, §9), with its warnings; bad
        input is refused as the filing rules say."""
        periods = self.ledger(None).get((unit, target), {})
        try:
            return prepare_entry(
                self.plan, unit, target, period, value, note, reported_by, reported_at, now, periods, reason
            )
        except EntryError as bad:
            raise BadInput(str(bad)) from None

    def check_note(
        self,
        unit: str,
        target: str,
        period: tuple[int, int],
        text: str,
        reported_by: str,
        reported_at: datetime,
        now: datetime,
        reason: str = "",
    ) -> NewNote:
        """A supporting unit's monthly note checked against the plan (SPEC §17, §18); bad input is refused."""
        try:
            return prepare_note(self.plan, unit, target, period, text, reported_by, reported_at, now, reason)
        except EntryError as bad:
            raise BadInput(str(bad)) from None

    def check_import(
        self, source: SourceFile, now: datetime, default_by: str, progress: Callable[[], None], *, keep: bool
    ) -> ImportResult:
        """Every row of a monthly form checked against the plan and what counts already (SPEC §6 `import`)."""
        return imports.check_rows(
            source.rows, self.plan, self.ledger(None), now, default_by, source.display, progress, keep
        )

    def file_import(
        self,
        entries: Sequence[NewEntry],
        *,
        file_name: str,
        sha256: str,
        rows: int,
        as_office: bool = False,
        notes: Sequence[NewNote] = (),
    ) -> FilingReport:
        """File the checked entries (and supporting units' notes) of an import as one batch (rows that change
        nothing are left out)."""
        return self.file(
            entries,
            entry_store.NewBatch(file_name=file_name, sha256=sha256, rows=rows),
            as_office=as_office,
            notes=notes,
        )

    def earlier_imports(self, sha256: str) -> list[EarlierBatch]:
        return self.read(
            lambda session: entry_store.earlier_batches(session=session, plan_id=self.stored.id, sha256=sha256)
        )

    def open_targets(self, unit: str, month: int) -> list[rules.OpenTarget]:
        """The targets a unit's report for a month of this year must cover, with the last value filed."""
        return rules.open_targets(self.plan, unit, self.ledger(None), month)

    def noted(self, unit: str) -> list[Target]:
        """The targets a supporting unit files a monthly note on (SPEC §17, §18; none without the plan key)."""
        return rules.targets_to_note(self.plan, unit)

    def returned(self, unit: str) -> list[HistoryEntry]:
        """A unit's returned entries not yet filed again: what it must correct, with the office's reason."""
        entries = self.history(unit)
        latest_filed: dict[tuple[str, str], int] = {}  # the last entry not returned, per target and period
        for entry in entries:
            if entry.review != "returned":
                latest_filed[(entry.target, entry.period)] = entry.id
        return [e for e in entries if e.review == "returned" and latest_filed.get((e.target, e.period), 0) < e.id]

    def attachment(self, sha256: str) -> bytes | None:
        return self.read(lambda session: rectification_store.attachment(session=session, sha256=sha256))

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
        on: date | None = None,
        refile_by: date | None = None,
    ) -> list[int]:
        """Accept or return entries under review: by id, else every one (of a unit, of a period), once each.

        An unknown id is bad input; an entry that is not waiting for a decision is refused, naming who
        decided it. Everything is decided in one transaction, or nothing is. `on` is the day it was decided
        (for paper, SPEC §18); a return may give the day by which the unit must file again (限期重报, §16)."""
        decided_by = self.recorder()
        self.require_office(t("review"))
        decided_on = on or date.today()  # recorded only when given: else the day it is recorded
        if refile_by is not None and refile_by < decided_on:
            raise BadInput(
                t(
                    "--refile-by {refile_by} is before the day of the return {on}",
                    refile_by=refile_by.isoformat(),
                    on=decided_on.isoformat(),
                )
            )

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
                decided_on=on,
                refile_by=refile_by,
            )
            return chosen

        return self.write(record)

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
