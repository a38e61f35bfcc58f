"""Writing a command's data to stdout in the format asked for; messages go to stderr elsewhere."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ecotrack.cli.options import OutputFormat
from ecotrack.errors import EcotrackError
from ecotrack.i18n import t


def write_bytes(data: bytes) -> None:
    stream = sys.stdout.buffer if hasattr(sys.stdout, "buffer") else None
    if stream is None:  # pragma: no cover - a text-only stdout
        sys.stdout.write(data.decode("utf-8"))
        return
    sys.stdout.flush()
    stream.write(data)
    stream.flush()


def emit(
    fmt: OutputFormat,
    *,
    data: Any,
    rows: Callable[[], Iterable[Mapping[str, Any]]],
    columns: Sequence[str],
    table: Callable[[], None],
    bom: bool = True,
) -> None:
    """One `--format` switch for every listing command (SPEC §6)."""
    from ecotrack import exports

    if fmt is OutputFormat.json:
        write_bytes(exports.json_text(data, pretty=sys.stdout.isatty()).encode("utf-8"))
    elif fmt is OutputFormat.csv:
        write_bytes(exports.csv_bytes(rows(), columns, bom=bom))
    else:
        table()


def write_file(path: Path, data: bytes) -> None:
    """Write a file the user named, atomically: a crash leaves the old file or the new one, never half."""
    from ecotrack import safefile

    try:
        safefile.write_bytes(path, data)
    except OSError as failure:
        raise EcotrackError(t("cannot write {path}: {reason}", path=path, reason=failure.strerror or failure)) from None
