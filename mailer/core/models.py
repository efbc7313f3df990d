"""Typed values passed between the pure core and the shell.

Every seam of the product speaks these types: the parser produces `Paper`s inside a
`ParsedDigest`, the rule engine produces `Match`es, the store turns matches into
alerts, and the renderers and channels consume an `AlertBatch`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import Literal

from mailer.core.keys import BatchKey, DestinationRef

PaperFormat = Literal["hf-daily", "arxiv-listing", "scholar-alert", "text-page", "generic"]
Announce = Literal["new", "cross", "replaced"]
# Whose model a size belongs to: the paper's own (trained, fine-tuned, pruned, released or
# studied), a compared one (baseline, reference point, judge, teacher), or unknown.
SizeRole = Literal["own", "compared", "unknown"]
DeliveryMode = Literal["immediate", "daily"]


class MessageStatus(StrEnum):
    """What became of a processed message, as the store keeps it and the output names it
    (a `StrEnum`: the stored value is the member's name in lower case)."""

    PARSED = "parsed"
    NO_PAPERS = "no-papers"
    FAILED = "failed"
    SKIPPED = "skipped"
    QUARANTINED = "quarantined"  # over its parse budget; `mailer replay` tries it again


LEGACY_RETRYING = "failed"  # RETRYING as versions before store migration 11 stored it


class OutboxState(StrEnum):
    """Where an alert is in the outbox; stored, printed (`--json` too) and used as the
    `mailer_outbox_depth` label under the same name (store migration 11 renamed the
    `failed` that older versions stored for RETRYING)."""

    PENDING = "pending"  # waiting for its time (a daily feed) or its first attempt
    RETRYING = "retrying"  # a delivery attempt failed; tried again at next_attempt_at
    SENT = "sent"
    DEAD = "dead"  # given up on: a permanent failure or out of attempts

    @classmethod
    def _missing_(cls, value: object) -> OutboxState | None:
        # an older replica, still running during a rolling update, stores RETRYING so
        return cls.RETRYING if value == LEGACY_RETRYING else None

    @property
    def is_open(self) -> bool:
        """Still to be delivered (pending or retrying)."""
        return self in (OutboxState.PENDING, OutboxState.RETRYING)


_SUFFIXES = ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "K"))


def format_params(count: int) -> str:
    """Human form of a parameter count: 7_000_000_000 -> '7B', 1_500_000_000 -> '1.5B'."""
    for factor, suffix in _SUFFIXES:
        if count >= factor:
            value = count / factor
            text = f"{value:.1f}".rstrip("0").rstrip(".") if value < 100 else f"{value:.0f}"
            return f"{text}{suffix}"
    return str(count)


@dataclass(frozen=True, slots=True, order=True)
class ModelSize:
    """A parameter count of a model the paper talks about, parsed once into an integer."""

    params: int
    text: str = field(
        default="", compare=False
    )  # the span as written, e.g. "3.8-billion-parameter"
    role: SizeRole = field(default="own", compare=False)
    source: str = field(default="", compare=False)  # the model it names, e.g. "Llama-2-70B"

    def __str__(self) -> str:
        return format_params(self.params)

    @property
    def is_own(self) -> bool:
        return self.role == "own"

    def describe(self) -> str:
        """The size with where it comes from: "8B, own", "70B, baseline Llama-2-70B"."""
        if self.role == "own":
            return f"{self}, own"
        if self.role == "compared":
            return f"{self}, baseline {self.source}" if self.source else f"{self}, baseline"
        return f"{self}, {self.source}" if self.source else f"{self}, role unknown"


_WS = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^\w]+")


def normalize_title(title: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a title, for identity."""
    text = title
    if not title.isascii():  # ASCII is its own NFKD form and has no combining marks
        text = unicodedata.normalize("NFKD", title)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _WS.sub(" ", _NON_WORD.sub(" ", text.casefold())).strip()


def canonical_paper_id(arxiv_id: str | None, title: str) -> str:
    """`arxiv:<id>` when the arXiv id is known, else a stable hash of the normalized title."""
    if arxiv_id:
        return f"arxiv:{arxiv_id}"
    digest = hashlib.sha256(normalize_title(title).encode("utf-8")).hexdigest()[:16]
    return f"title:{digest}"


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper as a digest lists it. Text fields are clean Unicode (no tags, no entities)."""

    id: str
    title: str
    format: PaperFormat
    abstract: str | None = None
    authors: tuple[str, ...] | None = None
    arxiv_id: str | None = None
    url: str | None = None
    pdf_url: str | None = None
    upvotes: int | None = None
    published: date | None = None
    announce: Announce | None = None
    sizes: tuple[ModelSize, ...] = ()
    source: str | None = None  # human label of the digest it came from, e.g. "arXiv cs daily"
    # the newsletter's own words about the paper, kept apart once the abstract is arXiv's
    summary: str | None = None
    enriched: tuple[str, ...] = ()  # the records that filled it: "arxiv", "huggingface"

    @property
    def size_params(self) -> list[int]:
        return sorted({s.params for s in self.sizes})

    @property
    def own_size_params(self) -> list[int]:
        return sorted({s.params for s in self.sizes if s.is_own})

    @property
    def hf_url(self) -> str | None:
        return f"https://huggingface.co/papers/{self.arxiv_id}" if self.arxiv_id else None

    @property
    def arxiv_url(self) -> str | None:
        return f"https://arxiv.org/abs/{self.arxiv_id}" if self.arxiv_id else None

    def to_json(self) -> dict[str, object]:
        """The shape `mailer parse --json` prints (one object per paper); `summary` and
        `enriched` appear only on enriched papers (`mailer parse --enrich`)."""
        data: dict[str, object] = {
            "id": self.id,
            "title": self.title,
            "abstract": self.abstract,
            "authors": list(self.authors) if self.authors is not None else None,
            "arxiv_id": self.arxiv_id,
            "url": self.url,
            "pdf_url": self.pdf_url,
            "upvotes": self.upvotes,
            "published": self.published.isoformat() if self.published else None,
            "format": self.format,
            "announce": self.announce,
            "sizes": self.size_params,
            "own_sizes": self.own_size_params,
            "source": self.source,
        }
        if self.summary is not None:
            data["summary"] = self.summary
        if self.enriched:
            data["enriched"] = list(self.enriched)
        return data


@dataclass(frozen=True, slots=True)
class ParseProblem:
    """Why a digest yielded fewer papers than it should: recorded and alerted on, never raised."""

    message_id: str | None
    formats_tried: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class ParsedDigest:
    message_id: str | None
    subject: str | None
    sender: str | None  # the newsletter's sender (the original one for forwarded copies)
    date: datetime | None
    format: PaperFormat | None
    papers: tuple[Paper, ...] = ()
    problems: tuple[ParseProblem, ...] = ()

    @property
    def is_ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class MatchReason:
    """One reason a rule matched, e.g. term 'LoRA' in abstract, or 7B <= 8B."""

    # term, regex, author, query, size, upvotes, format, announce: one per rule condition
    # (mailer/rules/conditions/), so a new condition adds its own without editing this
    kind: str
    detail: str  # human text: "*LoRA* in abstract", "7B ≤ 8B"
    field: str | None = None
    term: str | None = None


@dataclass(frozen=True, slots=True)
class Match:
    rule: str
    paper_id: str
    reasons: tuple[MatchReason, ...] = ()

    def explain(self) -> str:
        return " · ".join(r.detail for r in self.reasons)


@dataclass(frozen=True, slots=True)
class NewAlert:
    """One outbox row to add: a rule matched a paper, for one destination. A plain value
    (alert planning builds it without the store; the store records it)."""

    rule: str
    paper_id: str
    destination: str
    batch_key: BatchKey
    due_at: datetime
    reasons: tuple[MatchReason, ...] = ()
    rule_description: str | None = None
    position: int | None = None  # the paper's place in its digest's order


@dataclass(frozen=True, slots=True)
class NotifyTarget:
    """Where and when a rule's matches go.

    `to` names a destination from the config, or an inline target written in a rule
    (`{slack: "#channel"}`, `{email: alice@example.com}`), parsed once by the rule loader.
    """

    to: DestinationRef
    mode: DeliveryMode = "immediate"
    at: time | None = None  # daily feeds only; default 09:00
    timezone: str = "UTC"


@dataclass(frozen=True, slots=True)
class AlertItem:
    paper: Paper
    match: Match


@dataclass(frozen=True, slots=True)
class AlertBatch:
    """The alerts of one rule for one destination in one delivery batch: one message."""

    rule: str
    destination: str
    batch_key: BatchKey  # per message for immediate alerts, per day for daily feeds
    items: tuple[AlertItem, ...]
    created: datetime
    rule_description: str | None = None
