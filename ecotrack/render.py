"""The only module that talks to Rich: tables, trees, progress bars and messages for people.

Data for scripts (JSON, CSV) never passes through here; `exports` writes it. Consoles are made
when called, never at import, so that a test's terminal width and colour settings apply.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len, chop_cells
from rich.console import Console, ConsoleOptions, JustifyMethod, OverflowMethod, RenderableType
from rich.containers import Lines
from rich.style import StyleType
from rich.table import Column, Table
from rich.text import Text
from rich.tree import Tree

from ecotrack import figures
from ecotrack.cells import clean, escaped
from ecotrack.i18n import N_, label, language, t, tn, tp
from ecotrack.plan import AmendedAssignment, Plan, Target, measure_of, month_of
from ecotrack.results import (
    AttachedFile,
    Board,
    EarlierBatch,
    FilingReport,
    HistoryEntry,
    IssuedDraft,
    IssuedNotice,
    ItemStep,
    Matter,
    MatterItem,
    NoticeNaming,
    RectificationItem,
    Reminder,
    ReviewItem,
    StoredAdjustment,
    StoredAppeal,
    StoredRequest,
    SupportNote,
)
from ecotrack.rules import (
    BoardLight,
    Contribution,
    OverdueUnit,
    PeriodLock,
    QuotaExceeded,
    StatusRow,
    TargetTotal,
    Tie,
    Trajectory,
    UnitAssessment,
    UnitFilings,
    Veto,
    counted_share,
)

if TYPE_CHECKING:
    from ecotrack.filing import NewEntry, NewNote
    from ecotrack.imports import ImportResult
    from ecotrack.notices import Notice
    from ecotrack.rules import OpenTarget

STATUS_STYLES = {
    "done": "bold green",
    "on_track": "green",
    "at_risk": "yellow",
    "behind": "bold red",
    "on_time": "green",
    "late": "yellow",
    "missing": "bold red",
    "pending": "dim",
    "not_required": "dim",
}
BAR_WIDTH = 10


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


# Chinese punctuation a line neither starts with nor ends before its next character (标点禁则, in short)
_NO_BREAK_BEFORE = frozenset("，。、；：？！）」』》〉…%")
_NO_BREAK_AFTER = frozenset("（「『《〈")
_WORD = re.compile(r"\s*\S+\s*")


def _pieces(text: str) -> Iterator[tuple[int, str]]:
    """The pieces of a line that wrapping keeps whole, each with its offset: a word with the spaces after it, cut
    beside each East Asian wide character (Chinese breaks between characters, never inside a number or a word)."""
    for match in _WORD.finditer(text):
        start, word = match.start(), match.group()
        cut = 0
        for index in range(1, len(word)):
            before, char = word[index - 1], word[index]
            if char.isspace() or before.isspace() or not (_wide(char) or _wide(before)):
                continue
            if char in _NO_BREAK_BEFORE or before in _NO_BREAK_AFTER:
                continue
            yield start + cut, word[cut:index]
            cut = index
        yield start + cut, word[cut:]


def divide_line(text: str, width: int, fold: bool = True) -> list[int]:
    """Where a line breaks to fit `width` cells: Rich's `divide_line`, breaking Chinese between its characters as
    well as at spaces (Rich breaks only at spaces, and so cuts `漏报月份：2012-03` anywhere, inside the date too)."""
    breaks: list[int] = []
    offset = 0
    for start, piece in _pieces(text):
        length = cell_len(piece.rstrip())
        if offset + length <= width:
            offset += cell_len(piece)
        elif length > width:  # a word wider than the line: folded (or cropped) as Rich does
            folded = chop_cells(piece, width) if fold else [piece]
            if start:
                breaks.append(start)
            for chunk in folded[:-1]:
                start += len(chunk)
                breaks.append(start)
            offset = cell_len(folded[-1])
        elif offset and start:
            breaks.append(start)
            offset = cell_len(piece)
    return breaks


class _Wrapping(Text):
    """Rich text that wraps Chinese between characters and never inside a word or number (`divide_line`)."""

    def wrap(
        self,
        console: Console,
        width: int,
        *,
        justify: JustifyMethod | None = None,
        overflow: OverflowMethod | None = None,
        tab_size: int = 8,
        no_wrap: bool | None = None,
    ) -> Lines:
        # Rich's Text.wrap with the line divided by `divide_line`
        wrap_justify = justify or self.justify or "default"
        wrap_overflow = overflow or self.overflow or "fold"
        no_wrap = bool(no_wrap if no_wrap is not None else self.no_wrap) or overflow == "ignore"
        lines = Lines()
        for line in self.split(allow_blank=True):
            if "\t" in line:
                line.expand_tabs(tab_size)
            if no_wrap:
                if overflow == "ignore":
                    lines.append(line)
                    continue
                new_lines = Lines([line])
            else:
                new_lines = line.divide(divide_line(str(line), width, fold=wrap_overflow == "fold"))
                for each in new_lines:
                    each.rstrip_end(width)
            if wrap_justify:
                new_lines.justify(console, width, justify=wrap_justify, overflow=wrap_overflow)
            for each in new_lines:
                each.truncate(width, overflow=wrap_overflow)
            lines.extend(new_lines)
        return lines


def _wrapping(text: Text) -> _Wrapping:
    if isinstance(text, _Wrapping):
        return text
    return _Wrapping(
        text.plain,
        text.style,
        justify=text.justify,
        overflow=text.overflow,
        no_wrap=text.no_wrap,
        end=text.end,
        tab_size=text.tab_size,
        spans=list(text.spans),
    )


class _PlainConsole(Console):
    """A console that reads no markup or emoji in data (a plan code `[/]` is text, not a closing tag), shows
    control characters in it as U+FFFD (a note's ESC never reaches the terminal) and wraps Chinese between its
    characters (`divide_line`)."""

    def render_str(self, text: str, **options: Any) -> Text:
        return _wrapping(super().render_str(clean(text), **options))


def _text(text: str, style: str = "") -> Text:
    """Rich text from data (names, titles, codes): control characters shown as U+FFFD."""
    return _Wrapping(clean(text), style=style)


def console(stderr: bool = False) -> Console:
    return _PlainConsole(stderr=stderr, highlight=False, markup=False, emoji=False)


def error(lines: Sequence[str], hint: str | None = None) -> None:
    """`error: …` lines on stderr (SPEC §7), plain text so that scripts can read them."""
    out = console(stderr=True)
    for line in lines:
        out.print(Text("error: ", style="bold red") + Text(clean(line)), soft_wrap=True)
    if hint:
        out.print(Text(clean(hint), style="dim"), soft_wrap=True)


def warning(line: str) -> None:
    console(stderr=True).print(Text("warning: ", style="bold yellow") + Text(clean(line)), soft_wrap=True)


def info(line: str) -> None:
    console(stderr=True).print(Text(clean(line)), soft_wrap=True)


def number(value: float | None) -> str:
    """A number for people: thousands separated, at most two decimals, no trailing zeros."""
    return "" if value is None else figures.number(value)


def percent(share: float, places: int = 0) -> str:
    """A share as a percentage for people, never "-0%"."""
    rounded = round(share * 100, places) + 0.0
    return f"{rounded:.{places}f}%"


def amount(value: float | None, measure: str | None) -> str:
    shown, word = number(value), measure_of(measure, value or 0.0)  # 1 firm, 2 firms (`Measure`)
    return f"{shown} {word}" if word and shown else shown


def status_text(word: str) -> Text:
    return Text(label(word), style=STATUS_STYLES.get(word, ""))


def progress_bar(progress: float, expected: float, status: str, width: int = BAR_WIDTH) -> Text:
    """A bar of the share done, with a tick where the schedule expects it to be."""
    done_cells = round(counted_share(progress) * width)
    tick = min(round(counted_share(expected) * width), width - 1) if expected > 0 else None
    bar = Text("█" * done_cells, style=STATUS_STYLES.get(status, ""))
    if tick is not None and tick >= done_cells:
        bar.append("░" * (tick - done_cells), style="dim")
        bar.append("┆", style="bold")
        bar.append("░" * (width - tick - 1), style="dim")
    else:
        bar.append("░" * (width - done_cells), style="dim")
    bar.append(f"{percent(progress):>4}")
    return bar


def longest_word(text: str) -> int:
    """The cells of the widest piece of `text` that a line may not break: a word between spaces, or within one, a
    run between East Asian wide characters (a line may break beside a Chinese character, never inside `2012-06`)."""
    widest = 0
    for word in text.split():
        run = 0
        for char in word:
            if unicodedata.east_asian_width(char) in "WF":
                widest, run = max(widest, run, cell_len(char)), 0
            else:
                run += cell_len(char)
        widest = max(widest, run)
    return widest


def _plain_text(cell: object) -> str:
    if isinstance(cell, Text):
        return cell.plain
    return cell if isinstance(cell, str) else ""


class _Table(Table):
    """A Rich table whose columns are never narrower than their longest word.

    Rich narrows the widest columns until the table fits and then cuts what no longer fits into pieces of the width
    left ('Large-scal' / 'e'). Here a column narrowed below its longest word is widened back to it, and the room is
    taken from the columns that have the most to spare above theirs; only when no column has any (the words alone
    are wider than the terminal) are Rich's widths kept."""

    def add_row(
        self, *renderables: RenderableType | None, style: StyleType | None = None, end_section: bool = False
    ) -> None:
        """A row whose text cells wrap Chinese between characters (`divide_line`)."""
        cells = [_wrapping(cell) if isinstance(cell, Text) else cell for cell in renderables]
        super().add_row(*cells, style=style, end_section=end_section)

    def _calculate_column_widths(self, console: Console, options: ConsoleOptions) -> list[int]:
        widths = super()._calculate_column_widths(console, options)
        floors = [self._floor(column) for column in self.columns]
        if all(width >= floor for width, floor in zip(widths, floors, strict=True)):
            return widths
        fitted = [max(width, floor) for width, floor in zip(widths, floors, strict=True)]
        excess = sum(fitted) - options.max_width
        while excess > 0:
            spare = [width - floor for width, floor in zip(fitted, floors, strict=True)]
            most = max(spare)
            if most <= 0:
                return widths
            fitted[spare.index(most)] -= 1
            excess -= 1
        return fitted

    def _floor(self, column: Column) -> int:
        if column.width is not None or column.no_wrap:
            return 0  # Rich keeps such a column whole
        texts = [_plain_text(column.header), _plain_text(column.footer), *map(_plain_text, column.cells)]
        return max(map(longest_word, texts), default=0) + self._get_padding_width(column._index)


def _table(
    title: str | None = None,
    caption: str | None = None,
    columns: Sequence[tuple[str, JustifyMethod]] = (),
    *,
    compact: bool = False,
) -> Table:
    """A table in the house style, with its columns given as (message id of the header, justification).

    `compact`: no outer rules, edges or padding, rules between columns only, for a narrow terminal: every cell keeps
    its text whole, and long titles wrap over fewer lines."""
    if compact:
        from rich import box

        return _with_columns(
            _Table(
                title=title,
                caption=caption,
                header_style="bold",
                box=box.MINIMAL,
                show_edge=False,
                pad_edge=False,
                collapse_padding=True,
            ),
            columns,
        )
    return _with_columns(_Table(title=title, caption=caption, header_style="bold", show_lines=False), columns)


def _with_columns(table: Table, columns: Sequence[tuple[str, JustifyMethod]]) -> Table:
    for header, justify in columns:
        table.add_column(t(header), justify=justify, overflow="fold")
    return table


# Below this width the status table shows one table per unit (the unit as its title) and joins the
# target's code and title in one column; no other column is left out.
WIDE_TABLE = 120


def status_table(plan: Plan, rows: Sequence[StatusRow], title: str, caption: str | None) -> None:
    """Each assignment with a progress bar and a coloured status; one table per unit on a narrow terminal."""
    out = console()
    # several units' and several targets' rows: each title shortened (in full for one unit, one target, JSON, CSV)
    short = len({r.unit for r in rows}) > 1 and len({r.target for r in rows}) > 1
    if out.width >= WIDE_TABLE:
        out.print(_status_rows(plan, rows, title, caption, wide=True, short=short))
        return
    lang = language()
    units = {u.code: u for u in plan.units}
    out.print(_text(title, style="bold"), justify="center")
    for code in dict.fromkeys(r.unit for r in rows):
        out.print(
            _status_rows(
                plan, [r for r in rows if r.unit == code], units[code].display_name(lang), None, wide=False, short=short
            )
        )
    if caption:
        out.print(_text(caption, style="dim"), justify="center")


def _status_rows(
    plan: Plan, rows: Sequence[StatusRow], title: str, caption: str | None, *, wide: bool, short: bool
) -> Table:
    lang = language()
    units = {u.code: u for u in plan.units}
    targets = {g.code: g for g in plan.targets()}
    table = _table(title, caption, compact=not wide)
    columns: list[tuple[str, JustifyMethod]]
    if wide:
        columns = [
            (N_("Unit"), "left"),
            (N_("Target"), "left"),
            (N_("Title"), "left"),
            (N_("Amount"), "right"),
            (N_("Actual"), "right"),
            (N_("Expected"), "right"),
        ]
    else:  # the code, title and last month filed share a column; progress is a percentage, not a bar
        columns = [(N_("Title"), "left"), (N_("Amount"), "right"), (N_("Actual"), "right"), (N_("Expected"), "right")]
    trailing: list[tuple[str, JustifyMethod]] = [(N_("Gap"), "right"), (N_("Progress"), "left"), (N_("Status"), "left")]
    if wide:
        trailing.append((N_("Last filed"), "left"))
    for header, justify in [*columns, *trailing]:
        table.add_column(
            t(header),
            justify=justify,
            overflow="fold",  # wrapped, never cut: a code, date or number is shown whole
            ratio=3 if header == N_("Title") else None,  # the title takes the room the numbers leave
        )
    previous_unit = None
    for index, row in enumerate(rows):
        target = targets[row.target]
        if target.is_milestone:
            due = t("due {due}", due=row.due) if wide else row.due or ""
            cells = [due, label("done") if row.status == "done" else t("not done")]
            expected_cell, gap_cell = (label("done") if row.expected_share >= 1 else ""), ""
        else:
            # narrow: the measure is said once, under the title, so that the numbers keep their width
            measure = target.display_measure(lang) if wide else None
            cells = [amount(row.amount, measure), amount(row.actual, measure)]
            expected_cell = amount(row.expected, measure)
            gap_cell = amount(row.gap, measure) if row.gap > 1e-9 else ""
        shown_title = target.short_title(lang) if short else target.display_title(lang)
        if wide:
            unit_cell = units[row.unit].display_name(lang) if row.unit != previous_unit else ""
            lead: list[str | Text] = [unit_cell, row.target, shown_title, *cells, expected_cell]
        else:
            title_cell = _text(f"{row.target} {shown_title}")
            notes = [target.display_measure(lang) or ""] if not target.is_milestone else []
            if row.last_period:
                notes.append(t("last filed {period}", period=row.last_period))
            if any(notes):
                title_cell.append("\n" + " · ".join(note for note in notes if note), style="dim")
            lead = [title_cell, *cells, expected_cell]
        previous_unit = row.unit
        table.add_row(
            *lead,
            Text(gap_cell, style="red" if row.status == "behind" else ""),
            progress_bar(row.progress, row.expected_share, row.status) if wide else percent(row.progress),
            status_text(row.status),
            *([row.last_period or ""] if wide else []),
            end_section=index + 1 == len(rows) or rows[index + 1].unit != row.unit,
        )
    return table


def status_report(
    plan: Plan,
    as_of: date,
    month: str | None,
    rows: Sequence[StatusRow],
    trajectory: Trajectory | None,
    totals: Sequence[TargetTotal] | None,
    amended: Sequence[AmendedAssignment] = (),
    unit: str | None = None,
    notes: Sequence[SupportNote] = (),
    summary: Sequence[UnitFilings] | None = None,
) -> None:
    """`status` for people: the table with its summary, one assignment's trajectory, the district totals, the
    assignments amended as of the date and what the supporting units say of one unit's targets (SPEC §17).
    With the units' monthly reports as `summary`: one line per unit instead of the tables (`status_overview`)."""
    amendments_note(amended, as_of, unit)
    title = t(
        "Progress of the {year} plan as of {as_of} (evaluation month {month})",
        year=plan.year,
        as_of=as_of.isoformat(),
        month=month or t("none yet"),
    )
    if summary is not None:
        status_overview(plan, rows, summary, title)
    else:
        status_table(plan, rows, title, status_summary(rows))
    if trajectory is not None:
        trajectory_lines(plan, trajectory)
    if totals is not None:
        totals_table(plan, totals, t("District totals as of {as_of}", as_of=as_of.isoformat()))
    if notes:
        notes_table(
            plan, notes, t("What the supporting units say (the latest month noted by {as_of})", as_of=as_of.isoformat())
        )


def notes_table(plan: Plan, notes: Sequence[SupportNote], title: str) -> None:
    """Supporting units' notes (SPEC §17): who, on which target, for which month, reported when, and the text;
    one a later note replaces is struck through."""
    table = _table(title)
    for header in (N_("#"), N_("Supporting unit"), N_("Target"), N_("Period"), N_("Reported"), N_("Note")):
        table.add_column(t(header), justify="right" if header == N_("#") else "left", overflow="fold",
                         ratio=2 if header == N_("Note") else None)  # fmt: skip
    lang = language()
    for note in notes:
        unit = plan.unit(note.unit)
        reported = note.reported_at.removesuffix("T00:00:00").replace("T", " ") + f" {note.reported_by}"
        text = _text(note.text + (" " + t("(superseded)") if note.superseded else ""))
        marks = [t("catch-up report into a locked month")] if note.catch_up else []
        if note.backdated:
            marks.append(t("reported after the fact"))
        if note.reason:
            marks.append(t("reason: {reason}", reason=note.reason))
        if marks:
            text.append("\n" + tp("list separator", "; ").join(marks), style="dim")
        table.add_row(
            str(note.id),
            escaped(unit.display_name(lang) if unit else note.unit),
            note.target,
            note.period,
            reported,
            text,
            style="dim strike" if note.superseded else "",
        )
    console().print(table)


def overdue_report(
    plan: Plan,
    as_of: date,
    month: str | None,
    units: Sequence[OverdueUnit],
    documents: Mapping[int, str],
    *,
    brief: bool,
    matters: Mapping[int, Matter] | None = None,
) -> None:
    """`overdue` for people: the table, or one line per unit for the projector (notices cited by the document
    numbers they were issued with, assigned matters by their titles)."""
    if not units:
        info(t("no unit is overdue as of {as_of}", as_of=as_of.isoformat()))
        return
    title = t(
        "Overdue units as of {as_of} (evaluation month {month})", as_of=as_of.isoformat(), month=month or t("none yet")
    )
    if brief:
        overdue_brief(plan, units, documents, title, matters or {})
    else:
        overdue_table(plan, units, documents, title, matters or {}, short=len(units) > 1)


LAGGING_WIDTH = 12  # cells of the overview's column of targets behind and at risk below WIDE_TABLE: 3 codes a line


def status_overview(plan: Plan, rows: Sequence[StatusRow], filings: Sequence[UnitFilings], title: str) -> None:
    """The meeting on one screen: per unit, in the plan's groups of units, its assignments on track, at risk and
    behind, its months whose report is missing, and its targets behind (then at risk, in brackets); under it the
    totals and how to see the tables. Every count is of the statuses the rows carry (SPEC §5), as the tables show."""
    lang = language()
    words = ("on_track", "at_risk", "behind")  # and done: in the caption's totals, as in the tables
    columns: list[tuple[str, JustifyMethod]] = [(N_("Unit"), "left")]
    table = _table(None, None, columns, compact=True)  # the title and totals as wide as the terminal, not the table
    # a count's column as wide as its header's longest word, the targets' a little wider: the unit's name has the rest
    for header in [*map(label, words), t("Reports missing")]:
        table.add_column(header, justify="right", max_width=max(cell_len(word) for word in header.split()))
    shown = [u for u in plan.units if any(row.unit == u.code for row in rows)]
    # below WIDE_TABLE the targets' column takes what the longest unit name leaves, at least LAGGING_WIDTH cells
    counts_width = sum(column.max_width or 0 for column in table.columns[1:]) + 3 * len(table.columns)
    longest_name = max((cell_len(u.display_name(lang)) for u in shown), default=0)
    spare = console().width - counts_width - longest_name
    narrow = console().width < WIDE_TABLE
    table.add_column(t("Lagging (at risk)"), justify="left", max_width=max(LAGGING_WIDTH, spare) if narrow else None)
    missing = {f.unit: sum(1 for s in f.months.values() if s == "missing") for f in filings}
    by_unit: dict[str, list[StatusRow]] = {}
    for row in rows:
        by_unit.setdefault(row.unit, []).append(row)
    for index, unit in enumerate(shown):
        if index == 0 or shown[index - 1].kind != unit.kind:
            table.add_row(Text(_group_name(unit.kind), style="bold"))
        own = by_unit[unit.code]
        counts = [sum(1 for r in own if r.status == word) for word in words]
        lagging = Text(" ".join(r.target for r in own if r.status == "behind"), style=STATUS_STYLES["behind"])
        at_risk = " ".join(r.target for r in own if r.status == "at_risk")
        if at_risk:
            lagging.append((" " if lagging.plain else "") + f"({at_risk})", style=STATUS_STYLES["at_risk"])
        table.add_row(
            _text(unit.display_name(lang)),
            *(Text(str(n) if n else "", style=STATUS_STYLES[word]) for word, n in zip(words, counts, strict=True)),
            Text(str(missing.get(unit.code) or ""), style=STATUS_STYLES["missing"]),
            lagging,
        )
    out = console()
    out.print(_text(title, style="bold"), justify="center")
    out.print(table)
    out.print(_text(status_summary(rows), style="dim"), justify="center")
    out.print(_text(t("the full tables: ecotrack status --full; one unit's: --unit CODE"), style="dim"))


def status_summary(rows: Sequence[StatusRow]) -> str:
    counts = {word: sum(1 for r in rows if r.status == word) for word in ("done", "on_track", "at_risk", "behind")}
    return "  ".join(f"{label(word)} {count}" for word, count in counts.items())


def units_table(plan: Plan) -> None:
    """Who is in the plan: each unit with how many targets it leads and supports."""
    lang = language()
    table = _table(t("Units of the {year} plan", year=plan.year))
    for header in (N_("Code"), N_("Name"), N_("Kind"), N_("Leads"), N_("Supports")):
        table.add_column(t(header), overflow="fold")
    for unit in plan.units:
        table.add_row(
            unit.code,
            unit.display_name(lang),
            label(unit.kind),
            str(len(plan.assignments_of(unit.code))),
            str(len(plan.supports_of(unit.code))),
        )
    console().print(table)


def targets_table(plan: Plan, unit: str | None, title: str) -> None:
    """What each unit (or `unit`) must report: one row per assignment, in plan order. Below WIDE_TABLE columns a
    milestone's due date is in the amount's column (a quantity has no due date, a milestone no amount)."""
    lang = language()
    wide = console().width >= WIDE_TABLE
    table = _table(title, compact=not wide)
    headers = [N_("Target"), N_("Title"), N_("Unit"), N_("Amount"), N_("Baseline")]
    headers += [N_("Due"), N_("Weight")] if wide else [N_("Weight")]
    for header in headers:
        table.add_column(
            t(header),
            justify="right" if header in (N_("Amount"), N_("Baseline"), N_("Weight")) else "left",
            overflow="fold",
            ratio=3 if header == N_("Title") else None,
        )
    for target in plan.targets():
        for assignment in target.assignments:
            if unit is not None and assignment.unit != unit:
                continue
            lead = plan.unit(assignment.unit)
            assert lead is not None
            due = target.due.isoformat() if target.due else ""
            if not target.is_milestone:
                measure = target.display_measure(lang)
                shown = [amount(assignment.amount, measure), amount(target.baseline, measure)]
            else:
                shown = [label("milestone") if wide else t("due {due}", due=due), ""]
            table.add_row(
                target.code,
                # every unit's targets: each title shortened (in full in one unit's and in JSON and CSV)
                target.display_title(lang) if unit is not None else target.short_title(lang),
                lead.display_name(lang),
                *shown,
                *([due] if wide else []),
                number(target.weight),
            )
    console().print(table)


def history_table(plan: Plan, rows: Sequence[HistoryEntry]) -> None:
    """Every entry; below WIDE_TABLE columns the entry's unit, target and period share a column and the
    audit columns are left out (the caption says so and where to see them)."""
    out = console()
    wide = out.width >= WIDE_TABLE
    caption = None if wide else t("filed at, filed by and import: at 120 columns or more, or with --format csv")
    table = _table(t("Entries of {year}, oldest first", year=plan.year), caption)
    every = [N_("#"), N_("Unit"), N_("Target"), N_("Period"), N_("Value"), N_("Reported"), N_("By")]
    every += [N_("Corrects"), N_("Filed (audit)"), N_("Note")]
    headers = every if wide else [N_("#"), N_("Entry"), N_("Value"), N_("Reported"), N_("Note")]
    for header in headers:
        table.add_column(
            t(header),
            justify="right" if header in (N_("#"), N_("Value")) else "left",
            overflow="fold",
            ratio=2 if header == N_("Note") else None,
        )
    lang = language()
    for row in rows:
        target = plan.target(row.target)
        value = amount(row.value, target.display_measure(lang) if target else None)
        reported = row.reported_at.removesuffix("T00:00:00").replace("T", " ")
        corrects = f"#{row.corrects}" if row.corrects else ""
        note = _text(" ".join(part for part in (row.note, t("(superseded)") if row.superseded else "") if part))
        marks = entry_marks(row)
        if marks:
            note.append(("\n" if note.plain else "") + marks, style="yellow" if row.review != "accepted" else "dim")
        if wide:
            audit = f"{row.filed_at.replace('T', ' ')} {row.filed_by}" + (
                " " + t("(import #{batch})", batch=row.batch) if row.batch is not None else ""
            )
            cells = [str(row.id), row.unit, row.target, row.period, value, reported, row.reported_by, corrects, audit]
        else:
            entry = f"{row.unit} {row.target} {row.period}" + (
                " " + t("corrects {entry}", entry=corrects) if corrects else ""
            )
            cells = [str(row.id), entry, value, f"{reported} {row.reported_by}"]
        table.add_row(*cells, note, style="dim strike" if row.superseded else "")
    out.print(table)


def entry_marks(row: HistoryEntry) -> str:
    """What SPEC §9 says of an entry beside its note: its review state and decision, a date given after
    the fact, a 补报, and their reasons. Empty for an entry accepted when filed, on time."""
    words: list[str] = []
    if row.review != "accepted" or row.decided_by:
        decided = (
            t(" by {by} on {when}", by=row.decided_by, when=(row.decided_at or "").replace("T", " ")[:16])
            if row.decided_by
            else ""
        )
        words.append(label(row.review) + decided)
    if row.return_reason:
        words.append(t("to correct: {reason}", reason=row.return_reason))
    if row.catch_up:
        words.append(t("catch-up report into a locked month"))
    if row.backdated:
        words.append(t("reported after the fact"))
    if row.reason:
        words.append(t("reason: {reason}", reason=row.reason))
    for attached in getattr(row, "attachments", ()):
        words.append(t("attached: {name} ({sha256})", name=escaped(attached.name), sha256=attached.sha256[:12]))
    return tp("list separator", "; ").join(words)


def returned_entries(plan: Plan, entries: Sequence[HistoryEntry]) -> None:
    """A unit's entries the office returned and it has not filed again, each with what to correct."""
    if not entries:
        return
    lang = language()
    table = _table(
        t("Returned by the office: file these again"),
        columns=[
            (N_("#"), "right"),
            (N_("Target"), "left"),
            (N_("Period"), "left"),
            (N_("Value"), "right"),
            (N_("Returned"), "left"),
            (N_("To correct"), "left"),
        ],
    )
    for row in entries:
        target = plan.target(row.target)
        table.add_row(
            str(row.id),
            f"{row.target} {target.display_title(lang)}" if target else row.target,
            row.period,
            amount(row.value, target.display_measure(lang) if target else None),
            f"{(row.decided_at or '').replace('T', ' ')[:16]} {row.decided_by or ''}",
            Text(row.return_reason or "", style="yellow"),
        )
    console().print(table)


def review_table(plan: Plan, items: Sequence[ReviewItem]) -> None:
    """The entries waiting for review, each with the level accepted before it and the change; below
    WIDE_TABLE columns the unit, target and period share a column, as do the reporter and the date."""
    lang = language()
    wide = console().width >= WIDE_TABLE
    headers = [N_("#"), N_("Unit"), N_("Target"), N_("Period")] if wide else [N_("#"), N_("Entry")]
    headers += [N_("Value"), N_("Accepted before"), N_("Change"), N_("Reported"), N_("Note")]
    table = _table(
        t("Entries of {year} waiting for review", year=plan.year),
        t("accept ID… or return ID… --reason TEXT") if items else t("nothing is waiting for review"),
        compact=not wide,
    )
    for header in headers:
        table.add_column(
            t(header),
            justify="right" if header in (N_("#"), N_("Value"), N_("Accepted before"), N_("Change")) else "left",
            overflow="fold",
            ratio=2 if header == N_("Note") else None,
        )
    for item in items:
        row = item.entry
        target = plan.target(row.target)
        unit = plan.unit(row.unit)
        measure = target.display_measure(lang) if target else None
        unit_name = unit.display_name(lang) if unit else row.unit
        change = item.change
        note = _text(row.note)
        marks = tp("list separator", "; ").join(
            word
            for word in (
                t("reported after the fact") if row.backdated else "",
                t("reason: {reason}", reason=row.reason) if row.reason else "",
            )
            if word
        )
        if marks:
            note.append(("\n" if row.note else "") + marks, style="yellow")
        lead = (
            [str(row.id), unit_name, f"{row.target} {target.display_title(lang)}" if target else row.target, row.period]
            if wide
            else [str(row.id), f"{unit_name}\n{row.target} {row.period}"]
        )
        table.add_row(
            *lead,
            amount(row.value, measure),
            amount(item.previous_value, measure),
            Text(("+" if change > 0 else "") + number(change), style="red" if change < 0 else ""),
            f"{row.reported_at.removesuffix('T00:00:00').replace('T', ' ')} {row.reported_by}",
            note,
        )
    console().print(table)


ITEM_STYLES = {"open": "", "overdue": "bold red", "answered": "yellow", "closed": "green", "reopened": "bold yellow"}


def rectifications_table(plan: Plan, items: Sequence[RectificationItem], title: str) -> None:
    """Each rectification item with its due date, state and latest answer."""
    lang = language()
    table = _table(
        title,
        None if items else t("no notice has named a unit yet"),
        compact=console().width < WIDE_TABLE,
        columns=[
            (N_("Notice"), "left"),
            (N_("Unit"), "left"),
            (N_("Due"), "left"),
            (N_("State"), "left"),
            (N_("Answer"), "left"),
        ],
    )
    for item in items:
        stored = item.stored
        unit = plan.unit(stored.unit)
        table.add_row(
            stored.document_number,
            unit.display_name(lang) if unit else stored.unit,
            item.due.isoformat(),
            Text(label(item.state), style=ITEM_STYLES.get(item.state, "")),
            _answer_cell(stored.steps),
        )
    console().print(table)


def matters_table(plan: Plan, items: Sequence[MatterItem], title: str) -> None:
    """Each assigned matter's items with the due date, state and latest answer, as rectifications show theirs."""
    lang = language()
    table = _table(
        title,
        None if items else t("no matter has been assigned yet"),
        compact=console().width < WIDE_TABLE,
        columns=[
            (N_("Matter"), "left"),
            (N_("Unit"), "left"),
            (N_("Due"), "left"),
            (N_("State"), "left"),
            (N_("Answer"), "left"),
        ],
    )
    for item in items:
        matter = item.matter
        unit = plan.unit(item.unit)
        head = _text(f"#{matter.id} {matter.title}")
        head.append(f"\n{matter.source} {matter.assigned_on.isoformat()}", style="dim")
        table.add_row(
            head,
            unit.display_name(lang) if unit else item.unit,
            item.due.isoformat(),
            Text(label(item.state), style=ITEM_STYLES.get(item.state, "")),
            _answer_cell(item.stored.steps),
        )
    console().print(table)


def _files_lines(files: Sequence[AttachedFile]) -> str:
    """Attached files, one line each after the text they were filed with."""
    return "".join(f"\n📎 {escaped(f.name)} ({f.size:,} B) {f.sha256[:12]}" for f in files)


def _answer_cell(steps: Sequence[ItemStep]) -> Text:
    """An item's latest answer (with its files) and the office's last decision on it."""
    answers = [s for s in steps if s.kind == "answered"]
    decisions = [s for s in steps if s.kind != "answered"]
    answer = _text("")
    if answers:
        latest = answers[-1]
        answer.append(f"{latest.on.isoformat()} {latest.by}: {latest.text}")
        for attached in latest.attachments:
            answer.append(f"\n📎 {escaped(attached.name)} ({attached.size:,} B) {attached.sha256[:12]}", style="dim")
    if decisions:
        last = decisions[-1]
        decided = t("closed by override") if last.override else label(last.kind)
        answer.append(
            ("\n" if answers else "") + f"{decided} {last.on.isoformat()} {last.by}: {last.text}",
            style="dim",
        )
    return answer


def settings_table(rows: Sequence[tuple[str, str, str]]) -> None:
    """`ecotrack config`: each setting, its value and where it came from."""
    table = _table(
        t("What ecotrack works on"),
        None,
        columns=[(N_("Setting"), "left"), (N_("In use"), "left"), (N_("From"), "left")],
    )
    for row in rows:
        table.add_row(*row)
    console().print(table)


def remind_table(plan: Plan, reminders: Sequence[Reminder], title: str) -> None:
    """Whom to chase: each unit with what is due soon, by when, and its contact."""
    lang = language()
    table = _table(
        title,
        None if reminders else t("nothing is due soon that is not filed"),
        columns=[
            (N_("Unit"), "left"),
            (N_("Contact"), "left"),
            (N_("Monthly reports"), "left"),
            (N_("Rectification"), "left"),
            (N_("Due"), "left"),
        ],
    )
    with_matters = any(reminder.matters for reminder in reminders)
    if with_matters:
        table.add_column(t("Assigned matters"))
    for reminder in reminders:
        contact = reminder.unit.contact
        cells = [
            reminder.unit.display_name(lang),
            f"{contact.name} {contact.phone}" if contact else "",
            " ".join(reminder.reports),
            " ".join(reminder.documents),
            reminder.due.isoformat(),
        ]
        if with_matters:
            cells.append(_matter_titles([m.id for m in reminder.matters], {m.id: m for m in reminder.matters}))
        table.add_row(*cells)
    console().print(table)


def import_checked(path: Path, earlier: Sequence[EarlierBatch], result: ImportResult) -> None:
    """What checking an import's rows found besides the rows: earlier imports of the same file, warnings, and
    rows left blank."""
    for batch in earlier:
        warning(
            tn(
                "{path} was imported before: import #{batch} of {name} on {when} by {by} "
                "filed {count} entry; only rows that change something are filed",
                (
                    "{path} was imported before: import #{batch} of {name} on {when} by {by} "
                    "filed {count} entries; only rows that change something are filed"
                ),
                path=path,
                batch=batch.id,
                name=batch.file_name,
                when=batch.imported_at.replace("T", " "),
                by=batch.imported_by,
                count=batch.filed,
            )
        )
    for line in result.warnings:
        warning(line)
    if result.more_warnings:
        warning(tn("... and {count} more warning", "... and {count} more warnings", count=result.more_warnings))
    if result.blank:
        info(tn("{count} row left blank, not filed", "{count} rows left blank, not filed", count=result.blank))


def import_filed(path: Path, report: FilingReport, encoding: str | None, *, waits: bool) -> None:
    """What an import filed, in one line: how many entries, as which batch, what was equal to the record."""
    read_as = (
        t(" (read as {encoding})", encoding=encoding) if encoding and encoding not in ("utf-8", "utf-8-sig") else ""
    )
    if report.filed == 0 and report.notes == 0 and report.unchanged:
        info(
            tn(
                "nothing filed from {path}: its {count} row equals what is on file",
                "nothing filed from {path}: all {count} rows equal what is on file",
                count=report.unchanged,
                path=path,
            )
            + read_as
        )
        return
    summary = (
        tn("imported {count} entry from {path}", "imported {count} entries from {path}", count=report.filed, path=path)
        + read_as
    )
    if report.notes:
        summary += tn(
            "; and {count} supporting unit's note", "; and {count} supporting units' notes", count=report.notes
        )
    if report.batch is not None:
        summary += t(" as import #{batch}", batch=report.batch)
    if report.unchanged:
        summary += tn(
            "; {count} row equal to what is on file was not filed again",
            "; {count} rows equal to what is on file were not filed again",
            count=report.unchanged,
        )
    if waits:
        summary += t("; they count once the office accepts them (`ecotrack review`)")
    info(summary)


def notice_outcome(as_of: date, month: str | None, drafted: IssuedDraft | None, written: Sequence[Path]) -> None:
    """What `notice` did: no unit to name, or the file written and the notice recorded (or only drafted)."""
    if drafted is None:
        info(
            t(
                "no unit is overdue as of {as_of} (evaluation month {month}): no notice recorded",
                as_of=as_of.isoformat(),
                month=month,
            )
        )
        return
    if written:
        info(t("wrote {path}", path=written[-1]))
    if drafted.recorded:
        info(
            tn(
                "notice {number} recorded: {count} unit named",
                "notice {number} recorded: {count} units named",
                number=drafted.notice.document_number,
                count=len(drafted.notice.units),
            )
        )
    else:
        info(t("draft only (--dry-run): nothing recorded; it would be {number}", number=drafted.notice.document_number))


def left_out_note(notice: Notice) -> None:
    """The units the office left out of a notice, with its reasons (SPEC §10): the office's own business, said on
    stderr beside the document, never in the circulated text."""
    if notice.excluded:
        units = "; ".join(
            t("{unit} ({reason})", unit=u.unit_name, reason=u.reason) if u.reason else u.unit_name
            for u in notice.excluded
        )
        info(t("left out by the office, not in the circulated text: {units}", units=units))


def void_notice_warning(notice: IssuedNotice, *, detailed: bool) -> None:
    """A void notice shown again: it counts nowhere (with why, by whom and when when `detailed`)."""
    voided = notice.voided
    assert voided is not None
    if not detailed:
        warning(t("notice {number} is void: it counts nowhere", number=notice.document_number))
        return
    warning(
        t(
            "notice {number} is void ({reason}; {by}, {when}): it counts nowhere",
            number=notice.document_number,
            reason=voided.reason,
            by=voided.voided_by,
            when=voided.voided_at.replace("T", " "),
        )
    )


def form_target(plan: Plan, row: OpenTarget, period: str, sent_back: HistoryEntry | None) -> None:
    """One target of the monthly form: its amount or due date, the last value filed, and whether this month
    is filed already or was returned by the office with its reason."""
    lang = language()
    target, assignment = row.target, row.assignment
    measure = target.display_measure(lang)
    info(
        t(
            "{target} {title}: amount {amount}; {last}",
            target=target.code,
            title=target.display_title(lang),
            amount=amount(assignment.amount, measure) if not target.is_milestone else t("due {due}", due=target.due),
            last=t("last reported {value} for {period}", value=amount(row.last_value, measure), period=row.last_period)
            if row.last_period
            else t("nothing reported yet"),
        )
    )
    if row.last_period == period:
        info(t("  {period} is filed already: a value given now replaces it, as a correction", period=period))
    if sent_back is not None:
        warning(
            t(
                "  the office returned {value} for {period}: {reason}",
                value=amount(sent_back.value, measure),
                period=period,
                reason=sent_back.return_reason or "",
            )
        )


def form_entries(plan: Plan, entries: Sequence[NewEntry]) -> None:
    """The monthly form's answers, one line each, before the clerk confirms them."""
    lang = language()
    for entry in entries:
        shown = plan.target(entry.target)
        info(f"  {entry.target} {entry.period}: " + amount(entry.value, shown.display_measure(lang) if shown else None))


def filed_entries(plan: Plan, entries: Sequence[NewEntry], *, waits: bool) -> None:
    """What `report` filed: each entry, and whether it waits for the office's review (SPEC §9)."""
    for entry in entries:
        target = plan.target(entry.target)
        shown = {
            "unit": entry.unit,
            "target": entry.target,
            "period": entry.period,
            "value": amount(entry.value, target.measure if target else None),
        }
        if waits:
            info(t("filed for review: {unit} {target} {period} = {value}; it counts once accepted", **shown))
        else:
            info(t("filed: {unit} {target} {period} = {value}", **shown))


def filed_note(plan: Plan, note: NewNote) -> None:
    """What `report --text` filed: a supporting unit's note (SPEC §17)."""
    info(t("filed: {unit}'s note on {target} for {period}", unit=note.unit, target=note.target, period=note.period))


def plain(line: str) -> None:
    """A line of text for stdout as it is (no markup, no wrapping): a message to paste elsewhere."""
    console().print(line, markup=False, highlight=False, soft_wrap=True)


def logins_table(rows: Sequence[Mapping[str, str | None]]) -> None:
    """The server's logins with an ecotrack role (`db logins`)."""
    table = _table(t("Logins with an ecotrack role"), None if rows else t("no login has an ecotrack role"))
    for header in (t("Login"), t("Role"), tp("column", "Unit")):
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(escaped(row["login"] or ""), row["role"], row["unit"] or "")
    console().print(table)


def locks_table(plan: Plan, locks: Sequence[PeriodLock]) -> None:
    """Every lock of a month this year, and when it was lifted."""
    table = _table(t("Locked months of {year}", year=plan.year), None if locks else t("no month is locked"))
    for header in (t("Period"), t("Locked"), tp("lock", "By"), tp("lock", "Reason"), t("Unlocked")):
        table.add_column(header, overflow="fold")
    for lock in locks:
        unlocked = (
            f"{lock.unlocked_at.isoformat(sep=' ', timespec='minutes')} {lock.unlocked_by}: {lock.unlock_reason}"
            if lock.unlocked_at
            else Text(t("still locked"), style="bold red")
        )
        table.add_row(
            lock.period,
            lock.locked_at.isoformat(sep=" ", timespec="minutes"),
            lock.locked_by or t("itself (review.lock_after_days)"),
            lock.reason,
            unlocked,
        )
    console().print(table)


def plan_tree(plan: Plan) -> None:
    lang = language()
    units = {u.code: u for u in plan.units}
    tree = Tree(_text(f"{plan.year} {plan.title}", style="bold"))
    tree.add(Text(t("issued by {office}", office=plan.display_office(lang)), style="dim"))
    for task in plan.tasks:
        branch = tree.add(_text(f"{task.code} {task.display_title(lang)}", style="bold cyan"))
        for target in task.targets:
            heading = _text(f"{target.code} {target.display_title(lang)}")
            if target.is_milestone:
                heading.append("  " + t("due {due}", due=target.due), style="magenta")
            else:
                if target.baseline:
                    heading.append(
                        "  " + t("baseline {baseline}", baseline=amount(target.baseline, target.display_measure(lang))),
                        style="dim",
                    )
                if target.schedule != ((12, 1.0),):
                    month_mark = t("/12")
                    points = ", ".join(f"{m}{month_mark} {s:.0%}" for m, s in target.schedule)
                    heading.append(f"  [{points}]", style="dim")
            if target.weight != 1:
                heading.append(f"  ×{number(target.weight)}", style="yellow")
            leaf = branch.add(heading)
            for assignment in target.assignments:
                name = units[assignment.unit].display_name(lang)
                shown = "" if target.is_milestone else "  " + amount(assignment.amount, target.display_measure(lang))
                leaf.add(_text(t("lead:") + f" {name}{shown}"))
            if target.support:
                names = tp("list", ", ").join(units[code].display_name(lang) for code in target.support)
                leaf.add(_text(t("support:") + f" {names}", style="dim"))
    console().print(tree)


@contextmanager
def progress(
    total: int, description: str, threshold: int = 2000, *, quiet: bool = False
) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr for long jobs (none for short ones, with --quiet or when stderr is not a
    terminal)."""
    if quiet or total < threshold or not sys.stderr.isatty():
        yield lambda done: None
        return
    from rich.progress import Progress

    with Progress(console=console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda done: bar.update(task, completed=done)


@contextmanager
def working(description: str, *, quiet: bool = False) -> Iterator[None]:
    """A bar on stderr while a job whose length is not known beforehand works (export, pack, the assessment, a
    backup: seconds at a city's size); none with --quiet or when stderr is not a terminal (issue 37)."""
    if quiet or not sys.stderr.isatty():
        yield
        return
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console(stderr=True), transient=True) as bar:
        bar.add_task(description, total=None)
        yield


def ask(question: str, default: str | None = None) -> str:
    """One answer from the person at the terminal (the monthly form)."""
    from rich.prompt import Prompt

    answer = Prompt.ask(question, default=default, console=console(stderr=True), show_default=default is not None)
    return answer or ""


def confirm(question: str) -> bool:
    from rich.prompt import Confirm

    return Confirm.ask(question, console=console(stderr=True), default=True)


FILINGS_MARKS = {"on_time": "✓", "late": "L", "missing": "✗", "pending": "·", "not_required": "–"}


def filings_grid(plan: Plan, filings: Sequence[UnitFilings], title: str) -> None:
    """Units × months, one coloured mark per monthly report, readable at a glance in a meeting."""
    lang = language()
    table = _table(
        title, t("✓ on time  L late  ✗ missing  · pending  – not required"), compact=console().width < WIDE_TABLE
    )
    table.add_column(t("Unit"), overflow="fold")
    months = list(filings[0].months) if filings else []
    for month in months:
        table.add_column(str(month_of(month)), justify="center")
    # the header wraps rather than the unit names: its cells hold a number of two digits at most
    table.add_column(t("Late or missing"), justify="right", max_width=8)
    for unit_filings in filings:
        unit = plan.unit(unit_filings.unit)
        assert unit is not None
        marks = [Text(FILINGS_MARKS[s], style=STATUS_STYLES[s]) for s in unit_filings.months.values()]
        late_or_missing = sum(1 for s in unit_filings.months.values() if s in ("late", "missing"))
        table.add_row(
            (unit.display_name(lang)), *marks, Text(str(late_or_missing) if late_or_missing else "", style="red")
        )
    console().print(table)


def overdue_table(
    plan: Plan,
    units: Sequence[OverdueUnit],
    documents: Mapping[int, str],
    title: str,
    matters: Mapping[int, Matter],
    *,
    short: bool = False,
) -> None:
    """The overdue units with their reasons; `short`: each target's title shortened (a list of several units)."""
    lang = language()
    table = _table(
        title,
        caption=t("(n) after a unit: its reasons, missing reports, overdue rectifications or refiles, lagging targets"),
        compact=console().width < WIDE_TABLE,
        columns=[
            (N_("Unit"), "left"),
            (N_("Reason"), "left"),
            (N_("Amount"), "right"),
            (N_("Actual"), "right"),
            (N_("Expected"), "right"),
            (N_("Gap"), "right"),
        ],
    )
    for unit in units:
        shown = plan.unit(unit.unit)
        assert shown is not None
        name = _text(f"{shown.display_name(lang)} ({unit.count})", style="bold")
        lines: list[tuple[Text | str, ...]] = []
        if unit.missing_reports:
            lines.append(
                (
                    Text(t("reports missing: {months}", months=", ".join(unit.missing_reports)), style="red"),
                    "",
                    "",
                    "",
                    "",
                )
            )
        if unit.rectification_overdue:
            numbers = ", ".join(documents[n] for n in unit.rectification_overdue)
            lines.append((Text(t("rectification overdue: {numbers}", numbers=numbers), style="red"), "", "", "", ""))
        if unit.refile_overdue:
            entries = ", ".join(f"#{n}" for n in unit.refile_overdue)
            lines.append((Text(t("refile overdue: {entries}", entries=entries), style="red"), "", "", "", ""))
        if unit.matters_overdue:
            titles = _matter_titles(unit.matters_overdue, matters)
            lines.append((Text(t("matter overdue: {matters}", matters=titles), style="red"), "", "", "", ""))
        for row in unit.behind:
            target = plan.target(row.target)
            assert target is not None
            shown_title = target.short_title(lang) if short else target.display_title(lang)
            reason = _text(f"{row.target} {shown_title}")
            if target.is_milestone:
                lines.append((reason, t("due {due}", due=row.due), t("not done"), "", ""))
            else:
                measure = target.display_measure(lang)
                lines.append(
                    (
                        reason,
                        amount(row.amount, measure),
                        amount(row.actual, measure),
                        amount(row.expected, measure),
                        Text(amount(row.gap, measure), style="red"),
                    )
                )
        for index, line in enumerate(lines):
            table.add_row(name if index == 0 else "", *line, end_section=index == len(lines) - 1)
    console().print(table)


def _matter_titles(ids: Sequence[int], matters: Mapping[int, Matter]) -> str:
    return ", ".join(f"#{m} {escaped(matters[m].title)}" if m in matters else f"#{m}" for m in ids)


def overdue_brief(
    plan: Plan, units: Sequence[OverdueUnit], documents: Mapping[int, str], title: str, matters: Mapping[int, Matter]
) -> None:
    """One line per unit with its reasons, for the projector at the monthly meeting."""
    lang = language()
    out = console()
    out.print(_text(title, style="bold"))
    for unit in units:
        shown = plan.unit(unit.unit)
        assert shown is not None
        line = _text(f"{shown.display_name(lang)} ({unit.count})", style="bold")
        reasons = []
        if unit.missing_reports:
            reasons.append(t("reports missing: {months}", months=", ".join(unit.missing_reports)))
        if unit.rectification_overdue:
            numbers = ", ".join(documents[n] for n in unit.rectification_overdue)
            reasons.append(t("rectification overdue: {numbers}", numbers=numbers))
        if unit.refile_overdue:
            reasons.append(t("refile overdue: {entries}", entries=", ".join(f"#{n}" for n in unit.refile_overdue)))
        if unit.matters_overdue:
            reasons.append(t("matter overdue: {matters}", matters=_matter_titles(unit.matters_overdue, matters)))
        if unit.behind:
            reasons.append(t("behind: {targets}", targets=", ".join(row.target for row in unit.behind)))
        line.append("  " + tp("list separator", "; ").join(reasons))
        out.print(line)
    out.print(
        _text(
            t("(n) after a unit: its reasons: missing reports, overdue items, refiles and matters, lagging targets"),
            style="dim",
        )
    )


def _unit_name(plan: Plan, code: str, recorded: str) -> str:
    """A unit's name in the interface language, or the name on record when the plan no longer has it."""
    unit = plan.unit(code)
    return unit.display_name(language()) if unit is not None else recorded


def notices_table(plan: Plan, rows: Sequence[IssuedNotice], title: str) -> None:
    table = _table(title)
    # the as-of date and the recording time are in `--format json` and `notices show`: the table keeps the
    # days a reader acts on, its 成文日期 and its signature
    for header in (N_("No."), N_("Month"), N_("Dated")):
        table.add_column(t(header), no_wrap=True)
    for header in (N_("Document"), N_("Signed")):
        table.add_column(t(header), overflow="fold", max_width=14)
    table.add_column(t("Units named"), overflow="fold", ratio=1)
    for row in rows:
        names = tp("list", ", ").join(
            f"{_unit_name(plan, u.unit, u.unit_name)}({u.count_this_year})" for u in row.named
        )
        table.add_row(
            str(row.number),
            row.evaluation_month,
            row.written_on.isoformat(),
            row.document_number,
            _signature(plan, row),
            names,
        )
    console().print(table)


def _signature(plan: Plan, notice: IssuedNotice) -> Text | str:
    """Who signed a notice on which day, or that it waits for a signature before it circulates."""
    if notice.signed is not None:
        return f"{notice.signed.on.isoformat()} {notice.signed.by}"
    if notice.voided is not None:
        return Text(t("void"), style="dim")
    if plan.notices.require_signature:
        return Text(t("draft awaiting signature"), style="yellow")
    return ""


def document(text: str) -> None:
    """A document exactly as recorded (no Rich markup, no wrapping); at a terminal, control characters cleaned."""
    sys.stdout.write(clean(text) if sys.stdout.isatty() else text)
    sys.stdout.flush()


def _grade_style(plan: Plan, grade: str) -> str:
    names = [name for name, _ in plan.assessment.grades]
    if grade == plan.assessment.fail_grade or grade not in names:
        return "bold red"
    return ("bold green", "green", "yellow", "yellow")[min(names.index(grade), 3)]


def adjustments_table(plan: Plan, adjustments: Sequence[StoredAdjustment]) -> None:
    """Every bonus, deduction and veto of the year, with who recorded it, and any voiding."""
    table = _table(
        t("Adjustments and vetoes of {year}", year=plan.year),
        None if adjustments else t("no adjustment or veto recorded"),
        columns=[
            (N_("#"), "right"),
            (N_("Unit"), "left"),
            (N_("Points"), "right"),
            (N_("Item"), "left"),
            (N_("Basis"), "left"),
            (N_("Recorded"), "left"),
        ],
    )
    for a in adjustments:
        recorded = f"{a.recorded_at.replace('T', ' ')} {a.recorded_by}"
        if a.void_reason is not None:
            recorded += "\n" + t("void: {reason}", reason=a.void_reason)
        table.add_row(
            str(a.id),
            _unit_name(plan, a.unit, a.unit),
            t("veto") if a.kind == "veto" else f"{a.points:+g}",
            a.item,
            a.basis,
            recorded,
            style="dim strike" if a.void_reason is not None else "",
        )
    console().print(table)


def _appeal_state(state: str) -> str:
    """An appeal's state in the interface language (SPEC §15)."""
    names = {"pending": tp("appeal", "pending"), "upheld": tp("appeal", "upheld"), "rejected": tp("appeal", "rejected")}
    return names.get(state, state)


def appeals_table(plan: Plan, appeals: Sequence[StoredAppeal], title: str) -> None:
    """Appeals (复核申请) of the year with their state, the office's decision and who did what when (SPEC §15)."""
    table = _table(
        title,
        None if appeals else t("no appeal filed"),
        columns=[
            (N_("#"), "right"),
            (N_("Unit"), "left"),
            (N_("Publication"), "right"),
            (N_("State"), "left"),
            (N_("Appeal"), "left"),
            (N_("Decision"), "left"),
        ],
    )
    for a in appeals:
        filed = f"{a.text}\n" + t("filed on {day} by {by}", day=a.filed_on.isoformat(), by=a.filed_by)
        filed += _files_lines(a.attachments)
        decided = ""
        if a.decision is not None:
            decided = (
                a.decision.reason
                + "\n"
                + t("decided on {day} by {by}", day=a.decision.decided_on.isoformat(), by=a.decision.decided_by)
            )
            if a.decision.refs:
                decided += "\n" + t("corrections: {refs}", refs=", ".join(a.decision.refs))
        table.add_row(
            str(a.id), _unit_name(plan, a.unit, a.unit), str(a.publication), _appeal_state(a.state), filed, decided
        )
    console().print(table)


def _request_state(state: str) -> str:
    """A request's state in the interface language (SPEC §17)."""
    names = {
        "pending": tp("request", "pending"),
        "approved": tp("request", "approved"),
        "rejected": tp("request", "rejected"),
    }
    return names.get(state, state)


def _request_asks(r: StoredRequest) -> str:
    if r.kind == "extend" and r.extend_to is not None:
        return t("extend to {day}", day=r.extend_to.isoformat())
    if r.kind == "amount" and r.amount is not None:
        return t("amount {amount}", amount=number(r.amount))
    return t("exempt")


def requests_table(plan: Plan, requests: Sequence[StoredRequest], title: str) -> None:
    """Requests (延期, 调整, 免责) of the year with their state, the office's decision and who did what when."""
    table = _table(
        title,
        None if requests else t("no request made"),
        columns=[
            (N_("#"), "right"),
            (N_("Unit"), "left"),
            (N_("Target"), "left"),
            (N_("Asks"), "left"),
            (N_("State"), "left"),
            (N_("Request"), "left"),
            (N_("Decision"), "left"),
        ],
    )
    for r in requests:
        made = f"{r.reason}\n" + t("made on {day} by {by}", day=r.requested_on.isoformat(), by=r.requested_by)
        made += _files_lines(r.attachments)
        decided = ""
        if r.decision is not None:
            decided = (
                r.decision.reason
                + "\n"
                + t("decided on {day} by {by}", day=r.decision.decided_on.isoformat(), by=r.decision.decided_by)
            )
            if r.decision.approved:
                decided += "\n" + t("from {period}", period=r.decision.from_period)
        table.add_row(
            str(r.id),
            _unit_name(plan, r.unit, r.unit),
            r.target,
            _request_asks(r),
            _request_state(r.state),
            made,
            decided,
        )
    console().print(table)


def amendments_note(amended: Sequence[AmendedAssignment], as_of: date, unit: str | None = None) -> None:
    """The assignments amended as of a date (SPEC §17), one line each, after a table that shows the plan."""
    shown = [a for a in amended if unit in (None, a.unit)]
    if not shown:
        return
    out = console()
    out.print(Text(clean(t("Amended as of {day}:", day=as_of.isoformat()))))
    for a in shown:
        if a.exempt:
            what = t("exempt")
        else:
            parts = []
            if a.due is not None:
                parts.append(t("due {day}", day=a.due.isoformat()))
            if a.last_month is not None:
                parts.append(t("schedule complete by month {month}", month=a.last_month))
            if a.amount is not None:
                parts.append(t("amount {amount}", amount=number(a.amount)))
            what = ", ".join(parts)
        out.print(Text(clean(f"  {a.unit} {a.target}: {what}")), soft_wrap=True)


# after a grade kept beyond its quota through a tie at the limit (SPEC §15), in the table
BEYOND_QUOTA_MARK = "*"


def assessment_table(plan: Plan, results: Sequence[UnitAssessment], title: str) -> None:
    lang = language()
    beyond = [r for r in results if r.beyond_quota]
    caption = None
    if beyond:
        caption = t(
            "* kept beyond the quota (a tie at its limit; quota_ties: keep): {units}",
            units=_joined(_unit_name(plan, r.unit, r.unit_name) for r in beyond),
        )
    # below WIDE_TABLE columns a ranking group is a heading row, not a column: the table fits 80 columns
    wide = console().width >= WIDE_TABLE
    columns: list[tuple[str, JustifyMethod]] = [(N_("Rank"), "right"), (N_("Unit"), "left")]
    if wide:
        columns.append((N_("Kind"), "left"))
    columns += [
        (N_("Completion"), "right"),
        (N_("Timeliness"), "right"),
        (N_("On time / late / missing"), "center"),
        (N_("Notices"), "right"),
        (N_("Score"), "right"),
        (N_("Grade"), "left"),
    ]
    table = _table(title, caption, columns=columns, compact=not wide)
    for index, result in enumerate(results):
        unit = plan.unit(result.unit)
        assert unit is not None
        if not wide and (index == 0 or results[index - 1].group != result.group) and result.group != "all":
            table.add_row("", Text(_group_name(result.group), style="bold"))
        table.add_row(
            str(result.rank),
            (unit.display_name(lang)),
            *([label(result.kind)] if wide else []),
            percent(result.completion, 1),
            percent(result.timeliness, 1),
            f"{result.reports_on_time}/{result.reports_late}/{result.reports_missing}",
            str(result.notices) if result.notices else "",
            f"{result.score:.2f}",
            _text(
                plan.assessment.display_grade(result.grade, lang) + (BEYOND_QUOTA_MARK if result.beyond_quota else ""),
                style=_grade_style(plan, result.grade),
            ),
        )
    console().print(table)


GROUP_NAMES = {"town": N_("Towns"), "subdistrict": N_("Sub-districts"), "department": N_("Departments")}


def _group_name(group: str) -> str:
    """A group of units (a ranking group, the plan's kinds) as a heading: "Towns"; a group it does not name as is."""
    return t(GROUP_NAMES[group]) if group in GROUP_NAMES else label(group)


def _joined(items: Iterable[str]) -> str:
    """Items of a list in a sentence: "a, b" in English, "a、b" in Chinese."""
    return tp("list separator", ", ").join(items)


def _part_name(part: str) -> str:
    """A part of the score a tie-break compares (SPEC §15), as `assess --unit` names it."""
    names = {
        "completion": tp("tie_break", "completion"),
        "timeliness": tp("tie_break", "timeliness"),
        "notices": tp("tie_break", "notices"),
    }
    return names.get(part, part)


def _tie_lines(plan: Plan, tie: Tie, rank: int) -> list[str]:
    """How the tie-break ordered the units sharing a rounded score (SPEC §15, §18)."""
    parts = _joined(_part_name(part) for part in tie.tie_break)
    others = len(tie.units) - 1
    if len({u.rank for u in tie.units}) > 1:
        head = tn(
            "rank {rank}: tied at {score} with {count} other unit, ordered by the tie-break ({parts})",
            "rank {rank}: tied at {score} with {count} other units, ordered by the tie-break ({parts})",
            count=others,
            rank=rank,
            score=f"{tie.score:.2f}",
            parts=parts,
        )
    else:
        head = tn(
            "rank {rank}: tied at {score} with {count} other unit, equal on every part of the tie-break ({parts}): "
            "they share the rank",
            "rank {rank}: tied at {score} with {count} other units, equal on every part of the tie-break ({parts}): "
            "they share the rank",
            count=others,
            rank=rank,
            score=f"{tie.score:.2f}",
            parts=parts,
        )
    values = {
        "completion": lambda u: t("completion {value}", value=f"{u.completion:.4f}"),
        "timeliness": lambda u: t("timeliness {value}", value=f"{u.timeliness:.4f}"),
        "notices": lambda u: tn("{count} notice", "{count} notices", count=u.notices),
    }
    lines = [head]
    for unit in tie.units:
        shown = _joined(values[part](unit) for part in tie.tie_break)
        lines.append(f"  #{unit.rank} {_unit_name(plan, unit.unit, unit.unit_name)}: {shown}")
    return lines


AFTER_THE_FACT_SHOWN = 10


def _rule_words(plan: Plan, target: Target, item: Contribution) -> str:
    """The scoring rule an assignment's points came from, in words."""
    if item.rule == "late_milestone":
        return t("done after its due date: {share} of its points", share=percent(1 - plan.assessment.late_milestone))
    if item.rule == "scoring" and target.scoring is not None:
        return t(
            "{points} points off per {per} short; short {shortfall}",
            points=number(target.scoring.points),
            per=number(target.scoring.per),
            shortfall=number(item.shortfall or 0.0),
        )
    return t("linear in progress")


def assessment_explained(
    plan: Plan,
    result: UnitAssessment | None,
    contributions: Sequence[Contribution],
    months: Mapping[str, str],
    notices: Sequence[NoticeNaming],
    after_the_fact: Sequence[HistoryEntry] = (),
    vetoes: Sequence[Veto] = (),
    title: str | None = None,
    tie: Tie | None = None,
    quota: QuotaExceeded | None = None,
) -> None:
    """Why a unit scored what it did: each assignment's points and rule, each month's report, each notice,
    each adjustment and veto with its basis, the entries filed after the fact it counted, and how its rank
    and grade came out of a tie (SPEC §15)."""
    out = console()
    if result is None:
        info(t("this unit has no assignment: it supports only and is not assessed"))
        return
    lang = language()
    unit = plan.unit(result.unit)
    assert unit is not None
    settings = plan.assessment
    grade = plan.assessment.display_grade(result.grade, lang)
    if title:
        out.print(_text(title, style="dim"))
    out.print(_text(f"{unit.display_name(lang)}: {result.score:.2f} {grade} (#{result.rank})", style="bold"))
    bonus = sum(a.points for a in result.adjustments if a.points > 0)
    deduction = -sum(a.points for a in result.adjustments if a.points < 0)
    if bonus or deduction or result.notice_points != settings.notice_penalty * result.notices:
        # SPEC §11: the notice penalty after its cap, bonuses and deductions each after theirs
        out.print(
            t(
                "score = {completion_points} × completion {completion} + {timeliness_points} × timeliness "
                "{timeliness} − notices {notice_points} + bonus {bonus} − deduction {deduction} = {score}",
                completion_points=number(settings.completion_points),
                completion=f"{result.completion:.4f}",
                timeliness_points=number(settings.timeliness_points),
                timeliness=f"{result.timeliness:.4f}",
                notice_points=number(result.notice_points),
                bonus=number(bonus if settings.bonus_cap is None else min(bonus, settings.bonus_cap)),
                deduction=number(
                    deduction if settings.deduction_cap is None else min(deduction, settings.deduction_cap)
                ),
                score=f"{result.score:.2f}",
            )
        )
    else:
        out.print(
            tn(
                "score = {completion_points} × completion {completion} + "
                "{timeliness_points} × timeliness {timeliness} − {penalty} × {count} "
                "notice = {score}",
                "score = {completion_points} × completion {completion} + "
                "{timeliness_points} × timeliness {timeliness} − {penalty} × {count} "
                "notices = {score}",
                completion_points=number(settings.completion_points),
                completion=f"{result.completion:.4f}",
                timeliness_points=number(settings.timeliness_points),
                timeliness=f"{result.timeliness:.4f}",
                penalty=number(settings.notice_penalty),
                count=result.notices,
                score=f"{result.score:.2f}",
            )
        )
    months_counted = result.reports_on_time + result.reports_late + result.reports_missing
    if settings.late_report_share and months_counted:
        # SPEC §15: a late month keeps a share of its timeliness
        out.print(
            tn(
                "timeliness = ({on_time} on time + {share} × {late} late) / {count} month = {timeliness}",
                "timeliness = ({on_time} on time + {share} × {late} late) / {count} months = {timeliness}",
                count=months_counted,
                on_time=result.reports_on_time,
                share=number(settings.late_report_share),
                late=result.reports_late,
                timeliness=f"{result.timeliness:.4f}",
            )
        )
    if tie is not None:
        for line in _tie_lines(plan, tie, result.rank):
            out.print(_text(line))
    if quota is not None:
        out.print(
            _text(
                t(
                    "{grade} kept beyond its quota: {quota} of the group's {size} units allows {limit}, but rank "
                    "{rank} at the limit is shared and each of its units keeps the grade (quota_ties: keep); "
                    "{holders} units hold it",
                    grade=settings.display_grade(quota.grade, lang),
                    quota=percent(quota.quota),
                    size=quota.group_size,
                    limit=quota.limit,
                    rank=result.rank,
                    holders=quota.holders,
                ),
                style="bold",
            )
        )
    table = _table(
        t("Completion: each assignment's points"),
        columns=[
            (N_("Target"), "left"),
            (N_("Title"), "left"),
            (N_("Weight"), "right"),
            (N_("Progress"), "right"),
            (N_("Counted"), "right"),
            (N_("Points"), "right"),
            (N_("Rule"), "left"),
        ],
    )
    for item in contributions:
        target = plan.target(item.target)
        assert target is not None
        table.add_row(
            item.target,
            (target.display_title(lang)),
            number(item.weight),
            percent(item.progress, 1),
            percent(item.counted, 1),
            f"{item.points:.2f} / {item.target_points:.2f}",
            _rule_words(plan, target, item),
        )
    out.print(table)
    grid = _table(t("Monthly reports"))
    for month in months:
        grid.add_column(f"{month_of(month):02d}", justify="center")
    grid.add_row(*(Text(FILINGS_MARKS[s], style=STATUS_STYLES[s]) for s in months.values()))
    out.print(grid)
    settings = plan.assessment
    if result.notice_points and settings.notice_penalty_cap is not None:
        out.print(
            t(
                "notice points: {points} (capped at {cap})",
                points=number(result.notice_points),
                cap=number(settings.notice_penalty_cap),
            )
        )
    for adjustment in result.adjustments:
        out.print(
            t(
                "adjustment #{id}: {points} for {item} (basis: {basis})",
                id=adjustment.id,
                points=f"{adjustment.points:+g}",
                item=adjustment.item,
                basis=adjustment.basis,
            )
        )
    for veto in vetoes:
        out.print(
            Text(
                t(
                    "vetoed (#{id}): {reason}; grade {grade}",
                    id=veto.id,
                    reason=veto.reason,
                    grade=plan.assessment.display_grade(settings.vetoed_grade, lang),
                ),
                style="bold red",
            )
        )
    for notice in notices:
        out.print(
            tn(
                "named in notice {number} for {month} (its first notice this year)",
                "named in notice {number} for {month} (its notice {count} this year)",
                number=notice.document_number,
                month=notice.evaluation_month,
                count=notice.count_this_year,
            )
        )
    if after_the_fact:
        out.print(
            tn(
                "counted: {count} entry filed after the fact or as a catch-up report",
                "counted: {count} entries filed after the fact or as catch-up reports",
                count=len(after_the_fact),
            )
        )
        for row in after_the_fact[:AFTER_THE_FACT_SHOWN]:
            out.print(
                Text(f"  #{row.id} {row.target} {row.period} {row.reported_at[:10]}: " + entry_marks(row), style="dim")
            )
        if len(after_the_fact) > AFTER_THE_FACT_SHOWN:
            out.print(
                Text(
                    t(
                        "  ... and {count} more: `ecotrack history --unit {unit}`",
                        count=len(after_the_fact) - AFTER_THE_FACT_SHOWN,
                        unit=result.unit,
                    ),
                    style="dim",
                )
            )


def totals_table(plan: Plan, totals: Sequence[TargetTotal], title: str) -> None:
    """District totals (逐级汇总): per target, the sums over its units (a rate's mean, a milestone's count)."""
    lang = language()
    table = _table(
        title,
        t("sums over the units; a rate is their mean, a milestone counts those done"),
        [
            (N_("Target"), "left"),
            (N_("Title"), "left"),
            (N_("Amount"), "right"),
            (N_("Actual"), "right"),
            (N_("Expected"), "right"),
            (N_("Units"), "right"),
        ],
        compact=console().width < WIDE_TABLE,
    )
    for total in totals:
        target = plan.target(total.target)
        title_shown = target.display_title(lang) if target else total.target_title
        measure = "" if total.aggregate == "count" else (target.display_measure(lang) if target else total.measure)
        table.add_row(
            total.target,
            _text(title_shown),
            *(amount(value, measure) for value in (total.amount, total.actual, total.expected)),
            str(total.units),
        )
    console().print(table)


SPARKS = "▁▂▃▄▅▆▇█"


def trajectory_lines(plan: Plan, trajectory: Trajectory) -> None:
    """A small trajectory in the terminal: the expected level and the level filed, month by month."""
    low = min([trajectory.baseline, trajectory.amount, *(v for _, v in trajectory.filed)])
    high = max([trajectory.baseline, trajectory.amount, *(v for _, v in trajectory.filed)])
    span = (high - low) or 1.0

    def spark(value: float | None) -> str:
        if value is None:
            return " "
        return SPARKS[min(len(SPARKS) - 1, int((value - low) / span * (len(SPARKS) - 1) + 0.5))]

    filed = dict(trajectory.filed)
    expected = dict(trajectory.expected)
    months = range(1, 13)
    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right")
    for _ in months:
        grid.add_column(justify="center")
    grid.add_row("", *(f"{m:02d}" for m in months))
    grid.add_row(t("expected"), *(spark(expected.get(m)) for m in months))
    grid.add_row(t("filed"), *(spark(filed.get(m)) for m in months), style="bold")
    console().print(grid)


# The 亮灯 board: each light in its colour and by its word (never colour alone), a rank's move as an arrow.
LIGHT_STYLES = {"green": "bold green", "yellow": "bold yellow", "red": "bold red"}
LIGHT_MARK = "●"


def light_text(colour: str | None, rank: int | None = None) -> Text:
    """A light as a coloured mark and its word, with the rank it had when given; nothing without a light."""
    if colour is None:
        return Text("")
    shown = f"{LIGHT_MARK} {label(colour)}" + (f" ({rank})" if rank is not None else "")
    return Text(shown, style=LIGHT_STYLES.get(colour, ""))


def rank_move(change: int | None) -> tuple[str, str]:
    """A rank's move since the month before as an arrow and the places (↑2, ↓1, → unchanged), and the style it is
    shown in; no arrow without a previous rank."""
    if change is None:
        return "", ""
    if change > 0:
        return f"↑{change}", "green"
    if change < 0:
        return f"↓{-change}", "red"
    return "→", "dim"


def light_reasons(light: BoardLight) -> str:
    """What lit a unit's light, in words: behind and at-risk targets, reports missing, the month's report late."""
    parts = []
    if light.behind:
        parts.append(t("behind: {targets}", targets=_joined(light.behind)))
    if light.missing_reports:
        parts.append(t("reports missing: {months}", months=_joined(light.missing_reports)))
    if light.at_risk:
        parts.append(t("at risk: {targets}", targets=_joined(light.at_risk)))
    if light.late:
        parts.append(t("the month's report late"))
    return tp("list separator", "; ").join(parts)


def board_table(plan: Plan, board: Board) -> None:
    """`status --board`: per ranking group, each unit's rank and its move, its light now and the month before, its
    score and what lit it."""
    if board.previous_as_of is not None:
        title = t(
            "The board as of {as_of} (evaluation month {month}), against {previous_as_of} ({previous_month})",
            as_of=board.as_of.isoformat(),
            month=board.evaluation_month,
            previous_as_of=board.previous_as_of.isoformat(),
            previous_month=board.previous_month or "",
        )
    else:
        title = t(
            "The board as of {as_of} (evaluation month {month})",
            as_of=board.as_of.isoformat(),
            month=board.evaluation_month,
        )
    table = _table(
        title,
        t(
            "red: a target behind or a report missing; yellow: a target at risk or the month's report late; green: "
            "neither. Score: done 100, on track 80, at risk 50, behind 0, averaged; 10 off a missing report, 5 off a "
            "late one. Ranked by light, then score; ↑↓ places moved since the month before."
        ),
        [
            (N_("Group"), "left"),
            (N_("Rank"), "right"),
            (N_("Move"), "left"),
            (N_("Unit"), "left"),
            (N_("Light"), "left"),
            (N_("Month before"), "left"),
            (N_("Score"), "right"),
            (N_("Why"), "left"),
        ],
        compact=console().width < WIDE_TABLE,
    )
    groups = [row.now.group for row in board.rows]
    for index, row in enumerate(board.rows):
        now, before = row.now, row.previous
        move, style = rank_move(row.change)
        first = index == 0 or groups[index - 1] != now.group
        table.add_row(
            label(now.group) if first else "",
            str(now.rank),
            Text(move, style=style),
            _unit_name(plan, now.unit, now.unit_name),
            light_text(now.colour),
            light_text(before.colour, before.rank) if before else Text(""),
            number(now.score),
            _text(light_reasons(now)),
            end_section=index + 1 == len(groups) or groups[index + 1] != now.group,
        )
    console().print(table)
