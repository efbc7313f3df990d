"""Email (HTML and plain text) and terminal text for an alert batch. Pure.

The HTML comes from a Jinja2 template with autoescape on, so every outside string is
HTML-escaped; links are only http(s) URLs that passed `safe_url`. The CSS is inline
and the layout a single 640px table, which is what Gmail, Outlook and Apple Mail all
render alike. The subject is one clean line (no CR/LF can reach a header).
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from mailer.core.models import AlertBatch
from mailer.notify.sanitize import clean_lines, header_value, printable_line, safe_url
from mailer.notify.view import PaperView, build_view, count_line, headline

SUMMARY_CHARS = 600
# Gmail clips a message whose HTML is above about 102 KB: a long feed is split into
# parts that each stay under this many bytes of HTML
MAX_HTML_BYTES = 100_000
_EMPHASIS = re.compile(r"\*([^*]+)\*")


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def _emphasis(text: str) -> Markup:
    """Escape, then show the rule engine's `*term*` as bold (only after escaping)."""
    return Markup(_EMPHASIS.sub(r"<strong>\1</strong>", str(escape(text))))


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("mailer.notify", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["emphasis"] = _emphasis
    return env


_INDENT = "   "
# what makes textwrap do more than break at single spaces (hyphens and dashes, other
# whitespace, runs of spaces, spaces at the ends): such text goes to textwrap itself
_NOT_PLAIN_WORDS = re.compile(r"-|[^\S ]|  |^ | $")  # [^\S ]: any whitespace but " " (NBSP too)


def wrap_indented(text: str, width: int = 76) -> list[str]:
    """`textwrap.wrap(text, width, initial_indent="   ", subsequent_indent="   ")`, the
    same lines; text of plain words no longer than a line (a cleaned summary, nearly
    always) is wrapped here, greedily at its spaces as textwrap does, a few times faster."""
    room = width - len(_INDENT)
    words = text.split(" ")
    if not text or _NOT_PLAIN_WORDS.search(text) or max(map(len, words)) > room:
        return textwrap.wrap(text, width, initial_indent=_INDENT, subsequent_indent=_INDENT)
    lines: list[str] = []
    line = words[0]
    for word in words[1:]:
        if len(line) + 1 + len(word) <= room:
            line = f"{line} {word}"
        else:
            lines.append(_INDENT + line)
            line = word
    lines.append(_INDENT + line)
    return lines


def _text_paper(number: int, view: PaperView) -> str:
    lines = [f"{number}. {view.title}"]
    if view.authors:
        lines.append(f"   {view.authors}")
    facts = " · ".join(view.facts)
    if facts:
        lines.append(f"   {facts}")
    if view.reasons:
        lines.append(f"   Matched: {view.reasons.replace('*', '')}")
    if view.summary:
        lines.extend(wrap_indented(view.summary))
    if view.blurb:
        said = f"{view.blurb[0]} says: {view.blurb[1]}"
        lines.extend(wrap_indented(said))
    if view.url:
        lines.append(f"   {view.url}")
    for link in view.links:
        if link.url != view.url:
            lines.append(f"   {link.label}: {link.url}")
    return "\n".join(lines)


def _text(
    batch: AlertBatch,
    views: list[PaperView],
    unsubscribe: str | None,
    head: str | None = None,
    first_number: int = 1,
) -> str:
    head = head or headline(batch)
    parts = [head, "=" * len(head)]
    if batch.rule_description:
        parts.append(printable_line(batch.rule_description))
    parts.append("")
    parts.extend(
        _text_paper(number, view) + "\n" for number, view in enumerate(views, first_number)
    )
    if not views:
        parts.append("No new papers.\n")
    parts.append(f"-- \nSent by paper-mailer for the rule “{printable_line(batch.rule)}”.")
    if unsubscribe:
        parts.append(f"Unsubscribe: {unsubscribe}")
    return "\n".join(parts) + "\n"


def _html(
    batch: AlertBatch, views: list[PaperView], unsubscribe_url: str | None, head: str, count: str
) -> str:
    return (
        _environment()
        .get_template("email.html.j2")
        .render(
            headline=head,
            count_line=count,
            rule=printable_line(batch.rule),
            description=printable_line(batch.rule_description),
            papers=views,
            unsubscribe=unsubscribe_url,
        )
    )


def render_email(batch: AlertBatch, *, unsubscribe: str | None = None) -> RenderedEmail:
    """Subject, plain-text part and HTML part of the one email for a batch.

    `unsubscribe` (a mailto: or https: URL) is shown in the footer when safe.
    """
    views = build_view(batch, summary_chars=SUMMARY_CHARS)
    unsubscribe_url = safe_url(unsubscribe, schemes=("https", "http", "mailto"))
    head = headline(batch)
    return RenderedEmail(
        subject=header_value(head),
        text=_text(batch, views, unsubscribe_url),
        html=_html(batch, views, unsubscribe_url, head, count_line(batch)),
    )


def _size(html: str) -> int:
    return len(html.encode("utf-8"))


def _pack(sizes: list[int], budget: int) -> list[tuple[int, int]]:
    """Consecutive (start, end) ranges whose sizes add up to at most `budget` (a single
    item bigger than that gets a range of its own)."""
    ranges, start, used = [], 0, 0
    for i, size in enumerate(sizes):
        if i > start and used + size > budget:
            ranges.append((start, i))
            start, used = i, 0
        used += size
    ranges.append((start, len(sizes)))
    return ranges


def render_email_parts(
    batch: AlertBatch, *, unsubscribe: str | None = None, max_html_bytes: int = MAX_HTML_BYTES
) -> list[RenderedEmail]:
    """The batch as one email, or as several whose HTML each stays under
    `max_html_bytes`, in order, every paper in exactly one part; the subject and the
    heading say "part 2 of 3" and the count of the whole feed."""
    whole = render_email(batch, unsubscribe=unsubscribe)
    if _size(whole.html) <= max_html_bytes or len(batch.items) < 2:
        return [whole]
    views = build_view(batch, summary_chars=SUMMARY_CHARS)
    unsubscribe_url = safe_url(unsubscribe, schemes=("https", "http", "mailto"))
    head, count = headline(batch), count_line(batch)
    empty = _size(_html(batch, [], unsubscribe_url, head, count))
    sizes = [_size(_html(batch, [v], unsubscribe_url, head, count)) - empty for v in views]
    budget = max_html_bytes - empty - 400  # room for "part 12 of 12" and the like
    while True:
        ranges = _pack(sizes, budget)
        even = sum(sizes) // len(ranges) + max(sizes)  # as many parts, of even size
        if len(ranges) > 1 and even < budget and len(_pack(sizes, even)) == len(ranges):
            ranges = _pack(sizes, even)
        parts = []
        for number, (start, end) in enumerate(ranges, 1):
            label = f"part {number} of {len(ranges)}"
            part_head = f"{head} · {label}"
            chunk = views[start:end]
            html = _html(batch, chunk, unsubscribe_url, part_head, f"{count} · {label}")
            text = _text(batch, chunk, unsubscribe_url, part_head, start + 1)
            parts.append(RenderedEmail(header_value(part_head), text, html))
        if all(_size(p.html) <= max_html_bytes for p in parts) or budget < 1000:
            return parts
        budget = int(budget * 0.9)  # the estimate was short: pack tighter


def render_text(batch: AlertBatch) -> str:
    """The batch as plain text for a terminal (the console destination)."""
    views = build_view(batch)
    return _text(batch, views, None)


def render_notice_email(subject: str, text: str) -> RenderedEmail:
    """An operational notice as an email (our own words, escaped all the same)."""
    clean_subject = header_value(subject)
    body = clean_lines(text)
    html = _environment().get_template("notice.html.j2").render(subject=clean_subject, text=body)
    return RenderedEmail(subject=clean_subject, text=body + "\n", html=html)


def render_notice_text(subject: str, text: str) -> str:
    """An operational notice for a terminal or a file."""
    clean_subject = header_value(subject)
    return f"{clean_subject}\n{'=' * len(clean_subject)}\n{clean_lines(text)}\n"
