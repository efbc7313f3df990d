"""One paper, one alert, also without an arXiv id: the other keys a stored paper is known by.

A paper's canonical id is `arxiv:<id>` when the digest gives one, else `title:<hash>` of
its normalized title. The same paper can come as `arxiv:2501.00001` from Hugging Face and
as `title:…` from a Scholar alert, or with an OpenReview link in one newsletter and a
DOI in another. Each stored paper therefore has keys: its normalized-title hash, and its
DOI and OpenReview id where a link gives them. A paper arriving with a new id but a known
key takes the stored paper's id (`canonical_ids`), so the outbox's (rule, paper,
destination) uniqueness holds across newsletters.

The `paper_keys` table is registered on the shared `metadata` (new databases get it from
`create_all`); migration step 5 adds it, and `outbox.position`, to older databases and
fills the title keys of the papers already stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import lru_cache
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import (
    Column,
    Connection,
    ForeignKey,
    String,
    Table,
    bindparam,
    inspect,
    select,
    text,
)

from mailer.core.models import Paper, canonical_paper_id
from mailer.store.schema import metadata, outbox, papers

paper_keys = Table(
    "paper_keys",
    metadata,
    Column("key", String(300), primary_key=True),  # title:<hash>, doi:<doi>, openreview:<id>
    Column("paper_id", String(200), ForeignKey("papers.id"), nullable=False, index=True),
)

_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s?#]+)", re.IGNORECASE)
_MAX_KEY = 300
_MAY_GIVE_KEY = re.compile(r"openreview\.net|doi\.org", re.IGNORECASE)


def keys_of(paper: Paper) -> list[str]:
    """The keys that identify `paper` besides its id: title hash, DOI, OpenReview id."""
    return list(_keys(paper.title, paper.url, paper.pdf_url))


@lru_cache(maxsize=4096)  # a digest's papers are keyed twice: to find ids, then to store
def _keys(title: str, page_url: str | None, pdf_url: str | None) -> tuple[str, ...]:
    keys = [canonical_paper_id(None, title)]
    for link in (page_url, pdf_url):
        # only an openreview.net or doi.org host gives a key: most links (arXiv, Hugging
        # Face) are passed over without splitting them
        if not link or not _MAY_GIVE_KEY.search(link):
            continue
        parts = urlsplit(link)
        host = parts.netloc.lower()
        if host.endswith("openreview.net"):
            forum = parse_qs(parts.query).get("id")
            if forum and forum[0]:
                keys.append(f"openreview:{forum[0]}")
        doi = _DOI.search(parts.path) if host.endswith("doi.org") else None
        if doi is not None:
            keys.append(f"doi:{doi.group(1).rstrip('.').lower()}")
    return tuple(key for key in dict.fromkeys(keys) if len(key) <= _MAX_KEY)


_KNOWN_KEYS = select(paper_keys.c.key, paper_keys.c.paper_id).where(
    paper_keys.c.key.in_(bindparam("keys", expanding=True))
)  # built once (values bound)


def canonical_ids(conn: Connection, found: Sequence[Paper]) -> list[Paper]:
    """The papers, each under the id it is already stored by when one of its keys is
    known (two different arXiv ids stay two papers)."""
    keys = [keys_of(paper) for paper in found]
    wanted = {key for its_keys in keys for key in its_keys}
    known: dict[str, str] = {}
    if wanted:
        rows = conn.execute(_KNOWN_KEYS, {"keys": sorted(wanted)})
        known = {key: paper_id for key, paper_id in rows}
    result = []
    for paper, its_keys in zip(found, keys, strict=True):
        stored = next((known[k] for k in its_keys if k in known), None)
        if stored is not None and stored != paper.id and not _is_other_arxiv_paper(paper, stored):
            paper = replace(paper, id=stored)
        result.append(paper)
    return result


def _is_other_arxiv_paper(paper: Paper, stored_id: str) -> bool:
    """Two different arXiv ids are two papers, even with one title (a title can repeat)."""
    return paper.id.startswith("arxiv:") and stored_id.startswith("arxiv:")


def save_keys(conn: Connection, paper: Paper) -> None:
    """Remember the paper's keys (a key already taken keeps its first paper)."""
    from mailer.store.messages import dialect_insert

    for key in keys_of(paper):
        conn.execute(
            dialect_insert(conn, paper_keys)
            .values(key=key, paper_id=paper.id)
            .on_conflict_do_nothing(index_elements=["key"])
        )


def add_paper_keys_and_alert_position(conn: Connection) -> None:
    """Migration step 5: the `paper_keys` table (filled with the stored papers' title
    keys) and `outbox.position` (the paper's place in its digest's order)."""
    paper_keys.create(conn, checkfirst=True)
    columns = {column["name"] for column in inspect(conn).get_columns(outbox.name)}
    if "position" not in columns:
        conn.execute(text("ALTER TABLE outbox ADD COLUMN position INTEGER"))
    rows = conn.execute(select(papers.c.id, papers.c.title)).all()
    _fill_title_keys(conn, rows)


def _fill_title_keys(conn: Connection, rows: Iterable[tuple[str, str]]) -> None:
    from mailer.store.messages import dialect_insert

    for paper_id, title in rows:
        conn.execute(
            dialect_insert(conn, paper_keys)
            .values(key=canonical_paper_id(None, title), paper_id=paper_id)
            .on_conflict_do_nothing(index_elements=["key"])
        )
