"""Slack Block Kit messages for an alert batch. Pure: payloads in, nothing sent.

One message holds a header, then per paper a section (linked title, authors,
summary), a context line (size · upvotes · source · why it matched) and buttons
(arXiv / PDF / Hugging Face, then 👍 / 👎 that the Slack app records). Slack rejects messages over 50 blocks, section texts
over 3,000 characters, headers over 150, and whole messages somewhere past ~13k
characters (`msg_blocks_too_long`), so a long feed is split into several messages,
each well inside every limit; the first one carries the header, later ones say
"part k of n". Every string from outside is cleaned and escaped (`sanitize.py`),
plain_text objects and the `text` fallback included.
"""

from __future__ import annotations

import json
from typing import Any

from mailer.core.models import AlertBatch
from mailer.notify.sanitize import clean_lines, cut_escaped, printable_line, slack_escape, slack_fit
from mailer.notify.view import PaperView, build_view, headline

MAX_BLOCKS = 50
HEADER_CHARS = 150
SECTION_CHARS = 3000
CONTEXT_CHARS = 2000
FALLBACK_CHARS = 600
LINK_CHARS = 1000  # with title 700, authors 300, summary 1,100, blurb 800: under SECTION_CHARS
# Our own budget for one message's blocks as JSON, well under Slack's ~13k characters.
MESSAGE_CHARS = 11_000

Block = dict[str, Any]
Payload = dict[str, Any]


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _linked_title(view: PaperView) -> str:
    """`*<url|title>*`, or the bare title when the escaped URL could not fit whole (cutting
    the section would leave a link without its closing `>`); the buttons still link."""
    title = slack_fit(view.title, 700)
    target = slack_escape(view.url) if view.url else ""
    return f"*<{target}|{title}>*" if target and len(target) <= LINK_CHARS else f"*{title}*"


def _section_text(view: PaperView) -> str:
    lines = [_linked_title(view)]
    if view.authors:
        lines.append(f"_{slack_fit(view.authors, 300)}_")
    if view.summary:
        lines.append(slack_fit(view.summary, 1100))  # with the rest, under 3,000
    if view.blurb:
        who, said = view.blurb
        lines.append(f"_{slack_fit(who, 60)} says:_ {slack_fit(said, 700)}")
    return "\n".join(lines)[:SECTION_CHARS]


def _context_text(view: PaperView) -> str:
    parts = [slack_fit(fact, 200) for fact in view.facts]
    if view.reasons:
        parts.append(f"matched: {slack_fit(view.reasons, 600)}")
    return " · ".join(parts)[:CONTEXT_CHARS]


def feedback_buttons(paper_id: str, rule: str) -> list[Block]:
    """👍 / 👎 for the Slack app (`feedback_up` / `feedback_down`); the value names the
    paper and the rule, so a click is stored per (user, paper, rule)."""
    value = json.dumps({"p": paper_id[:200], "r": rule[:200]}, ensure_ascii=False)
    # the same JSON with Slack's control characters as \u escapes: inert anywhere
    value = value.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return [
        {"type": "button", "text": _plain("👍"), "action_id": "feedback_up", "value": value},
        {"type": "button", "text": _plain("👎"), "action_id": "feedback_down", "value": value},
    ]


def paper_blocks(view: PaperView, feedback: list[Block] | None = None) -> list[Block]:
    """The blocks of one paper: a divider, the section, a context line, buttons (links,
    then 👍 / 👎 when `feedback` is given)."""
    blocks: list[Block] = [
        {"type": "divider"},
        {"type": "section", "text": _mrkdwn(_section_text(view))},
    ]
    context = _context_text(view)
    if context:
        blocks.append({"type": "context", "elements": [_mrkdwn(context)]})
    buttons = [
        {
            "type": "button",
            "text": _plain(link.label),
            "url": link.url,
            "action_id": f"open_{index}",
        }
        for index, link in enumerate(view.links)
    ]
    buttons += feedback or []
    if buttons:
        blocks.append({"type": "actions", "elements": buttons})
    return blocks


def _json_size(blocks: list[Block]) -> int:
    """Characters of the blocks as JSON: a safe over-estimate of what Slack's limit counts."""
    return len(json.dumps(blocks, ensure_ascii=False))


def _split(
    papers: list[list[Block]], *, first_overhead: int, blocks_room: int
) -> list[list[Block]]:
    """Greedy split of per-paper block lists into messages within the block and size budgets."""
    parts: list[list[Block]] = []
    current: list[Block] = []
    size = first_overhead
    for blocks in papers:
        paper_size = _json_size(blocks)
        too_many = len(current) + len(blocks) > blocks_room
        too_big = size + paper_size > MESSAGE_CHARS
        if current and (too_many or too_big):
            parts.append(current)
            current, size = [], FALLBACK_CHARS + 300  # the "part k of n" line and the fallback
        current.extend(blocks)
        size += paper_size
    parts.append(current)
    return parts


def _fallback(head: str, views: list[PaperView]) -> str:
    titles = "; ".join(view.title for view in views)
    return slack_fit(f"{head}: {titles}" if titles else head, FALLBACK_CHARS)


def render_slack(batch: AlertBatch) -> list[Payload]:
    """`chat.postMessage` payloads (text fallback + blocks) for a batch, in sending order.

    Channel, thread and unfurl options are the sender's business; payloads hold only
    what the message says. A long feed gives several payloads, each within limits.
    """
    views = build_view(batch)
    head = headline(batch)
    header: list[Block] = [{"type": "header", "text": _plain(slack_fit(head, HEADER_CHARS))}]
    if batch.rule_description:
        header.append(
            {"type": "context", "elements": [_mrkdwn(slack_fit(batch.rule_description, 300))]}
        )
    # Reserve two blocks in every part for the header/part line and a closing context.
    chunks = _split(
        [
            paper_blocks(view, feedback_buttons(item.paper.id, item.match.rule))
            for view, item in zip(views, batch.items, strict=True)
        ],
        first_overhead=_json_size(header) + FALLBACK_CHARS + 200,
        blocks_room=MAX_BLOCKS - len(header) - 1,
    )
    per_chunk_views = _views_per_chunk(chunks, views)
    total = len(chunks)
    payloads: list[Payload] = []
    for index, (chunk, chunk_views) in enumerate(zip(chunks, per_chunk_views, strict=True), 1):
        part = f"part {index} of {total}"
        if index == 1:
            blocks = header + chunk
            if total > 1:
                blocks.append({"type": "context", "elements": [_mrkdwn(f"{part}, more follow")]})
            text = _fallback(head, chunk_views)
        else:
            rule = slack_fit(batch.rule, 100)
            blocks = [{"type": "context", "elements": [_mrkdwn(f"*{rule}* · {part}")]}, *chunk]
            text = _fallback(f"{printable_line(batch.rule)} · {part}", chunk_views)
        if not chunk:
            blocks.append({"type": "section", "text": _mrkdwn("No new papers.")})
        payloads.append({"text": text, "blocks": blocks})
    return payloads


def _views_per_chunk(chunks: list[list[Block]], views: list[PaperView]) -> list[list[PaperView]]:
    """Which papers landed in which message: one section block per paper."""
    result: list[list[PaperView]] = []
    position = 0
    for chunk in chunks:
        count = sum(1 for block in chunk if block["type"] == "section")
        result.append(views[position : position + count])
        position += count
    return result


def render_notice_slack(subject: str, text: str) -> list[Payload]:
    """An operational notice (our own words, still escaped: it may quote an error)."""
    head = slack_fit(subject, HEADER_CHARS)
    body = cut_escaped(slack_escape(clean_lines(text)), SECTION_CHARS)
    return [
        {
            "text": slack_fit(f"{subject}: {text}", FALLBACK_CHARS),
            "blocks": [
                {"type": "header", "text": _plain(head)},
                {"type": "section", "text": _mrkdwn(body or " ")},
            ],
        }
    ]
