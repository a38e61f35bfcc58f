"""Text cells that a spreadsheet must never run as a formula (RELIABILITY.md, OWASP CSV injection).

A text that starts with `=`, `+`, `-`, `@`, a tab, CR or LF is written with a leading `'`; so is
one that already starts with apostrophes before such a character, so that reading strips exactly
one `'` where writing added one and the text `'` itself survives the round trip.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def _would_run(text: str) -> bool:
    return text.lstrip("'").startswith(FORMULA_STARTS)


def neutralise(text: str) -> str:
    """The text as written to a CSV or XLSX cell."""
    return "'" + text if _would_run(text) else text


def restore(text: str) -> str:
    """The text as it was before `neutralise` (the inverse, for imports)."""
    return text[1:] if text.startswith("'") and _would_run(text[1:]) else text
