"""Writing results for scripts and spreadsheets: JSON, CSV (BOM, formula-safe) and XLSX."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime
from typing import Any

from ecotrack.cells import clean_for_file, neutralise, tidy

# Records whose numbers are what a clerk typed, kept exactly
EXACT_RECORDS = frozenset({"HistoryEntry"})


def _shallow(value: Any) -> Any:
    """One level of a dataclass or date as JSON-ready data; the JSON encoder walks the rest. The numbers
    a dataclass computed are tidied (`tidy`); a record's numbers are kept as filed."""
    if is_dataclass(value) and not isinstance(value, type):
        exact = type(value).__name__ in EXACT_RECORDS
        return {
            field.name: _tidied(getattr(value, field.name)) if not exact else getattr(value, field.name)
            for field in fields(value)
        }
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"not JSON data: {type(value).__name__}")


def _tidied(value: Any) -> Any:
    if isinstance(value, float):
        return tidy(value)
    if isinstance(value, list):
        return [_tidied(item) for item in value]
    return value


def plain(value: Any) -> Any:
    """Dataclasses, dates and tuples as JSON-ready data, all the way down (dict order kept)."""
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return plain(_shallow(value))


def json_text(data: Any, *, pretty: bool = True) -> str:
    """Stable JSON for scripts: UTF-8 Chinese as is, a final newline; indented for people, compact for pipes.

    Compact output uses the C encoder, which is many times faster on a year of entries.
    """
    if pretty:
        return json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False, default=_shallow) + "\n"
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_shallow) + "\n"


def csv_cell(value: Any) -> str:
    """One CSV cell: numbers in full, booleans as true/false, text safe from formula execution."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))  # 1200, not 1200.0 (and 0, not -0)
        return repr(value)
    if isinstance(value, list | tuple):
        return neutralise(clean_for_file(" ".join(str(item) for item in value)))
    # control characters (but tab and line feed) shown as U+FFFD: a CSV on a terminal sends no escape
    return neutralise(clean_for_file(str(value)))


def csv_text(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """A header row of `columns`, then one line per row (missing keys left empty)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    # Where the list separator is `;` (German, French … Excel), a `;` in an unquoted cell splits it, and the
    # part after it could start a formula: rows holding one are written with every cell quoted.
    quoted = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(columns)
    for row in rows:
        cells = [csv_cell(row.get(column)) for column in columns]
        (quoted if any(";" in cell for cell in cells) else writer).writerow(cells)
    return buffer.getvalue()


def csv_bytes(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], *, bom: bool = True) -> bytes:
    """UTF-8 with a BOM by default, so that Excel shows Chinese correctly (SPEC §6)."""
    return csv_text(rows, columns).encode("utf-8-sig" if bom else "utf-8")


@dataclass(frozen=True)
class Sheet:
    """One worksheet: a header row of `columns`, then `rows` (dicts keyed by column)."""

    title: str
    columns: Sequence[str]
    rows: Sequence[Mapping[str, Any]]
    percent_columns: AbstractSet[str] = frozenset()
    text_columns: AbstractSet[str] = frozenset()  # cells kept as text (codes, periods)
    decimal_columns: AbstractSet[str] = frozenset()  # points, shown with two decimals
    headings: Sequence[str] | None = None  # what the header row shows (default: the column keys)
    title_lines: Sequence[str] = ()  # a title and the issuing office and date, above the header row


WIDTH_SAMPLE = 2000


def _sheet_title(title: str, taken: set[str]) -> str:
    """A legal, unique worksheet name: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in clean_for_file(title))[:31] or "sheet"
    name, counter = cleaned, 2
    while name in taken:
        suffix = f" ({counter})"
        name, counter = cleaned[: 31 - len(suffix)] + suffix, counter + 1
    taken.add(name)
    return name


def xlsx_cell(value: Any) -> Any:
    """A cell value for openpyxl: numbers stay numbers, text stays text as stored.

    No apostrophe is added: a text cell never runs as a formula (`xlsx_bytes` types the cells openpyxl
    would take for formulas as text). openpyxl refuses control characters (IllegalCharacterError): they
    are shown as U+FFFD.
    """
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list | tuple):
        value = " ".join(str(item) for item in value)
    return clean_for_file(str(value))


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """A workbook formatted for people: bold frozen header, fitted column widths, shares as percentages.

    Written in openpyxl's write-only mode, which streams rows instead of keeping a cell object for each.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    taken: set[str] = set()
    bold = Font(bold=True)
    title_font = Font(bold=True, size=14)
    for sheet in sheets:
        worksheet = workbook.create_sheet(_sheet_title(sheet.title, taken))
        worksheet.freeze_panes = f"A{len(sheet.title_lines) + 2}"
        headings = list(sheet.headings or sheet.columns)
        widths = [_display_width(str(c)) for c in headings]
        # widths first (a write-only sheet takes its columns before its rows), from the first rows: enough to fit
        for row in sheet.rows[:WIDTH_SAMPLE]:
            for index, column in enumerate(sheet.columns):
                widths[index] = max(widths[index], _display_width(_shown(row.get(column))))
        for index, width in enumerate(widths, start=1):
            worksheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)
        formats = [
            "0.00%"
            if column in sheet.percent_columns
            else "@"
            if column in sheet.text_columns
            else "0.00"
            if column in sheet.decimal_columns
            else None
            for column in sheet.columns
        ]
        for index, line in enumerate(sheet.title_lines):
            title = WriteOnlyCell(worksheet, value=xlsx_cell(line))
            title.data_type = "s"
            title.font = title_font if index == 0 else bold
            worksheet.append([title])
        header = []
        for column in headings:
            cell = WriteOnlyCell(worksheet, value=xlsx_cell(column))
            cell.data_type = "s"
            cell.font = bold
            header.append(cell)
        worksheet.append(header)
        for row in sheet.rows:
            cells: list[Any] = []
            for column, number_format in zip(sheet.columns, formats, strict=True):
                value = xlsx_cell(row.get(column))
                is_formula_like = isinstance(value, str) and value.startswith("=")
                if number_format is None and not is_formula_like:
                    cells.append(value)
                    continue
                cell = WriteOnlyCell(worksheet, value=value)
                if is_formula_like:
                    cell.data_type = "s"  # openpyxl takes any text starting with = for a formula
                if number_format is not None:
                    cell.number_format = number_format
                cells.append(cell)
            worksheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list | tuple):
        return " ".join(str(item) for item in value)
    return "" if value is None else str(value)


def _display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: Chinese characters are about twice as wide."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
