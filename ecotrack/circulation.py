"""A notice's documents written where the office circulates them: the Word file from the notice's record, and
a folder the documents of a notice being issued go into before it is recorded (write, then record:
RELIABILITY.md), taken back if the record then fails."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ecotrack.errors import EcotrackError
from ecotrack.i18n import t

if TYPE_CHECKING:
    from ecotrack.plan import Plan
    from ecotrack.results import IssuedDraft, Notice


def word_file(plan: Plan, notice: Notice, language: str | None = None) -> bytes:
    """The notice as a GB/T 9704 Word file, from the notice's record (in its own language unless asked)."""
    from ecotrack.documents import notice_docx
    from ecotrack.notices import compose

    return notice_docx(compose(plan, notice, language), notice.as_of)


class IntoFolder:
    """A publisher for `Tracker.issue_notice`: writes the drafted notice's document (Markdown, or the Word file
    with `docx`) into `folder`, creating it, and gives back what takes it away again."""

    def __init__(self, folder: Path, plan: Plan, *, docx: bool) -> None:
        self.folder, self.plan, self.docx = folder, plan, docx
        self.written: list[Path] = []

    def __call__(self, drafted: IssuedDraft) -> Callable[[], None]:
        from ecotrack import safefile
        from ecotrack.notices import file_name

        path = self.folder / file_name(drafted.notice, "docx" if self.docx else "md")
        content = word_file(self.plan, drafted.notice) if self.docx else drafted.document.encode("utf-8")
        try:
            remove_folders = safefile.make_folders(self.folder)
        except OSError as failure:
            raise EcotrackError(
                t("cannot write {path}: {reason}", path=self.folder, reason=failure.strerror or failure)
            ) from None
        try:
            safefile.write_bytes(path, content)
        except OSError as failure:
            remove_folders()
            raise EcotrackError(
                t("cannot write {path}: {reason}", path=path, reason=failure.strerror or failure)
            ) from None
        self.written.append(path)

        def take_back() -> None:
            path.unlink(missing_ok=True)
            remove_folders()

        return take_back
