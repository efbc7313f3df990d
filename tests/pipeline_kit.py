"""Building blocks for pipeline tests: small digests, a config in a temp dir, and a
channel that records what it was given (the one fake, at the Channel seam)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path

import yaml

from mailer.config.settings import Destination, Settings, load_settings
from mailer.core.models import AlertBatch
from mailer.notify import DeliveryError

Entry = tuple[str, str, str]  # arXiv id, title, abstract


def digest_email(message_id: str, sent: datetime, entries: Sequence[Entry]) -> bytes:
    """A plain-text newsletter listing papers by their arXiv links."""
    body = "\n\n".join(
        f"{title}\nhttps://arxiv.org/abs/{aid}\n{abstract}" for aid, title, abstract in entries
    )
    return (
        f"From: Paper Pulse <news@pulse.example>\nTo: me@example.com\n"
        f"Subject: Pulse {message_id}\nMessage-ID: <{message_id}@pulse.example>\n"
        f"Date: {format_datetime(sent)}\nContent-Type: text/plain; charset=utf-8\n\n{body}\n"
    ).encode()


def write_config(
    root: Path,
    rules: Sequence[Mapping[str, object]],
    *,
    state: str | None = None,
    destinations: dict[str, object] | None = None,
    delivery: dict[str, object] | None = None,
) -> Path:
    (root / "inbox").mkdir(parents=True, exist_ok=True)
    (root / "rules").mkdir(exist_ok=True)
    (root / "rules" / "rules.yaml").write_text(yaml.safe_dump({"rules": rules}))
    config = {
        "state": state or f"sqlite:///{root}/var/mailer.db",
        "rules": str(root / "rules"),
        "sources": [{"name": "samples", "kind": "directory", "path": str(root / "inbox")}],
        "destinations": destinations
        or {"console": {"kind": "console"}, "team": {"kind": "file", "path": str(root / "out")}},
        "delivery": delivery or {"backoff_seconds": 30, "max_attempts": 3},
    }
    path = root / "mailer.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def settings_for(path: Path) -> Settings:
    return load_settings(path, {})


class Recorder:
    """A channel factory whose channels record batches, or fail as told."""

    def __init__(self) -> None:
        self.batches: list[AlertBatch] = []
        self.failures: list[DeliveryError] = []  # raised, in order, before succeeding

    def __call__(self, name: str, destination: Destination, settings: Settings) -> Recorder:
        return self

    def deliver(self, batch: AlertBatch) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.batches.append(batch)

    def send_notice(self, subject: str, text: str) -> None:
        pass

    def alerts(self) -> list[tuple[str, str, str]]:
        return [(b.rule, b.destination, i.paper.id) for b in self.batches for i in b.items]
