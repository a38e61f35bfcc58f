"""Writing results for scripts and spreadsheets: JSON, CSV (BOM, formula-safe) and XLSX."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import asdict, dataclass, is_dataclass
from typing import Any

from ecotrack.cells import neutralise


def plain(value: Any) -> Any:
    """Dataclasses, dates and tuples as JSON-ready data (dict order kept)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {key: plain(item) for key, item in asdict(value).items()}
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def json_text(data: Any) -> str:
    """Stable JSON for scripts: UTF-8 Chinese as is, two-space indent, a final newline."""
    return json.dumps(plain(data), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def csv_cell(value: Any) -> str:
    """One CSV cell: numbers in full, booleans as true/false, text safe from formula execution."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    if isinstance(value, list | tuple):
        return neutralise(" ".join(str(item) for item in value))
    return neutralise(str(value))


def csv_text(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """A header row of `columns`, then one line per row (missing keys left empty)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row.get(column)) for column in columns])
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


def _sheet_title(title: str, taken: set[str]) -> str:
    """A legal, unique worksheet name: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in title)[:31] or "sheet"
    name, counter = cleaned, 2
    while name in taken:
        suffix = f" ({counter})"
        name, counter = cleaned[: 31 - len(suffix)] + suffix, counter + 1
    taken.add(name)
    return name


def xlsx_cell(value: Any) -> Any:
    """A cell value for openpyxl: numbers stay numbers, text is never a formula."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list | tuple):
        value = " ".join(str(item) for item in value)
    # openpyxl stores any string starting with "=" as a formula: neutralise every text cell.
    return neutralise(str(value))


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """A workbook formatted for people: bold frozen header, fitted column widths, shares as percentages."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    for sheet in sheets:
        worksheet = workbook.create_sheet(_sheet_title(sheet.title, taken))
        worksheet.append([xlsx_cell(c) for c in sheet.columns])
        for cell in worksheet[1]:
            cell.font = Font(bold=True)
        worksheet.freeze_panes = "A2"
        widths = [_display_width(str(c)) for c in sheet.columns]
        for row in sheet.rows:
            values = [row.get(column) for column in sheet.columns]
            worksheet.append([xlsx_cell(v) for v in values])
            for index, value in enumerate(values):
                widths[index] = max(widths[index], _display_width(_shown(value)))
        for index, column in enumerate(sheet.columns, start=1):
            letter = get_column_letter(index)
            worksheet.column_dimensions[letter].width = min(max(widths[index - 1] + 2, 8), 60)
            style = "0.00%" if column in sheet.percent_columns else "@" if column in sheet.text_columns else None
            if style:
                for cell in worksheet[letter][1:]:
                    cell.number_format = style
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
