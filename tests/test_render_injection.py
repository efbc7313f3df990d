"""Outside text can never ping, hide a link, inject a header or run script in a message."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from render_batches import HOSTILE, all_strings, hostile_batch

from mailer.notify.render import render_email, render_notice_slack, render_slack, render_text
from mailer.notify.sanitize import safe_url


def _assert_slack_string_is_inert(text: str) -> None:
    # The only `<...>` allowed are our own links to URLs that passed safe_url.
    for inner in re.findall(r"<([^>]*)>", text):
        url, _, _label = inner.partition("|")
        assert url.startswith("https://"), f"live Slack control sequence <{inner}>"
        assert "evil" not in url, f"unsafe link target {url}"
        assert not set(url) & set("<> "), f"unsafe link target {url}"
    for live in ("<!channel>", "<!here>", "<@U123>", "<@U999>", "<script", "\r", "\x00", "\x1b"):
        assert live not in text


def test_slack_payloads_carry_hostile_text_only_as_escaped_text() -> None:
    payloads = render_slack(hostile_batch()) + render_notice_slack(HOSTILE, HOSTILE)
    strings = [s for payload in payloads for s in all_strings(payload)]
    for text in strings:
        _assert_slack_string_is_inert(text)
    every = "\n".join(strings)
    assert "&lt;!channel&gt;" in every  # the text arrives, harmless
    assert "&lt;https://evil.example|arxiv.org&gt;" in every
    # plain_text objects (header, buttons) and the fallback are escaped too
    assert payloads[0]["text"].count("&lt;!here&gt;") >= 1
    header = payloads[0]["blocks"][0]["text"]
    assert header["type"] == "plain_text"
    assert "&lt;!channel&gt;" in header["text"]
    buttons = [
        e["url"]
        for p in payloads
        for b in p["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if "url" in e  # link buttons; 👍 / 👎 carry a value, not a URL
    ]
    assert all(u.startswith("https://") and not set(u) & set("|<> ") for u in buttons)
    assert not any("javascript" in u for u in buttons)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.hrefs += [v or "" for k, v in attrs if k == "href"]
        assert not any(k.startswith("on") for k, _ in attrs), f"event handler on <{tag}>"


def test_email_html_and_headers_carry_hostile_text_only_as_text() -> None:
    email = render_email(hostile_batch(), unsubscribe="javascript:alert(1)")
    assert "\r" not in email.subject
    assert "\n" not in email.subject
    assert "\x1b" not in email.subject
    assert "\x00" not in email.subject
    parser = _Tags()
    parser.feed(email.html)
    allowed = {"html", "head", "meta", "title", "body", "table", "tr", "td", "div", "h1", "h2"}
    assert parser.tags <= allowed | {"p", "a", "span", "strong"}
    assert "script" not in parser.tags
    assert "b" not in parser.tags
    assert all(h.startswith("https://") for h in parser.hrefs), parser.hrefs
    assert "&lt;script&gt;" in email.html
    for line in email.text.splitlines():
        assert not line.startswith("Bcc:")


def test_console_text_has_no_terminal_escapes_or_stray_lines() -> None:
    text = render_text(hostile_batch())
    assert "\x1b" not in text
    assert "\r" not in text
    assert "\x00" not in text
    assert not any(line.startswith(("Bcc:", "X: y")) for line in text.splitlines())


def test_safe_url_accepts_only_http_links_without_link_breaking_characters() -> None:
    assert (
        safe_url("https://arxiv.org/abs/2510.1?a=1&b=2") == "https://arxiv.org/abs/2510.1?a=1&b=2"
    )
    assert safe_url("https://a.example/x|y>z<") == "https://a.example/x%7Cy%3Ez%3C"
    for bad in ("javascript:alert(1)", "data:text/html,x", "//evil.example", "https://", "ftp://x"):
        assert safe_url(bad) is None
    assert safe_url("https://arxiv.org@evil.example/abs/2510.1") is None  # host in disguise
    assert safe_url("https://arxiv.org/abs/2510.1?by=a@b.example") is not None
    assert safe_url("https://a.example/\r\nx") is None
