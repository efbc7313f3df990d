"""Wrap the real newsletter texts in sources/ into emails as their readers receive them.

Run once, review, commit the outputs:  python tests/data/real/compose_real.py

Each source is public text by its publisher (see README.md). Markdown sources become a
text/plain part as the newsletter's plain-text edition has it, an HTML part rendered by
markdown-it (the library `rich` already brings), or both (multipart/alternative). The
arXiv fixtures are excerpts of the real listing in tests/data/arxiv_listing, forwarded with
`> ` quoting and saved as a `.txt` file.
"""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.utils import format_datetime
from datetime import datetime, timezone
from pathlib import Path

from markdown_it import MarkdownIt

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources"
SAMPLE = HERE.parent / "arxiv_listing" / "cs-daily-2024-11-07.eml"  # the real listing sample
RENDER = MarkdownIt("commonmark").enable("table")

# (output name, source file, sender, subject, date, parts)
CASES = [
    ("dair/ml-potw-2023-04-10", "dair/2023-04-10.md", "elvis from DAIR.AI <nlpnews@substack.com>",
     "Top ML Papers of the Week (April 10 - April 16)", "2023-04-16", "text"),
    ("dair/ml-potw-2023-04-03", "dair/2023-04-03.md", "elvis from DAIR.AI <nlpnews@substack.com>",
     "Top ML Papers of the Week (April 3 - April 9)", "2023-04-09", "html"),
    ("dair/ml-potw-2023-07-31", "dair/2023-07-31.md", "elvis from DAIR.AI <nlpnews@substack.com>",
     "Top ML Papers of the Week (July 31 - August 6)", "2023-08-06", "both"),
    ("dair/ml-potw-2023-01-01", "dair/2023-01-01.md", "elvis from DAIR.AI <nlpnews@substack.com>",
     "Top ML Papers of the Week (Jan 1-8)", "2023-01-08", "text"),
    ("hf_digest_zh/hf-daily-2023-09-12", "hf-digest-zh/2023-09-12.md", "hiwei93 <hf-daily@example.org>",
     "【2023-09-12】Huggingface 每日论文速览", "2023-09-12", "text"),
    ("hf_digest_zh/hf-daily-2023-09-25", "hf-digest-zh/2023-09-25.md", "hiwei93 <hf-daily@example.org>",
     "【2023-09-25】Huggingface 每日论文速览", "2023-09-25", "html"),
    ("ainews/ainews-2024-03-01", "ainews/2024-03-01-the-era-of-1-bit-llms.md", "AINews <swyx@smol.ai>",
     "[AINews] The Era of 1-bit LLMs", "2024-03-01", "both"),
    ("ainews/ainews-2023-12-23", "ainews/2023-12-23-neurips-best-papers.md", "AINews <swyx@smol.ai>",
     "[AINews] 12/23/2023: NeurIPS Best Papers of 2023", "2023-12-24", "text"),
    ("tldr_ai/tldr-ai-2026-09-14", "tldr-ai/2026-09-14.md", "TLDR AI <dan@tldrnewsletter.com>",
     "Pace the frontier 🐢, Cursor Projects 🗂️, ARC-AGI-4 🧩", "2026-09-14", "html"),
    ("tldr_ai/tldr-ai-2026-09-28", "tldr-ai/2026-09-28.md", "TLDR AI <dan@tldrnewsletter.com>",
     "Why I'm Building Muse 🎨, Ultrafast API ⚡", "2026-09-28", "text"),
    # "fresh": a second holdout, added after tuning on the first split and measured once
    ("fresh/dair-ml-potw-2024-06-24", "dair/2024-06-24.md", "elvis from DAIR.AI <nlpnews@substack.com>",
     "Top ML Papers of the Week (June 24 - June 30)", "2024-06-30", "html"),
    ("fresh/hf-summarizer-zh-2026-06-05", "hf-summarizer-zh/2026-06-05.md", "hf-daily-papers-summarizer <digest@example.org>",
     "Hugging Face Daily Papers 2026-06-05", "2026-06-05", "text"),
    ("agent_memory/agent-memory-2026-06-29", "agent-memory-daily/2026-06-29.md", "Agent Memory 日报 <digest@example.org>",
     "Agent Memory 日报｜2026-06-29", "2026-06-29", "html"),
]


def _message(sender: str, subject: str, day: str, name: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "reader@example.com"
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.fromisoformat(day).replace(hour=13, tzinfo=timezone.utc))
    message["Message-ID"] = f"<{name.replace('/', '.')}@real.example>"
    return message


def _html(markdown: str, subject: str) -> str:
    body = RENDER.render(markdown)
    return f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{subject}</title></head><body>{body}</body></html>\n'


def compose(name: str, source: str, sender: str, subject: str, day: str, parts: str) -> bytes:
    text = (SOURCES / source).read_text(encoding="utf-8")
    message = _message(sender, subject, day, name)
    if parts == "html":
        message.set_content(_html(text, subject), subtype="html", cte="quoted-printable")
    else:
        message.set_content(text, cte="quoted-printable")
        if parts == "both":
            message.add_alternative(_html(text, subject), subtype="html", cte="quoted-printable")
    return message.as_bytes()


def _listing_entries(first: int, last: int) -> tuple[str, str]:
    """The preamble and entries first..last (1-based) of the real arXiv listing sample."""
    raw = SAMPLE.read_bytes().decode("ascii").replace("\r\n", "\n")
    body = raw.split("\n\n", 1)[1]
    starts = [m.start() for m in re.finditer(r"^\\\\\narXiv:", body, re.MULTILINE)]
    preamble = body[: starts[0]]
    return preamble, body[starts[first - 1] : starts[last]]


def quoted_listing_forward() -> bytes:
    preamble, entries = _listing_entries(1, 8)
    quoted = "\n".join("> " + line if line else ">" for line in (preamble + entries).split("\n"))
    text = (
        "Forwarding today's cs listing, the remote-sensing ones are for you.\n\n"
        "On Thu, 7 Nov 2024 at 06:45, send mail ONLY to cs <no-reply@arxiv.org> wrote:\n" + quoted + "\n"
    )
    message = _message("Robin Park <robin@lab.example>", "Fwd: cs daily Subj-class mailing 200000001 1", "2024-11-07", "arxiv/quoted-forward")
    message.set_content(text)
    return message.as_bytes()


def saved_listing_page() -> bytes:
    preamble, entries = _listing_entries(9, 16)
    return (preamble + entries).encode("ascii")


def main() -> None:
    for name, *rest in CASES:
        path = HERE / f"{name}.eml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(compose(name, *rest))
        print(path.relative_to(HERE))
    (HERE / "arxiv").mkdir(exist_ok=True)
    (HERE / "arxiv/cs-listing-quoted-forward.eml").write_bytes(quoted_listing_forward())
    (HERE / "arxiv/cs-listing-saved.txt").write_bytes(saved_listing_page())
    print("arxiv/cs-listing-quoted-forward.eml\narxiv/cs-listing-saved.txt")


if __name__ == "__main__":
    main()
