"""Email delivery over SMTP with the standard library: one message per batch.

The message is multipart/alternative (plain text first, then HTML) with a Message-ID
derived from (rule, destination, batch key), so a retry after an unclear failure
produces the same Message-ID and mail clients show it once. A feed whose HTML would be
above MAX_HTML_BYTES (Gmail clips at about 102 KB) goes as a thread of parts, "part 1
of 3" in the subject, every paper in exactly one part (`build_batch_messages`, which
the file destination uses too, so its .eml files are what SMTP sends). Every header value is a
plain `str` cleaned of CR/LF and control characters (`header_value`), and the policy
refuses to write a header that still contains a line break.

TLS: `security: ssl` (implicit TLS, port 465) or `starttls` (port 587), both with
`ssl.create_default_context(cafile=ca_file)`, so certificates and host names are
verified; `none` is for a local relay. AUTH when `username` is set.

Failures: connection refused, timeouts, a dropped connection and 4xx replies are
transient (the outbox retries later); 5xx replies (login refused, every recipient
refused, message rejected), an untrusted certificate and a missing feature such as
STARTTLS are permanent. The password never appears in errors or logs.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator, model_validator

from mailer.config.base import ConfigModel, DestinationModel, EnvName, is_loopback
from mailer.core.clock import utc_now
from mailer.core.models import AlertBatch
from mailer.notify import ChannelContext, ChannelSpec, DeliveryError, InlineTarget
from mailer.notify.mime_policy import SMTP_POLICY, AlertMessage
from mailer.notify.sanitize import cut_at_word, header_value

if TYPE_CHECKING:  # smtplib and ssl load when a message is sent, not with the config
    import smtplib

    from mailer.notify.render_email import RenderedEmail
    from mailer.notify.slack import DeliveryProgress

Security = Literal["ssl", "starttls", "none"]


class SmtpAccount(ConfigModel):
    """The `smtp:` account every email destination and inline target sends through."""

    host: str
    port: int | None = None  # default: 465 for ssl, 587 for starttls, 25 for none
    security: Security = "starttls"
    ca_file: Path | None = None
    username: str | None = None
    password_env: EnvName | None = None
    password_file: Path | None = None
    from_: str = Field(alias="from")
    timeout: float = 30.0
    unsubscribe: str | None = None  # mailto: or https: URL for List-Unsubscribe

    @property
    def effective_port(self) -> int:
        return self.port or {"ssl": 465, "starttls": 587, "none": 25}[self.security]

    @model_validator(mode="after")
    def _check_security(self) -> SmtpAccount:
        if self.security == "none" and self.username and not is_loopback(self.host):
            raise ValueError("security: none with a username would send the password in clear")
        return self


class EmailDestination(DestinationModel):
    kind: Literal["email"]
    to: list[str]

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for address in value:
            if "@" not in address or any(c in address for c in "\r\n"):
                raise ValueError(f"{address!r} is not an email address")
        return value


CHANNEL = ChannelSpec(
    kind="email",
    model=EmailDestination,
    channel="mailer.notify.email:EmailChannel",
    keys="`to: [addresses]`",
    summary="sends one HTML + text email per message through `smtp:`",
    inline=(
        InlineTarget(
            key="email",
            schema={"type": "string", "pattern": "^[^@\\s]+@[^@\\s]+$"},
            build=lambda value: EmailDestination(kind="email", to=[value]),
            example="alice@example.com",
            description="one email address",
            account="smtp",
        ),
    ),
)

log = logging.getLogger(__name__)

_DOMAIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")
FALLBACK_DOMAIN = "paper-mailer.invalid"


def sender_domain(sender: str) -> str:
    """The domain of the From address, for Message-IDs; a fixed one when it is odd."""
    domain = parseaddr(sender)[1].rpartition("@")[2]
    return domain if _DOMAIN.match(domain) else FALLBACK_DOMAIN


def batch_message_id(batch: AlertBatch, sender: str, part: int = 1) -> str:
    """The same `<...@domain>` every time the same batch (part) goes to the same destination."""
    key = "\x1f".join((batch.rule, batch.destination, batch.batch_key.to_str()))
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    suffix = "" if part == 1 else f".part{part}"
    return f"<{digest}{suffix}.alerts@{sender_domain(sender)}>"


def build_batch_messages(
    batch: AlertBatch,
    *,
    sender: str,
    to: list[str],
    date: datetime,
    unsubscribe: str | None = None,
) -> list[EmailMessage]:
    """Every message for a batch, as SMTP sends them and the file destination writes
    them: one, or a thread of parts ("part 2 of 3") each under MAX_HTML_BYTES of HTML,
    the later ones answering the first (In-Reply-To, References)."""
    from mailer.notify.render import render_email_parts

    messages = []
    ids: list[str] = []
    for number, rendered in enumerate(render_email_parts(batch, unsubscribe=unsubscribe), 1):
        message_id = batch_message_id(batch, sender, number)
        message = build_message(
            rendered,
            sender=sender,
            to=to,
            message_id=message_id,
            date=date,
            unsubscribe=unsubscribe,
        )
        if ids:
            message["In-Reply-To"] = ids[0]
            message["References"] = " ".join(ids)
        ids.append(message_id)
        messages.append(message)
    return messages


def build_message(
    rendered: RenderedEmail,
    *,
    sender: str,
    to: list[str],
    message_id: str,
    date: datetime,
    unsubscribe: str | None = None,
) -> EmailMessage:
    """The multipart/alternative message; pure, so its headers are easy to test."""
    message = AlertMessage(policy=SMTP_POLICY)
    message["From"] = header_value(sender)
    message["To"] = ", ".join(header_value(address) for address in to)
    message["Subject"] = header_value(rendered.subject)
    message["Date"] = format_datetime(date.astimezone(UTC))
    message["Message-ID"] = header_value(message_id)
    message["Auto-Submitted"] = "auto-generated"  # no vacation replies to the digest
    if unsubscribe:
        clean = header_value(unsubscribe).replace("<", "").replace(">", "")
        message["List-Unsubscribe"] = f"<{clean}>"
        if clean.startswith("https://"):  # RFC 8058 one-click needs an https URI
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(rendered.text, subtype="plain", charset="utf-8")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8")
    return message


def _reply_text(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return cut_at_word(header_value(f"{code} {text}"), 200)


def classify(error: Exception) -> DeliveryError:
    """What an SMTP failure means for the outbox (4xx and network: retry; 5xx: dead)."""
    import smtplib
    import socket
    import ssl

    if isinstance(error, smtplib.SMTPRecipientsRefused):
        replies = error.recipients.values()
        permanent = all(code >= 500 for code, _ in replies)
        detail = "; ".join(_reply_text(code, text) for code, text in replies)
        return DeliveryError(f"SMTP refused the recipients: {detail}", permanent=permanent)
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return DeliveryError(f"SMTP server lacks a feature: {error}", permanent=True)
    if isinstance(error, smtplib.SMTPResponseException):
        what = "login refused" if isinstance(error, smtplib.SMTPAuthenticationError) else "error"
        reason = f"SMTP {what}: {_reply_text(error.smtp_code, error.smtp_error)}"
        return DeliveryError(reason, permanent=error.smtp_code >= 500)
    if isinstance(error, ssl.SSLCertVerificationError):
        return DeliveryError(
            f"SMTP TLS certificate not trusted: {error.verify_message}", permanent=True
        )
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return DeliveryError("SMTP server closed the connection")
    if isinstance(error, TimeoutError | socket.timeout):
        return DeliveryError("SMTP server timed out")
    if isinstance(error, OSError | smtplib.SMTPException):
        return DeliveryError(f"cannot reach the SMTP server: {cut_at_word(str(error), 200)}")
    raise error


class EmailChannel:
    """Delivers batches to one email destination through the `smtp:` account."""

    def __init__(
        self,
        name: str,
        destination: DestinationModel,
        context: ChannelContext,
        *,
        now: Callable[[], datetime] = utc_now,
        progress: DeliveryProgress | None = None,
    ) -> None:
        if not isinstance(destination, EmailDestination):
            raise TypeError(f"EmailChannel needs an email destination, not {destination.kind}")
        self.name = name
        self.destination = destination
        self.context = context
        self.now = now
        self.progress = progress  # parts of a split feed already sent (None: resend all)

    @property
    def account(self) -> SmtpAccount:
        if self.context.smtp is None:
            raise DeliveryError(
                f"destination {self.name}: no smtp: account in the config", permanent=True
            )
        return self.context.smtp

    def deliver(self, batch: AlertBatch) -> None:
        """Send the batch's message, or its parts in order over one connection. A retry
        after a failure part-way sends only the parts that did not go out (with
        `progress`, which the outbox passes), else all of them with the same Message-IDs."""
        account = self.account
        messages = build_batch_messages(
            batch,
            sender=account.from_,
            to=self.destination.to,
            date=self.now(),
            unsubscribe=account.unsubscribe,
        )
        if len(messages) == 1 or self.progress is None:
            self._send(*messages)
            return
        progress = self.progress
        key = "\x1f".join(
            ("email", self.name, batch.rule, batch.destination, batch.batch_key.to_str())
        )
        state = progress.load(key) or {}
        start = int(state.get("sent", 0)) if state.get("parts") == len(messages) else 0
        if start:
            log.info("email %s: resuming %s at part %d", self.name, batch.batch_key, start + 1)

        def part_sent(index: int) -> None:
            if start + index + 1 < len(messages):
                progress.save(key, {"sent": start + index + 1, "parts": len(messages)})

        self._send(*messages[start:], on_sent=part_sent)
        progress.clear(key)

    def send_notice(self, subject: str, text: str) -> None:
        from mailer.notify.render import render_notice_email

        account = self.account
        message = build_message(
            render_notice_email(subject, text),
            sender=account.from_,
            to=self.destination.to,
            message_id=make_msgid("notice", domain=sender_domain(account.from_)),
            date=self.now(),
        )
        self._send(message)

    def _password(self, account: SmtpAccount) -> str | None:
        return self.context.secrets(
            env=account.password_env,
            file=account.password_file,
            what="smtp: password",
        )

    def _connect(self, account: SmtpAccount) -> smtplib.SMTP:
        import smtplib
        import socket
        import ssl

        context = ssl.create_default_context(
            cafile=str(account.ca_file) if account.ca_file else None
        )
        host, port, timeout = account.host, account.effective_port, account.timeout
        local = socket.gethostname()  # not getfqdn(): no DNS lookup before EHLO
        smtp: smtplib.SMTP
        if account.security == "ssl":
            smtp = smtplib.SMTP_SSL(host, port, local, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(host, port, local, timeout=timeout)
        try:
            if account.security == "starttls":
                smtp.starttls(context=context)
            if account.username:
                password = self._password(account)
                if password is None:
                    raise DeliveryError(
                        "smtp: username is set but neither password_env nor password_file",
                        permanent=True,
                    )
                smtp.login(account.username, password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _send(self, *messages: EmailMessage, on_sent: Callable[[int], None] | None = None) -> None:
        import smtplib

        account = self.account
        sender = parseaddr(account.from_)[1] or account.from_
        refused: dict[str, tuple[int, bytes]] = {}
        try:
            smtp = self._connect(account)
            try:
                for index, message in enumerate(messages):
                    refused |= smtp.send_message(
                        message, from_addr=sender, to_addrs=self.destination.to
                    )
                    if on_sent is not None:
                        on_sent(index)
            finally:
                try:
                    smtp.quit()
                except (OSError, smtplib.SMTPException):
                    smtp.close()  # the message was accepted already; a lost QUIT is fine
        except DeliveryError:
            raise
        except (OSError, smtplib.SMTPException) as e:
            raise classify(e) from e
        if refused:  # some recipients got it: retrying would send them a second copy
            log.warning(
                "email %s: delivered, but refused for %s",
                self.name,
                ", ".join(f"{a} ({_reply_text(c, t)})" for a, (c, t) in refused.items()),
            )
