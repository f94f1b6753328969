"""Source paths: parsing, and getters that never raise."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mapping import parse_path

RECORD = {
    "id": "in_1",
    "customer_details": {"address": {"city": "Paris"}},
    "lines": {"data": [{"price": {"id": "p1"}, "tax": [{"a": 1}, {"a": 2}]}, {"price": None}]},
    "tax_amounts": [{"amount": 5}, {"amount": 7}, {}],
    "empty": [],
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("id", "in_1"),
        ("customer_details.address.city", "Paris"),
        ("lines.data[0].price.id", "p1"),
        ("lines.data[-1].price", None),
        ("lines.data[1].price.id", None),
        ("lines.data[5].price.id", None),
        ("tax_amounts[*].amount", [5, 7, None]),
        ("lines.data[*].tax[*].a", [1, 2]),
        ("empty[*].x", []),
        ("missing.deeper", None),
        ("id.not_a_dict", None),
        ("id[0]", None),
        ("customer_details[*]", None),
    ],
)
def test_getters(path, expected):
    assert parse_path(path).getter()(RECORD) == expected


def test_parsed_path_knows_its_top_key_and_fan_out():
    path = parse_path("lines.data[*].amount")
    assert path.top == "lines"
    assert path.fans_out
    assert not parse_path("lines.data[0].amount").fans_out


@pytest.mark.parametrize("bad", ["", "a..b", ".a", "a.", "a[", "a[b]", "a[1]x", "[0]", "a b"])
def test_malformed_paths_raise_value_error(bad):
    with pytest.raises(ValueError, match="source path"):
        parse_path(bad)


KEYS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_0123456789", min_size=1, max_size=8)


@given(keys=st.lists(KEYS, min_size=1, max_size=5), leaf=st.integers())
def test_any_dotted_key_path_reads_what_was_nested(keys, leaf):
    record: object = leaf
    for key in reversed(keys):
        record = {key: record}

    assert parse_path(".".join(keys)).getter()(record) == leaf


@given(value=st.recursive(st.none() | st.integers() | st.text(), st.lists, max_leaves=5))
def test_getters_never_raise_on_odd_records(value):
    for path in ("a", "a.b", "a[0].b", "a[*].b", "a.b.c.d"):
        parse_path(path).getter()(value)
