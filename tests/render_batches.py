"""Alert batches for the rendering and delivery tests: fixed, so golden files are stable."""

from __future__ import annotations

from datetime import UTC, datetime

from mailer.core.keys import BatchKey
from mailer.core.models import AlertBatch, AlertItem, Match, MatchReason, ModelSize, Paper
from mailer.notify.sample import sample_batch

CREATED = datetime(2025, 10, 14, 9, 0, tzinfo=UTC)


def all_strings(node: object) -> list[str]:
    """Every string in a Slack payload (block texts, plain_text, button URLs, fallback)."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in all_strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in all_strings(value)]
    return []


def three_paper_batch(destination: str = "team-slack") -> AlertBatch:
    batch = sample_batch(destination, CREATED, rule="small-llms")
    return AlertBatch(
        rule=batch.rule,
        destination=destination,
        batch_key=BatchKey.parse("msg:<digest-2025-10-14@huggingface.co>"),
        items=batch.items,
        created=CREATED,
        rule_description="Small open models (≤ 8B), LoRA & quantization",
    )


_TOPICS = ("LoRA", "quantization", "distillation", "MoE routing", "KV caches", "RLHF")


def _paper(number: int) -> Paper:
    arxiv_id = f"2510.{10000 + number:05d}"
    topic = _TOPICS[number % len(_TOPICS)]
    size = (number % 9 + 1) * 1_000_000_000
    return Paper(
        id=f"arxiv:{arxiv_id}",
        title=f"Paper {number}: {topic} for {size // 10**9}B models, revisited at scale",
        format="arxiv-listing" if number % 2 else "hf-daily",
        abstract=(
            f"We study {topic} for compact language models. "
            + "Our experiments cover reasoning, coding and multilingual benchmarks, "
            * (1 + number % 4)
            + "and we release code."
        ),
        authors=tuple(f"Author {number}-{k}" for k in range(1 + number % 6)),
        arxiv_id=arxiv_id,
        url=f"https://arxiv.org/abs/{arxiv_id}",
        upvotes=None if number % 3 else number * 2,
        sizes=(ModelSize(size, f"{size // 10**9}B"),),
        source="arXiv cs.CL" if number % 2 else "Hugging Face Daily Papers",
    )


def daily_feed_batch(count: int = 120, destination: str = "team-slack") -> AlertBatch:
    items = tuple(
        AlertItem(
            paper=(paper := _paper(n)),
            match=Match(
                rule="daily-feed",
                paper_id=paper.id,
                reasons=(
                    MatchReason("term", f"*{_TOPICS[n % len(_TOPICS)]}* in abstract"),
                    MatchReason("size", f"{n % 9 + 1}B ≤ 10B"),
                ),
            ),
        )
        for n in range(1, count + 1)
    )
    return AlertBatch(
        rule="daily-feed",
        destination=destination,
        batch_key=BatchKey.parse("day:2025-10-14"),
        items=items,
        created=CREATED,
    )


HOSTILE = (
    "<!channel> <!here> <@U123> <https://evil.example|arxiv.org> <script>alert(1)</script>"
    " & done\r\nBcc: victim@example.com\rX: y\n\u202e\x00\x1b[31m"
)


def hostile_batch() -> AlertBatch:
    papers = [
        Paper(
            id="arxiv:2510.00001",
            title=f"Title {HOSTILE}",
            format="generic",
            abstract=f"Abstract {HOSTILE}",
            authors=(f"Eve {HOSTILE}", "<@U999>"),
            arxiv_id="2510.00001",
            url="https://arxiv.org/abs/2510.00001|<!channel>>",
            pdf_url="javascript:alert(1)",
            source=f"Source {HOSTILE}",
        ),
        Paper(
            id="title:abc",
            title="<https://evil.example|arxiv.org>",
            format="generic",
            url="https://evil.example/x\r\n<b>",
        ),
    ]
    items = tuple(
        AlertItem(
            paper=p,
            match=Match(
                rule="r", paper_id=p.id, reasons=(MatchReason("term", f"*{HOSTILE}* in title"),)
            ),
        )
        for p in papers
    )
    return AlertBatch(
        rule=f"rule {HOSTILE}",
        destination="d",
        batch_key=BatchKey.parse("msg:x"),
        items=items,
        created=CREATED,
        rule_description=f"desc {HOSTILE}",
    )
