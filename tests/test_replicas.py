"""Several `mailer run --once` processes sharing one PostgreSQL at the same time (the
replicas case): every alert is delivered exactly once."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from store_backends import postgres_schema_url
from test_kill import deliveries, make_site

pytestmark = pytest.mark.slow


@pytest.fixture
def postgres_url() -> Iterator[str]:
    yield from postgres_schema_url()


def test_concurrent_runs_on_postgresql_deliver_each_alert_once(
    tmp_path: Path, postgres_url: str
) -> None:
    root = make_site(tmp_path)
    config_path = root / "config" / "mailer.yaml"
    config = yaml.safe_load(config_path.read_text())
    config["state"] = postgres_url
    config_path.write_text(yaml.safe_dump(config))
    command = [sys.executable, "-m", "mailer", "--log-format", "json", "run", "--once"]
    runs = [
        subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    outputs = []
    for process in runs:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()
        outputs.append(out.decode().splitlines()[-3:])
    counts, _ = deliveries(root)
    # 40 papers match "language model"/"LLM" (plurals included) for a and b, 23 "vision"
    assert len(counts) == 2 * 40 + 23, outputs
    assert set(counts.values()) == {1}, outputs
    assert all(" 0 retrying, 0 dead" in " ".join(lines) for lines in outputs), outputs
