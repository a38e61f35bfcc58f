"""Text cells that a spreadsheet must never run as a formula (RELIABILITY.md, OWASP CSV injection).

A text that starts with `=`, `+`, `-`, `@`, a tab, CR or LF is written with a leading `'`; so is
one that already starts with apostrophes before such a character, so that reading strips exactly
one `'` where writing added one and the text `'` itself survives the round trip.
"""

from __future__ import annotations

import math
import re
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def _would_run(text: str) -> bool:
    return text.lstrip("'").startswith(FORMULA_STARTS)


def neutralise(text: str) -> str:
    """The text as written to a CSV or XLSX cell."""
    return "'" + text if _would_run(text) else text


def restore(text: str) -> str:
    """The text as it was before `neutralise` (the inverse, for imports)."""
    return text[1:] if text.startswith("'") and _would_run(text[1:]) else text


# C0 and C1 control characters but tab and line feed, and DEL: never shown or exported raw. Filing refuses
# them (filing.check_text); this is for what older versions stored, and for plan text.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# a file keeps a note's line breaks as they were filed (CR LF from Windows)
_CONTROL_IN_FILES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
REPLACEMENT = "\ufffd"


def clean(text: str) -> str:
    """The text with every control character (but tab and line feed) shown as U+FFFD, so that stored data
    can neither break a spreadsheet nor send an escape sequence to a terminal."""
    return _CONTROL.sub(REPLACEMENT, text)


# what a one-line name (a file's) never shows raw: every control character, line breaks and the invisible
# characters that reorder text (U+202A-U+202E, U+2066-U+2069) included
_CONTROL_IN_NAMES = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def escaped(text: str) -> str:
    """A one-line name with each control character written as its escape (`\\n`, `\\x1b`, `\\u202e`), so that a
    name stored with one shows what it holds and never moves the terminal's cursor or colours."""
    if not _CONTROL_IN_NAMES.search(text):
        return text
    return _CONTROL_IN_NAMES.sub(lambda found: found.group().encode("unicode_escape").decode("ascii"), text)


def clean_for_file(text: str) -> str:
    """`clean`, keeping carriage returns too (CSV and XLSX hold them; a terminal would be sent back a line)."""
    return _CONTROL_IN_FILES.sub(REPLACEMENT, text)


# Significant digits a computed number keeps in JSON and CSV: enough for every comparison of SPEC §5,
# few enough that 1.2000000000000002 is written 1.2.
SIGNIFICANT_DIGITS = 10


def tidy(number: float) -> float:
    """A computed number without floating-point noise, and never -0."""
    if not math.isfinite(number):
        return number
    rounded = float(f"{number:.{SIGNIFICANT_DIGITS}g}")
    return rounded + 0.0 if rounded else 0.0


def tidied(data: Any) -> Any:
    """`data` (dicts, lists, numbers, text) with every float tidied."""
    if isinstance(data, float):
        return tidy(data)
    if isinstance(data, dict):
        return {key: tidied(value) for key, value in data.items()}
    if isinstance(data, list):
        return [tidied(item) for item in data]
    return data
