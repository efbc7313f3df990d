"""A private Dovecot on 127.0.0.1 for the IMAP tests (recipe: shared/notes/test-servers.md).

`DovecotServer` writes a config into a temporary directory, starts `dovecot -c` on a
free port, and can stop and restart on the same port and directory (as a real outage
looks to a client), append messages, and delete or recreate folders. Optional TLS
uses a trustme CA, so the client trusts it through `ca_file`, never by turning
verification off. XOAUTH2 is offered too: Dovecot 2.3 checks the token like a password,
so the token "secret" logs alice in. The fixtures (`dovecot`, `dovecot_server`) are
registered in tests/integration/conftest.py.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import closing, suppress
from pathlib import Path
from typing import Literal

import pytest
from conftest import require_server
from imapclient import IMAPClient

USER = "alice"
PASSWORD = "secret"
TlsMode = Literal["none", "ssl", "starttls"]

_CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
disable_plaintext_auth = no
auth_failure_delay = 0
auth_mechanisms = plain login xoauth2
mail_location = maildir:{dir}/mail/%u
default_internal_user = {internal_user}
default_login_user = {login_user}
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/users
}}
userdb {{
  driver = static
  args = uid={internal_user} gid={internal_group} home={dir}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
{ssl}
{capability}
"""


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def is_port_open(port: int) -> bool:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def child_pids(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            found.append(int(entry.name))
    return found


def is_running(pid: int) -> bool:
    """Alive and not a zombie (in a container nobody may reap the daemonized master)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


class DovecotServer:
    """One Dovecot instance in `directory`, listening on `port` (plain, imaps or STARTTLS)."""

    def __init__(self, directory: Path, *, tls: TlsMode = "none", idle: bool = True) -> None:
        self.directory = directory
        self.port = free_port()
        self.tls = tls
        self.ca_file: Path | None = None
        self._write_config(idle=idle)

    # --- configuration -------------------------------------------------------------
    def _write_config(self, *, idle: bool) -> None:
        d = self.directory
        d.chmod(0o755)  # the auth and mail processes run as another user
        for sub in ("run", "state", "mail"):
            (d / sub).mkdir(exist_ok=True)
        (d / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        if os.geteuid() == 0:
            internal_user, login_user = "dovecot", "dovenull"
        else:  # an ordinary user runs every process as itself
            internal_user = login_user = pwd.getpwuid(os.geteuid()).pw_name
        internal_group = internal_user
        if os.geteuid() != 0:
            import grp

            internal_group = grp.getgrgid(os.getegid()).gr_name
        ssl_block = "ssl = no"
        if self.tls != "none":
            ssl_block = self._write_certificates()
        capability = ""
        if not idle:  # a server that does not advertise IDLE, for the polling fallback
            capability = "imap_capability = IMAP4rev1 LITERAL+ SASL-IR ID ENABLE UIDPLUS MOVE"
        imap_port, imaps_port = (0, self.port) if self.tls == "ssl" else (self.port, 0)
        (d / "dovecot.conf").write_text(
            _CONFIG.format(
                dir=d,
                internal_user=internal_user,
                internal_group=internal_group,
                login_user=login_user,
                imap_port=imap_port,
                imaps_port=imaps_port,
                ssl=ssl_block,
                capability=capability,
            )
        )
        if os.geteuid() == 0:
            shutil.chown(d / "mail", internal_user, internal_group)

    def _write_certificates(self) -> str:
        import trustme

        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        d = self.directory
        self.ca_file = d / "ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_file))
        cert.private_key_pem.write_to_path(str(d / "key.pem"))
        chain = b"".join(blob.bytes() for blob in cert.cert_chain_pems)
        (d / "cert.pem").write_bytes(chain)
        (d / "key.pem").chmod(0o644)
        return f"ssl = required\nssl_cert = <{d}/cert.pem\nssl_key = <{d}/key.pem"

    # --- lifecycle -----------------------------------------------------------------
    def start(self) -> None:
        # Dovecot daemonizes: its output goes to a file, since a pipe would stay open
        # in the daemon and a captured run() would wait for it forever.
        startup_log = self.directory / "startup.log"
        with startup_log.open("wb") as out:
            result = subprocess.run(
                ["dovecot", "-c", str(self.directory / "dovecot.conf")],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                check=False,
            )
        if result.returncode != 0:
            raise RuntimeError(f"dovecot did not start: {startup_log.read_text().strip()}")
        deadline = time.monotonic() + 10
        pid_file = self.directory / "run" / "master.pid"
        while not (pid_file.exists() and is_port_open(self.port)):
            if time.monotonic() > deadline:
                raise RuntimeError(f"dovecot not listening on {self.port}: {self.log_tail()}")
            time.sleep(0.05)

    def stop(self) -> None:
        pid_file = self.directory / "run" / "master.pid"
        if not pid_file.exists():
            return
        pid = int(pid_file.read_text().strip())
        children = child_pids(pid)
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        # The master leaves running imap processes behind (clients stay connected);
        # a stopped server must drop its connections, as after a crash or reboot.
        for child in children:
            with suppress(ProcessLookupError):
                os.kill(child, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and is_running(pid):
            time.sleep(0.05)
        while is_port_open(self.port) and time.monotonic() < deadline:
            time.sleep(0.05)

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_tail(self, lines: int = 20) -> str:
        log = self.directory / "dovecot.log"
        return "\n".join(log.read_text().splitlines()[-lines:]) if log.exists() else ""

    # --- mailbox helpers (a second, independent client) --------------------------
    def client(self) -> IMAPClient:
        if self.tls == "ssl":
            context = ssl.create_default_context(cafile=str(self.ca_file))
            client = IMAPClient("127.0.0.1", port=self.port, ssl=True, ssl_context=context)
        else:
            client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
            if self.tls == "starttls":
                client.starttls(ssl.create_default_context(cafile=str(self.ca_file)))
        client.login(USER, PASSWORD)
        return client

    def append(self, raw: bytes, folder: str = "INBOX", flags: tuple[bytes, ...] = ()) -> None:
        with self.client() as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            client.append(folder, raw, flags=flags)

    def deliver_offline(self, raw: bytes) -> None:
        """Put a message straight into INBOX's maildir, as a local delivery agent would
        while the IMAP server is down; Dovecot finds it when it is next asked."""
        new = self.directory / "mail" / USER / "new"
        new.mkdir(parents=True, exist_ok=True)
        path = new / f"{time.time_ns()}.M{os.getpid()}P{len(list(new.iterdir()))}.test"
        path.write_bytes(raw.replace(b"\r\n", b"\n"))
        if os.geteuid() == 0:
            shutil.chown(path, "dovecot", "dovecot")

    def create_folder(self, folder: str) -> None:
        with self.client() as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)

    def delete_folder(self, folder: str) -> None:
        with self.client() as client:
            if folder.upper() == "INBOX":  # INBOX cannot be deleted: empty it instead
                client.select_folder(folder)
                client.delete_messages(client.search("ALL"))
                client.expunge()
                return
            client.delete_folder(folder)

    def uidvalidity(self, folder: str = "INBOX") -> int:
        with self.client() as client:
            return int(client.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"])

    def flags(self, folder: str = "INBOX") -> dict[int, tuple[bytes, ...]]:
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            fetched = client.fetch(client.search("ALL"), [b"FLAGS"])
            return {uid: data[b"FLAGS"] for uid, data in fetched.items()}

    def count(self, folder: str = "INBOX") -> int:
        with self.client() as client:
            return int(client.folder_status(folder, [b"MESSAGES"])[b"MESSAGES"])


def _require_dovecot() -> None:
    if shutil.which("dovecot") is None:
        require_server("dovecot not installed: apt-get install dovecot-imapd")


def start_dovecot(directory: Path, *, tls: TlsMode = "none", idle: bool = True) -> DovecotServer:
    _require_dovecot()
    server = DovecotServer(directory, tls=tls, idle=idle)
    server.start()
    return server


@pytest.fixture
def dovecot_dir() -> Iterator[Path]:
    """A world-traversable directory: pytest's tmp_path is mode 700 all the way up,
    which Dovecot's auth and mail processes (another user when run as root) cannot enter."""
    directory = Path(tempfile.mkdtemp(prefix="mailer-dovecot-"))
    directory.chmod(0o755)
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def dovecot(dovecot_dir: Path) -> Iterator[DovecotServer]:
    """A plain-text Dovecot on loopback with user alice/secret and an empty INBOX."""
    directory = dovecot_dir / "dovecot"
    directory.mkdir()
    server = start_dovecot(directory)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def dovecot_server(dovecot_dir: Path) -> Iterator[Callable[..., DovecotServer]]:
    """A factory for Dovecots with options (TLS, no IDLE); all are stopped at the end."""
    started: list[DovecotServer] = []

    class _Factory(DovecotServer):
        def __init__(self, *, tls: TlsMode = "none", idle: bool = True) -> None:
            directory = dovecot_dir / f"dovecot{len(started)}"
            directory.mkdir()
            _require_dovecot()
            super().__init__(directory, tls=tls, idle=idle)
            started.append(self)
            self.start()

    try:
        yield _Factory
    finally:
        for server in started:
            server.stop()
