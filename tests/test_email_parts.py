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


def test_alert_messages_write_the_same_text_and_bytes_as_the_stdlib_message() -> None:
    """The cached header values and the cheap deep copy (mailer.notify.mime_policy) change
    no byte: the same message built as a plain stdlib EmailMessage writes the same."""
    import random
    from datetime import UTC, datetime
    from email.message import EmailMessage
    from email.policy import SMTP

    from mailer.notify.email import build_message

    when = datetime(2025, 10, 14, 9, 0, tzinfo=UTC)
    for batch in (many_paper_batch(3), many_paper_batch(40)):
        for _ in range(2):  # the second time from the cached header values
            rendered = render_email(batch)
            ours = build_message(
                rendered,
                sender="Päper Mailer <papers@example.org>",
                to=["Zoë <z@example.org>", "b@example.org"],
                message_id="<m1@example.org>",
                date=when,
                unsubscribe="https://example.org/u?x=1",
            )
            plain = EmailMessage(policy=SMTP)
            for name, value in ours.items():
                if name.lower() not in ("content-type", "mime-version"):
                    plain[name] = str(value)
            plain.set_content(rendered.text, subtype="plain", charset="utf-8")
            plain.add_alternative(rendered.html, subtype="html", charset="utf-8")
            for write in ("as_string", "as_bytes"):
                random.seed(3)  # the MIME boundary
                expected = getattr(plain, write)()
                random.seed(3)
                assert getattr(ours, write)() == expected


def test_a_part_holding_the_boundary_line_gets_the_boundary_the_stdlib_picks() -> None:
    """The boundary is looked for with a substring test first (mailer.notify.mime_policy):
    a text that holds the boundary the random draw gives, alone on a line, still makes
    it move to the next one, as the stdlib does."""
    import random
    import sys
    from datetime import UTC, datetime
    from email.message import EmailMessage
    from email.policy import SMTP

    from mailer.notify.email import build_message
    from mailer.notify.render_email import RenderedEmail

    random.seed(5)
    drawn = "=" * 15 + f"%0{len(repr(sys.maxsize - 1))}d" % random.randrange(sys.maxsize) + "=="
    text = f"a paper\n--{drawn}\nanother --{drawn} inline\n"
    rendered = RenderedEmail("Paper alerts", text, f"<p>--{drawn}</p>")
    when = datetime(2025, 10, 14, 9, 0, tzinfo=UTC)
    ours = build_message(
        rendered, sender="p@example.org", to=["p@example.org"], message_id="<m@x>", date=when
    )
    plain = EmailMessage(policy=SMTP)
    for name, value in ours.items():
        if name.lower() not in ("content-type", "mime-version"):
            plain[name] = str(value)
    plain.set_content(rendered.text, subtype="plain", charset="utf-8")
    plain.add_alternative(rendered.html, subtype="html", charset="utf-8")
    # LF first: writing keeps the boundary in the message (with CRLF line ends the
    # stdlib's line test never matches, and the drawn boundary would stay)
    for linesep in ("\n", "\r\n"):
        random.seed(5)
        expected = plain.as_string(policy=plain.policy.clone(linesep=linesep))
        random.seed(5)
        written = ours.as_string(policy=ours.policy.clone(linesep=linesep))
        assert written == expected
        assert f'boundary="{drawn}.0"' in written  # moved past the line the text holds
