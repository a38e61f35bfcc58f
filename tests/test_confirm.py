"""Acts that cannot be undone ask first (issue 37): on a terminal they show what will be recorded and wait for a
yes; `--yes` (or ECOTRACK_YES=1, as the other tests run) answers for scripts; with neither a terminal nor `--yes`
they are refused as bad input and record nothing."""

from __future__ import annotations

import pytest

from .conftest import Workspace, on_a_terminal

NO = {"ECOTRACK_YES": "0"}  # a script that did not say --yes
ACTS = [
    ("notice", "--as-of", "2012-07-06"),
    ("assess", "--final", "--on", "2013-01-28"),  # after the publication of 01-15 and its window
    ("score", "veto", "--unit", "jiaojing", "--reason", "重大环境污染事件"),
    ("lock", "2012-06"),
]


@pytest.mark.parametrize("act", ACTS, ids=[" ".join(a[:2]) for a in ACTS])
def test_without_a_terminal_an_act_needs_yes(sample: Workspace, act: tuple[str, ...]) -> None:
    if "--final" in act:
        sample.ok("assess", "--publish", "--as-of", "2013-01-15", "--on", "2013-01-15")
    before = sample.snapshot()
    refused = sample.run(*act, env=NO)
    assert refused.exit_code == 2 and refused.stderr.count("error:") == 1, refused.stderr
    assert "give --yes to record it" in refused.stderr and "Traceback" not in refused.stderr
    assert sample.snapshot() == before
    sample.ok(*act, "--yes", env=NO)
    assert sample.snapshot() != before


def test_a_dry_run_asks_nothing(sample: Workspace) -> None:
    before = sample.snapshot()
    sample.ok("notice", "--as-of", "2012-07-06", "--dry-run", env=NO)
    assert sample.snapshot() == before


def test_on_a_terminal_the_notice_asks_naming_what_it_records(sample: Workspace) -> None:
    before = sample.snapshot()
    code, shown = on_a_terminal(sample, "notice", "--as-of", "2012-07-06", answers="n\n", env=NO)
    text = shown.decode()
    assert code == 1 and "Record notice 青生态办〔2012〕1号 naming 7 units (" in text and "白沙镇" in text
    assert "nothing was changed" in text
    assert sample.snapshot() == before
    code, shown = on_a_terminal(sample, "notice", "--as-of", "2012-07-06", answers="y\n", env=NO)
    assert code == 0, shown.decode()
    assert [n["document_number"] for n in sample_notices(sample)] == ["青生态办〔2012〕1号"]


def test_on_a_terminal_the_final_result_asks(sample: Workspace) -> None:
    sample.ok("assess", "--publish", "--as-of", "2013-01-15", "--on", "2013-01-15")
    before = sample.snapshot()
    code, shown = on_a_terminal(sample, "assess", "--final", "--on", "2013-01-28", answers="\n", env=NO)
    assert code == 1 and "Record the final result of 2012, never to be changed? [y/N]" in shown.decode()
    assert sample.snapshot() == before  # the default is no


def sample_notices(sample: Workspace) -> list[dict[str, object]]:
    import json

    notices: list[dict[str, object]] = json.loads(sample.ok("notices", "--format", "json").stdout)["notices"]
    return notices


def test_long_work_shows_a_bar_on_a_terminal_only(sample: Workspace) -> None:
    """issue 37: export (and pack, assess, backup) show a bar on a terminal's stderr; none with --quiet or on a pipe."""
    args = ("export", "--format", "xlsx", "--out", "年度.xlsx", "--as-of", "2013-02-01")
    code, shown = on_a_terminal(sample, *args)
    assert code == 0 and "exporting the year" in shown.decode(), shown.decode()
    code, shown = on_a_terminal(sample, *args, "--quiet")
    assert code == 0 and "exporting the year" not in shown.decode()
    piped = sample.spawn(*args)
    assert piped.returncode == 0 and "exporting the year" not in piped.stderr
