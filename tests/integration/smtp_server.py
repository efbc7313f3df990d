"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd), storing what it receives.

`SmtpServer(directory, tls=None|"starttls"|"ssl", auth=False)` picks a free port at
construction, so a test can write the config first and `start()` the server late
(or `stop()` it) to simulate downtime. With TLS it uses a certificate from a trustme
CA whose PEM is at `ca_file` (clients verify against it; verification stays on).
With `auth=True` it requires AUTH PLAIN/LOGIN as USER / PASSWORD.

Scripting: `fail_rcpt[address] = "550 5.1.1 no such user"`,
`fail_data.append("451 4.3.0 try later")` (consumed one per message).
"""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER = "mailer@example.com"
PASSWORD = "s3cret-smtp-password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    authenticated_as: str | None

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(  # noqa: N802 aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        refusal = self.server.fail_rcpt.get(address)
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 aiosmtpd
        if self.server.fail_data:
            return self.server.fail_data.pop(0)
        login = (
            session.auth_data.login.decode()
            if isinstance(session.auth_data, LoginPassword)
            else None
        )
        self.server.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content), login)
        )
        return "250 OK queued"


def _authenticate(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode() == USER and auth_data.password.decode() == PASSWORD
    )
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


class SmtpServer:
    def __init__(self, directory: Path, *, tls: str | None = None, auth: bool = False) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.tls = tls
        self.auth = auth
        self.received: list[Received] = []
        self.fail_rcpt: dict[str, str] = {}
        self.fail_data: list[str] = []
        self.ca_file: Path | None = None
        self._context: ssl.SSLContext | None = None
        if tls:
            ca = trustme.CA()
            cert = ca.issue_cert("127.0.0.1", "localhost")
            self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            cert.configure_cert(self._context)
            self.ca_file = directory / "ca.pem"
            ca.cert_pem.write_to_path(str(self.ca_file))
        self._controller: Controller | None = None

    def start(self) -> SmtpServer:
        kwargs: dict[str, Any] = {}
        if self.tls == "ssl":
            kwargs["ssl_context"] = self._context
        if self.tls == "starttls":
            kwargs.update(tls_context=self._context, require_starttls=True)
        if self.auth:
            kwargs.update(
                authenticator=_authenticate,
                auth_required=True,
                auth_require_tls=self.tls == "starttls",  # implicit TLS is TLS too
            )
        self._controller = Controller(
            _Handler(self), hostname="127.0.0.1", port=self.port, ready_timeout=5.0, **kwargs
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
