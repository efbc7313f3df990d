"""The JSON Schema of rule files: validated on load and published for editors.

`mailer rules schema` prints it; the copy in the top-level `rules/schema.json` lets the
YAML language server (header `# yaml-language-server: $schema=schema.json`) complete
keys and flag mistakes while a user types. Checks a schema cannot express well (size
syntax, regexes RE2 accepts, query syntax, duplicate names, destinations) are done by
the loader, which also explains schema failures in plain words.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any, get_args

import fastjsonschema
from jsonschema import Draft202012Validator

from mailer.models import PaperFormat

DRAFT_7 = "http://json-schema.org/draft-07/schema#"
SCHEMA_ID = "https://paper-mailer.invalid/schemas/rules-v1.json"

# Written so that no two `\s*` meet: a validator running these with a backtracking
# engine would otherwise take time quadratic in a long run of spaces.
_AMOUNT = r"\d+(\.\d+)?(\s*[kKmMbBtT])?"
SIZE_PATTERN = rf"^\s*(((<=|>=|<|>|==|=|≤|≥)\s*)?{_AMOUNT}|{_AMOUNT}\s*\.\.\s*{_AMOUNT})\s*$"
_PARAMS: dict[str, Any] = {
    "oneOf": [
        {"type": "string", "pattern": rf"^\s*{_AMOUNT}\s*$"},
        {"type": "integer", "minimum": 0},
    ],
    "description": "A parameter count such as 8B, 350M or 1.5B.",
}
_TERMS: dict[str, Any] = {
    "type": "array",
    "items": {"type": "string", "minLength": 1},
    "description": "Words or phrases (whole words, case-insensitive, plurals too; =LLM for "
    "this form only) or /regex/ terms.",
}

FORMATS: tuple[str, ...] = get_args(PaperFormat)  # a new format is named once, in models
MATCH_FIELDS = ("title", "abstract", "authors", "source")
ANNOUNCE_KINDS = ("new", "cross", "replaced")

MATCH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "any": {**_TERMS, "description": "At least one of these terms must appear."},
        "all": {**_TERMS, "description": "Every one of these terms must appear."},
        "none": {**_TERMS, "description": "None of these terms may appear."},
        "query": {
            "type": "string",
            "minLength": 1,
            "description": "Boolean expression: (LoRA OR QLoRA) AND NOT survey.",
        },
        "authors": {**_TERMS, "description": "At least one author name must contain one."},
        "fields": {
            "type": "array",
            "items": {"enum": list(MATCH_FIELDS)},
            "minItems": 1,
            "description": "Where terms are looked for; default [title, abstract].",
        },
        "size": {
            "description": "The paper's own model size: '<= 8B', '1B..13B', '>= 70B' or "
            "{min, max, unknown, sizes}; sizes: any counts baselines' sizes too.",
            "oneOf": [
                {"type": "string", "pattern": SIZE_PATTERN},
                {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "min": _PARAMS,
                        "max": _PARAMS,
                        "unknown": {"enum": ["exclude", "include"]},
                        "sizes": {
                            "enum": ["own", "any"],
                            "description": "Which sizes count: the paper's own models' "
                            "(default) or any size it mentions, baselines included.",
                        },
                    },
                },
            ],
        },
        "min_upvotes": {"type": "integer", "minimum": 0},
        "formats": {"type": "array", "items": {"enum": list(FORMATS)}, "minItems": 1},
        "announce": {
            "type": "array",
            "items": {"enum": list(ANNOUNCE_KINDS)},
            "minItems": 1,
            "uniqueItems": True,
            "description": "How arXiv announced the paper: new, cross (cross-list), replaced. "
            "Papers from other digests count as new. [new, cross] leaves replacements out.",
        },
    },
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


def _pattern(text: str) -> re.Pattern[str]:
    """As fastjsonschema runs a pattern: `$` is the end of the text (`\\Z`), so a value
    with a trailing line break does not pass."""
    return re.compile(re.sub(r"(?<!\\)\$", r"\\Z", text))


_NAME = _pattern(r"^\S(.*\S)?$")  # as in rules_file_schema()
_SIZE = _pattern(SIZE_PATTERN)
_PARAMS_TEXT = _pattern(_PARAMS["oneOf"][0]["pattern"])
_AT = _pattern(r"^([01]?\d|2[0-3]):[0-5]\d$")
_RULE_KEYS = frozenset(("name", "description", "enabled", "match", "notify"))
_MATCH_KEYS = frozenset(MATCH_SCHEMA["properties"])
_NOTIFY_KEYS = frozenset(("to", "mode", "at", "timezone"))
_TERM_KEYS = ("any", "all", "none", "authors")
_SIZE_KEYS = frozenset(("min", "max", "unknown", "sizes"))


def _is_text(value: Any, shortest: int = 1) -> bool:
    return type(value) is str and len(value) >= shortest


def _is_text_list(value: Any) -> bool:
    return type(value) is list and all(_is_text(item) for item in value)


def _is_count(value: Any) -> bool:
    return type(value) is int and value >= 0


def _is_choice_list(value: Any, choices: tuple[str, ...]) -> bool:
    return (
        type(value) is list
        and bool(value)
        and all(type(item) is str and item in choices for item in value)
    )


def _is_params(value: Any) -> bool:
    return _is_count(value) or (type(value) is str and _PARAMS_TEXT.search(value) is not None)


def _is_size(value: Any) -> bool:
    if type(value) is str:
        return _SIZE.search(value) is not None
    return (
        type(value) is dict
        and value.keys() <= _SIZE_KEYS
        and ("min" not in value or _is_params(value["min"]))
        and ("max" not in value or _is_params(value["max"]))
        and value.get("unknown", "exclude") in ("exclude", "include")
        and value.get("sizes", "own") in ("own", "any")
        and all(type(value.get(k, "")) is str for k in ("unknown", "sizes"))
    )


def _is_match(match: Any) -> bool:
    if type(match) is not dict or not match.keys() <= _MATCH_KEYS:
        return False
    for key in _TERM_KEYS:
        if key in match and not _is_text_list(match[key]):
            return False
    if "query" in match and not _is_text(match["query"]):
        return False
    if "fields" in match and not _is_choice_list(match["fields"], MATCH_FIELDS):
        return False
    if "size" in match and not _is_size(match["size"]):
        return False
    if "min_upvotes" in match and not _is_count(match["min_upvotes"]):
        return False
    if "formats" in match and not _is_choice_list(match["formats"], FORMATS):
        return False
    if "announce" in match:
        announce = match["announce"]
        if not _is_choice_list(announce, ANNOUNCE_KINDS) or len(set(announce)) != len(announce):
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
    check = _inline_checks().get(kind)
    if check is None:
        return False
    try:
        check(value)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


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
        and ("timezone" not in entry or _is_text(entry["timezone"]))
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
