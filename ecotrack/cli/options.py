"""Options shared by several commands, defined once (huggingface_hub's `_cli_utils` style)."""

from __future__ import annotations

import stat
import sys
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ecotrack.cli import complete
from ecotrack.errors import BadInput, Refused
from ecotrack.i18n import N_, t


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


FormatOpt = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", case_sensitive=False, help=N_("table for people; json or csv for scripts.")),
]
NoBomOpt = Annotated[bool, typer.Option("--no-bom", help=N_("CSV without the byte-order mark (for scripts)."))]
AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", metavar="YYYY-MM-DD", help=N_("Evaluate as of this date (default: today)."))
]
UnitOpt = Annotated[
    str | None,
    typer.Option("--unit", "-u", metavar="UNIT", help=N_("A unit code, e.g. qingshan."), autocompletion=complete.units),
]
TargetOpt = Annotated[
    str | None,
    typer.Option(
        "--target", "-t", metavar="TARGET", help=N_("A target code, e.g. 1.1."), autocompletion=complete.targets
    ),
]
PeriodOpt = Annotated[str | None, typer.Option("--period", "-p", metavar="YYYY-MM", help=N_("The month reported."))]


def remark(text: str, option: str) -> str:
    """A reason, note or text typed for the record: trimmed, within its length, free of control characters."""
    from ecotrack.tracker.inputs import read_remark

    return read_remark(text, option)


AttachOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--attach", "-a", metavar="FILE", help=N_("A file to keep with it (20 MiB at most); repeat for more.")
    ),
]


def read_attachments(paths: list[Path] | None) -> list[tuple[str, bytes]]:
    """The files of `--attach`, read (the rules are the tracker's)."""
    from ecotrack.tracker.inputs import read_attachments as read

    return read(paths)


YesOpt = Annotated[
    bool,
    typer.Option(
        "--yes", "-y", envvar="ECOTRACK_YES", help=N_("Record it without asking (for scripts; it cannot be undone).")
    ),
]


QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help=N_("No progress bar on the terminal while it works."))]


def can_ask() -> bool:
    """Whether there is a person to ask: a terminal to read the answer from and to show the question on."""
    return sys.stdin.isatty() and sys.stderr.isatty()


def confirmed(question: str, yes: bool) -> None:
    """An act that cannot be undone asks first on a terminal (`--yes` answers for scripts); without a terminal and
    without `--yes` it is refused as bad input, and nothing is recorded (issue 37, as `gh` does)."""
    if yes:
        return
    if not can_ask():
        raise BadInput(
            t(
                "{question} It cannot be undone: give --yes to record it (there is no terminal to ask)",
                question=question,
            )
        )
    if not typer.confirm(question, default=False, err=True):
        raise Refused(t("not recorded: nothing was changed"))


def required_remark(text: str, option: str) -> str:
    """`remark`, which may not be left empty."""
    cleaned = remark(text, option)
    if not cleaned:
        raise BadInput(t("{option} is required", option=option))
    return cleaned


# The days a date option may name: the plan years' range (1900-2100, SPEC §3) and the year after the last,
# when its assessment is run. Beyond it a date is a typing slip, and date arithmetic would overflow.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2101, 12, 31)
# An id or a number in the year as the database keeps it (a 32-bit integer on PostgreSQL).
LARGEST_ID = 2**31 - 1
ID_RANGE = {"min": 1, "max": LARGEST_ID}


def parse_day(text: str, option: str) -> date:
    """A YYYY-MM-DD option value within FIRST_DAY..LAST_DAY, or a clear error naming the option. A time or a
    UTC offset is refused rather than read: converted to local time it could move the day (issue 31)."""
    cleaned = text.strip()
    try:
        day = date.fromisoformat(cleaned)
    except ValueError:
        try:
            datetime.fromisoformat(cleaned.replace("Z", "+00:00"))
        except ValueError:
            raise BadInput(t("{option} '{text}' is not a date like 2012-07-06", option=option, text=text)) from None
        raise BadInput(
            t(
                "{option} '{text}' has a time of day or a UTC offset: give the day only, like 2012-07-06",
                option=option,
                text=text,
            )
        ) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise BadInput(
            t(
                "{option} {day} is out of range: give a day from {first} to {last}",
                option=option,
                day=day.isoformat(),
                first=FIRST_DAY.isoformat(),
                last=LAST_DAY.isoformat(),
            )
        )
    return day


def as_of_date(text: str | None) -> date:
    """`--as-of`, defaulting to today (the CLI is the only layer that reads the clock)."""
    return parse_day(text, "--as-of") if text is not None else date.today()


OnOpt = Annotated[
    str | None, typer.Option("--on", metavar="YYYY-MM-DD", help=N_("The day it was done, for paper (default: today)."))
]


def done_on(on: str | None) -> date:
    """`--on`, the day an act was done (a decision taken on paper at a meeting): a day that has come, default
    today."""
    if on is None:
        return date.today()
    day = parse_day(on, "--on")
    if day > date.today():
        raise BadInput(t("--on {day} is in the future", day=day.isoformat()))
    return day


def parse_moment(text: str, option: str) -> datetime:
    """A local day, or day and time, like 2012-07-06 or 2012-07-06T09:30 (a paper report's, SPEC §9), within
    FIRST_DAY..LAST_DAY. One with a UTC offset is refused: converted to local time it could move the day
    (issue 31); the import's reported_at column, written by other systems, still converts (SPEC §4)."""
    cleaned = text.strip()
    try:
        moment = datetime.fromisoformat(cleaned.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(
            t("{option} '{text}' is not a date like 2012-07-06 (or 2012-07-06T09:30)", option=option, text=text)
        ) from None
    if moment.tzinfo is not None:
        raise BadInput(
            t(
                "{option} '{text}' has a UTC offset, which could move the day: give the local day (and time)",
                option=option,
                text=text,
            )
        )
    parse_day(moment.date().isoformat(), option)  # within range
    return moment


def writable_place(value: Path | None) -> Path | None:
    """An `--out` FILE or DIR (a Typer callback): ecotrack writes regular files and folders only. A file is
    written beside its name and renamed onto it, which would replace a device such as /dev/null for good, and
    a pipe or socket is no file to keep."""
    if value is None:
        return None
    try:
        mode = value.stat().st_mode
    except OSError:  # not there yet (or unreadable): writing it says what is wrong
        return value
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return value
    raise BadInput(
        t("--out {path} is a device, a pipe or a socket: ecotrack writes only files and folders", path=value)
    )
