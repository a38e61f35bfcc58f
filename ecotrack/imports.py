"""Reading a monthly form (CSV or XLSX) into checked entries: all rows or none (SPEC §6 `import`).

CSV bytes are decoded by their BOM, else as strict UTF-8, else as GB18030 (a superset of the GBK
that Excel writes on Chinese Windows); never with errors ignored. Headers may be English or Chinese.
Every bad row is reported by its line, and nothing is filed unless every row is good.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ecotrack.cells import restore
from ecotrack.errors import BadInput, ImportInvalid
from ecotrack.filing import (
    LARGEST_VALUE,
    EntryError,
    NewEntry,
    check_number,
    local_time,
    parse_period,
    parse_reported_at,
    parse_value,
    prepare_entry,
)
from ecotrack.i18n import t
from ecotrack.plan import Plan
from ecotrack.rules import Filed, Ledger

COLUMNS = ("unit", "target", "period", "value", "note", "reported_by", "reported_at")
CHINESE_COLUMNS = ("单位", "指标", "月份", "完成值", "备注", "填报人", "填报日期")
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


@dataclass(frozen=True)
class SourceRow:
    """One non-empty row of the file: where it is (line or sheet row) and its cells by column name."""

    where: str
    cells: Mapping[str, Any]
    extra_cells: int = 0  # filled cells beyond the header: the row is bad, and reported with the others


@dataclass
class ImportResult:
    entries: list[NewEntry]
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SourceFile:
    """A monthly form as read: its rows, the CSV encoding used, and the SHA-256 of its bytes."""

    rows: list[SourceRow]
    encoding: str | None
    sha256: str


# --- reading the file -----------------------------------------------------------------------------


LIMIT_VARIABLE = "ECOTRACK_IMPORT_LIMIT_MB"
DEFAULT_LIMIT_MB = 256  # a city's year of 300 units is about 10 MB of CSV


def import_limit() -> int:
    """The largest file `import` reads, in bytes (ECOTRACK_IMPORT_LIMIT_MB, default 256 MiB)."""
    import os

    text = os.environ.get(LIMIT_VARIABLE, "").strip()
    if not text:
        return DEFAULT_LIMIT_MB << 20
    if not text.isdigit() or int(text) == 0:
        raise BadInput(t("import.bad_limit", variable=LIMIT_VARIABLE, text=text))
    return int(text) << 20


def read_source(path: Path, display: str, encoding: str | None = None) -> SourceFile:
    """The rows of a CSV or XLSX file with canonical column names, with its encoding and fingerprint."""
    import hashlib
    import stat

    try:
        status = path.stat()
        if stat.S_ISDIR(status.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(status.st_mode):  # /dev/zero, a pipe: unbounded, or not there twice
            raise BadInput(t("import.not_a_file", path=display))
        limit = import_limit()
        if status.st_size > limit:
            raise BadInput(t("import.too_large", path=display, size=status.st_size >> 20, limit=limit >> 20))
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BadInput(t("import.no_file", path=display)) from None
    except IsADirectoryError:
        raise BadInput(t("import.is_directory", path=display)) from None
    except OSError as failure:
        raise BadInput(t("import.unreadable", path=display, reason=failure.strerror or failure)) from None
    if not raw.strip():
        raise BadInput(t("import.empty", path=display))
    sha256 = hashlib.sha256(raw).hexdigest()
    if raw.startswith(XLSX_MAGIC) or path.suffix.lower() in (".xlsx", ".xlsm"):
        return SourceFile(_xlsx_rows(raw, display), None, sha256)
    text, used = decode(raw, display, encoding)
    return SourceFile(_csv_rows(text, display), used, sha256)


def decode(raw: bytes, display: str, encoding: str | None) -> tuple[str, str]:
    """CSV bytes as text: the BOM's encoding, else strict UTF-8, else GB18030 (or `encoding` if given)."""
    if encoding is not None:
        try:
            codec = codecs.lookup(encoding)
        except LookupError:
            raise BadInput(t("import.unknown_encoding", encoding=encoding)) from None
        # rot13, base64, zlib … transform bytes; punycode and the escapes are no file's character set
        if not codec._is_text_encoding or codec.name in NOT_FILE_ENCODINGS:
            raise BadInput(t("import.not_a_text_encoding", encoding=encoding))
        candidates = [encoding]
    elif raw.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # before UTF-16: FF FE starts both
        candidates = ["utf-32"]
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        if b"\x00" in raw:
            raise BadInput(t("import.binary", path=display))
        candidates = ["utf-8", "gb18030"]
    first_failure: UnicodeDecodeError | None = None
    for candidate in candidates:
        try:
            return raw.decode(candidate), candidate
        except UnicodeDecodeError as failure:
            first_failure = first_failure or failure
        except UnicodeError:  # a codec that fails without saying where (undefined, …)
            raise BadInput(t("import.undecodable", path=display, line=1, encodings=candidate)) from None
    assert first_failure is not None
    line = raw[: first_failure.start].count(b"\n") + 1
    raise BadInput(t("import.undecodable", path=display, line=line, encodings=" / ".join(candidates)))


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
            close = difflib.get_close_matches(text, list(HEADER_NAMES), n=1)
            problems.append(
                t("import.unknown_column", column=text) + (t("plan.did_you_mean", suggestion=close[0]) if close else "")
            )
        elif name in names:
            problems.append(t("import.duplicate_column", column=text))
        names.append(name)
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        problems.append(t("import.missing_columns", columns=", ".join(missing)))
    if problems:
        raise ImportInvalid(t("import.bad_header", path=display), [f"{display}:{where}: {p}" for p in problems])
    return names


def _csv_rows(text: str, display: str) -> list[SourceRow]:
    first_line = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first_line.count)
    # strict: a quote left open is an error, not a note that swallows the rest of the file
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[SourceRow] = []
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
                continue
            rows.append(_row(names, record, where))
    except csv.Error as broken:
        # strict mode's reasons ("unexpected end of data", "',' expected after '\"'") all mean a stray quote
        why = "import.csv_open_quote" if "end of data" in str(broken) else "import.csv_stray_quote"
        raise BadInput(t(why, path=display, line=start)) from None
    if names is None:
        raise BadInput(t("import.empty", path=display))
    return rows


def _row(names: list[str | None], values: list[Any], where: str) -> SourceRow:
    """A row's cells by column; a filled cell under no header (an empty one, or past the last) makes it bad."""
    filled = [index for index, value in enumerate(values) if value is not None and str(value).strip()]
    stray = any(index >= len(names) or names[index] is None for index in filled)
    cells = {name: value for name, value in zip(names, values, strict=False) if name is not None}
    return SourceRow(where, cells, extra_cells=filled[-1] + 1 if stray else 0)


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


def _xlsx_rows(raw: bytes, display: str) -> list[SourceRow]:
    from openpyxl import load_workbook
    from openpyxl.worksheet import _read_only

    # Read-only sheets parse their XML with the module's WorkSheetParser: ours names a malformed cell.
    _read_only.WorkSheetParser = _cell_checking_parser()

    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as failure:
        raise BadInput(t("import.bad_xlsx", path=display, reason=type(failure).__name__)) from None
    except Exception as failure:  # openpyxl raises its own InvalidFileException and others
        raise BadInput(t("import.bad_xlsx", path=display, reason=type(failure).__name__)) from None
    try:
        return _sheet_rows(workbook, display)
    finally:
        workbook.close()


def _sheet_rows(workbook: Any, display: str) -> list[SourceRow]:
    sheet = _form_sheet(workbook, display)
    # The sheet's declared size (`A1:XFD1048576`) is ignored: only rows and cells the file holds are read,
    # and no further than MAX_COLUMNS across.
    sheet.reset_dimensions()
    rows: list[SourceRow] = []
    names: list[str | None] | None = None
    formulas: list[str] = []
    try:
        for row in sheet.iter_rows(max_col=MAX_COLUMNS):
            cells = [cell for cell in row if getattr(cell, "row", None)]
            values = [getattr(cell, "value", None) for cell in cells]
            if not any(v is not None and str(v).strip() for v in values):
                continue
            number = cells[0].row
            where = f"{sheet.title}!{number}"
            # A formula is not a filed value: the clerk must paste values (RELIABILITY.md).
            formulas += [
                f"{display}:{where}: " + t("import.formula", cell=c.coordinate)
                for c in cells
                if getattr(c, "data_type", None) == "f"
            ]
            values = _by_column(cells)
            if names is None:
                names = _header(values, display, where)
                continue
            rows.append(_row(names, values, where))
            if len(rows) > MAX_ROWS:
                raise BadInput(t("import.too_many_rows", path=display, limit=f"{MAX_ROWS:,}"))
    except MalformedCell as bad:
        raise BadInput(
            t("import.malformed_cell", where=f"{display}:{sheet.title}!{bad.coordinate}", reason=bad)
        ) from None
    if formulas:
        raise ImportInvalid(t("import.bad_rows", path=display, count=len(formulas)), formulas)
    if names is None:
        raise BadInput(t("import.empty", path=display))
    return rows


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
        raise BadInput(t("import.no_visible_sheet", path=display))
    if len(visible) > 1:
        raise BadInput(t("import.several_sheets", path=display, sheets=", ".join(s.title for s in visible)))
    return visible[0]


# --- checking rows against the plan ---------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        if abs(value) >= 2**53:  # a 20-digit number cell: the spreadsheet kept only its first 15-17 digits
            raise EntryError(t("import.number_too_long", value=f"{value:.0f}"))
        return str(int(value))
    return str(value).strip()


def _note(value: Any) -> str:
    """A note as the clerk wrote it: leading tabs, ideographic spaces and the like are kept."""
    if value is None:
        return ""
    return str(value) if isinstance(value, str) else _text(value)


def _unit_code(plan: Plan, value: Any) -> str:
    text = _text(value)
    if not text:
        raise EntryError(t("import.empty_cell", column="unit"))
    if plan.unit(text) is None:
        # clerks may write the unit's name (青山镇) instead of its code
        named = [u.code for u in plan.units if text in (u.name, u.name_en)]
        if len(named) == 1:
            return named[0]
    return text


def _target_code(plan: Plan, value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A spreadsheet turns "1.10" into the number 1.1: accept it only when one code can mean it.
        matches = [g.code for g in plan.targets() if _as_number(g.code) == float(value)]
        if len(matches) == 1:
            return matches[0]
        raise EntryError(t("import.target_number", value=f"{value:g}"))
    text = _text(value)
    if not text:
        raise EntryError(t("import.empty_cell", column="target"))
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
        raise EntryError(t("import.period_number", value=f"{value:g}"))
    text = _text(value)
    if not text:
        raise EntryError(t("import.empty_cell", column="period"))
    return parse_period(text)


def _value(value: Any) -> float:
    if isinstance(value, bool):
        raise EntryError(t("entry.bad_value", text=str(value)))
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # an integer cell of hundreds of digits
            raise EntryError(t("entry.too_large", text=str(value)[:12] + "…", limit=f"{LARGEST_VALUE:,.0f}")) from None
        return check_number(number, f"{value}")
    text = _text(value)
    if not text:
        raise EntryError(t("import.empty_cell", column="value"))
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
    rows: list[SourceRow],
    plan: Plan,
    filed: Ledger,
    now: datetime,
    default_by: str,
    display: str,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Check every row; give back the entries in file order, or raise `ImportInvalid` naming each bad row."""
    problems: list[str] = []
    result = ImportResult(entries=[])
    levels: dict[tuple[str, str], dict[int, Filed]] = {key: dict(value) for key, value in filed.items()}
    for index, row in enumerate(rows, start=1):
        try:
            entry, warnings = _check_row(row, plan, levels, now, default_by)
        except EntryError as bad:
            problems.append(f"{display}:{row.where}: {bad}")
        else:
            result.entries.append(entry)
            result.warnings += [f"{display}:{row.where}: {warning}" for warning in warnings]
        if progress is not None:
            progress(index)
    if problems:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        if len(problems) > MAX_PROBLEMS_SHOWN:
            shown.append(t("import.more_problems", count=len(problems) - MAX_PROBLEMS_SHOWN))
        raise ImportInvalid(t("import.bad_rows", path=display, count=len(problems)), shown)
    return result


def _check_row(
    row: SourceRow, plan: Plan, levels: dict[tuple[str, str], dict[int, Filed]], now: datetime, default_by: str
) -> tuple[NewEntry, list[str]]:
    cells = row.cells
    if row.extra_cells:
        raise EntryError(t("import.extra_cells", count=row.extra_cells, columns=len(row.cells)))
    unit = _unit_code(plan, cells.get("unit"))
    target_code = _target_code(plan, cells.get("target"))
    period = _period(cells.get("period"))
    value = _value(cells.get("value"))
    reported_at = _reported_at(cells.get("reported_at"), now)
    note = restore(_note(cells.get("note")))
    reported_by = restore(_text(cells.get("reported_by"))) or default_by
    periods = levels.setdefault((unit, target_code), {})
    entry, warnings = prepare_entry(
        plan, unit, target_code, period, value, note, reported_by, reported_at, now, periods
    )
    # later rows of the file see this one, as they will once filed
    first = periods[period[1]].first_on if period[1] in periods else reported_at.date()
    periods[period[1]] = Filed(value=value, first_on=min(first, reported_at.date()))
    return entry, warnings
