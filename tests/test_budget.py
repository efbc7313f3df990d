"""A poison message costs at most its budget: `mailer run --once` as a user runs it,
on an inbox where hostile emails sit in front of a real digest."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from hostile_mail import big_attachment, many_paragraphs, nested_forward
from process_tree import PeakRss

ROOT = Path(__file__).resolve().parent.parent
DIGEST = ROOT / "examples" / "inbox" / "01-hf-daily-papers-2024-11-07.eml"
RULES = """\
rules:
  - name: qlora
    match: {any: [QLoRA]}
    notify: [{to: console}]
"""
MIB = 1024 * 1024


def site(tmp_path: Path, budget: str, emails: dict[str, bytes]) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name, raw in emails.items():
        (inbox / name).write_bytes(raw)
    shutil.copy(DIGEST, inbox / "99-digest.eml")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "r.yaml").write_text(RULES)
    (tmp_path / "mailer.yaml").write_text(
        "state: sqlite:///var/mailer.db\nrules: rules/\n"
        "sources: [{name: inbox, kind: directory, path: inbox}]\n"
        "destinations: {console: {kind: console}}\n"
        f"budget: {budget}\n"
    )
    return tmp_path


def mailer(
    where: Path, *args: str, timeout: float = 120
) -> tuple[subprocess.CompletedProcess[str], int, float]:
    """Run `mailer ARGS` in `where`; the result, the peak RSS of its process tree, seconds."""
    command = [sys.executable, "-m", "mailer", *args, "--config", "mailer.yaml"]
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        cwd=where,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    with PeakRss(process.pid) as peak:
        out, err = process.communicate(timeout=timeout)
    result = subprocess.CompletedProcess(command, process.returncode, out, err)
    return result, peak.peak, time.monotonic() - started


def test_poison_emails_are_quarantined_and_the_digest_behind_them_alerts(tmp_path: Path) -> None:
    where = site(
        tmp_path,
        "{seconds: 20, memory_mb: 40}",
        {"01-attachment.eml": big_attachment(24), "02-paragraphs.eml": many_paragraphs(5)},
    )
    run, peak, seconds = mailer(where, "run", "--once")
    print(f"run --once: peak RSS {peak / MIB:.0f} MiB (process tree), {seconds:.1f} s")
    assert run.returncode == 0, run.stderr
    assert "QLoRA" in run.stdout  # the digest behind them alerted
    assert (
        "01-attachment.eml: quarantined: parsing needed more than the memory budget of 40 MB"
        in run.stdout
    )
    assert "02-paragraphs.eml: quarantined: " in run.stdout
    status, _, _ = mailer(where, "status", "--json")
    quarantined = json.loads(status.stdout)["quarantined"]
    assert sorted(q["uid"] for q in quarantined) == ["01-attachment.eml", "02-paragraphs.eml"]
    assert {q["budget"]["memory_mb"] for q in quarantined} == {40}
    text, _, _ = mailer(where, "status")
    assert "quarantined, over their parse budget" in text.stdout
    # the parser's memory is capped: the tree holds the raw emails, not what parsing them costs
    assert peak < 260 * MIB


def test_replay_with_a_larger_budget_takes_a_quarantined_message_out(tmp_path: Path) -> None:
    where = site(
        tmp_path, "{seconds: 20, memory_mb: 40}", {"01-paragraphs.eml": many_paragraphs(5)}
    )
    run, _, _ = mailer(where, "run", "--once")
    assert "01-paragraphs.eml: quarantined" in run.stdout
    replay, _, _ = mailer(where, "replay", "<many-paragraphs@example.com>", "--memory-mb", "400")
    assert replay.returncode == 0, replay.stderr
    assert "quarantined" not in replay.stdout
    status, _, _ = mailer(where, "status", "--json")
    assert json.loads(status.stdout)["quarantined"] == []


def test_a_forward_nested_40_deep_is_handled_within_its_time_budget(tmp_path: Path) -> None:
    where = site(tmp_path, "{seconds: 3, memory_mb: 64}", {"01-nested.eml": nested_forward(40)})
    run, _, seconds = mailer(where, "run", "--once")
    assert run.returncode == 0, run.stderr
    assert "QLoRA" in run.stdout
    assert seconds < 3 + 15  # the budget, plus starting Python twice on a busy machine
