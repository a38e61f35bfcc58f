"""A notice speaks its own language (issue 32): one composer, its words from the catalogs, the same document
whatever the interface language, and the interface language as it was afterwards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecotrack.i18n import in_language, language, set_language, t
from ecotrack.notices import Notice, compose, markdown
from ecotrack.plan import Plan
from ecotrack.planfile import read_plan
from tests.conftest import DATA, Workspace, prepared


def _drafted(workspace: Workspace, as_of: str) -> tuple[Plan, Notice]:
    recorded = json.loads(workspace.ok("notice", "--as-of", as_of, "--dry-run", "--format", "json").stdout)
    return read_plan(workspace.plan)[0], Notice.from_json(recorded)


def test_in_language_speaks_it_and_gives_the_interface_language_back() -> None:
    set_language("en")
    with in_language("zh"):
        assert (language(), t("the member units")) == ("zh", "各成员单位")
    assert (language(), t("the member units")) == ("en", "the member units")
    with pytest.raises(RuntimeError), in_language("zh"):
        raise RuntimeError
    assert language() == "en"


def test_a_notice_is_the_same_document_whatever_the_interface_language(tmp_path: Path) -> None:
    example = prepared(tmp_path, DATA / "documents" / "plan.yaml", DATA / "documents" / "filings.csv")
    plan, notice = _drafted(example, "2014-07-06")
    for asked in (None, "zh", "en"):
        composed = []
        for interface in ("zh", "en"):
            set_language(interface)
            composed.append(compose(plan, notice, asked))
            assert language() == interface
        assert composed[0] == composed[1]


def test_one_composer_writes_each_language_in_its_own_style(conformance: Workspace) -> None:
    plan, notice = _drafted(conformance, "2014-10-01")
    chinese, english = markdown(compose(plan, notice, "zh")), markdown(compose(plan, notice, "en"))
    assert "\n各成员单位：\n" in chinese and "\nTo: the member units\n" in english
    assert "\n## 一、总体情况\n" in chinese and "\n## 1. Overall\n" in english
    assert "\n### （一）" in chinese and "\n### (1) " in english
    assert "截至2014年10月1日各单位任务目标完成情况和2014年9月进展报送情况" in chinese
    assert "every unit's progress and monthly reports as of 2014-10-01, as follows." in english
