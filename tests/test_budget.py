"""A poison message costs at most its budget: `mailer run --once` as a user runs it,
on an inbox where hostile emails sit in front of a real digest."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from hostile_mail import big_attachment, many_paragraphs, nested_forward
from process_tree import PeakRss, tree_rss
from sqlalchemy import text

from mailer.config.settings import load_settings
from mailer.parse import parse_email
from mailer.rules import compile_rules, load_rules
from mailer.runtime.parse_worker import ParseBudget, ParseWorker
from mailer.store import Store

pytestmark = pytest.mark.slow  # each test runs mailer processes under memory and time budgets

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
        "{seconds: 20, memory_mb: 20}",
        {"01-attachment.eml": big_attachment(24), "02-paragraphs.eml": many_paragraphs(5)},
    )
    run, peak, seconds = mailer(where, "run", "--once")
    print(f"run --once: peak RSS {peak / MIB:.0f} MiB (process tree), {seconds:.1f} s")
    assert run.returncode == 0, run.stderr
    assert "QLoRA" in run.stdout  # the digest behind them alerted
    assert (
        "01-attachment.eml: quarantined: parsing needed more than the memory budget of 20 MB"
        in run.stdout
    )
    assert "02-paragraphs.eml: quarantined: " in run.stdout
    status, _, _ = mailer(where, "status", "--json")
    quarantined = json.loads(status.stdout)["quarantined"]
    assert sorted(q["uid"] for q in quarantined) == ["01-attachment.eml", "02-paragraphs.eml"]
    assert {q["budget"]["memory_mb"] for q in quarantined} == {20}
    text, _, _ = mailer(where, "status")
    assert "quarantined, over their parse budget" in text.stdout
    # the parser's memory is capped: the tree holds the raw emails, not what parsing them costs
    assert peak < 260 * MIB


def test_replay_with_a_larger_budget_takes_a_quarantined_message_out(tmp_path: Path) -> None:
    where = site(
        tmp_path, "{seconds: 20, memory_mb: 20}", {"01-paragraphs.eml": many_paragraphs(5)}
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


def shipped_memory_limits() -> dict[str, int]:
    """The memory limit each deploy file sets, in bytes."""
    deploy = ROOT / "deploy"
    units = {"Mi": MIB, "M": MIB, "m": MIB, "Gi": 1024 * MIB, "G": 1024 * MIB}

    def size(text: str) -> int:
        number = text.rstrip("MmGi")
        return int(number) * units[text[len(number) :]]

    deployment = yaml.safe_load((deploy / "k8s" / "deployment.yaml").read_text())
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    compose = yaml.safe_load((deploy / "compose.yaml").read_text())
    unit = (deploy / "paper-mailer.service").read_text()
    memory_max = re.search(r"^MemoryMax=(\S+)$", unit, re.M)
    assert memory_max, "the systemd unit sets no MemoryMax"
    return {
        "k8s": size(container["resources"]["limits"]["memory"]),
        "compose": size(
            next(s["mem_limit"] for s in compose["services"].values() if "mem_limit" in s)
        ),
        "systemd": size(memory_max.group(1)),
    }


def test_shipped_memory_limits_fit_the_worst_message_the_budget_admits(tmp_path: Path) -> None:
    """The largest email a source admits (25 MB), with HTML at its cut and deep nesting,
    under the default budget: the service's own peak plus the parser's ceiling (its
    idle size plus budget.memory_mb, enforced by RLIMIT_AS) must fit every shipped limit."""
    emails = {
        "01-attachment.eml": big_attachment(24),
        "02-paragraphs.eml": many_paragraphs(5),
        "03-nested.eml": nested_forward(40),
    }
    where = site(tmp_path, "{}", emails)
    command = [sys.executable, "-m", "mailer", "run", "--once", "--config", "mailer.yaml"]
    process = subprocess.Popen(command, cwd=where, stdout=subprocess.PIPE, text=True)
    with PeakRss(process.pid) as tree, PeakRss(process.pid, children=False) as main:
        out, _ = process.communicate(timeout=120)
    assert process.returncode == 0
    assert "QLoRA" in out
    settings = load_settings(where / "mailer.yaml", {})
    worker = ParseWorker(ParseBudget())
    try:
        worker.parse("email", "idle", b"Subject: x\n\nx")
        idle = tree_rss(worker.pid or 0)
    finally:
        worker.close()
    need = main.peak + idle + settings.budget.memory_mb * MIB
    print(
        f"worst admitted message: service peak {main.peak / MIB:.0f} MiB, parser idle "
        f"{idle / MIB:.0f} MiB + budget {settings.budget.memory_mb} MiB = {need / MIB:.0f} MiB "
        f"needed; measured tree peak {tree.peak / MIB:.0f} MiB"
    )
    for where_, limit in shipped_memory_limits().items():
        assert need < limit, f"{where_}: limit {limit / MIB:.0f} MiB < {need / MIB:.0f} MiB"


def test_a_truncated_copy_read_first_does_not_hide_the_intact_one(tmp_path: Path) -> None:
    intact = (ROOT / "examples" / "inbox" / "02-arxiv-cs-daily-2024-11-07.eml").read_bytes()
    truncated = intact[: len(intact) // 2]  # the end of it is lost in transit
    where = site(tmp_path, "{}", {"01-truncated.eml": truncated, "02-intact.eml": intact})
    (where / "rules" / "r.yaml").write_text(
        "rules:\n  - name: all\n    match: {any: [the, a, of]}\n    notify: [{to: console}]\n"
    )
    run, _, _ = mailer(where, "run", "--once")
    assert run.returncode == 0, run.stderr
    every = {p.id for p in parse_email(intact).papers}
    first = {p.id for p in parse_email(truncated).papers}
    assert first < every, "the truncated copy must miss papers for this test to mean anything"
    ruleset = load_rules([where / "rules"], has_destination=lambda name: True)
    matcher = compile_rules(ruleset.enabled)
    expected = {p.id for p in parse_email(intact).papers if matcher.match(p)}
    store = Store.open(f"sqlite:///{where}/var/mailer.db")
    try:
        with store.engine.connect() as conn:
            alerted = set(conn.execute(text("SELECT paper_id FROM outbox")).scalars())
    finally:
        store.close()
    assert len(expected) > 100
    assert expected - alerted == set(), "papers of the intact copy never alerted"
