"""SPEC §12: the notice as a GB/T 9704 Word file, its wording, and the assessment sheet a committee signs.

The worked example is tests/data/documents/plan.yaml (its numbers by hand at the top of the file).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

from tests.conftest import DATA, Workspace, prepared

EXAMPLE = DATA / "documents"


def js(workspace: Workspace, *args: str) -> Any:
    return json.loads(workspace.ok(*args, "--format", "json").stdout)


@pytest.fixture
def example(tmp_path: Path) -> Workspace:
    return prepared(tmp_path, EXAMPLE / "plan.yaml", EXAMPLE / "filings.csv")


def test_gaps_are_worded_as_a_report_would(example: Workspace) -> None:
    document = example.ok("notice", "--as-of", "2014-07-06", "--dry-run").stdout
    assert document.startswith(
        "# 示例区生态建设工作领导小组办公室关于2014年6月生态建设工作进展情况的通报\n\n示生态办〔2014〕1号\n\n"
        "各镇人民政府、街道办事处：\n"
    )
    # the opening paragraph gives the overall picture
    overview = "全区1个单位承担的4项任务目标中，进度滞后4项。2014年6月进展情况，1个单位按时报送。"
    assert f"## 一、总体情况\n\n{overview}" in document
    lines = [
        # a count whose expected level is not whole: a share, never 相差0.5家
        "1 企业入驻：全年目标3家，截至2014年6月实际1家，完成年度任务的33.3%，低于序时进度16.7个百分点。",
        "2 污水处理率：全年目标90%，截至2014年6月实际82%，按进度应达到85%，相差3个百分点。",  # a rate: 个百分点
        "3 植树造林：全年目标100亩，截至2014年6月实际30亩，按进度应达到50亩，相差20亩。",  # not a count
        "4 宣传活动：全年目标4场，截至2014年6月实际1场，按进度应达到2场，相差1场。",  # a whole count
    ]
    for line in lines:
        assert f"   - {line}\n" in document
    assert "相差0.5" not in document and "1.5家" not in document
    assert "## 二、通报单位及存在问题" in document and "### （一）甲镇（本年度第1次，通报）" in document
    assert "## 三、有关要求" in document


@pytest.mark.parametrize(
    ("office", "title", "issuer"),
    [
        (
            "区生态建设工作领导小组办公室",
            "青川区全区生态建设2012年重点工作任务分解",
            "青川区生态建设工作领导小组办公室",
        ),
        ("县环境保护局", "平安县2012年生态建设任务", "平安县环境保护局"),
        ("示例区生态建设工作领导小组办公室", "示例区2014年生态建设任务分解", "示例区生态建设工作领导小组办公室"),
        ("区生态办", "全区生态建设安排意见", "区生态办"),  # 全区 (the whole district) names no place
        ("区生态办", "2012年生态建设任务", "区生态办"),
        ("示例办公室", "整改示例", "示例办公室"),
    ],
)
def test_the_issuer_is_named_in_full(office: str, title: str, issuer: str) -> None:
    from ecotrack.plan import Plan

    assert Plan(year=2012, title=title, office=office, units=(), tasks=()).issuer == issuer


def test_the_samples_notice_names_the_district(sample: Workspace) -> None:
    document = sample.ok("notice", "--as-of", "2012-07-06", "--dry-run").stdout
    assert document.startswith("# 青川区生态建设工作领导小组办公室关于2012年6月生态建设工作进展情况的通报\n")
    assert "\n青川区生态建设工作领导小组办公室\n\n2012年7月6日\n" in document  # the issuer over the date
    assert "青川区生态建设工作领导小组办公室　　2012年7月6日印发" in document


def _plain(text: str) -> str:
    """A paragraph's words: without the word joiners that keep a date on one line, the zero-width spaces that let a
    line break before one, nor a title's line breaks."""
    return text.replace("\u2060", "").replace("\u200b", "").replace("\n", "")


def _texts(path: Path) -> list[str]:
    return [_plain(p.text) for p in Document(str(path)).paragraphs]


def _words(path: Path) -> list[str]:
    """Every paragraph's words, then every table cell's (the attachment, the back matter)."""
    document = Document(str(path))
    cells = [_plain(cell.text) for table in document.tables for row in table.rows for cell in row.cells]
    return _texts(path) + cells


def texts_with_joiners(path: Path) -> str:
    return "\n".join(p.text for p in Document(str(path)).paragraphs)


def _fonts(paragraph_text: str, path: Path) -> set[str]:
    """The East Asian fonts named on the runs of the paragraph with this text."""
    document = Document(str(path))
    found = next(p for p in document.paragraphs if _plain(p.text) == paragraph_text)
    return {run._r.xml.split('w:eastAsia="')[1].split('"')[0] for run in found.runs}


def test_the_word_file_has_every_element_of_gb_t_9704(example: Workspace) -> None:
    outcome = example.ok("notice", "--as-of", "2014-07-06", "--docx", "--out", "out")
    path = example.root / "out" / "通报-2014-001-2014-06.docx"
    assert f"wrote out/{path.name}" in outcome.stderr and "recorded: 1 unit named" in outcome.stderr
    assert not list((example.root / "out").glob("*.md"))  # the Word file instead of the Markdown
    document = Document(str(path))
    section = document.sections[0]
    # A4, and the type area of GB/T 9704 (156 × 225 mm: 37 mm from the top, 28 mm from the binding edge)
    sizes = [section.page_width, section.page_height]
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    assert [round(m.mm) if m is not None else None for m in sizes] == [210, 297]
    assert [round(m.mm) if m is not None else None for m in margins] == [37, 35, 28, 26]
    texts = _texts(path)
    office = "示例区生态建设工作领导小组办公室"
    mark = f"{office}文件"
    in_order = [
        mark,
        "示生态办〔2014〕1号",
        f"{office}关于2014年6月生态建设工作进展情况的通报",
        "各镇人民政府、街道办事处：",
        "一、总体情况",
        "二、通报单位及存在问题",
        "（一）甲镇（本年度第1次，通报）",
        "三、有关要求",
        "附件：2014年6月被通报单位任务进展情况表",
        office,
        "2014年7月6日",
        "（联系人：王芳，联系电话：0571-88001234）",
        "附件",
        "2014年6月被通报单位任务进展情况表",
    ]
    positions = [texts.index(text) for text in in_order]
    assert positions == sorted(positions), "the elements are in GB/T 9704's order"
    mark_run = next(p for p in document.paragraphs if _plain(p.text) == mark).runs[0]
    assert str(mark_run.font.color.rgb) == "FF0000"  # the red issuing-office mark
    number = next(p for p in document.paragraphs if _plain(p.text) == "示生态办〔2014〕1号")
    assert '<w:bottom w:val="single" w:sz="12" w:space="11" w:color="FF0000"/>' in number._p.xml  # the red rule
    # fonts named as Word and WPS know them
    assert _fonts(f"{office}关于2014年6月生态建设工作进展情况的通报", path) == {"方正小标宋简体"}
    assert _fonts("一、总体情况", path) == {"黑体"}
    assert _fonts("（一）甲镇（本年度第1次，通报）", path) == {"楷体_GB2312"}
    body = next(t for t in texts if t.startswith("1 企业入驻"))
    assert _fonts(body, path) == {"仿宋_GB2312"}
    # the attachment: one row per behind assignment, under a header; each column one kind of figure, whatever
    # the measure: amounts in it (counts as counts), shares as shares, the shortfall in percentage points
    table, back_matter = document.tables
    rows = [[_plain(cell.text) for cell in row.cells] for row in table.rows]
    assert rows[0] == [
        "序号",
        "单位",
        "任务目标",
        "全年目标",
        "实际完成",
        "序时进度",
        "完成比例",
        "低于序时进度（个百分点）",
    ]
    assert len(rows) == 1 + 4
    assert rows[1] == ["1", "甲镇", "1 企业入驻", "3家", "1家", "50%", "33.3%", "16.7"]
    assert [row[3:] for row in rows[2:]] == [
        ["90%", "82%", "50%", "20%", "30"],  # a rate: its share of the way from 80% to 90%
        ["100亩", "30亩", "50%", "30%", "20"],
        ["4场", "1场", "50%", "25%", "25"],
    ]
    # the back matter: 抄送 and 印发 between rules, a table floating at the foot of the type area, the last thing
    assert [_plain(cell.text) for cell in back_matter.columns[0].cells] == [
        "抄送：区委办公室，区政府办公室。",
        f"{office}\t2014年7月6日印发",
    ]
    position = back_matter._tbl.find(qn("w:tblPr")).find(qn("w:tblpPr"))
    assert (position.get(qn("w:vertAnchor")), position.get(qn("w:tblpYSpec"))) == ("margin", "bottom")
    elements = list(document.element.body)
    assert elements.index(back_matter._tbl) == len(elements) - 3  # then only its anchor paragraph and the section
    # the title breaks after 关于, not inside 2014年6月; dates carry word joiners so that no line breaks them
    title = next(p for p in document.paragraphs if _plain(p.text).endswith("进展情况的通报"))
    assert title.text.replace("\u2060", "") == f"{office}关于\n2014年6月生态建设工作进展情况的通报"
    assert "2014\u2060年\u20606\u2060月" in title.text
    assert "2014\u2060年\u20607\u2060月\u20606\u2060日" in texts_with_joiners(path)
    # page numbers "— 1 —", outside on odd and even pages
    for footer in (section.footer, section.even_page_footer):
        xml = footer._element.xml
        assert 'w:instr="PAGE"' in xml and "— " in xml and " —" in xml


def test_a_reprint_is_the_same_document_from_the_record(example: Workspace) -> None:
    example.ok("notice", "--as-of", "2014-07-06", "--docx", "--out", "out")
    issued = example.root / "out" / "通报-2014-001-2014-06.docx"
    # the plan changes afterwards: the reprint still says what was circulated
    example.plan.write_text(
        example.plan.read_text(encoding="utf-8").replace("cc: [区委办公室, 区政府办公室]", "cc: [区人大办公室]"),
        encoding="utf-8",
    )
    example.ok("plan", "load")
    example.ok("notices", "show", "1", "--docx", "--out", "again.docx")
    assert _words(example.root / "again.docx") == _words(issued)
    assert "抄送：区委办公室，区政府办公室。" in _words(example.root / "again.docx")


def test_the_word_file_in_english(example: Workspace) -> None:
    example.ok("notice", "--as-of", "2014-07-06", "--docx", "--out", "out", "--document-lang", "en")
    texts = _words(example.root / "out" / "通报-2014-001-2014-06.docx")
    assert "(1) Jia Town (first notice this year: named)" in texts
    assert any(t.startswith("1 Firms settled: yearly amount 3 firms") for t in texts)
    assert "Attachment" in texts and "Copied to: 区委办公室, 区政府办公室." in texts
    # the record remembers the language, and a reprint may ask for the other one
    example.ok("notices", "show", "1", "--docx", "--out", "zh.docx", "--document-lang", "zh")
    assert "（一）甲镇（本年度第1次，通报）" in _texts(example.root / "zh.docx")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["notice", "--as-of", "2014-07-06", "--docx"], "error: --docx writes a file: give the folder with --out DIR"),
        (["notices", "show", "1", "--docx"], "error: --docx and --out FILE go together"),
        (["notices", "show", "1", "--out", "x.docx"], "error: --docx and --out FILE go together"),
        (["assess", "--xlsx"], "error: --xlsx and --out FILE go together"),
        (["assess", "--xlsx", "--out", "a.xlsx", "--unit", "a"], "error: --xlsx writes every unit's sheet"),
    ],
)
def test_a_document_needs_its_file(example: Workspace, args: list[str], message: str) -> None:
    before = example.snapshot()
    outcome = example.run(*args)
    assert outcome.exit_code == 2 and outcome.stderr.startswith(message)
    assert example.snapshot() == before


def _sheet_rows(sheet: Any) -> list[dict[str, Any]]:
    """A sheet's rows under its title lines, keyed by its headings."""
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[2]
    return [dict(zip(header, row, strict=False)) for row in rows[3:]]


def test_each_units_sheet_adds_up_to_its_score(sample: Workspace) -> None:
    # an adjustment beyond the bonus cap (5) and a deduction, so that the caps' rows are shown too
    sample.ok("score", "add", "--unit", "baisha", "--points", "4", "--item", "省级示范", "--basis", "市环委〔2012〕5号")
    sample.ok("score", "add", "--unit", "baisha", "--points", "3", "--item", "宣传工作", "--basis", "区委宣传部函")
    sample.ok("score", "add", "--unit", "liuhe", "--points", "-2", "--item", "信访", "--basis", "区信访局函")
    sample.ok("--lang", "zh", "assess", "--as-of", "2013-02-01", "--xlsx", "--out", "考核.xlsx")
    workbook = load_workbook(sample.root / "考核.xlsx")
    results = js(sample, "assess", "--as-of", "2013-02-01")["units"]
    # the sheets to sign first, one per ranking group; then the data, as scripts read it
    assert workbook.sheetnames == [
        "镇考核结果",
        "街道考核结果",
        "部门考核结果",
        "年度考核",
        *[u["unit_name"] for u in results],
    ]
    summary = workbook["年度考核"]
    assert summary["A1"].value.startswith("2012 年度考核") and "区生态建设工作领导小组办公室" in summary["A2"].value
    assert [c.value for c in summary[3]][:3] == ["单位代码", "单位", "类别"]
    for result in results:
        rows = _sheet_rows(workbook[result["unit_name"]])
        assert list(rows[0]) == ["事项", "分值", "目标", "完成", "计分办法", "得分", "扣分原因"]
        *items, total = rows
        assert total["事项"] == "合计" and total["得分"] == result["score"]
        earned = sum(float(row["得分"] or 0) for row in items)
        assert abs(earned - result["score"]) < 0.006, result["unit"]  # to the rounding of the score
        for row in items:
            lost = row["分值"] is not None and float(row["分值"]) - float(row["得分"] or 0) > 0.005
            assert not lost or row["扣分原因"], f"{result['unit']}: every deduction has its reason: {row}"
    baisha = _sheet_rows(workbook[next(u["unit_name"] for u in results if u["unit"] == "baisha")])
    assert [r["得分"] for r in baisha if str(r["事项"]).startswith("加分：")] == [4, 3]
    assert [r["得分"] for r in baisha if r["事项"] == "加分上限"] == [-2]  # 7 points of bonus, at most 5


def test_the_sheets_to_sign_are_laid_out_for_a4_in_chinese(sample: Workspace) -> None:
    bonus = ("--unit", "qingshan", "--points", "2", "--item", "创建省级生态镇", "--basis", "市环委〔2012〕5号")
    sample.ok("score", "add", *bonus)
    sample.ok("--lang", "zh", "assess", "--as-of", "2013-02-01", "--xlsx", "--out", "考核.xlsx")
    workbook = load_workbook(sample.root / "考核.xlsx")
    towns = workbook["镇考核结果"]
    assert workbook.active.title == "镇考核结果"
    for name in ("镇考核结果", "街道考核结果", "部门考核结果"):
        sheet = workbook[name]
        setup = sheet.page_setup
        assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.print_title_rows == "$1:$3"
        assert sheet.print_area == f"'{name}'!$A$1:$N${sheet.max_row}"
        values = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
        # Chinese words only: no code, no True/False, no English word (the footer's &A and &P are Excel's codes)
        assert not [v for v in values if re.search(r"[A-Za-z]{2,}", v)], name
        assert sheet.oddFooter.center.text == "&A　第&P页"
        assert [v for v in values if v.endswith("（签字）：") or v == "日期："] == [
            "考核组成员（签字）：",
            "审核人（签字）：",
            "日期：",
        ]
    assert towns["A1"].value == "2012年度考核结果（镇）" and towns["A1"].font.name == "方正小标宋简体"
    assert towns["A2"].value == "青川区生态建设工作领导小组办公室　考核截至2013年2月1日（试算）"
    header = [c.value for c in towns[3]]
    assert header[:4] == ["名次", "单位", "完成率", "及时率"] and header[-4:] == [
        "一票否决",
        "得分",
        "等次",
        "扣分、加减分及原因",
    ]
    rows = {row[1].value: dict(zip(header, row, strict=True)) for row in towns.iter_rows(min_row=4, max_row=9)}
    assert list(rows) == ["桃源镇", "青山镇", "龙泉镇", "石门镇", "白沙镇", "柳河镇"]  # by rank
    qingshan = rows["青山镇"]
    # typed numbers, shown with their units
    assert (qingshan["得分"].value, qingshan["得分"].number_format) == (99.78, '0.00"分"')
    assert (qingshan["按时报送"].value, qingshan["按时报送"].number_format) == (12, '0"次"')
    assert (qingshan["加减分"].value, qingshan["完成率"].number_format) == (2, "0.0%")
    assert qingshan["一票否决"].value == "否" and qingshan["等次"].value == "良好"
    assert qingshan["扣分、加减分及原因"].value.splitlines() == [
        "5.8 落实目标责任制，年度任务细化量化到村居并建立月报制度：2012-02-29后完成，扣2.22分",
        "加分：创建省级生态镇（市环委〔2012〕5号）：+2分",
    ]
    assert rows["柳河镇"]["扣分、加减分及原因"].value == "按时报送月度进展：逾期报送10次，未报送0次，扣16.67分"
    assert rows["柳河镇"]["通报扣分"].value == 0 and rows["桃源镇"]["扣分、加减分及原因"].value == "无"
    ruled = [qingshan[key].border for key in ("名次", "扣分、加减分及原因")] + [towns["A3"].border]
    assert all(b.left.style == b.right.style == b.top.style == b.bottom.style == "thin" for b in ruled)
    # the data sheets print too: landscape, one page wide, their header rows on every page
    summary = workbook["年度考核"]
    assert summary.page_setup.orientation == "landscape" and summary.print_title_rows == "$1:$3"


def _to_pdf(root: Path, file: Path) -> Path | None:
    """`file` converted by LibreOffice into a PDF beside it (None when LibreOffice cannot open its kind)."""
    profile = f"-env:UserInstallation=file://{root / 'lo-profile'}"
    command = [shutil.which("soffice") or "soffice", profile, "--headless", "--convert-to", "pdf"]
    subprocess.run([*command, "--outdir", str(file.parent), str(file)], capture_output=True, timeout=180, check=False)
    pdf = file.with_suffix(".pdf")
    return pdf if pdf.exists() else None


def _pages(pdf: Path) -> list[str]:
    """The text of each page, as poppler lays it out."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return text.split("\f")[:-1]


def _needs_the_tools() -> None:
    if not all(shutil.which(tool) for tool in ("soffice", "pdftoppm", "pdfinfo", "pdftotext")):
        pytest.skip("needs LibreOffice and poppler-utils (Debian: libreoffice-writer-nogui poppler-utils)")


FULL_DATE = re.compile(r"\d{4}年(?:\d{1,2}月(?:\d{1,2}日)?)?")


@pytest.mark.slow
def test_libreoffice_renders_the_word_file_on_a4(example: Workspace) -> None:
    _needs_the_tools()
    example.ok("notice", "--as-of", "2014-07-06", "--docx", "--out", "out")
    docx = next((example.root / "out").glob("*.docx"))
    pdf = _to_pdf(example.root, docx)
    assert pdf is not None
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert "(A4)" in info and int(info.split("Pages:")[1].split()[0]) >= 2  # the attachment on its own page
    pages = _pages(pdf)
    lines = [line.strip() for line in pages[0].splitlines() if line.strip()]
    # the title in two lines broken after 关于, the date whole on the second
    office = "示例区生态建设工作领导小组办公室"
    assert lines[lines.index(f"{office}关于") + 1] == "2014年6月生态建设工作进展情况的通报"
    # no date broken across two lines: every date of the document is whole on one line of the pages
    written = Counter(FULL_DATE.findall("".join(_words(docx))))
    printed = Counter(
        d for page in pages for line in page.splitlines() for d in FULL_DATE.findall(line.replace(" ", ""))
    )
    assert printed == written and written["2014年7月6日"] >= 2
    # the back matter at the foot of the last page: its last line ends on the type area's lower edge (262 mm)
    bbox = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(len(pages)), "-l", str(len(pages)), str(pdf), "-"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    printed_on = re.search(r'yMax="([0-9.]+)">[^<]*印发</word>', bbox)
    assert printed_on is not None and 262 - 12 < float(printed_on.group(1)) * 25.4 / 72 <= 262 + 1
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf), str(pdf.parent / "page")], check=True
    )
    assert next(pdf.parent.glob("page*.png")).stat().st_size > 5000


@pytest.mark.slow
def test_libreoffice_prints_each_group_on_one_a4_page_with_its_signatures(sample: Workspace) -> None:
    _needs_the_tools()
    sample.ok("--lang", "zh", "assess", "--as-of", "2013-02-01", "--xlsx", "--out", "考核.xlsx")
    pdf = _to_pdf(sample.root, sample.root / "考核.xlsx")
    if pdf is None:
        pytest.skip("needs LibreOffice Calc (Debian: libreoffice-calc-nogui)")
    pages = _pages(pdf)
    assert len(pages) < 53 / 2  # the 53 pages of before: 3 to sign, the summary, the 19 units' sheets
    for group in ("镇", "街道", "部门"):
        own = [page for page in pages if f"{group}考核结果 第" in page.replace("　", " ")]
        assert len(own) == 1, group  # the sample's groups each fit one landscape page
        assert f"2012年度考核结果（{group}）" in own[0]
        assert "考核组成员（签字）：" in own[0] and "审核人（签字）：" in own[0] and "日期：" in own[0]
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert "(A4)" in info
