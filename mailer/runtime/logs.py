"""Logging: one line per event, text on a terminal, JSON otherwise.

Fields such as source, message_id, rule and destination go in `extra=` and are
printed as key=value (text) or keys (JSON). A job can set them once for every line
it logs with `log_context(source=...)`; fields given in `extra=` win.

Secrets never reach a log call: the settings hold them as SecretStr. As a second line
of defence every line is passed through `redact`, which masks what looks like a
credential (Slack tokens, bearer tokens, passwords in URLs or key=value pairs), so an
exception that quotes a URL or a header does not leak one.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

FIELDS = ("source", "message_id", "rule", "destination", "paper_id", "alert_id", "error")
MASK = "***"

_context: ContextVar[tuple[tuple[str, object], ...]] = ContextVar("mailer_log_context", default=())

_SECRETS = (
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]+"), "xox?-" + MASK),  # Slack tokens
    (re.compile(r"(?i)\b(authorization\s*:\s*)\S+(\s+[A-Za-z0-9._~+/=-]{8,})?"), r"\1" + MASK),
    # a credential after Bearer/Basic has a digit, + / = or mixed case (base64, JWT):
    # "a basic introduction" in a paper title is not one
    (
        re.compile(
            r"\b((?i:bearer|basic))\s+"
            r"(?=[A-Za-z0-9._~+/=-]*(?:[0-9+/=]|[a-z][A-Z]))[A-Za-z0-9._~+/=-]{8,}"
        ),
        r"\1 " + MASK,
    ),
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:/@]+):[^\s@/]+@"), r"\1:" + MASK + "@"),
    (
        re.compile(
            # the negative look-ahead keeps the product's own messages readable
            # ("password: environment variable X is not set")
            r"(?i)\b(password|passwd|secret|token|api_key|apikey)(\"?\s*[=:]\s*\"?)"
            r"(?!(?:environment|cannot|file|not|missing|required|none|set|read|from|invalid|expired"
            r"|revoked|rejected|empty)\b)[^\s\",;&]+"
        ),
        r"\1\2" + MASK,
    ),
    (
        re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9/_-]+"),
        "https://hooks.slack.com/" + MASK,
    ),
)


def redact(text: str) -> str:
    """Mask anything in `text` that looks like a credential."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


@contextmanager
def log_context(**fields: object) -> Iterator[None]:
    """Add fields (source=..., message_id=...) to every line logged inside the block."""
    merged = {**dict(_context.get()), **{k: v for k, v in fields.items() if v is not None}}
    token = _context.set(tuple(merged.items()))
    try:
        yield
    finally:
        _context.reset(token)


def _fields(record: logging.LogRecord) -> dict[str, object]:
    found = dict(_context.get())
    for name in FIELDS:
        value = getattr(record, name, None)
        if value is not None:
            found[name] = value
    return {name: found[name] for name in FIELDS if found.get(name) is not None}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        for name, value in _fields(record).items():
            entry[name] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self, show_traceback: bool) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(message)s", "%H:%M:%S")
        self.show_traceback = show_traceback

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text
        if not self.show_traceback:
            record.exc_info, record.exc_text = None, None
        try:
            line = super().format(record)
        finally:
            record.exc_info, record.exc_text = saved
        extras = [f"{name}={value}" for name, value in _fields(record).items()]
        return redact(f"{line} {' '.join(extras)}" if extras else line)


def setup_logging(verbose: int = 0, log_format: str = "auto", stream: object = None) -> None:
    out = stream or sys.stderr
    use_json = log_format == "json" or (
        log_format == "auto" and not getattr(out, "isatty", lambda: False)()
    )
    handler = logging.StreamHandler(out)  # type: ignore[arg-type]
    handler.setFormatter(
        JsonFormatter() if use_json else TextFormatter(show_traceback=verbose >= 2)
    )
    root = logging.getLogger("mailer")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose >= 1 else logging.INFO)
    root.propagate = False
    # APScheduler logs every job run at INFO: keep its warnings (missed runs, errors)
    # in the same format, and its chatter out unless -v.
    scheduler_log = logging.getLogger("apscheduler")
    scheduler_log.handlers[:] = [handler]
    scheduler_log.setLevel(logging.DEBUG if verbose >= 2 else logging.WARNING)
    scheduler_log.propagate = False
