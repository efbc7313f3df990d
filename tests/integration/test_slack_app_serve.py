"""The Slack app inside `mailer serve --http`, as a user runs it: a subprocess with a
real Dovecot (IDLE) and the local Slack API double; Slack is played by signed requests
to /slack/events. Prints the ack and delivery times (docs/slack-app.md quotes them)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .dovecot import PASSWORD, DovecotServer, free_port
from .slack_peer import SIGNING_SECRET, SlackPeer
from .slack_server import SlackServer
from .test_serve import (  # noqa: F401  (mailbox is a fixture)
    HF_DAILY,
    ROOT,
    SLACK_TOKEN,
    Served,
    mailbox,
    sample,
    served_config_head,
    wait_for,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def served(tmp_path: Path, mailbox: DovecotServer, slack_server: SlackServer) -> Iterator[Served]:  # noqa: F811
    (tmp_path / "rules").mkdir()
    config = tmp_path / "mailer.yaml"
    config.write_text(
        f"""\
{served_config_head(tmp_path, mailbox)}
slack:
  token_env: TEST_SLACK_TOKEN
  api_url: {slack_server.api_url}
slack_app:
  signing_secret_env: SLACK_SIGNING_SECRET
  command: /papers
"""
    )
    env = {
        **os.environ,
        "TEST_IMAP_PASSWORD": PASSWORD,
        "TEST_SLACK_TOKEN": SLACK_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "PYTHONPATH": str(ROOT),
    }
    service = Served(tmp_path, config, free_port(), env)
    try:
        wait_for("/healthz 200 after start-up", lambda: service.health() == 200, 30)
        yield service
    finally:
        service.close()


def dms(slack: SlackServer) -> list[dict[str, object]]:
    return [p.body for p in slack.posts() if p.body.get("channel") == "D0ALICE"]


def test_subscribe_in_slack_then_a_digest_reaches_the_dm_once(
    served: Served,
    mailbox: DovecotServer,  # noqa: F811
    slack_server: SlackServer,
) -> None:
    peer = SlackPeer(
        f"http://127.0.0.1:{served.http_port}/slack/events", slack_server.response_url()
    )
    # Slack's requests are verified: a bad signature, an old timestamp and a replay get 401
    assert peer.command("subscribe forged", secret="wrong-secret").status == 401
    assert peer.command("subscribe stale", timestamp=int(time.time()) - 600).status == 401

    answer = peer.command("subscribe LoRA size<=13B")
    assert answer.status == 200
    assert answer.seconds < 3.0, f"ack took {answer.seconds:.2f}s"
    wait_for("the ephemeral reply", slack_server.responses, 10)
    reply = json.dumps(slack_server.responses()[0].body)
    assert "Subscribed" in reply
    assert "ephemeral" in reply

    mailbox.append(sample(HF_DAILY))
    appended = time.monotonic()
    wait_for("the alert in U0ALICE's DM", lambda: dms(slack_server), 20)
    delivery = time.monotonic() - appended
    [opened] = slack_server.calls("conversations.open")
    assert opened.body["users"] == "U0ALICE"
    [alert] = dms(slack_server)
    assert "Mixture-of-LoRAs" in json.dumps(alert, ensure_ascii=False)

    # a copy of the same digest under a new Message-ID: nothing is sent twice
    mailbox.append(sample(HF_DAILY, "<copy-of-hf-daily@example.com>"))
    wait_for(
        "the copy to be processed",
        lambda: served.metric("mailer_emails_fetched_total", source="inbox") >= 2,
        20,
    )
    time.sleep(1.0)
    assert len(dms(slack_server)) == 1

    # 👍 on the alert is stored and shown by `mailer status --json`
    button = next(
        e
        for block in alert["blocks"]  # type: ignore[attr-defined]
        if block["type"] == "actions"
        for e in block["elements"]
        if e["action_id"] == "feedback_up"
    )
    assert peer.click("feedback_up", button["value"]).status == 200
    wait_for(
        "feedback in mailer status",
        lambda: json.loads(served.status("--json").stdout)["feedback"],
        10,
    )
    feedback = json.loads(served.status("--json").stdout)["feedback"]
    assert feedback == {"slack/U0ALICE/lora": {"up": 1, "down": 0}}

    log = served.log_text()
    assert "rejected a request with a bad or expired signature" in log
    assert "forged" not in log, "bodies are never logged"
    assert "stale" not in log, "bodies are never logged"
    assert SIGNING_SECRET not in log
    assert SLACK_TOKEN not in log
    print(f"\nslack app: ack {answer.seconds * 1000:.0f} ms, delivery {delivery:.2f} s")
    code, seconds = served.terminate()  # the app's threads do not hold the exit
    assert code == 0
    assert seconds < 10
