"""English done properly (issue 37 part 6): counts and measure words agree (1 firm, 2 firms), the office and the
ladder's words in English where the plan gives them, no "-0" or "-0%", install hints that work anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ecotrack import figures
from ecotrack.plan import Measure
from ecotrack.planfile import read_plan
from tests.conftest import Workspace, make_workspace

MEETING = "2012-07-06"

PLAN = """\
plan: {year: 2014, title: 示例区2014年生态建设任务分解, office: 示例区生态建设工作领导小组办公室, start_month: 6}
units:
  - {code: a, name: 甲镇, kind: town, name_en: Jia Town}
tasks:
  - code: "1"
    title: 示例任务
    targets:
      - {code: "1", title: 排放总量, title_en: Emissions, measure: 吨, measure_en: [tonne, tonnes], baseline: 100,
         assign: {a: 90}}
      - {code: "2", title: 企业入驻, title_en: Firms settled, measure: 家, measure_en: [firm, firms], assign: {a: 3}}
      - {code: "3", title: 河道治理, title_en: Rivers restored, measure: 公里, measure_en: km, assign: {a: 1}}
"""
# June's report: the emissions rose by a hair (progress -0.0001: "-0%" before), one firm settled
FILINGS = """\
unit,target,period,value,note,reported_by,reported_at
a,1,2014-06,100.001,,王芳,2014-07-03
a,2,2014-06,1,,王芳,2014-07-03
a,3,2014-06,0,,王芳,2014-07-03
"""


@pytest.fixture
def small(tmp_path: Path) -> Workspace:
    workspace = make_workspace(tmp_path, PLAN)
    workspace.ok("init")
    workspace.write("f.csv", FILINGS)
    workspace.ok("import", "f.csv")
    return workspace


def test_figures_are_never_minus_zero() -> None:
    assert [figures.number(v) for v in (-0.001, -0.0, 0.004, 1140.0, 6.75, -2.5)] == [
        "0",
        "0",
        "0",
        "1,140",
        "6.75",
        "-2.5",
    ]
    assert [figures.share(v) for v in (-0.0001, -0.00049, 1 / 3, 1.0)] == ["0", "0", "33.3", "100"]
    assert figures.reads_as_one(1.0) and figures.reads_as_one(0.999) and not figures.reads_as_one(1.5)


def test_a_measure_knows_its_singular() -> None:
    assert [Measure("firms", "firm").of(v) for v in (0, 1, 1.5, 2)] == ["firms", "firm", "firms", "firms"]
    assert Measure("km").of(1) == "km"  # a plain word has no singular: it reads the same for every figure


def test_no_minus_zero_in_a_notice_attachment(small: Workspace) -> None:
    for language in ("zh", "en"):
        document = small.ok("notice", "--as-of", "2014-07-06", "--dry-run", "--document-lang", language).stdout
        assert "| 0% |" in document and "-0%" not in document and "| -0 " not in document


def test_counts_and_measures_agree_in_english(small: Workspace) -> None:
    document = small.ok("notice", "--as-of", "2014-07-06", "--dry-run", "--document-lang", "en").stdout
    assert "Of the 3 assignments of the 1 unit: 3 behind." in document
    assert "(1) Jia Town (first notice this year: named)" in document
    assert "yearly amount 3 firms; actual 1 firm as of 2014-06" in document
    assert "yearly amount 1 km; actual 0 km" in document  # a plain measure_en, as old plans have it
    for command in (("status", "--as-of", "2014-07-06"), ("overdue", "--as-of", "2014-07-06"), ("history",)):
        shown = small.ok("--lang", "en", *command).stdout
        assert "1 firms" not in shown and "1 tonnes" not in shown
    assert "1 firm" in small.ok("--lang", "en", "history").stdout
    # the Chinese record and the Chinese notice are as before
    chinese = small.ok("notice", "--as-of", "2014-07-06", "--dry-run").stdout
    assert "全区1个单位承担的3项任务目标中，进度滞后3项。" in chinese and "（本年度第1次，通报）" in chinese


def test_the_sample_in_english_says_1_firm(sample: Workspace) -> None:
    outputs = [
        sample.ok("--lang", "en", *command).stdout
        for command in (
            ("status", "--as-of", MEETING),
            ("overdue", "--as-of", MEETING),
            ("notice", "--as-of", MEETING, "--dry-run", "--document-lang", "en"),
            ("targets", "--unit", "qingshan"),
            ("history", "--unit", "qingshan"),
            ("plan", "show"),
        )
    ]
    for shown in outputs:
        for plural in ("firms", "facilities", "items", "sites", "tonnes", "vehicles", "villages", "events"):
            assert f" 1 {plural}" not in shown and f"\u25021 {plural}" not in shown
    notice = outputs[2]
    assert "gap 1 firm." in notice and "actual 1 firm as of 2012-05" in notice
    office = "Office of the Qingchuan District Ecological Construction Leading Group"
    assert f"Notice of the {office} on the progress" in notice and f"\n{office}\n" in notice
    assert "(first notice this year: named)" in notice and "青川区生态建设工作领导小组办公室" not in notice
    assert f"issued by {office}" in outputs[5]


def test_the_plan_files_english_keys(tmp_path: Path) -> None:
    plan = make_workspace(
        tmp_path, PLAN.replace("office: 示例区生态建设工作领导小组办公室", "office: 办公室, office_en: The Office")
    ).plan
    loaded = read_plan(plan)[0]
    assert loaded.office_en == "The Office" and loaded.display_office("en") == "The Office"
    assert loaded.display_office("zh") == "办公室"
    target = loaded.target("2")
    assert target is not None and (target.measure_en_one, target.measure_en) == ("firm", "firms")
    river = loaded.target("3")
    assert river is not None and (river.measure_en_one, river.measure_en) == (None, "km")


@pytest.mark.parametrize("shape", ["[firm]", "[firm, firms, firmses]", "3", "[firm, 3]", "{one: firm}"])
def test_a_bad_measure_en_is_named_at_its_place(tmp_path: Path, shape: str) -> None:
    workspace = make_workspace(tmp_path, PLAN.replace("measure_en: [firm, firms]", f"measure_en: {shape}"))
    done = workspace.run("plan", "check")
    assert done.exit_code == 2
    line = next(n for n, text in enumerate(PLAN.splitlines(), start=1) if "[firm, firms]" in text)
    assert f"tasks.yaml:{line}:" in done.stderr and "measure_en must be a word (firms)" in done.stderr


def test_ladder_en_names_counts_the_ladder_has(tmp_path: Path) -> None:
    text = PLAN + "notices:\n  ladder: {1: 通报, 2: 通报批评}\n  ladder_en: {1: named, 3: summoned}\n"
    done = make_workspace(tmp_path, text).run("plan", "check")
    assert done.exit_code == 2 and "ladder_en has a word for 3, which the ladder has not" in done.stderr
    good = PLAN + "notices:\n  ladder: {1: 通报, 2: 通报批评}\n  ladder_en: {1: warned, 2: criticised}\n"
    (tmp_path / "good").mkdir()
    workspace = make_workspace(tmp_path / "good", good)
    workspace.ok("init")
    workspace.ok("import", str(workspace.write("f.csv", FILINGS)))
    document = workspace.ok("notice", "--as-of", "2014-07-06", "--dry-run", "--document-lang", "en").stdout
    assert "(first notice this year: warned)" in document


def test_without_psycopg_the_error_says_how_to_install_it(tmp_path: Path) -> None:
    hide = "import sys; sys.modules['psycopg'] = sys.modules['psycopg2'] = None\n"
    hide += "sys.argv = ['ecotrack'] + sys.argv[1:]\n"
    hide += "from ecotrack.cli.app import main; main()"
    done = subprocess.run(
        [sys.executable, "-c", hide, "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none", "units"],
        env={**os.environ, "ECOTRACK_LANG": "en"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and done.stderr.startswith("error: a PostgreSQL database needs the psycopg driver")
    assert "pip install 'psycopg[binary]>=3.1'" in done.stderr and "Traceback" not in done.stderr


def test_the_english_pack_fits_1280_pixels(sample: Workspace) -> None:
    """Issue 35: long English names and titles wrap; the 39-target heat map fits a 1280 px screen."""
    from tests.test_pack import CHROMIUM_FLAGS, _chromium

    chromium = _chromium()
    sample.ok("--lang", "en", "pack", "--as-of", MEETING, "--out", "pack")
    page = sample.root / "pack" / f"meeting-pack-{MEETING}.html"
    measure = "<script>addEventListener('load', () => { document.title = 'W' + document.documentElement.scrollWidth"
    measure += " + 'C' + document.documentElement.clientWidth; });</script></body>"
    page.write_text(page.read_text(encoding="utf-8").replace("</body>", measure), encoding="utf-8")
    dom = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={sample.root / 'profile'}", "--window-size=1280,1000",
         "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    title = dom[dom.index("<title>W") + 8 : dom.index("</title>")]
    scroll, client = map(int, title.split("C"))
    assert scroll <= client


def test_matter_states_read_as_states_in_chinese(sample: Workspace) -> None:
    sample.ok("matter", "add", "--title", "河道垃圾清理", "--unit", "liuhe", "--unit", "baisha", "--due", "2012-07-20",
              "--source", "7月调度会", "--on", "2012-07-06")  # fmt: skip
    sample.ok("matter", "report", "1", "--unit", "liuhe", "--text", "已清理", "--on", "2012-07-10")
    listed = sample.ok("--lang", "zh", "matters", "--as-of", "2012-07-25").stdout
    assert "已反馈" in listed and "逾期" in listed
    sample.ok("--lang", "zh", "pack", "--as-of", "2012-07-25", "--out", "pack")
    page = (sample.root / "pack" / "meeting-pack-2012-07-25.html").read_text(encoding="utf-8")
    section = page[page.index('<section id="matters">') :].split("</section>")[0]
    assert "<td>逾期</td>" in section
    for word in ("open", "overdue", "answered", "reopened", "closed"):
        assert f">{word}<" not in section and f"│{word}" not in listed
