"""What a hostile or careless hand gets on one machine (issue 31): SQLite's own checks on raw SQL, files whose
bytes are not their SHA-256, `--out` onto devices and pipes, names that would drive the terminal, `$` in names
that reach a chart, times recorded in the order of the write lock, and charts quiet without a Chinese font.
"""

from __future__ import annotations

import hashlib
import os
import socket
import sqlite3
import stat
import subprocess
import time
import warnings
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ecotrack.errors import BadInput

from .conftest import CONFORMANCE, ECOTRACK, Workspace, make_workspace

ENTRY = (
    "INSERT INTO entry (assignment_id, period, value, note, reported_by, reported_at, reported_on, filed_at, "
    "filed_by) VALUES ((SELECT a.id FROM assignment a JOIN unit u ON u.id = a.unit_id JOIN target t "
    "ON t.id = a.target_id WHERE u.code = ? AND t.code = ?), ?, ?, '', 'x', ?, ?, '2015-01-01', 'x')"
)


def raw(workspace: Workspace, statement: str, parameters: tuple[object, ...] = ()) -> None:
    with closing(sqlite3.connect(workspace.db)) as connection, connection:
        connection.execute(statement, parameters)


@pytest.mark.parametrize(
    ("unit", "target", "period", "value", "reported_on"),
    [
        ("dongpo", "1.1", "2014-05", float("inf"), "2014-06-01"),
        ("dongpo", "1.1", "2014-05", float("nan"), "2014-06-01"),  # stored as NULL by the driver
        ("dongpo", "1.1", "2014-05", 2e15, "2014-06-01"),
        ("dongpo", "1.1", "1999-99", 1, "2014-06-01"),
        ("dongpo", "1.1", "2014-13", 1, "2014-06-01"),
        ("dongpo", "1.1", "2014-5", 1, "2014-06-01"),
        ("dongpo", "1.1", "2013-05", 1, "2014-06-01"),  # not the plan's year
        ("dongpo", "1.1", "2014-07", 1, "2014-06-01"),  # after the month it was reported in
        ("huanbao", "2.2", "2014-05", 0.5, "2014-06-01"),  # a milestone is 0 or 1
    ],
)
def test_sqlite_refuses_a_raw_entry_the_cli_would_refuse(
    conformance: Workspace, unit: str, target: str, period: str, value: float, reported_on: str
) -> None:
    before = conformance.snapshot()
    with pytest.raises(sqlite3.IntegrityError):
        raw(conformance, ENTRY, (unit, target, period, value, reported_on + " 09:00:00", reported_on))
    assert conformance.snapshot() == before
    # and what the CLI then reads is a database it can export
    assert conformance.run("export", "--format", "json", "--as-of", "2015-01-06").exit_code == 0


def test_sqlite_takes_a_raw_entry_that_keeps_the_rules(conformance: Workspace) -> None:
    raw(conformance, ENTRY, ("dongpo", "1.1", "2014-05", 4, "2014-06-01 09:00:00", "2014-06-01"))
    raw(conformance, ENTRY, ("huanbao", "2.2", "2014-05", 1, "2014-06-01 09:00:00", "2014-06-01"))
    assert conformance.entries() == 79


def test_a_stored_file_that_is_not_its_sha256_is_never_reused_nor_served(conformance: Workspace) -> None:
    genuine = b"the signed minutes"
    sha = hashlib.sha256(genuine).hexdigest()
    raw(
        conformance,
        "INSERT INTO attachment (sha256, size, content, stored_at, stored_by) VALUES (?, 6, ?, '2015-01-01', 'x')",
        (sha, b"forged"),
    )
    conformance.write("minutes.txt", genuine.decode())
    before = conformance.snapshot()
    outcome = conformance.run("report", "--unit", "dongpo", "--target", "1.1", "--period", "2014-12", "--value",
                              "11", "--attach", "minutes.txt")  # fmt: skip
    assert outcome.exit_code == 1 and "does not hold the bytes its SHA-256 names" in outcome.stderr
    assert conformance.snapshot() == before
    outcome = conformance.run("attachment", sha, "--out", "back.txt")
    assert outcome.exit_code == 1 and not (conformance.root / "back.txt").exists()


# --- where ecotrack writes ---------------------------------------------------------------------------------


def special_files(root: Path) -> list[Path]:
    fifo = root / "pipe"
    os.mkfifo(fifo)
    listening = socket.socket(socket.AF_UNIX)
    listening.bind(str(root / "socket"))
    listening.close()
    return [fifo, root / "socket"]


@pytest.mark.parametrize(
    "command",
    [
        ["export", "--format", "csv", "--table", "status", "--out", "{out}"],
        ["template", "--unit", "dongpo", "--period", "2014-12", "--out", "{out}"],
        ["assess", "--as-of", "2015-01-06", "--xlsx", "--out", "{out}"],
        ["notice", "--as-of", "2014-08-15", "--out", "{out}"],
        ["pack", "--as-of", "2014-08-15", "--out", "{out}"],
        ["chart", "--unit", "dongpo", "--target", "1.1", "--as-of", "2014-08-15", "--out", "{out}"],
        ["attachment", "0" * 64, "--out", "{out}"],
    ],
    ids=lambda command: command[0],
)
def test_out_is_never_a_device_a_pipe_or_a_socket(conformance: Workspace, command: list[str]) -> None:
    for special in special_files(conformance.root):
        before = conformance.snapshot()
        outcome = conformance.run(*[special.as_posix() if word == "{out}" else word for word in command])
        assert outcome.exit_code == 2, outcome.stderr
        assert "is a device, a pipe or a socket" in outcome.stderr and "Traceback" not in outcome.stderr
        assert not stat.S_ISREG(special.stat().st_mode)  # still what it was
        assert conformance.snapshot() == before
        special.unlink()


def test_dev_null_is_refused_as_an_out_before_anything_is_written() -> None:
    from ecotrack.cli.options import writable_place

    with pytest.raises(BadInput, match="is a device"):
        writable_place(Path("/dev/null"))
    assert writable_place(Path("nowhere-yet.csv")) == Path("nowhere-yet.csv")


def test_a_file_is_never_renamed_over_a_pipe(tmp_path: Path) -> None:
    from ecotrack import safefile

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="not a regular file"):
        safefile.write_bytes(fifo, b"x")
    assert stat.S_ISFIFO(fifo.stat().st_mode) and sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


# --- names that reach a terminal or a chart ----------------------------------------------------------------


def test_a_file_named_with_control_characters_is_refused(conformance: Workspace) -> None:
    named = conformance.write("a\x1b[2Jb.txt", "x")
    outcome = conformance.run("report", "--unit", "dongpo", "--target", "1.1", "--period", "2014-12", "--value",
                              "11", "--attach", str(named))  # fmt: skip
    assert outcome.exit_code == 2 and "control character U+001B" in outcome.stderr
    assert "\x1b" not in outcome.stderr and "rename the file" in outcome.stderr


def test_a_stored_name_with_control_characters_is_shown_escaped(conformance: Workspace) -> None:
    conformance.write("ok.txt", "evidence")
    conformance.ok("report", "--unit", "dongpo", "--target", "1.1", "--period", "2014-12", "--value", "11",
                   "--attach", "ok.txt")  # fmt: skip
    raw(conformance, "INSERT INTO attachment_link (attachment_id, name, entry_id) "
        "SELECT attachment_id, ?, entry_id FROM attachment_link", ("a\x1b[2J\nb.txt",))  # fmt: skip
    shown = conformance.ok("history", "--unit", "dongpo", "--target", "1.1").stdout
    assert "\x1b" not in shown and "a\\x1b[2J\\nb.txt" in shown


@pytest.fixture
def dollars(tmp_path: Path) -> Workspace:
    plan = (CONFORMANCE / "plan.yaml").read_text(encoding="utf-8")
    # mathtext would read both as formulas, and fail on them
    plan = plan.replace("name: 东坡镇", "name: 东坡镇$\\frac{$").replace(
        "title: 建成村级污水处理设施", "title: 建成$^$设施"
    )
    workspace = make_workspace(tmp_path, plan)
    workspace.ok("init")
    workspace.ok("import", str(CONFORMANCE / "filings.csv"))
    return workspace


def test_a_dollar_sign_in_a_name_is_drawn_as_it_is(dollars: Workspace) -> None:
    dollars.ok("chart", "--unit", "dongpo", "--target", "1.1", "--as-of", "2014-08-15", "--out", "one.svg")
    drawn = (dollars.root / "one.svg").read_text(encoding="utf-8")
    assert "东坡镇$\\frac{$" in drawn and "建成$^$设施" in drawn
    dollars.ok("chart", "--unit", "dongpo", "--target", "1.1", "--as-of", "2014-08-15", "--out", "one.png")
    dollars.ok("pack", "--as-of", "2014-08-15", "--out", "pack")


def test_charts_are_quiet_without_a_chinese_font() -> None:
    from ecotrack import charts
    from ecotrack.rules import Trajectory

    assert charts.installed_fonts({"DejaVu Sans", "Arial"}) == ["DejaVu Sans"]
    assert charts.installed_fonts({"WenQuanYi Zen Hei", "Noto Sans CJK SC"})[:2] == [
        "Noto Sans CJK SC",
        "WenQuanYi Zen Hei",
    ]
    trajectory = Trajectory("dongpo", "1.1", 0, 10, [(0, 0.0), (12, 10.0)], [(3, 2.0)], 7)
    labels = charts.ChartLabels("东坡镇\n1.1 建成村级污水处理设施", "序时进度", "填报", "月", "座")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(charts, "FONTS", ["DejaVu Sans"])  # as on a machine without a Chinese font
            charts.trajectory_png(trajectory, labels)
            charts.trajectory_svg(trajectory, labels)
    assert [str(w.message) for w in caught] == []


# --- the record's times ------------------------------------------------------------------------------------


def test_a_time_is_recorded_once_the_write_lock_is_held(conformance: Workspace) -> None:
    """A writer that waits for another is recorded when it writes, not when it began waiting: with the lock held
    by another connection, `lock` waits; the time it records is after the other let go."""
    holder = sqlite3.connect(conformance.db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    waiting = subprocess.Popen(
        [str(ECOTRACK), "lock", "2014-03"],
        cwd=conformance.root,
        env={**os.environ, **conformance.env()},
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.5)
    released = datetime.now(UTC)
    holder.execute("COMMIT")
    holder.close()
    assert waiting.wait(timeout=60) == 0, waiting.stderr.read() if waiting.stderr else ""
    ((recorded,),) = conformance.query("SELECT at FROM period_lock")
    moment = datetime.fromisoformat(str(recorded))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    assert moment >= released.replace(microsecond=0)
