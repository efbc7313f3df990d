"""Whatever text a newsletter carries, rendering never fails, never exceeds Slack's
limits, and never lets a Slack control sequence or an HTML tag through."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from render_batches import all_strings

from mailer.core.keys import BatchKey
from mailer.core.models import AlertBatch, AlertItem, Match, MatchReason, ModelSize, Paper
from mailer.notify.render import render_email, render_slack, render_text
from mailer.notify.render_slack import HEADER_CHARS, MAX_BLOCKS, SECTION_CHARS

NASTY = st.sampled_from(["<!channel>", "<@U1>", "<http://x|y>", "&", "<", ">", "\r\n", "|", "*"])
TEXT = st.lists(st.one_of(st.text(max_size=40), NASTY), max_size=30).map("".join)


@st.composite
def papers(draw: st.DrawFn) -> Paper:
    return Paper(
        id=draw(st.text(min_size=1, max_size=20)),
        title=draw(TEXT),
        format="generic",
        abstract=draw(st.none() | TEXT),
        authors=draw(st.none() | st.lists(TEXT, max_size=8).map(tuple)),
        arxiv_id=draw(st.none() | st.from_regex(r"[0-9]{4}\.[0-9]{5}", fullmatch=True) | TEXT),
        url=draw(
            st.none()
            | TEXT
            | st.just("https://arxiv.org/abs/1|<!here>")
            | st.integers(0, 800).map(lambda n: "https://a.example/?" + "&" * n)
        ),
        pdf_url=draw(st.none() | TEXT),
        upvotes=draw(st.none() | st.integers(-5, 10**6)),
        sizes=draw(st.lists(st.integers(1, 10**13).map(ModelSize), max_size=3).map(tuple)),
        source=draw(st.none() | TEXT),
    )


@st.composite
def batches(draw: st.DrawFn) -> AlertBatch:
    items = tuple(
        AlertItem(p, Match("r", p.id, (MatchReason("term", draw(TEXT)),)))
        for p in draw(st.lists(papers(), max_size=40))
    )
    return AlertBatch(
        rule=draw(TEXT),
        destination="d",
        batch_key=draw(
            st.sampled_from(
                [
                    BatchKey.parse("msg:1"),
                    BatchKey.parse("day:2025-10-14"),
                    BatchKey.parse("day:garbage"),
                ]
            )
        ),
        items=items,
        created=datetime(2025, 10, 14, tzinfo=UTC),
        rule_description=draw(st.none() | TEXT),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches())
def test_any_batch_renders_within_limits_and_inert(batch: AlertBatch) -> None:
    payloads = render_slack(batch)
    sections = 0
    for payload in payloads:
        assert len(payload["blocks"]) <= MAX_BLOCKS
        assert len(json.dumps(payload, ensure_ascii=False)) < 13_000
        for block in payload["blocks"]:
            if block["type"] == "section":
                sections += 1
                assert len(block["text"]["text"]) <= SECTION_CHARS
            if block["type"] == "header":
                assert len(block["text"]["text"]) <= HEADER_CHARS
        for text in all_strings(payload):
            for inner in re.findall(r"<([^>]*)>", text):
                assert re.match(r"https?://[^|<> ]+\|", inner), inner
            assert "<" not in re.sub(r"<[^<>]*>", "", text), f"a link left open: {text}"
            assert "\r" not in text
    assert sections == max(len(batch.items), 1)

    email = render_email(batch)
    assert "\n" not in email.subject
    assert "\r" not in email.subject
    assert "<!channel>" not in email.html
    assert "<http://x|y>" not in email.html
    text = render_text(batch)  # plain text: "<!channel>" is harmless there, controls are not
    assert "\r" not in text
    assert "\x1b" not in text


_JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
)
_JSON = st.recursive(
    _JSON_LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)


@given(_JSON)
def test_the_file_destination_writes_json_exactly_as_the_json_module(value: object) -> None:
    from mailer.notify.file import dumps_indented

    assert dumps_indented(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_json_the_fast_writer_does_not_know_goes_to_the_json_module() -> None:
    from mailer.notify.file import dumps_indented

    odd = {"a": [1, {2: "int key"}], "b": {"x": 1.5}}
    assert dumps_indented(odd) == json.dumps(odd, indent=2, ensure_ascii=False)


_PLAIN_WORD = st.text(alphabet="abcé.,—\u00a0", min_size=1, max_size=15) | st.text(
    alphabet="abcdefghij", min_size=60, max_size=90
)
_WRAP_TEXT = st.lists(_PLAIN_WORD, max_size=30).map(" ".join) | st.lists(  # wrapped here
    _PLAIN_WORD | st.text(alphabet="ab -—.,\t\u00a0é", max_size=12), max_size=30
).map(" ".join)  # also text that textwrap splits (hyphens, tabs, runs of spaces)


@given(_WRAP_TEXT, st.integers(min_value=10, max_value=90))
def test_the_email_text_wraps_a_summary_exactly_as_textwrap(text: str, width: int) -> None:
    import textwrap

    from mailer.notify.render_email import wrap_indented

    expected = textwrap.wrap(text, width, initial_indent="   ", subsequent_indent="   ")
    assert wrap_indented(text, width) == expected
