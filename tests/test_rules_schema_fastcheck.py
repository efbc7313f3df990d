"""The hand-written schema check never accepts what the published schema refuses."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.rules.conditions import CONDITIONS
from mailer.rules.schema import is_surely_valid, is_valid

_ANY = st.sampled_from(
    [None, True, False, 0, 1, -1, 1.0, 2.5, "", " ", "x", "a b", " x", "x ", "x\n", "\n", [],
     {}, ["x"], [""], [1], ["x", "x"], {"a": 1}]
)  # fmt: skip
_TERMS = st.one_of(st.lists(st.sampled_from(["LoRA", "", "x y", "/q?lora/i", 1, None])), _ANY)
_SIZES = st.one_of(
    st.sampled_from(["<= 8B", "1B..13B", ">= 70B", "7b", "big", "8 B", "≤ 8B", "8B..", ""]),
    st.dictionaries(
        st.sampled_from(["min", "max", "unknown", "sizes", "other"]),
        st.sampled_from(["1B", "13B", 5, -1, 1.5, True, "include", "exclude", "own", "any", "x"]),
        max_size=4,
    ),
    _ANY,
)
_MATCH = st.dictionaries(
    st.sampled_from([*(kind.key for kind in CONDITIONS), "other"]),  # every condition's check
    st.one_of(
        _TERMS,
        _SIZES,
        st.lists(st.sampled_from(["title", "abstract", "authors", "source", "nope", 1])),
        st.lists(st.sampled_from(["hf-daily", "generic", "new", "cross", "replaced", "x"])),
        st.sampled_from([5, 0, -3, 2.0, True, "10"]),
    ),
    max_size=5,
)
_TO = st.one_of(
    st.sampled_from(["console", "", "slack:#x", 3]),
    st.dictionaries(
        st.sampled_from(["slack", "slack_user", "email", "teams"]),
        st.sampled_from(["#x", "x", "a@b.c", "a@b", "@b", "a b@c", "", 1]),
        max_size=2,
    ),
)
_NOTIFY = st.dictionaries(
    st.sampled_from(["to", "mode", "at", "timezone", "other"]),
    st.one_of(
        _TO,
        st.sampled_from(["daily", "immediate", "weekly", "09:00", "9:30", "24:00", "UTC", ""]),
        _ANY,
    ),
    max_size=4,
)
_RULE = st.one_of(
    st.fixed_dictionaries(
        {"name": st.sampled_from(["r", "a b", " r", "r ", "", "r\n", 5]), "match": _MATCH},
        optional={
            "description": st.sampled_from(["d", 1, None]),
            "enabled": st.sampled_from([True, False, "yes", 1]),
            "notify": st.one_of(st.lists(_NOTIFY, max_size=2), _ANY),
            "other": _ANY,
        },
    ),
    _ANY,
)
_DOCUMENT = st.one_of(
    st.fixed_dictionaries(
        {"rules": st.lists(_RULE, max_size=3)},
        optional={"version": st.sampled_from([1, 2, 1.0, True, "1"]), "other": _ANY},
    ),
    st.fixed_dictionaries({"version": st.just(1)}),
    _ANY,
)


@pytest.mark.slow  # 1,500 generated documents
@settings(max_examples=1500, deadline=None)
@given(_DOCUMENT)
def test_the_hand_check_accepts_only_what_the_schema_accepts(data: Any) -> None:
    if is_surely_valid(data):
        assert is_valid(data)  # the compiled schema, which decides on load


def test_the_hand_check_accepts_the_common_rules() -> None:
    data = {
        "version": 1,
        "rules": [
            {
                "name": "small-models",
                "description": "Small models",
                "match": {
                    "any": ["SLM", "on-device"],
                    "none": ["survey"],
                    "size": "<= 8B",
                    "fields": ["title"],
                    "formats": ["hf-daily"],
                    "announce": ["new", "cross"],
                    "min_upvotes": 10,
                },
                "notify": [
                    {"to": "preview", "mode": "daily", "at": "09:00", "timezone": "UTC"},
                    {"to": {"slack": "#papers"}},
                    {"to": {"email": "a@example.com"}},
                ],
            },
            {"name": "lora", "match": {"query": "LoRA", "size": {"max": "13B"}}},
        ],
    }
    assert is_surely_valid(data)
