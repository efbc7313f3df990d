"""Reading a request body with a size cap, before any of it is kept.

Starlette's `request.body()` reads the whole body into memory, whatever its size: an
endpoint that checks the length afterwards has already spent the memory (and waited for
every byte). `read_capped` refuses a body whose `Content-Length` is over the cap at
once, and stops a chunked one as soon as it passes the cap.
"""

from __future__ import annotations

from starlette.requests import Request


class BodyTooLarge(Exception):
    """The request body is over the cap; it was not read (or read only up to the cap)."""


async def read_capped(request: Request, limit: int) -> bytes:
    """The body, or BodyTooLarge once it is known to be larger than `limit` bytes."""
    length = request.headers.get("content-length", "").strip()
    if length.isdigit() and int(length) > limit:
        raise BodyTooLarge(f"the request body is larger than {limit:,} bytes")
    chunks: list[bytes] = []
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > limit:
            raise BodyTooLarge(f"the request body is larger than {limit:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
