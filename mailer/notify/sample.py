"""A fixed sample batch, for `mailer notify test` and the email preview screenshot.

Real-looking papers (the texts are written for this sample) so a user checking a
destination sees what a genuine alert will look like.
"""

from __future__ import annotations

from datetime import datetime

from mailer.core.keys import BatchKey
from mailer.core.models import AlertBatch, AlertItem, Match, MatchReason, ModelSize, Paper

SAMPLE_PAPERS = (
    Paper(
        id="arxiv:2510.11234",
        title="TinyReasoner: Distilling Chain-of-Thought into a 1.5B Model with LoRA",
        format="hf-daily",
        abstract=(
            "We show that a 1.5B-parameter student distilled from a 70B teacher with "
            "low-rank adapters recovers 91% of the teacher's accuracy on GSM8K and MATH "
            "while running on a single consumer GPU. We release the adapters, the "
            "distillation data and an evaluation harness."
        ),
        authors=("Mei Tanaka", "Jonas Weber", "Priya Raman", "Luis Ortega"),
        arxiv_id="2510.11234",
        url="https://huggingface.co/papers/2510.11234",
        upvotes=87,
        sizes=(ModelSize(1_500_000_000, "1.5B"), ModelSize(70_000_000_000, "70B")),
        source="Hugging Face Daily Papers",
    ),
    Paper(
        id="arxiv:2510.10987",
        title="Sparse Mixture-of-Experts at 7B: When Does Routing Pay Off?",
        format="arxiv-listing",
        abstract=(
            "We train 7B-parameter dense and sparse models on the same 2T tokens and "
            "compare quality per FLOP across routing strategies, finding that expert "
            "choice routing wins below 16 experts."
        ),
        authors=("Ana Costa", "Wei Zhang"),
        arxiv_id="2510.10987",
        url="https://arxiv.org/abs/2510.10987",
        sizes=(ModelSize(7_000_000_000, "7B"),),
        source="arXiv cs.CL",
    ),
    Paper(
        id="arxiv:2510.09876",
        title="Quantized KV Caches for Long-Context Small Language Models",
        format="scholar-alert",
        abstract=(
            "A 4-bit key/value cache lets a 3B model handle 128k-token contexts on a "
            "laptop with under 1 point of perplexity loss."
        ),
        authors=("R. Okafor",),
        arxiv_id="2510.09876",
        upvotes=12,
        sizes=(ModelSize(3_000_000_000, "3B"),),
        source="Google Scholar alert",
    ),
)

_REASONS = (
    (
        MatchReason("term", "*LoRA* in title", field="title", term="LoRA"),
        MatchReason("size", "1.5B ≤ 8B"),
    ),
    (MatchReason("size", "7B ≤ 8B"),),
    (
        MatchReason("term", "*small language models* in title", field="title"),
        MatchReason("size", "3B ≤ 8B"),
    ),
)


def sample_batch(destination: str, now: datetime, *, rule: str = "sample") -> AlertBatch:
    """A three-paper batch for `destination`, keyed by the time so each test is new."""
    items = tuple(
        AlertItem(paper=paper, match=Match(rule=rule, paper_id=paper.id, reasons=reasons))
        for paper, reasons in zip(SAMPLE_PAPERS, _REASONS, strict=True)
    )
    return AlertBatch(
        rule=rule,
        destination=destination,
        batch_key=BatchKey.for_test(now),
        items=items,
        created=now,
        rule_description="A sample alert from mailer notify test: small LLMs, LoRA, quantization.",
    )
