"""Idle footprint of `mailer serve`: resident memory and CPU with one idle IMAP source.

Starts a private Dovecot on loopback (as the tests do), then `mailer serve` with one
IMAP source watched with IDLE and `/healthz` on a free port; waits until healthy,
then samples the process's resident memory (VmRSS) and CPU time (utime + stime from
/proc) for `--seconds` (default 600), and finally sends SIGTERM and times the exit.

    python3 bench/footprint.py              # 10 minutes
    python3 bench/footprint.py --seconds 60
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from _servers import start_private_dovecot

from tests.integration.dovecot import PASSWORD, USER, free_port

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def threads(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


def write_config(directory: Path, imap_port: int) -> Path:
    (directory / "rules").mkdir()
    (directory / "rules" / "papers.yaml").write_text(
        "rules:\n"
        "  - name: small-llms\n"
        "    match: {any: [language model, LLM], size: {max: 8B}}\n"
        "    notify: [{to: console}]\n"
    )
    config = directory / "mailer.yaml"
    config.write_text(
        f"state: sqlite:///{directory}/var/mailer.db\n"
        f"rules: [{directory}/rules]\n"
        "sources:\n"
        "  - name: inbox\n"
        "    kind: imap\n"
        "    host: 127.0.0.1\n"
        f"    port: {imap_port}\n"
        "    security: none\n"
        f"    username: {USER}\n"
        "    password_env: BENCH_IMAP_PASSWORD\n"
        "destinations:\n"
        "  console: {kind: console}\n"
    )
    return config


def wait_healthy(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
                if reply.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise RuntimeError("mailer serve did not become healthy")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--interval", type=float, default=5.0)
    args = parser.parse_args()
    work, dovecot = start_private_dovecot("mailer-footprint-")
    http_port = free_port()
    env = {**os.environ, "BENCH_IMAP_PASSWORD": PASSWORD}
    command = ["mailer", "--log-format", "json", "serve", "--config"]
    command += [str(write_config(work, dovecot.port)), "--http", f"127.0.0.1:{http_port}"]
    log = (work / "serve.log").open("wb")
    service = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_healthy(http_port, 60)
        time.sleep(2)  # let start-up work settle
        cpu_start, start = cpu_seconds(service.pid), time.monotonic()
        samples = []
        while time.monotonic() - start < args.seconds:
            samples.append(rss_bytes(service.pid))
            time.sleep(args.interval)
        elapsed = time.monotonic() - start
        cpu = cpu_seconds(service.pid) - cpu_start
        thread_count = threads(service.pid)
        stop_start = time.monotonic()
        service.send_signal(signal.SIGTERM)
        code = service.wait(timeout=30)
        stop_seconds = time.monotonic() - stop_start
    finally:
        if service.poll() is None:
            service.kill()
        dovecot.stop()
        log.close()
    mib = 1024 * 1024
    result = {
        "seconds": round(elapsed, 1),
        "rss_mib": {
            "first": round(samples[0] / mib, 1),
            "last": round(samples[-1] / mib, 1),
            "max": round(max(samples) / mib, 1),
            "median": round(statistics.median(samples) / mib, 1),
        },
        "cpu_seconds": round(cpu, 2),
        "cpu_percent_of_one_core": round(100 * cpu / elapsed, 3),
        "threads": thread_count,
        "sigterm_exit_code": code,
        "sigterm_exit_seconds": round(stop_seconds, 2),
    }
    print(json.dumps(result, indent=2))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
