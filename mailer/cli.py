"""The `mailer` command: a thin click group. Each subcommand lives in mailer/commands/.

Subcommands are imported only when used, so `mailer parse` does not pay for the
scheduler or the database drivers, and `mailer --help` and completion import none (their
list comes from COMMANDS' sentences). Adding a command is one entry in COMMANDS.

Global flags (`-v`, `--log-format`, `--config`, `--json`) work before or after the
subcommand: the group takes them before it, and every command it loads gets `-v` and
`--log-format` added (its own `--config`/`--json` fall back to the group's).
"""

from __future__ import annotations

import difflib
import logging
import sys
from typing import TYPE_CHECKING, Any

import click

from mailer import __version__
from mailer.core.errors import MailerError
from mailer.core.exit_codes import exit_code_for, exit_table_text
from mailer.lazy import import_target

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

# name: ("module:attribute", the first sentence of its help). The sentence is what
# `mailer --help` and shell completion show, so listing the commands imports none of
# them (tests/test_cli_start.py checks it matches each command's own help).
COMMANDS: dict[str, tuple[str, str]] = {
    "parse": ("mailer.commands.parse:parse", "Parse newsletter emails and show the papers found."),
    "rules": (
        "mailer.commands.rules:rules",
        "Check rule files, try them on digests, print their JSON Schema.",
    ),
    "run": (
        "mailer.commands.run:run",
        "Fetch new newsletters, parse, match the rules, enqueue and deliver alerts, once.",
    ),
    "replay": (
        "mailer.commands.run:replay",
        "Process a stored message again by its Message-ID (e.g. after changing rules, or a"
        " quarantined message with a larger parse budget).",
    ),
    "status": (
        "mailer.commands.status:status",
        "Show what was processed and delivered: per source, today, per rule, the outbox, and"
        " recent failures with their reasons.",
    ),
    "outbox": (
        "mailer.commands.outbox:outbox",
        "Show alerts that are pending, retrying or dead: grouped by rule, destination, state"
        " and reason, with counts, when they were enqueued and when they are due.",
    ),
    "db": ("mailer.commands.db:db", "The state database (`state:` in the config)."),
    "notify": ("mailer.commands.notify:notify", "Check that a destination works."),
    "watch": (
        "mailer.commands.watch:watch",
        "Watch every source and deliver alerts as soon as a digest arrives.",
    ),
    "serve": (
        "mailer.commands.serve:serve",
        "Run the service: watch the sources, deliver alerts and daily feeds, until stopped.",
    ),
    "check": (
        "mailer.commands.check:check",
        "Check a config end to end before a deploy, and report every problem at its"
        " file:line:column.",
    ),
    "web": (
        "mailer.commands.web:web",
        "Serve the web pages: edit rules with a live preview, search stored papers, see the"
        " outbox and status (retry buttons).",
    ),
}
LOG_FORMATS = ["auto", "text", "json"]


def _setup_logging(ctx: click.Context) -> None:
    from mailer.runtime.logs import setup_logging

    obj = ctx.find_root().obj
    setup_logging(verbose=obj["verbose"], log_format=obj["log_format"])


def _more_verbose(ctx: click.Context, _param: click.Parameter, value: int) -> None:
    if value:
        ctx.find_root().obj["verbose"] += value
        _setup_logging(ctx)


def _log_format(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.find_root().obj["log_format"] = value
        _setup_logging(ctx)


def add_global_options(command: click.Command) -> click.Command:
    """Give a loaded command (and each command of a group) `-v` and `--log-format`."""
    if getattr(command, "_mailer_globals", False):
        return command
    names = {opt for param in command.params for opt in getattr(param, "opts", [])}
    if "-v" not in names:
        command.params.append(
            click.Option(
                ["-v", "--verbose"],
                count=True,
                expose_value=False,
                callback=_more_verbose,
                help="More logging and the traceback of an error that stops the command;"
                " -vv of logged errors too.",
            )
        )
    if "--log-format" not in names:
        command.params.append(
            click.Option(
                ["--log-format"],
                type=click.Choice(LOG_FORMATS),
                expose_value=False,
                callback=_log_format,
                help="Log lines as text or JSON (auto: text on a terminal, JSON otherwise).",
            )
        )
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_global_options(sub)
    command._mailer_globals = True  # type: ignore[attr-defined]
    return command


def short_help(name: str, limit: int = 45) -> str:
    """A command's line in `mailer --help` and in completion, without importing it:
    click's own shortening of the sentence in COMMANDS."""
    return click.Command(name, help=COMMANDS[name][1]).get_short_help_str(limit)


def root_verbosity(ctx: click.Context) -> int:
    obj = ctx.find_root().obj
    return int(obj.get("verbose", 0)) if isinstance(obj, dict) else 0


def root_wants_json(ctx: click.Context) -> bool:
    """`--json` before or after the subcommand (`mailer.commands.common.json_option`)."""
    obj = ctx.find_root().obj
    return bool(obj.get("json")) if isinstance(obj, dict) else False


def driver_failure(error: Exception) -> MailerError | None:
    """A database driver's error that no command handled, as the product error it means
    (the state database failed; exit 1). Looked up in sys.modules: when SQLAlchemy was
    never imported, the error cannot be one of its own."""
    exc = sys.modules.get("sqlalchemy.exc")
    if exc is None or not isinstance(error, exc.DBAPIError):
        return None
    from mailer.store.db import DatabaseFailure

    return DatabaseFailure.wrapping(error)


def report_error(error: MailerError, verbose: int = 0, *, as_json: bool = False) -> None:
    """`error: ...` lines on standard error: each problem, then the hint; with -v the
    traceback first (the message stays the last thing shown). With `--json`, standard
    output gets the error as one object too: `{"ok": false, "error", "errors",
    "exit_status"}` (the keys `run --json` uses)."""
    if verbose:
        import traceback

        click.echo("".join(traceback.format_exception(error)).rstrip(), err=True)
    messages = list(error.messages())
    for line in messages:
        click.echo(f"error: {line}", err=True)
    if as_json:
        import json

        record = {
            "ok": False,
            "error": messages[0] if messages else str(error),
            "errors": messages,
            "exit_status": exit_code_for(error),
        }
        click.echo(json.dumps(record, ensure_ascii=False))


class LazyGroup(click.Group):
    """Imports a subcommand only when it runs (or its own --help is asked for)."""

    def list_commands(self, ctx: click.Context) -> list[str]:  # noqa: ARG002 click's signature
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:  # noqa: ARG002 click's
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        command: click.Command | None = import_target(entry[0])
        return add_global_options(command) if command is not None else None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # click's layout (limit and all) from the registry's sentences: loads no command
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        with formatter.section("Commands"):
            formatter.write_dl([(name, short_help(name, limit)) for name in names])

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        from click.shell_completion import CompletionItem

        results = [
            CompletionItem(name, help=short_help(name))
            for name in self.list_commands(ctx)
            if name.startswith(incomplete)
        ]
        results.extend(click.Command.shell_complete(self, ctx, incomplete))
        return results

    def invoke(self, ctx: click.Context) -> Any:
        # the one place a product error becomes text and an exit status
        try:
            return super().invoke(ctx)
        except MailerError as e:
            report_error(e, verbose=root_verbosity(ctx), as_json=root_wants_json(ctx))
            raise SystemExit(exit_code_for(e)) from e
        except Exception as e:
            failure = driver_failure(e)
            if failure is None:
                raise  # a bug: Python's traceback, exit 1
            report_error(failure, verbose=root_verbosity(ctx), as_json=root_wants_json(ctx))
            raise SystemExit(exit_code_for(failure)) from e

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name and not name.startswith("-") and name not in COMMANDS:
            close = difflib.get_close_matches(name, list(COMMANDS), n=1, cutoff=0.5)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            ctx.fail(f"No such command {name!r}.{hint} (see `mailer --help`)")
        return super().resolve_command(ctx, args)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=exit_table_text(),
)
@click.version_option(__version__, prog_name="mailer")
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="More logging, and the traceback of an error that stops the command; -vv shows"
    " tracebacks of logged errors too. Before or after the subcommand.",
)
@click.option(
    "--log-format",
    type=click.Choice(LOG_FORMATS),
    default="auto",
    show_default=True,
    help="Log lines as text or JSON (auto: text on a terminal, JSON otherwise).",
)
@click.option(
    "--config",
    "config_path",
    default=None,
    metavar="PATH",
    help="The YAML config file for every command (default config/mailer.yaml).",
)
@click.option("--json", "as_json", is_flag=True, help="JSON output, for every command.")
@click.pass_context
def cli(
    ctx: click.Context, verbose: int, log_format: str, config_path: str | None, as_json: bool
) -> None:
    """paper-mailer: trending-papers newsletters in, targeted alerts out.

    \b
    Quick start (the shipped config reads the sample digests in examples/inbox):
      mailer run                 fetch, parse, match, deliver once; print a summary
      mailer parse examples/inbox --json
      mailer rules test examples/inbox
      mailer check               config, rules, destinations, secrets (--connect)

    \b
    Shell completion (bash; zsh and fish likewise):
      eval "$(_MAILER_COMPLETE=bash_source mailer)"
    """
    from pathlib import Path

    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose
    ctx.obj["log_format"] = log_format
    ctx.obj["config"] = Path(config_path) if config_path else None
    ctx.obj["json"] = as_json
    _setup_logging(ctx)


def main(argv: list[str] | None = None) -> Any:
    """Entry point. Ctrl-C exits 130 (as shells expect), not click's 1 with "Aborted!"."""
    try:
        result = cli.main(args=argv, prog_name="mailer", standalone_mode=False)
    except (KeyboardInterrupt, click.exceptions.Abort):
        logging.getLogger(__name__).info("interrupted")
        sys.exit(exit_code_for(KeyboardInterrupt()))
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except SystemExit as e:
        # click exits 1 when the reader closes the pipe (`mailer parse ... --json | head`),
        # after wrapping stdout to ignore the broken pipe; the reader had what it wanted
        if e.code == 1 and type(sys.stdout).__name__.endswith("PacifyFlushWrapper"):
            sys.exit(0)
        raise
    sys.exit(result if isinstance(result, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
