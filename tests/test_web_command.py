"""`mailer web` as a user runs it: a subprocess serving the pages until SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from web_kit import ROOT, make_site

pytestmark = pytest.mark.slow  # starts `mailer web` as a process


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_web(config: Path, listen: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "mailer", "web", "--config", str(config), "--listen", listen],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_mailer_web_serves_the_pages_and_stops_on_sigterm(tmp_path: Path) -> None:
    make_site(tmp_path)
    port = free_port()
    process = run_web(tmp_path / "mailer.yaml", f"127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/papers?q=LoRA") as reply:
                    page = reply.read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline, "mailer web did not come up"
                time.sleep(0.2)
        assert "LoRA: Low-Rank Adaptation of Large Language Models" in page
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
    assert process.returncode == 0, output
    assert f"serving the pages on http://127.0.0.1:{port}/" in output


def test_mailer_web_refuses_a_non_loopback_address_without_a_login(tmp_path: Path) -> None:
    make_site(tmp_path)
    process = run_web(tmp_path / "mailer.yaml", f"0.0.0.0:{free_port()}")
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "not a loopback address" in output
    assert "token_env" in output
