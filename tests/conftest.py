"""Shared fixtures. Server fixtures (Dovecot, SMTP, Slack API, PostgreSQL) live in
tests/integration/; this file only holds what every test may use."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
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


@pytest.fixture(autouse=True)
def _mailer_logs_reach_caplog() -> Iterator[None]:
    """Each test starts with the "mailer" logger propagating to the root, where caplog
    listens, and ends with it as it was. A CLI test calls setup_logging, which stops
    propagation: without this, a later test asserting that a secret is NOT logged
    would pass without seeing any log at all."""
    logger = logging.getLogger("mailer")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    logger.handlers[:] = []
    logger.propagate = True
    yield
    logger.handlers[:], logger.level, logger.propagate = saved
