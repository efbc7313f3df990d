"""The Slack app over HTTP: the real ASGI app on uvicorn (127.0.0.1), signed requests as
Slack sends them, and the local Slack Web API double for everything the app calls."""

from __future__ import annotations

import json
import shutil
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from starlette.routing import Route

from mailer.config.settings import Settings, load_settings
from mailer.runtime.app import Pipeline
from mailer.runtime.health import HealthReport, HealthServer
from mailer.slackapp.server import SlackApp
from mailer.store.subscriptions import SubscriptionStore

from .slack_peer import SIGNING_SECRET, SlackPeer
from .slack_server import SlackServer

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
HF_DAILY = ROOT / "examples" / "inbox" / "01-hf-daily-papers-2024-11-07.eml"
ARXIV = ROOT / "examples" / "inbox" / "02-arxiv-cs-daily-2024-11-07.eml"
TOKEN = "xoxb-test-token"


@dataclass
class Env:
    pipeline: Pipeline
    slack_app: SlackApp
    peer: SlackPeer
    slack: SlackServer
    inbox: Path
    store: SubscriptionStore
    settings: Settings

    def replies(self) -> list[dict[str, object]]:
        return [r.body for r in self.slack.responses()]

    def last_reply(self) -> str:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.slack.responses():
                return json.dumps(self.slack.responses()[-1].body, ensure_ascii=False)
            time.sleep(0.05)
        raise AssertionError("no reply arrived at response_url")

    def command(self, text: str, **kw: str) -> str:
        """Run a command; return the ephemeral reply it got (as JSON text)."""
        before = len(self.slack.responses())
        answer = self.peer.command(text, **kw)
        assert answer.status == 200, answer
        deadline = time.monotonic() + 10
        while len(self.slack.responses()) == before and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.last_reply()

    def wait_calls(self, method: str, count: int) -> None:
        deadline = time.monotonic() + 10
        while len(self.slack.calls(method)) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.slack.calls(method)) >= count, f"{method} was not called"


def view_of(body: dict[str, object]) -> dict[str, Any]:
    view = body["view"]
    return json.loads(view) if isinstance(view, str) else view  # type: ignore[return-value]


@pytest.fixture
def env(tmp_path: Path, slack_server: SlackServer) -> Iterator[Env]:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (tmp_path / "rules").mkdir()
    config = tmp_path / "mailer.yaml"
    config.write_text(
        f"""\
state: sqlite:///{tmp_path}/mailer.db
rules: [{tmp_path}/rules]
sources: [{{name: inbox, kind: directory, path: {inbox}}}]
slack: {{token_env: SLACK_BOT_TOKEN, api_url: "{slack_server.api_url}"}}
slack_app:
  signing_secret_env: SLACK_SIGNING_SECRET
  command: /papers
  admins: [U0ADMIN]
  max_subscriptions: 3
"""
    )
    settings = load_settings(
        config, {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}
    )
    pipeline = Pipeline.open(settings)
    slack_app = SlackApp(
        settings, pipeline.store.engine, clock=pipeline.clock, on_change=pipeline.reload_rules
    )
    server = HealthServer(
        "127.0.0.1",
        0,
        lambda: HealthReport(True, ()),
        extra_routes=[Route("/slack/events", slack_app.handle_http, methods=["POST"])],
    )
    server.start()
    host, port = server.address
    peer = SlackPeer(f"http://{host}:{port}/slack/events", slack_server.response_url())
    try:
        yield Env(pipeline, slack_app, peer, slack_server, inbox, slack_app.store, settings)
    finally:
        server.stop()
        pipeline.close()


def test_bad_signature_and_replays_get_401_and_no_handler_runs(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    assert env.peer.command("list", secret="not-the-secret").status == 401
    old = int(time.time()) - 6 * 60
    assert env.peer.command("list", timestamp=old).status == 401
    body = env.peer.command_body("subscribe replayed-words")
    first, headers = env.peer.post(body, "application/x-www-form-urlencoded")
    assert first.status == 200
    assert env.peer.send(body, headers).status == 401, "the same signed request twice"
    time.sleep(0.5)
    assert len(env.store.all()) == 1, "the replay subscribed nothing"
    assert "replayed-words" not in caplog.text
    assert SIGNING_SECRET not in caplog.text
    assert "bad or expired signature" in caplog.text


def test_a_request_replayed_to_another_replica_gets_401_there_too(env: Env) -> None:
    # two replicas behind one Service: each has its own process, both share the state
    engine = create_engine(env.pipeline.store.engine.url)
    replica = SlackApp(env.settings, engine, clock=env.pipeline.clock, on_change=lambda: None)
    server = HealthServer(
        "127.0.0.1",
        0,
        lambda: HealthReport(True, ()),
        extra_routes=[Route("/slack/events", replica.handle_http, methods=["POST"])],
    )
    server.start()
    try:
        host, port = server.address
        other = SlackPeer(f"http://{host}:{port}/slack/events", env.slack.response_url())
        body = env.peer.command_body("subscribe replayed-elsewhere")
        first, headers = env.peer.post(body, "application/x-www-form-urlencoded")
        assert first.status == 200
        assert other.send(body, headers).status == 401, "the same signed request, other replica"
        fresh = other.command_body("list")  # a new request is served there as usual
        assert other.post(fresh, "application/x-www-form-urlencoded")[0].status == 200
        time.sleep(0.5)
        assert [s.name for s in env.store.all()] == ["replayed-elsewhere"]
    finally:
        server.stop()
        engine.dispose()


def test_a_timestamp_that_is_not_a_number_gets_401_not_a_server_error(env: Env) -> None:
    body = env.peer.command_body("list")
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": "soon",
        "X-Slack-Signature": "v0=" + "0" * 64,
    }
    assert env.peer.send(body, headers).status == 401


def test_an_oversized_body_is_refused_by_its_length_before_it_is_read(env: Env) -> None:
    """A client that announces a gigabyte gets 413 at once: nothing waits for (or keeps)
    a body no Slack request comes near."""
    host, _, port = env.peer.url.removeprefix("http://").partition("/")[0].partition(":")
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n{"
        )
        status = conn.recv(200).split(b"\r\n", 1)[0]
    assert status.startswith(b"HTTP/1.1 413"), status


def test_subscribe_acks_fast_and_the_next_digest_reaches_the_dm_once(env: Env) -> None:
    answer = env.peer.command("subscribe LoRA size<=13B")
    assert answer.status == 200
    assert answer.seconds < 3.0
    reply = env.last_reply()
    assert "Subscribed" in reply
    assert '"response_type": "ephemeral"' in reply
    [subscription] = env.store.of_owner("U0ALICE")
    assert (subscription.rule_name, subscription.target) == (
        "slack/U0ALICE/lora",
        "slack_user:U0ALICE",
    )
    assert "slack/U0ALICE/lora" in {r.name for r in env.pipeline.rules.rules}, "reloaded"

    shutil.copy(HF_DAILY, env.inbox / "a.eml")
    env.pipeline.run_once()
    dms = [p for p in env.slack.posts() if p.body.get("channel") == "D0ALICE"]
    assert len(dms) == 1
    assert env.slack.calls("conversations.open")[0].body["users"] == "U0ALICE"
    text = json.dumps(dms[0].body, ensure_ascii=False)
    assert "Mixture-of-LoRAs" in text
    assert "Fine-Tuning Language Models with Just Forward" in text
    assert "feedback_up" in text

    shutil.copy(HF_DAILY, env.inbox / "b.eml")  # the same digest again: nothing new
    env.command("subscribe LoRA name:again")  # a second subscription to the same DM
    env.pipeline.run_once()
    assert len([p for p in env.slack.posts() if p.body.get("channel") == "D0ALICE"]) == 1


def test_list_preview_pause_resume_unsubscribe(env: Env) -> None:
    shutil.copy(HF_DAILY, env.inbox / "a.eml")
    env.pipeline.run_once()  # stored papers for the preview
    preview = env.command("preview LoRA size<=13B")
    assert "would have matched 2 of" in preview
    assert "Mixture-of-LoRAs" in preview
    assert "2.7B ≤ 13B" in preview, "with the reasons"
    assert not env.store.all(), "a preview subscribes nothing"

    env.command("subscribe LoRA size 1B..13B upvotes>=20 format hf-daily daily 09:00 name:small")
    [subscription] = env.store.of_owner("U0ALICE")
    assert (subscription.mode, subscription.at, subscription.timezone) == (
        "daily",
        "09:00",
        "Europe/Paris",
    ), "the user's time zone from users.info"
    listed = env.command("list")
    assert "small" in listed
    assert "daily 09:00 Europe/Paris" in listed

    assert "Paused" in env.command("pause small")
    assert env.store.get("slack/U0ALICE/small").paused  # type: ignore[union-attr]
    assert "slack/U0ALICE/small" not in {r.name for r in env.pipeline.rules.enabled}
    env.command("resume small")
    assert "slack/U0ALICE/small" in {r.name for r in env.pipeline.rules.enabled}
    assert "Unsubscribed" in env.command("unsubscribe small")
    assert not env.store.all()
    assert "no subscription named" in env.command("unsubscribe small")


def test_errors_point_at_the_word_with_the_rules_check_message(env: Env) -> None:
    reply = json.loads(env.command("subscribe LoRA size<=13X"))
    text = reply["blocks"][0]["text"]["text"]
    assert "size: '&lt;=13X' is not a size; write e.g. '&lt;= 8B' or '1B..13B'" in text
    command, pointer = text.split("```")[1].split("\n")
    assert command[pointer.index("^") :].startswith("size")
    assert pointer.count("^") == len("size<=13X")
    reply = json.loads(env.command("subscribe LoRA and QLoRA"))
    assert "write the operators AND, OR and NOT in capitals" in reply["text"]
    assert "unknown command 'frobnicate'. Try `help`" in env.command("frobnicate")
    assert "did you mean 'list'?" in env.command("lst")
    assert "subscribe LoRA size&lt;=13B" in env.command("help")


def test_here_needs_membership_and_limits_hold(env: Env) -> None:
    env.slack.members["C0PAPERS"] = ["U0ALICE"]
    assert "Subscribed" in env.command("subscribe LoRA here", channel="C0PAPERS")
    assert env.store.of_owner("U0ALICE")[0].target == "slack:C0PAPERS"
    reply = env.command("subscribe LoRA here", user="U0BOB", channel="C0PAPERS")
    assert "member" in reply
    assert not env.store.of_owner("U0BOB")
    env.command("subscribe QLoRA")
    env.command("subscribe DPO")
    assert "the most allowed" in env.command("subscribe RLHF")
    assert len(env.store.of_owner("U0ALICE")) == 3


def test_user_text_is_escaped_in_replies(env: Env) -> None:
    reply = env.command('subscribe "<!channel>" name:x')
    assert "<!channel>" not in reply
    assert "&lt;!channel&gt;" in reply


def test_home_tab_buttons_and_modal(env: Env) -> None:
    env.command("subscribe LoRA size<=13B")
    assert (
        env.peer.event({"type": "app_home_opened", "user": "U0ALICE", "tab": "home"}).status == 200
    )
    env.wait_calls("views.publish", 1)
    home = env.slack.calls("views.publish")[-1].body
    view = view_of(home)
    assert home["user_id"] == "U0ALICE"
    actions = [
        e["action_id"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert actions == ["sub_new", "sub_edit", "sub_pause", "sub_delete"]

    assert env.peer.click("sub_pause", "slack/U0ALICE/lora").status == 200
    env.wait_calls("views.publish", 2)
    assert env.store.get("slack/U0ALICE/lora").paused  # type: ignore[union-attr]
    env.peer.click("sub_pause", "slack/U0ALICE/lora", user="U0MALLORY")
    env.peer.click("sub_delete", "slack/U0ALICE/lora", user="U0MALLORY")
    env.wait_calls("views.publish", 4)
    assert env.store.get("slack/U0ALICE/lora") is not None, "only the owner or an admin"
    env.peer.click("sub_resume", "slack/U0ALICE/lora", user="U0ADMIN")
    env.wait_calls("views.publish", 5)
    assert not env.store.get("slack/U0ALICE/lora").paused  # type: ignore[union-attr]

    env.peer.click("sub_edit", "slack/U0ALICE/lora")
    env.wait_calls("views.open", 1)
    modal = view_of(env.slack.calls("views.open")[-1].body)
    assert modal["private_metadata"] == "slack/U0ALICE/lora"
    assert modal["blocks"][0]["element"]["initial_value"] == "LoRA size<=13B"
    assert "Would have matched *0* papers" in json.dumps(modal)

    shutil.copy(HF_DAILY, env.inbox / "a.eml")
    env.pipeline.run_once()
    typing = {"id": "V1", "hash": "h1", "private_metadata": "slack/U0ALICE/lora"}
    env.peer.click(views_action := "rule_text", "LoRA size<=1B", view=typing)
    env.wait_calls("views.update", 1)
    updated = env.slack.calls("views.update")[-1].body
    assert views_action
    assert "Would have matched *1* paper " in json.dumps(view_of(updated))

    submit = {
        "type": "view_submission",
        "team": {"id": "T0TEAM"},
        "user": {"id": "U0ALICE", "team_id": "T0TEAM"},
        "api_app_id": "A0APP",
        "view": {
            "id": "V1",
            "type": "modal",
            "hash": "h1",
            "callback_id": "subscription_modal",
            "private_metadata": "slack/U0ALICE/lora",
            "state": {
                "values": {
                    "rule": {"rule_text": {"type": "plain_text_input", "value": "LoRA size<=1B"}}
                }
            },
        },
    }
    assert env.peer.interaction(submit).status == 200
    assert env.store.get("slack/U0ALICE/lora").rule_text == "LoRA size<=1B"  # type: ignore[union-attr]
    submit["view"]["state"]["values"]["rule"]["rule_text"]["value"] = "LoRA size<=1X"  # type: ignore[index]
    bad = env.peer.interaction(submit)
    assert bad.status == 200
    assert json.loads(bad.body)["response_action"] == "errors"

    env.peer.click("sub_delete", "slack/U0ALICE/lora")
    env.wait_calls("views.publish", 7)
    assert env.store.get("slack/U0ALICE/lora") is None


def test_a_modal_name_with_a_space_is_an_error_not_an_extra_query_word(env: Env) -> None:
    """The name field's 'lora small' used to become `name:lora` plus the query word
    'small': a subscription to 'LoRA small', silently narrower than what was typed."""
    values = {
        "rule": {"rule_text": {"type": "plain_text_input", "value": "LoRA size<=13B"}},
        "name": {"name": {"type": "plain_text_input", "value": "lora small"}},
    }
    submit = {
        "type": "view_submission",
        "team": {"id": "T0TEAM"},
        "user": {"id": "U0ALICE", "team_id": "T0TEAM"},
        "api_app_id": "A0APP",
        "view": {
            "id": "V2",
            "type": "modal",
            "hash": "h2",
            "callback_id": "subscription_modal",
            "private_metadata": "",
            "state": {"values": values},
        },
    }
    answer = env.peer.interaction(submit)
    assert answer.status == 200
    assert json.loads(answer.body) == {
        "response_action": "errors",
        "errors": {"name": "use up to 40 letters, digits, '-', '_' or '.' (no spaces)"},
    }
    assert env.store.all() == []
    values["name"]["name"]["value"] = " Lora-Small "
    assert env.peer.interaction(submit).status == 200
    deadline = time.monotonic() + 10
    while not env.store.all() and time.monotonic() < deadline:
        time.sleep(0.05)
    [made] = env.store.all()
    assert (made.name, made.rule_text) == ("lora-small", "LoRA size<=13B")


def test_feedback_clicks_are_stored_per_user_paper_rule(env: Env) -> None:
    value = json.dumps({"p": "arxiv:2503.01743", "r": "slack/U0ALICE/lora"})
    assert env.peer.click("feedback_up", value).status == 200
    assert env.peer.click("feedback_down", value).status == 200  # a change of mind
    assert env.peer.click("feedback_up", value, user="U0BOB").status == 200
    deadline = time.monotonic() + 10
    while len(env.store.feedback_of("U0BOB")) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    assert env.store.feedback_of("U0ALICE") == [("arxiv:2503.01743", "slack/U0ALICE/lora", -1)]
    [count] = env.store.feedback_counts()
    assert (count.rule, count.up, count.down) == ("slack/U0ALICE/lora", 1, 1)
