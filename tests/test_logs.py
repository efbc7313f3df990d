"""Log lines carry their fields and never a secret."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from mailer.runtime.logs import log_context, redact, setup_logging


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    saved = {}
    for name in ("mailer", "apscheduler"):
        logger = logging.getLogger(name)
        saved[name] = (logger.handlers[:], logger.level, logger.propagate)
    yield
    for name, (handlers, level, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:], logger.level, logger.propagate = handlers, level, propagate


@pytest.fixture
def lines() -> io.StringIO:
    out = io.StringIO()
    setup_logging(log_format="json", stream=out)
    return out


def records(out: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_json_lines_carry_fields_from_extra_and_context(lines: io.StringIO) -> None:
    log = logging.getLogger("mailer.test")
    with log_context(source="inbox", message_id="<a@b>"):
        log.info("parsed", extra={"rule": "llm", "destination": "team"})
        with log_context(message_id="<c@d>"):
            log.info("inner")
    log.info("outside")
    first, inner, outside = records(lines)
    assert first["source"] == "inbox"
    assert first["message_id"] == "<a@b>"
    assert first["rule"] == "llm"
    assert first["destination"] == "team"
    assert inner["message_id"] == "<c@d>"
    assert inner["source"] == "inbox"
    assert "source" not in outside


def test_text_lines_show_fields_as_key_value() -> None:
    out = io.StringIO()
    setup_logging(log_format="text", stream=out)
    logging.getLogger("mailer.test").warning("failed", extra={"destination": "team"})
    assert out.getvalue().rstrip().endswith("failed destination=team")


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("slack said invalid_auth for xoxb-1234-5678-abcdef", "xoxb-1234-5678-abcdef"),
        ("cannot connect to postgresql://mailer:hunter2@db:5432/m", "hunter2"),
        ("LOGIN failed: password=hunter2", "hunter2"),
        ("header Authorization: Bearer abcdefghijklmnop", "abcdefghijklmnop"),
        ("posting to https://hooks.slack.com/services/T0/B0/XyZsecret", "XyZsecret"),
    ],
)
def test_credentials_are_masked_even_in_exceptions(
    lines: io.StringIO, text: str, secret: str
) -> None:
    assert secret not in redact(text)
    log = logging.getLogger("mailer.test")
    try:
        raise RuntimeError(text)
    except RuntimeError:
        log.exception("boom: %s", text, extra={"error": text})
    assert secret not in lines.getvalue()


def test_setting_names_are_not_mistaken_for_secrets() -> None:
    text = "password_env: IMAP_PASSWORD is not set; token_env: SLACK_BOT_TOKEN"
    assert redact(text) == text


def test_redaction_keeps_the_products_own_missing_secret_message_readable() -> None:
    from mailer.runtime.logs import redact

    line = "source team-inbox: password: environment variable MAILER_IMAP_PASSWORD is not set"
    assert redact(line) == line
    assert "hunter2" not in redact("password: hunter2")


@pytest.mark.parametrize(
    "text",
    [
        "matched: A Basic Introduction to Diffusion Models",
        "paper: a basic recipe for bearer standardization",
        "destination ops: token: read from SLACK_BOT_TOKEN_FILE",
        "slack: token: expired or revoked",
    ],
)
def test_ordinary_words_after_basic_bearer_or_token_are_not_masked(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Authorization: Basic dXNlcjpwYXNz", "dXNlcjpwYXNz"),
        ("Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA"),
        ("authorization: Bearer alllowercasetoken", "alllowercasetoken"),
        ("Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig", "eyJhbGciOiJIUzI1NiJ9"),
    ],
)
def test_authorization_credentials_are_masked(text: str, secret: str) -> None:
    assert secret not in redact(text)
