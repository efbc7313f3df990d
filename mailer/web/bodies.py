"""Reading a request body with a size cap, before any of it is kept.

Starlette's `request.body()` reads the whole body into memory, whatever its size: an
endpoint that checks the length afterwards has already spent the memory (and waited for
every byte). `read_capped` refuses a body whose `Content-Length` is over the cap at
once, and stops a chunked one as soon as it passes the cap.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request

from mailer.core.errors import MailerError


class BodyTooLarge(MailerError):
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


async def read_form(request: Request, limit: int, max_fields: int = 1000) -> FormData:
    """An url-encoded form (what the pages' forms send), read through the cap: Starlette's
    own form parser keeps any amount of field data. Another body type reads as empty."""
    body = await read_capped(request, limit)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        return FormData()
    try:
        pairs = parse_qsl(
            body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=max_fields
        )
    except ValueError as e:  # more fields than max_fields
        raise BodyTooLarge(f"the form has more than {max_fields} fields") from e
    fields: list[tuple[str, str | UploadFile]] = [(k, v) for k, v in pairs]
    return FormData(fields)
