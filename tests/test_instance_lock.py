"""A second service against the same state refuses to start."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from store_backends import postgres_schema_url

from mailer.runtime.instance_lock import (
    AdvisoryLock,
    AlreadyRunningError,
    InstanceLock,
    LockLostError,
    acquire_instance_lock,
    is_state_locked,
    sqlite_path,
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


def _terminate_lock_session(lock: InstanceLock) -> None:
    """What a database restart or an idle-session timeout does to the lock connection
    (only this lock's session: other test runs may share the server)."""
    import psycopg
    from store_backends import POSTGRES_URL

    assert isinstance(lock, AdvisoryLock)
    key = lock.key & 0xFFFFFFFFFFFFFFFF
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
            " AND classid = %s::bigint::oid AND objid = %s::bigint::oid AND objsubid = 1",
            (key >> 32, key & 0xFFFFFFFF),
        )


@pytest.mark.integration
def test_postgres_lock_is_taken_again_when_its_connection_drops() -> None:
    schema = postgres_schema_url()
    url = next(schema)
    lock = acquire_instance_lock(url)
    try:
        assert lock.verify()
        _terminate_lock_session(lock)
        acquire_instance_lock(url).release()  # the lock really was gone
        assert lock.verify()  # ... and is held again
        with pytest.raises(AlreadyRunningError):
            acquire_instance_lock(url)
    finally:
        lock.release()
        schema.close()


@pytest.mark.integration
def test_postgres_lock_taken_by_another_instance_meanwhile_is_reported_lost() -> None:
    schema = postgres_schema_url()
    url = next(schema)
    lock = acquire_instance_lock(url)
    try:
        _terminate_lock_session(lock)
        usurper = acquire_instance_lock(url)
        with pytest.raises(LockLostError, match="another mailer serve holds it"):
            lock.verify()
        usurper.release()
    finally:
        lock.release()
        schema.close()


def test_a_file_lock_stays_held(tmp_path: Path) -> None:
    lock = acquire_instance_lock(f"sqlite:///{tmp_path}/mailer.db")
    assert lock.verify()
    lock.release()
    assert not lock.verify()


@pytest.mark.integration
def test_another_process_can_tell_whether_the_postgres_state_is_held() -> None:
    schema = postgres_schema_url()
    url = next(schema)
    try:
        assert is_state_locked(url) is False
        lock = acquire_instance_lock(url)
        assert is_state_locked(url) is True
        lock.release()
        assert is_state_locked(url) is False
        acquire_instance_lock(url).release()  # the probe did not keep the lock
    finally:
        schema.close()


def test_another_process_can_tell_whether_the_sqlite_state_is_held(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/mailer.db"
    assert is_state_locked(url) is False
    lock = acquire_instance_lock(url)
    assert is_state_locked(url) is True
    lock.release()
    assert is_state_locked(url) is False
    assert is_state_locked("postgresql://u:p@127.0.0.1:1/none") is None
