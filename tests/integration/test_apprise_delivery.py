"""The apprise destination against a loopback JSON webhook (`json://127.0.0.1:PORT/...`
served by http.server here): what arrives, retries on 5xx, dead with a reason on 4xx,
and the URL's token nowhere in logs, output, the outbox's reasons or the store."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from render_batches import three_paper_batch

from mailer.cli import cli
from mailer.config.settings import ConfigError, Destination, Settings, load_settings
from mailer.core.keys import DestinationRef
from mailer.core.models import MessageStatus
from mailer.notify import Channel, ChannelContext, DeliveryError
from mailer.notify.apprise import AppriseChannel, AppriseDestination
from mailer.notify.http import Pacer
from mailer.notify.render import headline
from mailer.notify.slack import MemoryProgress
from mailer.runtime.delivery import OutboxWorker
from mailer.store import MessageRecord, NewAlert, Store

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s3cr3t-T0KEN-9f8e7d"


class Hook:
    """A JSON webhook on loopback: records every POST, answers the scripted statuses
    (then 200)."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, object]]] = []
        self.statuses: list[int] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                hook.posts.append((self.path, json.loads(body)))
                status = hook.statuses.pop(0) if hook.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = f"hook/{SECRET}") -> str:
        return f"json://127.0.0.1:{self.server.server_address[1]}/{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook() -> Iterator[Hook]:
    server = Hook()
    yield server
    server.close()


def no_sleep_pacer() -> Pacer:
    return Pacer(sleep=lambda seconds: None)


def channel(*urls: str, progress: MemoryProgress | None = None) -> AppriseChannel:
    destination = AppriseDestination.model_validate({"kind": "apprise", "urls": list(urls)})
    return AppriseChannel(
        "team-discord", destination, ChannelContext(), pacer=no_sleep_pacer(), progress=progress
    )


def test_a_batch_arrives_with_its_headline_and_every_paper(hook: Hook) -> None:
    batch = three_paper_batch("team-discord")
    channel(hook.url()).deliver(batch)
    assert len(hook.posts) == 1
    path, body = hook.posts[0]
    assert path == f"/hook/{SECRET}"
    assert body["title"] == headline(batch)
    for item in batch.items:
        assert item.paper.title in str(body["message"])


def test_a_500_is_retried_and_the_batch_arrives_once(hook: Hook) -> None:
    hook.statuses = [500]
    channel(hook.url()).deliver(three_paper_batch("team-discord"))
    assert len(hook.posts) == 2  # the 500, then the message that went through


def test_a_404_is_permanent_with_the_status_and_without_the_token(hook: Hook) -> None:
    hook.statuses = [404]
    with pytest.raises(DeliveryError) as caught:
        channel(hook.url()).deliver(three_paper_batch("team-discord"))
    assert caught.value.permanent
    assert "HTTP 404" in caught.value.reason
    assert SECRET not in caught.value.reason
    assert len(hook.posts) == 1, "a permanent failure is not retried"


def test_a_retry_after_one_url_failed_does_not_resend_to_the_urls_that_took_it(
    hook: Hook,
) -> None:
    progress = MemoryProgress()
    first, second = hook.url("a/one"), hook.url("b/two")
    hook.statuses = [200, 503, 503, 503]  # the second URL is down for the whole delivery
    target = channel(first, second, progress=progress)
    with pytest.raises(DeliveryError) as caught:
        target.deliver(three_paper_batch("team-discord"))
    assert not caught.value.permanent
    target.deliver(three_paper_batch("team-discord"))  # the outbox's retry
    assert [path for path, _ in hook.posts] == ["/a/one", *["/b/two"] * 4]


def test_an_unknown_scheme_is_refused_when_the_config_is_loaded(tmp_path: Path) -> None:
    path = tmp_path / "mailer.yaml"
    path.write_text(f"destinations: {{d: {{kind: apprise, urls: ['no url {SECRET}']}}}}\n")
    with pytest.raises(ConfigError, match="is not an apprise URL") as caught:
        load_settings(path, {})
    assert SECRET not in str(caught.value)


def test_urls_from_the_environment(hook: Hook, tmp_path: Path) -> None:
    path = tmp_path / "mailer.yaml"
    path.write_text("destinations: {d: {kind: apprise, urls_env: HOOKS}}\n")
    settings = load_settings(path, {"HOOKS": f"{hook.url('x/1')}, {hook.url('x/2')}"})
    target = AppriseChannel(
        "d",
        settings.destination(DestinationRef.named("d")),
        ChannelContext.from_settings(settings),
        pacer=no_sleep_pacer(),
    )
    target.send_notice("Newsletter overdue", "hf-daily is 2 days late")
    assert [p for p, _ in hook.posts] == ["/x/1", "/x/2"]
    assert hook.posts[0][1]["title"] == "Newsletter overdue"


RULES = """\
rules:
  - name: small-llms
    match:
      any: [language model, LLM]
    notify:
      - to: {{apprise: "{url}"}}
"""


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hook: Hook) -> Path:
    """The shipped config and samples, with a rule sending to the hook inline."""
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "examples" / "inbox", tmp_path / "examples" / "inbox")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "hook.yaml").write_text(RULES.format(url=hook.url()))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def mailer(*args: str) -> str:
    result = CliRunner().invoke(cli, ["-vv", "--log-format", "json", *args])
    return result.output + (result.stderr if result.stderr_bytes else "")


def test_an_inline_apprise_target_delivers_and_keeps_its_token_out_of_logs_status_and_store(
    site: Path, hook: Hook
) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "mailer", "-vv", "--log-format", "json", "run", "--once"],
        capture_output=True,
        text=True,
        cwd=site,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert hook.posts
    assert all(path == f"/hook/{SECRET}" for path, _ in hook.posts)
    assert "Paper alerts · small-llms" in str(hook.posts[0][1]["title"])
    assert " 0 dead" in run.stdout
    output = run.stdout + run.stderr + mailer("status") + mailer("outbox", "--all")
    assert "apprise:json://..." in output  # the destination, as it is shown and stored
    assert SECRET not in output
    assert SECRET.encode() not in (site / "var" / "mailer.db").read_bytes()


def test_a_404_from_an_inline_target_is_dead_with_its_reason_and_no_token(
    site: Path, hook: Hook, caplog: pytest.LogCaptureFixture
) -> None:
    hook.statuses = [404] * 100
    run = mailer("run", "--once")
    assert len(hook.posts) >= 1
    outbox = mailer("outbox", "--all")
    assert "refused the message: HTTP 404" in outbox
    assert "dead" in run
    everything = run + outbox + mailer("status", "--json") + caplog.text
    assert SECRET not in everything
    assert SECRET.encode() not in (site / "var" / "mailer.db").read_bytes()


def test_through_the_outbox_a_server_down_for_a_while_gets_the_batch_once(
    tmp_path: Path, hook: Hook
) -> None:
    """Three 503s use up the quick retries: the outbox keeps the alerts retrying (the
    reason without the token) and the next round delivers them once."""
    config = tmp_path / "mailer.yaml"
    config.write_text(
        f"state: sqlite:///{tmp_path}/mailer.db\n"
        f"destinations: {{team: {{kind: apprise, urls: ['{hook.url()}']}}}}\n"
        "delivery: {backoff_seconds: 10}\n"
    )
    settings = load_settings(config, {})
    store = Store.open(settings.state)

    def factory(name: str, destination: Destination, settings: Settings) -> Channel:
        context = ChannelContext.from_settings(settings)
        return AppriseChannel(name, destination, context, pacer=no_sleep_pacer())

    try:
        enqueue_sample(store, "team")
        worker = OutboxWorker(store, settings, channel_factory=factory)
        hook.statuses = [503, 503, 503]
        first = worker.deliver_due(T0)
        assert first.sent == 0
        assert first.retrying == 3
        assert "answered HTTP 503; will retry" in first.errors[0]
        assert SECRET not in " ".join(first.errors)
        second = worker.deliver_due(T0 + timedelta(hours=1))
        assert second.sent == 3
        assert len(hook.posts) == 4
        assert worker.deliver_due(T0 + timedelta(hours=2)).sent == 0
    finally:
        store.close()
    assert SECRET.encode() not in (tmp_path / "mailer.db").read_bytes()


T0 = datetime(2025, 10, 14, 9, 0, tzinfo=UTC)


def enqueue_sample(store: Store, destination: str) -> None:
    batch = three_paper_batch(destination)
    record = MessageRecord("inbox", "INBOX", 1, "1", MessageStatus.PARSED, T0, message_id="<d@hf>")
    alerts = [
        NewAlert(
            batch.rule,
            item.paper.id,
            destination,
            batch.batch_key,
            due_at=T0,
            reasons=item.match.reasons,
            rule_description=batch.rule_description,
        )
        for item in batch.items
    ]
    store.record_message(record, [item.paper for item in batch.items], alerts)


def test_notify_test_sends_the_sample_and_never_prints_the_url(site: Path, hook: Hook) -> None:
    result = CliRunner().invoke(cli, ["--json", "notify", "test", f"apprise:{hook.url()}"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sent"] is True
    assert len(hook.posts) == 1
    assert "Paper alerts" in str(hook.posts[0][1]["title"])
    assert SECRET not in result.output + (result.stderr if result.stderr_bytes else "")


def test_mailer_check_reads_urls_env_without_showing_it(tmp_path: Path) -> None:
    config = tmp_path / "mailer.yaml"
    config.write_text("rules: []\ndestinations: {chat: {kind: apprise, urls_env: HOOKS}}\n")
    missing = CliRunner().invoke(cli, ["check", "--config", str(config)], env={"HOOKS": None})
    assert missing.exit_code == 1
    assert "urls_env: environment variable HOOKS is not set" in missing.output
    found = CliRunner().invoke(
        cli, ["check", "--config", str(config)], env={"HOOKS": f"json://h/{SECRET}"}
    )
    assert found.exit_code == 0, found.output
    assert "urls_env is set (value not shown)" in found.output
    assert SECRET not in found.output


def test_a_rule_with_a_malformed_apprise_url_says_so_without_echoing_it(tmp_path: Path) -> None:
    from mailer.rules.loader import load_rules

    rules = tmp_path / "r.yaml"
    rules.write_text(
        "rules:\n  - name: x\n    match: {any: [LoRA]}\n"
        f"    notify: [{{to: {{apprise: 'no-scheme-{SECRET}'}}}}]\n"
    )
    errors = [str(e) for e in load_rules([rules], has_destination=lambda name: True).errors]
    assert len(errors) == 1
    assert "to.apprise: " in errors[0]
    assert "is not an apprise URL" in errors[0]
    assert SECRET not in errors[0]
