"""The state databases the store tests run against: SQLite and PostgreSQL.

`state_url` (a fixture, parametrized) yields a `state:` URL for a fresh database:
a SQLite file in tmp_path, or a new schema in the PostgreSQL at
MAILER_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test),
dropped at the end. Without PostgreSQL the second case skips (fails in CI).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from conftest import require_server

POSTGRES_URL = os.environ.get(
    "MAILER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def _admin_connect() -> object:
    import psycopg

    try:
        return psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as e:
        require_server(f"PostgreSQL not reachable at {POSTGRES_URL}: {e}".splitlines()[0])
        raise


def postgres_schema_url() -> Generator[str, None, None]:
    """A URL whose connections use a fresh schema (search_path), dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    conn = _admin_connect()
    conn.execute(f'CREATE SCHEMA "{schema}"')  # type: ignore[attr-defined]
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')  # type: ignore[attr-defined]
        conn.close()  # type: ignore[attr-defined]


@pytest.fixture(params=["sqlite", "postgresql"])
def state_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/state/mailer.db"
    else:
        yield from postgres_schema_url()
