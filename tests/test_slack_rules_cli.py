"""Slack subscriptions in `mailer rules check|test|export` and `mailer status`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mailer.cli import cli
from mailer.store import Store
from mailer.store.subscriptions import Subscription, SubscriptionStore

ROOT = Path(__file__).resolve().parents[1]
HF_DAILY = ROOT / "examples" / "inbox" / "01-hf-daily-papers-2024-11-07.eml"
NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def subscription(name: str, text: str, **changes: object) -> Subscription:
    values: dict[str, object] = {
        "rule_name": f"slack/U0ALICE/{name}",
        "team": "T0TEAM",
        "owner": "U0ALICE",
        "name": name,
        "target": "slack_user:U0ALICE",
        "rule_text": text,
        "mode": "immediate",
        "at": None,
        "timezone": "UTC",
        "paused": False,
        "created_at": NOW,
        "changed_at": NOW,
        "changed_by": "U0ALICE",
    }
    values.update(changes)
    return Subscription(**values)  # type: ignore[arg-type]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    (tmp_path / "rules").mkdir()
    path = tmp_path / "mailer.yaml"
    path.write_text(
        f"""\
state: sqlite:///{tmp_path}/mailer.db
rules: [{tmp_path}/rules]
slack: {{token_env: SLACK_BOT_TOKEN}}
"""
    )
    store = Store.open(f"sqlite:///{tmp_path}/mailer.db")
    book = SubscriptionStore(store.engine)
    book.add(subscription("lora", "LoRA size<=13B"))
    book.add(
        subscription("slm", "SLM upvotes>=20", mode="daily", at="09:00", timezone="Europe/Paris")
    )
    book.add(subscription("paused", "QLoRA", paused=True))
    store.close()
    return path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env={"SLACK_BOT_TOKEN": "xoxb-x"})


def test_rules_check_counts_subscriptions_and_reports_a_broken_one_at_its_word(
    config: Path, tmp_path: Path
) -> None:
    ok = run("rules", "check", "--config", str(config))
    assert ok.exit_code == 0, ok.output
    assert "ok: 3 rules (1 disabled)" in ok.output
    store = Store.open(f"sqlite:///{tmp_path}/mailer.db")
    SubscriptionStore(store.engine).add(subscription("broken", "LoRA size<=13X"))
    store.close()
    bad = run("rules", "check", "--config", str(config))
    assert bad.exit_code == 1
    assert (
        "slack:slack/U0ALICE/broken:1:6: rule 'slack/U0ALICE/broken': size: '<=13X' is not a size"
        in bad.output
    )


def test_rules_test_includes_subscriptions(config: Path) -> None:
    result = run("rules", "test", "--config", str(config), str(HF_DAILY))
    assert result.exit_code == 0, result.output
    assert "slack/U0ALICE/lora: 2 papers → slack_user:U0ALICE (immediate)" in result.output


def test_export_writes_rules_that_check_clean_and_match_the_same(
    config: Path, tmp_path: Path
) -> None:
    result = run("rules", "export", "--slack", "--config", str(config))
    assert result.exit_code == 0, result.output
    exported = tmp_path / "slack.yaml"
    exported.write_text(result.stdout)
    assert "name: slack/U0ALICE/slm" in result.stdout
    assert "timezone: Europe/Paris" in result.stdout
    # a config with the slack: account the inline targets need and an empty state
    plain = tmp_path / "plain.yaml"
    plain.write_text(
        f"state: sqlite:///{tmp_path}/empty.db\nrules: [{exported}]\n"
        "slack: {token_env: SLACK_BOT_TOKEN}\n"
    )
    check = run("rules", "check", "--config", str(plain), str(exported))
    assert check.exit_code == 0, check.output
    assert "ok: 3 rules (1 disabled)" in check.output, check.output
    tested = run("rules", "test", "--config", str(plain), "--rules", str(exported), str(HF_DAILY))
    assert "slack/U0ALICE/lora: 2 papers" in tested.output


def test_status_shows_feedback_per_rule(config: Path, tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path}/mailer.db")
    book = SubscriptionStore(store.engine)
    book.record_feedback("U0ALICE", "arxiv:1", "slack/U0ALICE/lora", 1, NOW)
    book.record_feedback("U0BOB", "arxiv:1", "slack/U0ALICE/lora", -1, NOW)
    book.record_feedback("U0BOB", "arxiv:2", "slack/U0ALICE/lora", 1, NOW)
    store.close()
    as_json = run("status", "--json", "--config", str(config))
    assert json.loads(as_json.stdout)["feedback"] == {"slack/U0ALICE/lora": {"up": 2, "down": 1}}
    text = run("status", "--config", str(config))
    assert "slack/U0ALICE/lora: 2 👍, 1 👎" in text.output
