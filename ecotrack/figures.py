"""How a figure is written for people, once for every output: thousands separated, at most two decimals, no
trailing zeros, never "-0" (a tiny negative, such as the progress of a reduction that rose by a hair, rounds
to 0, not to -0), and whether it reads as one (the English measure's singular: 1 firm, 0 firms, 1.5 firms).
"""

from __future__ import annotations


def number(value: float, places: int = 2) -> str:
    """`value` with thousands separated, at most `places` decimals and no trailing zeros: 1,140, 6.75, 0."""
    text = f"{round(value, places) + 0.0:,.{places}f}"  # + 0.0: -0.0 becomes 0.0, never "-0"
    return text.rstrip("0").rstrip(".") if "." in text else text


def share(value: float, places: int = 1) -> str:
    """A share (0.333) as a percentage's number, at most `places` decimals: 33.3; never "-0"."""
    return number(value * 100, places)


def reads_as_one(value: float) -> bool:
    """Whether `value` is written as "1" (and so takes a measure's singular in English)."""
    return number(value) == "1"
