"""The notice as a Word file laid out per GB/T 9704-2012 (党政机关公文格式), with python-docx.

The page is A4 with the standard type area (版心 156 mm × 225 mm: 37 mm from the top, 28 mm from the
binding edge), 3号 (16 pt) body text on a fixed 22-line grid, and the elements in their order: the red
issuing-office mark and red rule, the document number, the title, the addressees, the body with
headings 一、（一）1., the attachment note, the issuer and date under a space for the seal, the contact
note, the attachment, and the back matter (版记) with its rules at the foot of the last page; page numbers
"— 1 —" outside in the footer. A title longer than a line breaks where its sense does (after 关于), and no
date breaks across two lines (word joiners inside it). Fonts are named as Word and WPS know them
(方正小标宋简体, 仿宋_GB2312, 黑体, 楷体_GB2312) and fall back to whatever Chinese font the machine has.
Nothing here decides a word of the text: that is `notices.compose`.
"""

from __future__ import annotations

import io
import itertools
import re
from dataclasses import dataclass
from datetime import date, datetime, time

from docx import Document
from docx.document import Document as WordDocument
from docx.enum.section import WD_SECTION_START
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.table import CT_TblPr
from docx.oxml.text.font import CT_RPr
from docx.shared import Mm, Pt, RGBColor
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph
from docx.text.run import Run

from ecotrack.notices import Composition, Level

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
PART_FONT = "黑体"  # 一、
SECTION_FONT = "楷体_GB2312"  # （一）
PAGE_NUMBER_FONT = "宋体"
RED = RGBColor(0xFF, 0x00, 0x00)

BODY_SIZE = Pt(16)  # 3号
TITLE_SIZE = Pt(22)  # 2号
BACK_MATTER_SIZE = Pt(14)  # 4号
TABLE_SIZE = Pt(10.5)  # 5号
LINE = Pt(28.9)  # 225 mm / 22 lines
TYPE_WIDTH = Mm(156)
LEFT_EDGE_TWIPS = round(Mm(28).pt * 20)  # the type area's left edge, from the page's
CHAR = Pt(16)  # one character of body text, for indents
TWO_CHARS = Pt(32)
FOUR_CHARS = Pt(64)


# U+2060 WORD JOINER: no line break at its place (Unicode's line-breaking rule LB11), zero width. Chinese text
# may break between any two characters, so a date would otherwise end one line with 2012年 and start the next
# with 6月.
WORD_JOINER = "\u2060"
DATE = re.compile(r"\d{4}年(?:\d{1,2}月(?:\d{1,2}日)?)?|\d{1,2}月\d{1,2}日|\d{4}-\d{2}(?:-\d{2})?")
ZERO_WIDTH_SPACE = "\u200b"  # a place a line may break, of no width (Unicode's LB8)
BEFORE_A_DATE = re.compile(r"(?<=[、，；])(?=\d{4}年)")
CELL_DATE = re.compile(r"\d{4}年|\d{1,2}月(?:\d{1,2}日)?")  # in a narrow cell: 2012年 / 6月30日前完成
# spans a title line never breaks inside: dates, figures and Latin words, a quoted title, brackets
UNBROKEN = re.compile(DATE.pattern + r"|[0-9A-Za-z.%]+|《[^》]*》|（[^）]*）|〔[^〕]*〕")
NOT_AT_LINE_START = frozenset("，。、；：？！）》」』”’〕%")
NOT_AT_LINE_END = frozenset("（《「『“‘〔")


def unbroken(text: str, dates: re.Pattern[str] = DATE) -> str:
    """`text` with a word joiner between the characters of each of its `dates`, where a renderer could break it,
    and a zero-width space between a comma and a date after it, where it may: LibreOffice breaks no line between
    、 and a figure, and would carry 2012年3月、2012年5月 to the next line whole."""

    def joined(match: re.Match[str]) -> str:
        date_text = match.group()
        return date_text[0] + "".join(
            (WORD_JOINER if not (a.isascii() and b.isascii()) else "") + b for a, b in itertools.pairwise(date_text)
        )

    return dates.sub(joined, BEFORE_A_DATE.sub(ZERO_WIDTH_SPACE, text))


def title_lines(text: str, per_line: int) -> list[str]:
    """A Chinese title in lines of at most `per_line` characters, broken where its sense allows (GB/T 9704:
    回行时词意完整、排列对称): after 关于 if it can, else before it, else elsewhere outside any date, figure or
    quotation, the lines as even as they can be. English (no Chinese character) is left to the renderer."""
    if _width(text) <= per_line or not any(ord(ch) >= 0x2E80 for ch in text):
        return [text]
    inside = {i for match in UNBROKEN.finditer(text) for i in range(match.start() + 1, match.end())}
    allowed = [
        i
        for i in range(1, len(text))
        if i not in inside and text[i] not in NOT_AT_LINE_START and text[i - 1] not in NOT_AT_LINE_END
    ]
    about = text.find("关于")

    def cost(i: int) -> tuple[int, float]:
        preference = 0 if about >= 0 and i == about + 2 else 1 if i == about else 2
        return (preference, abs(_width(text[:i]) - _width(text[i:])))

    two = [i for i in allowed if _width(text[:i]) <= per_line and _width(text[i:]) <= per_line]
    if two:
        best = min(two, key=cost)
        return [text[:best], text[best:]]
    # longer than two lines: as much as fits on each line, broken at an allowed place
    fitting = [i for i in allowed if _width(text[:i]) <= per_line]
    if not fitting:
        return [text]
    first = max(fitting, key=lambda i: (cost(i)[0] == 0, i))
    return [text[:first], *title_lines(text[first:], per_line)]


def notice_docx(composition: Composition, dated: date) -> bytes:
    """The Word file of a composed notice; `dated` stamps its properties, so a reprint is the same file."""
    document = Document()
    _page(document)
    _styles(document)
    _mark(document, composition)
    _title(document, composition)
    _body(document, composition)
    _signature(document, composition)
    if composition.attachment_rows:
        _attachment(document, composition)
    _back_matter(document, composition)
    properties = document.core_properties
    moment = datetime.combine(dated, time(0, 0))
    properties.title = composition.title
    properties.author = composition.issuer
    properties.last_modified_by = composition.issuer
    properties.created = properties.modified = moment
    properties.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _page(document: WordDocument) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(21)  # the page number 7 mm below the type area
    section.start_type = WD_SECTION_START.NEW_PAGE
    document.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)  # odd pages: outside is the right
    _page_number(section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)


def _page_number(paragraph: DocxParagraph, alignment: WD_ALIGN_PARAGRAPH) -> None:
    """ "— 1 —" one character in from the outer edge of the type area."""
    paragraph.alignment = alignment
    paragraph.paragraph_format.left_indent = Pt(14) if alignment == WD_ALIGN_PARAGRAPH.LEFT else None
    paragraph.paragraph_format.right_indent = Pt(14) if alignment == WD_ALIGN_PARAGRAPH.RIGHT else None
    _font(paragraph.add_run("— "), PAGE_NUMBER_FONT, Pt(14))
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    number = paragraph.add_run("1")
    _font(number, PAGE_NUMBER_FONT, Pt(14))
    field.append(number._r)
    paragraph._p.append(field)
    _font(paragraph.add_run(" —"), PAGE_NUMBER_FONT, Pt(14))


def _styles(document: WordDocument) -> None:
    normal = document.styles["Normal"]
    normal.font.size = BODY_SIZE
    normal.font.name = BODY_FONT
    _east_asian(normal.element.get_or_add_rPr(), BODY_FONT)
    spacing = normal.paragraph_format
    spacing.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    spacing.line_spacing = LINE
    spacing.space_before = spacing.space_after = Pt(0)


def _east_asian(rpr: CT_RPr, name: str) -> None:
    fonts = rpr.get_or_add_rFonts()
    for side in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(side), name)


def _font(run: Run, name: str, size: Pt, *, bold: bool = False, color: RGBColor | None = None) -> Run:
    run.font.name = name
    run.font.size = size
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    _east_asian(run._r.get_or_add_rPr(), name)
    return run


def _paragraph(
    document: WordDocument,
    text: str = "",
    *,
    font: str = BODY_FONT,
    size: Pt = BODY_SIZE,
    alignment: WD_ALIGN_PARAGRAPH | None = None,
    first_line: Pt | None = None,
    bold: bool = False,
    color: RGBColor | None = None,
) -> DocxParagraph:
    paragraph: DocxParagraph = document.add_paragraph()
    if alignment is not None:
        paragraph.alignment = alignment
    if first_line is not None:
        paragraph.paragraph_format.first_line_indent = first_line
    if text:
        _font(paragraph.add_run(unbroken(text)), font, size, bold=bold, color=color)
    return paragraph


def _title_paragraph(document: WordDocument, text: str) -> DocxParagraph:
    """A title in 2号 方正小标宋, centred, its lines broken by `title_lines` (explicit breaks: a renderer keeps
    them, since each line fits)."""
    title = _paragraph(document, alignment=WD_ALIGN_PARAGRAPH.CENTER)
    title.paragraph_format.line_spacing = Pt(36)
    lines = title_lines(text, int(TYPE_WIDTH.pt // TITLE_SIZE.pt))
    for index, line in enumerate(lines):
        run = _font(title.add_run(unbroken(line)), TITLE_FONT, TITLE_SIZE)
        if index < len(lines) - 1:
            run.add_break()
    return title


def _width(text: str) -> float:
    """The width of a text in characters of its size (ASCII takes half)."""
    return sum(0.5 if ord(ch) < 0x2E80 else 1.0 for ch in text)


def _border(paragraph: DocxParagraph, side: str, *, color: str, eighths: int, space: int = 1) -> None:
    """A rule above or below a paragraph (`eighths`: its width in eighths of a point)."""
    properties = paragraph._p.get_or_add_pPr()
    borders = properties.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        properties.append(borders)
    line = OxmlElement(f"w:{side}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(eighths))
    line.set(qn("w:space"), str(space))
    line.set(qn("w:color"), color)
    borders.append(line)


def _mark(document: WordDocument, composition: Composition) -> None:
    """The red issuing-office mark 35 mm into the type area, two lines, the number, and the red rule."""
    # as large as fits the type area's width, and no larger than 22 mm high
    size = Pt(min(62.0, TYPE_WIDTH.pt / max(_width(composition.mark), 1.0)))
    mark = _paragraph(document, composition.mark, font=TITLE_FONT, size=size, alignment=WD_ALIGN_PARAGRAPH.CENTER)
    mark.runs[0].font.color.rgb = RED
    mark.paragraph_format.space_before = Mm(35)
    mark.paragraph_format.line_spacing_rule = WD_LINE_SPACING.AT_LEAST
    mark.paragraph_format.line_spacing = size
    _paragraph(document)
    _paragraph(document)
    number = _paragraph(document, composition.number, alignment=WD_ALIGN_PARAGRAPH.CENTER)
    _border(number, "bottom", color="FF0000", eighths=12, space=11)  # the red rule 4 mm under the number


def _title(document: WordDocument, composition: Composition) -> None:
    _paragraph(document)
    _paragraph(document)
    _title_paragraph(document, composition.title)
    _paragraph(document)
    _paragraph(document, composition.addressees)


def _body(document: WordDocument, composition: Composition) -> None:
    for paragraph in composition.body:
        if paragraph.level is Level.part:
            heading = _paragraph(document, paragraph.text, font=PART_FONT, first_line=TWO_CHARS)
            heading.paragraph_format.keep_with_next = True
        elif paragraph.level is Level.section:
            heading = _paragraph(document, paragraph.text, font=SECTION_FONT, first_line=TWO_CHARS)
            heading.paragraph_format.keep_with_next = True
        else:
            _paragraph(document, paragraph.text, first_line=TWO_CHARS)


def _signature(document: WordDocument, composition: Composition) -> None:
    """The attachment note, then the issuer centred over the date, the date four characters in from the
    right, with room above for the seal; then the contact note."""
    if composition.attachment_note:
        _paragraph(document)
        note = _paragraph(document, composition.attachment_note)
        note.paragraph_format.left_indent = TWO_CHARS
        note.paragraph_format.first_line_indent = None
    for _ in range(3):  # the seal presses on the issuer and the date
        _paragraph(document)
    date_indent = FOUR_CHARS
    shift = max(0.0, (_width(composition.date) - _width(composition.issuer)) / 2)
    issuer = _paragraph(document, composition.issuer, alignment=WD_ALIGN_PARAGRAPH.RIGHT)
    issuer.paragraph_format.right_indent = Pt(date_indent.pt + shift * CHAR.pt)
    dated = _paragraph(document, composition.date, alignment=WD_ALIGN_PARAGRAPH.RIGHT)
    dated.paragraph_format.right_indent = date_indent
    if composition.contact_note:
        _paragraph(document)
        _paragraph(document, composition.contact_note, first_line=TWO_CHARS)


def _attachment(document: WordDocument, composition: Composition) -> None:
    """On a new page: 附件 at the top left, the attachment's title, the table."""
    _paragraph(document).add_run().add_break(WD_BREAK.PAGE)
    _paragraph(document, composition.attachment_label, font=PART_FONT)
    _paragraph(document)
    _title_paragraph(document, composition.attachment_title)
    _paragraph(document)
    header = composition.attachment_header
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    # 156 mm of type area, 1 mm of margin in each cell: every heading of four characters on one line, the
    # figures on one, the target's title in what is left
    widths = [Mm(w) for w in (10, 19, 33, 17, 17, 17, 17, 26)][: len(header)]
    table.autofit = False
    _cell_margins(table._tbl.tblPr, Mm(1))
    for column, width in zip(table.columns, widths, strict=False):
        column.width = width
    for cell, text, width in zip(table.rows[0].cells, header, widths, strict=False):
        _cell(cell, text, width, font=PART_FONT)
    for row in composition.attachment_rows:
        cells = table.add_row().cells
        for cell, text, width in zip(cells, row, widths, strict=False):
            _cell(cell, text, width)
    for row in table.rows:  # the header row repeats on each page
        row.height = None
    header_row = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    header_row.append(repeat)


def _cell(cell: _Cell, text: str, width: Mm, *, font: str = BODY_FONT) -> None:
    """A table cell's text, centred; a date may break after its year (a cell can be narrower than a date), and a
    heading too long for its cell breaks before its bracketed unit: 低于序时进度 / （个百分点）."""
    cell.width = width
    paragraph = cell.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    paragraph.paragraph_format.first_line_indent = None
    bracket = text.find("（")
    if bracket > 0 and _width(text) * TABLE_SIZE.pt > width.pt - Mm(2).pt:
        _font(paragraph.add_run(unbroken(text[:bracket], CELL_DATE)), font, TABLE_SIZE).add_break()
        text = text[bracket:]
    _font(paragraph.add_run(unbroken(text, CELL_DATE)), font, TABLE_SIZE)


def _cell_margins(properties: CT_TblPr, side: Mm) -> None:
    """A table's cells `side` in from their left and right edges (in the schema's place, before tblLook)."""
    margins = OxmlElement("w:tblCellMar")
    for name in ("left", "right"):
        margin = OxmlElement(f"w:{name}")
        margin.set(qn("w:w"), str(round(side.pt * 20)))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    layout = properties.find(qn("w:tblLayout"))  # there: `autofit = False` made it fixed
    assert layout is not None
    layout.addnext(margins)


def _back_matter(document: WordDocument, composition: Composition) -> None:
    """版记 (GB/T 9704 7.4): 抄送 and the printing office and date (4号 仿宋, one character in from each side)
    between rules as wide as the type area, thick above and below and thin between, the last rule on the foot of
    the type area of the last page. It is a table floating at the bottom of the type area (`w:tblpPr`), anchored
    in the document's last paragraph: Word, WPS and LibreOffice place it at the foot of whichever page that
    paragraph falls on, and no count of blank lines has to guess how full that page is."""
    texts = [composition.cc] if composition.cc else []
    table = document.add_table(rows=len(texts) + 1, cols=1)
    table.autofit = False
    table.columns[0].width = TYPE_WIDTH
    for cell, text in zip(table.columns[0].cells, texts, strict=False):
        paragraph = _back_matter_cell(cell)
        # a second line starts under the first office after the colon (GB/T 9704 7.4.2)
        label = _width(text[: text.find("：") + 1]) if "：" in text else 0.0
        paragraph.paragraph_format.left_indent = Pt(BACK_MATTER_SIZE.pt * (1 + label))
        paragraph.paragraph_format.first_line_indent = Pt(-BACK_MATTER_SIZE.pt * label)
        _font(paragraph.add_run(unbroken(text)), BODY_FONT, BACK_MATTER_SIZE)
    printed = _back_matter_cell(table.rows[-1].cells[0])
    printed.paragraph_format.tab_stops.add_tab_stop(Pt(TYPE_WIDTH.pt - 28), WD_TAB_ALIGNMENT.RIGHT)
    _font(printed.add_run(unbroken(f"{composition.printed_by}\t{composition.printed_on}")), BODY_FONT, BACK_MATTER_SIZE)
    properties = table._tbl.tblPr
    # Placed from the page's left edge, not centred in the margins: LibreOffice (before 7.6) floats a table only
    # when text could flow beside it, and a table as wide as the type area is as wide as the margins' space.
    floating = OxmlElement("w:tblpPr")
    for name, value in (
        ("leftFromText", "0"), ("rightFromText", "0"), ("topFromText", "0"), ("bottomFromText", "0"),
        ("vertAnchor", "margin"), ("tblpYSpec", "bottom"), ("horzAnchor", "page"), ("tblpX", str(LEFT_EDGE_TWIPS)),
    ):  # fmt: skip
        floating.set(qn(f"w:{name}"), value)
    overlap = OxmlElement("w:tblOverlap")
    overlap.set(qn("w:val"), "never")
    style = properties.find(qn("w:tblStyle"))
    position = 0 if style is None else list(properties).index(style) + 1  # the schema's order: after the style
    properties.insert(position, floating)
    properties.insert(position + 1, overlap)
    width = properties.find(qn("w:tblW"))  # python-docx writes one on every table
    assert width is not None
    width.set(qn("w:w"), str(round(TYPE_WIDTH.pt * 20)))
    width.set(qn("w:type"), "dxa")
    borders = OxmlElement("w:tblBorders")
    for side, size in (("top", 8), ("left", 0), ("bottom", 8), ("right", 0), ("insideH", 6), ("insideV", 0)):
        line = OxmlElement(f"w:{side}")  # 8 eighths of a point: GB/T 9704's 0.35 mm; 6: its 0.25 mm
        line.set(qn("w:val"), "single" if size else "nil")
        if size:
            line.set(qn("w:sz"), str(size))
            line.set(qn("w:space"), "0")
            line.set(qn("w:color"), "000000")
        borders.append(line)
    layout = properties.find(qn("w:tblLayout"))  # there: `autofit = False` made it fixed
    assert layout is not None
    layout.addprevious(borders)  # the schema's order: tblW, …, tblBorders, shd, tblLayout, tblCellMar, tblLook
    _cell_margins(properties, Mm(0))
    document.add_paragraph()  # the anchor: the last paragraph, on the last page


def _back_matter_cell(cell: _Cell) -> DocxParagraph:
    cell.width = TYPE_WIDTH
    paragraph: DocxParagraph = cell.paragraphs[0]
    paragraph.paragraph_format.left_indent = paragraph.paragraph_format.right_indent = Pt(14)  # one 4号 character
    return paragraph


@dataclass(frozen=True)
class PublicationComposition:
    """Every element of a publication's document (公示, SPEC §15), its words already chosen."""

    title: str
    subtitle: str | None  # which publication, from the second on
    addressees: str
    body: tuple[str, ...]
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    issuer: str
    date: str


def publication_docx(composition: PublicationComposition, dated: date) -> bytes:
    """The publication as a Word file on the notice's page (A4, GB/T 9704's type area and fonts), without the red
    mark: the title, the addressees, the body, the table of units, the issuer and date."""
    document = Document()
    _page(document)
    _styles(document)
    _paragraph(document)
    _title_paragraph(document, composition.title)
    if composition.subtitle:
        _paragraph(document, composition.subtitle, font=SECTION_FONT, alignment=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(document)
    _paragraph(document, composition.addressees)
    for text in composition.body:
        _paragraph(document, text, first_line=TWO_CHARS)
    _paragraph(document)
    table = document.add_table(rows=1, cols=len(composition.header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    # 156 mm of type area: the unit's name takes what the numbers leave (with a kind column, 6 columns)
    sizes = (14, 52, 20, 24, 24, 22) if len(composition.header) == 6 else (16, 60, 26, 28, 26)
    widths = [Mm(w) for w in sizes]
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=False):
        column.width = width
    for cell, text, width in zip(table.rows[0].cells, composition.header, widths, strict=False):
        _cell(cell, text, width, font=PART_FONT)
    for row in composition.rows:
        for cell, text, width in zip(table.add_row().cells, row, widths, strict=False):
            _cell(cell, text, width)
    header_row = table.rows[0]._tr.get_or_add_trPr()
    header_row.append(OxmlElement("w:tblHeader"))
    for _ in range(3):  # room for the seal
        _paragraph(document)
    shift = max(0.0, (_width(composition.date) - _width(composition.issuer)) / 2)
    issuer = _paragraph(document, composition.issuer, alignment=WD_ALIGN_PARAGRAPH.RIGHT)
    issuer.paragraph_format.right_indent = Pt(FOUR_CHARS.pt + shift * CHAR.pt)
    day = _paragraph(document, composition.date, alignment=WD_ALIGN_PARAGRAPH.RIGHT)
    day.paragraph_format.right_indent = FOUR_CHARS
    properties = document.core_properties
    moment = datetime.combine(dated, time(0, 0))
    properties.title = composition.title
    properties.author = properties.last_modified_by = composition.issuer
    properties.created = properties.modified = moment
    properties.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
