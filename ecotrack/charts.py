"""Trajectory charts (SPEC §12): the expected line against the filed levels of one assignment, drawn by
matplotlib as SVG (text kept as text, so the page's fonts draw the Chinese) or PNG.

matplotlib is part of the base install, imported here only, by the commands that draw (`chart`, `pack`): `--help` and
every other command start without it.
"""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ecotrack.errors import EcotrackError
from ecotrack.i18n import language, t

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

    from ecotrack.plan import Plan
    from ecotrack.rules import Trajectory

# Chinese fonts first, as the machines that show a pack have them
FONTS = ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "Microsoft YaHei", "SimHei", "DejaVu Sans"]
EXPECTED_COLOUR = "#7f8c8d"
FILED_COLOUR = "#c0392b"


@dataclass(frozen=True)
class ChartLabels:
    """The words on a chart, in the interface language."""

    title: str
    expected: str
    filed: str
    month: str
    measure: str


def _matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        # a base dependency: missing only from an install that went wrong or a copy run from source
        raise EcotrackError(
            t("charts need matplotlib, which ecotrack installs but is missing here: pip install 'matplotlib>=3.8'")
        ) from None
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)  # a missing font is no error


def _figure(trajectory: Trajectory, labels: ChartLabels) -> Figure:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(5.2, 2.9), dpi=100, layout="constrained")
    axes = figure.add_subplot()
    months, levels = zip(*trajectory.expected, strict=True)
    axes.plot(months, levels, color=EXPECTED_COLOUR, linestyle="--", linewidth=1.5, label=labels.expected)
    if trajectory.filed:
        filed_months, filed_levels = zip(*trajectory.filed, strict=True)
        axes.plot(
            filed_months, filed_levels, color=FILED_COLOUR, marker="o", markersize=4, linewidth=2, label=labels.filed
        )
    if trajectory.evaluation_month is not None:
        axes.axvline(trajectory.evaluation_month, color="#bdc3c7", linewidth=1)
    axes.set_xlim(0, 12)
    axes.set_xticks(range(0, 13))
    axes.set_xlabel(labels.month)
    axes.set_ylabel(labels.measure)
    axes.set_title(labels.title, fontsize=10)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8, loc="best")
    return figure


def installed_fonts(available: Collection[str]) -> list[str]:
    """Of FONTS, those installed (`available`: the names matplotlib knows), in FONTS' order; DejaVu Sans,
    which matplotlib carries, when none is."""
    return [name for name in FONTS if name in available] or ["DejaVu Sans"]


@contextmanager
def _drawing(*, svg: bool = False, fonts: list[str] | None = None) -> Iterator[None]:
    """matplotlib set up for ecotrack's charts: names and titles from the data are plain text, never
    mathtext (a `$` in a unit's name would be read as a formula and break the chart), the fonts `fonts` or
    those of FONTS installed, and a machine without a Chinese font draws boxes for Chinese without a warning
    per glyph."""
    from matplotlib import font_manager, rc_context

    if fonts is None:
        fonts = installed_fonts({font.name for font in font_manager.fontManager.ttflist})
    # SVG keeps its text as text, for the page's fonts, and the same data draws the same file
    settings: dict[RcKeyType, object] = {"text.parse_math": False, "font.family": fonts}
    if svg:
        settings |= {"svg.fonttype": "none", "svg.hashsalt": "ecotrack"}
    with (
        rc_context(settings),
        warnings.catch_warnings(),
    ):
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font", category=UserWarning)
        yield


# No timestamp (the same data draws the same file) and no creator or format words: a page that inlines the chart
# shows only words of the interface language, even to a reader of its source.
SVG_METADATA: dict[str, str | None] = {"Date": None, "Creator": None, "Format": None, "Type": None}


def trajectory_svg(trajectory: Trajectory, labels: ChartLabels) -> str:
    """The chart as an SVG document (no timestamp, stable ids: the same data draws the same file); the text
    stays text, which the page's own fonts draw."""
    _matplotlib()
    # every name of FONTS, for the browser that shows it to choose from
    with _drawing(svg=True, fonts=FONTS):
        buffer = io.StringIO()
        _figure(trajectory, labels).savefig(buffer, format="svg", metadata=SVG_METADATA)
    return buffer.getvalue()


def trajectory_png(trajectory: Trajectory, labels: ChartLabels) -> bytes:
    _matplotlib()
    with _drawing():
        buffer = io.BytesIO()
        _figure(trajectory, labels).savefig(buffer, format="png", dpi=150)
    return buffer.getvalue()


def labels_for(plan: Plan, trajectory: Trajectory) -> ChartLabels:
    """The title (unit, target) and axis words of an assignment's chart, in the interface language."""
    lang = language()
    unit = plan.unit(trajectory.unit)
    target = plan.target(trajectory.target)
    name = unit.display_name(lang) if unit else trajectory.unit
    title = target.display_title(lang) if target else trajectory.target
    measure = (target.display_measure(lang) if target else None) or ""
    line = f"{trajectory.target} {title}"
    room = 26 if any(ord(ch) > 0x2E7F for ch in line) else 52  # what fits the chart's width at its size
    return ChartLabels(
        title=f"{name}\n{line if len(line) <= room else line[: room - 1] + '…'}",
        expected=t("expected"),
        filed=t("filed"),
        month=t("month"),
        measure=measure if target is None or not target.is_milestone else t("done (1) or not (0)"),
    )
