"""The `mailer` command: a thin click group. Each subcommand lives in mailer/commands/.

Subcommands are imported only when used, so `mailer parse` does not pay for the
scheduler or the database drivers. Adding a command is one line in COMMANDS.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from mailer import __version__
from mailer.lazy import import_target

COMMANDS: dict[str, str] = {
    "parse": "mailer.commands.parse:parse",
    "rules": "mailer.commands.rules:rules",
    "run": "mailer.commands.run:run",
    "replay": "mailer.commands.run:replay",
    "status": "mailer.commands.status:status",
    "outbox": "mailer.commands.outbox:outbox",
    "db": "mailer.commands.db:db",
    "notify": "mailer.commands.notify:notify",
    "watch": "mailer.commands.watch:watch",
    "serve": "mailer.commands.serve:serve",
    "web": "mailer.commands.web:web",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        command: click.Command | None = import_target(target)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mailer")
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="More logging; -vv shows tracebacks. Goes before the subcommand: mailer -v run --once.",
)
@click.option(
    "--log-format",
    type=click.Choice(["auto", "text", "json"]),
    default="auto",
    show_default=True,
    help="Log lines as text or JSON (auto: text on a terminal, JSON otherwise).",
)
@click.pass_context
def cli(ctx: click.Context, verbose: int, log_format: str) -> None:
    """paper-mailer: trending-papers newsletters in, targeted alerts out.

    \b
    Quick start (the shipped config reads the sample digests in examples/inbox):
      mailer run --once          fetch, parse, match, deliver; print a summary
      mailer parse examples/inbox --json
      mailer rules test examples/inbox
    """
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose
    ctx.obj["log_format"] = log_format
    from mailer.logs import setup_logging

    setup_logging(verbose=verbose, log_format=log_format)


def main(argv: list[str] | None = None) -> Any:
    """Entry point. Ctrl-C exits 130 (as shells expect), not click's 1 with "Aborted!"."""
    try:
        result = cli.main(args=argv, prog_name="mailer", standalone_mode=False)
    except (KeyboardInterrupt, click.exceptions.Abort):
        logging.getLogger("mailer").info("interrupted")
        sys.exit(130)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    sys.exit(result if isinstance(result, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
