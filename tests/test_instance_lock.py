"""A second service against the same state refuses to start."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from store_backends import postgres_schema_url

from mailer.instance_lock import AlreadyRunningError, acquire_instance_lock, sqlite_path


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
def test_postgres_state_is_locked_per_schema_by_an_advisory_lock() -> None:
    schemas = [postgres_schema_url(), postgres_schema_url()]
    first_url, other_url = (next(s) for s in schemas)
    first = acquire_instance_lock(first_url)
    try:
        with pytest.raises(AlreadyRunningError, match="advisory lock") as caught:
            acquire_instance_lock(first_url)
        assert "already running" in str(caught.value)
        acquire_instance_lock(other_url).release()  # another schema is another state
    finally:
        first.release()
        acquire_instance_lock(first_url).release()
        for schema in schemas:
            schema.close()


def test_error_never_shows_the_password() -> None:
    url = "postgresql://mailer:hunter2@127.0.0.1:1/none"
    with pytest.raises(OperationalError) as caught:
        acquire_instance_lock(url)
    assert "hunter2" not in str(caught.value)
