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

from mailer.models import AlertBatch
from mailer.notify.sanitize import clean_lines, clean_text, header_value, safe_url
from mailer.notify.view import PaperView, build_view, count_line, headline

SUMMARY_CHARS = 600
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
        lines.extend(textwrap.wrap(view.summary, 76, initial_indent="   ", subsequent_indent="   "))
    if view.blurb:
        said = f"{view.blurb[0]} says: {view.blurb[1]}"
        lines.extend(textwrap.wrap(said, 76, initial_indent="   ", subsequent_indent="   "))
    if view.url:
        lines.append(f"   {view.url}")
    for link in view.links:
        if link.url != view.url:
            lines.append(f"   {link.label}: {link.url}")
    return "\n".join(lines)


def _text(batch: AlertBatch, views: list[PaperView], unsubscribe: str | None) -> str:
    head = headline(batch)
    parts = [head, "=" * len(head)]
    if batch.rule_description:
        parts.append(clean_text(batch.rule_description))
    parts.append("")
    parts.extend(_text_paper(number, view) + "\n" for number, view in enumerate(views, 1))
    if not views:
        parts.append("No new papers.\n")
    parts.append(f"-- \nSent by paper-mailer for the rule “{clean_text(batch.rule)}”.")
    if unsubscribe:
        parts.append(f"Unsubscribe: {unsubscribe}")
    return "\n".join(parts) + "\n"


def render_email(batch: AlertBatch, *, unsubscribe: str | None = None) -> RenderedEmail:
    """Subject, plain-text part and HTML part of the one email for a batch.

    `unsubscribe` (a mailto: or https: URL) is shown in the footer when safe.
    """
    views = build_view(batch, summary_chars=SUMMARY_CHARS)
    unsubscribe_url = safe_url(unsubscribe, schemes=("https", "http", "mailto"))
    html = (
        _environment()
        .get_template("email.html.j2")
        .render(
            headline=headline(batch),
            count_line=count_line(batch),
            rule=clean_text(batch.rule),
            description=clean_text(batch.rule_description),
            papers=views,
            unsubscribe=unsubscribe_url,
        )
    )
    return RenderedEmail(
        subject=header_value(headline(batch)),
        text=_text(batch, views, unsubscribe_url),
        html=html,
    )


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
