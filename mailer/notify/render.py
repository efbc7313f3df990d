"""Rendering alert batches into messages: one import for every channel. Pure.

- `render_slack(batch) -> list[dict]`: `chat.postMessage` payloads (render_slack.py)
- `render_email(batch, unsubscribe=...) -> RenderedEmail`: subject, text, html
  (render_email.py, templates/email.html.j2)
- `render_text(batch) -> str`: for the console and files
- `render_notice_slack / render_notice_email / render_notice_text(subject, text)`:
  operational notices for the admin destination

All outside text is cleaned and escaped for its target (see sanitize.py).
"""

from __future__ import annotations

from mailer.notify.render_email import (
    RenderedEmail,
    render_email,
    render_email_parts,
    render_notice_email,
    render_notice_text,
    render_text,
)
from mailer.notify.render_slack import render_notice_slack, render_slack
from mailer.notify.view import headline

__all__ = [
    "RenderedEmail",
    "headline",
    "render_email",
    "render_email_parts",
    "render_notice_email",
    "render_notice_slack",
    "render_notice_text",
    "render_slack",
    "render_text",
]
