"""The Hugging Face paper API client: `HfApi(endpoint=...).paper_info(id)`.

Why `huggingface_hub`: it is Hugging Face's own, well-kept client and knows the
paper JSON (`PaperInfo`). It has no batch call for papers, so ids are asked for by a
few threads at once, and the enricher stops waiting at its deadline.

`paper_info` uses the library's shared HTTP client, whose default has no timeout: we
install a client factory (`huggingface_hub.set_client_factory`, the library's own way
to configure its HTTP) with our User-Agent, timeouts and size cap. No token is sent:
`paper_info` asks anonymously, and no `HF_*` environment variable is set.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from huggingface_hub import HfApi, set_client_factory
from huggingface_hub.errors import HfHubHTTPError

from mailer.core.canonical import Cleaned, clean_record
from mailer.enrich.errors import UnknownPaper
from mailer.enrich.http import http_client

log = logging.getLogger(__name__)

MAX_RESPONSE_BYTES = 2_000_000  # one paper's JSON, linked models included, is ~50 KB

_factory_lock = threading.Lock()
_factory_timeout: float | None = None


def _use_bounded_client(timeout: float) -> None:
    """Make huggingface_hub's shared client one with timeouts and a size cap (once)."""
    global _factory_timeout
    with _factory_lock:
        if _factory_timeout == timeout:
            return
        set_client_factory(lambda: http_client(timeout=timeout, limit=MAX_RESPONSE_BYTES))
        _factory_timeout = timeout


class HuggingFaceClient:
    def __init__(self, endpoint: str, *, timeout: float) -> None:
        _use_bounded_client(timeout)
        self._api = HfApi(endpoint=endpoint.rstrip("/"))

    def fetch_one(self, arxiv_id: str) -> Cleaned:
        """The cleaned record (or a rejection) for one id.

        UnknownPaper for a 404; any other failure (HTTP error, timeout, garbage) raises
        and leaves the id uncached.
        """
        try:
            info: Any = self._api.paper_info(arxiv_id)
        except HfHubHTTPError as e:
            if e.response is not None and e.response.status_code == 404:
                raise UnknownPaper(arxiv_id) from e
            status = e.response.status_code if e.response is not None else "?"
            raise RuntimeError(f"HTTP {status}") from e
        authors = getattr(info, "authors", None)
        names = (
            [getattr(author, "name", None) for author in authors]
            if isinstance(authors, list)
            else authors
        )
        published = getattr(info, "published_at", None)
        day = published.date() if isinstance(published, datetime) else None
        return clean_record(
            "huggingface",
            arxiv_id,
            answered_id=getattr(info, "id", None),
            title=getattr(info, "title", None),
            abstract=getattr(info, "summary", None),
            authors=names,
            upvotes=getattr(info, "upvotes", None),
            published=day,
        )
