"""A notice's documents written where the office circulates them: the Word file from the notice's record, and
a folder the documents of a notice being issued go into before it is recorded (write, then record:
RELIABILITY.md), taken back if the record then fails."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ecotrack.errors import EcotrackError
from ecotrack.i18n import t

if TYPE_CHECKING:
    from ecotrack.notices import Notice
    from ecotrack.plan import Plan
    from ecotrack.results import IssuedDraft, StoredPublication


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


def publication_file(plan: Plan, publication: StoredPublication) -> bytes:
    """The publication (公示) as a Word file, from its record, in Chinese (the document the office posts)."""
    from ecotrack.documents import PublicationComposition, publication_docx
    from ecotrack.i18n import in_language, label

    def day(value: date) -> str:
        return f"{value.year}年{value.month}月{value.day}日"

    contact = plan.notices.contact
    with in_language("zh"):
        body = [
            t(
                'Following "{plan_title}" and its assessment rules, {office} assessed every unit\'s work in {year} '
                "(as of {as_of}); the result is published below.",
                plan_title=plan.title,
                office=plan.issuer,
                year=plan.year,
                as_of=day(publication.as_of),
            ),
            t(
                "The publication runs from {first} to {last}. A unit that disputes its result may send a written "
                "request for review, with its reasons and evidence, to {office} by {last} inclusive.",
                first=day(publication.published_on),
                last=day(publication.window_closes),
                office=plan.issuer,
            ),
        ]
        if contact is not None:
            body.append(t("Contact: {name}, telephone {phone}.", name=contact.name, phone=contact.phone))
        order = {unit.code: index for index, unit in enumerate(plan.units)}
        units = sorted(
            publication.content["units"], key=lambda u: (str(u.get("group") or ""), u["rank"], order.get(u["unit"], 0))
        )
        grouped_by = (t("Ranked among"),) if plan.assessment.rank_by == "kind" else ()
        composition = PublicationComposition(
            title=t("Publication of the {year} assessment results", year=plan.year),
            subtitle=t("(publication {number})", number=publication.number) if publication.number > 1 else None,
            addressees=plan.notices.addressees + "：",
            body=tuple(body),
            # ranked by kind, each rank is within its kind: the table says which (镇, 街道, 部门)
            header=(t("No."), t("Unit"), *grouped_by, t("Score"), t("Grade"), t("Rank")),
            rows=tuple(
                (
                    str(index),
                    unit["unit_name"],
                    *((label(str(unit.get("group") or "")),) if grouped_by else ()),
                    f"{unit['score']:.2f}",
                    unit["grade"],
                    str(unit["rank"]),
                )
                for index, unit in enumerate(units, start=1)
            ),
            issuer=plan.issuer,
            date=day(publication.published_on),
        )
    return publication_docx(composition, publication.published_on)
