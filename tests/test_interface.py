"""The interface clerks and offices keep using (issue 11): numbers as people and scripts want them, JSON where
JSON is asked for, global options placed where they work."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from .conftest import Workspace, on_a_terminal


def _floats(data: Any) -> list[float]:
    if isinstance(data, float):
        return [data]
    if isinstance(data, dict):
        return [number for value in data.values() for number in _floats(value)]
    if isinstance(data, list):
        return [number for value in data for number in _floats(value)]
    return []


@pytest.mark.parametrize(
    "command",
    [
        ("status", "--as-of", "2012-07-06"),
        ("assess", "--as-of", "2013-02-01"),
        ("overdue", "--as-of", "2012-07-06"),
        ("export", "--as-of", "2013-02-01"),
    ],
    ids=lambda command: command[0],
)
def test_json_carries_no_floating_point_noise_and_no_minus_nought(sample: Workspace, command: tuple[str, ...]) -> None:
    """`"expected": 1.2000000000000002` and `"gap": -8.999999999999941` were in 58 of 114 status rows."""
    text = sample.ok(*command, "--format", "json").stdout
    numbers = _floats(json.loads(text))
    assert numbers
    noisy = [n for n in numbers if len(re.sub(r"[-.]|e.*", "", repr(n)).lstrip("0")) > 10]
    assert noisy == []
    assert "-0.0" not in re.findall(r"-?\d+\.\d+", text)


def test_csv_writes_whole_numbers_without_a_decimal_point(sample: Workspace) -> None:
    text = sample.ok("status", "--as-of", "2012-07-06", "--format", "csv").stdout
    assert not re.search(r"(^|,)-?\d+\.0(,|\r?$)", text, re.M), text[:400]
    assert ",-0," not in text


def test_a_table_never_shows_minus_nought(sample: Workspace) -> None:
    table = sample.ok("status", "--as-of", "2012-01-06", "--full", env={"COLUMNS": "200"}).stdout
    assert not re.search(r"(?<![\d.])-0(?:%|\b)(?![.\d])", table)


def test_notice_as_json_goes_to_stdout_when_the_document_goes_to_a_folder(conformance: Workspace) -> None:
    outcome = conformance.ok("notice", "--as-of", "2014-07-06", "--out", "notices", "--format", "json")
    record = json.loads(outcome.stdout)
    assert record["evaluation_month"] == "2014-06" and record["units"]
    assert list((conformance.root / "notices").iterdir())


def test_plan_show_honours_format(sample: Workspace) -> None:
    shown = json.loads(sample.ok("plan", "show", "--format", "json").stdout)
    assert shown["plan_year"] == 2012 and shown["plan"]["tasks"]
    rows = sample.ok("plan", "show", "--format", "csv").stdout.splitlines()
    assert rows[0].lstrip("\ufeff").startswith("task,task_title,target")
    assert len(rows) > 10


@pytest.mark.parametrize("option", ["--lang", "--db", "--plan", "--year"])
def test_a_global_option_after_the_command_gets_a_hint(sample: Workspace, option: str) -> None:
    outcome = sample.run("status", option, "x")
    assert outcome.exit_code == 2
    assert outcome.stderr.splitlines() == [
        f"error: No such option: {option}",
        f"{option} is an option of ecotrack itself: give it before the command, as in `ecotrack {option} … status`",
    ]


def test_the_monthly_period_is_called_the_statistics_month_in_chinese(sample: Workspace) -> None:
    table = sample.ok("--lang", "zh", "status", "--as-of", "2012-07-06", "--full", env={"COLUMNS": "200"}).stdout
    assert "统计月份 2012-06" in table and "考核月份" not in table
    assert "序时进度" in table


COMPLETING = """
import os, sys
sys.argv = ["ecotrack"]
from ecotrack.cli.app import main
try:
    main()
except SystemExit:
    pass
heavy = sorted(m for m in ("sqlalchemy", "sqlmodel", "alembic", "openpyxl", "docx", "matplotlib") if m in sys.modules)
sys.stderr.write("heavy:" + ",".join(heavy))
"""


def _complete(workspace: Workspace, words: str) -> tuple[list[str], str]:
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        **workspace.env(),
        "_ECOTRACK_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
    }
    done = subprocess.run(
        [sys.executable, "-c", COMPLETING], env=env, cwd=workspace.root, capture_output=True, text=True, timeout=60
    )
    return done.stdout.split(), done.stderr


def test_completion_offers_unit_and_target_codes_from_the_plan_without_the_database_stack(sample: Workspace) -> None:
    offered, stderr = _complete(sample, "ecotrack report --unit qi")
    assert offered == ["qingshan"]
    assert stderr.endswith("heavy:"), stderr  # nothing heavy imported for a TAB
    targets, _ = _complete(sample, "ecotrack history --unit qingshan --target 1")
    assert targets and all(code.startswith("1") for code in targets)
    everyone, _ = _complete(sample, "ecotrack history --target 1")
    assert set(targets) < set(everyone)  # with a unit: only what it is assigned
    assert _complete(sample, "ecotrack --year 20")[0] == ["2012"]


def test_overdue_brief_gives_one_line_per_unit_with_its_reasons(sample: Workspace) -> None:
    listed = json.loads(sample.ok("overdue", "--as-of", "2012-07-06", "--format", "json").stdout)["units"]
    brief = sample.ok("overdue", "--as-of", "2012-07-06", "--brief", env={"COLUMNS": "100"}).stdout.splitlines()
    assert len(brief) == len(listed) + 2  # the title, a line per unit, what (n) means
    for line, unit in zip(brief[1:-1], listed, strict=True):
        for month in unit["missing_reports"]:
            assert month in line
        for row in unit["behind"]:
            assert row["target"] in line
    assert "(n) after a unit" in brief[-1]


def test_english_interface_shows_english_measures_and_grades_and_json_keeps_the_record(sample: Workspace) -> None:
    status = sample.ok("--lang", "en", "status", "--as-of", "2012-07-06", "--unit", "baisha", env={"COLUMNS": "200"})
    assert "facilities" in status.stdout and "座" not in status.stdout
    assess = sample.ok("--lang", "en", "assess", "--as-of", "2013-02-01", env={"COLUMNS": "200"}).stdout
    assert "Excellent" in assess and "优秀" not in assess
    record = json.loads(sample.ok("--lang", "en", "status", "--as-of", "2012-07-06", "--format", "json").stdout)
    assert {row["measure"] for row in record["rows"]} >= {"座", "家"}
    grades = {
        u["grade"] for u in json.loads(sample.ok("assess", "--as-of", "2013-02-01", "--format", "json").stdout)["units"]
    }
    assert "优秀" in grades
    chinese = sample.ok("--lang", "zh", "assess", "--as-of", "2013-02-01", env={"COLUMNS": "200"}).stdout
    assert "优秀" in chinese and "Excellent" not in chinese


def test_the_english_notice_names_units_and_targets_in_english(sample: Workspace) -> None:
    document = sample.ok("notice", "--as-of", "2012-07-06", "--dry-run", "--document-lang", "en").stdout
    assert "Baisha Town" in document and "白沙镇" not in document
    assert "facilities" in document


def test_a_unit_may_be_given_by_its_name(sample: Workspace) -> None:
    by_name = sample.ok(
        "--lang",
        "zh",
        "report",
        "--unit",
        "青山镇",
        "--target",
        "1.1",
        "--period",
        "2012-12",
        "--value",
        "4",
        "--on",
        "2013-01-04",
    ).stderr
    assert "qingshan" in by_name or "青山镇" in by_name
    assert (
        sample.query(
            "SELECT count(*) FROM entry e JOIN assignment a ON a.id = e.assignment_id "
            "JOIN unit u ON u.id = a.unit_id WHERE u.code = 'qingshan' AND e.period = '2012-12' "
            "AND e.value = 4"
        )[0][0]
        == 1
    )
    status = json.loads(
        sample.ok("status", "--as-of", "2012-07-06", "--unit", "Qingshan Town", "--format", "json").stdout
    )
    assert {row["unit"] for row in status["rows"]} == {"qingshan"}
    unknown = sample.run("status", "--unit", "青山")
    assert unknown.exit_code == 2 and "did you mean '青山镇'" in unknown.stderr


def test_a_misspelt_target_is_matched_only_among_the_units_own(sample: Workspace) -> None:
    """ "did you mean '3.9'" suggested a target the unit is not assigned."""
    own = {
        row["target"]
        for row in json.loads(sample.ok("targets", "--unit", "qingshan", "--format", "json").stdout)["targets"]
    }
    outcome = sample.run("report", "-u", "qingshan", "-t", "3.99", "-p", "2012-06", "-v", "1")
    assert outcome.exit_code == 2
    assert "3.9" not in own and "did you mean" not in outcome.stderr  # 3.9 is close, but not qingshan's
    close = sample.run("report", "-u", "qingshan", "-t", "1.11", "-p", "2012-06", "-v", "1")
    assert re.findall(r"did you mean '([^']+)'", close.stderr) == ["1.1"]


def test_the_summary_of_a_refused_import_comes_after_its_rows(conformance_empty: Workspace) -> None:
    conformance_empty.write("rows.csv", "unit,target,period,value\ndongpo,1.1,2014-13,2\nx,1.1,2014-03,2\n")
    lines = conformance_empty.run("import", "rows.csv").stderr.splitlines()
    assert lines[-1] == "error: rows.csv: 2 bad rows; nothing was imported"
    assert lines[0].startswith("error: rows.csv:2: ") and lines[1].startswith("error: rows.csv:3: ")


# --- tables that never cut data ------------------------------------------------------------------------


def _number(value: float) -> str:
    from ecotrack.render import number

    return number(value)


LISTINGS = {
    "status": ("status", "--as-of", "2012-07-06", "--full"),
    "overdue": ("overdue", "--as-of", "2012-07-06"),
    "filings": ("filings", "--as-of", "2012-07-06"),
    "history": ("history", "--unit", "baisha"),
    "targets": ("targets",),
    "units": ("units",),
    "assess": ("assess", "--as-of", "2013-02-01"),
}


def _expected_texts(command: str, data: dict[str, Any], names: dict[str, set[str]]) -> list[set[str]]:
    """For each value a table must show: the texts any of which shows it."""
    wanted: list[set[str]] = []
    rows: list[dict[str, Any]] = next(value for key, value in data.items() if isinstance(value, list))
    for row in rows:
        if "unit" in row:
            wanted.append(names[row["unit"]] | {row["unit"]})
        if "target" in row:
            wanted.append({row["target"]})
        for key in ("amount", "actual", "expected", "gap", "value", "score"):
            shown = isinstance(row.get(key), int | float) and not (key == "gap" and row[key] <= 1e-9)
            if shown and row.get("type") != "milestone":
                wanted.append({_number(row[key])})
        for key in ("period", "last_period"):
            if row.get(key):
                wanted.append({row[key], row[key][5:]})
        for month in row.get("missing_reports", []):
            wanted.append({month})
    return wanted


def _columns_read_down(table: str) -> str:
    """Each column of the tables (and the lines outside them) read top to bottom without spaces, joined
    by a separator no value holds."""
    columns: dict[int, list[str]] = {}
    outside: list[str] = []
    for line in table.splitlines():
        cells = re.split(r"[│┃]", line)
        if len(cells) < 3:
            outside.append(line)
            continue
        for index, cell in enumerate(cells):
            columns.setdefault(index, []).append(re.sub(r"\s+", "", cell))
    parts = ["".join(column) for column in columns.values()] + [re.sub(r"\s+", "", line) for line in outside]
    return "\x00".join(parts)


@pytest.mark.parametrize("columns", ["80", "200"])
@pytest.mark.parametrize("command", sorted(LISTINGS))
def test_every_listing_shows_all_its_data_at_any_width(sample: Workspace, command: str, columns: str) -> None:
    from ecotrack.planfile import read_plan

    plan, _ = read_plan(sample.plan)
    names = {u.code: {u.name, u.name_en or u.name} for u in plan.units}
    args = LISTINGS[command]
    data = json.loads(sample.ok("--lang", "en", *args, "--format", "json").stdout)
    table = sample.ok("--lang", "en", *args, env={"COLUMNS": columns}).stdout
    joined = _columns_read_down(table)  # a value wrapped over two lines of its column still reads whole
    missing = [
        texts
        for texts in _expected_texts(command, data, names)
        if not any(re.sub(r"\s+", "", text) in joined for text in texts)
    ]
    assert missing == [], f"{len(missing)} values not shown, e.g. {missing[:5]}"
    # nothing is cut but a target's title, to its short title (plan.short_title) where every unit is listed
    endings = {g.short_title("en").split()[-1] for g in plan.targets() if g.short_title("en").endswith("…")}
    cut = [word for word in re.sub(r"[│┃]", " ", table).split() if "…" in word]
    assert set(cut) <= endings, set(cut) - endings


# --- each language whole ----------------------------------------------------------------------------------

WALK = [
    ("units",),
    ("targets", "--unit", "liuhe"),
    ("status", "--as-of", "2012-07-06"),
    ("filings", "--as-of", "2012-07-06"),
    ("overdue", "--as-of", "2012-07-06"),
    ("overdue", "--as-of", "2012-07-06", "--brief"),
    ("assess", "--as-of", "2013-02-01"),
    ("assess", "--as-of", "2013-02-01", "--unit", "baisha"),
    ("history", "--unit", "baisha"),
    ("notices",),
    ("plan", "show"),
    ("plan", "check"),
    ("import", "--dry-run", "{sample}"),
    ("template", "--unit", "liuhe", "--period", "2012-08", "--out", "form.csv"),
    ("status", "--help"),
    ("import", "--help"),
    ("--help",),
]
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")


def _english_fragments() -> set[str]:
    """Runs of three or more words of the English message ids: any of them in Chinese output is a leak."""
    from babel.messages.pofile import read_po

    from ecotrack import i18n

    with (i18n.LOCALES / "en" / "LC_MESSAGES" / "ecotrack.po").open("rb") as handle:
        catalog = read_po(handle)
    fragments = set()
    for message in catalog:
        for text in [message.id] if isinstance(message.id, str) else list(message.id):
            for piece in re.split(r"\{[^{}]*\}|[;:()\[\]'`\"]", text):
                words = re.findall(r"[A-Za-z]{2,}", piece)
                if len(words) >= 3:
                    fragments.add(" ".join(words))
    return fragments


def _data_texts(workspace: Workspace) -> list[str]:
    """Every text the record holds (names, titles, measures, notes, reporters, the plan's own words)."""
    texts = [
        str(row[0])
        for table, column in (
            ("unit", "name"),
            ("task", "title"),
            ("target", "title"),
            ("target", "measure"),
            ("entry", "note"),
            ("entry", "reported_by"),
            ("support_note", "text"),
            ("plan", "title"),
            ("plan", "office"),
            ("plan", "assessment"),
            ("plan", "notices"),
        )
        for row in workspace.query(f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL")
    ]
    parts = {re.sub(r"\s+", "", part) for text in texts for part in re.split(r'[,"\[\]{}:]', text)}
    return sorted((part for part in parts if part), key=len, reverse=True)  # the longest first


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_command_speaks_one_language(sample: Workspace, language: str) -> None:
    from .conftest import SAMPLE_FILINGS

    fragments = _english_fragments()
    data = _data_texts(sample)
    for command in WALK:
        args = [arg.replace("{sample}", str(SAMPLE_FILINGS)) for arg in command]
        outcome = sample.run("--lang", language, *args, env={"COLUMNS": "200"})
        assert outcome.exit_code == 0, (command, outcome.stderr)
        text = outcome.stdout + outcome.stderr
        if language == "zh":
            words = " ".join(re.findall(r"[A-Za-z]{2,}", re.sub(r"--?[a-z-]+|\S+\.(csv|yaml|db)\b", " ", text)))
            leaks = [fragment for fragment in fragments if fragment in words]
            assert leaks == [], (command, leaks[:5])
        else:
            read = _columns_read_down(text)  # a note folded over several lines of its column reads whole
            for part in data:
                read = read.replace(part, " ")
            assert CJK.findall(read) == [], (command, CJK.findall(read)[:10])
            assert not re.search(r"\b1 (entries|rows|units|targets|notices|cells|tasks|assignments)\b", text), command


def _form_on_a_terminal(workspace: Workspace, answers: str, *args: str) -> str:
    """`ecotrack report` on a pseudo-terminal fed `answers`, its output without colours."""
    _, received = on_a_terminal(
        workspace, "report", *args, answers=answers, env={"COLUMNS": "120", "ECOTRACK_LANG": "en"}
    )
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", received.decode("utf-8", "replace"))


def test_the_monthly_form_says_what_it_files_and_what_it_replaces(sample: Workspace) -> None:
    before = sample.entries()
    shown = _form_on_a_terminal(sample, "4\n" + "\n" * 60, "--unit", "qingshan", "--period", "2012-06")
    assert "last reported" in shown and "for 2012-0" in shown
    assert "2012-06 is filed already: a value given now replaces it, as a correction" in shown
    first = re.search(r"^(\d+\.\d+) .*: amount", shown, re.M)
    assert first is not None
    assert f"  {first.group(1)} 2012-06: 4" in shown  # listed before the confirmation
    assert sample.entries() == before + 1


def test_a_milestone_in_the_form_takes_yes_or_no(sample: Workspace) -> None:
    from ecotrack.cli.entries import _milestone_answer

    assert [_milestone_answer(a) for a in ("y", "是", "1", "N", "否", "0")] == [1, 1, 1, 0, 0, 0]
    with pytest.raises(Exception, match="answer y or n"):
        _milestone_answer("maybe")


def test_a_template_row_left_blank_is_skipped_and_reported(sample: Workspace) -> None:
    sample.ok("template", "--unit", "liuhe", "--period", "2012-08", "--out", "form.csv")
    lines = (sample.root / "form.csv").read_text(encoding="utf-8-sig").splitlines()
    header, rows = lines[0].split(","), [line.split(",") for line in lines[1:]]
    value = header.index("value")
    # one target filled in (more than is on file), the others left blank as the clerk found nothing to report
    rows[0][value] = str(float(rows[0][header.index("amount")]) + 0.5)
    (sample.root / "form.csv").write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    before = sample.entries()
    outcome = sample.ok("import", "form.csv")
    assert f"{len(rows) - 1} rows left blank, not filed" in outcome.stderr
    assert "imported 1 entry" in outcome.stderr
    assert sample.entries() == before + 1


def test_an_empty_cell_is_named_by_the_header_the_file_uses(conformance_empty: Workspace) -> None:
    conformance_empty.write("表.csv", "单位,指标,月份,完成值,备注\ndongpo,1.1,2014-03,,已核实\n")
    outcome = conformance_empty.run("--lang", "zh", "import", "表.csv")
    assert outcome.exit_code == 2
    assert "error: 表.csv:2: 完成值 为空" in outcome.stderr, outcome.stderr
    conformance_empty.write("rows.csv", "unit,target,period,value,note\ndongpo,1.1,2014-03,,checked\n")
    assert "error: rows.csv:2: value is empty" in conformance_empty.run("import", "rows.csv").stderr


def test_every_command_shows_an_example_in_its_help() -> None:
    import typer
    from typer.testing import CliRunner

    from ecotrack.cli.app import app

    def paths(command: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
        found = [prefix] if prefix else []
        for name, sub in getattr(command, "commands", {}).items():
            found += paths(sub, (*prefix, name))
        return found

    for path in paths(typer.main.get_command(app)):
        shown = CliRunner().invoke(app, ["--lang", "en", *path, "--help"], env={"COLUMNS": "160"}).stdout
        assert f"Example: ecotrack {' '.join(path)}" in shown, path


def test_narrow_tables_keep_titles_and_names_to_few_lines(sample: Workspace) -> None:
    """At 80 columns the longest title of the sample wraps over at most three lines, and the filings grid
    gives most units one line (the outer rules and padding go, not the data)."""
    status = sample.ok("--lang", "zh", "status", "--as-of", "2012-07-06", "--unit", "qingshan", env={"COLUMNS": "80"})
    title_lines = [line for line in status.stdout.splitlines() if re.search(r"关停搬迁|群众生活|环境的企业", line)]
    assert 0 < len(title_lines) <= 3, status.stdout
    filings = sample.ok("--lang", "en", "filings", "--as-of", "2012-07-06", env={"COLUMNS": "80"}).stdout
    unit_lines = [line for line in filings.splitlines() if "│" in line and re.search(r"[A-Za-z]", line)]
    assert len(unit_lines) <= 30, filings  # 19 units, a few of them with long English names
    assert max(len(line) for line in filings.splitlines()) <= 80


HELPING = """
import sys
import typer.main
built = []
real = typer.main.get_command_from_info
def counting(info, **options):
    built.append(info.name or info.callback.__name__)
    return real(info, **options)
typer.main.get_command_from_info = counting
sys.argv = ["ecotrack", *sys.argv[1:]]
from ecotrack.cli.app import main
try:
    main()
except SystemExit:
    pass
heavy = ("sqlalchemy", "sqlmodel", "alembic", "pydantic", "openpyxl", "docx", "matplotlib", "yaml", "rich",
         "markdown_it", "ecotrack.render", "ecotrack.rules", "ecotrack.tracker", "ecotrack.storage",
         "ecotrack.listings", "ecotrack.plan")
sys.stderr.write("built:" + ",".join(built) + "\\n")
sys.stderr.write("heavy:" + ",".join(sorted(m for m in heavy if m in sys.modules)))
"""


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["status", "--help"], ["notice", "--help"]])
def test_help_and_version_import_no_heavy_module(tmp_path: Path, args: list[str]) -> None:
    """Start-up is every command's cost: --help and --version import neither the database stack, the plan
    parser, the documents' and charts' libraries, Rich, nor the output and listing modules; and they build
    the options of no command but the one asked about. (A subcommand's --help runs the root callback first,
    whose option values Typer 0.29 converts through pydantic: that one is Typer's, and is allowed there.)"""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", HELPING, *args], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    allowed = {"pydantic"} if len(args) > 1 else set()
    heavy = set(done.stderr.rpartition("heavy:")[2].split(",")) - {""}
    assert "heavy:" in done.stderr and not heavy - allowed, done.stderr[-300:]
    built = done.stderr.partition("built:")[2].partition("\n")[0].split(",")
    assert [name for name in built if name] == args[:-1], done.stderr[-300:]


@pytest.mark.parametrize(
    ("args", "unused"),
    [
        (
            ["plan", "check", "tasks.yaml"],
            ["sqlalchemy", "sqlmodel", "alembic", "ecotrack.tracker", "ecotrack.storage"],
        ),
        (
            ["status", "--as-of", "2014-07-06"],
            ["alembic", "yaml", "openpyxl", "docx", "matplotlib", "ecotrack.planfile", "ecotrack.notices"],
        ),
    ],
    ids=["plan-check", "status"],
)
def test_a_command_imports_only_what_it_uses(conformance: Workspace, args: list[str], unused: list[str]) -> None:
    """Start-up is every command's cost: `plan check` touches no database, so it imports neither SQLAlchemy,
    SQLModel, the tracker nor the storage (they were half its start-up); `status` reads the database and draws
    a table, and imports neither the migrations, the plan parser, the spreadsheet, Word and chart libraries nor
    the drafting of notices."""
    import subprocess
    import sys

    probe = (
        "import sys\nfrom ecotrack.cli.app import main\nsys.argv = ['ecotrack', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\nsys.stderr.write('modules:' + ','.join(sorted(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, *args],
        cwd=conformance.root,
        env={**os.environ, **conformance.env()},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "error" not in done.stderr.partition("modules:")[0], done.stderr[:300]
    imported = set(done.stderr.rpartition("modules:")[2].split(","))
    assert "ecotrack.cli.app" in imported and not imported & set(unused), imported & set(unused)


def test_the_root_help_ends_with_its_example_and_history_spaces_its_marks(sample: Workspace) -> None:
    """issue 37: `ecotrack --help` ends with the example the README promises; a superseded entry without a note
    reads "(superseded)" and its marks on their own line, never run together."""
    shown = sample.ok("--lang", "en", "--help", env={"COLUMNS": "160"}).stdout
    assert shown.rstrip().endswith("Example: ecotrack status --as-of 2012-07-06")
    history = sample.ok("--lang", "en", "history", "--unit", "donghu", "--target", "4.3", env={"COLUMNS": "200"})
    assert "(superseded)reported" not in history.stdout and "(superseded)" in history.stdout
