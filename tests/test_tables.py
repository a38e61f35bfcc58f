"""Tables at 80 columns (issue 37): no word is split across lines, and the first command fits one screen."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter

import pytest

from tests.conftest import Workspace

MEETING = "2012-07-06"
BOX = re.compile(r"[\u2500-\u259f]")  # box drawing and block elements: the tables' rules and bars


def words(text: str) -> list[str]:
    """The words of a text: what lies between spaces and rules, a Chinese character a word by itself (a line may
    break beside one), and only pieces with a letter or a digit (a lone `·` or `(` is no word)."""
    found: list[str] = []
    for piece in BOX.sub(" ", text).split():
        run = ""
        for char in piece:
            if unicodedata.east_asian_width(char) in "WF":
                found.extend([run] if run else [])
                run = ""
            else:
                run += char
        found.extend([run] if run else [])
    return [word for word in found if any(char.isalnum() for char in word)]


def cells(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in line)


def assert_no_word_split(workspace: Workspace, lang: str, *args: str) -> str:
    """The command's table at 80 columns: every word of it is a whole word of the same table at 1000 columns (where
    nothing wraps) or of the plan, and no line is wider than 80 cells. Rich cut 'Large-scale' into 'Large-scal' and
    'e' on one line and the next; neither is a word of either."""
    narrow = workspace.ok("--lang", lang, *args, env={"COLUMNS": "80"}).stdout
    wide = workspace.ok("--lang", lang, *args, env={"COLUMNS": "1000"}).stdout
    source = {word.lower() for word in words(wide) + words(workspace.plan.read_text(encoding="utf-8"))}
    split = [word for word in words(narrow) if word.lower() not in source]
    assert split == [], f"{' '.join(args)} ({lang}) splits words: {split[:10]}\n{narrow}"
    assert [line for line in narrow.splitlines() if cells(line) > 80] == []
    return narrow


LISTINGS = [
    ("status", "--as-of", MEETING),
    ("status", "--as-of", MEETING, "--full"),
    ("status", "--as-of", MEETING, "--unit", "liuhe"),
    ("status", "--as-of", MEETING, "--totals", "--full"),
    ("overdue", "--as-of", MEETING),
    ("overdue", "--as-of", MEETING, "--unit", "baisha"),
    ("filings", "--as-of", MEETING),
    ("targets",),
    ("targets", "--unit", "huanbao"),
    ("units",),
    ("assess", "--as-of", "2013-02-01"),
    ("assess", "--as-of", "2013-02-01", "--unit", "liuhe"),
]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("args", LISTINGS, ids=" ".join)
def test_no_table_splits_a_word_at_80_columns(sample: Workspace, args: tuple[str, ...], lang: str) -> None:
    assert_no_word_split(sample, lang, *args)


def test_notices_and_matters_split_no_word_at_80_columns(sample: Workspace) -> None:
    sample.ok("notice", "--as-of", MEETING, "--dated", "2012-07-09", "--out", "notices")
    sample.ok(
        "matter", "add", "--title", "Clear the rubbish from the river channels of every village before the floods",
        "--unit", "liuhe", "--unit", "huanbao", "--due", "2012-07-20", "--source", "区长批示", "--on", "2012-07-02",
    )  # fmt: skip
    for lang in ("en", "zh"):
        assert "2012" in assert_no_word_split(sample, lang, "notices")
        assert "2012-07-20" in assert_no_word_split(sample, lang, "matters")


def test_a_listing_of_every_unit_shortens_titles_and_one_unit_s_view_keeps_them(sample: Workspace) -> None:
    full = "Large-scale livestock and poultry farms with pollution treatment"
    assert full not in sample.ok("overdue", "--as-of", MEETING).stdout  # COLUMNS=200: room for it, but shortened
    assert "3.8 Large-scale livestock…" in sample.ok("overdue", "--as-of", MEETING).stdout
    assert full in sample.ok("overdue", "--as-of", MEETING, "--unit", "baisha").stdout
    assert full in sample.ok("status", "--as-of", MEETING, "--unit", "baisha").stdout
    assert full in sample.ok("status", "--as-of", MEETING, "--target", "3.8").stdout
    assert full in sample.ok("targets", "--unit", "baisha").stdout
    for args in (("overdue", "--as-of", MEETING), ("status", "--as-of", MEETING), ("targets",)):
        assert "…" not in sample.ok(*args, "--format", "json").stdout + sample.ok(*args, "--format", "csv").stdout


# --- the first command: the July meeting on one screen ----------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_first_command_fits_one_screen_and_full_shows_every_unit(sample: Workspace, lang: str) -> None:
    """The README's set-up ends with `ecotrack status --as-of 2012-07-06`: at 80 columns it fits 40 lines (it was
    649); --full still shows each unit's table of its assignments."""
    shown = sample.ok("--lang", lang, "status", "--as-of", MEETING, env={"COLUMNS": "80"}).stdout
    assert len(shown.splitlines()) <= 40, shown
    assert "2012-06" in shown.splitlines()[0]  # the evaluation month in the title
    assert "ecotrack status --full" in shown and "--unit" in shown.splitlines()[-1]
    data = json.loads(sample.ok("status", "--as-of", MEETING, "--format", "json").stdout)
    units = list(dict.fromkeys(row["unit"] for row in data["rows"]))
    full = sample.ok("--lang", lang, "status", "--as-of", MEETING, "--full", env={"COLUMNS": "80"}).stdout
    assert len(full.splitlines()) > 200
    header = "Title" if lang == "en" else "名称"
    heads = [line for line in full.splitlines() if line.split("│")[0].strip() == header]
    assert len(heads) == len(units) == 19  # one table a unit
    for row in data["rows"]:
        assert re.search(rf"^{re.escape(row['target'])} ", full, re.M), row["target"]


def test_the_summary_counts_what_the_rows_say(sample: Workspace) -> None:
    """Each unit's line: its assignments on track, at risk and behind, its missing reports and its lagging targets,
    as `status` and `filings` give them in JSON (the same evaluation; nothing counted anew)."""
    data = json.loads(sample.ok("status", "--as-of", MEETING, "--format", "json").stdout)
    filings = json.loads(sample.ok("filings", "--as-of", MEETING, "--format", "json").stdout)["units"]
    from ecotrack.planfile import read_plan

    plan, _ = read_plan(sample.plan)
    names = {unit.code: unit.display_name("en") for unit in plan.units}
    shown = sample.ok("status", "--as-of", MEETING, env={"COLUMNS": "200"}).stdout
    lines = {line.split("│")[0].strip(): [c.strip() for c in line.split("│")[1:]] for line in shown.splitlines()}
    for unit in filings:
        rows = [row for row in data["rows"] if row["unit"] == unit["unit"]]
        counts = Counter(row["status"] for row in rows)
        missing = sum(1 for status in unit["months"].values() if status == "missing")
        behind = " ".join(row["target"] for row in rows if row["status"] == "behind")
        at_risk = " ".join(row["target"] for row in rows if row["status"] == "at_risk")
        lagging = " ".join([behind] * bool(behind) + [f"({at_risk})"] * bool(at_risk))
        want = [str(n or "") for n in (counts["on_track"], counts["at_risk"], counts["behind"], missing)]
        assert lines[names[unit["unit"]]] == [*want, lagging]
    assert "3.1 3.8" in shown and "done 11" in shown  # baisha behind on both; done counted in the totals


def test_json_and_csv_of_status_are_the_same_with_or_without_full(sample: Workspace) -> None:
    for fmt in ("json", "csv"):
        plain = sample.ok("status", "--as-of", MEETING, "--format", fmt).stdout_bytes
        assert sample.ok("status", "--as-of", MEETING, "--full", "--format", fmt).stdout_bytes == plain
