"""Fixtures for real servers on 127.0.0.1: the Slack Web API stand-in and aiosmtpd.

- `slack_server`: a started `SlackServer` (slack_server.py); `slack_server.api_url`
  goes in a config's `api_url:`, `slack_server.webhook_url()` in a webhook variable.
- `smtp_server`: a started `SmtpServer` (smtp_server.py) without TLS or AUTH;
  `smtp_server_factory(tls=..., auth=..., start=False)` for the other cases.
- `fake_clock`: a clock whose `sleep` advances time instead of waiting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .dovecot import dovecot, dovecot_dir, dovecot_server  # noqa: F401  (IMAP tests)
from .slack_server import SlackServer
from .smtp_server import SmtpServer


class FakeClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def slack_server() -> Iterator[SlackServer]:
    server = SlackServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server_factory(tmp_path: Path) -> Iterator[Callable[..., SmtpServer]]:
    servers: list[SmtpServer] = []

    def make(*, tls: str | None = None, auth: bool = False, start: bool = True) -> SmtpServer:
        server = SmtpServer(tmp_path / f"smtp{len(servers)}", tls=tls, auth=auth)
        servers.append(server)
        if start:
            server.start()
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def smtp_server(smtp_server_factory: Callable[..., SmtpServer]) -> SmtpServer:
    return smtp_server_factory()
