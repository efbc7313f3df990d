"""The one root of every error the product raises (issue 10 part 6).

A `MailerError` says what went wrong (its message, one line or several), what to do
about it (`hint`) and which exit status a command ends with when it stops on it
(`exit_code`, see mailer.core.exit_codes). Each subclass sets the two as class defaults and
keeps its own constructor; a raise site may override either by keyword. Only the CLI
turns one into an exit status and text (`mailer.cli`, with `-v` the traceback too).
Pure: no I/O, importable from the core.
"""

from __future__ import annotations

from mailer.core.exit_codes import ExitCode


class MailerError(Exception):
    """Root of the product's exceptions: `str(e)` what went wrong, `hint` what to do,
    `exit_code` how a command that stops on it exits."""

    hint: str | None = None
    exit_code: ExitCode = ExitCode.FAILURES

    def __init__(
        self, *args: object, hint: str | None = None, exit_code: ExitCode | None = None
    ) -> None:
        super().__init__(*args)
        if hint is not None:
            self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code

    def problem_lines(self) -> list[str]:
        """What went wrong, one entry per problem (the CLI prints each as `error: ...`)."""
        return [str(self) or type(self).__name__]

    def messages(self) -> list[str]:
        """Every line the CLI shows for this error: its problems, then the hint."""
        return [*self.problem_lines(), *([self.hint] if self.hint else [])]


class UsageError(MailerError):
    """Nothing was done: the config, rules or state cannot be used as given."""

    exit_code = ExitCode.USAGE
