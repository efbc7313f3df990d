"""Schema errors in plain words: what was expected, where, with a "did you mean"."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from jsonschema import ValidationError

from mailer.config.yamlsource import PathKey

Problem = tuple[PathKey, str, bool]  # (path in the file, message, report at the key?)

_TYPE_WORDS = {
    "object": "a mapping of keys",
    "array": "a list",
    "string": "text",
    "integer": "a whole number",
    "boolean": "true or false",
}


def label(path: Iterable[str | int]) -> str:
    """("notify", 0, "to") -> "notify[0].to"; the `match.` prefix is left out
    (("match", "size") -> "size"), but `match` itself is named."""
    parts = list(path)
    if len(parts) > 1 and parts[0] == "match":
        parts = parts[1:]
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "rule"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    names = {dict: "a mapping", list: "a list", str: "text", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)


def explain_schema_error(error: ValidationError) -> list[Problem]:
    """(path, message, at the key?) for one jsonschema error, in plain words."""
    problems: list[Problem] = []
    path: PathKey = tuple(error.absolute_path)
    kind, value = error.validator, error.instance
    rel = path[2:] if len(path) >= 2 and path[0] == "rules" else path
    where = label(rel) if rel else label(path)
    if len(path) == 2 and kind == "type":
        return [(path, f"{where}: a rule is a mapping with name: and match:", False)]
    said = _condition_message(rel, value, str(kind))
    if said is not None:
        return [(path, said, False)]
    if kind == "additionalProperties" and isinstance(value, dict):
        known = error.schema.get("properties", {})
        for extra in (k for k in value if k not in known):
            hint = did_you_mean(str(extra), known) or f"; expected one of {', '.join(known)}"
            problems.append(((*path, extra), f"unknown key {extra!r}{hint}", True))
    elif kind == "required":
        missing = [k for k in error.validator_value if k not in value]
        for key in missing:
            what = {
                "name": "every rule needs a unique name:",
                "match": "every rule needs match: (what to look for)",
                "to": "notify entries need to: (a destination)",
                "rules": "a rule file needs rules: (a list)",
            }.get(key, f"missing key {key!r}")
            problems.append((path, f"{where}: {what}" if rel else what, False))
    elif kind == "oneOf":
        problems.append((path, _one_of_message(rel), False))
    elif kind == "type":
        wanted = _TYPE_WORDS.get(str(error.validator_value), str(error.validator_value))
        hint = _quote_hint(rel, value) if error.validator_value == "string" else ""
        problems.append(
            (path, f"{where}: expected {wanted}, found {_type_name(value)}{hint}", False)
        )
    elif kind == "enum":
        choices = [str(c) for c in error.validator_value]
        hint = did_you_mean(str(value), choices)
        problems.append(
            (path, f"{where}: {value!r} is not one of {', '.join(choices)}{hint}", False)
        )
    elif kind == "const":
        problems.append((path, f"{where}: only version 1 exists", False))
    elif kind in ("minLength", "minItems", "minProperties"):
        problems.append((path, f"{where}: must not be empty", False))
    elif kind == "maxProperties":
        problems.append((path, f"{where}: write exactly one of {_inline_keys()}", False))
    elif kind == "minimum":
        problems.append((path, f"{where}: must be 0 or more", False))
    elif kind == "pattern":
        problems.append((path, _pattern_message(rel, value), False))
    else:  # pragma: no cover - every keyword the schema uses is handled above
        problems.append((path, f"{where}: {error.message}", False))
    return problems


def _condition_message(rel: PathKey, value: Any, validator: str) -> str | None:
    """What the condition under `match:` says of its own value, if it knows better."""
    if len(rel) < 2 or rel[0] != "match":
        return None
    from mailer.rules.conditions import BY_KEY  # its modules import this one

    condition = BY_KEY.get(str(rel[1]))
    return condition.schema_message(rel[1:], value, validator) if condition else None


def _quote_hint(rel: PathKey, value: Any) -> str:
    """YAML reads some unquoted text as another type: yes/no/on/off are true/false, 1.5
    is a number, and 9:30 is the number 570 (a sexagesimal integer)."""
    if isinstance(value, bool):
        return "; put it in quotes (YAML reads yes, no, on and off as true/false)"
    if not isinstance(value, int | float):
        return ""
    if rel and rel[-1] == "at":
        return "; put the time in quotes, e.g. at: '09:30'"
    return "; put it in quotes"


def _one_of_message(rel: PathKey) -> str:
    from mailer.notify.registry import inline_targets

    examples = ", ".join(f"{{{t.key}: {t.example}}}" for t in inline_targets().values())
    return f"{label(rel)}: expected a destination name from the config or one of {examples}"


def _inline_keys() -> str:
    from mailer.notify.registry import inline_targets

    keys = [f"{key}:" for key in inline_targets()]
    return ", ".join(keys[:-1]) + f" or {keys[-1]}" if len(keys) > 1 else "".join(keys)


def _pattern_message(rel: PathKey, value: Any) -> str:
    last = rel[-1] if rel else ""
    if last == "at":
        return f"{label(rel)}: {value!r} is not a time of day; write e.g. '09:00'"
    if last == "email":
        return f"{label(rel)}: {value!r} is not an email address"
    if last == "name":
        return "name: must not be empty or start or end with spaces"
    return f"{label(rel)}: {value!r} is not valid here"
