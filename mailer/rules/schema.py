"""The JSON Schema of rule files: validated on load and published for editors.

`mailer rules schema` prints it; the copy in the top-level `rules/schema.json` lets the
YAML language server (header `# yaml-language-server: $schema=schema.json`) complete
keys and flag mistakes while a user types. Checks a schema cannot express well (size
syntax, regexes RE2 accepts, query syntax, duplicate names, destinations) are done by
the loader, which also explains schema failures in plain words.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator

from mailer.rules.conditions import BY_KEY, CONDITIONS
from mailer.rules.conditions.base import is_text, schema_pattern

DRAFT_7 = "http://json-schema.org/draft-07/schema#"
SCHEMA_ID = "https://paper-mailer.invalid/schemas/rules-v1.json"

# every condition's fragment, from the registry (mailer/rules/conditions/)
MATCH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {kind.key: kind.schema for kind in CONDITIONS},
}


def _inline_target_schema() -> dict[str, Any]:
    """`to: {<key>: ...}`: every channel's inline targets (mailer/notify/registry.py)."""
    from mailer.notify.registry import inline_targets  # channel modules: imported on first use

    return {
        "type": "object",
        "additionalProperties": False,
        "minProperties": 1,
        "maxProperties": 1,
        "properties": {
            target.key: {
                **target.schema,
                "description": f"{target.description[:1].upper()}{target.description[1:]}: "
                f"{target.example}.",
            }
            for target in inline_targets().values()
        },
    }


@lru_cache(maxsize=1)
def rules_file_schema() -> dict[str, Any]:
    """The whole schema, built on first use: the inline targets come from the channel
    registry, whose modules (and their config models) a plain import of the rules
    package does not need."""
    inline = _inline_target_schema()
    keys = "|".join(inline["properties"])
    notify: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["to"],
        "properties": {
            "to": {
                "description": f"A destination named in the config, or {{{keys}: ...}}.",
                "oneOf": [{"type": "string", "minLength": 1}, inline],
            },
            "mode": {"enum": ["immediate", "daily"]},
            "at": {"type": "string", "pattern": r"^([01]?\d|2[0-3]):[0-5]\d$"},
            "timezone": {"type": "string", "minLength": 1},
        },
    }
    rule: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "match"],
        "properties": {
            "name": {"type": "string", "pattern": r"^\S(.*\S)?$"},
            "description": {"type": "string"},
            "enabled": {"type": "boolean"},
            "match": MATCH_SCHEMA,
            "notify": {"type": "array", "items": notify},
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "paper-mailer rule file",
        "type": "object",
        "additionalProperties": False,
        "required": ["rules"],
        "properties": {
            "version": {"const": 1},
            "rules": {"type": "array", "items": rule},
        },
    }


@lru_cache(maxsize=1)
def schema_validator() -> Draft202012Validator:
    """The validator that explains failures (jsonschema)."""
    return Draft202012Validator(rules_file_schema())


def __getattr__(name: str) -> Any:  # the names this module published as constants
    if name == "RULES_FILE_SCHEMA":
        return rules_file_schema()
    if name == "SCHEMA_VALIDATOR":
        return schema_validator()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def schema_json() -> str:
    """The schema as published (stable key order, trailing newline)."""
    return json.dumps(rules_file_schema(), indent=2, ensure_ascii=False) + "\n"


@lru_cache(maxsize=1)
def _compiled_check() -> Callable[[Any], Any]:
    # fastjsonschema speaks draft 7, which has every keyword this schema uses
    return fastjsonschema.compile({**rules_file_schema(), "$schema": DRAFT_7})


def is_valid(data: Any) -> bool:
    """The fast compiled check (10,000 rules in ~0.1 s); schema_validator() explains failures."""
    try:
        _compiled_check()(data)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


# --- the same check written out by hand, for the common case -----------------------------
# fastjsonschema's generated code took a fifth of loading 100,000 rules. This says yes
# only when the schema surely would (a test holds it to that, on generated documents);
# anything unusual (a float where a whole number goes, a size mapping with other keys)
# answers no, and the schema then decides, and explains.


_NAME = schema_pattern(r"^\S(.*\S)?$")  # as in rules_file_schema()
_AT = schema_pattern(r"^([01]?\d|2[0-3]):[0-5]\d$")
_RULE_KEYS = frozenset(("name", "description", "enabled", "match", "notify"))
_NOTIFY_KEYS = frozenset(("to", "mode", "at", "timezone"))
_CONDITION_CHECKS = {key: kind.is_surely_valid for key, kind in BY_KEY.items()}


def _is_match(match: Any) -> bool:
    if type(match) is not dict:
        return False
    checks = _CONDITION_CHECKS
    for key, value in match.items():
        check = checks.get(key)
        if check is None or not check(value):
            return False
    return True


@lru_cache(maxsize=1)
def _inline_checks() -> dict[str, Callable[[Any], Any]]:
    """Each inline target's own schema (`{slack: "#x"}`), compiled once."""
    from mailer.notify.registry import inline_targets  # channel modules: on first use

    return {
        key: fastjsonschema.compile({**target.schema, "$schema": DRAFT_7})
        for key, target in inline_targets().items()
    }


def _is_target(to: Any) -> bool:
    if type(to) is str:
        return len(to) >= 1
    if type(to) is not dict or len(to) != 1:
        return False
    ((kind, value),) = to.items()
    if type(value) is str and (kind, value) in _good_inline:
        return True
    check = _inline_checks().get(kind)
    if check is None:
        return False
    try:
        check(value)
    except fastjsonschema.JsonSchemaException:
        return False
    if type(value) is str:
        if len(_good_inline) > 50_000:
            _good_inline.clear()
        _good_inline.add((kind, value))
    return True


# inline targets the schema accepted: a team's files write the same few again and again
_good_inline: set[tuple[str, str]] = set()


def _is_notify(entry: Any) -> bool:
    return (
        type(entry) is dict
        and entry.keys() <= _NOTIFY_KEYS
        and "to" in entry
        and _is_target(entry["to"])
        and ("mode" not in entry or entry["mode"] in ("immediate", "daily"))
        and (
            "at" not in entry or (type(entry["at"]) is str and _AT.search(entry["at"]) is not None)
        )
        and ("timezone" not in entry or is_text(entry["timezone"]))
    )


def _is_rule(rule: Any) -> bool:
    if type(rule) is not dict or not rule.keys() <= _RULE_KEYS:
        return False
    name = rule.get("name")
    if type(name) is not str or _NAME.search(name) is None or not _is_match(rule.get("match")):
        return False
    if "description" in rule and type(rule["description"]) is not str:
        return False
    if "enabled" in rule and type(rule["enabled"]) is not bool:
        return False
    if "notify" in rule:
        notify = rule["notify"]
        if type(notify) is not list or not all(_is_notify(entry) for entry in notify):
            return False
    return True


def is_surely_valid(data: Any) -> bool:
    """True only when the schema surely accepts `data`; False means: ask the schema."""
    if type(data) is not dict or not data.keys() <= {"version", "rules"}:
        return False
    version = data.get("version", 1)
    if type(version) is not int or version != 1:
        return False
    rules = data.get("rules")
    return type(rules) is list and all(_is_rule(rule) for rule in rules)
