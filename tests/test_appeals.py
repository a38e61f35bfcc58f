"""公示, 复核, 审定 end to end (SPEC §15, §18): the worked example of tests/data/appeals/README.md through the real
CLI, every refusal of the publication step, the append-only records, and on PostgreSQL a clerk's raw SQL."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import subprocess
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from .conftest import CONFORMANCE, DATA, Workspace, prepared, refused_sql, sql_as

APPEALS = DATA / "appeals"


@pytest.fixture
def year(tmp_path: Path) -> Workspace:
    """The worked example's plan (appeal_days: 5), initialised, with its filings imported."""
    return prepared(tmp_path, APPEALS / "plan.yaml", APPEALS / "filings.csv")


def js(workspace: Workspace, *args: str) -> Any:
    return json.loads(workspace.ok(*args, "--format", "json").stdout)


def refused(workspace: Workspace, *args: str, exit_code: int = 1, saying: str = "") -> str:
    """Refused with one `error:` line and the exit code, nothing changed; the message."""
    before = workspace.snapshot()
    outcome = workspace.run(*args)
    assert outcome.exit_code == exit_code, (args, outcome.exit_code, outcome.stderr)
    assert outcome.stderr.startswith("error: ") and outcome.stderr.count("error:") == 1, outcome.stderr
    assert "Traceback" not in outcome.stderr + outcome.stdout
    assert saying in outcome.stderr, outcome.stderr
    assert workspace.snapshot() == before, args
    return outcome.stderr


def scores(data: dict[str, Any]) -> dict[str, tuple[float, str, int]]:
    return {u["unit"]: (u["score"], u["grade"], u["rank"]) for u in data["units"]}


PUBLISH = ("assess", "--publish", "--as-of", "2013-01-10")


def publish_first(year: Workspace) -> None:
    year.ok(*PUBLISH, "--on", "2013-01-10")


def test_the_worked_example(year: Workspace) -> None:
    trial = js(year, "assess", "--as-of", "2013-01-10")
    assert scores(trial) == {"x": (92.0, "优秀", 2), "y": (96.0, "优秀", 1)}
    assert trial["published"] is None and all(u["appeals"] == [] for u in trial["units"])

    # 1. publication 1 and appeal #1
    publish_first(year)
    shown = js(year, "assess", "--as-of", "2013-01-12")
    assert shown["published"]["number"] == 1 and shown["published"]["window_closes"] == "2013-01-15"
    assert shown["published"]["published_on"] == "2013-01-10" and shown["published"]["as_of"] == "2013-01-10"
    year.ok("appeal", "--unit", "x", "--text", "省级项目完成的5亩未计入", "--on", "2013-01-12")
    [appeal] = js(year, "appeals")["appeals"]
    assert (appeal["id"], appeal["unit"], appeal["publication"], appeal["state"]) == (1, "x", 1, "pending")
    refused(year, *PUBLISH, "--on", "2013-01-13", saying="#1")
    refused(year, "assess", "--final", "--on", "2013-01-15", saying="open until 2013-01-15")
    refused(year, "assess", "--final", "--on", "2013-01-16", saying="#1")

    # 2. the upheld appeal, followed by a bonus
    year.ok("score", "add", "--unit", "x", "--points", "5", "--item", "省级项目完成的5亩", "--basis", "复核#1")
    year.ok("appeals", "decide", "1", "--uphold", "--reason", "5亩已核实", "--ref", "1", "--on", "2013-01-14")
    refused(year, "appeals", "decide", "1", "--reject", "--reason", "again", saying="decided already")
    x = next(u for u in js(year, "assess", "--as-of", "2013-01-14")["units"] if u["unit"] == "x")
    assert x["appeals"] == [
        {
            "id": 1,
            "publication": 1,
            "state": "upheld",
            "text": "省级项目完成的5亩未计入",
            "filed_on": "2013-01-12",
            "decision": {
                "upheld": True,
                "decided_on": "2013-01-14",
                "decided_by": x["appeals"][0]["decision"]["decided_by"],
                "refs": ["1"],
            },
            "reason": "5亩已核实",
        }
    ]
    # as of a day before the decision, it was still pending (SPEC §18); before it was filed, not there
    assert (
        next(u for u in js(year, "assess", "--as-of", "2013-01-13")["units"] if u["unit"] == "x")["appeals"][0]["state"]
        == "pending"
    )
    assert all(u["appeals"] == [] for u in js(year, "assess", "--as-of", "2013-01-11")["units"])
    assert scores(js(year, "assess", "--as-of", "2013-01-10")) == {"x": (97.0, "优秀", 1), "y": (96.0, "优秀", 2)}

    # 3. publication 2, appeal #2 on the window's last day, rejected; then the final
    year.ok(*PUBLISH, "--on", "2013-01-16")
    assert js(year, "assess", "--as-of", "2013-01-16")["published"]["window_closes"] == "2013-01-21"
    year.ok("appeal", "--unit", "y", "--text", "加分依据不足", "--on", "2013-01-21")
    refused(year, "appeal", "--unit", "y", "--text", "again", "--on", "2013-01-22", saying="closed on 2013-01-21")
    year.ok("appeals", "decide", "2", "--reject", "--reason", "加分经核实有据", "--on", "2013-01-22")
    year.ok("assess", "--final", "--on", "2013-01-22")
    final = js(year, "assess")
    assert final["final"] is True and final["as_of"] == "2013-01-10"
    assert scores(final) == {"x": (97.0, "优秀", 1), "y": (96.0, "优秀", 2)}
    assert final["published"]["number"] == 2
    assert [(a["id"], a["state"]) for u in final["units"] for a in u["appeals"]] == [(1, "upheld"), (2, "rejected")]
    followed = final["followed"]
    assert [p["number"] for p in followed["publications"]] == [1, 2]
    assert [(a["id"], a["state"], a["refs"]) for a in followed["appeals"]] == [
        (1, "upheld", ["1"]),
        (2, "rejected", []),
    ]
    refused(year, "assess", "--final", "--on", "2013-01-23", saying="final assessment of 2012 was recorded")
    # publication 1 kept its own numbers
    [(content,)] = year.query("SELECT content FROM publication WHERE number = 1")
    assert isinstance(content, str)
    assert {u["unit"]: u["score"] for u in json.loads(content)["units"]} == {"x": 92.0, "y": 96.0}
    # the export carries them, as its schema says
    import jsonschema

    from .test_yearend import SCHEMA

    exported = json.loads(year.ok("export", "--format", "json").stdout)
    jsonschema.Draft202012Validator(SCHEMA).validate(exported)
    assert [[a["state"] for a in row["appeals"]] for row in exported["assessment"]] == [["upheld"], ["rejected"]]
    # the unit's explanation lists its appeals and decisions
    explained = year.ok("assess", "--unit", "x").stdout
    assert "5亩已核实" in explained and "upheld" in explained


def test_the_final_is_refused_while_an_appeal_is_pending(year: Workspace) -> None:
    publish_first(year)
    year.ok("appeal", "--unit", "y", "--text", "不服", "--on", "2013-01-11")
    refused(year, "assess", "--final", "--on", "2013-02-01", saying="undecided appeals: #1")
    # decided after the --on day, it is pending as of that day
    year.ok("appeals", "decide", "1", "--reject", "--reason", "无新证据", "--on", "2013-01-20")
    refused(year, "assess", "--final", "--on", "2013-01-18", saying="#1")
    year.ok("assess", "--final", "--on", "2013-01-20")


def test_the_final_needs_a_publication_and_its_date(year: Workspace) -> None:
    refused(year, "assess", "--final", "--as-of", "2013-01-10", saying="publish it first")
    publish_first(year)
    refused(year, "assess", "--final", "--as-of", "2013-01-31", "--on", "2013-02-01", exit_code=2, saying="leave out")
    year.ok("assess", "--final", "--as-of", "2013-01-10", "--on", "2013-02-01")


def test_an_appeal_counts_on_the_windows_last_day_and_not_after(year: Workspace) -> None:
    refused(year, "appeal", "--unit", "x", "--text", "早", "--on", "2013-01-10", saying="nothing to appeal")
    publish_first(year)
    refused(year, "appeal", "--unit", "x", "--text", "早", "--on", "2013-01-09", saying="opens that day")
    refused(year, "appeal", "--unit", "x", "--text", "晚", "--on", "2013-01-16", saying="closed on 2013-01-15")
    year.ok("appeal", "--unit", "x", "--text", "当日", "--on", "2013-01-15")
    year.ok("appeal", "--unit", "y", "--text", "首日", "--on", "2013-01-10")
    assert [a["state"] for a in js(year, "appeals", "--unit", "x")["appeals"]] == ["pending"]
    # nor does the database take one outside the window, whoever sends it
    with closing(sqlite3.connect(year.db)) as connection, pytest.raises(sqlite3.IntegrityError, match="window"):
        connection.execute(
            "INSERT INTO appeal (publication_id, unit_id, text, filed_on, filed_at, filed_by) "
            "SELECT p.id, u.id, 'raw', '2013-01-16', '2013-01-16 00:00:00', 'me' FROM publication p, unit u LIMIT 1"
        )


def test_a_second_publication_waits_for_every_decision(year: Workspace) -> None:
    publish_first(year)
    year.ok("appeal", "--unit", "x", "--text", "甲", "--on", "2013-01-11")
    year.ok("appeal", "--unit", "y", "--text", "乙", "--on", "2013-01-12")
    year.ok("appeals", "decide", "1", "--reject", "--reason", "无据", "--on", "2013-01-13")
    refused(year, *PUBLISH, "--on", "2013-01-14", saying="#2")
    year.ok("appeals", "decide", "2", "--uphold", "--reason", "属实", "--on", "2013-01-14")
    year.ok(*PUBLISH, "--on", "2013-01-14")  # before the first window closed: all are decided
    refused(year, *PUBLISH, "--on", "2013-01-13", saying="cannot be published before it")
    # an appeal now goes against publication 2
    year.ok("appeal", "--unit", "x", "--text", "丙", "--on", "2013-01-15")
    assert [a["publication"] for a in js(year, "appeals")["appeals"]] == [1, 1, 2]


def test_a_decision_is_taken_once(year: Workspace) -> None:
    publish_first(year)
    year.ok("appeal", "--unit", "x", "--text", "甲", "--on", "2013-01-11")
    refused(year, "appeals", "decide", "1", "--reject", "--reason", "早", "--on", "2013-01-10", exit_code=2)
    year.ok("appeals", "decide", "1", "--reject", "--reason", "无据", "--on", "2013-01-12")
    refused(year, "appeals", "decide", "1", "--uphold", "--reason", "改", saying="decided already")
    refused(year, "appeals", "decide", "9", "--uphold", "--reason", "?", exit_code=2, saying="no appeal #9")
    [row] = js(year, "appeals")["appeals"]
    assert (row["state"], row["reason"], row["decided_on"]) == ("rejected", "无据", "2013-01-12")


def test_an_appeal_keeps_its_files(year: Workspace) -> None:
    """SPEC §15: `appeal --attach FILE…`, listed with the appeal and written back byte for byte."""
    publish_first(year)
    (year.root / "证明.pdf").write_bytes(b"%PDF-1.4 evidence")
    year.ok("appeal", "--unit", "x", "--text", "漏计", "--attach", "证明.pdf", "--on", "2013-01-11")
    [attached] = js(year, "appeals")["appeals"][0]["attachments"]
    assert (attached["name"], attached["size"]) == ("证明.pdf", 17)
    assert year.ok("attachment", attached["sha256"]).stdout_bytes == b"%PDF-1.4 evidence"


def test_the_records_are_append_only(year: Workspace) -> None:
    publish_first(year)
    year.ok("appeal", "--unit", "x", "--text", "甲", "--on", "2013-01-11")
    year.ok("appeals", "decide", "1", "--reject", "--reason", "无据", "--on", "2013-01-12")
    with closing(sqlite3.connect(year.db)) as connection:
        for statement in (
            "UPDATE publication SET window_closes = '2099-01-01'",
            "DELETE FROM publication",
            "UPDATE appeal SET text = 'x'",
            "DELETE FROM appeal",
            "UPDATE appeal_decision SET upheld = 1",
            "DELETE FROM appeal_decision",
            "INSERT OR REPLACE INTO appeal_decision (id, appeal_id, upheld, reason, refs, decided_on, decided_at, "
            "decided_by) VALUES (1, 1, 1, 'r', '[]', '2013-01-12', '2013-01-12', 'me')",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                connection.execute(statement)


def test_without_appeal_days_there_is_no_publication_step(tmp_path: Path) -> None:
    conformance = prepared(tmp_path, CONFORMANCE / "plan.yaml", CONFORMANCE / "filings.csv")
    before = js(conformance, "assess", "--as-of", "2015-01-06")
    refused(conformance, "assess", "--publish", "--as-of", "2015-01-06", saying="sets no assessment.appeal_days")
    refused(conformance, "appeal", "--unit", "dongpo", "--text", "不服", saying="sets no assessment.appeal_days")
    assert before["published"] is None
    conformance.ok("assess", "--final", "--as-of", "2015-01-06")
    final = js(conformance, "assess")
    assert "followed" not in final
    assert [{k: v for k, v in u.items() if k != "final"} for u in final["units"]] == [
        {k: v for k, v in u.items() if k != "final"} for u in before["units"]
    ]
    [(content,)] = conformance.query("SELECT content FROM final_assessment")
    assert isinstance(content, str) and "recorded_on" not in json.loads(content)


def test_the_publication_document(year: Workspace) -> None:
    from docx import Document

    year.ok(*PUBLISH, "--on", "2013-01-10", "--docx", "--out", "公示.docx")
    document = Document(io.BytesIO((year.root / "公示.docx").read_bytes()))
    # the words, without the zero-width characters that decide where a line may break
    text = "\n".join(p.text for p in document.paragraphs).replace("\u2060", "").replace("\u200b", "")
    assert "关于2012年度考核结果的公示" in text
    assert "2013年1月15日" in text and "复核申请" in text and "示例区生态建设工作领导小组办公室" in text
    assert "周敏" in text and "0839-5551234" in text
    [table] = document.tables
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[1:] == [["1", "柳河镇", "96.00", "优秀", "1"], ["2", "青山镇", "92.00", "优秀", "2"]]
    # a document that cannot be written leaves no publication
    (year.root / "blocked").mkdir()
    before = year.snapshot()
    outcome = year.run(*PUBLISH, "--on", "2013-01-11", "--docx", "--out", "blocked")
    assert outcome.exit_code != 0 and year.snapshot() == before


@pytest.mark.slow
def test_libreoffice_renders_the_publication_on_a4(year: Workspace) -> None:
    soffice, pdftoppm, pdfinfo = shutil.which("soffice"), shutil.which("pdftoppm"), shutil.which("pdfinfo")
    if not (soffice and pdftoppm and pdfinfo):
        pytest.skip("needs LibreOffice and poppler-utils (Debian: libreoffice-writer-nogui poppler-utils)")
    year.ok(*PUBLISH, "--on", "2013-01-10", "--docx", "--out", "publication.docx")
    profile = f"-env:UserInstallation=file://{year.root / 'lo-profile'}"
    subprocess.run(
        [soffice, profile, "--headless", "--convert-to", "pdf", "--outdir", str(year.root), "publication.docx"],
        check=True,
        capture_output=True,
        timeout=180,
        cwd=year.root,
    )
    pdf = year.root / "publication.pdf"
    info = subprocess.run([pdfinfo, str(pdf)], check=True, capture_output=True, text=True).stdout
    assert "(A4)" in info and int(info.split("Pages:")[1].split()[0]) == 1  # title to date on one page
    subprocess.run([pdftoppm, "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf), str(year.root / "page")], check=True)
    assert next(year.root.glob("page*.png")).stat().st_size > 5000


# --- on a server: a clerk's raw SQL (SPEC §13) -------------------------------------------------------------


@pytest.mark.postgres
def test_a_clerk_appeals_for_its_own_unit_only(tmp_path: Path, postgres_url: str) -> None:
    import uuid

    from .test_roles import as_login

    owner = prepared(tmp_path, APPEALS / "plan.yaml", APPEALS / "filings.csv", postgres_url)
    owner.ok("db", "roles")
    suffix = uuid.uuid4().hex[:8]
    logins = {"x": f"x_{suffix}", "y": f"y_{suffix}", "auditor": f"aud_{suffix}"}
    owner.ok("db", "clerk", logins["x"], "--unit", "x")
    owner.ok("db", "clerk", logins["y"], "--unit", "y")
    owner.ok("db", "auditor", logins["auditor"])
    clerk_x, clerk_y, auditor = (as_login(owner, logins[who]) for who in ("x", "y", "auditor"))
    today = date.today().isoformat()
    owner.ok(*PUBLISH, "--on", today)
    # the clerks' own appeals, through the CLI, y's with its evidence; a clerk's --on and an appeal for another
    # unit are refused
    clerk_x.ok("appeal", "--unit", "x", "--text", "甲")
    (clerk_y.root / "证明.pdf").write_bytes(b"%PDF-1.4 y's evidence")
    clerk_y.ok("appeal", "--unit", "y", "--text", "乙", "--attach", "证明.pdf")
    sha256 = str(owner.query("SELECT sha256 FROM attachment")[0][0])
    assert clerk_y.ok("attachment", sha256).stdout_bytes == b"%PDF-1.4 y's evidence"
    assert clerk_x.run("attachment", sha256).exit_code == 2  # another unit's evidence: not there for x
    refused_cli(clerk_x, owner, "appeal", "--unit", "y", "--text", "冒名")
    refused_cli(clerk_x, owner, "appeal", "--unit", "x", "--text", "补", "--on", "2013-01-11")
    refused_cli(clerk_x, owner, "appeals", "decide", "1", "--uphold", "--reason", "自己")
    refused_cli(auditor, owner, "appeal", "--unit", "x", "--text", "审")
    refused_cli(clerk_x, owner, *PUBLISH, "--on", today)
    assert [a["unit"] for a in json.loads(clerk_x.ok("appeals", "--format", "json").stdout)["appeals"]] == ["x"]
    assert [a["unit"] for a in json.loads(auditor.ok("appeals", "--format", "json").stdout)["appeals"]] == ["x", "y"]

    def conninfo(login: str) -> str:
        from sqlalchemy.engine import make_url

        url = make_url(postgres_url).set(drivername="postgresql", username=login, password=None)
        return url.render_as_string(hide_password=False)

    def sql(login: str, statement: str) -> list[tuple[Any, ...]]:
        return sql_as(postgres_url, login, statement)

    def refuses(login: str, statement: str) -> None:
        refused_sql(owner, postgres_url, login, statement)

    owner.ok("appeals", "decide", "2", "--reject", "--reason", "无据")
    clerk = logins["x"]
    unit_y = "(SELECT id FROM unit WHERE code = 'y')"
    unit_x = "(SELECT id FROM unit WHERE code = 'x')"
    publication = "(SELECT id FROM publication WHERE number = 1)"
    insert = "INSERT INTO appeal (publication_id, unit_id, text, filed_on, filed_at, filed_by) VALUES "
    # another unit's appeal: row-level security refuses it (the clerk cannot even see unit y's id: a literal one)
    [(y_id,)] = owner.query("SELECT id FROM unit WHERE code = 'y'")
    refuses(clerk, f"{insert}({publication}, {y_id}, '冒名', current_date, now(), 'x')")
    refuses(clerk, f"{insert}({publication}, {unit_y}, '冒名', current_date, now(), 'x')")
    # it reads its own unit's appeals and decisions only
    assert [row[0] for row in sql(clerk, "SELECT text FROM appeal ORDER BY id")] == ["甲"]
    assert sql(clerk, "SELECT * FROM appeal_decision") == []
    assert len(sql(clerk, "SELECT * FROM publication")) == 1
    # nothing is changed or removed, and a publication or decision is the office's
    for statement in (
        "UPDATE appeal SET text = '改'",
        "DELETE FROM appeal",
        "UPDATE appeal_decision SET upheld = true",
        "DELETE FROM appeal_decision",
        "UPDATE publication SET window_closes = '2099-01-01'",
        "DELETE FROM publication",
        "INSERT INTO publication (plan_id, number, as_of, published_on, window_closes, content, published_at, "
        "published_by) SELECT id, 9, '2013-01-10', current_date, '2099-01-01', '{}', now(), 'x' FROM plan",
        "INSERT INTO appeal_decision (appeal_id, upheld, reason, refs, decided_on, decided_at, decided_by) "
        "SELECT id, true, '自己', '[]', current_date, now(), 'x' FROM appeal",
    ):
        refuses(clerk, statement)
    # its own appeal by raw SQL is taken, dated by the server whatever it says, and stamped with its login
    sql(clerk, f"{insert}({publication}, {unit_x}, '补充', '2013-01-11', '2000-01-01', 'someone')")
    [(filed_on, filed_by)] = owner.query("SELECT filed_on, filed_by FROM appeal WHERE text = '补充'")
    assert (str(filed_on), filed_by) == (today, clerk)
    # the owner cannot change a decision either (append-only), nor file outside the window
    refuses(owner_login(owner), "UPDATE appeal_decision SET upheld = true")
    refuses(owner_login(owner), f"{insert}({publication}, {unit_x}, '晚', '2099-01-01', now(), 'o')")


def owner_login(owner: Workspace) -> str:
    from sqlalchemy.engine import make_url

    name = make_url(owner.url or "").username
    assert name is not None
    return name


def refused_cli(workspace: Workspace, owner: Workspace, *args: str) -> None:
    before = owner.snapshot()
    outcome = workspace.run(*args)
    assert outcome.exit_code == 1, (args, outcome.stderr)
    assert outcome.stderr.count("error:") == 1 and "Traceback" not in outcome.stderr, outcome.stderr
    assert owner.snapshot() == before, args
