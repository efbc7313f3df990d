"""A second service against the same state refuses to start."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import require_server
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from mailer.instance_lock import AlreadyRunningError, acquire_instance_lock, sqlite_path

POSTGRES_URL = os.environ.get(
    "MAILER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def test_sqlite_state_is_locked_by_a_file_next_to_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/var/mailer.db"
    first = acquire_instance_lock(url)
    assert (tmp_path / "var" / "mailer.db.lock").read_text().strip() == str(os.getpid())
    with pytest.raises(AlreadyRunningError, match=r"already running.*mailer\.db\.lock"):
        acquire_instance_lock(url)
    first.release()
    acquire_instance_lock(url).release()


def test_sqlite_path_of_urls() -> None:
    assert sqlite_path("sqlite:///var/mailer.db") == Path("var/mailer.db")
    assert sqlite_path("sqlite:////srv/state/m.db") == Path("/srv/state/m.db")
    assert sqlite_path("sqlite://") is None
    assert sqlite_path("postgresql://u:p@h/db") is None


@pytest.mark.integration
def test_postgres_state_is_locked_by_an_advisory_lock() -> None:
    url = POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        create_engine(url).connect().execute(text("SELECT 1")).close()
    except OperationalError:
        require_server(f"PostgreSQL not reachable at {POSTGRES_URL}")
    first = acquire_instance_lock(POSTGRES_URL)
    try:
        with pytest.raises(AlreadyRunningError, match="advisory lock") as caught:
            acquire_instance_lock(POSTGRES_URL)
        assert "already running" in str(caught.value)
    finally:
        first.release()
    acquire_instance_lock(POSTGRES_URL).release()


def test_error_never_shows_the_password() -> None:
    url = "postgresql://mailer:hunter2@127.0.0.1:1/none"
    with pytest.raises(OperationalError) as caught:
        acquire_instance_lock(url)
    assert "hunter2" not in str(caught.value)
