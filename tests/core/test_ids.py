import pytest

from core.ids import MAX_ID, parse_id


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", 12), ("0", 0), ("007", 7), (12, 12), (str(MAX_ID), MAX_ID)],
)
def test_ascii_numbers_are_read(value, expected):
    assert parse_id(value) == expected


@pytest.mark.parametrize(
    "value", ["", "²", "①", "٣", "１２", "-1", " 1", "1.0", "1e3", str(MAX_ID + 1), "9" * 40, None, True, -3, 1.5]
)
def test_anything_else_is_none(value):
    assert parse_id(value) is None


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["campaign", "reviewer", "ballot", "community", "problem", "organiser"])
@pytest.mark.parametrize("object_id", ["9" * 30, "²"])
def test_live_topics_refuse_ids_no_row_can_have(charlie, kind, object_id):
    from live import registry

    topic = registry.topic_kind(f"{kind}.{object_id}")
    assert topic is not None
    assert topic.may_subscribe(charlie, object_id) is False
