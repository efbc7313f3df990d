"""Golden files for Slack blocks and email (HTML and text); limits of Slack messages.

Regenerate after an intended change with `pytest tests/test_render.py --update-goldens`
and review the diff of tests/data/render/.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import Golden
from render_batches import all_strings, daily_feed_batch, three_paper_batch

from mailer.core.models import AlertBatch, AlertItem
from mailer.notify.render import render_email, render_slack, render_text
from mailer.notify.render_slack import HEADER_CHARS, MAX_BLOCKS, SECTION_CHARS

GOLDEN = Path(__file__).parent / "data" / "render"

BATCHES: dict[str, Callable[[], AlertBatch]] = {
    "three-papers": three_paper_batch,
    "daily-120": daily_feed_batch,
}


@pytest.mark.parametrize("case", sorted(BATCHES))
def test_slack_blocks_match_golden_file(case: str, golden: Golden) -> None:
    payloads = render_slack(BATCHES[case]())
    text = json.dumps(payloads, indent=2, ensure_ascii=False) + "\n"
    golden.check(GOLDEN / f"{case}.slack.json", text)


@pytest.mark.parametrize("case", sorted(BATCHES))
def test_email_matches_golden_files(case: str, golden: Golden) -> None:
    email = render_email(BATCHES[case](), unsubscribe="https://papers.example.com/unsubscribe?r=1")
    golden.check(GOLDEN / f"{case}.email.html", email.html)
    golden.check(GOLDEN / f"{case}.email.txt", f"Subject: {email.subject}\n\n{email.text}")


def test_subject_names_rule_count_and_day() -> None:
    assert render_email(three_paper_batch()).subject == (
        "Paper alerts · small-llms · 3 new (Tue 14 Oct)"
    )


def _section_titles(payloads: list[dict[str, Any]]) -> list[str]:
    return [
        block["text"]["text"].split("\n")[0]
        for payload in payloads
        for block in payload["blocks"]
        if block["type"] == "section"
    ]


def test_daily_feed_of_120_splits_into_messages_within_slack_limits() -> None:
    payloads = render_slack(daily_feed_batch(120))
    assert len(payloads) > 1
    for payload in payloads:
        blocks = payload["blocks"]
        assert len(blocks) <= MAX_BLOCKS
        assert len(json.dumps(payload, ensure_ascii=False)) < 13_000
        assert sum(len(s) for s in all_strings(payload)) < 10_000
        for block in blocks:
            if block["type"] == "section":
                assert len(block["text"]["text"]) <= SECTION_CHARS
            if block["type"] == "header":
                assert len(block["text"]["text"]) <= HEADER_CHARS
    titles = _section_titles(payloads)
    assert len(titles) == 120, "every paper appears exactly once, none dropped"
    assert [t.split("|")[1].split(":")[0] for t in titles] == [f"Paper {n}" for n in range(1, 121)]
    assert payloads[1]["blocks"][0]["elements"][0]["text"].endswith(f"part 2 of {len(payloads)}")


def test_huge_abstracts_and_titles_still_fit() -> None:
    batch = daily_feed_batch(60)
    bloated = tuple(
        type(item)(
            paper=type(item.paper)(
                **{
                    **{f: getattr(item.paper, f) for f in item.paper.__slots__},
                    "title": "&<>" * 400,
                    "abstract": "&" * 20_000,
                }
            ),
            match=item.match,
        )
        for item in batch.items
    )
    payloads = render_slack(_with_items(batch, bloated))
    assert len(_section_titles(payloads)) == 60
    for payload in payloads:
        assert len(payload["blocks"]) <= MAX_BLOCKS
        assert sum(len(s) for s in all_strings(payload)) < 13_000
        for block in payload["blocks"]:
            if block["type"] == "section":
                assert len(block["text"]["text"]) <= SECTION_CHARS


def test_a_url_too_long_to_link_whole_leaves_the_title_unlinked_not_cut() -> None:
    batch = three_paper_batch()
    item = batch.items[0]
    url = "https://arxiv.org/abs/2510.11234?" + "a=1&" * 190  # 794 chars, escaped 1,364
    long_link = type(item)(paper=replace(item.paper, url=url), match=item.match)
    payload = render_slack(_with_items(batch, (long_link,)))[0]
    section = next(b for b in payload["blocks"] if b["type"] == "section")["text"]["text"]
    assert section.startswith("*TinyReasoner")
    assert "<" not in section
    buttons = next(b for b in payload["blocks"] if b["type"] == "actions")["elements"]
    assert buttons[0]["url"] == "https://arxiv.org/abs/2510.11234"


def test_every_paper_carries_feedback_buttons_naming_paper_and_rule() -> None:
    batch = three_paper_batch()
    [payload] = render_slack(batch)
    actions = [b for b in payload["blocks"] if b["type"] == "actions"]
    assert len(actions) == len(batch.items)
    for block, item in zip(actions, batch.items, strict=True):
        up, down = block["elements"][-2:]
        assert (up["action_id"], down["action_id"]) == ("feedback_up", "feedback_down")
        assert json.loads(up["value"]) == {"p": item.paper.id, "r": item.match.rule}
        assert up["value"] == down["value"]
        assert "url" not in up


def test_old_style_arxiv_id_gets_no_hugging_face_button() -> None:
    batch = three_paper_batch()
    item = batch.items[1]
    old = replace(item.paper, arxiv_id="hep-th/9901001", url=None, pdf_url=None)
    payload = render_slack(_with_items(batch, (type(item)(paper=old, match=item.match),)))[0]
    buttons = next(b for b in payload["blocks"] if b["type"] == "actions")["elements"]
    assert [b["text"]["text"] for b in buttons] == ["arXiv", "PDF", "👍", "👎"]
    assert buttons[0]["url"] == "https://arxiv.org/abs/hep-th/9901001"


def _with_items(batch: AlertBatch, items: tuple[AlertItem, ...]) -> AlertBatch:
    return AlertBatch(
        rule=batch.rule,
        destination=batch.destination,
        batch_key=batch.batch_key,
        items=items,
        created=batch.created,
        rule_description=batch.rule_description,
    )


def test_empty_batch_renders_a_message_rather_than_nothing() -> None:
    batch = _with_items(three_paper_batch(), ())
    assert len(render_slack(batch)) == 1
    assert "No new papers" in render_email(batch).text


def test_console_text_lists_each_paper_with_its_reasons() -> None:
    text = render_text(three_paper_batch())
    assert "1. TinyReasoner" in text
    assert "Matched: LoRA in title · 1.5B ≤ 8B" in text
