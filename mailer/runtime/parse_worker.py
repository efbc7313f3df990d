"""A budget per message: parsing runs in a worker process that can really be stopped.

The parser is pure but not cheap on hostile input (a 5 MB body of `<p>`, attachments
nested 40 deep). `ParseWorker` keeps one long-lived child process (a fresh interpreter running
`python -m mailer.runtime.parse_worker`: the service has threads, so no `fork`, and a
multiprocessing `spawn` would import the caller's main module again) that parses one
message at a time, talking over its stdin and stdout with multiprocessing's framed
pickles:

- memory: the child caps its own address space (`RLIMIT_AS`) at its size once the
  parser is imported plus `budget.memory_mb`, so a message that needs more fails in
  the child (MemoryError, or the child dies) and never grows the service;
- time: the parent waits `budget.seconds` for the answer, then kills the child.

Either way `parse()` raises `OverBudget` with the reason, and the next call starts a
fresh child. The service records such a message as quarantined (`mailer status`
lists it; `mailer replay --seconds/--memory-mb` tries it again with a larger budget).
"""

from __future__ import annotations

import logging
import os
import resource
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Literal

from mailer.core.errors import MailerError
from mailer.core.models import ParsedDigest

log = logging.getLogger(__name__)

Kind = Literal["email", "document"]
START_SECONDS = 30.0  # to spawn the child and import the parser, on a slow machine
MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ParseBudget:
    seconds: float = 30.0
    memory_mb: int = 192  # address space the parser may add to the idle worker


class ParserStopped(MailerError):
    """The worker was closed while parsing (the service is stopping): the message is
    not judged, and not recorded; the next fetch takes it again."""


class OverBudget(MailerError):
    """The message needs more time or memory than its budget: quarantine it."""

    def __init__(self, kind: Literal["time", "memory"], reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


def peek_headers(raw: bytes) -> ParsedDigest:
    """Message-ID, subject, sender and date of an email from its header block alone
    (at most 64 kB read): what a quarantined message is recorded and replayed by."""
    from email.parser import BytesHeaderParser
    from email.utils import getaddresses

    from mailer.parse.message import bounded_message_id, parse_date
    from mailer.parse.text import collapse_whitespace

    head = raw[:65536]
    end = min((i for i in (head.find(b"\r\n\r\n"), head.find(b"\n\n")) if i >= 0), default=-1)
    headers = BytesHeaderParser().parsebytes(head if end < 0 else head[: end + 1])

    def value(name: str) -> str | None:
        try:
            text = headers.get(name)
        except Exception:  # noqa: BLE001 bulkhead: a malformed header object raises on access
            return None
        if text is None:
            return None
        return collapse_whitespace(str(text))[:1000] or None

    sender = value("From")
    pairs = getaddresses([sender]) if sender else []
    date = parse_date(value("Date"))
    return ParsedDigest(
        message_id=bounded_message_id(value("Message-ID")),
        subject=value("Subject"),
        sender=(pairs[0][1] or sender) if pairs else sender,
        date=date,
        format=None,
        papers=(),
        problems=(),
    )


def _address_space() -> int:
    """This process's virtual size in bytes (VmSize), 0 where /proc is missing."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _parse(kind: Kind, name: str, raw: bytes) -> ParsedDigest:
    if kind == "document":
        from mailer.parse.inputs import parse_document

        return parse_document(name, raw)
    from mailer.parse import parse_email

    return parse_email(raw)


def _ran_out_of_memory(digest: ParsedDigest) -> bool:
    """The parser records any exception as a problem of the message, MemoryError too."""
    return any("MemoryError" in problem.reason for problem in digest.problems)


def _serve(requests: Connection, answers: Connection, memory_mb: int) -> None:
    """The child: import the parser, cap the address space, answer until EOF."""
    from mailer.parse import parse_email  # noqa: F401  (imported before the cap is measured)
    from mailer.parse.inputs import parse_document  # noqa: F401

    base = _address_space()
    if base:
        limit = base + memory_mb * MIB
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    answers.send(("ready", base))
    while True:
        answer: tuple[str, object]
        try:
            kind, name = requests.recv()
            raw = requests.recv_bytes()
            digest = _parse(kind, name, raw)
            del raw
            if _ran_out_of_memory(digest):
                raise MemoryError
            answer = ("ok", digest)
        except (EOFError, OSError):
            return
        except MemoryError:
            raw = b""
            answers.send(("memory", None))
            return  # a fresh child is cleaner than one that ran out of memory
        except Exception as e:  # noqa: BLE001 bulkhead: the parser promises not to raise; a bug must not kill us
            answer = ("error", f"{type(e).__name__}: {e}")
        answers.send(answer)


class ParseWorker:
    """Parses messages in a child process under a `ParseBudget` (thread-safe)."""

    def __init__(self, budget: ParseBudget) -> None:
        self.budget = budget
        self._process: subprocess.Popen[bytes] | None = None
        self._conn: tuple[Connection, Connection] | None = None
        self._memory_mb: int | None = None
        self._lock = threading.Lock()
        self._closing = False
        self.restarts = 0  # children killed or lost (for the log and the tests' figures)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def parse(
        self, kind: Kind, name: str, raw: bytes, budget: ParseBudget | None = None
    ) -> ParsedDigest:
        """The parsed message; OverBudget when it needs more than `budget` (default:
        the worker's). Raises RuntimeError when the child cannot even start."""
        budget = budget or self.budget
        with self._lock:
            if self._closing:
                raise ParserStopped("the parser is closed: the service is stopping")
            requests, answers = self._ready(budget.memory_mb)
            started = time.monotonic()
            try:
                requests.send((kind, name))
                requests.send_bytes(raw)
                if not answers.poll(budget.seconds):
                    self._stop(kill=True)
                    raise OverBudget(
                        "time", f"parsing took longer than the budget of {budget.seconds:g} s"
                    )
                status, value = answers.recv()
            except (EOFError, OSError) as e:
                if self._closing:
                    self._stop(kill=True)
                    raise ParserStopped("the parser was stopped: the service is stopping") from e
                if _said_out_of_memory(answers):  # it gave up while still reading
                    self._stop(kill=False)
                    raise OverBudget("memory", _over_memory(budget)) from e
                code = self._stop(kill=True)
                raise OverBudget(
                    "memory",
                    f"the parser process died ({_describe_exit(code)}) after "
                    f"{time.monotonic() - started:.1f} s; likely over the memory budget "
                    f"of {budget.memory_mb} MB",
                ) from e
        if status == "memory":
            self._stop(kill=False)
            raise OverBudget("memory", _over_memory(budget))
        if status == "error":
            raise RuntimeError(str(value))
        assert isinstance(value, ParsedDigest)
        return value

    def close(self) -> None:
        """Stop the child; one busy parsing is killed rather than waited for (its
        caller gets ParserStopped)."""
        self._closing = True
        if self._lock.acquire(timeout=0.2):
            try:
                self._stop(kill=False)
            finally:
                self._lock.release()
            return
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()

    def _ready(self, memory_mb: int) -> tuple[Connection, Connection]:
        if self._process is not None and (
            self._process.poll() is not None or self._memory_mb != memory_mb
        ):
            self._stop(kill=False)
        if self._conn is None:
            process = subprocess.Popen(
                [sys.executable, "-m", "mailer.runtime.parse_worker", str(memory_mb)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                close_fds=True,
            )
            assert process.stdin is not None
            assert process.stdout is not None
            requests = Connection(os.dup(process.stdin.fileno()), readable=False)
            answers = Connection(os.dup(process.stdout.fileno()), writable=False)
            process.stdin.close()
            process.stdout.close()
            self._process, self._conn, self._memory_mb = process, (requests, answers), memory_mb
            if not answers.poll(START_SECONDS):
                self._stop(kill=True)
                raise RuntimeError("the parser process did not start")
            try:
                answers.recv()
            except EOFError as e:
                self._stop(kill=True)
                raise RuntimeError("the parser process exited at start") from e
            log.debug("parser process %s started (%d MB budget)", process.pid, memory_mb)
        return self._conn

    def _stop(self, *, kill: bool) -> int | None:
        process, conns = self._process, self._conn
        self._process = self._conn = None
        for conn in conns or ():
            conn.close()  # the child's recv() ends: it exits
        if process is None:
            return None
        if kill and process.poll() is None:
            self.restarts += 1
            process.kill()
        try:
            return process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait(5)


def _over_memory(budget: ParseBudget) -> str:
    return f"parsing needed more than the memory budget of {budget.memory_mb} MB"


def _said_out_of_memory(answers: Connection) -> bool:
    try:
        return bool(answers.poll(1)) and answers.recv()[0] == "memory"
    except (EOFError, OSError):
        return False


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        import signal

        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def main() -> None:
    """`python -m mailer.runtime.parse_worker MEMORY_MB`: the child, over stdin and stdout."""
    requests = Connection(os.dup(0), writable=False)
    answers = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)  # a stray print must not corrupt the answers
    _serve(requests, answers, int(sys.argv[1]))


if __name__ == "__main__":
    main()
