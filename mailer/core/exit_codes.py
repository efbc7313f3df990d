"""Exit statuses of every `mailer` command, in one place (also shown by `mailer --help`
and in docs/configuration.md), so cron, systemd timers and CI can act on them."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILURES = 1
    USAGE = 2
    INTERRUPTED = 130


EXIT_TABLE: tuple[tuple[ExitCode, str], ...] = (
    (ExitCode.OK, "all good (emails that fail to parse are listed, not fatal)"),
    (ExitCode.FAILURES, "ran, but an alert failed or died, a source could not be read,"),
    (ExitCode.FAILURES, "a rule has an error (the others ran), or a check failed"),
    (ExitCode.USAGE, "nothing done: bad command line, config, rules folder or database"),
    (ExitCode.INTERRUPTED, "interrupted (Ctrl-C)"),
)


def exit_table_text() -> str:
    """The table for `--help` (click keeps a paragraph after \\b as written)."""
    lines = ["\b", "Exit status:"]
    previous = None
    for code, text in EXIT_TABLE:
        shown = "" if code == previous else str(int(code))
        lines.append(f"  {shown:<5}{text}")
        previous = code
    return "\n".join(lines)


def exit_code_for(error: BaseException) -> ExitCode:
    """The exit status of a command that stopped on `error`: the one place errors map
    to statuses. A product error carries its own (mailer.core.errors.MailerError); Ctrl-C is
    130; anything else is a failure (1)."""
    from mailer.core.errors import MailerError

    if isinstance(error, MailerError):
        return error.exit_code
    if isinstance(error, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    return ExitCode.FAILURES
