"""The notice as a Word file laid out per GB/T 9704-2012 (党政机关公文格式), with python-docx.

The page is A4 with the standard type area (版心 156 mm × 225 mm: 37 mm from the top, 28 mm from the
binding edge), 3号 (16 pt) body text on a fixed 22-line grid, and the elements in their order: the red
issuing-office mark and red rule, the document number, the title, the addressees, the body with
headings 一、（一）1., the attachment note, the issuer and date under a space for the seal, the contact
note, the attachment, and the back matter (版记) with its rules; page numbers "— 1 —" outside in the
footer. Fonts are named as Word and WPS know them (方正小标宋简体, 仿宋_GB2312, 黑体, 楷体_GB2312) and
fall back to whatever Chinese font the machine has. Nothing here decides a word of the text: that is
`notices.compose`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time

from docx import Document
from docx.document import Document as WordDocument
from docx.enum.section import WD_SECTION_START
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
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
CHAR = Pt(16)  # one character of body text, for indents
TWO_CHARS = Pt(32)
FOUR_CHARS = Pt(64)


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
        _font(paragraph.add_run(text), font, size, bold=bold, color=color)
    return paragraph


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
    title = _paragraph(
        document, composition.title, font=TITLE_FONT, size=TITLE_SIZE, alignment=WD_ALIGN_PARAGRAPH.CENTER
    )
    title.paragraph_format.line_spacing = Pt(36)
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
    title = _paragraph(
        document, composition.attachment_title, font=TITLE_FONT, size=TITLE_SIZE, alignment=WD_ALIGN_PARAGRAPH.CENTER
    )
    title.paragraph_format.line_spacing = Pt(36)
    _paragraph(document)
    header = composition.attachment_header
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = [Mm(w) for w in (11, 20, 37, 17, 17, 19, 16, 19)][: len(header)]
    table.autofit = False
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
    cell.width = width
    paragraph = cell.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    paragraph.paragraph_format.first_line_indent = None
    _font(paragraph.add_run(text), font, TABLE_SIZE)


def _back_matter(document: WordDocument, composition: Composition) -> None:
    """版记: a thick rule, 抄送, a thin rule, the printing office and date, a thick rule (4号 仿宋)."""
    _paragraph(document)
    lines = []
    if composition.cc:
        cc = _paragraph(document, composition.cc, size=BACK_MATTER_SIZE)
        cc.paragraph_format.left_indent = cc.paragraph_format.right_indent = Pt(14)
        lines.append(cc)
    printed = _paragraph(document, size=BACK_MATTER_SIZE)
    printed.paragraph_format.left_indent = printed.paragraph_format.right_indent = Pt(14)
    printed.paragraph_format.tab_stops.add_tab_stop(Pt(TYPE_WIDTH.pt - 28), WD_TAB_ALIGNMENT.RIGHT)
    _font(printed.add_run(f"{composition.printed_by}\t{composition.printed_on}"), BODY_FONT, BACK_MATTER_SIZE)
    lines.append(printed)
    _border(lines[0], "top", color="000000", eighths=8)
    if len(lines) > 1:
        _border(lines[0], "bottom", color="000000", eighths=4)
    _border(lines[-1], "bottom", color="000000", eighths=8)


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
    title = _paragraph(
        document, composition.title, font=TITLE_FONT, size=TITLE_SIZE, alignment=WD_ALIGN_PARAGRAPH.CENTER
    )
    title.paragraph_format.line_spacing = Pt(36)
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
