"""What makes a progress entry acceptable (SPEC §4), for `report` and `import` alike.

Parsing the text a clerk typed (periods, values, dates) and checking an entry against the plan are
pure functions: the caller passes the plan, the current time and the levels already filed.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from ecotrack.i18n import did_you_mean, t, tn
from ecotrack.plan import Assignment, Plan, Target, period_label
from ecotrack.rules import EPSILON, Periods, is_backdated, latest_value, progress

NOTE_MAX_LENGTH = 2000
NAME_MAX_LENGTH = 100
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024  # SPEC §10: 20 MiB each at most
ATTACHMENT_NAME_MAX_LENGTH = 255  # a file's name, as file systems allow it
_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d*)?$")
# What a person types for a level: digits with an optional decimal part. Python's float() would also
# take `1_0` (as 10), `1e308`, `inf` and `nan`, none of which a clerk means.
_SIMPLE_DECIMAL = re.compile(r"[0-9]{1,15}(\.[0-9]{1,15})?\Z")
_PLAIN_DECIMAL = re.compile(r"^\+?(\d+(\.\d*)?|\.\d+)$")
# A level this many times the amount (or a reduction's baseline) is filed, with a warning: a slip of
# the keyboard (150 typed 1500) more often than a real result.
FAR_BEYOND_FACTOR = 10
# Room for the sums and percentages computed from a level: beyond it a derived number could overflow.
LARGEST_VALUE = 1e15
_PERIOD = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*$")


class EntryError(ValueError):
    """One thing wrong with one entry; the message names the value and says what is expected."""


@dataclass(frozen=True)
class NewEntry:
    """An entry checked and ready to store."""

    unit: str
    target: str
    period: str  # YYYY-MM
    value: float
    note: str
    reported_by: str
    reported_at: datetime  # naive local time
    reason: str = ""  # why a backdated entry or a 补报 is filed after the fact (SPEC §9)


# An entry's fields in `NewEntry`'s order (unit, target, period, value, note, reported_by, reported_at, reason):
# how a batch of checked entries hands them on without making an object of each.
EntryFields = tuple[str, str, str, float, str, str, datetime, str]


@runtime_checkable
class EntryColumns(Protocol):
    """Checked entries held by column (an import's): what filing them reads, without an object per entry."""

    def units(self) -> set[str]: ...
    def period_reasons(self) -> dict[str, bool]: ...
    def fields(self) -> Iterator[EntryFields]: ...


def entry_fields(entries: Sequence[NewEntry]) -> Iterator[EntryFields]:
    """The entries' fields, in order."""
    if isinstance(entries, EntryColumns):
        return entries.fields()
    return ((e.unit, e.target, e.period, e.value, e.note, e.reported_by, e.reported_at, e.reason) for e in entries)


def entry_units(entries: Sequence[NewEntry]) -> set[str]:
    """The units the entries are for."""
    return entries.units() if isinstance(entries, EntryColumns) else {entry.unit for entry in entries}


def period_reasons(entries: Sequence[NewEntry | NewNote]) -> dict[str, bool]:
    """Each period the entries (or notes) are for, and whether every one of them for it gives a reason."""
    if isinstance(entries, EntryColumns):
        return entries.period_reasons()
    periods: dict[str, bool] = {}
    for entry in entries:
        periods[entry.period] = periods.get(entry.period, True) and bool(entry.reason)
    return periods


@dataclass(frozen=True)
class NewNote:
    """A supporting unit's monthly note (SPEC §17), checked and ready to store: text, no value."""

    unit: str
    target: str
    period: str  # YYYY-MM
    text: str
    reported_by: str
    reported_at: datetime  # naive local time
    reason: str = ""


def parse_period(text: str) -> tuple[int, int]:
    """`2012-03` (also `2012-3`, `2012/03`, `2012年3月`) as (year, month)."""
    match = _PERIOD.match(text)
    if not match:
        raise EntryError(t("period '{text}' is not a month like 2012-03", text=text))
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise EntryError(t("period '{text}': the month must be 1 to 12", text=text))
    return year, month


def parse_value(text: str) -> float:
    """A number ≥ 0 in plain decimal notation (`1e5`, `1_0`, `nan` and `-3` are refused).

    Full-width digits (１２) from a Chinese input method read as the digits they are.
    """
    if _SIMPLE_DECIMAL.match(text):  # most values: what the general path below would give, sooner
        return check_number(float(text), text)
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if _THOUSANDS.match(cleaned):  # 1,200.5; but never 1,5 (a decimal comma), which is refused
        cleaned = cleaned.replace(",", "")
    if cleaned.startswith("-") and _PLAIN_DECIMAL.match(cleaned[1:]):
        if float(cleaned[1:]) == 0:  # -0 is nought, typed with a stray sign
            return 0.0
        raise EntryError(t("value '{text}' is negative; a level is 0 or more", text=text))
    if not _PLAIN_DECIMAL.match(cleaned):
        raise EntryError(t("value '{text}' is not a plain decimal number (like 12 or 3.5)", text=text))
    return check_number(float(cleaned), text)


def check_number(value: float, shown: str) -> float:
    """A level read from a spreadsheet's number cell, or parsed: finite, ≥ 0, and not absurdly large."""
    if not math.isfinite(value):
        raise EntryError(t("value '{text}' is not a finite number", text=shown))
    if value < 0:
        raise EntryError(t("value '{text}' is negative; a level is 0 or more", text=shown))
    if value > LARGEST_VALUE:
        raise EntryError(t("value '{text}' is too large (at most {limit})", text=shown, limit=f"{LARGEST_VALUE:,.0f}"))
    return value + 0.0  # never -0.0


def parse_reported_at(text: str) -> datetime:
    """An ISO date or date-time; one with a UTC offset is converted to local time (SPEC §4)."""
    cleaned = text.strip()
    try:
        moment = datetime.fromisoformat(cleaned.replace("Z", "+00:00"))
    except ValueError:
        raise EntryError(
            t("reported_at '{text}' is not a date like 2012-07-03 (or 2012-07-03T09:30)", text=text)
        ) from None
    try:
        return local_time(moment)
    except (OverflowError, ValueError):  # 0001-01-01 with an offset has no local time
        raise EntryError(t("reported_at '{text}' is out of range", text=text)) from None


def local_time(moment: datetime) -> datetime:
    """A naive local date-time: aware values are converted to the local zone first."""
    if moment.tzinfo is not None:
        return moment.astimezone().replace(tzinfo=None)
    return moment


def check_text(text: str, field: str, limit: int, *, multiline: bool = False) -> str:
    """Text for the record: within its length, and free of control characters (a note may keep tabs and
    line breaks), which would break spreadsheets and reach terminals as escape sequences."""
    if len(text) > limit:
        raise EntryError(
            tn(
                "{field} is {count} character long; at most {limit} are kept",
                "{field} is {count} characters long; at most {limit} are kept",
                field=field,
                limit=limit,
                count=len(text),
            )
        )
    if not (_FORBIDDEN_IN_NOTES if multiline else _FORBIDDEN).search(text):
        return text  # the common case, without looking at each character in Python
    allowed = "\t\n\r" if multiline else ""
    for character in text:
        if is_control(character) and character not in allowed:
            raise EntryError(
                t(
                    "{field} contains the control character {code}, which is not allowed",
                    field=field,
                    code=f"U+{ord(character):04X}",
                )
            )
    return text


def is_control(character: str) -> bool:
    """C0 and C1 controls, DEL, and the invisible format characters that reorder or hide text."""
    return unicodedata.category(character) == "Cc" or character in _INVISIBLE


# bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069): they make a text read otherwise
_INVISIBLE = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# what `is_control` finds, as one search: category Cc is U+0000–U+001F and U+007F–U+009F
_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_FORBIDDEN_IN_NOTES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def check_entry(
    plan: Plan,
    unit: str,
    target_code: str,
    period: tuple[int, int],
    value: float,
    reported_at: datetime,
    now: datetime,
) -> tuple[Target, Assignment]:
    """Check one entry against the plan; give back its target and assignment, or raise `EntryError`."""
    target, assignment = assignment_of(plan, unit, target_code)
    check_period(plan, period, reported_at, now)
    check_value(target, assignment, value)
    return target, assignment


def assignment_of(plan: Plan, unit: str, target_code: str) -> tuple[Target, Assignment]:
    """The target and assignment an entry of `unit` for `target_code` files onto, or `EntryError`: the unit
    and target are the plan's, and the unit is assigned the target (not only supporting it)."""
    if plan.unit(unit) is None:
        raise EntryError(
            t("unknown unit '{unit}' in the {year} plan", unit=unit, year=plan.year)
            + did_you_mean(unit, [u.code for u in plan.units])
        )
    target = plan.target(target_code)
    if target is None:
        # suggest only what the unit reports: a close code of another unit's target would mislead
        codes = [known.code for known, _ in plan.assignments_of(unit)]
        raise EntryError(t("unknown target '{target}'", target=target_code) + did_you_mean(target_code, codes))
    assignment = target.assignment(unit)
    if assignment is None:
        if unit in target.support:
            raise EntryError(
                t("{unit} only supports target {target}; its lead units report it", unit=unit, target=target_code)
            )
        raise EntryError(t("{unit} is not assigned target {target}", unit=unit, target=target_code))
    return target, assignment


def check_value(target: Target, assignment: Assignment, value: float) -> None:
    """SPEC §4: a milestone's value is 1 (done) or 0 (not done), and every value gives a finite progress."""
    if target.is_milestone and value not in (0.0, 1.0):
        raise EntryError(t("a milestone is 1 (done) or 0 (not done), not {value}", value=f"{value:g}"))
    if not math.isfinite(progress(target, assignment, value) * 100):
        raise EntryError(
            t(
                "value {value} for target {target} gives a progress that is not a finite number",
                value=f"{value:g}",
                target=target.code,
            )
        )


def check_period(plan: Plan, period: tuple[int, int], reported_at: datetime, now: datetime) -> None:
    """SPEC §4: a period of the plan year from `start_month`, not after the month reported in; a report date
    not in the future. For entries and supporting units' notes alike."""
    year, month = period
    if year != plan.year:
        raise EntryError(
            t("period {period} is outside the plan year {year}", period=period_label(year, month), year=plan.year)
        )
    if month < plan.start_month:
        raise EntryError(
            t(
                "period {period} is before the first reporting month ({start})",
                period=period_label(year, month),
                start=plan.start_month,
            )
        )
    if reported_at > now:
        raise EntryError(t("reported_at {reported_at} is in the future", reported_at=reported_at.isoformat(sep=" ")))
    if (year, month) > (reported_at.year, reported_at.month):
        raise EntryError(
            t(
                "period {period} has not begun by the report date {reported_on}",
                period=period_label(year, month),
                reported_on=reported_at.date().isoformat(),
            )
        )


def far_beyond(target: Target, assignment: Assignment, value: float) -> bool:
    """A level more than ten times the amount (or, for a reduction, the baseline it starts from)."""
    if target.is_milestone:
        return False
    reference = max(assignment.amount, target.baseline)
    return reference > 0 and value > FAR_BEYOND_FACTOR * reference


def check_reason(plan: Plan, reason: str, reported_at: datetime, now: datetime) -> str:
    """Why a report is filed after the fact, trimmed and checked: with review required, one reported more than a
    day before it is filed needs it (SPEC §9). For entries and supporting units' notes alike."""
    reason = check_text(reason.strip(), "reason", NOTE_MAX_LENGTH, multiline=True)
    if plan.review.required and not reason and is_backdated(reported_at.date(), now.date()):
        raise EntryError(
            t(
                "reported on {reported_on}, more than a day before it is filed: with review required, "
                "a report filed after the fact needs its reason (--reason, or a reason/原因 column)",
                reported_on=reported_at.date().isoformat(),
            )
        )
    return reason


def prepare_entry(
    plan: Plan,
    unit: str,
    target_code: str,
    period: tuple[int, int],
    value: float,
    note: str,
    reported_by: str,
    reported_at: datetime,
    now: datetime,
    periods: Periods,
    reason: str = "",
) -> tuple[NewEntry, list[str]]:
    """One entry checked against the plan (SPEC §4, §9), for `report` and `import` alike.

    With review required, an entry reported more than a day before `now` needs a `reason` (SPEC §9).

    `periods` holds what counts already for the unit and target, by month. The warnings say what is kept but
    looks wrong: a level falling back from the latest earlier period's, or one far beyond the amount.
    """
    target, assignment = check_entry(plan, unit, target_code, period, value, reported_at, now)
    reason = check_reason(plan, reason, reported_at, now)
    entry = NewEntry(
        unit=unit,
        target=target.code,
        period=period_label(*period),
        value=value,
        note=check_text(note, "note", NOTE_MAX_LENGTH, multiline=True),
        reported_by=check_text(reported_by, "reported_by", NAME_MAX_LENGTH),
        reported_at=reported_at,
        reason=reason,
    )
    return entry, entry_warnings(unit, target, assignment, periods, period[1], entry.period, value)


def entry_warnings(
    unit: str, target: Target, assignment: Assignment, periods: Periods, month: int, label: str, value: float
) -> list[str]:
    """What is kept but looks wrong in an entry (SPEC §4): a level falling back from the latest earlier
    period's, or one far beyond the amount; `label` is the period as filed (YYYY-MM)."""
    warnings: list[str] = []
    drifts, beyond = drifts_away(target, assignment, periods, month, value), far_beyond(target, assignment, value)
    if not (drifts or beyond):
        return warnings
    shown = {"unit": unit, "target": target.code, "period": label, "value": f"{value:g}"}
    if drifts:
        warnings.append(
            t(
                "{unit} {target} {period}: {value} is further from the amount than the "
                "last period (a slip back, or a correction?)",
                **shown,
            )
        )
    if beyond:
        reference = max(assignment.amount, target.baseline)
        warnings.append(
            t(
                "{unit} {target} {period}: {value} is more than {times}× the amount "
                "({reference}); filed, but check it is not a typing slip",
                **shown,
                times=FAR_BEYOND_FACTOR,
                reference=f"{reference:g}",
            )
        )
    return warnings


def drifts_away(target: Target, assignment: Assignment, periods: Periods, month: int, value: float) -> bool:
    """True when a level falls back from the amount compared with the latest earlier period (SPEC §4).

    "Further from the amount" is read as further back: progress that shrinks (a rate slipping back,
    a correction, a milestone undone). Going past the amount is over-fulfilment and is not warned about.
    """
    if not any(m < month for m in periods):
        return False
    previous = latest_value(target, periods, before_month=month)
    return progress(target, assignment, value) < progress(target, assignment, previous) - EPSILON


def prepare_note(
    plan: Plan,
    unit: str,
    target_code: str,
    period: tuple[int, int],
    text: str,
    reported_by: str,
    reported_at: datetime,
    now: datetime,
    reason: str = "",
) -> NewNote:
    """A supporting unit's monthly note checked against the plan (SPEC §17, §18): the plan takes notes
    (`plan.supporting_reports`), the unit supports the target, the period and report date are as an entry's,
    and the text is there, within its length and free of control characters. With review required, a note
    reported more than a day before it is filed needs its reason, as an entry does (SPEC §9)."""
    if plan.unit(unit) is None:
        raise EntryError(
            t("unknown unit '{unit}' in the {year} plan", unit=unit, year=plan.year)
            + did_you_mean(unit, [u.code for u in plan.units])
        )
    if not plan.supporting_reports:
        raise EntryError(
            t(
                "the {year} plan takes no supporting units' notes: a note needs plan.supporting_reports: true "
                "in the plan file",
                year=plan.year,
            )
        )
    target = plan.target(target_code)
    supported = [known.code for known in plan.supports_of(unit)]
    if target is None:
        raise EntryError(t("unknown target '{target}'", target=target_code) + did_you_mean(target_code, supported))
    if unit not in target.support:
        if target.assignment(unit) is not None:
            raise EntryError(
                t(
                    "{unit} leads target {target}: it reports a value (--value or --done), not a note",
                    unit=unit,
                    target=target.code,
                )
            )
        raise EntryError(
            t("{unit} does not support target {target}", unit=unit, target=target.code)
            + (t(" (it supports {targets})", targets=", ".join(supported)) if supported else "")
        )
    check_period(plan, period, reported_at, now)
    words = check_text(text.strip(), "text", NOTE_MAX_LENGTH, multiline=True)
    if not words:
        raise EntryError(
            t("the note's text is empty: say what {unit} did for target {target}", unit=unit, target=target.code)
        )
    reason = check_reason(plan, reason, reported_at, now)
    return NewNote(
        unit=unit,
        target=target.code,
        period=period_label(*period),
        text=words,
        reported_by=check_text(reported_by, "reported_by", NAME_MAX_LENGTH),
        reported_at=reported_at,
        reason=reason,
    )
