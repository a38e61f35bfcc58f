"""Reading a monthly form (CSV or XLSX) into checked entries: all rows or none (SPEC §6 `import`).

CSV bytes are decoded by their BOM, else as strict UTF-8, else as GB18030 (a superset of the GBK
that Excel writes on Chinese Windows); never with errors ignored. Headers may be English or Chinese.
Every bad row is reported by its line, and nothing is filed unless every row is good.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import zipfile
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any, BinaryIO, NamedTuple, TypeVar, overload

from ecotrack.cells import restore
from ecotrack.errors import BadInput, ImportInvalid
from ecotrack.filing import (
    LARGEST_VALUE,
    NAME_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    EntryError,
    EntryFields,
    NewEntry,
    NewNote,
    assignment_of,
    check_number,
    check_period,
    check_reason,
    check_text,
    check_value,
    entry_warnings,
    local_time,
    parse_period,
    parse_reported_at,
    parse_value,
    prepare_entry,
    prepare_note,
)
from ecotrack.i18n import N_, did_you_mean, t, tn
from ecotrack.plan import Assignment, Plan, Target, period_label
from ecotrack.rules import Filed, Ledger, file_onto

COLUMNS = ("unit", "target", "period", "value", "note", "reported_by", "reported_at", "reason")
CHINESE_COLUMNS = ("单位", "指标", "月份", "完成值", "备注", "填报人", "填报日期", "原因")
REQUIRED = ("unit", "target", "period", "value")
# Columns an import reads past: what a template adds for the clerk's eyes, and the audit columns.
INFO_COLUMNS = {
    "unit_name": "单位名称",
    "target_title": "指标名称",
    "measure": "计量单位",
    "amount": "全年目标",
    "last_period": "上次填报月份",
    "last_value": "上次填报值",
    # the audit columns of `history` and `export --table entries`, so that an export imports back
    "id": "序号",
    "superseded": "已更正",
    "filed_at": "录入时间",
    "filed_by": "录入账号",
    "corrects": "更正记录",
    "batch": "导入批次",
    "review": "审核状态",
    "decided_by": "审核人",
    "decided_at": "审核时间",
    "return_reason": "退回原因",
    "backdated": "补录",
    "catch_up": "补报",
}
HEADER_NAMES: dict[str, str] = {
    **{name: name for name in COLUMNS},
    **dict(zip(CHINESE_COLUMNS, COLUMNS, strict=True)),
    **{name: name for name in INFO_COLUMNS},
    **{chinese: name for name, chinese in INFO_COLUMNS.items()},
}
MAX_PROBLEMS_SHOWN = 200
XLSX_MAGIC = b"PK\x03\x04"
# Far above a city's year (300 units × 40 targets × 12 months is 144,000 rows), and columns well past the
# widest form; cells beyond are not read.
MAX_ROWS = 1_000_000
MAX_COLUMNS = 64
NOT_FILE_ENCODINGS = {"punycode", "idna", "undefined", "unicode-escape", "raw-unicode-escape"}


class SourceRow(NamedTuple):
    """One non-empty row of the file: where it is (line or sheet row) and its cells by column name. (A named
    tuple: a year's forms are 72,000 of them, made three times faster than a frozen dataclass.)"""

    where: str
    cells: Mapping[str, Any]
    extra_cells: int = 0  # filled cells beyond the header: the row is bad, and reported with the others
    headers: Mapping[str, str] = MappingProxyType({})  # column name -> its header as the file writes it


class CheckedEntries(Sequence[NewEntry]):
    """Checked entries held compactly, so that a file of a million rows takes tens of MiB, not gigabytes:
    each distinct code once, numbers in arrays, the notes as UTF-8 in one buffer."""

    def __init__(self) -> None:
        self._texts: list[str] = []
        self._text_ids: dict[str, int] = {}
        self._codes = array("I")  # per entry: unit, target, period and reporter, as indexes into _texts
        self._values = array("d")
        self._times = array("q")  # reported_at, microseconds after 0001-01-01
        self._notes = bytearray()
        self._note_ends = array("Q")
        self._reasons: dict[int, str] = {}  # the few entries with a reason (paper reports after the fact)

    def append(self, entry: NewEntry) -> None:
        self.add(
            entry.unit,
            entry.target,
            entry.period,
            entry.value,
            entry.note,
            entry.reported_by,
            entry.reported_at,
            entry.reason,
        )

    def add(
        self,
        unit: str,
        target: str,
        period: str,
        value: float,
        note: str,
        reported_by: str,
        reported_at: datetime,
        reason: str,
    ) -> None:
        """Append an entry given by its fields (as `NewEntry` names them), without making one."""
        ids, codes = self._text_ids, self._codes
        for text in (unit, target, period, reported_by):
            index = ids.get(text)
            if index is None:
                index = ids[text] = len(self._texts)
                self._texts.append(text)
            codes.append(index)
        self._values.append(value)
        self._times.append((reported_at - _TIME_ORIGIN) // _MICROSECOND)
        if note:
            self._notes += note.encode("utf-8", "surrogatepass")
        self._note_ends.append(len(self._notes))
        if reason:
            self._reasons[len(self._values) - 1] = reason

    def units(self) -> set[str]:
        """The units the entries are for."""
        return {self._texts[i] for i in set(self._codes[0::4])}

    def period_reasons(self) -> dict[str, bool]:
        """Each period the entries are for, and whether every entry for it gives a reason."""
        periods = dict.fromkeys((self._texts[i] for i in set(self._codes[2::4])), True)
        if len(self._reasons) < len(self):
            given = self._reasons
            for index, code in enumerate(self._codes[2::4]):
                if index not in given:
                    periods[self._texts[code]] = False
        return periods

    def fields(self) -> Iterator[EntryFields]:
        """The entries as tuples of their fields in `NewEntry`'s order, made a slice at a time."""
        texts, codes, notes, ends, reasons = self._texts, self._codes, self._notes, self._note_ends, self._reasons
        moments: dict[int, datetime] = {}  # a month's forms share a few hundred report times
        for start in range(0, len(self), FIELDS_SLICE):
            stop = min(start + FIELDS_SLICE, len(self))
            times = []
            for moment in self._times[start:stop]:
                at = moments.get(moment)
                if at is None:
                    at = _TIME_ORIGIN + timedelta(microseconds=moment)
                    if len(moments) < FIELDS_SLICE:
                        moments[moment] = at
                times.append(at)
            begin = ends[start - 1] if start else 0
            if ends[stop - 1] == begin:  # no notes in the slice
                texts_of_notes: list[str] = [""] * (stop - start)
            else:
                texts_of_notes = []
                for end in ends[start:stop]:
                    texts_of_notes.append(notes[begin:end].decode("utf-8", "surrogatepass") if end > begin else "")
                    begin = end
            yield from zip(
                [texts[i] for i in codes[4 * start : 4 * stop : 4]],
                [texts[i] for i in codes[4 * start + 1 : 4 * stop : 4]],
                [texts[i] for i in codes[4 * start + 2 : 4 * stop : 4]],
                self._values[start:stop],
                texts_of_notes,
                [texts[i] for i in codes[4 * start + 3 : 4 * stop : 4]],
                times,
                [reasons.get(index, "") for index in range(start, stop)] if reasons else [""] * (stop - start),
                strict=True,
            )

    def __len__(self) -> int:
        return len(self._values)

    @overload
    def __getitem__(self, index: int) -> NewEntry: ...
    @overload
    def __getitem__(self, index: slice) -> list[NewEntry]: ...
    def __getitem__(self, index: int | slice) -> NewEntry | list[NewEntry]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        unit, target, period, reported_by = (self._texts[i] for i in self._codes[index * 4 : index * 4 + 4])
        start = self._note_ends[index - 1] if index else 0
        return NewEntry(
            unit=unit,
            target=target,
            period=period,
            value=self._values[index],
            note=self._notes[start : self._note_ends[index]].decode("utf-8", "surrogatepass"),
            reported_by=reported_by,
            reported_at=_TIME_ORIGIN + timedelta(microseconds=self._times[index]),
            reason=self._reasons.get(index, ""),
        )

    def __iter__(self) -> Iterator[NewEntry]:
        texts, codes, notes, ends, reasons = self._texts, self._codes, self._notes, self._note_ends, self._reasons
        start = 0
        for index, (value, moment) in enumerate(zip(self._values, self._times, strict=True)):
            end = ends[index]
            yield NewEntry(
                unit=texts[codes[4 * index]],
                target=texts[codes[4 * index + 1]],
                period=texts[codes[4 * index + 2]],
                value=value,
                note=notes[start:end].decode("utf-8", "surrogatepass") if end > start else "",
                reported_by=texts[codes[4 * index + 3]],
                reported_at=_TIME_ORIGIN + timedelta(microseconds=moment),
                reason=reasons.get(index, ""),
            )
            start = end


_TIME_ORIGIN = datetime(1, 1, 1)
_MICROSECOND = timedelta(microseconds=1)
FIELDS_SLICE = 5000


@dataclass
class ImportResult:
    """What checking a file gave: its entries (none kept for a dry run), the rows read, the warnings."""

    entries: CheckedEntries
    notes: list[NewNote] = field(default_factory=list)  # supporting units' notes (SPEC §17): text, no value
    rows: int = 0
    checked: int = 0  # good rows, kept or not
    blank: int = 0  # rows whose value (and note) the clerk left empty: skipped, as the form's Enter skips
    warnings: list[str] = field(default_factory=list)
    more_warnings: int = 0  # beyond the first MAX_PROBLEMS_SHOWN


@dataclass(frozen=True)
class SourceFile:
    """A monthly form being read: its rows (read as they are iterated), the CSV encoding, the SHA-256 of
    its bytes, its size, and how far into it reading has come (for a progress bar)."""

    rows: Iterator[SourceRow]
    display: str  # the file as the user named it
    encoding: str | None
    sha256: str
    size: int
    position: Callable[[], int]


# --- reading the file -----------------------------------------------------------------------------


LIMIT_VARIABLE = "ECOTRACK_IMPORT_LIMIT_MB"
DEFAULT_LIMIT_MB = 256  # a city's year of 300 units is about 10 MB of CSV
CHUNK = 1 << 20
# A sheet refers to its text cells through the shared strings, all loaded before the first row is read:
# more than a form of a million rows could use is refused before they are.
MAX_SHARED_STRINGS = MAX_ROWS


def import_limit() -> int:
    """The largest file `import` reads, in bytes (ECOTRACK_IMPORT_LIMIT_MB, default 256 MiB)."""
    import os

    text = os.environ.get(LIMIT_VARIABLE, "").strip()
    if not text:
        return DEFAULT_LIMIT_MB << 20
    if not text.isdigit() or int(text) == 0:
        raise BadInput(
            t("{variable} '{text}' is not a whole number of MiB above 0", variable=LIMIT_VARIABLE, text=text)
        )
    return int(text) << 20


@contextmanager
def open_source(path: Path, display: str, encoding: str | None = None) -> Iterator[SourceFile]:
    """A CSV or XLSX file opened for reading row by row, with canonical column names.

    The file is read as a stream, never whole: a first pass fingerprints it (and for a CSV finds its
    encoding), the rows are read as they are iterated. Nothing it holds grows with the file but the rows
    the caller keeps.
    """
    import stat

    try:
        status = path.stat()
        if stat.S_ISDIR(status.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(status.st_mode):  # /dev/zero, a pipe: unbounded, or not there twice
            raise BadInput(
                t(
                    "{path} is not a regular file (a device or a pipe): save the form as a file and import that",
                    path=display,
                )
            )
        limit = import_limit()
        if status.st_size > limit:
            raise BadInput(
                t(
                    "{path} is {size} MiB, more than the {limit} MiB an import reads (set "
                    "ECOTRACK_IMPORT_LIMIT_MB to allow more)",
                    path=display,
                    size=status.st_size >> 20,
                    limit=limit >> 20,
                )
            )
        handle = path.open("rb")
    except FileNotFoundError:
        raise BadInput(t("no file at {path}", path=display)) from None
    except IsADirectoryError:
        raise BadInput(t("{path} is a folder, not a file", path=display)) from None
    except OSError as failure:
        raise BadInput(t("cannot read {path}: {reason}", path=display, reason=failure.strerror or failure)) from None
    with handle:
        try:
            magic = handle.read(len(XLSX_MAGIC))
            handle.seek(0)
            if magic == XLSX_MAGIC or path.suffix.lower() in (".xlsx", ".xlsm"):
                sha256 = _fingerprint(handle, display)
                handle.seek(0)
                rows, used = _xlsx_rows(handle, display), None
            else:
                used, sha256 = _scan_csv(handle, display, encoding)
                handle.seek(0)
                rows = _csv_rows(io.TextIOWrapper(handle, encoding=used, newline=""), display)
            yield SourceFile(rows, display, used, sha256, status.st_size, handle.tell)
        except OSError as failure:  # the disk or the network share failed under the read
            raise BadInput(
                t("cannot read {path}: {reason}", path=display, reason=failure.strerror or failure)
            ) from None


def _fingerprint(handle: BinaryIO, display: str) -> str:
    import hashlib

    digest = hashlib.sha256()
    content = False
    for chunk in iter(lambda: handle.read(CHUNK), b""):
        digest.update(chunk)
        content = content or bool(chunk.strip())
    if not content:
        raise BadInput(t("{path} is empty: no header row", path=display))
    return digest.hexdigest()


def _scan_csv(handle: BinaryIO, display: str, encoding: str | None) -> tuple[str, str]:
    """The encoding a CSV is read with and its SHA-256: the BOM's encoding, else strict UTF-8, else
    GB18030 (or `encoding` if given), each tried over the whole file before a row is read."""
    if encoding is not None:
        try:
            codec = codecs.lookup(encoding)
        except LookupError:
            raise BadInput(t("unknown encoding '{encoding}'", encoding=encoding)) from None
        # rot13, base64, zlib … transform bytes; punycode and the escapes are no file's character set
        if not codec._is_text_encoding or codec.name in NOT_FILE_ENCODINGS:
            raise BadInput(
                t(
                    "--encoding '{encoding}' is not a character encoding of text files (try utf-8 or gb18030)",
                    encoding=encoding,
                )
            )
        candidates = [encoding]
    else:
        start = handle.read(4)
        handle.seek(0)
        if start.startswith(codecs.BOM_UTF8):
            candidates = ["utf-8-sig"]
        elif start.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # before UTF-16: FF FE starts both
            candidates = ["utf-32"]
        elif start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            candidates = ["utf-16"]
        else:
            candidates = ["utf-8", "gb18030"]
    refuse_nul = encoding is None and candidates == ["utf-8", "gb18030"]
    sha256 = ""
    first_failure: int | None = None  # the line where the first candidate failed
    for candidate in candidates:
        handle.seek(0)
        failed_on = _first_bad_line(handle, display, candidate, refuse_nul, hashing=not sha256)
        if isinstance(failed_on, str):
            sha256 = sha256 or failed_on
            return candidate, sha256
        sha256 = sha256 or failed_on[1]
        first_failure = failed_on[0] if first_failure is None else first_failure
    raise BadInput(
        t(
            '{path}:{line}: not {encodings} text; save the file as "CSV UTF-8"',
            path=display,
            line=first_failure,
            encodings=" / ".join(candidates),
        )
    )


def _first_bad_line(
    handle: BinaryIO, display: str, encoding: str, refuse_nul: bool, hashing: bool
) -> str | tuple[int, str]:
    """The file's SHA-256 (empty unless `hashing`) when it all decodes, else the line it fails on and
    the SHA-256 of all of it."""
    import hashlib

    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder(encoding)()
    lines = 0  # line breaks before the chunk
    content = False
    failed_on: int | None = None
    for chunk in iter(lambda: handle.read(CHUNK), b""):
        if hashing:
            digest.update(chunk)
        content = content or bool(chunk.strip())
        if refuse_nul and b"\x00" in chunk:
            raise BadInput(t("{path} is not a text file (save it as CSV UTF-8, or as .xlsx)", path=display))
        if failed_on is None:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as failure:
                failed_on = _failure_line(failure, lines, len(chunk))
            except UnicodeError:  # a codec that fails without saying where (undefined, …)
                raise BadInput(
                    t(
                        '{path}:{line}: not {encodings} text; save the file as "CSV UTF-8"',
                        path=display,
                        line=1,
                        encodings=encoding,
                    )
                ) from None
        if failed_on is not None and not hashing:
            break
        lines += chunk.count(b"\n")
    if not content:
        raise BadInput(t("{path} is empty: no header row", path=display))
    if failed_on is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as failure:  # the file ends inside a character
            failed_on = _failure_line(failure, lines, 0)
    sha256 = digest.hexdigest() if hashing else ""
    return sha256 if failed_on is None else (failed_on, sha256)


def _header(cells: list[Any], display: str, where: str) -> list[str | None]:
    """Canonical names of the header cells; None for an empty header over an empty column."""
    names: list[str | None] = []
    problems: list[str] = []
    for cell in cells:
        text = "" if cell is None else str(cell).strip().lstrip("\ufeff")
        if not text:
            names.append(None)
            continue
        name = HEADER_NAMES.get(text) or HEADER_NAMES.get(text.lower())
        if name is None:
            problems.append(t("unknown column '{column}'", column=text) + did_you_mean(text, HEADER_NAMES))
        elif name in names:
            problems.append(t("column '{column}' appears twice", column=text))
        names.append(name)
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        problems.append(t("missing columns: {columns}", columns=", ".join(missing)))
    if problems:
        raise ImportInvalid(
            t("{path}: the header row is wrong", path=display), [f"{display}:{where}: {p}" for p in problems]
        )
    return names


def _csv_rows(stream: io.TextIOWrapper, display: str) -> Iterator[SourceRow]:
    first_line = stream.readline()
    delimiter = max(",\t;", key=first_line.count)
    # strict: a quote left open is an error, not a note that swallows the rest of the file
    reader = csv.reader(itertools.chain([first_line], stream), delimiter=delimiter, strict=True)
    names: list[str | None] | None = None
    start = 1
    try:
        for record in reader:
            where = str(start)
            start = reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            if names is None:
                names = _header(record, display, where)
                written = _headers_as_written(names, record)
                continue
            yield _row(names, record, where, written)
    except csv.Error as broken:
        # strict mode's reasons ("unexpected end of data", "',' expected after '\"'") all mean a stray quote
        why = (
            N_('{path}:{line}: a quoted cell is never closed (a " missing?)')
            if "end of data" in str(broken)
            else N_('{path}:{line}: a quote in the wrong place: quote whole cells, and double a " inside one')
        )
        raise BadInput(t(why, path=display, line=start)) from None
    if names is None:
        raise BadInput(t("{path} is empty: no header row", path=display))


def _headers_as_written(names: list[str | None], cells: list[Any]) -> Mapping[str, str]:
    """Each column's header as the file writes it (完成值, Value …), to name it in messages."""
    return MappingProxyType(
        {name: str(cell).strip().lstrip("\ufeff") for name, cell in zip(names, cells, strict=False) if name}
    )


def _row(
    names: list[str | None], values: list[Any], where: str, headers: Mapping[str, str] = MappingProxyType({})
) -> SourceRow:
    """A row's cells by column; a filled cell under no header (an empty one, or past the last) makes it bad."""
    if len(values) <= len(names) and None not in names:  # every cell under a header: nothing is stray
        return SourceRow(where, dict(zip(names, values, strict=False)), 0, headers)  # type: ignore[arg-type]
    cells = {name: value for name, value in zip(names, values, strict=False) if name is not None}
    filled = [index for index, value in enumerate(values) if value is not None and str(value).strip()]
    stray = any(index >= len(names) or names[index] is None for index in filled)
    return SourceRow(where, cells, extra_cells=filled[-1] + 1 if stray else 0, headers=headers)


class MalformedCell(ValueError):
    """A cell of a worksheet's XML that openpyxl cannot read (`<v>abc</v>` in a number cell, a bad date,
    a reference like ZZZZ2), with where it is."""

    def __init__(self, coordinate: str | None, reason: str) -> None:
        super().__init__(reason)
        self.coordinate = coordinate or "?"


def _cell_checking_parser() -> type:
    """openpyxl's sheet parser, raising `MalformedCell` with the cell's reference instead of a bare error."""
    from openpyxl.worksheet._reader import WorkSheetParser

    class CheckingParser(WorkSheetParser):  # type: ignore[misc]
        def parse_cell(self, element: Any) -> Any:
            try:
                return super().parse_cell(element)
            except (ValueError, TypeError, KeyError, IndexError, OverflowError) as failure:
                raise MalformedCell(element.get("r"), str(failure) or type(failure).__name__) from None

    return CheckingParser


def _failure_line(failure: UnicodeDecodeError, lines: int, chunk_size: int) -> int:
    """The line a decoding failure is on: the failure's bytes are the decoder's pending ones (counted in
    `lines` already) followed by the chunk's."""
    failed = bytes(failure.object)
    pending = len(failed) - chunk_size
    return lines - failed[:pending].count(b"\n") + failed[: failure.start].count(b"\n") + 1


def _xlsx_rows(handle: BinaryIO, display: str) -> Iterator[SourceRow]:
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.worksheet import _read_only
    from openpyxl.xml.constants import SHARED_STRINGS

    # Read-only sheets parse their XML with the module's WorkSheetParser: ours names a malformed cell.
    _read_only.WorkSheetParser = _cell_checking_parser()

    try:
        reader = ExcelReader(handle, read_only=True, data_only=False)
        reader.read_manifest()
        strings = reader.package.find(SHARED_STRINGS)
        if strings is not None:
            _check_shared_strings(reader.archive, strings.PartName[1:], display)
        reader.read()
    except BadInput:
        raise
    except Exception as failure:  # zipfile, XML and openpyxl's own InvalidFileException among others
        raise BadInput(
            t("{path} is not a readable .xlsx workbook ({reason})", path=display, reason=type(failure).__name__)
        ) from None
    workbook = reader.wb
    try:
        yield from _sheet_rows(workbook, display)
    finally:
        workbook.close()


_SHARED_STRING = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")


def _check_shared_strings(archive: zipfile.ZipFile, name: str, display: str) -> None:
    """Refuse more shared strings than MAX_SHARED_STRINGS, counted in the XML as it is unpacked."""
    count = 0
    tail = b""
    with archive.open(name) as part:
        for chunk in iter(lambda: part.read(CHUNK), b""):
            window = tail + chunk
            # a mark that ends in the tail was counted with the chunk before
            count += sum(1 for mark in _SHARED_STRING.finditer(window) if mark.end() > len(tail))
            if count > MAX_SHARED_STRINGS:
                raise BadInput(
                    t(
                        "{path} holds more than {limit} different texts (shared strings); no form needs so many",
                        path=display,
                        limit=f"{MAX_SHARED_STRINGS:,}",
                    )
                )
            tail = window[-64:]


def _sheet_rows(workbook: Any, display: str) -> Iterator[SourceRow]:
    sheet = _form_sheet(workbook, display)
    # The sheet's declared size (`A1:XFD1048576`) is ignored: only rows and cells the file holds are read,
    # and no further than MAX_COLUMNS across.
    sheet.reset_dimensions()
    names: list[str | None] | None = None
    rows = 0
    formulas: list[str] = []
    formula_count = 0
    blank: object = None  # openpyxl fills the rows a sheet skips with one and the same row of empty cells
    try:
        for row in sheet.iter_rows(max_col=MAX_COLUMNS):
            if row is blank:  # a million of them below a sheet's last row, each 64 cells across
                continue
            cells = [cell for cell in row if getattr(cell, "row", None)]
            if not cells:
                blank = row
                continue
            values = [getattr(cell, "value", None) for cell in cells]
            if not any(v is not None and str(v).strip() for v in values):
                continue
            number = cells[0].row
            where = f"{sheet.title}!{number}"
            # A formula is not a filed value: the clerk must paste values (RELIABILITY.md).
            in_row = [c.coordinate for c in cells if getattr(c, "data_type", None) == "f"]
            formula_count += len(in_row)
            room = MAX_PROBLEMS_SHOWN - len(formulas)
            formulas += [
                f"{display}:{where}: " + t("cell {cell} holds a formula; paste values instead", cell=cell)
                for cell in in_row[:room]
            ]
            values = _by_column(cells)
            if names is None:
                names = _header(values, display, where)
                written = _headers_as_written(names, values)
                continue
            rows += 1
            if rows > MAX_ROWS:
                raise BadInput(
                    t(
                        "{path} has more than {limit} rows; split it into several files",
                        path=display,
                        limit=f"{MAX_ROWS:,}",
                    )
                )
            if not formula_count:  # once a formula is found, only the other formulas matter
                yield _row(names, values, where, written)
    except MalformedCell as bad:
        raise BadInput(
            t(
                "{where}: the cell cannot be read ({reason}); retype it, or save the workbook again from Excel or WPS",
                where=f"{display}:{sheet.title}!{bad.coordinate}",
                reason=bad,
            )
        ) from None
    if formulas:
        shown = _with_more(formulas, formula_count)
        raise ImportInvalid(
            tn(
                "{path}: {count} bad row; nothing was imported",
                "{path}: {count} bad rows; nothing was imported",
                path=display,
                count=formula_count,
            ),
            shown,
        )
    if names is None:
        raise BadInput(t("{path} is empty: no header row", path=display))


def _by_column(cells: list[Any]) -> list[Any]:
    """A row's values by column position (a sheet may leave out empty cells)."""
    values: list[Any] = []
    for cell in cells:
        column = getattr(cell, "column", None) or len(values) + 1
        values.extend([None] * (column - 1 - len(values)))
        values.append(cell.value)
    return values


def _form_sheet(workbook: Any, display: str) -> Any:
    """The one visible sheet: a hidden sheet is never what the clerk filled in, and of several visible
    ones nobody can tell which is meant."""
    visible = [sheet for sheet in workbook.worksheets if getattr(sheet, "sheet_state", "visible") == "visible"]
    if not visible:
        raise BadInput(t("{path}: the workbook has no visible sheet", path=display))
    if len(visible) > 1:
        raise BadInput(
            t(
                "{path}: the workbook has several visible sheets ({sheets}); keep the "
                "form on one sheet, or hide the others",
                path=display,
                sheets=", ".join(s.title for s in visible),
            )
        )
    return visible[0]


# --- checking rows against the plan ---------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        if abs(value) >= 2**53:  # a 20-digit number cell: the spreadsheet kept only its first 15-17 digits
            raise EntryError(
                t(
                    "the number {value} is too long for a spreadsheet to keep exactly: format "
                    "the cell as text and retype it",
                    value=f"{value:.0f}",
                )
            )
        return str(int(value))
    return str(value).strip()


def _note(value: Any) -> str:
    """A note as the clerk wrote it: leading tabs, ideographic spaces and the like are kept."""
    if value is None:
        return ""
    return str(value) if isinstance(value, str) else _text(value)


class EmptyCell(EntryError):
    """A required cell left empty; `column` is its canonical name."""

    def __init__(self, column: str) -> None:
        super().__init__(t("{column} is empty", column=column))
        self.column = column


def _unit_code(plan: Plan, value: Any) -> str:
    text = _text(value)
    if not text:
        raise EmptyCell("unit")
    unit = plan.find_unit(text)
    return unit.code if unit is not None else text


def _target_code(plan: Plan, value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A spreadsheet turns "1.10" into the number 1.1: accept it only when one code can mean it.
        matches = [g.code for g in plan.targets() if _as_number(g.code) == float(value)]
        if len(matches) == 1:
            return matches[0]
        raise EntryError(
            t('target {value} was read as a number; format the column as text (e.g. "1.10")', value=f"{value:g}")
        )
    text = _text(value)
    if not text:
        raise EmptyCell("target")
    return text


def _as_number(code: str) -> float | None:
    try:
        return float(code)
    except ValueError:
        return None


def _period(value: Any) -> tuple[int, int]:
    if isinstance(value, datetime | date):
        return value.year, value.month
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A spreadsheet keeps 2012.10 as the number 2012.1: which month was meant is lost.
        raise EntryError(
            t(
                "period is the number {value} (a spreadsheet turns 2012.10 into 2012.1): type it as text, e.g. 2012-10",
                value=f"{value:g}",
            )
        )
    text = _text(value)
    if not text:
        raise EmptyCell("period")
    return parse_period(text)


def _value(value: Any) -> float:
    if isinstance(value, bool):
        raise EntryError(t("value '{text}' is not a plain decimal number (like 12 or 3.5)", text=str(value)))
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # an integer cell of hundreds of digits
            raise EntryError(
                t(
                    "value '{text}' is too large (at most {limit})",
                    text=str(value)[:12] + "…",
                    limit=f"{LARGEST_VALUE:,.0f}",
                )
            ) from None
        return check_number(number, f"{value}")
    text = _text(value)
    if not text:
        raise EmptyCell("value")
    return parse_value(text)


def _reported_at(value: Any, now: datetime) -> datetime:
    if value is None or (isinstance(value, str) and not value.strip()):
        return now
    if isinstance(value, datetime):
        return local_time(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return parse_reported_at(str(value))


def check_rows(
    rows: Iterable[SourceRow],
    plan: Plan,
    ledger: Ledger,
    now: datetime,
    default_by: str,
    display: str,
    progress: Callable[[], None] | None = None,
    keep: bool = True,
) -> ImportResult:
    """Check every row; give back the entries in file order (none unless `keep`), or raise
    `ImportInvalid` naming the bad rows (the first MAX_PROBLEMS_SHOWN of them, and how many more)."""
    problems: list[str] = []
    bad_rows = 0
    result = ImportResult(entries=CheckedEntries())
    levels: dict[tuple[str, str], dict[int, Filed]] = {key: dict(value) for key, value in ledger.items()}
    memo = _Memo(plan, now, default_by)
    lookups = _Lookups(plan, now, memo)
    for row in rows:
        result.rows += 1
        if _left_blank(row):
            result.blank += 1
            continue
        # once a row is bad nothing will be filed: stop keeping
        warnings = lookups.file_row(row, levels, result.entries if keep and not bad_rows else None)
        if warnings is not None:  # a plain row, good: checked against the lookups, filed onto the levels
            result.checked += 1
        else:
            try:
                entry, warnings = _check_row(row, plan, levels, now, memo)
            except EntryError as bad:
                bad_rows += 1
                if len(problems) < MAX_PROBLEMS_SHOWN:
                    problems.append(f"{display}:{row.where}: {bad}")
                warnings = []
            else:
                result.checked += 1
                if keep and not bad_rows:
                    if isinstance(entry, NewNote):
                        result.notes.append(entry)
                    else:
                        result.entries.append(entry)
        if warnings:
            for warning in warnings:
                if len(result.warnings) < MAX_PROBLEMS_SHOWN:
                    result.warnings.append(f"{display}:{row.where}: {warning}")
                else:
                    result.more_warnings += 1
        if progress is not None and result.rows % PROGRESS_EVERY == 0:
            progress()
    if bad_rows:
        raise ImportInvalid(
            tn(
                "{path}: {count} bad row; nothing was imported",
                "{path}: {count} bad rows; nothing was imported",
                path=display,
                count=bad_rows,
            ),
            _with_more(problems, bad_rows),
        )
    return result


PROGRESS_EVERY = 500


def _left_blank(row: SourceRow) -> bool:
    """A form's row the clerk did not fill in: no value and no note (a template lists every open target)."""
    return not row.extra_cells and all(
        cell is None or (isinstance(cell, str) and not cell.strip())
        for cell in (row.cells.get("value"), row.cells.get("note"))
    )


def _with_more(shown: list[str], count: int) -> list[str]:
    """The problems shown, and a line saying how many more there are."""
    if count > len(shown):
        return [*shown, t("... and {count} more", count=count - len(shown))]
    return shown


Parsed = TypeVar("Parsed")


class _Memo:
    """The cells that repeat row after row (unit and target codes, months, dates, reporters) parsed once
    per distinct text: a year of a city's forms has a few thousand of them in 72,000 rows. Only what
    parsed is kept, and at most MEMO_LIMIT texts a column, so that a file of made-up codes cannot grow it."""

    def __init__(self, plan: Plan, now: datetime, default_by: str) -> None:
        self.units: dict[str, str] = {}
        self.targets: dict[str, str] = {}
        self.periods: dict[str, tuple[int, int]] = {}
        self.times: dict[str, datetime] = {}
        self.names: dict[str, str] = {}
        self.unit = lambda value: _unit_code(plan, value)
        self.target = lambda value: _target_code(plan, value)
        self.reported_at: Callable[[Any], datetime] = lambda value: _reported_at(value, now)
        self.reported_by: Callable[[Any], str] = lambda value: restore(_text(value)) or default_by


MEMO_LIMIT = 10_000


def _once(cache: dict[str, Parsed], value: Any, parse: Callable[[Any], Parsed]) -> Parsed:
    """`parse(value)`, looked up when the same text was parsed before."""
    if type(value) is not str:
        return parse(value)
    found = cache.get(value)
    if found is None:
        found = parse(value)  # a refusal raises, and is not kept
        if len(cache) < MEMO_LIMIT:
            cache[value] = found
    return found


class _Lookups:
    """The plan's answers to a form's rows, looked up per distinct cell text (unit and target, month, report
    date, reporter) and per distinct month and report date, so that a plain row costs a few dictionary reads.

    `file_row` checks a row with the rules of `prepare_entry` (`filing.assignment_of`, `check_period`,
    `check_value`, `check_reason`, `check_text`, `entry_warnings`), reading each answer from the lookups, and
    files it onto the levels and the kept entries. A row it cannot answer for (a cell that is not text, an
    empty value, a supporting unit's note) or that any check refuses is left to `_check_row` untouched, which
    checks it in full and words its fault: every refusal is `_check_row`'s, and an accepted row comes out
    as `_check_row` would make it. Each lookup keeps at most MEMO_LIMIT answers."""

    def __init__(self, plan: Plan, now: datetime, memo: _Memo) -> None:
        self.plan, self.now, self.memo = plan, now, memo
        self.pairs: dict[tuple[str, str], tuple[str, Target, Assignment] | None] = {}
        self.periods: dict[str, tuple[tuple[int, int], str] | None] = {}
        self.values: dict[str, float | None] = {}
        self.times: dict[str, datetime | None] = {}
        self.names: dict[str, str | None] = {}
        self.dated: dict[tuple[tuple[int, int], datetime], bool] = {}  # check_period passed
        self.reasons: dict[tuple[str, datetime], str | None] = {}

    def file_row(
        self, row: SourceRow, levels: dict[tuple[str, str], dict[int, Filed]], kept: CheckedEntries | None
    ) -> list[str] | None:
        """The warnings of a good plain row, once filed onto `levels` (and `kept`); None, changing nothing,
        for a row `_check_row` must see."""
        if row.extra_cells:
            return None
        cells = row.cells
        unit_text, target_text, period_text = cells.get("unit"), cells.get("target"), cells.get("period")
        value_text, at_text = cells.get("value"), cells.get("reported_at")
        if not (type(unit_text) is str and type(target_text) is str and type(period_text) is str):
            return None
        if type(value_text) is not str or (at_text is not None and type(at_text) is not str):
            return None
        pair = self.pairs.get((unit_text, target_text))
        if pair is None and (unit_text, target_text) not in self.pairs:
            pair = _kept(self.pairs, (unit_text, target_text), self._pair(unit_text, target_text))
        period = self.periods.get(period_text) or _kept(self.periods, period_text, _answer(_labelled, period_text))
        value = self.values.get(value_text)
        if value is None:
            value = _kept(
                self.values, value_text, _answer(parse_value, value_text.strip()) if value_text.strip() else None
            )
        if at_text is None or not at_text.strip():
            reported_at: datetime | None = self.now
        else:
            reported_at = self.times.get(at_text) or _kept(self.times, at_text, _answer(self.memo.reported_at, at_text))
        if pair is None or period is None or value is None or reported_at is None:
            return None
        unit, target, assignment = pair
        (month_of_year, label) = period
        dated = self.dated.get((month_of_year, reported_at))
        if dated is None:
            dated = _kept(
                self.dated,
                (month_of_year, reported_at),
                _passes(check_period, self.plan, month_of_year, reported_at, self.now),
            )
        if not dated or not _passes(check_value, target, assignment, value):
            return None
        note, by_text, reason_cell = cells.get("note"), cells.get("reported_by"), cells.get("reason")
        if (note is not None and type(note) is not str) or (reason_cell is not None and type(reason_cell) is not str):
            return None
        if by_text is not None and type(by_text) is not str:
            return None
        note = restore(note) if note else ""
        if note and not _passes(check_text, note, "note", NOTE_MAX_LENGTH, multiline=True):
            return None
        name_key = by_text or ""
        reported_by = self.names.get(name_key) or _kept(self.names, name_key, _answer(self._name, by_text))
        reason_text = restore(reason_cell) if reason_cell else ""
        reason = self.reasons.get((reason_text, reported_at))
        if reason is None:
            reason = _kept(self.reasons, (reason_text, reported_at), _answer(self._reason, reason_text, reported_at))
        if reported_by is None or reason is None:
            return None
        month = month_of_year[1]
        periods = levels.setdefault((unit, target.code), {})
        warnings = entry_warnings(unit, target, assignment, periods, month, label, value)
        periods[month] = file_onto(periods.get(month), value, reported_at.date())
        if kept is not None:
            kept.add(unit, target.code, label, value, note, reported_by, reported_at, reason)
        return warnings

    def _pair(self, unit_text: str, target_text: str) -> tuple[str, Target, Assignment] | None:
        if self.plan.supporting_reports:  # a row may be a supporting unit's note: `_check_row` tells
            return None
        try:
            unit = _unit_code(self.plan, unit_text)
            target, assignment = assignment_of(self.plan, unit, _target_code(self.plan, target_text))
        except EntryError:
            return None
        return unit, target, assignment

    def _name(self, text: str | None) -> str:
        return check_text(self.memo.reported_by(text), "reported_by", NAME_MAX_LENGTH)

    def _reason(self, text: str, reported_at: datetime) -> str:
        return check_reason(self.plan, text, reported_at, self.now)


def _labelled(text: str) -> tuple[tuple[int, int], str]:
    """A period cell as (year, month) and as filed (YYYY-MM)."""
    period = _period(text)
    return period, period_label(*period)


Key = TypeVar("Key")
Answer = TypeVar("Answer")


def _kept(cache: dict[Key, Answer], key: Key, answer: Answer) -> Answer:
    """`answer`, kept in `cache` under `key` while it holds fewer than MEMO_LIMIT."""
    if len(cache) < MEMO_LIMIT:
        cache[key] = answer
    return answer


def _answer(parse: Callable[..., Answer], *arguments: Any) -> Answer | None:
    """What `parse` gives, or None when it refuses."""
    try:
        return parse(*arguments)
    except EntryError:
        return None


def _passes(check: Callable[..., object], *arguments: Any, **options: Any) -> bool:
    try:
        check(*arguments, **options)
    except EntryError:
        return False
    return True


def _is_note(plan: Plan, unit: str, target_code: str, value: Any) -> bool:
    """SPEC §17: with `plan.supporting_reports`, a row with a note and no value is a supporting unit's monthly
    note (a row with neither was skipped as left blank), unless the unit leads the target: its value is then
    missing, as without the key. A unit that neither leads nor supports the target is told so as a note's."""
    if not plan.supporting_reports or not (value is None or (isinstance(value, str) and not value.strip())):
        return False
    target = plan.target(target_code)
    return target is None or target.assignment(unit) is None


def _check_row(
    row: SourceRow, plan: Plan, levels: dict[tuple[str, str], dict[int, Filed]], now: datetime, memo: _Memo
) -> tuple[NewEntry | NewNote, list[str]]:
    cells = row.cells
    if row.extra_cells:
        raise EntryError(
            tn(
                "{count} cell but only {columns} columns in the header",
                "{count} cells but only {columns} columns in the header",
                count=row.extra_cells,
                columns=len(row.cells),
            )
        )
    try:
        unit = _once(memo.units, cells.get("unit"), memo.unit)
        target_code = _once(memo.targets, cells.get("target"), memo.target)
        period = _once(memo.periods, cells.get("period"), _period)
        noting = _is_note(plan, unit, target_code, cells.get("value"))
        value = 0.0 if noting else _value(cells.get("value"))
    except EmptyCell as empty:  # named by the header the clerk sees
        raise EntryError(t("{column} is empty", column=row.headers.get(empty.column, empty.column))) from None
    reported_at = _once(memo.times, cells.get("reported_at"), memo.reported_at)
    note = restore(_note(cells.get("note")))
    reported_by = _once(memo.names, cells.get("reported_by"), memo.reported_by)
    reason = restore(_note(cells.get("reason")))
    if noting:
        return prepare_note(plan, unit, target_code, period, note, reported_by, reported_at, now, reason), []
    entry, warnings = prepare_entry(
        plan,
        unit,
        target_code,
        period,
        value,
        note,
        reported_by,
        reported_at,
        now,
        levels.get((unit, target_code), {}),
        reason,
    )
    # later rows of the file see this one, as they will once filed (kept only for rows that are good, so
    # that a file of made-up codes cannot grow it)
    periods = levels.setdefault((entry.unit, entry.target), {})
    periods[period[1]] = file_onto(periods.get(period[1]), value, reported_at.date())
    return entry, warnings
