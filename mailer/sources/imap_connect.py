"""Opening an authenticated IMAP connection, and turning every failure into one clear line.

TLS is on by default (`ssl`, or `starttls`; `none` only to loopback, which the config
enforces), certificates are verified (against `ca_file` when set), and both connect
and read have timeouts. Credentials are read again on every connection: a password
from `password_env`/`password_file`, or an OAuth2 token from `oauth2_token_command`
(run each time, since Gmail and Microsoft tokens expire hourly) or `oauth2_token_env`.
No secret ever appears in an error message.
"""

from __future__ import annotations

import logging
import socket
import ssl
import subprocess

from imapclient import IMAPClient, SocketTimeout
from imapclient.exceptions import IMAPClientError, LoginError

from mailer.config.settings import ConfigError, Settings
from mailer.config.settings import ImapSource as ImapConfig
from mailer.sources import SourceError

log = logging.getLogger(__name__)

TOKEN_COMMAND_TIMEOUT = 60.0


def where(config: ImapConfig) -> str:
    return f"{config.host}:{config.effective_port}"


def tls_context(config: ImapConfig) -> ssl.SSLContext:
    """A verifying context; with `ca_file`, that CA (a private one) is the trust anchor."""
    try:
        return ssl.create_default_context(cafile=str(config.ca_file) if config.ca_file else None)
    except (OSError, ssl.SSLError) as e:
        raise SourceError(config.name, f"cannot load ca_file {config.ca_file}: {e}") from e


def connect(config: ImapConfig, settings: Settings) -> IMAPClient:
    """A logged-in client (no folder selected). Raises SourceError with what to check."""
    timeout = SocketTimeout(connect=config.connect_timeout, read=config.read_timeout)
    context = tls_context(config) if config.security != "none" else None
    try:
        client = IMAPClient(
            config.host,
            port=config.effective_port,
            ssl=config.security == "ssl",
            ssl_context=context,
            timeout=timeout,
        )
    except Exception as e:
        raise SourceError(config.name, describe_connect_error(config, e)) from e
    try:
        if config.security == "starttls":
            _start_tls(client, config, context)
        _log_in(client, config, settings)
    except BaseException:
        close_quietly(client)
        raise
    return client


def _start_tls(client: IMAPClient, config: ImapConfig, context: ssl.SSLContext | None) -> None:
    try:
        if not client.has_capability("STARTTLS"):
            raise SourceError(
                config.name,
                f"{where(config)} does not offer STARTTLS: use security: ssl (port 993) "
                "or check the port",
            )
        client.starttls(context)
    except SourceError:
        raise
    except Exception as e:
        raise SourceError(config.name, describe_connect_error(config, e)) from e


def _log_in(client: IMAPClient, config: ImapConfig, settings: Settings) -> None:
    what = f"source {config.name}"
    try:
        token = _oauth2_token(config, settings)
        password = None
        if token is None:
            password = settings.read_secret(
                env=config.password_env, file=config.password_file, what=f"{what}: password"
            )
    except ConfigError as e:
        raise SourceError(config.name, "; ".join(e.problems).removeprefix(f"{what}: ")) from e
    if token is None and password is None:
        raise SourceError(
            config.name,
            "no credentials: set password_env, password_file, oauth2_token_command "
            "or oauth2_token_env",
        )
    try:
        if token is not None:
            client.oauth2_login(config.username, token)
        else:
            assert password is not None
            client.login(config.username, password.get_secret_value())
    except LoginError as e:
        how = "the OAuth2 token (scope, expiry)" if token else "password_env/password_file"
        raise SourceError(
            config.name,
            f"login failed for {config.username} at {where(config)}: check the username and "
            f"{how} (server said: {_server_text(e)})",
        ) from e
    except (OSError, IMAPClientError) as e:
        raise SourceError(config.name, describe_connect_error(config, e)) from e


def _oauth2_token(config: ImapConfig, settings: Settings) -> str | None:
    if config.oauth2_token_command:
        return run_token_command(config)
    if config.oauth2_token_env:
        secret = settings.read_secret(
            env=config.oauth2_token_env, file=None, what=f"source {config.name}: oauth2 token"
        )
        return secret.get_secret_value() if secret else None
    return None


def run_token_command(config: ImapConfig) -> str:
    """Run `oauth2_token_command` and return its first output line (never logged)."""
    assert config.oauth2_token_command
    try:
        result = subprocess.run(
            ["/bin/sh", "-c", config.oauth2_token_command],
            capture_output=True,
            text=True,
            timeout=TOKEN_COMMAND_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as e:  # its text would quote the command (secrets)
        raise SourceError(
            config.name,
            f"oauth2_token_command did not finish within {TOKEN_COMMAND_TIMEOUT:g} s: "
            "run it by hand to check",
        ) from e
    except OSError as e:
        raise SourceError(
            config.name, f"oauth2_token_command could not run: {e.strerror or type(e).__name__}"
        ) from e
    token = result.stdout.strip().splitlines()[0].strip() if result.stdout.strip() else ""
    if result.returncode != 0 or not token:
        # Its output may hold a token or a refresh secret: only the exit status is shown.
        raise SourceError(
            config.name,
            f"oauth2_token_command failed (exit status {result.returncode}, "
            f"{'empty output' if not token else 'see its own logs'}): run it by hand to check",
        )
    return token


def describe_connect_error(config: ImapConfig, error: BaseException) -> str:
    """One line saying what went wrong at connect time and what to check."""
    at = where(config)
    if isinstance(error, ssl.SSLCertVerificationError):
        return (
            f"TLS to {at} failed: certificate is not trusted: set ca_file or check the "
            f"server name ({error.verify_message})"
        )
    if isinstance(error, ssl.SSLError):
        return (
            f"TLS to {at} failed ({error.reason or error}): check security: "
            "(ssl on 993, starttls on 143) and the port"
        )
    if isinstance(error, TimeoutError | socket.timeout):
        return (
            f"no answer from {at} within {config.connect_timeout:g} s: check host, port, firewall"
        )
    if isinstance(error, ConnectionRefusedError):
        return f"connection to {at} refused: check host, port and that the server is running"
    if isinstance(error, socket.gaierror):
        return f"cannot resolve {config.host}: check host"
    if isinstance(error, OSError):
        return f"cannot connect to {at}: {error.strerror or error}"
    return f"IMAP error at {at}: {_server_text(error)}"


def _server_text(error: BaseException) -> str:
    text = str(error).strip()
    for prefix in ("b'", 'b"'):
        if text.startswith(prefix) and text.endswith(text[1]):
            text = text[2:-1]
    return text.splitlines()[0] if text else type(error).__name__


def close_quietly(client: IMAPClient | None) -> None:
    """Log out, or at least close the socket; never raises."""
    if client is None:
        return
    try:
        client.logout()
    except Exception:  # noqa: BLE001 bulkhead: closing a dead connection must not raise
        try:
            client.shutdown()
        except Exception:
            log.debug("closing an IMAP connection failed", exc_info=True)
