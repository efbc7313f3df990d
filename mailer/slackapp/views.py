"""What the Slack app shows: command replies, the App Home tab and the edit modal.

Pure: values in, Block Kit dicts out. Every text a user typed (rule text, names) and
every paper field is cleaned and escaped (`mailer.notify.sanitize`), so `<!channel>`
in a subscription shows as text and pings no one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mailer.core.keys import DestinationRef
from mailer.core.models import Match, Paper
from mailer.notify.sanitize import slack_escape, slack_fit
from mailer.slackapp.command import CommandError
from mailer.store.subscriptions import Subscription

Reply = dict[str, Any]
MODAL_CALLBACK = "subscription_modal"
RULE_BLOCK, RULE_ACTION = "rule", "rule_text"
NAME_BLOCK, NAME_ACTION = "name", "name"
PREVIEW_BLOCK = "preview"
SHOWN_IN_PREVIEW = 10


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:2000]}]}


def _code(text: str) -> str:
    """Text inside a code span, with backticks that would end it replaced."""
    return "`" + slack_fit(text, 900).replace("`", "ˋ") + "`"


def reply(mrkdwn: str, *, blocks: Sequence[dict[str, Any]] | None = None) -> Reply:
    """An ephemeral reply (only the caller sees it); `mrkdwn` is already escaped."""
    return {
        "response_type": "ephemeral",
        "text": mrkdwn[:3000],
        "blocks": list(blocks) if blocks else [_section(mrkdwn)],
    }


def plain_reply(text: str) -> Reply:
    """An ephemeral reply of plain words (they may quote the user: escaped here)."""
    return reply(slack_fit(text, 3000))


def help_reply(command: str) -> Reply:
    c = command
    lines = [
        f"*{c}* — subscribe to papers from Slack. Examples:",
        f"• `{c} subscribe LoRA size<=13B` — LoRA papers with a model of at most 13B, "
        "in a DM at once",
        f'• `{c} subscribe "small language model" OR SLM size 1B..13B upvotes>=20 daily 09:00`'
        " — a daily feed at 09:00 in your time zone",
        f"• `{c} subscribe QLoRA format hf-daily here name:qlora` — to this channel "
        "(members only), named qlora",
        f"• `{c} preview LoRA size<=13B` — what it would have matched in the last days",
        f"• `{c} list` · `{c} pause lora` · `{c} resume lora` · `{c} unsubscribe lora`",
        'Words use the rule language: `AND`, `OR`, `NOT`, parentheses, "quoted phrases"; '
        "`size<=13B` is the paper's own model size. The Home tab lists your subscriptions.",
    ]
    return reply(slack_escape("\n".join(lines)))


def error_reply(text: str, error: CommandError) -> Reply:
    """The error, with the command text and a caret line under the word it is about."""
    shown = text[:300].replace("`", "ˋ")  # a ``` typed by the user must not end the block
    start, end = min(error.start, len(shown)), min(max(error.end, error.start + 1), len(shown))
    pointer = " " * start + "^" * max(end - start, 1)
    body = f"```{slack_escape(shown)}\n{pointer}```\n{slack_fit(error.message, 1500)}"
    return reply(f"error: {slack_fit(error.message, 1500)}", blocks=[_section(body)])


def describe(subscription: Subscription) -> str:
    """One line: name, rule text, where and when, paused."""
    target = DestinationRef.parse(subscription.target)
    where = "your DM" if target.inline == "slack_user" else f"<#{target.name}>"
    when = "at once"
    if subscription.mode == "daily":
        when = f"daily {subscription.at or '09:00'} {subscription.timezone}"
    state = " · *paused*" if subscription.paused else ""
    return (
        f"*{slack_fit(subscription.name, 60)}* — {_code(subscription.rule_text)} → "
        f"{where}, {when}{state}"
    )


def subscribed_reply(
    subscription: Subscription, matched: int, days: int, *, changed: bool
) -> Reply:
    verb = "Updated" if changed else "Subscribed"
    text = (
        f"{verb}: {describe(subscription)}\n"
        f"It would have matched {matched} paper{'s' if matched != 1 else ''} in the last "
        f"{days} days. `pause`, `resume` or `unsubscribe {slack_fit(subscription.name, 60)}`."
    )
    return reply(text)


def list_reply(subscriptions: Sequence[Subscription], command: str) -> Reply:
    if not subscriptions:
        return reply(
            f"You have no subscriptions. Try `{slack_escape(command)} subscribe LoRA size<=13B`."
        )
    lines = [f"• {describe(s)}" for s in subscriptions[:40]]
    return reply(f"Your subscriptions ({len(subscriptions)}):\n" + "\n".join(lines))


def preview_reply(
    rule_text: str, found: Sequence[tuple[Paper, Match]], days: int, scanned: int
) -> Reply:
    head = (
        f"{_code(rule_text)} would have matched {len(found)} of {scanned} papers seen in the "
        f"last {days} days."
    )
    blocks: list[dict[str, Any]] = [_section(head)]
    for paper, match in found[:SHOWN_IN_PREVIEW]:
        title = slack_fit(paper.title, 300)
        blocks.append(_section(f"*{title}*\n_{slack_fit(match.explain(), 600)}_"))
    if len(found) > SHOWN_IN_PREVIEW:
        blocks.append(_context(f"and {len(found) - SHOWN_IN_PREVIEW} more"))
    return reply(head, blocks=blocks)


# --- App Home ---------------------------------------------------------------------------


def _button(text: str, action: str, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def home_view(subscriptions: Sequence[Subscription], command: str) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Your paper subscriptions"}},
        {"type": "actions", "elements": [_button("New subscription", "sub_new", "new", "primary")]},
    ]
    if not subscriptions:
        blocks.append(
            _section(
                f"None yet. Press *New subscription* or type `{slack_escape(command)} "
                "subscribe LoRA size<=13B`."
            )
        )
    for subscription in subscriptions[:30]:  # 3 blocks each: within the 100-block limit
        pause = (
            _button("Resume", "sub_resume", subscription.rule_name)
            if subscription.paused
            else _button("Pause", "sub_pause", subscription.rule_name)
        )
        delete = _button("Delete", "sub_delete", subscription.rule_name, "danger")
        delete["confirm"] = {
            "title": {"type": "plain_text", "text": "Delete subscription?"},
            "text": {"type": "plain_text", "text": slack_fit(subscription.name, 100)},
            "confirm": {"type": "plain_text", "text": "Delete"},
            "deny": {"type": "plain_text", "text": "Keep"},
        }
        blocks += [
            {"type": "divider"},
            _section(describe(subscription)),
            {
                "type": "actions",
                "elements": [_button("Edit", "sub_edit", subscription.rule_name), pause, delete],
            },
        ]
    return {"type": "home", "blocks": blocks}


def preview_count_text(count: int | None, days: int, error: str | None = None) -> str:
    if error:
        return f":warning: {slack_fit(error, 1500)}"
    if count is None:
        return "Type words and filters; the count of matching papers shows here."
    return f"Would have matched *{count}* paper{'s' if count != 1 else ''} in the last {days} days."


def subscription_modal(
    subscription: Subscription | None,
    *,
    text: str = "",
    preview: str = "",
) -> dict[str, Any]:
    """Create (subscription None) or edit one; the rule input dispatches on each
    character so the preview count follows the typing."""
    initial = text or (subscription.rule_text if subscription else "")
    if subscription is not None and subscription.mode == "daily" and not text:
        initial += f" daily {subscription.at or ''}".rstrip()
    rule_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": RULE_ACTION,
        "placeholder": {"type": "plain_text", "text": "LoRA size<=13B daily 09:00"},
        "dispatch_action_config": {"trigger_actions_on": ["on_character_entered"]},
    }
    if initial:
        rule_input["initial_value"] = initial[:1000]
    blocks: list[dict[str, Any]] = [
        {
            "type": "input",
            "block_id": RULE_BLOCK,
            "dispatch_action": True,
            "label": {"type": "plain_text", "text": "Papers to look for"},
            "element": rule_input,
        }
    ]
    if subscription is None:
        blocks.append(
            {
                "type": "input",
                "block_id": NAME_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Name"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": NAME_ACTION,
                    "max_length": 40,
                    "placeholder": {"type": "plain_text", "text": "made from the words"},
                },
            }
        )
    blocks.append(
        {
            "type": "context",
            "block_id": PREVIEW_BLOCK,
            "elements": [{"type": "mrkdwn", "text": preview or preview_count_text(None, 7)}],
        }
    )
    title = "Edit subscription" if subscription else "New subscription"
    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK,
        "private_metadata": subscription.rule_name if subscription else "",
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }
