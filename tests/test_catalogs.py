"""The message catalogs (issue 11): every message extracted is in every catalog, translated, with the same
placeholders; the compiled catalogs shipped in the package say what the .po files say; no message id is
built at run time; English counts agree with their number."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from ecotrack import i18n

from .conftest import ROOT, Workspace, csv_text

PACKAGE = ROOT / "ecotrack"
KEYWORDS = {"t": None, "tn": (1, 2), "tp": ((1, "c"), 2), "N_": None}
CATALOGS = {
    language: i18n.LOCALES / code / "LC_MESSAGES" / "ecotrack.po" for language, code in i18n.CATALOG_LOCALES.items()
}
PLACEHOLDER = re.compile(r"(?<!\{)\{(\w+)[^{}]*\}(?!\})")


def _extracted() -> dict[tuple[str | None, str | tuple[str, ...]], list[str]]:
    from babel.messages.frontend import parse_mapping_cfg

    found: dict[tuple[str | None, str | tuple[str, ...]], list[str]] = {}
    with (i18n.LOCALES / "babel.cfg").open() as config:  # the mapping the pybabel extract of docs/architecture.md uses
        method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(PACKAGE), keywords=KEYWORDS, method_map=method_map, options_map=options_map
    ):
        key = message if isinstance(message, str) else tuple(message)
        found.setdefault((context, key), []).append(f"{filename}:{lineno}")
    return found


def _catalog(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _messages(catalog: Catalog) -> dict[tuple[str | None, str | tuple[str, ...]], object]:
    return {
        (message.context, message.id if isinstance(message.id, str) else tuple(message.id)): (
            message.string if isinstance(message.string, str) else tuple(message.string or ())
        )
        for message in catalog
        if message.id
    }


@pytest.mark.parametrize("language", sorted(CATALOGS))
def test_every_message_of_the_code_is_in_the_catalog_and_no_other(language: str) -> None:
    extracted = set(_extracted())
    catalogued = set(_messages(_catalog(CATALOGS[language])))
    assert extracted - catalogued == set(), "run the pybabel extract and update of docs/architecture.md, Development"
    assert catalogued - extracted == set(), "messages no code uses: run pybabel update with --ignore-obsolete"


def test_every_chinese_message_is_translated_with_the_same_placeholders() -> None:
    for (context, message), translation in _messages(_catalog(CATALOGS["zh"])).items():
        forms = translation if isinstance(translation, tuple) else (translation,)
        ids = message if isinstance(message, tuple) else (message,)
        assert all(forms), f"untranslated: {context or ''} {message!r}"
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for form in forms:
            assert set(PLACEHOLDER.findall(form)) == wanted, (message, form)


def test_the_english_catalog_leaves_every_message_as_written() -> None:
    for (_context, message), translation in _messages(_catalog(CATALOGS["en"])).items():
        forms = translation if isinstance(translation, tuple) else (translation,)
        assert not any(forms), f"English is the message id itself: {message!r}"


@pytest.mark.parametrize("language", sorted(CATALOGS))
def test_the_compiled_catalog_says_what_the_po_file_says(language: str) -> None:
    with CATALOGS[language].with_suffix(".mo").open("rb") as handle:
        compiled = read_mo(handle)
    written = _catalog(CATALOGS[language])

    def translated(catalog: Catalog) -> dict[object, object]:
        # an untranslated plural is compiled as its English forms: the same as no translation
        return {k: v for k, v in _messages(catalog).items() if isinstance(v, str | tuple) and any(v) and v != k[1]}

    assert translated(compiled) == translated(written), "run pybabel compile (docs/architecture.md, Development)"


def test_no_message_id_is_built_at_run_time() -> None:
    """A message must be a literal (or a variable holding one marked with N_): never an f-string, a
    concatenation or a format call, which no extractor can find."""
    calls = {"t": 1, "tn": 2, "tp": 2, "N_": 1}
    problems = []
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in calls:
                for argument in node.args[: calls[node.func.id]]:
                    literal = isinstance(argument, ast.Constant) and isinstance(argument.value, str)
                    marked = isinstance(argument, ast.Name | ast.Attribute | ast.Subscript) and node.func.id == "t"
                    if not (literal or marked):
                        problems.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert problems == []


def test_the_chinese_catalog_has_one_plural_form_and_english_two() -> None:
    assert _catalog(CATALOGS["zh"]).num_plurals == 1
    assert _catalog(CATALOGS["en"]).num_plurals == 2


@pytest.mark.parametrize(
    ("rows", "english", "chinese"),
    [
        (1, "imported 1 entry from rows.csv as import #1", "已从 rows.csv 导入 1 条数据"),
        (2, "imported 2 entries from rows.csv as import #1", "已从 rows.csv 导入 2 条数据"),
    ],
)
def test_a_count_takes_the_form_of_its_number(
    conformance_empty: Workspace, rows: int, english: str, chinese: str
) -> None:
    lines = ["dongpo,1.1,2014-03,2,,c,2014-04-02", "nanyuan,1.1,2014-03,1,,c,2014-04-02"][:rows]
    conformance_empty.write("rows.csv", csv_text(lines))
    outcome = conformance_empty.ok("--lang", "en", "import", "rows.csv")
    assert outcome.stderr.strip() == english
    conformance_empty.write("again.csv", csv_text([line.replace(",2,", ",3,").replace(",1,", ",4,") for line in lines]))
    assert conformance_empty.ok("--lang", "zh", "import", "again.csv").stderr.startswith(
        chinese.replace("rows", "again")
    )


def test_help_is_chinese_under_a_chinese_locale_and_flags_show_no_type() -> None:
    import os
    import subprocess

    from .conftest import ECOTRACK

    env = {k: v for k, v in os.environ.items() if k not in ("ECOTRACK_LANG", "LC_ALL", "LANGUAGE")}
    shown = subprocess.run(
        [str(ECOTRACK), "import", "--help"],
        env={**env, "LANG": "zh_CN.UTF-8", "COLUMNS": "120"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    for words in ("用法：ecotrack import", "导入月报表", "逐行检查，不录入任何数据。", "选项", "显示本帮助并退出。"):
        assert words in shown.stdout
    for english in ("<bool>", "Check every row", "Usage:"):
        assert english not in shown.stdout


def test_help_follows_the_lang_given_before_the_command(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from ecotrack.cli.app import app

    chinese = CliRunner().invoke(app, ["--lang", "zh", "status", "--help"], env={"COLUMNS": "120", "LANG": "C"})
    assert "序时进度" in chinese.stdout and "Evaluate as of" not in chinese.stdout
    english = CliRunner().invoke(app, ["--lang=en", "status", "--help"], env={"COLUMNS": "120", "LANG": "zh_CN.UTF-8"})
    assert "Evaluate as of this date" in english.stdout and "选项" not in english.stdout
    assert "Usage: ecotrack status" in english.stdout and "用法" not in english.stdout


def test_no_message_hides_inside_an_f_string() -> None:
    """Babel skips an f-string with substitutions whole: a t() inside one is never extracted, so never
    translated (the meeting pack's headings once stayed English in Chinese)."""
    import re
    from pathlib import Path

    hidden = re.compile(r"""\bf(["']).*\{[^}]*\b(t|tn|tp)\(["']""")
    found = [
        f"{path.name}:{number}"
        for path in sorted((Path(__file__).parent.parent / "ecotrack").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if hidden.search(line)
    ]
    assert not found
