"""Logging: one line per event, text on a terminal, JSON otherwise.

Fields such as source, message_id, rule and destination go in `extra=` and are
printed as key=value (text) or keys (JSON). Secrets never reach a log call: the
settings hold them as SecretStr.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

FIELDS = ("source", "message_id", "rule", "destination", "paper_id", "alert_id", "error")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self, show_traceback: bool) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(message)s", "%H:%M:%S")
        self.show_traceback = show_traceback

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info
        if not self.show_traceback:
            record.exc_info = None
        try:
            line = super().format(record)
        finally:
            record.exc_info = saved
        extras = [
            f"{n}={getattr(record, n)}" for n in FIELDS if getattr(record, n, None) is not None
        ]
        return f"{line} {' '.join(extras)}" if extras else line


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
