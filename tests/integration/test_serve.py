"""`mailer serve` as a user runs it: a subprocess against a real Dovecot (IDLE) and the
local Slack API, observed through Slack posts, /healthz, /metrics, `mailer status`,
its log and its exit code."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest

from .dovecot import PASSWORD, USER, DovecotServer, free_port, start_dovecot
from .slack_server import SlackServer

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
INBOX = ROOT / "examples" / "inbox"
HF_DAILY = INBOX / "01-hf-daily-papers-2024-11-07.eml"  # QLoRA, TinyLlama, ... small LMs
PAPER_PULSE = INBOX / "04-paper-pulse-newsletter.eml"  # Mixtral, Phi-3, ...
CITATIONS = INBOX / "06-google-scholar-citations.eml"  # Code Generation from ...
SLACK_TOKEN = "xoxb-test-token"


def sample(path: Path, message_id: str | None = None) -> bytes:
    """A sample digest, optionally under a new Message-ID (a new copy of the newsletter)."""
    raw = path.read_bytes()
    if message_id is None:
        return raw
    message = message_from_bytes(raw, policy=default_policy)
    del message["Message-ID"]
    message["Message-ID"] = message_id
    return message.as_bytes()


def wait_for(what: str, check: Callable[[], object], timeout: float, every: float = 0.2) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    logs = "".join(f"\n--- {s.log_path} (tail) ---\n{s.log_text()[-4000:]}" for s in _RUNNING)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}{logs}")


_RUNNING: list[Served] = []  # the services a timed-out wait shows the log of


class Served:
    """A running `mailer serve` subprocess and how to look at it."""

    def __init__(self, workdir: Path, config: Path, http_port: int, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.config = config
        self.http_port = http_port
        self.env = env
        self.log_path = workdir / "serve.log"
        self._log = self.log_path.open("wb")
        _RUNNING.append(self)
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "mailer", "--log-format", "json", "serve"),
                *("--config", str(config), "--http", f"127.0.0.1:{http_port}"),
            ],
            cwd=workdir,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def get(self, path: str) -> tuple[int, str]:
        url = f"http://127.0.0.1:{self.http_port}{path}"
        try:
            with urllib.request.urlopen(url, timeout=5) as reply:
                return reply.status, reply.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()
        except (urllib.error.URLError, OSError):
            return 0, ""

    def health(self) -> int:
        return self.get("/healthz")[0]

    def metric(self, name: str, **labels: str) -> float:
        wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        pattern = re.compile(rf"^{re.escape(name)}\{{{re.escape(wanted)}\}} (\S+)$", re.M)
        found = pattern.search(self.get("/metrics")[1])
        return float(found.group(1)) if found else 0.0

    def log_lines(self) -> list[dict[str, object]]:
        lines = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
        return lines

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def status(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "mailer", "status", "--config", str(self.config), *args],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def terminate(self) -> tuple[int, float]:
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=30)
        return code, time.monotonic() - started

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log.close()
        if self in _RUNNING:
            _RUNNING.remove(self)


@pytest.fixture
def mailbox() -> Iterator[DovecotServer]:
    """A private Dovecot with IDLE, in a directory its users can enter."""
    directory = Path(tempfile.mkdtemp(prefix="mailer-serve-"))
    directory.chmod(0o755)
    server = start_dovecot(directory)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


def served_config_head(workdir: Path, mailbox: DovecotServer) -> str:
    """The start of a `mailer serve` test config: state and rules in `workdir`, and the
    IMAP source on the test Dovecot (password in TEST_IMAP_PASSWORD)."""
    return f"""\
state: sqlite:///{workdir}/var/mailer.db
rules: [{workdir}/rules]
sources:
  - name: inbox
    kind: imap
    host: 127.0.0.1
    port: {mailbox.port}
    security: none
    username: {USER}
    password_env: TEST_IMAP_PASSWORD
    connect_timeout: 3
    read_timeout: 10"""


def write_config(workdir: Path, mailbox: DovecotServer, slack: SlackServer) -> Path:
    config = workdir / "mailer.yaml"
    config.write_text(
        f"""\
{served_config_head(workdir, mailbox)}
slack:
  token_env: TEST_SLACK_TOKEN
  api_url: {slack.api_url}
destinations:
  team: {{kind: slack, channel: "#papers"}}
  digest: {{kind: slack, channel: "#digest"}}
  ops: {{kind: slack, channel: "#ops"}}
admin: ops
delivery:
  backoff_seconds: 1
"""
    )
    return config


def write_rules(workdir: Path, text: str) -> None:
    rules = workdir / "rules"
    rules.mkdir(exist_ok=True)
    path = rules / "papers.yaml"
    path.write_text(text)
    stamp = time.time() + 1  # an mtime that differs even on a coarse clock
    os.utime(path, (stamp, stamp))


@pytest.fixture
def start_service(
    tmp_path: Path, mailbox: DovecotServer, slack_server: SlackServer
) -> Iterator[Callable[[], Served]]:
    env = {
        **os.environ,
        "TEST_IMAP_PASSWORD": PASSWORD,
        "TEST_SLACK_TOKEN": SLACK_TOKEN,
        "PYTHONPATH": str(ROOT),
    }
    config = write_config(tmp_path, mailbox, slack_server)
    started: list[Served] = []

    def start() -> Served:
        served = Served(tmp_path, config, free_port(), env)
        started.append(served)
        return served

    yield start
    for served in started:
        served.close()


def posts_to(slack: SlackServer, channel: str) -> list[str]:
    return [json.dumps(p.body) for p in slack.posts() if p.body.get("channel") == channel]


def next_minute_with_margin(margin: float) -> datetime:
    now = datetime.now(UTC)
    at = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    if (at - now).total_seconds() < margin:
        at += timedelta(minutes=1)
    return at


def test_alerts_daily_feed_health_metrics_and_clean_exit(
    tmp_path: Path,
    start_service: Callable[[], Served],
    mailbox: DovecotServer,
    slack_server: SlackServer,
) -> None:
    feed_at = next_minute_with_margin(25)
    write_rules(
        tmp_path,
        f"""\
rules:
  - name: qlora
    match: {{any: [QLoRA]}}
    notify: [{{to: team}}]
  - name: small-models
    match: {{any: [language model], size: "<= 2B"}}
    notify: [{{to: digest, mode: daily, at: "{feed_at:%H:%M}", timezone: UTC}}]
""",
    )
    served = start_service()
    wait_for("/healthz 200 after start-up", lambda: served.health() == 200, 30)

    # an alert within seconds of a new email (IMAP IDLE push) once the service watches:
    # mail that lands in the instant between the watcher's last look and the start of
    # IDLE is announced at Dovecot's next check of the mailbox (30 s) instead
    wait_for("the watcher in IDLE", lambda: "watching INBOX with IDLE" in served.log_text(), 30)
    time.sleep(0.5)
    mailbox.append(sample(HF_DAILY))
    appended = time.monotonic()
    wait_for("the QLoRA alert in #papers", lambda: posts_to(slack_server, "#papers"), 15)
    alert_seconds = time.monotonic() - appended
    assert alert_seconds < 10, f"alert took {alert_seconds:.1f}s"
    assert "QLoRA" in posts_to(slack_server, "#papers")[0]
    assert not posts_to(slack_server, "#digest"), "the daily feed went out before its time"

    # /metrics counts what happened
    assert served.metric("mailer_emails_fetched_total", source="inbox") == 1
    assert served.metric("mailer_matches_total", rule="qlora") >= 1
    assert served.metric("mailer_alerts_sent_total", destination="team") >= 1
    assert served.metric("mailer_last_fetch_success_timestamp_seconds", source="inbox") > 0
    pending = served.metric("mailer_outbox_depth", state="pending")
    assert pending >= 1, "the daily feed's alerts wait in the outbox"

    # /healthz follows the mailbox: 503 while Dovecot is down, 200 once it is back
    # (done while the daily feed waits for its minute)
    mailbox.stop()
    stopped = time.monotonic()
    wait_for("/healthz 503 with Dovecot stopped", lambda: served.health() == 503, 60)
    unhealthy_seconds = time.monotonic() - stopped
    _, body = served.get("/healthz")
    assert "inbox" in json.loads(body)["reasons"][0]
    mailbox.start()
    restarted = time.monotonic()
    wait_for("/healthz 200 with Dovecot back", lambda: served.health() == 200, 90)
    healthy_seconds = time.monotonic() - restarted
    assert served.metric("mailer_imap_reconnects_total", source="inbox") >= 1

    # the daily feed at its time
    wait_for(
        f"the daily feed in #digest at {feed_at:%H:%M}",
        lambda: posts_to(slack_server, "#digest"),
        max(0.0, (feed_at - datetime.now(UTC)).total_seconds()) + 25,
        every=0.5,
    )
    digest = posts_to(slack_server, "#digest")
    assert len(digest) == 1
    assert "TinyLlama" in digest[0]
    sent_at = [
        datetime.fromisoformat(str(line["ts"]))
        for line in served.log_lines()
        if line.get("destination") == "digest" and str(line["msg"]).startswith("delivered")
    ]
    assert feed_at <= sent_at[0] < feed_at + timedelta(seconds=5), (feed_at, sent_at)
    assert served.metric("mailer_alerts_sent_total", destination="digest") == pending
    assert served.metric("mailer_outbox_depth", state="pending") == 0

    # a clean exit on SIGTERM
    code, seconds = served.terminate()
    assert code == 0, (code, seconds, served.log_text()[-2000:])
    assert seconds < 10, (code, seconds, served.log_text()[-2000:])
    assert "stopped" in [line["msg"] for line in served.log_lines()]
    assert PASSWORD not in served.log_text()
    assert SLACK_TOKEN not in served.log_text()
    print(
        f"alert {alert_seconds:.2f}s after the email; daily feed {sent_at[0] - feed_at} after "
        f"{feed_at:%H:%M}; /healthz 503 {unhealthy_seconds:.1f}s after Dovecot stopped, "
        f"200 {healthy_seconds:.1f}s after it restarted; SIGTERM exit {code} in {seconds:.2f}s"
    )


def test_rule_edits_apply_to_the_next_message_and_a_broken_edit_keeps_the_old_rules(
    tmp_path: Path,
    start_service: Callable[[], Served],
    mailbox: DovecotServer,
    slack_server: SlackServer,
) -> None:
    qlora = "  - name: qlora\n    match: {any: [QLoRA]}\n    notify: [{to: team}]\n"
    code_rule = "  - name: code\n    match: {any: [Code Generation]}\n    notify: [{to: team}]\n"
    write_rules(tmp_path, "rules:\n" + qlora)
    served = start_service()
    wait_for("/healthz 200 after start-up", lambda: served.health() == 200, 30)

    second = start_service()  # a second instance on the same state refuses to start
    assert second.process.wait(timeout=30) == 2
    assert "already running" in second.log_text()

    mailbox.append(sample(HF_DAILY))
    wait_for("the QLoRA alert", lambda: posts_to(slack_server, "#papers"), 15)

    # an edit takes effect on the next message
    write_rules(tmp_path, "rules:\n" + qlora + code_rule)
    wait_for("the reload", lambda: "rules reloaded: 2 rules" in served.log_text(), 15)
    mailbox.append(sample(CITATIONS))
    wait_for(
        "the alert of the new rule",
        lambda: any("Code Generation" in p for p in posts_to(slack_server, "#papers")),
        15,
    )

    # a broken edit keeps the previous rules; the error is in the log and in status
    broken = "  - name: mixtral\n    match: {any: [Mixtral], min_upvotes: lots}\n"
    write_rules(tmp_path, "rules:\n" + qlora + code_rule + broken + "    notify: [{to: team}]\n")
    wait_for("the rule error in the log", lambda: "rule error" in served.log_text(), 15)
    errors = [line for line in served.log_lines() if "rule error" in str(line["msg"])]
    assert "papers.yaml:" in str(errors[0]["msg"])
    assert "min_upvotes" in str(errors[0]["msg"])
    report = served.status()
    assert report.returncode == 0, report.stderr
    assert "keeps the previous rules" in report.stdout
    assert "min_upvotes" in report.stdout
    as_json = json.loads(served.status("--json").stdout)
    assert as_json["service"]["rules"]["ok"] is False
    assert as_json["service"]["fetches"]["inbox"]["ok"] is True

    before = len(posts_to(slack_server, "#papers"))
    mailbox.append(sample(PAPER_PULSE))
    wait_for(
        "the third email to be processed",
        lambda: served.metric("mailer_emails_fetched_total", source="inbox") == 3,
        15,
    )
    time.sleep(1)  # delivery follows the fetch in the same job
    assert len(posts_to(slack_server, "#papers")) == before, "the broken rule file was used"

    code, seconds = served.terminate()
    assert code == 0
    assert seconds < 10
