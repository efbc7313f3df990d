"""The planner (`mailer.core.planning.plan_message`) decides from values alone: no store, no
clock, no I/O; the same inputs give the same plan."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time
from pathlib import Path

import yaml

from mailer.core.keys import BatchKey
from mailer.core.models import MessageStatus, NotifyTarget, Paper, ParsedDigest
from mailer.core.planning import (
    NOTHING_KNOWN,
    AlertKey,
    Item,
    NothingKnown,
    RulesView,
    plan_message,
)
from mailer.rules import compile_rules, load_rules
from mailer.store.schema import NO_PAPERS, PARSED, SKIPPED

NOW = datetime(2025, 10, 14, 7, 0, tzinfo=UTC)


def rules_view(tmp_path: Path) -> RulesView:
    path = tmp_path / "rules.yaml"
    rule = {"name": "lora", "match": {"any": ["LoRA"]}, "notify": [{"to": "console"}]}
    path.write_text(yaml.safe_dump({"version": 1, "rules": [rule]}), encoding="utf-8")
    ruleset = load_rules([path], has_destination=lambda name: True)
    assert not ruleset.errors
    targets: dict[str, Sequence[NotifyTarget]] = {r.name: r.notify for r in ruleset.enabled}
    return RulesView(compile_rules(ruleset.enabled), targets, {"lora": None}, time(9, 0))


def item(*papers: Paper, message_id: str | None = "<m1@x>", status: MessageStatus = PARSED) -> Item:
    digest = ParsedDigest(message_id, "Daily", "hf@x", NOW, "hf-daily", papers)
    return Item("inbox", "INBOX", 1, "7", "inbox/INBOX/1/7", message_id, digest, status)


def paper(number: int, title: str) -> Paper:
    return Paper(f"arxiv:2501.0000{number}", title, "hf-daily")


def test_a_plan_holds_the_papers_matches_and_typed_alerts(tmp_path: Path) -> None:
    plan = plan_message(
        item(paper(1, "LoRA adapters"), paper(2, "Diffusion"), paper(1, "LoRA adapters")),
        rules_view(tmp_path),
        NOTHING_KNOWN,
        NOW,
    )
    assert plan.status == PARSED
    assert [p.id for p in plan.papers] == ["arxiv:2501.00001", "arxiv:2501.00002"]
    assert [(m.rule, m.paper_id) for m in plan.matches] == [("lora", "arxiv:2501.00001")]
    [alert] = plan.alerts
    assert (alert.destination, alert.batch_key, alert.due_at) == (
        "console",
        BatchKey.parse("msg:inbox/INBOX/1/7"),
        NOW,
    )


def test_the_same_inputs_give_the_same_plan(tmp_path: Path) -> None:
    rules = rules_view(tmp_path)
    message = item(paper(1, "LoRA adapters"))
    assert plan_message(message, rules, NOTHING_KNOWN, NOW) == plan_message(
        message, rules, NOTHING_KNOWN, NOW
    )


def test_a_message_without_papers_plans_nothing(tmp_path: Path) -> None:
    plan = plan_message(item(), rules_view(tmp_path), NOTHING_KNOWN, NOW)
    assert (plan.status, plan.papers, plan.alerts) == (NO_PAPERS, (), ())


class CopySeen(NothingKnown):
    """A store that holds a copy of the message, under another key, with 5 papers."""

    def best_copy_papers(
        self, message_id: str, *, besides: tuple[str, str, int, str] | None = None
    ) -> int | None:
        return 5

    def known_alerts(self, keys: Sequence[AlertKey]) -> set[AlertKey]:
        return set(keys)


def test_a_copy_of_a_message_that_parsed_as_well_is_skipped(tmp_path: Path) -> None:
    plan = plan_message(item(paper(1, "LoRA adapters")), rules_view(tmp_path), CopySeen(), NOW)
    assert plan.status == SKIPPED
    assert plan.reason == "already processed a message with Message-ID <m1@x>"
    assert plan.alerts == ()


def test_new_alerts_leave_out_those_the_store_holds(tmp_path: Path) -> None:
    plan = plan_message(item(paper(1, "LoRA adapters")), rules_view(tmp_path), NOTHING_KNOWN, NOW)
    assert len(plan.new_alerts(NOTHING_KNOWN)) == 1
    assert plan.new_alerts(CopySeen()) == []
