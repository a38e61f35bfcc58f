"""Every user-facing sentence goes through here, in English and Chinese (SPEC §2).

Messages are gettext catalogs (`ecotrack/locale/<language>/LC_MESSAGES/ecotrack.po`, compiled to `.mo`
and shipped in the package). The message ids are the English text: `t("…")` for a sentence,
`tn("… {count} entry", "… {count} entries", count=n)` for one that counts, `tp(context, "…")` where the
same English needs different words, and `N_("…")` to mark a message kept as data and translated later
with `t`. They speak the interface language (`set_language`), or inside `with in_language(…)` the language
of a document that has its own (a notice circulated in Chinese is still Chinese in an English session).
Babel extracts them (`pybabel extract -k t -k tn:1,2 -k tp:1c,2 -k N_`); a test checks that every message
is in every catalog. Data keys and status words in JSON and CSV never change with the language; only what
people read does.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path

Language = str  # "zh" | "en"
LANGUAGES = ("zh", "en")
LOCALES = Path(__file__).resolve().parent / "locale"
CATALOG_LOCALES = {"zh": "zh_CN", "en": "en"}
DOMAIN = "ecotrack"

_language: Language = "en"


def detect_language(environ: Mapping[str, str] | None = None) -> Language:
    """`zh` when the locale (LC_ALL, then LANG) starts with zh, else `en` (SPEC §2)."""
    env = os.environ if environ is None else environ
    locale = env.get("LC_ALL") or env.get("LANG") or ""
    return "zh" if locale.lower().startswith("zh") else "en"


def set_language(language: Language) -> None:
    global _language
    _language = language if language in LANGUAGES else "en"


def language() -> Language:
    return _language


@contextmanager
def in_language(language: Language) -> Iterator[None]:
    """Messages in `language` inside the block, in the interface language again after it."""
    global _language
    interface = _language
    set_language(language)
    try:
        yield
    finally:
        _language = interface


@cache
def _catalog(language: Language) -> gettext.NullTranslations:
    """The compiled catalog of a language; English falls back to the message ids themselves."""
    return gettext.translation(DOMAIN, LOCALES, languages=[CATALOG_LOCALES[language]], fallback=True)


def N_(message: str) -> str:  # noqa: N802  (the conventional gettext marker)
    """Mark a message kept as data (a column header, a table of reasons) for extraction; `t` it later."""
    return message


def t(message: str, /, **values: object) -> str:
    """`message` in the interface language, with `values` filled in."""
    return _catalog(_language).gettext(message).format(**values)


def unformatted(message: str) -> str:
    """`message` in the interface language as written, for a caller that fills it in itself (Typer)."""
    return _catalog(_language).gettext(message)


def tn(singular: str, plural: str, /, *, count: int, **values: object) -> str:
    """A message that counts: the form for `count` in the interface language, `count` filled in too."""
    return _catalog(_language).ngettext(singular, plural, count).format(count=count, **values)


def tp(context: str, message: str, /, **values: object) -> str:
    """A message whose English is shared by messages that need different words, told apart by `context`."""
    return _catalog(_language).pgettext(context, message).format(**values)


def did_you_mean(text: str, choices: Iterable[str]) -> str:
    """ "; did you mean 'x'?" for the closest of `choices`, or nothing when none is close."""
    import difflib

    close = difflib.get_close_matches(text, list(choices), n=1)
    return t("; did you mean '{suggestion}'?", suggestion=close[0]) if close else ""


# Status words: JSON and CSV always use the keys; tables show these labels.
STATUS_LABELS: dict[str, str] = {
    "done": N_("done"),
    "on_track": N_("on track"),
    "at_risk": N_("at risk"),
    "behind": N_("behind"),
    "on_time": N_("on time"),
    "late": N_("late"),
    "missing": N_("missing"),
    "pending": N_("pending"),
    "not_required": N_("not required"),
    "town": N_("town"),
    "subdistrict": N_("sub-district"),
    "department": N_("department"),
    "quantity": N_("quantity"),
    "milestone": N_("milestone"),
    "accepted": N_("accepted"),
    "submitted": N_("awaiting review"),
    "returned": N_("returned"),
    "open": N_("open"),
    "overdue": N_("overdue"),
    "answered": N_("answered"),
    "closed": N_("closed"),
    "reopened": N_("reopened"),
    # the 亮灯 board's lights and its ranking group without `rank_by: kind`
    "green": N_("green"),
    "yellow": N_("yellow"),
    "red": N_("red"),
    "all": N_("all units"),
}


def label(word: str) -> str:
    """The table label of a status word or kind (the word itself when it has none)."""
    english = STATUS_LABELS.get(word)
    return word if english is None else t(english)
