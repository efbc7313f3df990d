"""Shared fixtures. Server fixtures (Dovecot, SMTP, Slack API, PostgreSQL) live in
tests/integration/; this file only holds what every test may use."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SAMPLES = ROOT.parent / "shared" / "samples"


def require_server(reason: str) -> None:
    """Skip (on a laptop) or fail (in CI, where MAILER_REQUIRE_SERVERS=1) for a missing server."""
    if os.environ.get("MAILER_REQUIRE_SERVERS") == "1":
        pytest.fail(f"required test server missing in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture
def data_dir() -> Path:
    return DATA
