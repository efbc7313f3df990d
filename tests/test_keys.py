"""The keys that cross seams as text (mailer.core.keys) are parsed once into values, and
their one text form round-trips: what the store keeps is what `to_str()` wrote."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailer.core.keys import BatchKey, Claim, DestinationRef

TEXT = st.text(st.characters(codec="utf-8"), max_size=40)  # no lone surrogates


@given(st.sampled_from(["msg", "day", "test"]), TEXT)
def test_a_batch_key_reads_back_what_it_wrote(kind: str, value: str) -> None:
    key = BatchKey(kind, value)  # type: ignore[arg-type]
    assert BatchKey.parse(key.to_str()) == key


def test_batch_keys_say_what_they_batch() -> None:
    daily = BatchKey.for_day(date(2025, 10, 14))
    assert daily.to_str() == "day:2025-10-14"
    assert daily.is_daily
    assert daily.day == date(2025, 10, 14)
    immediate = BatchKey.for_message("inbox/INBOX/7/41")
    assert immediate.to_str() == "msg:inbox/INBOX/7/41"
    assert not immediate.is_daily
    assert immediate.day is None
    assert BatchKey.parse("day:garbage").day is None  # a damaged row still renders
    sample = BatchKey.for_test(datetime(2025, 10, 14, 9, 30, tzinfo=UTC))
    assert sample.to_str() == "test:20251014T093000"


@pytest.mark.parametrize("text", ["", "m", "week:2025-42", "inbox/INBOX/7/41"])
def test_a_string_that_is_no_batch_key_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a batch key"):
        BatchKey.parse(text)


def test_a_claim_names_its_worker_and_reads_back() -> None:
    claim = Claim.parse("pod-7.example:4242:0f3a9c1e2b4d")
    assert (claim.host, claim.pid, claim.token) == ("pod-7.example", 4242, "0f3a9c1e2b4d")
    assert claim.worker == "pod-7.example:4242"
    assert Claim.parse(claim.to_str()) == claim
    ipv6 = Claim("::1", 9, "ab")  # a host with colons in it
    assert Claim.parse(ipv6.to_str()) == ipv6
    assert ipv6.worker == "::1:9"


@pytest.mark.parametrize("text", ["", "w", "host:pid:token", "host:12", ":12:t", "h:12:"])
def test_a_string_that_is_no_claim_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a claim"):
        Claim.parse(text)


@pytest.mark.parametrize(
    ("text", "name", "inline"),
    [
        ("team-slack", "team-slack", None),
        ("slack:#papers", "#papers", "slack"),
        ("slack_user:U0123ABCD", "U0123ABCD", "slack_user"),
        ("email:alice@example.com", "alice@example.com", "email"),
        ("apprise:discord://...3f2a9c1e", "discord://...3f2a9c1e", "apprise"),
        ("Ops:alerts", "Ops:alerts", None),  # not an inline key: a configured name
        ("slack:", "slack:", None),
    ],
)
def test_a_destination_is_a_configured_name_or_an_inline_target(
    text: str, name: str, inline: str | None
) -> None:
    ref = DestinationRef.parse(text)
    assert (ref.name, ref.inline, ref.is_inline) == (name, inline, inline is not None)
    assert ref.to_str() == text
    assert DestinationRef.parse(ref.to_str()) == ref


def test_the_rule_loader_gives_a_secret_inline_target_only_its_safe_reference(
    tmp_path: Path,
) -> None:
    from mailer.rules import load_rules

    secret = "discord://1234/very-secret-token"
    rules = tmp_path / "r.yaml"
    rules.write_text(
        f"rules:\n  - name: r\n    match: {{any: [LoRA]}}\n"
        f"    notify: [{{to: {{apprise: '{secret}'}}}}, {{to: {{slack: '#papers'}}}}, {{to: team}}]\n"
    )
    seen: list[DestinationRef] = []

    def has_destination(ref: DestinationRef) -> bool:
        seen.append(ref)
        return True

    ruleset = load_rules([rules], has_destination=has_destination)
    [rule] = ruleset.rules
    apprise, slack, team = (t.to for t in rule.notify)
    assert apprise.inline == "apprise"
    assert "secret" not in apprise.to_str()
    assert apprise.name.startswith("discord://...")
    assert slack == DestinationRef.inline_target("slack", "#papers")
    assert team == DestinationRef.named("team")
    # the config is asked about the real target (it remembers it by the safe reference)
    assert DestinationRef.inline_target("apprise", secret) in seen


def test_a_notice_key_names_its_subject_and_reads_back() -> None:
    from mailer.core.keys import NoticeKey

    silent = NoticeKey.source("hf-daily")
    assert silent.to_str() == "source:hf-daily"
    assert NoticeKey.parse("source:hf-daily") == silent
    failing = NoticeKey.parse("destination:slack:#papers")  # an inline target's name
    assert failing == NoticeKey.destination("slack:#papers")
    with pytest.raises(ValueError, match="not a notice key"):
        NoticeKey.parse("fetch:hf-daily")
