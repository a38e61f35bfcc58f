"""The interface clerks and offices keep using (issue 11): numbers as people and scripts want them, JSON where
JSON is asked for, global options placed where they work."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from .conftest import Workspace


def _floats(data: Any) -> list[float]:
    if isinstance(data, float):
        return [data]
    if isinstance(data, dict):
        return [number for value in data.values() for number in _floats(value)]
    if isinstance(data, list):
        return [number for value in data for number in _floats(value)]
    return []


@pytest.mark.parametrize(
    "command",
    [
        ("status", "--as-of", "2012-07-06"),
        ("assess", "--as-of", "2013-02-01"),
        ("overdue", "--as-of", "2012-07-06"),
        ("export", "--as-of", "2013-02-01"),
    ],
    ids=lambda command: command[0],
)
def test_json_carries_no_floating_point_noise_and_no_minus_nought(sample: Workspace, command: tuple[str, ...]) -> None:
    """`"expected": 1.2000000000000002` and `"gap": -8.999999999999941` were in 58 of 114 status rows."""
    text = sample.ok(*command, "--format", "json").stdout
    numbers = _floats(json.loads(text))
    assert numbers
    noisy = [n for n in numbers if len(re.sub(r"[-.]|e.*", "", repr(n)).lstrip("0")) > 10]
    assert noisy == []
    assert "-0.0" not in re.findall(r"-?\d+\.\d+", text)


def test_csv_writes_whole_numbers_without_a_decimal_point(sample: Workspace) -> None:
    text = sample.ok("status", "--as-of", "2012-07-06", "--format", "csv").stdout
    assert not re.search(r"(^|,)-?\d+\.0(,|\r?$)", text, re.M), text[:400]
    assert ",-0," not in text


def test_a_table_never_shows_minus_nought(sample: Workspace) -> None:
    table = sample.ok("status", "--as-of", "2012-01-06", env={"COLUMNS": "200"}).stdout
    assert not re.search(r"(?<![\d.])-0(?:%|\b)(?![.\d])", table)
