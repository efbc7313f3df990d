"""Typed values <-> the JSON text kept in the store (papers, match reasons)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any, cast

from mailer.core.models import Announce, MatchReason, ModelSize, Paper, PaperFormat, SizeRole


def to_db_time(moment: datetime) -> datetime:
    """Aware datetime -> naive UTC, the way every time column is stored."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to the store; pass an aware one")
    return moment.astimezone(UTC).replace(tzinfo=None)


def from_db_time(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None else None


def paper_to_json(paper: Paper) -> str:
    data: dict[str, Any] = paper.to_json()
    data["sizes"] = [
        {"params": s.params, "text": s.text, "role": s.role, "source": s.source}
        for s in paper.sizes
    ]
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def paper_from_json(text: str) -> Paper:
    data = json.loads(text)
    published = data.get("published")
    return Paper(
        id=data["id"],
        title=data["title"],
        format=cast(PaperFormat, data["format"]),
        abstract=data.get("abstract"),
        authors=tuple(data["authors"]) if data.get("authors") is not None else None,
        arxiv_id=data.get("arxiv_id"),
        url=data.get("url"),
        pdf_url=data.get("pdf_url"),
        upvotes=data.get("upvotes"),
        published=date.fromisoformat(published) if published else None,
        announce=cast("Announce | None", data.get("announce")),  # a string: `|` per call cost 10 µs
        sizes=tuple(_size_from_json(s) for s in data.get("sizes", ())),
        source=data.get("source"),
        summary=data.get("summary"),
        enriched=tuple(data.get("enriched") or ()),
    )


def _size_from_json(data: dict[str, Any]) -> ModelSize:
    # rows stored before sizes had roles count every size as the paper's own
    role = data.get("role", "own")
    return ModelSize(
        int(data["params"]),
        data.get("text", ""),
        role=cast(SizeRole, role if role in ("own", "compared", "unknown") else "own"),
        source=data.get("source", ""),
    )


def merge_papers(known: Paper, seen_again: Paper) -> Paper:
    """The stored paper, completed with what another digest adds (fields it lacked).

    Upvotes take the higher count: digests seen later usually report more votes. A
    paper stored with the email's data takes the canonical record (title, authors,
    abstract, the newsletter's summary) when a later digest brings it enriched.
    """
    fields: dict[str, Any] = {}
    if seen_again.enriched and not known.enriched:
        for name in ("title", "authors", "abstract", "summary", "sizes", "enriched"):
            fields[name] = getattr(seen_again, name)
    for name in ("abstract", "authors", "arxiv_id", "url", "pdf_url", "published", "announce"):
        if getattr(known, name) is None and getattr(seen_again, name) is not None:
            fields[name] = getattr(seen_again, name)
    if not known.sizes and seen_again.sizes and "sizes" not in fields:
        fields["sizes"] = seen_again.sizes
    if seen_again.upvotes is not None and (known.upvotes or 0) < seen_again.upvotes:
        fields["upvotes"] = seen_again.upvotes
    return replace(known, **fields) if fields else known


def reasons_to_json(reasons: tuple[MatchReason, ...]) -> str:
    return json.dumps(
        [{"kind": r.kind, "detail": r.detail, "field": r.field, "term": r.term} for r in reasons],
        ensure_ascii=False,
    )


def reasons_from_json(text: str) -> tuple[MatchReason, ...]:
    return tuple(
        MatchReason(kind=r["kind"], detail=r["detail"], field=r.get("field"), term=r.get("term"))
        for r in json.loads(text)
    )
