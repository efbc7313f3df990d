"""The IMAP source against a real Dovecot: once and only once, unseen unless asked,
resync after UIDVALIDITY changes, TLS, and one-line errors."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Generator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from mailer.sources import SourceError
from mailer.sources.imap import ImapSource

from .dovecot import PASSWORD, USER, DovecotServer, free_port
from .imap_kit import (
    alerted_papers,
    digest,
    imap_settings,
    open_pipeline,
)

pytestmark = pytest.mark.integration


def imap_source(tmp_path: Path, server: DovecotServer, **options: object) -> ImapSource:
    settings = imap_settings(tmp_path, server, **options)
    config = settings.sources[0]
    assert config.kind == "imap"
    return ImapSource(config, settings)


def test_appended_messages_alert_once_and_stay_unseen(
    tmp_path: Path, dovecot: DovecotServer
) -> None:
    for n in (1, 2, 3):
        dovecot.append(digest(n))
    pipe, recorder = open_pipeline(imap_settings(tmp_path, dovecot))
    first = pipe.run_once()
    assert first.emails == 3
    assert not first.problems
    assert alerted_papers(recorder) == ["arxiv:2510.00001", "arxiv:2510.00002", "arxiv:2510.00003"]
    second = pipe.run_once()
    assert second.emails == 0
    assert second.delivery.sent == 0
    dovecot.append(digest(4))
    third = pipe.run_once()
    assert third.emails == 1
    assert alerted_papers(recorder)[-1] == "arxiv:2510.00004"
    assert all(b"\\Seen" not in flags for flags in dovecot.flags().values())
    pipe.close()


def test_mark_seen_and_move_to_happen_only_after_the_commit(
    tmp_path: Path, dovecot: DovecotServer
) -> None:
    for n in (1, 2):
        dovecot.append(digest(n))
    settings = imap_settings(tmp_path, dovecot, after={"mark_seen": True, "move_to": "Processed"})
    pipe, recorder = open_pipeline(settings)
    assert pipe.run_once().emails == 2
    assert dovecot.count("INBOX") == 0
    moved = dovecot.flags("Processed")
    assert len(moved) == 2
    assert all(b"\\Seen" in flags for flags in moved.values())
    assert pipe.run_once().emails == 0
    assert len(recorder.alerts()) == 2
    pipe.close()


def test_a_move_the_server_refuses_is_retried_once_per_fetch_then_given_up(
    tmp_path: Path, dovecot: DovecotServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mailer.sources import imap as imap_module

    for n in (1, 2, 3):
        dovecot.append(digest(n))
    settings = imap_settings(tmp_path, dovecot, after={"move_to": "~Processed"})  # refused
    pipe, recorder = open_pipeline(settings)
    logins: list[str] = []
    real_connect = imap_module.connect  # type: ignore[attr-defined]  # patched where it is used

    def counting_connect(*args: Any, **kwargs: Any) -> Any:  # the narrow seam: opening a connection
        logins.append("login")
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(imap_module, "connect", counting_connect)
    assert pipe.run_once().emails == 3
    assert len(recorder.alerts()) == 3
    logins.clear()
    assert pipe.run_once().emails == 0
    assert len(logins) == 1  # one failed retry, not one per pending message
    for _ in range(9):  # 5 attempts each, one message after the other
        pipe.run_once()
    assert dovecot.count("INBOX") == 3  # never moved, and no longer retried for ever
    logins.clear()
    pipe.run_once()
    assert logins == []
    pipe.close()


def test_mark_seen_alone_keeps_messages_in_place(tmp_path: Path, dovecot: DovecotServer) -> None:
    dovecot.append(digest(1))
    pipe, _ = open_pipeline(imap_settings(tmp_path, dovecot, after={"mark_seen": True}))
    assert pipe.run_once().emails == 1
    [flags] = dovecot.flags().values()
    assert b"\\Seen" in flags
    pipe.close()


def test_a_recreated_folder_alerts_only_the_new_messages(
    tmp_path: Path, dovecot: DovecotServer
) -> None:
    for n in (1, 2):
        dovecot.append(digest(n), folder="Papers")
    pipe, recorder = open_pipeline(imap_settings(tmp_path, dovecot, folder="Papers"))
    assert pipe.run_once().emails == 2
    before = dovecot.uidvalidity("Papers")
    dovecot.delete_folder("Papers")
    for n in (1, 2, 3, 4):  # the same two again, then two new ones
        dovecot.append(digest(n), folder="Papers")
    assert dovecot.uidvalidity("Papers") != before
    summary = pipe.run_once()
    assert summary.emails == 4
    assert len(summary.skipped) == 2
    assert summary.new_alerts == 2
    assert alerted_papers(recorder) == [f"arxiv:2510.0000{n}" for n in (1, 2, 3, 4)]
    assert pipe.run_once().emails == 0
    pipe.close()


def test_oversized_messages_are_recorded_as_skipped_without_download(
    tmp_path: Path, dovecot: DovecotServer
) -> None:
    dovecot.append(digest(1))
    dovecot.append(digest(2) + b"x" * 5000)
    pipe, recorder = open_pipeline(imap_settings(tmp_path, dovecot, max_message_bytes=3000))
    summary = pipe.run_once()
    assert summary.emails == 2
    assert len(summary.skipped) == 1
    assert "over max_message_bytes" in str(summary)
    assert alerted_papers(recorder) == ["arxiv:2510.00001"]
    pipe.close()


def test_a_skipped_message_the_store_failed_to_record_is_handed_over_again(
    tmp_path: Path, dovecot: DovecotServer
) -> None:
    dovecot.append(digest(1))
    pipe, _recorder = open_pipeline(imap_settings(tmp_path, dovecot, max_message_bytes=3000))
    assert pipe.run_once().emails == 1  # (the look below the highest UID is done now)
    dovecot.append(digest(2) + b"x" * 5000)  # over max_message_bytes: recorded as skipped
    dovecot.append(digest(3))
    record = pipe.store.record_message
    failures = ["2"]

    def flaky_record(message: Any, *args: Any, **kwargs: Any) -> Any:
        if message.uid in failures:
            failures.remove(message.uid)
            raise RuntimeError("database is locked")
        return record(message, *args, **kwargs)

    pipe.store.record_message = flaky_record  # type: ignore[method-assign,assignment]
    assert len(pipe.run_once().skipped) == 0  # UID 2 failed to record; UID 3 got past it
    second = pipe.run_once()
    assert second.emails == 1
    assert len(second.skipped) == 1
    assert pipe.run_once().emails == 0
    pipe.close()


def test_server_side_search_and_batches(tmp_path: Path, dovecot: DovecotServer) -> None:
    for n in range(1, 8):
        dovecot.append(digest(n))
    dovecot.append(b"From: other@example.com\r\nSubject: lunch\r\n\r\nnot a digest\r\n")
    source = imap_source(
        tmp_path,
        dovecot,
        batch_size=3,
        search={
            "from": ["nobody@example.com", "x@y.example", "news@pulse.example"],
            "subject": ["Pulse"],
        },
    )
    seen: list[tuple[int, int]] = []
    source.progress = lambda _name, done, total: seen.append((done, total))
    messages = list(source.fetch(_EmptyState()))
    assert [m.uid for m in messages] == [str(n) for n in range(1, 8)]
    assert seen[0] == (0, 7)
    assert seen[-1] == (7, 7)
    source.close()
    accented = imap_source(tmp_path / "utf8", dovecot, search={"subject": ["Journée ✨"]})
    assert list(accented.fetch(_EmptyState())) == []
    accented.close()


def test_a_backfill_run_again_after_an_interruption_alerts_each_paper_once(
    tmp_path: Path, dovecot: DovecotServer
) -> None:
    for n in range(1, 7):
        dovecot.append(digest(n))
    settings = imap_settings(tmp_path, dovecot, batch_size=2)
    pipe, recorder = open_pipeline(settings)
    source = pipe.source("mail")
    messages = source.fetch(pipe.store, date(2000, 1, 1))
    assert isinstance(messages, Generator)  # a generator, so it can be closed mid-way
    for _ in range(3):  # interrupted after three messages
        pipe.process_incoming(next(messages), source=source, since=date(2000, 1, 1))
    messages.close()
    summary = pipe.run_once(since=date(2000, 1, 1))
    assert summary.emails == 6  # --since processes every message since the day again
    assert len(alerted_papers(recorder)) == 6  # and alerts each paper once
    pipe.close()


def test_tls_with_ca_file_connects_and_without_it_is_not_trusted(
    tmp_path: Path, dovecot_server: Callable[..., DovecotServer]
) -> None:
    for mode in ("ssl", "starttls"):
        server = dovecot_server(tls=mode)
        server.append(digest(1))
        source = imap_source(tmp_path / mode, server)
        assert len(list(source.fetch(_EmptyState()))) == 1
        source.close()
        untrusted = imap_source(tmp_path / f"{mode}-untrusted", server, ca_file=None)
        with pytest.raises(SourceError) as caught:
            list(untrusted.fetch(_EmptyState()))
        message = str(caught.value)
        assert "certificate is not trusted: set ca_file or check the server name" in message
        assert message.startswith("source mail: ")
        assert "\n" not in message


def test_wrong_password_and_unknown_folder_are_one_line_errors(
    tmp_path: Path, dovecot: DovecotServer
) -> None:
    source = imap_source(tmp_path / "folder", dovecot, folder="Nope")
    with pytest.raises(SourceError) as caught:
        list(source.fetch(_EmptyState()))
    text = str(caught.value)
    assert "cannot open folder 'Nope'" in text
    assert "check folder:" in text
    assert "INBOX" in text
    assert "\n" not in text

    # last: after a failed login Dovecot delays the next ones from this address
    settings = imap_settings(tmp_path, dovecot)
    settings._environ = {"IMAP_PASSWORD": "wrong-password"}
    config = settings.sources[0]
    assert config.kind == "imap"
    with pytest.raises(SourceError) as caught:
        list(ImapSource(config, settings).fetch(_EmptyState()))
    text = str(caught.value)
    assert text.startswith("source mail: login failed for alice at 127.0.0.1:")
    assert "password_env" in text
    assert "wrong-password" not in text
    assert "\n" not in text


def test_a_refused_connection_names_the_source_and_what_to_check(
    tmp_path: Path, dovecot: DovecotServer
) -> None:
    source = imap_source(tmp_path, dovecot, port=free_port())  # nothing listens there
    with pytest.raises(SourceError, match=r"^source mail: connection to 127\.0\.0\.1:\d+ refused"):
        list(source.fetch(_EmptyState()))


class _EmptyState:
    """A store that has processed nothing (for driving the source alone)."""

    def is_processed(self, source: str, folder: str, uidvalidity: int, uid: str) -> bool:
        return False

    def highest_uid(self, source: str, folder: str, uidvalidity: int) -> int | None:
        return None

    def has_message_id(self, message_id: str) -> bool:
        return False


def test_xoauth2_runs_the_token_command_on_every_connection(
    tmp_path: Path, dovecot: DovecotServer
) -> None:
    dovecot.append(digest(1))
    runs = tmp_path / "runs"
    command = f"echo run >> {runs}; echo {PASSWORD}"
    source = imap_source(tmp_path, dovecot, password_env=None, oauth2_token_command=command)
    assert len(list(source.fetch(_EmptyState()))) == 1
    source.close()  # the next fetch connects again, with a fresh token
    assert len(list(source.fetch(_EmptyState()))) == 1
    source.close()
    assert runs.read_text().count("run") == 2

    settings = imap_settings(tmp_path / "env", dovecot, password_env=None, oauth2_token_env="TOK")
    settings._environ = {"TOK": PASSWORD}
    config = settings.sources[0]
    assert config.kind == "imap"
    assert len(list(ImapSource(config, settings).fetch(_EmptyState()))) == 1


def test_a_failing_token_command_is_one_line_without_its_output(
    tmp_path: Path, dovecot: DovecotServer
) -> None:
    leaky = "echo refresh-token-123; exit 3"
    source = imap_source(tmp_path, dovecot, password_env=None, oauth2_token_command=leaky)
    with pytest.raises(SourceError) as caught:
        list(source.fetch(_EmptyState()))
    text = str(caught.value)
    assert text.startswith("source mail: oauth2_token_command failed (exit status 3")
    assert "refresh-token-123" not in text
    assert "\n" not in text

    rejected = imap_source(
        tmp_path / "bad", dovecot, password_env=None, oauth2_token_command="echo expired"
    )
    with pytest.raises(SourceError, match=r"login failed for alice .* OAuth2 token") as caught:
        list(rejected.fetch(_EmptyState()))
    assert "expired" not in str(caught.value)


def test_a_token_command_that_hangs_is_cut_short_without_showing_the_command(
    tmp_path: Path, dovecot: DovecotServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mailer.sources import imap_connect

    monkeypatch.setattr(imap_connect, "TOKEN_COMMAND_TIMEOUT", 0.5)
    command = "sleep 5 # --client-secret=s3cr3t-value"
    source = imap_source(tmp_path, dovecot, password_env=None, oauth2_token_command=command)
    with pytest.raises(SourceError) as caught:
        list(source.fetch(_EmptyState()))
    text = str(caught.value)
    assert "did not finish within 0.5 s" in text
    assert "s3cr3t-value" not in text
    assert "\n" not in text


def test_credentials_never_reach_the_logs_even_at_debug_level(
    tmp_path: Path, dovecot: DovecotServer, caplog: pytest.LogCaptureFixture
) -> None:
    dovecot.append(digest(1))
    with caplog.at_level(logging.DEBUG):
        password = imap_source(tmp_path / "password", dovecot)
        oauth2 = imap_source(
            tmp_path / "oauth2", dovecot, password_env=None, oauth2_token_command="echo secret"
        )
        for source in (password, oauth2):
            assert len(list(source.fetch(_EmptyState()))) == 1
            source.close()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "LOGIN" in logged or "AUTHENTICATE" in logged  # the protocol was logged...
    xoauth2 = base64.b64encode(f"user={USER}\1auth=Bearer {PASSWORD}\1\1".encode()).decode()
    assert PASSWORD not in logged
    assert xoauth2 not in logged


def test_a_message_the_store_failed_to_record_is_fetched_again(
    tmp_path: Path, dovecot: DovecotServer
) -> None:
    for n in (1, 2, 3):
        dovecot.append(digest(n))
    pipe, recorder = open_pipeline(imap_settings(tmp_path, dovecot))
    record = pipe.store.record_message
    failures = ["2"]

    def flaky_record(message: Any, *args: Any, **kwargs: Any) -> Any:
        if message.uid in failures:
            failures.remove(message.uid)
            raise RuntimeError("database is locked")
        return record(message, *args, **kwargs)

    pipe.store.record_message = flaky_record  # type: ignore[method-assign,assignment]
    first = pipe.run_once()
    assert first.emails == 3
    assert len(alerted_papers(recorder)) == 2
    second = pipe.run_once()
    assert second.emails == 1
    assert alerted_papers(recorder) == [f"arxiv:2510.0000{n}" for n in (1, 2, 3)]
    assert pipe.run_once().emails == 0
    pipe.close()


def test_a_message_the_store_failed_to_record_is_fetched_again_after_a_restart(
    tmp_path: Path, dovecot: DovecotServer
) -> None:
    for n in (1, 2, 3):
        dovecot.append(digest(n))
    settings = imap_settings(tmp_path, dovecot)
    pipe, recorder = open_pipeline(settings)
    record = pipe.store.record_message

    def failing_record(message: Any, *args: Any, **kwargs: Any) -> Any:
        if message.uid == "2":
            raise RuntimeError("disk I/O error")
        return record(message, *args, **kwargs)

    pipe.store.record_message = failing_record  # type: ignore[method-assign,assignment]
    assert pipe.run_once().emails == 3
    pipe.close()  # the process ends: nothing in memory says UID 2 is missing
    pipe, recorder = open_pipeline(settings)
    assert pipe.run_once().emails == 1  # UID 2, although UID 3 is recorded
    assert "arxiv:2510.00002" in alerted_papers(recorder)
    assert pipe.run_once().emails == 0
    pipe.close()


def test_mark_seen_still_works_after_the_folder_is_recreated(
    tmp_path: Path, dovecot: DovecotServer
) -> None:
    dovecot.append(digest(1), folder="Papers")
    settings = imap_settings(tmp_path, dovecot, folder="Papers", after={"mark_seen": True})
    pipe, recorder = open_pipeline(settings)
    assert pipe.run_once().emails == 1  # the post-processing connection is open now
    dovecot.delete_folder("Papers")
    for n in (1, 2):
        dovecot.append(digest(n), folder="Papers")
    assert pipe.run_once().emails == 2
    assert all(b"\\Seen" in flags for flags in dovecot.flags("Papers").values())
    assert alerted_papers(recorder) == ["arxiv:2510.00001", "arxiv:2510.00002"]
    pipe.close()
