"""A long feed by email arrives whole: the 180-paper arXiv listing, delivered by
`mailer run` to a real SMTP server (aiosmtpd on 127.0.0.1), comes as a thread of
parts each under 100 KB of HTML, every paper in exactly one part; the file destination
writes the very messages SMTP sent."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
from click.testing import CliRunner
from render_batches import daily_feed_batch

from mailer.cli import cli
from mailer.config.settings import load_settings
from mailer.core.keys import DestinationRef
from mailer.notify import ChannelContext, DeliveryError
from mailer.notify.email import EmailChannel
from mailer.notify.slack import MemoryProgress
from mailer.parse import parse_email

from .smtp_server import SmtpServer

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
LISTING = ROOT / "tests" / "data" / "arxiv_listing" / "cs-daily-2024-11-07.eml"
RULES = """\
rules:
  - name: everything-arxiv
    match: {formats: [arxiv-listing]}
    notify:
      - to: alice-email
      - to: preview
"""


def config(server: SmtpServer) -> str:
    return f"""\
state: sqlite:///var/mailer.db
rules: rules/
sources:
  - {{name: inbox, kind: directory, path: inbox}}
smtp:
  host: 127.0.0.1
  port: {server.port}
  security: none
  from: "Paper alerts <papers@example.com>"
  unsubscribe: "https://papers.example.com/unsubscribe"
destinations:
  alice-email: {{kind: email, to: [alice@example.com]}}
  preview: {{kind: file, path: var/out, to: [alice@example.com]}}
"""


def html_of(message: EmailMessage) -> str:
    body = message.get_body(("html",))
    assert body is not None
    return str(body.get_content())


def test_the_arxiv_listing_arrives_as_parts_under_100_kb_with_every_paper_once(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    smtp_server_factory: Callable[..., SmtpServer],
) -> None:
    server = smtp_server_factory()
    (tmp_path / "inbox").mkdir()
    shutil.copy(LISTING, tmp_path / "inbox" / "arxiv.eml")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "all.yaml").write_text(RULES)
    (tmp_path / "mailer.yaml").write_text(config(server))
    monkeypatch.chdir(tmp_path)

    result = CliRunner().invoke(cli, ["run", "--config", "mailer.yaml"])
    assert result.exit_code == 0, result.output

    papers = parse_email(LISTING.read_bytes()).papers
    assert len(papers) == 180
    messages = [r.message for r in server.received]
    assert len(messages) >= 3
    total = len(messages)
    first_id = messages[0]["Message-ID"]
    seen: list[str] = []
    for number, message in enumerate(messages, 1):
        html = html_of(message)
        assert len(html.encode("utf-8")) < 100_000
        assert message["Subject"].endswith(f"part {number} of {total}")
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["List-Unsubscribe"] == "<https://papers.example.com/unsubscribe>"
        if number > 1:
            assert message["In-Reply-To"] == first_id
            assert first_id in message["References"]
        seen += re.findall(r'<h2[^>]*>\s*<a href="https://arxiv\.org/abs/([^"]+)"', html)
    assert sorted(seen) == sorted(p.arxiv_id for p in papers if p.arxiv_id)
    assert len(seen) == len(set(seen)) == 180

    written = sorted((tmp_path / "var" / "out").glob("*.eml"))
    assert [re.search(r"part(\d+)-of", p.name)[1] for p in written] == [  # type: ignore[index]
        str(n) for n in range(1, total + 1)
    ]
    for path, sent in zip(written, messages, strict=True):
        on_disk = message_from_bytes(path.read_bytes(), policy=default)
        for header in ("From", "To", "Subject", "Auto-Submitted", "List-Unsubscribe",
                       "List-Unsubscribe-Post"):  # fmt: skip
            assert on_disk[header] == sent[header], header
        # the ids name the destination (a batch is per rule and destination): same shape
        assert on_disk["Message-ID"].endswith(".alerts@example.com>")
        assert (on_disk["In-Reply-To"] is None) == (sent["In-Reply-To"] is None)
        assert on_disk.get_content_type() == sent.get_content_type() == "multipart/alternative"
        assert html_of(on_disk) == html_of(sent)


def test_a_retry_after_a_failure_part_way_sends_only_the_missing_parts(
    tmp_path: Path, smtp_server_factory: Callable[..., SmtpServer]
) -> None:
    server = smtp_server_factory()
    path = tmp_path / "mailer.yaml"
    path.write_text(config(server).replace("rules: rules/", f"rules: {tmp_path}"))
    settings = load_settings(path, {})
    batch = daily_feed_batch(400, destination="alice-email")
    channel = EmailChannel("alice-email", settings.destination(DestinationRef.named("alice-email")),
                           ChannelContext.from_settings(settings),
                           progress=MemoryProgress())  # fmt: skip
    server.fail_data += ["250 OK", "451 4.3.0 try again later"]  # part 1 goes, part 2 not
    with pytest.raises(DeliveryError) as caught:
        channel.deliver(batch)
    assert not caught.value.permanent
    channel.deliver(batch)  # the outbox's retry
    subjects = [r.message["Subject"] for r in server.received]
    total = int(subjects[0].rsplit(" of ", 1)[1])
    assert total >= 3
    assert subjects == [f"{subjects[0].rsplit(' · ', 1)[0]} · part {n} of {total}"
                        for n in range(2, total + 1)]  # fmt: skip
