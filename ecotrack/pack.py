"""The meeting pack (SPEC §12): one self-contained HTML page the projector shows and A4 landscape prints.

Headline figures, the units × targets heat map, the filings grid, district totals, a trajectory chart for
every behind assignment (SVG drawn by `charts`), the overdue units with their gaps, open rectification
items and the draft notice. Inline CSS and SVG only: nothing is fetched to view it. Every number comes
from the same results `status`, `filings`, `overdue` and `rectifications` print; each cell carries them
in `data-` attributes as well, so that a script can read the page back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from ecotrack import figures
from ecotrack.i18n import label, language, t, tp
from ecotrack.notices import Level, Notice, compose, gap_en, gap_zh
from ecotrack.plan import SHORT_TITLE, Plan, short_title
from ecotrack.results import Board, MatterItem, MeetingFacts, RectificationItem, SupportNote
from ecotrack.rules import Evaluation, OverdueUnit, StatusRow, TargetTotal

STATUS_COLOURS = {"done": "#2e86c1", "on_track": "#27ae60", "at_risk": "#f39c12", "behind": "#c0392b"}
FILING_COLOURS = {
    "on_time": "#27ae60",
    "late": "#f39c12",
    "missing": "#c0392b",
    "pending": "#ecf0f1",
    "not_required": "#ffffff",
}
FILING_MARKS = {"on_time": "✓", "late": "L", "missing": "✗", "pending": "·", "not_required": "–"}
NOT_DUE_COLOUR = "#bdc3c7"  # a milestone not due yet: neither done nor late, so no status colour
LIGHT_COLOURS = {"green": "#27ae60", "yellow": "#f1c40f", "red": "#c0392b"}
LIGHT_TEXT = {"green": "#fff", "yellow": "#222", "red": "#fff"}  # readable on each light

CSS = """
@page { size: A4 landscape; margin: 10mm; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif;
       margin: 16px; color: #222; font-size: 13px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 18px 0 6px; border-bottom: 2px solid #c0392b; }
.sub { color: #555; margin-bottom: 10px; }
.headline { display: flex; gap: 12px; flex-wrap: wrap; }
.figure { border: 1px solid #ccc; border-radius: 6px; padding: 8px 14px; min-width: 110px; }
.figure b { display: block; font-size: 26px; }
table { border-collapse: collapse; margin: 4px 0; }
th, td { border: 1px solid #ddd; padding: 2px 5px; text-align: center; }
th { background: #f4f6f7; font-weight: 600; }
td.name, th.name { text-align: left; }  /* a long (English) name or title wraps when the page is too narrow */
td.cell { color: #fff; font-weight: 600; min-width: 34px; }
td.none { background: #fafafa; }
th.target { vertical-align: bottom; padding: 3px 1px; font-weight: 500; font-size: 11px; }
th.target span { writing-mode: vertical-rl; white-space: nowrap; display: inline-block; }
#heatmap td.cell { min-width: 22px; font-size: 10px; padding: 2px 1px; white-space: nowrap; }
#heatmap td.name { min-width: 7em; max-width: 11em; }  /* 39 targets and English names fit 1280 px */
.boards { display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-start; }
.boards h3 { font-size: 14px; margin: 4px 0; }
td.light { font-weight: 700; min-width: 44px; }
td.up { color: #1e8449; font-weight: 700; } td.down { color: #c0392b; font-weight: 700; } td.same { color: #888; }
.legend span { display: inline-block; padding: 1px 8px; margin-right: 6px; color: #fff; border-radius: 3px; }
.charts { display: flex; flex-wrap: wrap; gap: 10px; }
.charts figure { margin: 0; border: 1px solid #eee; padding: 4px; page-break-inside: avoid; }
.charts svg { width: 420px; height: auto; }
.notice p { margin: 3px 0; } .notice .part { font-weight: 700; } .notice .section { font-style: italic; }
.notice .line { margin-left: 2em; }
section { page-break-inside: auto; }
"""


@dataclass(frozen=True)
class PackChart:
    unit: str
    unit_name: str
    target: str
    svg: str


@dataclass(frozen=True)
class PackContent:
    """Everything the page shows, computed by the tracker for one date."""

    plan: Plan
    as_of: date
    evaluation: Evaluation
    overdue: Sequence[OverdueUnit]
    totals: Sequence[TargetTotal]
    charts: Sequence[PackChart]
    rectifications: Sequence[RectificationItem]  # the open and overdue items
    notice: Notice | None  # the month's notice as issued, or the draft
    notice_recorded: str | None  # the document number when the month's notice was issued already
    matters: Sequence[MatterItem] = ()  # the open, reopened and overdue items of assigned matters (SPEC §17)
    notes: Sequence[SupportNote] = ()  # the supporting units' notes for the month (SPEC §17)
    board: Board | None = None  # the 亮灯 board, None before the first evaluation month


def meeting_page(plan: Plan, facts: MeetingFacts) -> str:
    """The meeting pack of one date as one self-contained HTML page, its charts drawn as SVG."""
    from ecotrack.charts import labels_for, trajectory_svg
    from ecotrack.rules import district_totals

    charts = [
        PackChart(
            unit=trajectory.unit,
            unit_name=next(r.unit_name for r in facts.evaluation.rows if r.unit == trajectory.unit),
            target=trajectory.target,
            svg=trajectory_svg(trajectory, labels_for(plan, trajectory)),
        )
        for trajectory in facts.trajectories
    ]
    return page(
        PackContent(
            plan=plan,
            as_of=facts.as_of,
            evaluation=facts.evaluation,
            overdue=facts.overdue,
            totals=district_totals(plan, facts.evaluation.rows),
            charts=charts,
            rectifications=facts.rectifications,
            notice=facts.notice,
            notice_recorded=facts.notice_recorded,
            matters=facts.matters,
            notes=facts.notes,
            board=facts.board,
        )
    )


def _name(plan: Plan, code: str, fallback: str) -> str:
    unit = plan.unit(code)
    return unit.display_name(language()) if unit else fallback


def _title(plan: Plan, code: str, fallback: str) -> str:
    target = plan.target(code)
    return target.display_title(language()) if target else fallback


_number = figures.number


def _status_word(status: str) -> str:
    return {
        "done": t("done"),
        "on_track": t("on track"),
        "at_risk": t("at risk"),
        "behind": t("behind"),
    }.get(status, status)


def _filing_mark(status: str) -> str:
    """A monthly report's mark; late is a letter, so it is a word of the interface language (L, 迟)."""
    return tp("filing mark", "L") if status == "late" else FILING_MARKS[status]


def _filing_word(status: str) -> str:
    return {
        "on_time": t("on time"),
        "late": t("late"),
        "missing": t("missing"),
        "pending": t("pending"),
        "not_required": t("not required"),
    }.get(status, status)


def page(content: PackContent) -> str:
    """The whole page."""
    plan, evaluation = content.plan, content.evaluation
    month = evaluation.evaluation_month or t("none yet")
    title = t("Monthly meeting, {as_of}", as_of=content.as_of.isoformat())
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if language() == "zh" else "en"}"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(plan.title)}</h1>",
        '<div class="sub">'
        + escape(
            t(
                "{office} · {title} · evaluation month {month}",
                office=plan.display_office(language()),
                title=title,
                month=month,
            )
        )
        + "</div>",
        _headline(content),
        _board(content),
        _heat_map(content),
        _filings(content),
        _notes(content),
        _totals(content),
        _charts(content),
        _overdue(content),
        _rectifications(content),
        _matters(content),
        _notice(content),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _headline(content: PackContent) -> str:
    rows = content.evaluation.rows
    month = content.evaluation.evaluation_month
    reports = [unit.months.get(month or "") for unit in content.evaluation.filings]
    figures = [
        ("assignments", t("assignments"), len(rows)),
        *[(status, _status_word(status), sum(r.status == status for r in rows)) for status in STATUS_COLOURS],
        ("on_time", t("reports on time"), reports.count("on_time")),
        ("missing", t("reports missing"), reports.count("missing")),
        ("overdue", t("units overdue"), len(content.overdue)),
        ("rectifications", t("open rectifications"), len(content.rectifications)),
    ]
    boxes = "".join(
        f'<div class="figure" data-figure="{key}"><b>{count}</b>{escape(label)}</div>' for key, label, count in figures
    )
    return f'<section id="headline"><div class="headline">{boxes}</div></section>'


def _legend() -> str:
    spans = [
        f'<span style="background:{colour}">{escape(_status_word(status))}</span>'
        for status, colour in STATUS_COLOURS.items()
    ]
    not_due = escape(t("milestone not due yet"))
    spans.append(f'<span style="background:{NOT_DUE_COLOUR}">{not_due}</span>')
    return '<div class="legend">' + "".join(spans) + "</div>"


def _heat_map(content: PackContent) -> str:
    plan = content.plan
    by_cell = {(r.unit, r.target): r for r in content.evaluation.rows}
    targets = [target for target in plan.targets() if any(key[1] == target.code for key in by_cell)]
    titles = {g.code: _title(plan, g.code, g.title) for g in targets}
    header = "".join(
        f'<th class="target" data-target="{escape(g.code)}" title="{escape(g.code)} {escape(titles[g.code])}">'
        f"<span>{escape(g.code)} {escape(short_title(titles[g.code], SHORT_TITLE[language()]))}</span></th>"
        for g in targets
    )
    lines = []
    for filings in content.evaluation.filings:
        if not plan.assignments_of(filings.unit):
            continue  # a unit that only supports has its months in the filings grid, and no cell here
        cells = []
        for target in targets:
            row = by_cell.get((filings.unit, target.code))
            cells.append(_heat_cell(row) if row else '<td class="none"></td>')
        name = escape(_name(plan, filings.unit, filings.unit_name))
        lines.append(f'<tr><td class="name">{name}</td>{"".join(cells)}</tr>')
    heading, unit = escape(t("Progress of every assignment")), escape(t("Unit"))
    return (
        f'<section id="heatmap"><h2>{heading}</h2>{_legend()}'
        f'<table><tr><th class="name">{unit}</th>{header}</tr>{"".join(lines)}</table></section>'
    )


def _heat_cell(row: StatusRow) -> str:
    """An assignment's cell: its status colour and share done; a milestone says done, due soon or overdue in words,
    and one not due yet is grey (on track by SPEC §5, but nothing is done nor late)."""
    colour = STATUS_COLOURS[row.status]
    hover = _status_word(row.status)
    if row.type != "milestone":
        shown = f"{min(max(row.progress, 0.0), 9.99) * 100:.0f}%"
    elif row.status == "on_track":
        colour, shown = NOT_DUE_COLOUR, tp("milestone", "not due")
        hover = t("milestone not due yet: due {due}", due=row.due or "")
    else:
        shown = {"done": tp("milestone", "done"), "at_risk": tp("milestone", "due soon")}.get(
            row.status, tp("milestone", "overdue")
        )
        due = t("due {due}", due=row.due or "")
        hover = f"{hover}: {due}"
    return (
        f'<td class="cell" style="background:{colour}" data-unit="{escape(row.unit)}" '
        f'data-target="{escape(row.target)}" data-status="{row.status}" data-actual="{row.actual!r}" '
        f'data-expected="{row.expected!r}" title="{escape(hover)}">{escape(shown)}</td>'
    )


def _filings(content: PackContent) -> str:
    plan = content.plan
    units = content.evaluation.filings
    months = list(units[0].months) if units else []
    header = "".join(f"<th>{int(m[5:]):02d}</th>" for m in months)
    lines = []
    for unit in units:
        cells = "".join(
            f'<td style="background:{FILING_COLOURS[status]}" data-unit="{escape(unit.unit)}" data-month="{m}" '
            f'data-status="{status}" title="{escape(_filing_word(status))}">{escape(_filing_mark(status))}</td>'
            for m, status in unit.months.items()
        )
        lines.append(f'<tr><td class="name">{escape(_name(plan, unit.unit, unit.unit_name))}</td>{cells}</tr>')
    legend = " ".join(f"{escape(_filing_mark(s))} {escape(_filing_word(s))}" for s in FILING_MARKS)
    heading, unit_heading = escape(t("Monthly reports")), escape(t("Unit"))
    return (
        f'<section id="filings"><h2>{heading}</h2><div class="sub">{legend}</div>'
        f'<table><tr><th class="name">{unit_heading}</th>{header}</tr>{"".join(lines)}</table></section>'
    )


def _notes(content: PackContent) -> str:
    """SPEC §17: what each supporting unit says of each target it supports for the evaluation month, with its lead
    units; a note not filed says so. Only for a plan with `supporting_reports`."""
    plan, month = content.plan, content.evaluation.evaluation_month
    if not plan.supporting_reports or month is None:
        return ""
    shown = {(n.unit, n.target): n for n in content.notes}
    not_filed = escape(t("not filed"))
    lines = []
    for target in plan.targets():
        leads = tp("list", ", ").join(_name(plan, a.unit, a.unit) for a in target.assignments)
        for unit in target.support:
            note = shown.get((unit, target.code))
            text = escape(note.text) if note else f"<i>{not_filed}</i>"
            lines.append(
                f'<tr data-unit="{escape(unit)}" data-target="{escape(target.code)}" '
                f'data-noted="{"true" if note else "false"}"><td>{escape(target.code)}</td>'
                f'<td class="name">{escape(leads)}</td><td class="name">{escape(_name(plan, unit, unit))}</td>'
                f'<td class="name">{text}</td></tr>'
            )
    if not lines:
        return ""
    head = "".join(f"<th>{escape(h)}</th>" for h in (t("Target"), t("Lead units"), t("Supporting unit"), t("Note")))
    heading = escape(t("Supporting units' notes, {month}", month=month))
    return f'<section id="notes"><h2>{heading}</h2><table><tr>{head}</tr>{"".join(lines)}</table></section>'


def _totals(content: PackContent) -> str:
    plan = content.plan
    head = [t("Target"), t("Title"), t("Amount"), t("Actual"), t("Expected"), t("Units")]
    lines = []
    for total in content.totals:
        measure = "" if total.aggregate == "count" else (total.measure or "")
        lines.append(
            f'<tr data-target="{escape(total.target)}" data-amount="{total.amount!r}" data-actual="{total.actual!r}" '
            f'data-expected="{total.expected!r}"><td>{escape(total.target)}</td>'
            f'<td class="name">{escape(_title(plan, total.target, total.target_title))}</td>'
            f"<td>{_number(total.amount)}{escape(measure)}</td><td>{_number(total.actual)}{escape(measure)}</td>"
            f"<td>{_number(total.expected)}{escape(measure)}</td><td>{total.units}</td></tr>"
        )
    header = "".join(f"<th>{escape(h)}</th>" for h in head)
    note = t("sums over the units; a rate is their mean, a milestone counts those done")
    heading = escape(t("District totals"))
    return (
        f'<section id="totals"><h2>{heading}</h2><div class="sub">{escape(note)}</div>'
        f"<table><tr>{header}</tr>{''.join(lines)}</table></section>"
    )


def _charts(content: PackContent) -> str:
    if not content.charts:
        return ""
    figures = "".join(
        f'<figure data-unit="{escape(c.unit)}" data-target="{escape(c.target)}">{_inline(c.svg)}</figure>'
        for c in content.charts
    )
    heading = escape(t("Behind schedule: the expected line against the levels filed"))
    return f'<section id="trajectories"><h2>{heading}</h2><div class="charts">{figures}</div></section>'


def _inline(svg: str) -> str:
    """An SVG document as an element of the page: without its XML declaration and doctype."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def _overdue(content: PackContent) -> str:
    plan = content.plan
    heading, none = escape(t("Overdue units")), escape(t("none"))
    if not content.overdue:
        return f'<section id="overdue"><h2>{heading}</h2><p>{none}</p></section>'
    titles = {i.matter.id: i.matter.title for i in content.matters}
    lines = []
    for unit in content.overdue:
        gaps = "<br>".join(
            escape(f"{row.target} {_title(plan, row.target, row.target_title)}: {_gap(plan, row)}")
            for row in unit.behind
        )
        lines.append(
            f'<tr data-unit="{escape(unit.unit)}" data-missing="{" ".join(unit.missing_reports)}" '
            f'data-behind="{" ".join(r.target for r in unit.behind)}" '
            f'data-matters="{" ".join(str(m) for m in unit.matters_overdue)}">'
            f'<td class="name">{escape(_name(plan, unit.unit, unit.unit_name))}</td>'
            f'<td>{escape(" ".join(unit.missing_reports))}</td><td class="name">{gaps}</td>'
            f"<td>{escape(' '.join(str(n) for n in unit.rectification_overdue))}"
            f"{_matters_named(unit.matters_overdue, titles)}</td></tr>"
        )
    head = [t("Unit"), t("Missing reports"), t("Behind targets and gaps"), t("Rectification overdue")]
    header = "".join(f"<th>{escape(h)}</th>" for h in head)
    return f'<section id="overdue"><h2>{heading}</h2><table><tr>{header}</tr>{"".join(lines)}</table></section>'


def _matters_named(ids: Sequence[int], titles: Mapping[int, str]) -> str:
    """The overdue matters of a unit, for its row of the overdue table."""
    named = [escape(t("matter overdue: {matters}", matters=f"#{m} {titles.get(m, '')}".strip())) for m in ids]
    return "".join(f"<br>{line}" for line in named)


def _gap(plan: Plan, row: StatusRow) -> str:
    if row.type == "milestone":
        return t("due {due}, not done", due=row.due or "")
    return gap_zh(row) if language() == "zh" else gap_en(plan, row)


def _rectifications(content: PackContent) -> str:
    heading, none = escape(t("Open rectifications")), escape(t("none"))
    if not content.rectifications:
        return f'<section id="rectifications"><h2>{heading}</h2><p>{none}</p></section>'
    plan = content.plan
    lines = "".join(
        f'<tr data-unit="{escape(i.unit)}" data-notice="{i.notice_number}" data-state="{escape(i.state)}">'
        f"<td>{escape(i.stored.document_number)}</td>"
        f'<td class="name">{escape(_name(plan, i.unit, i.stored.unit_name))}</td>'
        f"<td>{escape(i.due.isoformat())}</td><td>{escape(label(i.state))}</td></tr>"
        for i in content.rectifications
    )
    head = "".join(f"<th>{escape(h)}</th>" for h in (t("Notice"), t("Unit"), t("Due"), t("State")))
    return f'<section id="rectifications"><h2>{heading}</h2><table><tr>{head}</tr>{lines}</table></section>'


def _matters(content: PackContent) -> str:
    """The assigned matters' items not yet answered or closed (SPEC §17); the section is left out in a year
    without matters."""
    if not content.matters:
        return ""
    plan = content.plan
    lines = "".join(
        f'<tr data-unit="{escape(i.unit)}" data-matter="{i.matter.id}" data-state="{escape(i.state)}">'
        f'<td class="name">#{i.matter.id} {escape(i.matter.title)}</td><td class="name">{escape(i.matter.source)}</td>'
        f'<td class="name">{escape(_name(plan, i.unit, i.stored.unit_name))}</td>'
        f"<td>{escape(i.due.isoformat())}</td><td>{escape(label(i.state))}</td></tr>"
        for i in content.matters
    )
    head = "".join(f"<th>{escape(h)}</th>" for h in (t("Matter"), t("Assigned by"), t("Unit"), t("Due"), t("State")))
    heading = escape(t("Open assigned matters"))
    return f'<section id="matters"><h2>{heading}</h2><table><tr>{head}</tr>{lines}</table></section>'


def _notice(content: PackContent) -> str:
    """The month's notice as issued, under its number; before it is, the draft, whose number is given only when it
    is recorded."""
    issued = content.notice_recorded is not None
    heading = escape(t("The month's notice") if issued else t("The draft notice"))
    if content.notice is None:
        nobody = escape(t("no unit to name"))
        return f'<section id="notice" data-issued="false"><h2>{heading}</h2><p>{nobody}</p></section>'
    if issued:
        recorded = escape(t("issued already as {number}", number=content.notice_recorded))
    else:
        recorded = escape(t("a draft: recorded, it takes the year's next number"))
    composition = compose(content.plan, content.notice)
    number = f"<p>{escape(composition.number)}</p>" if issued else ""
    classes = {Level.part: "part", Level.section: "section", Level.point: "point", Level.line: "line"}
    body = "".join(f'<p class="{classes.get(p.level, "text")}">{escape(p.text)}</p>' for p in composition.body)
    return (
        f'<section id="notice" class="notice" data-issued="{"true" if issued else "false"}"><h2>{heading}</h2>'
        f'<p class="sub">{recorded}</p><h3>{escape(composition.title)}</h3>{number}'
        f"<p>{escape(composition.addressees)}</p>{body}<p>{escape(composition.issuer)}　{escape(composition.date)}</p>"
        "</section>"
    )


def _board(content: PackContent) -> str:
    """The 亮灯 board (README "The board"): per ranking group, each unit's rank and its move, its light this month
    and the month before, and its score; every light by its word as well as its colour."""
    board = content.board
    if board is None:
        return ""
    plan = content.plan
    tables = []
    groups = list(dict.fromkeys(row.now.group for row in board.rows))
    head = "".join(
        f"<th>{escape(h)}</th>" for h in (t("Rank"), t("Move"), t("Unit"), t("Light"), t("Month before"), t("Score"))
    )
    for group in groups:
        lines = []
        for row in (r for r in board.rows if r.now.group == group):
            now, before = row.now, row.previous
            move, kind = _move(row.change)
            previous = _light_cell(before.colour, before.rank) if before else '<td class="none"></td>'
            lines.append(
                f'<tr data-unit="{escape(now.unit)}" data-colour="{now.colour}" data-rank="{now.rank}" '
                f'data-previous-colour="{before.colour if before else ""}" '
                f'data-previous-rank="{before.rank if before else ""}" '
                f'data-change="{"" if row.change is None else row.change}">'
                f'<td>{now.rank}</td><td class="{kind}">{escape(move)}</td>'
                f'<td class="name">{escape(_name(plan, now.unit, now.unit_name))}</td>'
                f"{_light_cell(now.colour)}{previous}<td>{escape(_number(now.score))}</td></tr>"
            )
        title = f"<h3>{escape(label(group))}</h3>" if len(groups) > 1 else ""
        tables.append(f"<div>{title}<table><tr>{head}</tr>{''.join(lines)}</table></div>")
    if board.previous_as_of is not None:
        against = t(
            "evaluation month {month} against {previous_month} (as of {previous_as_of})",
            month=board.evaluation_month,
            previous_month=board.previous_month or "",
            previous_as_of=board.previous_as_of.isoformat(),
        )
    else:
        against = t("evaluation month {month}; no month before it to compare", month=board.evaluation_month)
    rule = t(
        "red: a target behind or a report missing; yellow: a target at risk or the month's report late; green: "
        "neither. Ranked by light, then score (done 100, on track 80, at risk 50, behind 0, averaged; 10 off a "
        "missing report, 5 off a late one)."
    )
    heading = escape(t("The board: lights and ranks"))
    return (
        f'<section id="board"><h2>{heading}</h2><div class="sub">{escape(against)}</div>'
        f'<div class="boards">{"".join(tables)}</div><div class="sub">{escape(rule)}</div></section>'
    )


def _light_cell(colour: str, rank: int | None = None) -> str:
    """A light's cell: its colour, and its word (with the rank it had, for the month before)."""
    word = label(colour) + (f" ({rank})" if rank is not None else "")
    return (
        f'<td class="light" style="background:{LIGHT_COLOURS[colour]};color:{LIGHT_TEXT[colour]}">{escape(word)}</td>'
    )


def _move(change: int | None) -> tuple[str, str]:
    """A rank's move as an arrow and its class: ↑2 up, ↓1 down, → unchanged; nothing without a month before."""
    if change is None:
        return "", "same"
    if change > 0:
        return f"↑{change}", "up"
    if change < 0:
        return f"↓{-change}", "down"
    return "→", "same"
