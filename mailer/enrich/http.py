"""One HTTP client setup for both APIs: a product User-Agent, timeouts, and a size cap.

Everything an API answers is untrusted: the transport refuses an answer larger than
the cap (by its Content-Length, or while it streams in) and a compressed one (we ask
for `identity`; a compressed answer could expand far past the cap after decoding).
Timeouts are per operation (connect, each read); the enricher bounds the total wait.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx2

from mailer import __version__
from mailer.core.errors import MailerError

USER_AGENT = f"paper-mailer/{__version__} (self-hosted paper alerts; batched, cached requests)"


class ResponseTooLarge(MailerError):
    """The answer was larger than the cap, or compressed: not read."""


class _CappedStream(httpx2.SyncByteStream):
    def __init__(self, inner: httpx2.SyncByteStream, limit: int) -> None:
        self._inner = inner
        self._limit = limit

    def __iter__(self) -> Iterator[bytes]:
        seen = 0
        for chunk in self._inner:
            seen += len(chunk)
            if seen > self._limit:
                raise ResponseTooLarge(f"the answer is larger than {self._limit:,} bytes")
            yield chunk

    def close(self) -> None:
        self._inner.close()


class CappedTransport(httpx2.BaseTransport):
    """An HTTP transport whose responses stop at `limit` bytes."""

    def __init__(self, limit: int) -> None:
        self._inner = httpx2.HTTPTransport(retries=0)
        self._limit = limit

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        response = self._inner.handle_request(request)
        length = response.headers.get("content-length", "")
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if (length.isdigit() and int(length) > self._limit) or encoding not in ("", "identity"):
            response.close()
            why = f"compressed ({encoding})" if encoding not in ("", "identity") else length
            raise ResponseTooLarge(f"the answer is too large or {why}: not read")
        assert isinstance(response.stream, httpx2.SyncByteStream)
        return httpx2.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_CappedStream(response.stream, self._limit),
            extensions=response.extensions,
            request=request,
        )

    def close(self) -> None:
        self._inner.close()


def http_client(*, timeout: float, limit: int) -> httpx2.Client:
    """A client with our User-Agent, per-operation timeouts and the size cap."""
    return httpx2.Client(
        transport=CappedTransport(limit),
        timeout=httpx2.Timeout(timeout, connect=min(timeout, 3.0)),
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
        follow_redirects=True,
        max_redirects=3,
    )
