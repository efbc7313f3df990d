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
