"""Rule files: every broken file gives its expected `file:line:column` messages, in one pass."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import Golden
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.rules import load_rules
from mailer.rules.loader import RuleError

ROOT = Path(__file__).resolve().parent.parent
BROKEN = sorted(p.relative_to(ROOT) for p in (ROOT / "tests/data/rules").glob("*.expected"))
SHIPPED_DESTINATIONS = {"console", "preview"}


@pytest.mark.parametrize("expected", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_rule_file_gives_expected_messages(
    expected: Path, monkeypatch: pytest.MonkeyPatch, golden: Golden
) -> None:
    monkeypatch.chdir(ROOT)
    source = expected.with_suffix(".yaml")
    path = source if source.exists() else expected.with_suffix("")
    ruleset = load_rules([path], has_destination=lambda ref: ref.to_str() in SHIPPED_DESTINATIONS)
    messages = [str(e) for e in ruleset.errors]
    if golden.update:
        golden.check(expected, "".join(f"{m}\n" for m in messages))
    assert messages == expected.read_text().splitlines()
    assert ruleset.errors, "a broken file must report at least one error"


def write(tmp_path: Path, data: Any, name: str = "rules.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_good_rules_load_with_typed_notify_targets(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {
            "version": 1,
            "rules": [
                {
                    "name": "small-llms",
                    "description": "Small language models",
                    "match": {"any": ["SLM"], "size": "<= 8B"},
                    "notify": [
                        {"to": "preview", "mode": "daily", "timezone": "Europe/Berlin"},
                        {"to": {"slack": "#llm-papers"}},
                        {"to": {"slack_user": "U0123ABCD"}, "mode": "daily", "at": "07:30"},
                        {"to": {"email": "alice@example.com"}},
                    ],
                }
            ],
        },
    )
    ruleset = load_rules([path])
    assert ruleset.errors == ()
    (rule,) = ruleset.rules
    assert rule.name == "small-llms"
    assert rule.description == "Small language models"
    assert rule.enabled is True
    assert [(t.to.to_str(), t.mode, str(t.at), t.timezone) for t in rule.notify] == [
        ("preview", "daily", "None", "Europe/Berlin"),  # None: the config's default_daily_at
        ("slack:#llm-papers", "immediate", "None", "UTC"),
        ("slack_user:U0123ABCD", "daily", "07:30:00", "UTC"),
        ("email:alice@example.com", "immediate", "None", "UTC"),
    ]
    assert rule.match.size is not None
    assert rule.match.size.max == 8_000_000_000


def test_destinations_are_checked_only_with_a_checker(tmp_path: Path) -> None:
    path = write(
        tmp_path, {"rules": [{"name": "x", "match": {"any": ["a"]}, "notify": [{"to": "nowhere"}]}]}
    )
    assert load_rules([path]).errors == ()
    assert len(load_rules([path], has_destination=lambda name: False).errors) == 1


def test_rules_without_notify_are_valid(tmp_path: Path) -> None:
    path = write(tmp_path, {"rules": [{"name": "quiet", "match": {"none": ["survey"]}}]})
    ruleset = load_rules([path])
    assert ruleset.errors == ()
    assert ruleset.rules[0].notify == ()


def test_errors_in_one_file_keep_good_rules_of_others(tmp_path: Path) -> None:
    write(tmp_path, {"rules": [{"name": "good", "match": {"any": ["lora"]}}]}, "a.yaml")
    write(tmp_path, {"rules": [{"name": "bad", "match": {"size": "big"}}]}, "b.yaml")
    (tmp_path / "notes.txt").write_text("not a rule file")
    ruleset = load_rules([tmp_path])
    assert [r.name for r in ruleset.rules] == ["good"]
    assert [e.rule for e in ruleset.errors] == ["bad"]
    assert [p.name for p in ruleset.files] == ["a.yaml", "b.yaml"]


def test_missing_path_is_an_error_not_an_exception(tmp_path: Path) -> None:
    ruleset = load_rules([tmp_path / "nope.yaml"])
    assert [e.message for e in ruleset.errors] == ["no such rule file or directory"]


def test_empty_file_has_no_rules_and_no_errors(tmp_path: Path) -> None:
    (tmp_path / "empty.yaml").write_text("# nothing yet\n")
    ruleset = load_rules([tmp_path])
    assert ruleset.rules == ()
    assert ruleset.errors == ()


def test_rule_error_str_is_the_full_line() -> None:
    from mailer.config.yamlsource import Position

    error = RuleError(Position("rules/a.yaml", 3, 7), "size: bad", "r")
    assert str(error) == "rules/a.yaml:3:7: rule 'r': size: bad"


yaml_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=8),
              st.sampled_from(["<= 8B", "/x/", "(a OR", "daily", "09:00", "title"])),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(
            st.sampled_from(["name", "match", "any", "all", "none", "query", "size", "notify",
                             "to", "mode", "at", "fields", "min", "max", "rules", "version",
                             "authors", "formats", "enabled", "unknown", "slack", "timezone"]),
            children, max_size=4),
    ),
    max_leaves=12,
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(yaml_values)
def test_loader_never_crashes_on_any_content(tmp_path_factory: Any, data: Any) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "rules.yaml"
    path.write_text(yaml.safe_dump({"rules": [data]} if isinstance(data, dict) else data))
    ruleset = load_rules([path], has_destination=lambda ref: ref.to_str() == "console")
    assert all(str(error) for error in ruleset.errors)


@pytest.mark.parametrize("key", ["fields", "formats"])
def test_a_list_key_given_a_number_is_an_error_not_a_crash(tmp_path: Path, key: str) -> None:
    # found by the fuzz test above: {match: {fields: 1}} raised TypeError in the builder
    path = tmp_path / "rules.yaml"
    path.write_text(f"version: 1\nrules:\n  - {{name: x, match: {{any: [lora], {key}: 1}}}}\n")
    ruleset = load_rules([path], has_destination=lambda name: True)
    assert any(f"{key}: expected a list" in str(error) for error in ruleset.errors)


@pytest.mark.slow  # loads 10,000 rules
def test_ten_thousand_rules_load_fast(tmp_path: Path) -> None:
    rules = [
        {"name": f"rule-{i}", "match": {"any": [f"term{i}", "lora"], "size": "<= 8B"},
         "notify": [{"to": "console"}]}
        for i in range(10_000)
    ]  # fmt: skip
    path = tmp_path / "many.yaml"
    path.write_text(yaml.dump({"version": 1, "rules": rules}, Dumper=yaml.CSafeDumper))
    start = time.process_time()
    ruleset = load_rules([path], has_destination=lambda name: True)
    elapsed = time.process_time() - start
    assert len(ruleset.rules) == 10_000
    assert not ruleset.errors
    assert elapsed < 10, f"loading 10,000 rules took {elapsed:.1f} s"


@settings(max_examples=300, deadline=None)
@given(yaml_values)
def test_fast_schema_check_agrees_with_jsonschema(data: Any) -> None:
    from mailer.rules.schema import SCHEMA_VALIDATOR, is_valid

    for document in ({"version": 1, "rules": [data]}, {"rules": [{"name": "x", "match": data}]}):
        assert is_valid(document) == SCHEMA_VALIDATOR.is_valid(document)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rules:\n  - name: deep\n    match: {query: '" + "(" * 500 + "a" + ")" * 500 + "'}\n",
         "query: more than 20 nested parentheses"),
        ("rules:\n  - name: long\n    match: {query: '" + "a OR " * 500 + "b'}\n",
         "query: longer than 2000 characters; split the rule"),
        ("rules: " + "[" * 3000 + "]" * 3000 + "\n", "nested too deeply to be rules"),
    ],
    ids=["nested-query", "long-query", "nested-yaml"],
)  # fmt: skip
def test_hostile_rule_files_give_errors_not_crashes(
    tmp_path: Path, text: str, expected: str | None
) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_text(text)
    ruleset = load_rules([path])
    assert ruleset.errors
    assert ruleset.rules == ()
    if expected is not None:
        assert ruleset.errors[0].message == expected


def test_hostile_size_values_are_rejected_quickly(tmp_path: Path) -> None:
    spaces = write(
        tmp_path,
        {"version": 1, "rules": [{"name": "s", "match": {"size": "1" + " " * 50_000 + "x"}}]},
    )
    started = time.process_time()
    ruleset = load_rules([spaces])
    assert time.process_time() - started < 1.0  # was quadratic: minutes for 50,000 spaces
    assert [e.message[:8] for e in ruleset.errors] == ["size: '1"]


def test_positions_are_indexed_on_first_use_only() -> None:
    from mailer.config.yamlsource import Position, load_yaml_text

    doc = load_yaml_text("rules:\n  - name: a\n    match: {any: [x]}\n", "f.yaml")
    assert not doc._values  # a valid file never pays for the index
    assert doc.position(("rules", 0, "match", "any", 0)) == Position("f.yaml", 3, 19)
    assert doc.position(("rules", 0, "match"), key=True) == Position("f.yaml", 3, 5)


@pytest.mark.parametrize("query", ["/lo ra/", "/(q)?lora/ AND vision"])
def test_a_query_regex_cut_by_a_space_or_parenthesis_is_an_error(
    tmp_path: Path, query: str
) -> None:
    path = write(tmp_path, {"version": 1, "rules": [{"name": "q", "match": {"query": query}}]})
    (error,) = load_rules([path]).errors
    assert error.rule == "q"
    assert "query: the /regex/ at character 1 does not end" in error.message


def test_a_query_operator_in_lower_case_is_an_error_with_a_hint(tmp_path: Path) -> None:
    rule = {"name": "q", "match": {"query": 'lora and not survey OR "not"'}}
    (error,) = load_rules([write(tmp_path, {"version": 1, "rules": [rule]})]).errors
    assert error.message == (
        "query: 'and' at character 6: write the operators AND, OR and NOT in capitals; "
        'to look for the word itself, quote it: "and"'
    )
