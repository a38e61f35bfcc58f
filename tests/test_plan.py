"""The plan's settings as plain data (`settings_data`, `settings_from_data`): one definition that the plan file
and the database both go through, so a settings field is written and read back without a line of its own."""

from __future__ import annotations

import json
import types
from dataclasses import fields, is_dataclass
from datetime import date
from typing import Literal, Union, get_args, get_origin, get_type_hints

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecotrack.plan import (
    AssessmentSettings,
    Contact,
    NoticeSettings,
    ReviewSettings,
    Scoring,
    settings_data,
    settings_from_data,
)

SETTINGS = (AssessmentSettings, NoticeSettings, ReviewSettings, Contact, Scoring)
SCALARS: dict[object, st.SearchStrategy[object]] = {
    bool: st.booleans(),
    int: st.integers(),
    float: st.floats(allow_nan=False, allow_infinity=False),  # a plan file allows neither
    str: st.text(),
    date: st.dates(),
}


def values_of(hint: object) -> st.SearchStrategy[object]:
    """Any value of a settings field's type; a type this does not know fails the test, to be added here
    and to `ecotrack.plan` together."""
    origin, args = get_origin(hint), get_args(hint)
    if hint is type(None):
        return st.none()
    if origin is Union or origin is types.UnionType:
        return st.one_of(*(values_of(arm) for arm in args))
    if origin is Literal:
        return st.sampled_from(args)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return st.lists(values_of(args[0]), max_size=4).map(tuple)
    if origin is tuple:
        return st.tuples(*(values_of(kind) for kind in args))
    if isinstance(hint, type) and is_dataclass(hint):
        return settings_of(hint)
    return SCALARS[hint]


def settings_of(cls: type[object]) -> st.SearchStrategy[object]:
    hints = get_type_hints(cls)
    return st.builds(cls, **{item.name: values_of(hints[item.name]) for item in fields(cls)})  # type: ignore[arg-type]


@pytest.mark.parametrize("cls", SETTINGS, ids=lambda cls: cls.__name__)
@given(data=st.data())
def test_settings_come_back_from_their_json_equal(cls: type[AssessmentSettings], data: st.DataObject) -> None:
    settings = data.draw(settings_of(cls))
    assert is_dataclass(settings) and not isinstance(settings, type)
    stored = json.dumps(settings_data(settings), ensure_ascii=False)
    assert settings_from_data(cls, json.loads(stored)) == settings


@pytest.mark.parametrize("cls", [AssessmentSettings, NoticeSettings, ReviewSettings], ids=lambda cls: cls.__name__)
def test_a_key_the_data_lacks_takes_the_default(cls: type[AssessmentSettings]) -> None:
    """A database written before a field existed has not got its key."""
    assert settings_from_data(cls, {}) == cls()


def test_a_key_the_settings_lack_is_left_aside() -> None:
    """A later release may have written it."""
    assert settings_from_data(ReviewSettings, {"required": True, "appeal_days": 5}) == ReviewSettings(required=True)


def test_pairs_and_records_come_from_a_mapping_as_well() -> None:
    """What a validated plan file section gives: `grades: {优秀: 90}`, `contact: {name:, phone:}`."""
    assessment = settings_from_data(AssessmentSettings, {"grades": {"优秀": 90, "合格": 60}, "grades_en": {}})
    assert (assessment.grades, assessment.grades_en) == ((("优秀", 90.0), ("合格", 60.0)), ())
    by_name = settings_from_data(NoticeSettings, {"contact": {"name": "周敏", "phone": "1"}, "ladder": {1: "通报"}})
    by_position = settings_from_data(NoticeSettings, {"contact": ["周敏", "1"], "ladder": [[1, "通报"]]})
    assert by_name == by_position == NoticeSettings(contact=Contact("周敏", "1"), ladder=((1, "通报"),))


def test_a_record_inside_the_settings_is_stored_as_its_values() -> None:
    """`contact` has been stored as `[name, phone]` since notices had one: every release reads it so."""
    notices = NoticeSettings(contact=Contact("周敏", "0839-5551234"), cc=("区委办公室",))
    assert settings_data(notices)["contact"] == ["周敏", "0839-5551234"]
    assert settings_data(notices)["cc"] == ["区委办公室"]
    assert list(settings_data(notices)) == [item.name for item in fields(NoticeSettings)]


@pytest.mark.parametrize(
    ("cls", "data"),
    [
        (ReviewSettings, {"required": "yes"}),
        (ReviewSettings, {"lock_after_days": True}),
        (ReviewSettings, {"lock_after_days": 2.5}),
        (AssessmentSettings, {"completion_points": "80"}),
        (AssessmentSettings, {"grades": [["优秀"]]}),
        (NoticeSettings, {"contact": "周敏"}),
    ],
)
def test_a_value_of_the_wrong_kind_is_refused(cls: type[ReviewSettings], data: dict[str, object]) -> None:
    with pytest.raises((TypeError, ValueError)):
        settings_from_data(cls, data)


def test_whole_numbers_read_as_their_field_says() -> None:
    assessment = settings_from_data(AssessmentSettings, {"completion_points": 80, "notice_penalty_cap": 6})
    assert type(assessment.completion_points) is float and type(assessment.notice_penalty_cap) is float
    review = settings_from_data(ReviewSettings, {"lock_after_days": 10.0})
    assert review.lock_after_days == 10 and type(review.lock_after_days) is int
