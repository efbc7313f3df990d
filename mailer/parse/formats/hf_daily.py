"""Hugging Face Daily Papers digests (HTML and text parts).

Keyed on what is stable: each paper links to `huggingface.co/papers/<arxiv id>`; the title is
that link's anchor text or an image's `alt`. Upvotes ("▲ 42", "42 upvotes"), an
"Authors:" line and a summary paragraph are read when present. The exact template is not
public: nothing here depends on class names or layout.
"""

from __future__ import annotations

import re

from mailer.core.models import Paper
from mailer.parse.formats.base import DigestFormat
from mailer.parse.formats.entries import entries_from_parts
from mailer.parse.formats.generic import entry_to_paper
from mailer.parse.links import PaperLink
from mailer.parse.message import Envelope

_HF_PAPER_LINK = re.compile(r"huggingface\.co/papers/\d{4}\.\d{4,5}")


def is_known_sender(envelope: Envelope) -> bool:
    domain = (envelope.sender_address or "").rpartition("@")[2]
    return domain in ("huggingface.co", "hf.co") or domain.endswith((".huggingface.co", ".hf.co"))


def looks_like(envelope: Envelope) -> bool:
    subject = (envelope.subject or "").casefold()
    if "daily papers" in subject:
        return True
    body = envelope.html or envelope.text
    return "Daily Papers" in body and bool(_HF_PAPER_LINK.search(body))


def _is_hf(link: PaperLink) -> bool:
    return link.site == "hf"


def parse_hf_daily(envelope: Envelope) -> list[Paper]:
    """HTML part first (it has the link targets); the text part when it lists more papers."""
    entries = entries_from_parts(envelope.html, envelope.text)
    hf_entries = [e for e in entries if any(_is_hf(link) for link in e.links)]
    return [entry_to_paper(e, envelope, primary_site="hf") for e in hf_entries]


FORMAT = DigestFormat(
    name="hf-daily", is_known_sender=is_known_sender, looks_like=looks_like, parse=parse_hf_daily
)
