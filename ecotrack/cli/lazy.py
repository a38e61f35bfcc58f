"""The terminal output and listing modules, imported on their first use: `--help`, `--version` and
completion never draw a table, so they need not import Rich's tables, the rules behind them and the
listings' dataclasses (about 90 ms)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ecotrack.lazy import OnFirstUse

if TYPE_CHECKING:
    from ecotrack import listings as listings
    from ecotrack import render as render
else:
    render = OnFirstUse("ecotrack.render")
    listings = OnFirstUse("ecotrack.listings")
