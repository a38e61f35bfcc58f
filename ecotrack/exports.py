"""Writing results for scripts and spreadsheets: JSON, CSV (BOM, formula-safe) and XLSX."""

from __future__ import annotations

import csv
import io
import json
import math
import re
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
    kind = type(value)
    known = _FIELDS.get(kind)
    if known is None and is_dataclass(value) and not isinstance(value, type):
        known = _FIELDS[kind] = (tuple(field.name for field in fields(value)), kind.__name__ in EXACT_RECORDS)
    if known is not None:  # a city's status is 6,000 rows of 17 fields: the names are looked up once a type
        names, exact = known
        if exact:
            return {name: getattr(value, name) for name in names}
        return {name: _tidied(getattr(value, name)) for name in names}
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"not JSON data: {type(value).__name__}")


_FIELDS: dict[type, tuple[tuple[str, ...], bool]] = {}


def _tidied(value: Any) -> Any:
    kind = type(value)
    if kind is str or kind is int or value is None:  # most fields: nothing to tidy
        return value
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
    fit_to_width: bool = False  # printed A4 landscape, one page wide, the title and header rows on every page


@dataclass(frozen=True)
class Cell:
    """A typed cell of a print sheet: `value` as stored (a number stays a number), shown by `number_format`
    (its unit inside the format: 0.00"分"), wrapped when `wrap`."""

    value: Any
    number_format: str | None = None
    wrap: bool = False
    align: str = "center"


@dataclass(frozen=True)
class PrintSheet:
    """A sheet laid out to be printed and signed: A4 landscape, one page wide however many long, its title
    lines and header row repeated on every page (print titles), every cell of the table ruled, a signature
    block under it (each label with a ruled space to sign on), and the sheet and page in the footer."""

    title: str
    title_lines: Sequence[str]
    headings: Sequence[str]
    widths: Sequence[float]  # of each column, in characters
    rows: Sequence[Sequence[Cell]]
    signature: Sequence[tuple[str, str]] = ()  # (label, what the space shows: 年 月 日)
    footer: str = "&A  &P"  # Excel's codes: &A the sheet, &P its page (from 1 on each sheet)
    fonts: tuple[str, str, str] | None = None  # title, header, body (None: the spreadsheet's own)


WIDTH_SAMPLE = 2000
LINE_HEIGHT = 15.0  # points a line of 11 pt text takes in a row


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


def xlsx_bytes(sheets: Sequence[Sheet | PrintSheet]) -> bytes:
    """A workbook formatted for people: bold frozen header, fitted column widths, shares as percentages; and
    print sheets laid out for paper.

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
        if isinstance(sheet, PrintSheet):
            _print_sheet(workbook, sheet, _sheet_title(sheet.title, taken))
            continue
        worksheet = workbook.create_sheet(_sheet_title(sheet.title, taken))
        if sheet.fit_to_width:
            heading_rows = len(sheet.title_lines) + 1
            _for_paper(worksheet, heading_rows, len(sheet.columns), heading_rows + len(sheet.rows))
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


def _for_paper(worksheet: Any, title_rows: int, columns: int, rows: int, footer: str = "&A  &P") -> None:
    """A4 landscape, as many pages long as it takes but one page wide, the first `title_rows` rows on each page,
    centred, the sheet and its page in the footer, printed up to its last cell."""
    from openpyxl.utils import get_column_letter

    setup = worksheet.page_setup
    setup.orientation, setup.paperSize = "landscape", "9"  # 9: A4 (ECMA-376 paperSize)
    setup.fitToWidth, setup.fitToHeight = 1, 0  # 0: as many pages down as needed
    setup.firstPageNumber, setup.useFirstPageNumber = 1, True  # each sheet's pages from 1, however many print
    worksheet.sheet_properties.pageSetUpPr.fitToPage = True
    worksheet.print_options.horizontalCentered = True
    margins = worksheet.page_margins
    margins.left = margins.right = 0.5
    margins.top, margins.bottom, margins.header, margins.footer = 0.6, 0.7, 0.3, 0.3
    worksheet.print_title_rows = f"1:{title_rows}"
    worksheet.print_area = f"A1:{get_column_letter(max(columns, 1))}{max(rows, 1)}"
    worksheet.oddFooter.center.text = footer
    worksheet.oddFooter.center.size = 9


def _print_sheet(workbook: Any, sheet: PrintSheet, name: str) -> None:
    """A print sheet: its title lines merged across the table, the ruled table, the signature block."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    worksheet = workbook.create_sheet(name)
    columns = len(sheet.headings)
    last = get_column_letter(columns)
    title_font, header_font, body_font = sheet.fonts or (None, None, None)
    ruled = Border(*(Side(style="thin"),) * 4)
    # each column at least as wide as its widest figure as shown (12次, 100.00 points): never ### on paper
    widths = [
        max([width] + [_display_width(_formatted(c.value, c.number_format)) + 2 for c in column if not c.wrap])
        for width, column in zip(sheet.widths, zip(*sheet.rows, strict=True) if sheet.rows else (), strict=False)
    ] or list(sheet.widths)
    for index, width in enumerate(widths, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = width
    # before the first row: a write-only sheet writes its properties (fit to page) and columns with it
    title_rows = len(sheet.title_lines) + 1
    signature_rows = 1 + len(sheet.signature) if sheet.signature else 0
    _for_paper(worksheet, title_rows, columns, title_rows + len(sheet.rows) + signature_rows, sheet.footer)

    def cell(value: Any, *, font: Font | None = None, border: Border | None = None, **how: Any) -> WriteOnlyCell:
        made = WriteOnlyCell(worksheet, value=xlsx_cell(value))
        if isinstance(value, str):
            made.data_type = "s"  # text, never a formula
        if font is not None:
            made.font = font
        if border is not None:
            made.border = border
        made.alignment = Alignment(
            horizontal=how.get("align", "center"), vertical="center", wrap_text=how.get("wrap", False)
        )
        if how.get("number_format"):
            made.number_format = how["number_format"]
        return made

    row_number = 0

    def append(cells: list[WriteOnlyCell], height: float | None = None) -> None:
        nonlocal row_number
        row_number += 1
        if height is not None:
            worksheet.row_dimensions[row_number].height = height
        worksheet.append(cells)

    for index, line in enumerate(sheet.title_lines):
        font = Font(name=title_font, size=18 if index == 0 else 11, bold=index == 0)
        append([cell(line, font=font)], 30 if index == 0 else 20)
        worksheet.merged_cells.add(f"A{row_number}:{last}{row_number}")
    header = Font(name=header_font, size=11, bold=True)
    append(
        [cell(text, font=header, border=ruled, wrap=True) for text in sheet.headings],
        LINE_HEIGHT * max(_lines(text, width) for text, width in zip(sheet.headings, widths, strict=True)) + 4,
    )
    body = Font(name=body_font, size=11)
    for row in sheet.rows:
        lines = max(_lines(_shown(c.value), w) if c.wrap else 1 for c, w in zip(row, widths, strict=True))
        append(
            [
                cell(c.value, font=body, border=ruled, wrap=c.wrap, align=c.align, number_format=c.number_format)
                for c in row
            ],
            LINE_HEIGHT * lines + 4,
        )
    # the signature block: each label at the left, a ruled space beside it to sign on, room for a hand
    label_span = _span(widths, 0, max((_display_width(label) + 2 for label, _ in sheet.signature), default=0))
    space_span = _span(widths, label_span, sum(widths) * 0.4)
    if sheet.signature:
        append([])
    for label, shown in sheet.signature:
        cells = [cell(label, font=body, align="right")] + [cell(None) for _ in range(label_span - 1)]
        line = Border(bottom=Side(style="thin"))
        cells += [cell(shown or None, font=body, border=line, align="right")]
        cells += [cell(None, border=line) for _ in range(space_span - 1)]
        append(cells, 36)
        if label_span > 1:
            worksheet.merged_cells.add(f"A{row_number}:{get_column_letter(label_span)}{row_number}")
        if space_span > 1:
            first, end = get_column_letter(label_span + 1), get_column_letter(label_span + space_span)
            worksheet.merged_cells.add(f"{first}{row_number}:{end}{row_number}")


def _formatted(value: Any, number_format: str | None) -> str:
    """About what a spreadsheet shows of `value` in `number_format` (its first section): for column widths."""
    if not isinstance(value, int | float) or isinstance(value, bool) or not number_format:
        return _shown(value)
    section = number_format.split(";")[0]
    literal = "".join(re.findall(r'"([^"]*)"', section))
    decimals = re.search(r"0\.(0+)", section)
    shown = f"{abs(value) * (100 if '%' in section else 1):,.{len(decimals.group(1)) if decimals else 0}f}"
    return "+" + shown + ("%" if "%" in section else "") + literal


def _span(widths: Sequence[float], start: int, needed: float) -> int:
    """How many columns from `start` it takes to be `needed` characters wide (at least one)."""
    total, count = 0.0, 0
    for width in widths[start:]:
        total, count = total + width, count + 1
        if total >= needed:
            break
    return max(count, 1)


def _lines(text: str, width: float) -> int:
    """The lines a wrapped `text` takes in a column `width` characters wide (each of its own lines at least one)."""
    room = max(width - 1, 1.0)
    return sum(max(1, math.ceil(_display_width(line) / room)) for line in text.split("\n"))


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list | tuple):
        return " ".join(str(item) for item in value)
    return "" if value is None else str(value)


def _display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: Chinese characters are about twice as wide."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
