"""`rules test`, `run --dry-run` and `run` call one planner (`mailer.core.planning`): on a fresh
state they agree on what is sent, and a dry run writes nothing, not even the state file.

On a copy of the shipped config and rules (issue 10, part 1)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from mailer.cli import cli
from mailer.store import Store
from mailer.store.schema import outbox

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for folder in ("config", "rules", "examples/inbox"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def mailer(*args: str) -> Result:
    return CliRunner().invoke(cli, ["--log-format", "json", *args], catch_exceptions=False)


def json_lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_rules_test_dry_run_and_run_agree_on_a_fresh_state(site: Path) -> None:
    tested = mailer("rules", "test", "--config", "config/mailer.yaml", "examples/inbox", "--json")
    assert tested.exit_code == 0, tested.output
    predicted = {(str(m["rule"]), str(m["paper_id"])) for m in json_lines(tested.stdout)}

    dry = mailer("run", "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    would_send = json.loads(dry.stdout)["would_send"]
    previewed = {(batch["rule"], paper) for batch in would_send for paper in batch["papers"]}
    assert not (site / "var").exists(), "a dry run wrote a file"

    run = mailer("run", "--json")
    assert run.exit_code == 0, run.output
    store = Store.open("sqlite:///var/mailer.db")
    try:
        with store.engine.connect() as conn:
            rows = conn.execute(select(outbox.c.rule, outbox.c.paper_id)).all()
    finally:
        store.close()
    sent = {(rule, paper_id) for rule, paper_id in rows}  # sent, or waiting for a daily feed

    assert predicted, "the shipped rules match nothing in the sample inbox"
    assert predicted == previewed == sent
    assert json.loads(dry.stdout)["new_alerts"] == json.loads(run.stdout)["new_alerts"]


def test_a_dry_run_after_a_run_reads_the_state_and_leaves_it_as_it_was(site: Path) -> None:
    assert mailer("run").exit_code == 0
    state = site / "var" / "mailer.db"
    before = state.read_bytes()
    files = sorted(p.name for p in state.parent.iterdir())

    dry = mailer("run", "--dry-run", "--json")

    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout)["emails"] == 0  # everything was processed already
    assert state.read_bytes() == before
    assert sorted(p.name for p in state.parent.iterdir()) == files
