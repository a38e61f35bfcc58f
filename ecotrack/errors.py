"""The one family of errors ecotrack reports to users, each with its exit code (SPEC §7)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes scripts rely on (SPEC §7)."""

    OK = 0
    REFUSED = 1  # refused or failed; also `overdue --exit-code` finding units
    BAD_INPUT = 2  # options, plan file, entries, import rows


class EcotrackError(Exception):
    """An error a user can act on: printed as `error: …` lines, never as a traceback."""

    exit_code: ExitCode = ExitCode.REFUSED

    def __init__(self, message: str, *, details: list[str] | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []
        self.hint = hint

    def lines(self) -> list[str]:
        """The lines to print after `error: `: the message, then one line per detail."""
        return [self.message, *self.details]


class BadInput(EcotrackError):
    """Bad options, plan file, entries or import rows; nothing was changed."""

    exit_code = ExitCode.BAD_INPUT


class PlanInvalid(BadInput):
    """A plan file breaks the rules of SPEC §3; `problems` are `FILE:LINE:COLUMN: message` lines."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0], details=problems[1:])
        self.problems = problems

    def lines(self) -> list[str]:
        return list(self.problems)


class ImportInvalid(BadInput):
    """An import file with bad rows: every bad row is named, nothing is imported."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message, details=problems)
        self.problems = problems

    def lines(self) -> list[str]:
        """Each bad row, then the summary: what a terminal leaves on screen last is the verdict."""
        return [*self.problems, self.message]


class Refused(EcotrackError):
    """The request is well-formed but would break a rule (a duplicate notice, dropping filed data)."""


class DatabaseUnavailable(EcotrackError):
    """The database cannot be reached, written, or is of a version this ecotrack does not know."""
