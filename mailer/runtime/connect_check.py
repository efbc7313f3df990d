"""`mailer check --connect`: log in to every mailbox, SMTP server and Slack workspace
the config names, and open the state database. Each login is closed at once; nothing
is fetched, sent or posted (Slack: `auth.test`), and no secret is ever printed."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator

from mailer.config.check import Finding
from mailer.config.settings import EmailDestination, Settings, SlackDestination
from mailer.notify import ChannelContext, DeliveryError


def _sources(settings: Settings) -> Iterator[Finding]:
    """Each source that has something to log in to (IMAP), by its own check."""
    from mailer.sources import SourceError
    from mailer.sources.registry import open_source

    for config in settings.sources:
        what = f"source {config.name}"
        try:
            source = open_source(config, settings)
            try:
                found = source.check_connection()
            finally:
                source.close()
        except SourceError as e:
            yield Finding(what, False, e.detail)
            continue
        except Exception as e:  # noqa: BLE001 bulkhead: a missing secret, an odd server: say it, go on
            yield Finding(what, False, f"{type(e).__name__}: {e}")
            continue
        if found is not None:
            yield Finding(what, True, found)


def _smtp(settings: Settings) -> Iterator[Finding]:
    if settings.smtp is None:
        return
    from mailer.notify.email import EmailChannel, classify

    account = settings.smtp
    probe = EmailDestination(kind="email", to=["check@example.invalid"])
    channel = EmailChannel("smtp", probe, ChannelContext.from_settings(settings))
    where = f"{account.host}:{account.effective_port}"
    try:
        smtp = channel._connect(account)
    except DeliveryError as e:
        yield Finding("smtp", False, f"{where}: {e.reason}")
        return
    except (OSError, smtplib.SMTPException) as e:
        yield Finding("smtp", False, f"{where}: {classify(e).reason}")
        return
    try:
        smtp.noop()
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    login = "logged in" if account.username else "connected (no username: no login)"
    yield Finding("smtp", True, f"{login} to {where}")


def _slack(settings: Settings) -> Iterator[Finding]:
    from mailer.notify.slack import SlackChannel

    seen: set[tuple[str | None, str | None]] = set()
    for name, destination in settings.destinations.items():
        if not isinstance(destination, SlackDestination) or destination.webhook_url_env:
            continue  # a webhook cannot be tested without posting
        account = settings.slack
        key = (
            destination.token_env or (account.token_env if account else None),
            destination.api_url,
        )
        if key in seen:
            continue
        seen.add(key)
        channel = SlackChannel(name, destination, ChannelContext.from_settings(settings))
        try:
            sender = channel.sender
            client = sender.client  # type: ignore[attr-defined]
            reply = client.auth_test()
        except DeliveryError as e:
            yield Finding(f"destination {name}", False, e.reason)
            continue
        except Exception as e:  # noqa: BLE001 bulkhead: any failure of auth.test is a finding to report
            error = getattr(getattr(e, "response", None), "data", {}) or {}
            reason = error.get("error") if isinstance(error, dict) else None
            yield Finding(f"destination {name}", False, f"Slack auth.test failed: {reason or e}")
            continue
        team = reply.get("team") or "?"
        user = reply.get("user") or "?"
        yield Finding(
            f"destination {name}", True, f"Slack token works (workspace {team}, bot {user})"
        )


def _database(settings: Settings) -> Iterator[Finding]:
    from sqlalchemy.exc import SQLAlchemyError

    from mailer.store import Store, StoreError, describe_error

    try:
        store = Store.open(settings.state, migrate=False)
    except StoreError as e:
        yield Finding("state", False, str(e))
        return
    try:
        with store.engine.connect():
            pass
    except SQLAlchemyError as e:
        yield Finding("state", False, f"cannot open the state database: {describe_error(e)}")
        return
    finally:
        store.close()
    yield Finding("state", True, "the state database opens")


def connect_checks(settings: Settings) -> list[Finding]:
    findings: list[Finding] = []
    for probe in (_database, _sources, _smtp, _slack):
        findings.extend(probe(settings))
    return findings
