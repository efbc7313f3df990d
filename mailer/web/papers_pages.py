"""The papers page and `GET /api/papers`: full-text search over every stored paper.

Query parameters (all optional, the same for both): `q` (words, all required),
`size_min`/`size_max` (e.g. 1B, 13B: the paper's model sizes), `format` (hf-daily,
arxiv-listing, ...), `newsletter` (a digest label or source name), `since`/`until`
(YYYY-MM-DD, when the paper was seen), `min_upvotes`, `limit` (default 50, at most 500).
`GET /api/papers?q=LoRA` answers `{"papers": [{"id", "title", "url", "pdf_url",
"arxiv_id", "authors", "abstract", "format", "upvotes", "sizes", "first_seen",
"last_seen", "links", "newsletters", "alerts"}], "total"}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, get_args

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from mailer.core.errors import MailerError
from mailer.core.models import Paper, PaperFormat, format_params
from mailer.rules.syntax import RuleValueError, parse_size
from mailer.store.search import AlertRecord, Listing, StoredPaper
from mailer.web.context import WebContext

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
FORMATS: tuple[str, ...] = get_args(PaperFormat)


class BadFilter(ValueError, MailerError):
    pass


@dataclass(frozen=True, slots=True)
class PaperFilter:
    q: str = ""
    size_min: int | None = None
    size_max: int | None = None
    format: str | None = None
    newsletter: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    min_upvotes: int | None = None
    limit: int = DEFAULT_LIMIT

    def keeps(self, paper: Paper) -> bool:
        if self.format and paper.format != self.format:
            return False
        if self.min_upvotes is not None and (paper.upvotes or 0) < self.min_upvotes:
            return False
        if self.size_min is not None or self.size_max is not None:
            low = self.size_min if self.size_min is not None else 0
            high = self.size_max if self.size_max is not None else 10**18
            if not any(low <= s.params <= high for s in paper.sizes):
                return False
        return True


def _size(value: str, name: str) -> int | None:
    if not value.strip():
        return None
    try:
        bound = parse_size(value.strip())
    except RuleValueError as e:
        raise BadFilter(f"{name}: {value[:40]!r} is not a size like 7B or 500M") from e
    return bound.min if bound.min is not None else bound.max


def _day(value: str, name: str) -> datetime | None:
    if not value.strip():
        return None
    try:
        return datetime.combine(date.fromisoformat(value.strip()), datetime.min.time(), UTC)
    except ValueError as e:
        raise BadFilter(f"{name}: {value[:40]!r} is not a date like 2024-11-07") from e


def _whole(value: str, name: str, low: int, high: int) -> int | None:
    if not value.strip():
        return None
    try:
        number = int(value)
    except ValueError as e:
        raise BadFilter(f"{name}: {value[:40]!r} is not a whole number") from e
    if not low <= number <= high:
        raise BadFilter(f"{name}: must be between {low} and {high}")
    return number


def parse_filter(params: QueryParams) -> PaperFilter:
    fmt = params.get("format", "").strip() or None
    if fmt is not None and fmt not in FORMATS:
        raise BadFilter(f"format: {fmt[:40]!r} is not one of {', '.join(FORMATS)}")
    until = _day(params.get("until", ""), "until")
    return PaperFilter(
        q=params.get("q", "")[:500],
        size_min=_size(params.get("size_min", ""), "size_min"),
        size_max=_size(params.get("size_max", ""), "size_max"),
        format=fmt,
        newsletter=params.get("newsletter", "").strip()[:500] or None,
        since=_day(params.get("since", ""), "since"),
        until=until + timedelta(days=1) if until else None,  # the whole `until` day
        min_upvotes=_whole(params.get("min_upvotes", ""), "min_upvotes", 0, 10**9),
        limit=_whole(params.get("limit", ""), "limit", 1, MAX_LIMIT) or DEFAULT_LIMIT,
    )


@dataclass(frozen=True, slots=True)
class PaperView:
    stored: StoredPaper
    links: tuple[tuple[str, str], ...]
    newsletters: tuple[Listing, ...]
    alerts: tuple[AlertRecord, ...]

    @property
    def paper(self) -> Paper:
        return self.stored.paper

    def to_json(self) -> dict[str, Any]:
        p = self.paper
        return {
            "id": p.id,
            "title": p.title,
            "abstract": p.abstract,
            "authors": list(p.authors or ()),
            "arxiv_id": p.arxiv_id,
            "url": p.url,
            "pdf_url": p.pdf_url,
            "format": p.format,
            "upvotes": p.upvotes,
            "sizes": [format_params(s.params) for s in p.sizes],
            "first_seen": self.stored.first_seen.isoformat(timespec="seconds"),
            "last_seen": self.stored.last_seen.isoformat(timespec="seconds"),
            "links": [{"label": label, "url": url} for label, url in self.links],
            "newsletters": [
                {
                    "newsletter": n.digest or n.source,
                    "subject": n.subject,
                    "sender": n.sender,
                    "date": n.sent_date.isoformat(timespec="seconds") if n.sent_date else None,
                }
                for n in self.newsletters
            ],
            "alerts": [
                {"rule": a.rule, "destination": a.destination, "state": a.state}
                for a in self.alerts
            ],
        }


def canonical_links(paper: Paper) -> tuple[tuple[str, str], ...]:
    """(label, URL) for the paper's own pages: arXiv abstract and PDF, then its link."""
    links: list[tuple[str, str]] = []
    if paper.arxiv_id:
        links.append(("arXiv", f"https://arxiv.org/abs/{paper.arxiv_id}"))
        links.append(("PDF", paper.pdf_url or f"https://arxiv.org/pdf/{paper.arxiv_id}"))
        links.append(("HF", f"https://huggingface.co/papers/{paper.arxiv_id}"))
    elif paper.pdf_url:
        links.append(("PDF", paper.pdf_url))
    if paper.url and all(paper.url != url for _, url in links):
        links.append(("link", paper.url))
    # only web links: a stored URL is outside text
    return tuple((label, url) for label, url in links if url.startswith(("https://", "http://")))


def find_papers(ctx: WebContext, wanted: PaperFilter) -> tuple[list[PaperView], int]:
    found = ctx.store.search_papers(
        wanted.q, since=wanted.since, until=wanted.until, newsletter=wanted.newsletter
    )
    kept = [s for s in found if wanted.keeps(s.paper)]
    shown = kept[: wanted.limit]
    ids = [s.paper.id for s in shown]
    listings = ctx.store.listings(ids) if ids else {}
    alerts: dict[str, list[AlertRecord]] = {}
    for alert in ctx.store.alerts_for(paper_ids=ids) if ids else []:
        alerts.setdefault(alert.paper_id, []).append(alert)
    views = [
        PaperView(
            s,
            canonical_links(s.paper),
            tuple(listings.get(s.paper.id, ())),
            tuple(alerts.get(s.paper.id, ())),
        )
        for s in shown
    ]
    return views, len(kept)


def paper_routes(ctx: WebContext) -> list[BaseRoute]:
    def papers_page(request: Request) -> Response:
        error = None
        try:
            wanted = parse_filter(request.query_params)
        except BadFilter as e:
            wanted, error = PaperFilter(), str(e)
        views, total = find_papers(ctx, wanted) if error is None else ([], 0)
        return ctx.render(
            request,
            "papers.html.j2",
            status=400 if error else 200,
            papers=views,
            total=total,
            wanted=wanted,
            params=request.query_params,
            error=error,
            formats=FORMATS,
            newsletters=ctx.store.newsletters(),
        )

    def api_papers(request: Request) -> Response:
        try:
            wanted = parse_filter(request.query_params)
        except BadFilter as e:
            return JSONResponse({"error": str(e)}, status_code=400)
        views, total = find_papers(ctx, wanted)
        return JSONResponse({"papers": [v.to_json() for v in views], "total": total})

    return [Route("/papers", papers_page), Route("/api/papers", api_papers)]
