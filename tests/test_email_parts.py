"""Splitting a long email feed (pure): each part under the HTML limit, the papers in
order and each in exactly one part, the parts about even, "part N of M" in subjects."""

from __future__ import annotations

import re

import pytest
from render_batches import daily_feed_batch as many_paper_batch

from mailer.notify.render import render_email, render_email_parts


def titles(html: str) -> list[str]:
    return re.findall(r'<h2[^>]*>\s*<a href="https://arxiv\.org/abs/([^"]+)"', html)


@pytest.mark.parametrize("limit", [20_000, 40_000, 100_000])
def test_every_paper_is_in_exactly_one_part_under_the_limit(limit: int) -> None:
    batch = many_paper_batch(120)
    parts = render_email_parts(batch, max_html_bytes=limit)
    whole = render_email(batch)
    if len(whole.html.encode()) <= limit:
        assert parts == [whole]
        return
    seen = [paper for part in parts for paper in titles(part.html)]
    assert seen == [item.paper.arxiv_id for item in batch.items]
    sizes = [len(part.html.encode()) for part in parts]
    assert max(sizes) <= limit
    assert min(sizes) > max(sizes) / 2  # balanced: no tiny last part
    for number, part in enumerate(parts, 1):
        assert part.subject.endswith(f"· part {number} of {len(parts)}")
        assert f"{number}. " in part.text or number > 1
    assert parts[1].text.count("\n1. ") == 0  # numbering goes on across parts


def test_a_short_feed_stays_one_message() -> None:
    batch = many_paper_batch(3)
    assert render_email_parts(batch) == [render_email(batch)]
