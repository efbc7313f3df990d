"""Email delivery against a real SMTP server on 127.0.0.1 (aiosmtpd, smtp_server.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from render_batches import hostile_batch, three_paper_batch

from mailer.config.settings import Settings, load_settings
from mailer.core.keys import DestinationRef
from mailer.notify import ChannelContext, DeliveryError
from mailer.notify.email import EmailChannel, batch_message_id

from .smtp_server import PASSWORD, USER, SmtpServer

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::UserWarning"),  # aiosmtpd: AUTH over implicit TLS
]

SENDER = "Paper alerts <papers@example.com>"
UNSUBSCRIBE = "https://papers.example.com/unsubscribe?u=alice"


def settings_for(
    tmp_path: Path,
    server: SmtpServer,
    *,
    security: str = "none",
    login: bool = False,
    ca: bool = True,
    password: str = PASSWORD,
) -> Settings:
    lines = [
        "smtp:",
        "  host: 127.0.0.1",
        f"  port: {server.port}",
        f"  security: {security}",
        f'  from: "{SENDER}"',
        f'  unsubscribe: "{UNSUBSCRIBE}"',
        "  timeout: 5",
    ]
    if login:
        lines += [f"  username: {USER}", "  password_env: SMTP_PASSWORD"]
    if ca and server.ca_file:
        lines.append(f"  ca_file: {server.ca_file}")
    lines += ["destinations:", "  alice-email: {kind: email, to: [alice@example.com]}"]
    path = tmp_path / "mailer.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_settings(path, {"SMTP_PASSWORD": password})


def email_channel(settings: Settings, name: str = "alice-email") -> EmailChannel:
    return EmailChannel(
        name,
        settings.destination(DestinationRef.parse(name)),
        ChannelContext.from_settings(settings),
    )


def test_smtp_down_then_up_the_email_arrives_once_with_both_parts_and_headers(
    tmp_path: Path, smtp_server_factory: Callable[..., SmtpServer]
) -> None:
    server = smtp_server_factory(start=False)
    settings = settings_for(tmp_path, server)
    batch = three_paper_batch("alice-email")
    for _ in range(2):  # the outbox retries a transient failure later
        with pytest.raises(DeliveryError) as caught:
            email_channel(settings).deliver(batch)
        assert not caught.value.permanent
    server.start()
    email_channel(settings).deliver(batch)

    [received] = server.received
    assert received.mail_from == "papers@example.com"
    assert received.rcpt_tos == ["alice@example.com"]
    message = received.message
    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None
    assert "1. TinyReasoner" in text.get_content()
    assert html is not None
    assert "<h2" in html.get_content()
    assert message["Subject"] == "Paper alerts · small-llms · 3 new (Tue 14 Oct)"
    assert message["From"] == SENDER
    assert message["To"] == "alice@example.com"
    assert message["Message-ID"] == batch_message_id(batch, SENDER)
    assert message["Message-ID"].endswith("@example.com>")
    assert message["Date"] is not None
    assert message["Date"].datetime is not None
    assert message["List-Unsubscribe"] == f"<{UNSUBSCRIBE}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_same_batch_keeps_the_same_message_id(tmp_path: Path, smtp_server: SmtpServer) -> None:
    settings = settings_for(tmp_path, smtp_server)
    batch = three_paper_batch("alice-email")
    email_channel(settings).deliver(batch)
    email_channel(settings).deliver(batch)
    ids = {r.message["Message-ID"] for r in smtp_server.received}
    assert len(ids) == 1


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_with_verified_certificate_and_login(
    tmp_path: Path, smtp_server_factory: Callable[..., SmtpServer], security: str
) -> None:
    server = smtp_server_factory(tls=security, auth=True)
    settings = settings_for(tmp_path, server, security=security, login=True)
    email_channel(settings).deliver(three_paper_batch("alice-email"))
    [received] = server.received
    assert received.authenticated_as == USER


def test_untrusted_certificate_is_refused_permanently(
    tmp_path: Path, smtp_server_factory: Callable[..., SmtpServer]
) -> None:
    server = smtp_server_factory(tls="starttls", auth=True)
    settings = settings_for(tmp_path, server, security="starttls", login=True, ca=False)
    with pytest.raises(DeliveryError) as caught:
        email_channel(settings).deliver(three_paper_batch("alice-email"))
    assert caught.value.permanent
    assert "certificate" in caught.value.reason
    assert server.received == []


def test_wrong_password_is_permanent_and_never_shown(
    tmp_path: Path, smtp_server_factory: Callable[..., SmtpServer]
) -> None:
    server = smtp_server_factory(tls="starttls", auth=True)
    wrong = "wrong-password-value-123"
    settings = settings_for(tmp_path, server, security="starttls", login=True, password=wrong)
    with pytest.raises(DeliveryError) as caught:
        email_channel(settings).deliver(three_paper_batch("alice-email"))
    assert caught.value.permanent
    assert "535" in caught.value.reason
    assert wrong not in str(caught.value)
    assert PASSWORD not in str(caught.value)


@pytest.mark.parametrize(
    ("reply", "permanent"),
    [("550 5.1.1 no such user", True), ("450 4.2.1 mailbox busy", False)],
)
def test_refused_recipient_permanent_or_not_by_reply_code(
    tmp_path: Path, smtp_server: SmtpServer, reply: str, permanent: bool
) -> None:
    smtp_server.fail_rcpt["alice@example.com"] = reply
    with pytest.raises(DeliveryError) as caught:
        email_channel(settings_for(tmp_path, smtp_server)).deliver(three_paper_batch("alice-email"))
    assert caught.value.permanent is permanent
    assert reply.split()[0] in caught.value.reason


def test_temporary_rejection_of_the_message_is_retried_then_arrives_once(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    smtp_server.fail_data.append("451 4.3.0 try again later")
    settings = settings_for(tmp_path, smtp_server)
    with pytest.raises(DeliveryError) as caught:
        email_channel(settings).deliver(three_paper_batch("alice-email"))
    assert not caught.value.permanent
    email_channel(settings).deliver(three_paper_batch("alice-email"))
    assert len(smtp_server.received) == 1


def test_notice_goes_out_as_an_email(tmp_path: Path, smtp_server: SmtpServer) -> None:
    email_channel(settings_for(tmp_path, smtp_server)).send_notice(
        "Newsletter silent\r\nBcc: x@evil.example", "No digest from HF since Monday."
    )
    [received] = smtp_server.received
    assert received.message["Bcc"] is None
    assert received.message["Subject"].startswith("Newsletter silent")
    assert "List-Unsubscribe" not in received.message


def test_hostile_paper_text_cannot_add_headers(tmp_path: Path, smtp_server: SmtpServer) -> None:
    email_channel(settings_for(tmp_path, smtp_server)).deliver(hostile_batch())
    [received] = smtp_server.received
    message = received.message
    assert message["Bcc"] is None
    assert message["X"] is None
    assert received.rcpt_tos == ["alice@example.com"]
    assert "\n" not in message["Subject"]
    assert "\r" not in message["Subject"]
    html = message.get_body(("html",))
    assert html is not None
    assert "<script>" not in html.get_content()
