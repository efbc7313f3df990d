"""Append-to-alert latency in watch mode (IMAP IDLE), against a private Dovecot.

Starts Dovecot on 127.0.0.1 (the test fixture in tests/integration/dovecot.py), a real
pipeline with a file destination, and one IDLE watcher; then appends 50 digests one
at a time and times each from just before the APPEND to the moment its alert has
been written by the file channel. Prints the median, the 95th percentile and the max.

    python bench/latency.py [--messages 50]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import threading
import time

import _this_checkout  # noqa: F401  (before mailer: this checkout's code)
from _servers import start_private_dovecot

from mailer.config.settings import Destination, Settings
from mailer.core.models import AlertBatch
from mailer.notify.registry import create_channel
from mailer.runtime.app import Pipeline
from mailer.runtime.generation import open_watcher
from tests.integration.dovecot import PASSWORD
from tests.integration.imap_kit import digest, imap_settings, service_jobs


class TimedChannels:
    """The real channels, noting when each paper's alert was delivered."""

    def __init__(self) -> None:
        self.delivered: dict[str, float] = {}
        self.changed = threading.Condition()

    def __call__(self, name: str, destination: Destination, settings: Settings) -> TimedChannels:
        self._channel = create_channel(name, destination, settings)
        return self

    def deliver(self, batch: AlertBatch) -> None:
        self._channel.deliver(batch)
        now = time.monotonic()
        with self.changed:
            for item in batch.items:
                self.delivered[item.paper.id] = now
            self.changed.notify_all()

    def send_notice(self, subject: str, text: str) -> None:
        self._channel.send_notice(subject, text)

    def wait_for(self, paper_id: str, timeout: float) -> float:
        with self.changed:
            if not self.changed.wait_for(lambda: paper_id in self.delivered, timeout):
                raise TimeoutError(f"no alert for {paper_id} within {timeout} s")
            return self.delivered[paper_id]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50)
    args = parser.parse_args()
    work, server = start_private_dovecot("mailer-latency-")
    channels = TimedChannels()
    pipeline = Pipeline.open(imap_settings(work / "app", server), channel_factory=channels)
    watcher = open_watcher(
        pipeline.source(pipeline.settings.sources[0].name), service_jobs(pipeline)
    )
    latencies: list[float] = []
    try:
        watcher.start()
        deadline = time.monotonic() + 10
        while watcher.status().state != "idling":
            if time.monotonic() > deadline:
                sys.exit(f"the watcher did not reach IDLE: {watcher.status()}")
            time.sleep(0.01)
        with server.client() as appender:
            assert PASSWORD
            for n in range(1, args.messages + 1):
                time.sleep(0.05)  # one at a time, the watcher back in IDLE
                started = time.monotonic()
                appender.append("INBOX", digest(n))
                alerted = channels.wait_for(f"arxiv:2510.{n:05d}", timeout=10)
                latencies.append(alerted - started)
        time.sleep(0.2)  # the last sweep is counted once it has returned
        status = watcher.status()
    finally:
        watcher.stop()
        watcher.join(5)
        pipeline.close()
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    ms = [value * 1000 for value in latencies]
    print(f"append-to-alert latency over {len(ms)} messages (IMAP IDLE, Dovecot on loopback):")
    print(f"  median {statistics.median(ms):.0f} ms")
    print(f"  p95    {percentile(ms, 0.95):.0f} ms")
    print(f"  max    {max(ms):.0f} ms")
    print(f"  watcher: mode={status.mode} sweeps={status.sweeps} reconnects={status.reconnects}")


if __name__ == "__main__":
    main()
