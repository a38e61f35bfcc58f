"""The terminal output and listing modules, imported on their first use: `--help`, `--version` and
completion never draw a table, so they need not import Rich's tables, the rules behind them and the
listings' dataclasses (about 90 ms)."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any


class _OnFirstUse(ModuleType):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._ecotrack_target = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self._ecotrack_target), attribute)


if TYPE_CHECKING:
    from ecotrack import listings as listings
    from ecotrack import render as render
else:
    render = _OnFirstUse("ecotrack.render")
    listings = _OnFirstUse("ecotrack.listings")
