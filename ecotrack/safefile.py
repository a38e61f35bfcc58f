"""Writing files so that a crash, a full disk or a planted symlink never leaves a wrong one behind.

Every file ecotrack writes (exports, documents, backups, the migration's safety copy) goes to a
temporary file that `mkstemp` creates in the target's own folder (an unpredictable name, opened with
O_EXCL, so a symlink planted there is never followed), is flushed to disk, and is then renamed onto
its name: a reader sees the old file or the whole new one. On failure the temporary file is removed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def _default_mode() -> int:
    """The mode a plain `open()` would give a new file under the current umask."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _sync_folder(folder: Path) -> None:
    # The rename is durable only once the folder's entry is on disk.
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _refuse_special(path: Path) -> None:
    """A device, pipe or socket is never renamed over: the rename would replace `/dev/null` itself."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise OSError(errno.EINVAL, "not a regular file: ecotrack writes only files and folders", str(path))


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A fresh temporary file beside `path`, for the block to fill; renamed onto `path` when it succeeds."""
    _refuse_special(path)
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    os.close(descriptor)
    temporary = Path(name)
    try:
        yield temporary
        descriptor = os.open(temporary, os.O_RDWR)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        temporary.chmod(_default_mode())
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def write_bytes(path: Path, data: bytes) -> None:
    """Write `data` as the whole content of `path`, atomically."""
    with replacing(path) as temporary:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0))
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view) :]
        finally:
            os.close(descriptor)


def make_folders(folder: Path) -> Callable[[], None]:
    """Create `folder` and its missing parents; give back what removes the ones created (if empty)."""
    missing: list[Path] = []
    current = folder
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    folder.mkdir(parents=True, exist_ok=True)

    def remove() -> None:
        for created in missing:  # the deepest first
            with contextlib.suppress(OSError):
                created.rmdir()

    return remove
