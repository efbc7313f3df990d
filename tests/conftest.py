"""Shared fixtures. Server fixtures (Dovecot, SMTP, Slack API, PostgreSQL) live in
tests/integration/; this file only holds what every test may use.

`--update-goldens` is the one switch for every golden and snapshot file (the parser's
`.expected.json`, the rendered messages in tests/data/render/, the rule errors in
tests/data/rules/*.expected, rules/schema.json and the generated tables in docs/): the
tests that use the `golden` fixture rewrite their file from what the code produces now
instead of comparing. Review the diff before committing it.
"""

from __future__ import annotations

import logging
import os
import tempfile
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


INTEGRATION = Path(__file__).resolve().parent / "integration"


def pytest_configure(config: pytest.Config) -> None:
    # Hundreds of tests run `python -m mailer ...` (and its parse worker) as a user does;
    # each imports about a hundred mailer modules. Where PYTHONDONTWRITEBYTECODE is set,
    # every one of them compiled those from source again (about 0.2 s of CPU a process).
    # Let them cache bytecode outside the source tree instead: same code, no litter.
    if os.environ.get("PYTHONDONTWRITEBYTECODE") and not os.environ.get("PYTHONPYCACHEPREFIX"):
        prefix = Path(tempfile.gettempdir()) / f"paper-mailer-pycache-{os.getuid()}"
        os.environ["PYTHONPYCACHEPREFIX"] = str(prefix)
        del os.environ["PYTHONDONTWRITEBYTECODE"]


def _talks_to_postgresql(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    if callspec is not None and callspec.params.get("state_url") == "postgresql":
        return True
    return "postgres_url" in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Markers for choosing what to run (`-m unit` is the fast loop for daily work):
    everything under tests/integration/ and every test on PostgreSQL is `integration`;
    what is neither `integration` nor `slow` is `unit`."""
    for item in items:
        if INTEGRATION in item.path.parents or _talks_to_postgresql(item):
            item.add_marker(pytest.mark.integration)
        if not any(item.iter_markers("integration")) and not any(item.iter_markers("slow")):
            item.add_marker(pytest.mark.unit)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="rewrite golden and snapshot files from the current output instead of comparing",
    )


class Golden:
    """Compares an output with its golden file, or rewrites the file under --update-goldens."""

    def __init__(self, update: bool) -> None:
        self.update = update

    def check(self, path: Path, actual: str) -> None:
        """`actual` must equal the file's text (the whole file)."""
        if self.update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
            return
        rerun = "pytest --update-goldens (then review the diff)"
        assert path.exists(), f"{path} is missing: run {rerun}"
        assert actual == path.read_text(encoding="utf-8"), f"{path} differs: if intended, {rerun}"


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Golden:
    return Golden(bool(request.config.getoption("--update-goldens")))


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
