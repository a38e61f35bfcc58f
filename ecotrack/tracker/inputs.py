"""What a user types, read into values the tracker takes: months, levels, remarks, files to attach and the
forms to import. Each reading refuses bad input as `BadInput`, naming the option it came from; the rules of
what is acceptable are `ecotrack.filing`'s (SPEC §4), one definition for `report`, `import` and the forms."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ecotrack.cells import escaped
from ecotrack.errors import BadInput
from ecotrack.filing import (
    ATTACHMENT_NAME_MAX_LENGTH,
    MAX_ATTACHMENT_BYTES,
    NOTE_MAX_LENGTH,
    EntryError,
    NewEntry,
    check_text,
    parse_period,
    parse_value,
)
from ecotrack.i18n import t
from ecotrack.notices import Editorial

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from ecotrack.imports import SourceFile

__all__ = ["Editorial", "NewEntry", "open_form", "read_attachments", "read_period", "read_remark", "read_value"]


def _refused(bad: EntryError, option: str | None) -> BadInput:
    return BadInput(f"{option}: {bad}" if option else str(bad))


def read_period(text: str, option: str | None = None) -> tuple[int, int]:
    """A month as typed (`2012-03`, `2012/3`, `2012年3月`): its year and month."""
    try:
        return parse_period(text)
    except EntryError as bad:
        raise _refused(bad, option) from None


def read_value(text: str, option: str | None = None) -> float:
    """A level as a person types it: a plain decimal number of 0 or more."""
    try:
        return parse_value(text)
    except EntryError as bad:
        raise _refused(bad, option) from None


def read_remark(text: str, option: str) -> str:
    """A reason, note or text typed for the record: trimmed, within its length, free of control characters."""
    try:
        return check_text(text.strip(), option, NOTE_MAX_LENGTH, multiline=True)
    except EntryError as bad:
        raise BadInput(str(bad)) from None


def read_attachments(paths: list[Path] | None) -> list[tuple[str, bytes]]:
    """The files to attach, by name and content; refused when one is missing, larger than 20 MiB (an
    attachment is evidence, a photograph or a scanned letter, not an archive) or named with control
    characters (which would reach every terminal that lists it)."""
    files = []
    for path in paths or []:
        try:
            size = path.stat().st_size
            if not path.is_file():
                raise BadInput(t("--attach {path}: not a file", path=path))
            if size > MAX_ATTACHMENT_BYTES:
                raise BadInput(
                    t(
                        "--attach {path} is {size} MiB; an attachment may be at most 20 MiB",
                        path=path,
                        size=f"{size / 1024 / 1024:.1f}",
                    )
                )
            content = path.read_bytes()
        except OSError as failure:
            raise BadInput(t("--attach {path}: {reason}", path=path, reason=failure.strerror or failure)) from None
        if len(content) > MAX_ATTACHMENT_BYTES:  # grown since it was measured
            raise BadInput(t("--attach {path}: an attachment may be at most 20 MiB", path=path))
        try:
            name = check_text(path.name, t("the file name"), ATTACHMENT_NAME_MAX_LENGTH)
        except EntryError as bad:
            raise BadInput(
                t("--attach {path}: {reason}; rename the file", path=escaped(str(path)), reason=bad)
            ) from None
        files.append((name, content))
    return files


def open_form(path: Path, shown: str, encoding: str | None) -> AbstractContextManager[SourceFile]:
    """A monthly form (CSV or XLSX) opened for `import`, its rows read as they are checked."""
    from ecotrack.imports import open_source

    return open_source(path, shown, encoding)
