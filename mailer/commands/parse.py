"""`mailer parse PATH... [--json] [--enrich]`: show the papers the parser finds.

Without `--enrich` no config is read and nothing leaves the machine. With it, the
papers get their canonical records (mailer.enrich) as a run would give them.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mailer.commands.common import (
    EXIT_FAILURES,
    EXIT_OK,
    config_option,
    json_option,
    load_settings_or_exit,
)
from mailer.config.settings import EnrichSettings
from mailer.core.models import ParsedDigest
from mailer.enrich import enricher_from
from mailer.enrich.enricher import Enricher
from mailer.parse.inputs import parse_document
from mailer.sources.files import UnreadableDocument, iter_documents
from mailer.store import Store, StoreError

_LABELS = {"arxiv": "arXiv", "huggingface": "HF"}


def _open_enricher(config_path: Path) -> tuple[Enricher | None, Store | None]:
    """The enricher of the config (its `enrich:` and its state database as the cache);
    the public APIs and no cache when there is no config file or no `enrich:` in it."""
    if not config_path.exists():
        return enricher_from(EnrichSettings(), None), None
    settings = load_settings_or_exit(config_path)
    try:
        store = Store.open(settings.state)
    except StoreError as e:
        click.echo(f"warning: {e}; enriching without the cache", err=True)
        store = None
    return enricher_from(settings.enrich or EnrichSettings(), store), store


def _table(name: str, digest: ParsedDigest) -> Table:
    title = f"{name}: {digest.format or 'no format'} · {len(digest.papers)} papers"
    if digest.subject:
        title += f"\n{digest.subject}"
    table = Table(title=escape(title), title_justify="left", show_lines=False, expand=False)
    table.add_column("id", no_wrap=True)
    table.add_column("title", ratio=3, min_width=16)
    table.add_column("sizes", max_width=12)  # a paper may name a dozen sizes: wrap them
    table.add_column("▲", justify="right")
    table.add_column("authors", ratio=1, min_width=8)
    enriched = any(paper.enriched for paper in digest.papers)
    if enriched:
        table.add_column("record", no_wrap=True)
    for paper in digest.papers:
        authors = ", ".join(paper.authors[:3]) if paper.authors else ""
        if paper.authors and len(paper.authors) > 3:
            authors += f" +{len(paper.authors) - 3}"
        row = [
            escape(paper.id),
            escape(paper.title),
            escape(" ".join(str(s) for s in sorted(set(paper.sizes)))),
            "" if paper.upvotes is None else str(paper.upvotes),
            escape(authors),
        ]
        if enriched:
            row.append("+".join(_LABELS.get(o, o) for o in paper.enriched) or "email")
        table.add_row(*row)
    return table


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@json_option
@click.option(
    "--enrich",
    is_flag=True,
    help="Fill each paper from arXiv and Hugging Face (the config's enrich: and cache).",
)
@config_option
def parse(paths: tuple[Path, ...], as_json: bool, enrich: bool, config_path: Path) -> None:
    """Parse newsletter emails and show the papers found.

    With --json: one JSON object per paper per line. PATH is an .eml file, a directory of them, an mbox file, or a text page (any .txt file
    is read as a pasted Daily Papers page). Parse problems go to stderr; the exit status is
    1 when any document had one.

    With --enrich the papers get their canonical title, authors, abstract and upvotes
    from arXiv and Hugging Face, as `mailer run` gives them: the config's `enrich:`
    settings (the public APIs when it has none) and its state database as the cache.
    An API that cannot be reached is reported on stderr and the email's data is shown.

    \b
    Examples:
      mailer parse examples/inbox
      mailer parse digest.eml --json | jq .title
      mailer parse digest.eml --enrich
    """
    console = Console(highlight=False)
    had_problems = False
    enricher, store = _open_enricher(config_path) if enrich else (None, None)

    def report_unreadable(error: UnreadableDocument) -> None:
        nonlocal had_problems
        had_problems = True
        click.echo(f"problem: {error.name}: {error.reason}", err=True)

    for path in paths:
        for name, raw in iter_documents(path, on_error=report_unreadable):
            digest = parse_document(name, raw)
            if enricher is not None and digest.papers:
                result = enricher.enrich(digest.papers)
                digest = replace(digest, papers=result.papers)
                for note in result.unavailable:
                    click.echo(f"enrichment: {name}: {note} (email's data shown)", err=True)
            for problem in digest.problems:
                had_problems = True
                tried = ", ".join(problem.formats_tried) or "none"
                click.echo(f"problem: {name}: {problem.reason} (formats tried: {tried})", err=True)
            if as_json:
                for paper in digest.papers:
                    click.echo(json.dumps(paper.to_json(), ensure_ascii=False))
            else:
                console.print(_table(name, digest))
    if enricher is not None:
        enricher.close()
    if store is not None:
        store.close()
    raise SystemExit(EXIT_FAILURES if had_problems else EXIT_OK)
