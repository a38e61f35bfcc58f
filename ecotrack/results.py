"""What the commands show, as typed results (issue 32): the layer between the tracker, which builds them, and
the output (render, listings, exports, documents, the pack), which accepts only these.

Storage reads its rows into the record types here (an entry as history shows it, a stored notice, an item);
the tracker builds the rest from them and the rules' own results (`rules.StatusRow`, `rules.UnitAssessment`, …).
Every result is a frozen dataclass: nothing downstream changes what a command computed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ecotrack import rules
from ecotrack.plan import Unit
from ecotrack.rules import ItemEvent, ItemEventKind, ReviewState

if TYPE_CHECKING:  # drafting and composing notices is imported by the commands that show one
    from ecotrack.notices import Notice


@dataclass(frozen=True)
class AttachedFile:
    """A file attached to an entry or a report: its name as given, its size and its content's SHA-256."""

    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class HistoryEntry:
    """One entry as the `history` command shows it (SPEC §6), with its audit fields."""

    id: int
    unit: str
    target: str
    period: str
    value: float
    note: str
    reported_by: str
    reported_at: str
    superseded: bool
    filed_at: str
    filed_by: str
    corrects: int | None  # the entry filed before it for the same unit, target and period
    batch: int | None  # the import that filed it, if one did
    review: ReviewState
    decided_by: str | None
    decided_at: str | None
    return_reason: str | None
    backdated: bool  # reported more than a day before it was filed (SPEC §9)
    reason: str  # why it was backdated or filed into a locked period
    catch_up: bool  # a 补报: filed by the office into a locked period
    attachments: tuple[AttachedFile, ...] = ()  # files filed with it (`report --attach`)


@dataclass(frozen=True)
class SupportNote:
    """A supporting unit's monthly note on a target it supports (配合单位, SPEC §17, §18), as `history` and
    `status --unit` show it. `superseded`: a later note for the same unit, target and period is shown instead
    (the later reported date, then the later filed); every note is kept."""

    id: int
    unit: str
    target: str
    period: str
    text: str
    reported_by: str
    reported_at: str
    superseded: bool
    filed_at: str
    filed_by: str
    batch: int | None
    backdated: bool
    reason: str
    catch_up: bool


@dataclass(frozen=True)
class EarlierBatch:
    """An import of the same file before."""

    id: int
    file_name: str
    imported_at: str
    imported_by: str
    filed: int


@dataclass(frozen=True)
class FilingReport:
    filed: int
    unchanged: int  # rows equal to the entry already counted: not filed again
    batch: int | None  # the import batch recorded, when anything was filed
    earlier: list[EarlierBatch]  # earlier imports of the same file
    ids: list[int] = field(default_factory=list)  # the entries filed, when asked for (`with_ids`)
    notes: int = 0  # supporting units' notes filed with them (SPEC §17)


@dataclass(frozen=True)
class NamedUnit:
    """A unit a notice names (its notice item: the one record of who a notice names)."""

    unit: str
    unit_name: str
    count_this_year: int
    added_reason: str = ""


@dataclass(frozen=True)
class Voided:
    reason: str
    voided_at: str
    voided_by: str


@dataclass(frozen=True)
class Signed:
    """A notice signed by the office (签发, SPEC §16): the day, and who recorded it when."""

    on: date
    at: str
    by: str


@dataclass(frozen=True)
class IssuedNotice:
    number: int
    document_number: str
    as_of: date
    evaluation_month: str
    issued_at: str
    issued_by: str
    document: str
    named: list[NamedUnit]  # from the notice items, in the notice's order
    content: dict[str, Any]  # the snapshot the document was written from (SPEC §6's notice object)
    voided: Voided | None = None  # a voided notice counts nowhere (SPEC §10)
    dated: date | None = None  # its 成文日期 when `--dated` gave one (SPEC §16)
    signed: Signed | None = None  # 签发

    @property
    def written_on(self) -> date:
        """Its 成文日期: the day it is dated, else its as-of date."""
        return self.dated or self.as_of

    @property
    def notice(self) -> Notice:
        """The notice as recorded, the one source of its documents however often they are written again."""
        from ecotrack.notices import Notice

        return Notice.from_json(self.content)


@dataclass(frozen=True)
class ItemStep:
    """One thing done about an item, for the record: a report (with its text and files) or a decision."""

    kind: ItemEventKind  # answered, closed or reopened
    on: date
    by: str
    at: str  # when it was recorded (local time)
    text: str
    attachments: list[AttachedFile] = field(default_factory=list)
    override: bool = False  # a close the office made though the data did not show the fault cured (SPEC §16)


@dataclass(frozen=True)
class StoredItem:
    """A rectification item: a unit named in a notice that is not void, with everything done about it."""

    item_id: int
    notice_number: int
    document_number: str
    notice_as_of: date
    unit: str
    unit_name: str
    steps: list[ItemStep]
    notice_dated: date | None = None  # the notice's 成文日期 when it was dated otherwise (SPEC §16)
    notice_signed_on: date | None = None

    @property
    def events(self) -> list[ItemEvent]:
        return [ItemEvent(kind=step.kind, on=step.on) for step in self.steps]


@dataclass(frozen=True)
class Matter:
    """An assigned matter (交办事项, SPEC §17): outside the plan, from a leader's 批示 or a meeting, due on a day."""

    id: int
    title: str
    source: str
    due: date
    assigned_on: date  # the day it was assigned (--on): its items exist from it
    recorded_at: str  # local time
    recorded_by: str


@dataclass(frozen=True)
class StoredMatterItem:
    """One unit's item of an assigned matter, with everything done about it (the same steps as a notice's)."""

    item_id: int
    matter: Matter
    unit: str
    unit_name: str
    steps: list[ItemStep]

    @property
    def events(self) -> list[ItemEvent]:
        return [ItemEvent(kind=step.kind, on=step.on) for step in self.steps]


@dataclass(frozen=True)
class StoredAdjustment:
    id: int
    unit: str
    kind: str  # points or veto
    points: float
    item: str
    basis: str
    recorded_at: str
    recorded_by: str
    void_reason: str | None  # set when voided: it counts for nothing
    voided_at: str | None
    voided_by: str | None


@dataclass(frozen=True)
class FinalResult:
    as_of: date
    content: dict[str, Any]
    recorded_at: str
    recorded_by: str


AppealState = str  # pending, upheld or rejected


@dataclass(frozen=True)
class StoredPublication:
    """A publication (公示) of the year's trial result (SPEC §15): its content is the assessment JSON as of
    `as_of`, recorded as `--final` records it; appeals count from `published_on` to `window_closes` inclusive."""

    number: int
    as_of: date
    published_on: date
    window_closes: date
    content: dict[str, Any]
    published_at: str
    published_by: str


@dataclass(frozen=True)
class AppealDecision:
    upheld: bool
    reason: str
    refs: tuple[str, ...]  # the ids of the corrections the office made (score add, a 补报 entry, a return)
    decided_on: date
    decided_at: str
    decided_by: str


@dataclass(frozen=True)
class StoredAppeal:
    """A unit's request for review (复核申请) of a publication, and the office's decision once taken."""

    id: int
    unit: str
    publication: int  # the publication's number in the year
    text: str
    filed_on: date
    filed_at: str
    filed_by: str
    decision: AppealDecision | None
    attachments: list[AttachedFile] = field(default_factory=list)  # the files filed with it

    def state_on(self, day: date | None = None) -> AppealState:
        """pending, upheld or rejected, as of `day` (SPEC §18: a decision counts from the day it was taken)."""
        decision = self.decision
        if decision is None or (day is not None and decision.decided_on > day):
            return "pending"
        return "upheld" if decision.upheld else "rejected"

    @property
    def state(self) -> AppealState:
        return self.state_on()


RequestKind = Literal["extend", "amount", "exempt"]
RequestState = Literal["pending", "approved", "rejected"]


@dataclass(frozen=True)
class RequestDecision:
    """The office's decision on a request (SPEC §17): approved, an amendment from `from_period`."""

    id: int  # the order decisions were recorded in
    approved: bool
    reason: str
    from_period: str
    decided_on: date
    decided_at: str
    decided_by: str


@dataclass(frozen=True)
class StoredRequest:
    """A unit's request (延期, 调整, 免责) about one of its assignments, with the office's decision once taken."""

    id: int
    unit: str
    target: str
    kind: RequestKind
    extend_to: date | None
    amount: float | None
    reason: str
    requested_on: date
    requested_at: str
    requested_by: str
    decision: RequestDecision | None
    attachments: list[AttachedFile] = field(default_factory=list)  # the files filed with it

    def state_on(self, day: date | None = None) -> RequestState:
        """pending, approved or rejected, as of `day` (SPEC §18: a decision counts from the day it was taken)."""
        decision = self.decision
        if decision is None or (day is not None and decision.decided_on > day):
            return "pending"
        return "approved" if decision.approved else "rejected"

    @property
    def state(self) -> RequestState:
        return self.state_on()


@dataclass(frozen=True)
class SyncReport:
    year: int
    created: bool
    added: int
    changed: int
    removed: int


@dataclass(frozen=True)
class Installed:
    """What `install` covered, and the logins that an earlier ecotrack let be the clerk of several units
    (the database holds a login to one unit once none is left)."""

    tables: list[str]
    several_units: dict[str, list[str]]


@dataclass(frozen=True)
class RoleHolder:
    """A login with an ecotrack role given directly: normally one role, and a unit for a clerk."""

    login: str
    roles: tuple[str, ...]  # office, auditor, clerk: more than one only where an earlier ecotrack added them
    units: tuple[str, ...]


@dataclass(frozen=True)
class InitReport:
    database: str  # as users know it (a server URL without its password)
    previous_revision: str | None
    backup: Path | None
    sync: SyncReport


@dataclass(frozen=True)
class BackupReport:
    entries: int
    years: list[int]


@dataclass(frozen=True)
class RectificationItem:
    """A rectification item as of a date: its notice, unit, due date, state, and what was done about it."""

    stored: StoredItem
    due: date
    state: rules.ItemState

    @property
    def unit(self) -> str:
        return self.stored.unit

    @property
    def notice_number(self) -> int:
        return self.stored.notice_number


@dataclass(frozen=True)
class MatterItem:
    """An assigned matter's item as of a date: its matter, unit, state, and what was done about it by then."""

    stored: StoredMatterItem
    state: rules.ItemState

    @property
    def unit(self) -> str:
        return self.stored.unit

    @property
    def matter(self) -> Matter:
        return self.stored.matter

    @property
    def due(self) -> date:
        return self.stored.matter.due


@dataclass(frozen=True)
class Reminder:
    """A unit to chase (催办): its reports and rectifications due soon and not filed, and the earliest date."""

    unit: Unit
    reports: list[str]
    rectifications: list[int]
    due: date
    documents: list[str] = field(default_factory=list)  # the recorded document numbers of `rectifications`
    matters: list[Matter] = field(default_factory=list)  # assigned matters due then and not answered


@dataclass(frozen=True)
class ReviewItem:
    """An entry waiting for the office, with the level accepted for its target before it (SPEC §9)."""

    entry: HistoryEntry
    previous_value: float

    @property
    def change(self) -> float:
        return self.entry.value - self.previous_value


@dataclass(frozen=True)
class Overdue:
    evaluation_month: str | None
    units: list[rules.OverdueUnit]
    documents: Mapping[int, str] = field(default_factory=dict)  # notice numbers → their recorded document numbers
    matters: Mapping[int, Matter] = field(default_factory=dict)  # the overdue assigned matters, by id


@dataclass(frozen=True)
class Assessment:
    evaluation: rules.Evaluation
    units: list[rules.UnitAssessment]
    vetoes: Mapping[str, list[rules.Veto]] = field(default_factory=dict)
    done_on: Mapping[tuple[str, str], date] = field(default_factory=dict)


@dataclass(frozen=True)
class Explained:
    assessment: Assessment
    by_unit: dict[str, Explanation]


@dataclass(frozen=True)
class NoticeNaming:
    """A notice that named a unit, and the unit's count of notices this year with it."""

    number: int
    document_number: str
    evaluation_month: str
    as_of: date
    count_this_year: int


@dataclass(frozen=True)
class Explanation:
    assessment: Assessment
    result: rules.UnitAssessment | None
    contributions: list[rules.Contribution]
    vetoes: list[rules.Veto]
    months: Mapping[str, str]
    notices: list[NoticeNaming]
    after_the_fact: list[HistoryEntry]  # counted entries filed after the fact, or 补报 (SPEC §9)
    tie: rules.Tie | None = None  # the units sharing its rounded score, as `tie_break` ordered them (SPEC §15)
    quota: rules.QuotaExceeded | None = None  # how it kept its grade beyond the quota (SPEC §15)


@dataclass(frozen=True)
class IssuedDraft:
    """A notice drafted (and recorded unless it was a dry run), with its document as circulated."""

    notice: Notice
    document: str
    recorded: bool


@dataclass(frozen=True)
class AssessmentView:
    """The assessment a command shows (SPEC §11): the year's final result when one is recorded (unless a trial
    is asked for), else computed now; `content` is the record's JSON, every number and every explanation."""

    as_of: date  # the date asked for (a final result keeps its own, in `content`)
    content: dict[str, Any]
    recorded: FinalResult | None
    published: StoredPublication | None = None  # the year's latest publication (SPEC §15), if any
    appeals: tuple[StoredAppeal, ...] = ()  # the appeals the view shows (filed by its date), oldest first

    @property
    def final(self) -> bool:
        return self.recorded is not None


@dataclass(frozen=True)
class YearExport:
    """Everything the year-end export holds as of a date (SPEC §6 `export`), and when asked the explanations
    of every unit's result for the per-unit sheets."""

    as_of: date
    assessment: Assessment
    recorded: FinalResult | None
    entries: list[HistoryEntry]
    notices: list[IssuedNotice]
    locks: list[rules.PeriodLock]
    rectifications: list[RectificationItem]
    explained: dict[str, Any] | None  # the assessment record with every explanation (`AssessmentView.content`)
    appeals: tuple[StoredAppeal, ...] = ()  # filed by the date (every one, under the final result), SPEC §15
    matters: tuple[MatterItem, ...] = ()  # the assigned matters' items as of the date (SPEC §17)
    notes: tuple[SupportNote, ...] = ()  # supporting units' notes, every one (SPEC §17)


@dataclass(frozen=True)
class Board:
    """The 亮灯 board as of a date (README "The board"): each unit's light and rank, beside those of the evaluation
    month before, computed as of `previous_as_of` (None when the evaluation month is January)."""

    as_of: date
    evaluation_month: str
    previous_as_of: date | None
    previous_month: str | None
    rows: list[rules.BoardRow]


@dataclass(frozen=True)
class MeetingFacts:
    """What the monthly meeting looks at for one date (SPEC §12's pack): the evaluation, the overdue units, the
    open and overdue rectification items, the trajectories of the behind assignments, and the month's notice
    as issued (with its document number) or, before it is, the draft."""

    as_of: date
    evaluation: rules.Evaluation
    overdue: list[rules.OverdueUnit]
    rectifications: list[RectificationItem]
    trajectories: list[rules.Trajectory]
    notice: Notice | None
    notice_recorded: str | None
    matters: tuple[MatterItem, ...] = ()  # the open, reopened and overdue items of assigned matters (SPEC §17)
    notes: list[SupportNote] = field(default_factory=list)  # the supporting units' notes for the month (SPEC §17)
    board: Board | None = None  # the 亮灯 board; None before the first evaluation month


# Writes a publication's document before it is recorded; gives back what takes it away again.
PublicationWriter = Callable[[StoredPublication], Callable[[], None]]

# Writes a drafted notice's documents before it is recorded; gives back what takes them away again.
Publisher = Callable[[IssuedDraft], Callable[[], None]]
