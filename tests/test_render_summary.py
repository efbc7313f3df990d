"""The newsletter's own words ("AINews says: ...") in every renderer, escaped and capped."""

from __future__ import annotations

import json
from dataclasses import replace

from render_batches import all_strings, daily_feed_batch, three_paper_batch

from mailer.core.models import AlertBatch
from mailer.notify.render import render_email, render_slack, render_text
from mailer.notify.render_slack import MAX_BLOCKS, SECTION_CHARS


def with_summary(batch: AlertBatch, summary: str, source: str | None = "AINews") -> AlertBatch:
    items = tuple(
        replace(item, paper=replace(item.paper, summary=summary, source=source))
        for item in batch.items
    )
    return replace(batch, items=items)


def test_every_renderer_says_who_says_what() -> None:
    batch = with_summary(three_paper_batch(), "Tiny but <b>mighty</b> & fast")
    slack = json.dumps(render_slack(batch), ensure_ascii=False)
    email = render_email(batch)
    assert "_AINews says:_ Tiny but &lt;b&gt;mighty&lt;/b&gt; &amp; fast" in slack
    assert "AINews says: Tiny but <b>mighty</b> & fast" in email.text
    assert "<em>AINews says:</em> Tiny but &lt;b&gt;mighty&lt;/b&gt; &amp; fast" in email.html
    assert "AINews says: Tiny but" in render_text(batch)


def test_a_paper_without_a_summary_shows_no_says_line() -> None:
    batch = three_paper_batch()
    assert "says:" not in json.dumps(render_slack(batch))
    assert "says:" not in render_email(batch).text


def test_without_a_newsletter_name_the_newsletter_says_it() -> None:
    batch = with_summary(three_paper_batch(), "A blurb.", source=None)
    assert "The newsletter says: A blurb." in render_email(batch).text


def test_huge_summaries_still_fit_slack_limits() -> None:
    batch = with_summary(daily_feed_batch(60), "<!channel> " + "&" * 20_000, source="x" * 500)
    for payload in render_slack(batch):
        assert len(payload["blocks"]) <= MAX_BLOCKS
        assert sum(len(s) for s in all_strings(payload)) < 13_000
        assert "<!channel>" not in json.dumps(payload)
        for block in payload["blocks"]:
            if block["type"] == "section":
                assert len(block["text"]["text"]) <= SECTION_CHARS
