"""`mailer check [--connect]`: is this config ready to deploy?"""

from __future__ import annotations

import os
from pathlib import Path

import click

from mailer.commands.common import (
    EXIT_CONFIG,
    EXIT_FAILURES,
    EXIT_OK,
    config_option,
    echo_json,
    json_option,
)


@click.command(name="check")
@config_option
@click.option(
    "--connect",
    is_flag=True,
    help="Also log in to each mailbox, SMTP server and Slack workspace, and open the "
    "state database (nothing is fetched, sent or posted).",
)
@json_option
def check(config_path: Path, connect: bool, as_json: bool) -> None:
    """Check a config end to end before a deploy, and report every problem at its
    file:line:column.

    Checks that the config is valid (keys, types, time zones), that its rules load and
    notify only destinations it defines, that every secret named by an `*_env` or
    `*_file` key can be read (values are never printed), and that folders and CA files
    exist. With --connect it also logs in to every mailbox, SMTP server and Slack
    workspace (Slack: auth.test) and opens the state database.

    \b
    Exit status: 0 when everything passed, 1 when a check failed, 2 when the config
    cannot be read at all.

    \b
    Examples:
      mailer check
      mailer check --connect --config /etc/paper-mailer/mailer.yaml
      mailer check --json | jq 'select(.ok | not)'
    """
    from mailer.config.check import check_config

    settings, findings = check_config(config_path, os.environ)
    if settings is not None and connect:
        from mailer.runtime.connect_check import connect_checks

        findings += connect_checks(settings)
    problems = [f for f in findings if not f.ok]
    status = EXIT_OK if not problems else (EXIT_CONFIG if settings is None else EXIT_FAILURES)
    if as_json:
        for finding in findings:
            echo_json(finding.to_json())
        raise SystemExit(status)
    for finding in findings:
        click.echo(str(finding))
    if problems:
        count = len(problems)
        click.echo(f"{count} problem{'s' if count > 1 else ''} in {config_path}", err=True)
    else:
        click.echo(f"{config_path}: ready" + ("" if connect else " (add --connect to log in)"))
    raise SystemExit(status)
