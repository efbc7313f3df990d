"""`mailer db upgrade`: bring the state database to the current schema."""

from __future__ import annotations

from pathlib import Path

import click

from mailer.commands.common import (
    config_option,
    echo_json,
    json_option,
    load_settings_or_exit,
)
from mailer.store import Store
from mailer.store.migrations import LATEST


@click.group(name="db")
def db() -> None:
    """The state database (`state:` in the config).

    \b
    Example:
      mailer db upgrade
    """


@db.command(name="upgrade")
@config_option
@json_option
def upgrade(config_path: Path, as_json: bool) -> None:
    """Run pending schema migrations (also done on every start).

    \b
    Example:
      mailer db upgrade --config config/mailer.yaml
    """
    settings = load_settings_or_exit(config_path)
    store = Store.open(settings.state, migrate=False)  # a StoreError exits 2 (mailer.cli)
    try:
        applied = store.upgrade()
    finally:
        store.close()
    if as_json:
        echo_json({"applied": applied, "version": LATEST})
        return
    click.echo(
        f"applied {applied} migration(s); schema is at version {LATEST}"
        if applied
        else f"schema is up to date (version {LATEST})"
    )
