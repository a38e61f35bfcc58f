"""Modules imported on their first use: a command that never drafts a notice or reads a file should not
pay for importing the modules that do (start-up is every command's cost)."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class OnFirstUse(ModuleType):
    """Stands for a module, and imports it when one of its attributes is first read."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._ecotrack_target = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self._ecotrack_target), attribute)
