"""Failures of the APIs, described in one short line. Light to import (no HTTP library)."""

from __future__ import annotations

from mailer.core.errors import MailerError


class UnknownPaper(MailerError):
    """The API has no record for this id (Hugging Face's 404): cached as unknown."""


def describe_failure(error: BaseException) -> str:
    """One short line for a failed request (no URL parameters, no headers)."""
    import httpx2  # loaded already by whichever client failed

    if isinstance(error, httpx2.TimeoutException):
        return "timed out"
    if isinstance(error, httpx2.ConnectError):
        return "cannot connect"
    text = str(error).splitlines()[0][:200] if str(error) else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
