"""`mailer serve` replicas as real subprocesses on one PostgreSQL, for the failover tests:
start, ask each one's role over /healthz, SIGKILL, read their JSON logs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

from .dovecot import free_port


class Replica:
    def __init__(self, root: Path, config: Path, number: int, env: dict[str, str]) -> None:
        self.number = number
        self.port = free_port()
        self.log_path = root / f"replica-{number}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mailer",
                "--log-format",
                "json",
                "serve",
                "--config",
                str(config),
                "--http",
                f"127.0.0.1:{self.port}",
            ],
            cwd=root,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def is_running(self) -> bool:
        return self.process.poll() is None

    def role(self) -> str | None:
        """ "leader" or "standby" from /healthz; None while it does not answer."""
        if not self.is_running():
            return None
        url = f"http://127.0.0.1:{self.port}/healthz"
        try:
            with urllib.request.urlopen(url, timeout=1) as reply:
                body = json.loads(reply.read())
        except urllib.error.HTTPError as e:
            body = json.loads(e.read())
        except (OSError, ValueError):
            return None
        role = body.get("role")
        return str(role) if role else None

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self._log.close()

    def stop(self) -> int:
        if self.is_running():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return int(self.process.returncode)

    def logs(self) -> list[dict[str, Any]]:
        entries = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            try:
                entries.append(json.loads(line))
            except ValueError:
                continue
        return entries


def wait_for_leader(
    replicas: list[Replica], timeout: float, poll: float = 0.05
) -> tuple[Replica, float]:
    """The replica that says it leads, and when it was first seen to (monotonic).
    Two replicas saying so in one round of asking fail the test (split brain)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        leading = [r for r in replicas if r.role() == "leader"]
        assert len(leading) <= 1, f"two leaders at once: {[r.number for r in leading]}"
        if leading:
            return leading[0], time.monotonic()
        time.sleep(poll)
    raise AssertionError("no replica became the leader in time")


def leaders_seen(replicas: list[Replica]) -> list[int]:
    return [r.number for r in replicas if r.role() == "leader"]


def deliveries(out: Path) -> tuple[Counter[tuple[str, str, str]], list[list[tuple[str, str, str]]]]:
    """How often each (rule, destination, paper) was delivered, and the batches.

    The file channel writes a batch's `.json` record last: one that does not parse yet is
    being written by a live leader (the next poll reads it), or was cut by a SIGKILL, and
    then the batch was never recorded as sent and a later leader delivers it again under
    a new name. Either way it is not (yet) a delivery; a lost alert still fails the test."""
    counts: Counter[tuple[str, str, str]] = Counter()
    batches = []
    for record in sorted(out.glob("*/*.json")):
        if record.name.endswith(".slack.json"):
            continue
        try:
            data = json.loads(record.read_text())
        except json.JSONDecodeError:
            continue
        keys = [(data["rule"], data["destination"], a["paper_id"]) for a in data["alerts"]]
        counts.update(keys)
        batches.append(keys)
    return counts, batches


def first_log(replica: Replica, text: str) -> dict[str, Any] | None:
    return next((e for e in replica.logs() if text in str(e.get("msg", ""))), None)
