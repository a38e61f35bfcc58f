"""Options shared by several commands, defined once (huggingface_hub's `_cli_utils` style)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

import typer

from ecotrack.cli import complete
from ecotrack.errors import BadInput
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
    from ecotrack.filing import NOTE_MAX_LENGTH, EntryError, check_text

    try:
        return check_text(text.strip(), option, NOTE_MAX_LENGTH, multiline=True)
    except EntryError as bad:
        raise BadInput(str(bad)) from None


def parse_day(text: str, option: str) -> date:
    """A YYYY-MM-DD option value, or a clear error naming the option."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(t("{option} '{text}' is not a date like 2012-07-06", option=option, text=text)) from None


def as_of_date(text: str | None) -> date:
    """`--as-of`, defaulting to today (the CLI is the only layer that reads the clock)."""
    return parse_day(text, "--as-of") if text is not None else date.today()
