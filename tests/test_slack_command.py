"""The /papers command language: parsing, errors that point at the word, names."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from mailer.config.settings import ConfigError, load_settings
from mailer.slackapp.command import (
    CommandError,
    default_name,
    parse_command,
    parse_subscription,
)


def test_the_example_from_the_issue() -> None:
    spec = parse_subscription("LoRA size<=13B")
    assert spec.rule_text == "LoRA size<=13B"
    assert spec.condition.query.text == "LoRA"
    assert spec.condition.size is not None
    assert spec.condition.size.max == 13 * 10**9
    assert (spec.mode, spec.at, spec.here, spec.name) == ("immediate", None, False, None)
    assert default_name(spec) == "lora"


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("LoRA size 1B..13B", 10**9, 13 * 10**9),
        ("LoRA size: <=13B", None, 13 * 10**9),
        ("LoRA size <= 13B", None, 13 * 10**9),
        ("LoRA size<8B", None, 8 * 10**9 - 1),
        ("LoRA size>=70B", 70 * 10**9, None),
        ("LoRA SIZE=7B", 7 * 10**9, 7 * 10**9),
    ],
)
def test_size_forms(text: str, low: int | None, high: int | None) -> None:
    size = parse_subscription(text).condition.size
    assert size is not None
    assert (size.min, size.max) == (low, high)


def test_every_filter_and_delivery_word_together() -> None:
    spec = parse_subscription(
        '"small language model" OR SLM upvotes>=20 format hf-daily daily 09:00 here name:slm'
    )
    condition = spec.condition
    assert condition.query.text == '"small language model" OR SLM'
    assert condition.min_upvotes == 20
    assert condition.formats == ("hf-daily",)
    assert (spec.mode, spec.at, spec.here, spec.name) == ("daily", time(9, 0), True, "slm")
    assert spec.rule_text == '"small language model" OR SLM upvotes>=20 format hf-daily'


def test_filters_alone_are_a_subscription() -> None:
    assert parse_subscription("upvotes 50").condition.min_upvotes == 50
    assert parse_subscription("upvotes>20").condition.min_upvotes == 21


@pytest.mark.parametrize(
    ("text", "message", "word"),
    [
        (
            "LoRA size<=13X",
            "size: '<=13X' is not a size; write e.g. '<= 8B' or '1B..13B'",
            "size<=13X",
        ),
        ("LoRA size 13B..1B", "is an empty range", "size 13B..1B"),
        ("LoRA and QLoRA", "write the operators AND, OR and NOT in capitals", "and"),
        ("(LoRA OR QLoRA", "expected ')'", ""),
        ("LoRA format hf-dayly", "did you mean 'hf-daily'?", "format hf-dayly"),
        ("LoRA upvotes>=many", "is not a whole number", "upvotes>=many"),
        ("LoRA name:Not/Ok", "is not a name", "name:Not/Ok"),
        ("daily here", "nothing to look for", "daily here"),
    ],
)
def test_errors_say_what_rules_check_says_and_where(text: str, message: str, word: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse_subscription(text)
    assert message in caught.value.message
    if word:
        assert text[caught.value.start : caught.value.end] == word


def test_commands_and_their_mistakes() -> None:
    assert parse_command("").verb == "help"
    assert parse_command("  subscribe  LoRA size<=13B ").argument == "LoRA size<=13B"
    assert parse_command("UNSUB lora").verb == "unsubscribe"
    with pytest.raises(CommandError, match="did you mean 'subscribe'"):
        parse_command("subscirbe LoRA")
    with pytest.raises(CommandError, match="longer than"):
        parse_command("subscribe " + "x " * 600)


def test_slack_app_config_needs_a_way_in_and_the_bot_token(tmp_path: Path) -> None:
    path = tmp_path / "mailer.yaml"
    path.write_text("slack_app: {command: /papers}\n")
    with pytest.raises(ConfigError, match="signing_secret_env"):
        load_settings(path)
    path.write_text("slack_app: {signing_secret_env: S}\n")
    with pytest.raises(ConfigError, match="needs a bot token"):
        load_settings(path)
    path.write_text("slack: {token_env: T}\nslack_app: {signing_secret_env: S, command: papers}\n")
    with pytest.raises(ConfigError, match="not a slash command"):
        load_settings(path)
    path.write_text("slack: {token_env: T}\nslack_app: {app_token_env: A}\n")
    assert load_settings(path).slack_app.command == "/papers"  # type: ignore[union-attr]


def test_an_error_reply_keeps_the_users_backticks_inside_its_code_block() -> None:
    from mailer.slackapp import views

    text = "LoRA ``` *bold* size<=13X"
    with pytest.raises(CommandError) as caught:
        parse_subscription(text)
    block = views.error_reply(text, caught.value)["blocks"][0]["text"]["text"]
    assert block.startswith("```"), block
    assert block.count("```") == 2, block
    quoted, pointer = block[3:].split("```")[0].split("\n")
    assert quoted == "LoRA ˋˋˋ *bold* size&lt;=13X"
    assert pointer.index("^") == text.index("size"), "the caret still points at the word"
