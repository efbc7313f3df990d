"""A message's papers, their keys and sources, and its alerts, written in bulk.

`record_message` used to run one statement per paper, key, source and alert (a known
paper cost a SELECT, a JSON merge and an UPDATE): about 145 statements for a digest.
Here each table gets one multi-row statement (`executemany`, which SQLAlchemy sends as
multi-row INSERTs on both SQLite and PostgreSQL), inside the caller's transaction:

- the stored papers among them are read with one `IN` query;
- new papers are inserted together; a paper another worker inserted between that read
  and this insert (ON CONFLICT DO NOTHING skips it) is read again and merged like any
  known paper, so no digest's data is lost to the race;
- a known paper is rewritten only when the merge changed it; the others only get
  their `last_seen` moved, in one UPDATE (so the search index, kept by triggers on
  SQLite, is not rebuilt for a paper that did not change);
- keys, sources and alerts are inserted with ON CONFLICT DO NOTHING, as before.

On PostgreSQL each multi-row INSERT is one `INSERT ... SELECT ... FROM
json_populate_recordset(NULL::table, :rows)` with the rows as one JSON parameter
(`insert_rows`): psycopg's executemany sends a statement per row (the server executing
each on its own); a multi-row VALUES of a digest's papers is a new text of several KB
that psycopg parses again on every call (it keeps only short statements); array
parameters are escaped character by character in Python. The JSON statement's text
never changes (parsed once, prepared by the server) and its parameter is made by the
json module in C.

Rows are written in a fixed order (papers by id, keys by key, alerts by their key),
so two workers recording digests that share papers take their locks in the same
order. The rows written are the same as the statement-per-row code wrote, on SQLite
and on PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, CursorResult, Table, TextClause, bindparam, select, text, update
from sqlalchemy.dialects.postgresql.base import PGDialect

from mailer.core.models import Paper
from mailer.store import codec
from mailer.store.paper_keys import keys_of, paper_keys
from mailer.store.schema import outbox, paper_sources, papers

IN_CHUNK = 500  # ids per IN list (SQLite's default limit on parameters is 32,766)


def chunks(values: Sequence[Any], size: int = IN_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def stored_papers(conn: Connection, ids: Sequence[str]) -> dict[str, str]:
    """The stored JSON of the papers with these ids (those that are stored)."""
    found: dict[str, str] = {}
    for chunk in chunks(sorted(ids)):
        rows = conn.execute(_STORED_PAPERS, {"ids": list(chunk)})
        found.update({paper_id: data for paper_id, data in rows})
    return found


_STORED_PAPERS = select(papers.c.id, papers.c.data).where(
    papers.c.id.in_(bindparam("ids", expanding=True))
)  # built once: a statement's construction costs more than SQLite's run of it


def save_papers(
    conn: Connection,
    found: Sequence[Paper],
    *,
    message_row: int,
    source: str,
    when: datetime,
    cut: Any,
) -> None:
    """Insert the new papers, merge the known ones, and record their keys and where they
    were seen (`source` already fitted to its column; `cut` bounds a text)."""
    if not found:
        return
    found = sorted(found, key=lambda p: p.id)
    stored = stored_papers(conn, [p.id for p in found])
    new = [p for p in found if p.id not in stored]
    if new:
        rows = [
            {
                "id": p.id,
                "title": cut(p.title) or p.id,
                "data": codec.paper_to_json(p),
                "first_seen": when,
                "last_seen": when,
            }
            for p in new
        ]
        inserted = set(insert_rows(conn, papers, rows, ("id",), returning="id").scalars())
        raced = [p.id for p in new if p.id not in inserted]
        if raced:  # stored meanwhile by another worker: merged below like a known paper
            stored.update(stored_papers(conn, raced))
    _merge_known(conn, [p for p in found if p.id in stored], stored, when, cut)
    keys = sorted({(key, p.id) for p in found for key in keys_of(p)})
    unique_keys = list({key: paper_id for key, paper_id in reversed(keys)}.items())
    if unique_keys:  # a key two papers share keeps the first paper (by id), as before
        rows = [{"key": key, "paper_id": paper_id} for key, paper_id in sorted(unique_keys)]
        insert_rows(conn, paper_keys, rows, ("key",))
    rows = [
        {"paper_id": p.id, "message_row": message_row, "source": source, "digest": cut(p.source)}
        for p in found
    ]
    insert_rows(conn, paper_sources, rows, ("paper_id", "message_row"))


def _merge_known(
    conn: Connection,
    known: Sequence[Paper],
    stored: dict[str, str],
    when: datetime,
    cut: Any,
) -> None:
    changed: list[dict[str, Any]] = []
    unchanged: list[str] = []
    for paper in known:
        data = stored[paper.id]
        merged = codec.merge_papers(codec.paper_from_json(data), paper) if data else paper
        text = codec.paper_to_json(merged)
        if text == data:
            unchanged.append(paper.id)
        else:
            changed.append({"key": paper.id, "title": cut(merged.title) or merged.id, "data": text})
    if changed:
        conn.execute(
            update(papers)
            .where(papers.c.id == bindparam("key"))
            .values(title=bindparam("title"), data=bindparam("data"), last_seen=when),
            changed,
        )
    for chunk in chunks(unchanged):
        conn.execute(update(papers).where(papers.c.id.in_(chunk)).values(last_seen=when))


def add_alerts(conn: Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Insert outbox rows (ON CONFLICT DO NOTHING on (rule, paper, destination)); how many
    were new."""
    if not rows:
        return 0
    conflict = ("rule", "paper_id", "destination")
    return len(insert_rows(conn, outbox, rows, conflict, returning="id").all())


def insert_rows(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    conflict: tuple[str, ...],
    returning: str | None = None,
) -> CursorResult[Any]:
    """INSERT the rows (all with the same keys), in their order, ON CONFLICT (`conflict`)
    DO NOTHING, RETURNING the column `returning` of the rows inserted. PostgreSQL gets
    them as one JSON parameter (see the module docstring), SQLite as an executemany."""
    columns = tuple(rows[0])
    if conn.dialect.name == "postgresql":
        rows_json = json.dumps(rows, ensure_ascii=False, default=_json_time)
        return conn.execute(_json_insert(table, columns, conflict, returning), {"rows": rows_json})
    from mailer.store.messages import dialect_insert

    statement = dialect_insert(conn, table).on_conflict_do_nothing(index_elements=list(conflict))
    if returning is not None:
        return conn.execute(statement.returning(table.c[returning]), list(rows))
    return conn.execute(statement, list(rows))


def _json_time(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()  # naive UTC, as stored: read back as `timestamp`
    raise TypeError(f"{type(value).__name__} is not a column value")


@cache  # a handful of (table, columns) shapes: built once, the same text every call
def _json_insert(
    table: Table, columns: tuple[str, ...], conflict: tuple[str, ...], returning: str | None
) -> TextClause:
    """The rows of a JSON array, each an object with the `columns`, typed as the table's
    columns (json_populate_recordset), inserted in the array's order."""
    quote = _POSTGRESQL().identifier_preparer.quote  # quotes only a name that needs it
    name = quote(table.name)
    names = ", ".join(map(quote, columns))
    sql = (
        f"INSERT INTO {name} ({names}) SELECT {names} "
        f"FROM json_populate_recordset(NULL::{name}, CAST(:rows AS json)) "
        f"ON CONFLICT ({', '.join(map(quote, conflict))}) DO NOTHING"
    )
    if returning is not None:
        sql += f" RETURNING {quote(returning)}"
    return text(sql)


_POSTGRESQL: Any = PGDialect  # (its constructor is untyped)
