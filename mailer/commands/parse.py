"""`mailer parse PATH... [--json]`: show the papers the parser finds, without a config."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mailer.commands.common import EXIT_FAILURES, EXIT_OK, json_option
from mailer.models import ParsedDigest
from mailer.parse.inputs import UnreadableDocument, iter_documents, parse_document


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
    for paper in digest.papers:
        authors = ", ".join(paper.authors[:3]) if paper.authors else ""
        if paper.authors and len(paper.authors) > 3:
            authors += f" +{len(paper.authors) - 3}"
        table.add_row(
            escape(paper.id),
            escape(paper.title),
            escape(" ".join(str(s) for s in sorted(set(paper.sizes)))),
            "" if paper.upvotes is None else str(paper.upvotes),
            escape(authors),
        )
    return table


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@json_option
def parse(paths: tuple[Path, ...], as_json: bool) -> None:
    """Parse newsletter emails and show the papers found.

    With --json: one JSON object per paper per line. PATH is an .eml file, a directory of them, an mbox file, or a text page (any .txt file
    is read as a pasted Daily Papers page). Parse problems go to stderr; the exit status is
    1 when any document had one.

    \b
    Examples:
      mailer parse examples/inbox
      mailer parse digest.eml --json | jq .title
    """
    console = Console(highlight=False)
    had_problems = False

    def report_unreadable(error: UnreadableDocument) -> None:
        nonlocal had_problems
        had_problems = True
        click.echo(f"problem: {error.name}: {error.reason}", err=True)

    for path in paths:
        for name, raw in iter_documents(path, on_error=report_unreadable):
            digest = parse_document(name, raw)
            for problem in digest.problems:
                had_problems = True
                tried = ", ".join(problem.formats_tried) or "none"
                click.echo(f"problem: {name}: {problem.reason} (formats tried: {tried})", err=True)
            if as_json:
                for paper in digest.papers:
                    click.echo(json.dumps(paper.to_json(), ensure_ascii=False))
            else:
                console.print(_table(name, digest))
    raise SystemExit(EXIT_FAILURES if had_problems else EXIT_OK)
