"""`mailer notify test DESTINATION`: send a sample alert to check credentials and looks."""

from __future__ import annotations

import contextlib
import sys
from contextlib import nullcontext
from pathlib import Path

import click

from mailer.commands.common import (
    EXIT_CONFIG,
    EXIT_FAILURES,
    config_option,
    echo_json,
    json_option,
    load_settings_or_exit,
)
from mailer.core.clock import utc_now
from mailer.core.keys import DestinationRef
from mailer.notify import DeliveryError
from mailer.notify.registry import UnknownChannel, create_channel, inline_targets, safe_name
from mailer.notify.sample import sample_batch


@click.group(name="notify")
def notify() -> None:
    """Check that a destination works.

    \b
    Example:
      mailer notify test console
    """


@notify.command(name="test")
@click.argument("destination")
@config_option
@json_option
def notify_test(destination: str, config_path: Path, as_json: bool) -> None:
    """Send a sample alert (three fixed papers) to DESTINATION.

    DESTINATION is a name from `destinations:` in the config, or an inline target
    as rules write them: slack:#channel, slack_user:U0123ABCD, email:you@example.com,
    apprise:URL. Nothing is recorded in the store; a secret URL is never printed.

    \b
    Examples:
      mailer notify test team-slack
      mailer notify test email:alice@example.com --config config/examples/imap-slack-smtp.yaml
    """
    settings = load_settings_or_exit(config_path)
    shown = safe_name(destination)  # an apprise URL holds a token: never printed
    try:
        target = settings.destination(DestinationRef.parse(destination))
    except KeyError:
        known = ", ".join(sorted(settings.destinations)) or "none"
        kinds = ", ".join(f"{key}:..." for key in inline_targets())
        click.echo(
            f"error: {shown!r} is not a destination in the config (defined: {known}) "
            f"nor an inline target ({kinds})",
            err=True,
        )
        raise SystemExit(EXIT_CONFIG) from None
    destination, raw = shown, destination
    try:
        channel = create_channel(raw, target, settings)
        batch = sample_batch(destination, utc_now())
        # with --json, a console destination prints to stderr: stdout is the one object
        with contextlib.redirect_stdout(sys.stderr) if as_json else nullcontext():
            channel.deliver(batch)
    except UnknownChannel as e:
        click.echo(f"error: {e}", err=True)
        raise SystemExit(EXIT_CONFIG) from e
    except DeliveryError as e:
        advice = "fix the config or credentials" if e.permanent else "a retry later may work"
        if as_json:
            echo_json(_result(destination, target.kind, 0, f"{e.reason} ({advice})", e.permanent))
        click.echo(f"error: could not deliver to {destination}: {e.reason} ({advice})", err=True)
        raise SystemExit(EXIT_FAILURES) from e
    if as_json:
        echo_json(_result(destination, target.kind, len(batch.items), None, False))
        return
    click.echo(f"sent a sample alert ({len(batch.items)} papers) to {destination} ({target.kind})")


def _result(
    destination: str, kind: str, papers: int, error: str | None, permanent: bool
) -> dict[str, object]:
    return {
        "destination": destination,
        "kind": kind,
        "sent": error is None,
        "papers": papers,
        "error": error,
        "permanent": permanent,
    }
