"""Documents on disk: one unreadable or oversized file never stops the rest of a folder."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from pipeline_kit import Recorder, digest_email, settings_for, write_config

from mailer.cli import cli
from mailer.parse.inputs import parse_document
from mailer.runtime.app import Pipeline
from mailer.sources import files
from mailer.sources.files import UnreadableDocument, iter_documents

INBOX = Path(__file__).resolve().parent.parent / "examples" / "inbox"
T0 = datetime(2025, 10, 14, 6, 0, tzinfo=UTC)
PAPER = ("2510.00001", "Tiny Llamas: a small language model", "We train a language model.")


@pytest.fixture
def unreadable_b(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files named b.eml cannot be read (as root, chmod cannot make a file unreadable)."""
    real_read = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "b.eml":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)


@pytest.fixture
def folder(tmp_path: Path, unreadable_b: None) -> Path:
    """Two sample digests around a file the OS refuses to read."""
    samples = sorted(p for p in INBOX.iterdir() if p.suffix == ".eml")[:2]
    shutil.copy(samples[0], tmp_path / "a.eml")
    shutil.copy(samples[1], tmp_path / "c.eml")
    (tmp_path / "b.eml").write_bytes(b"unreadable")
    return tmp_path


def test_an_unreadable_file_is_reported_in_its_place_and_the_rest_still_come(
    folder: Path,
) -> None:
    events: list[str] = []
    for name, _ in iter_documents(folder, on_error=lambda e: events.append(f"! {e.name}")):
        events.append(name)
    assert events == ["a.eml", "! b.eml", "c.eml"]
    with pytest.raises(
        UnreadableDocument, match=r"b\.eml: cannot read the file: Permission denied"
    ):
        list(iter_documents(folder))  # without on_error, the caller sees an OSError


def test_a_run_records_the_unreadable_file_and_processes_the_others(
    tmp_path: Path, unreadable_b: None
) -> None:
    config = write_config(tmp_path, [{"name": "all", "match": {"any": ["model"]}}])
    pipe = Pipeline.open(settings_for(config), channel_factory=Recorder())
    for name in ("a.eml", "b.eml", "c.eml"):
        (tmp_path / "inbox" / name).write_bytes(digest_email(name, T0, [PAPER]))
    summary = pipe.run_once(now=T0)
    assert summary.emails == 3
    assert summary.papers == 2
    assert summary.skipped == ["samples/b.eml: skipped: cannot read the file: Permission denied"]
    pipe.close()


def test_an_email_over_the_size_limit_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "MAX_DOCUMENT_BYTES", 1000)
    (tmp_path / "big.eml").write_bytes(b"Subject: x\n\n" + b"x" * 2000)
    (tmp_path / "box.mbox").write_bytes(
        b"From a\nSubject: small\n\nhi\nFrom b\nSubject: big\n\n" + b"y" * 2000
    )
    errors: list[str] = []
    names = [name for name, _ in iter_documents(tmp_path, on_error=lambda e: errors.append(str(e)))]
    assert names == ["box.mbox#1"]
    assert errors == [
        "big.eml: file is 2,012 bytes, over the limit of 1,000",
        "box.mbox#2: message is 2,014 bytes, over the limit of 1,000",
    ]


def test_parse_command_reports_an_unreadable_file_and_parses_the_others(folder: Path) -> None:
    result = CliRunner().invoke(cli, ["parse", "--json", str(folder)])
    assert result.exit_code == 1
    assert "problem: b.eml: cannot read the file: Permission denied" in result.stderr
    assert result.stdout.count('"id"') >= 2


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_a_saved_page_reads_the_same_in_the_encodings_editors_use(encoding: str) -> None:
    abstract = "We distil a 70B teacher into a 1.3B student for “on-device” assistants. " * 3
    text = f"Daily Papers\r\n\r\nCafé: Compact Students\r\n\r\n{abstract}\r\n"
    digest = parse_document("page.txt", text.encode(encoding))
    (paper,) = digest.papers
    assert paper.title == "Café: Compact Students"
    assert paper.abstract is not None
    assert "“on-device”" in paper.abstract
    assert paper.size_params == [1_300_000_000, 70_000_000_000]


def test_an_empty_mbox_has_no_messages_and_one_without_from_lines_is_one_message() -> None:
    from mailer.parse.inputs import split_mbox

    assert split_mbox(b"") == []
    assert split_mbox(b"\n\n") == []
    raw = b"Subject: hi\r\n\r\nbody\r\n"
    assert split_mbox(raw) == [raw]
