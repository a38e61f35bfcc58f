"""SPEC §12: the meeting pack, district totals and charts. The page is rendered in a real headless browser
(Debian's chromium), and its figures are read back and compared with `status`, `filings` and `overdue`."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ECOTRACK, SAMPLE_FILINGS, SAMPLE_PLAN, Workspace, prepared

MEETING = "2012-07-06"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def js(workspace: Workspace, *args: str) -> Any:
    return json.loads(workspace.ok(*args, "--format", "json").stdout)


class Elements(HTMLParser):
    """Every element's tag and attributes, with the section it is in."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str], str]] = []
        self.section = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "section":
            self.section = attributes.get("id", "")
        self.found.append((tag, attributes, self.section))

    def where(self, section: str, tag: str) -> list[dict[str, str]]:
        return [a for t, a, s in self.found if s == section and t == tag]


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.skip("needs Debian's chromium (apt-get install chromium); .ci/run installs it")
    return found


def _render(chromium: str, root: Path, page: Path) -> str:
    """The page's DOM after Chromium loaded it, with every request it made logged to net.json."""
    (root / "net.json").unlink(missing_ok=True)
    return subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={root / 'profile'}", f"--log-net-log={root / 'net.json'}",
         "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip


def _requests(root: Path) -> list[str]:
    """The URLs a page asked the network for (Chromium's own background requests have no origin)."""
    text = (root / "net.json").read_text(encoding="utf-8").rstrip()
    log = json.loads(text if text.endswith("}") else text.rstrip(",") + "]}")  # a log cut short at exit
    kinds = {number: name for name, number in log["constants"]["logEventTypes"].items()}
    started = [e.get("params", {}) for e in log["events"] if kinds.get(e["type"]) == "URL_REQUEST_START_JOB"]
    return [p["url"] for p in started if "url" in p and p.get("initiator") != "not an origin"]


def test_the_pack_in_a_browser_shows_the_numbers_of_status_filings_and_overdue(sample: Workspace) -> None:
    chromium = _chromium()
    outcome = sample.ok("pack", "--as-of", MEETING, "--out", "pack")
    page = sample.root / "pack" / f"meeting-pack-{MEETING}.html"
    assert f"wrote pack/{page.name}" in outcome.stderr
    rendered = _render(chromium, sample.root, page)
    assert not _requests(sample.root), "the page fetches nothing"
    # the check sees a page's request: the same page with one picture from the network
    control = page.with_name("control.html")
    control.write_text(page.read_text(encoding="utf-8").replace("<body>", '<body><img src="http://127.0.0.1:9/x.png">'))
    _render(chromium, sample.root, control)
    assert _requests(sample.root) == ["http://127.0.0.1:9/x.png"]
    elements = Elements()
    elements.feed(rendered)

    status = js(sample, "status", "--as-of", MEETING)["rows"]
    cells = {(c["data-unit"], c["data-target"]): c for c in elements.where("heatmap", "td") if "data-status" in c}
    assert len(cells) == len(status)  # one cell per assignment
    colours = {"done": "#2e86c1", "on_track": "#27ae60", "at_risk": "#f39c12", "behind": "#c0392b"}
    for row in status:
        cell = cells[(row["unit"], row["target"])]
        not_due = row["type"] == "milestone" and row["status"] == "on_track"  # neither done nor late: grey
        colour = "#bdc3c7" if not_due else colours[row["status"]]
        assert cell["data-status"] == row["status"] and f"background:{colour}" in cell["style"]
        assert float(cell["data-actual"]) == pytest.approx(row["actual"])
        assert float(cell["data-expected"]) == pytest.approx(row["expected"])

    behind = {(r["unit"], r["target"]) for r in status if r["status"] == "behind"}
    charts = [(f["data-unit"], f["data-target"]) for f in elements.where("trajectories", "figure")]
    assert sorted(charts) == sorted(behind) and len(elements.where("trajectories", "svg")) == len(behind)

    filings = js(sample, "filings", "--as-of", MEETING)["units"]
    shown = {
        (c["data-unit"], c["data-month"]): c["data-status"]
        for c in elements.where("filings", "td")
        if "data-month" in c
    }
    assert shown == {(u["unit"], month): state for u in filings for month, state in u["months"].items()}

    overdue = js(sample, "overdue", "--as-of", MEETING)["units"]
    listed = [
        (r["data-unit"], r["data-missing"].split(), r["data-behind"].split())
        for r in elements.where("overdue", "tr")
        if "data-unit" in r
    ]
    assert listed == [(u["unit"], u["missing_reports"], [b["target"] for b in u["behind"]]) for u in overdue]

    totals = js(sample, "status", "--as-of", MEETING, "--totals")["totals"]
    rows = {r["data-target"]: r for r in elements.where("totals", "tr") if "data-target" in r}
    assert [t["target"] for t in totals] == list(rows)
    for total in totals:
        assert float(rows[total["target"]]["data-actual"]) == pytest.approx(total["actual"])

    board = js(sample, "status", "--board", "--as-of", MEETING)["units"]
    lit = [r for r in elements.where("board", "tr") if "data-unit" in r]
    lights = [(r["data-unit"], r["data-colour"], r["data-rank"], r["data-change"]) for r in lit]
    assert lights == [(u["unit"], u["colour"], str(u["rank"]), str(u["change"])) for u in board]

    figures = {f["data-figure"] for f in elements.where("headline", "div") if "data-figure" in f}
    assert {"assignments", "behind", "overdue", "rectifications"} <= figures
    # the draft notice, in the interface language
    office = "the Office of the Qingchuan District Ecological Construction Leading Group"  # plan.office_en
    assert f"Notice of {office} on the progress of ecological construction, 2012-06" in rendered


def test_a_screenshot_of_the_pack(sample: Workspace) -> None:
    chromium = _chromium()
    sample.ok("--lang", "zh", "pack", "--as-of", MEETING, "--out", "pack")
    page = sample.root / "pack" / f"meeting-pack-{MEETING}.html"
    picture = sample.root / "pack.png"
    subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={sample.root / 'profile'}", "--hide-scrollbars",
         "--window-size=1400,1000", f"--screenshot={picture}", page.as_uri()],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    assert picture.stat().st_size > 20_000


def test_district_totals_in_every_format(sample: Workspace) -> None:
    data = js(sample, "status", "--as-of", MEETING, "--totals")
    rows = data["rows"]
    by = {t["target"]: t for t in data["totals"]}
    first = [r for r in rows if r["target"] == "1.1"]
    assert by["1.1"]["amount"] == sum(r["amount"] for r in first) and by["1.1"]["units"] == len(first)
    assert by["1.1"]["actual"] == sum(r["actual"] for r in first) and by["1.1"]["aggregate"] == "sum"
    rate = [r for r in rows if r["target"] == "2.10"]
    assert by["2.10"]["aggregate"] == "mean" and by["2.10"]["amount"] == pytest.approx(
        sum(r["amount"] for r in rate) / len(rate)
    )
    milestone = by["1.4"]
    assert milestone["aggregate"] == "count" and (milestone["amount"], milestone["actual"]) == (1, 1)
    csv_text = sample.ok("status", "--as-of", MEETING, "--totals", "--format", "csv", "--no-bom").stdout
    assert csv_text.splitlines()[0] == "target,target_title,measure,amount,actual,expected,units,aggregate"
    assert len(csv_text.splitlines()) == 1 + len(data["totals"])
    table = sample.ok("--lang", "zh", "status", "--as-of", MEETING, "--totals").stdout
    assert "全区合计（截至 2012-07-06）" in table


def test_a_chart_of_one_assignment(sample: Workspace) -> None:
    sample.ok("chart", "--unit", "baisha", "--target", "3.1", "--out", "c.svg", "--as-of", MEETING)
    svg = (sample.root / "c.svg").read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "Baisha" in svg
    sample.ok("chart", "--unit", "baisha", "--target", "3.1", "--out", "c.png", "--as-of", MEETING)
    assert (sample.root / "c.png").read_bytes().startswith(b"\x89PNG")
    bad = sample.run("chart", "--unit", "baisha", "--target", "1.4", "--out", "c.svg")
    assert bad.exit_code == 2 and "baisha has no assignment of target 1.4" in bad.stderr
    wrong = sample.run("chart", "--unit", "baisha", "--target", "3.1", "--out", "c.pdf")
    assert wrong.exit_code == 2 and "a chart is written as .svg or .png" in wrong.stderr


def test_a_terminal_trajectory_for_one_assignment(sample: Workspace) -> None:
    shown = sample.ok("status", "--as-of", MEETING, "--unit", "baisha", "--target", "3.1").stdout
    assert "expected" in shown and "filed" in shown and "█" in shown


def test_the_charts_come_with_the_main_install() -> None:
    """`pip install .` (the README's first command) brings matplotlib: `pack` and `chart` need no extra."""
    import tomllib

    project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert any(requirement.startswith("matplotlib") for requirement in project["dependencies"])
    assert project["optional-dependencies"]["charts"] == []  # kept, so that `ecotrack[charts]` still installs


def test_without_matplotlib_the_error_says_how_to_install_it(sample: Workspace) -> None:
    hide = "import sys; sys.modules['matplotlib'] = None; sys.argv = ['ecotrack'] + sys.argv[1:]\n"
    hide += "from ecotrack.cli.app import main; main()"
    done = subprocess.run(
        [sys.executable, "-c", hide, "chart", "--unit", "baisha", "--target", "3.1", "--out", "c.svg"],
        env={**os.environ, **sample.env()},
        cwd=sample.root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and done.stderr.startswith("error: charts need matplotlib")
    assert "pip install 'matplotlib>=3.8'" in done.stderr and "Traceback" not in done.stderr
    assert ECOTRACK.exists()


class Words(HTMLParser):
    """The Latin words a reader of a page can see: its text (not its style sheet) and its hover titles."""

    def __init__(self) -> None:
        super().__init__()
        self.words: dict[str, str] = {}
        self.inside: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.inside.append(tag)
        self._read(dict(attrs).get("title") or "")

    def handle_endtag(self, tag: str) -> None:
        while self.inside and self.inside.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        if "style" not in self.inside:
            self._read(data)

    def _read(self, text: str) -> None:
        for word in re.findall(r"[A-Za-z]+", text):
            self.words.setdefault(word, text.strip()[:80])


def _issued_and_open(workspace: Workspace) -> None:
    workspace.ok("notice", "--as-of", MEETING, "--dated", "2012-07-09")
    workspace.ok("rectify", "--notice", "1", "--unit", "jiaojing", "--text", "6月月报已补报", "--on", "2012-07-13")


def test_the_chinese_pack_says_everything_in_chinese(tmp_path: Path) -> None:
    """Issue 35: as of 07-16 the July notice is out (shown as issued, not as a draft), its items open (the state in
    Chinese), and milestones not yet due are grey; no word of the page is English."""
    office = prepared(tmp_path, SAMPLE_PLAN, SAMPLE_FILINGS, steps=_issued_and_open, name="issued-and-open")
    office.ok("--lang", "zh", "pack", "--as-of", "2012-07-16", "--out", "pack")
    page = (office.root / "pack" / "meeting-pack-2012-07-16.html").read_text(encoding="utf-8")
    words = Words()
    words.feed(page)
    assert words.words == {}, f"English words on the Chinese page: {words.words}"
    elements = Elements()
    elements.feed(page)
    (notice,) = [a for t, a, _ in elements.found if t == "section" and a.get("id") == "notice"]
    assert notice["data-issued"] == "true" and "本月通报" in page and "草稿" not in page
    assert "已印发：青生态办〔2012〕1号" in page
    states = {r["data-state"] for r in elements.where("rectifications", "tr") if "data-state" in r}
    assert states == {"open"} and "<td>待整改</td>" in page  # 交警大队 answered: no longer open
    status = {(r["unit"], r["target"]): r for r in js(office, "status", "--as-of", "2012-07-16")["rows"]}
    cells = [c for c in elements.where("heatmap", "td") if "data-status" in c]
    milestones = [c for c in cells if status[(c["data-unit"], c["data-target"])]["type"] == "milestone"]
    not_due = [c for c in milestones if c["data-status"] == "on_track"]
    assert {(c["data-unit"], c["data-target"]) for c in not_due} == {("huanbao", "2.4"), ("caizheng", "5.6")}
    assert all("background:#bdc3c7" in c["style"] for c in not_due)
    headers = [a for a in elements.where("heatmap", "th") if "data-target" in a]
    assert headers[0]["title"] == "1.1 关停搬迁位于村头巷尾等严重影响群众生活环境的企业"
    assert "<span>1.1 关停搬迁位于村头巷…</span>" in page  # the column's head: its code and short title
