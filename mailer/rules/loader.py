"""Load rule files into typed `Rule`s, reporting every problem in one pass.

`load_rules(paths)` never raises for bad content: it returns a `RuleSet` holding the
good rules and one `RuleError` per problem, each `file:line:column: rule 'name': what
was expected`. The service reloads rule files with it and keeps its last good rules
while an edit is broken; `mailer rules check` prints the errors.

Validation is the published JSON Schema (structure, unknown keys, types) followed by
the checks a schema cannot express (sizes, regexes RE2 can run, queries, empty
matchers, duplicate names across files, and destinations when a checker is given).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import time
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import fastjsonschema
from jsonschema import Draft202012Validator, ValidationError

from mailer.models import DeliveryMode, NotifyTarget
from mailer.rules.rule import FIELDS, Condition, FieldName, Rule, Term
from mailer.rules.schema import RULES_FILE_SCHEMA
from mailer.rules.syntax import RuleValueError, parse_query, parse_size, parse_term
from mailer.yamlsource import PathKey, Position, YamlDocument, YamlSyntaxError, load_yaml_file

RULE_FILE_SUFFIXES = (".yaml", ".yml")
DEFAULT_DAILY_AT = time(9, 0)
_VALIDATOR = Draft202012Validator(RULES_FILE_SCHEMA)
DRAFT_7 = "http://json-schema.org/draft-07/schema#"
_CONDITION_KEYS = ("any", "all", "none", "query", "authors", "size", "min_upvotes", "formats")
_INLINE_KINDS = ("slack", "slack_user", "email")


@dataclass(frozen=True, slots=True)
class RuleError:
    """One problem in a rule file; `str()` gives the full `file:line:column: ...` line."""

    position: Position
    message: str
    rule: str | None = None

    def __str__(self) -> str:
        if self.rule is not None:
            return f"{self.position}: rule {self.rule!r}: {self.message}"
        return f"{self.position}: {self.message}"


@dataclass(frozen=True, slots=True)
class RuleSet:
    rules: tuple[Rule, ...]  # the rules without errors, in file order
    errors: tuple[RuleError, ...]
    files: tuple[Path, ...]

    @property
    def is_ok(self) -> bool:
        return not self.errors

    @property
    def enabled(self) -> tuple[Rule, ...]:
        return tuple(rule for rule in self.rules if rule.enabled)


def rule_files(paths: Sequence[Path]) -> tuple[list[Path], list[RuleError]]:
    """Each path is a rule file or a directory of `*.yaml`/`*.yml` files (not recursive)."""
    files: list[Path] = []
    errors: list[RuleError] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(p for p in path.iterdir() if p.suffix in RULE_FILE_SUFFIXES and p.is_file())
            )
        elif path.is_file():
            files.append(path)
        else:
            errors.append(RuleError(Position(str(path), 1, 1), "no such rule file or directory"))
    return files, errors


def load_rules(
    paths: Sequence[Path], *, has_destination: Callable[[str], bool] | None = None
) -> RuleSet:
    """Load and validate every rule file under `paths`; never raises for bad content."""
    files, errors = rule_files(paths)
    rules: list[Rule] = []
    first_seen: dict[str, Position] = {}
    for path in files:
        try:
            doc = load_yaml_file(path)
        except YamlSyntaxError as e:
            errors.append(RuleError(e.position, f"not valid YAML: {e.problem}"))
            continue
        except (OSError, UnicodeDecodeError) as e:
            reason = getattr(e, "strerror", None) or str(e)
            errors.append(RuleError(Position(str(path), 1, 1), f"cannot read: {reason}"))
            continue
        loader = _FileLoader(doc, has_destination)
        file_rules, file_errors = loader.load()
        repeated: set[Position] = set()
        for name, position in loader.names():
            if name in first_seen:
                message = f"name already used at {first_seen[name]}; rule names must be unique"
                file_errors.append(RuleError(position, message, name))
                repeated.add(position)
            else:
                first_seen[name] = position
        file_errors.sort(key=lambda e: (e.position.line, e.position.column))
        errors.extend(file_errors)
        rules.extend(rule for rule in file_rules if rule.position not in repeated)
    return RuleSet(tuple(rules), tuple(errors), tuple(files))


def _label(path: Iterable[str | int]) -> str:
    """("notify", 0, "to") -> "notify[0].to"; the `match.` prefix is left out."""
    parts = list(path)
    if parts and parts[0] == "match":
        parts = parts[1:]
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "rule"


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


@lru_cache(maxsize=1)
def _compiled_schema() -> Callable[[Any], Any]:
    # fastjsonschema speaks draft 7, which has every keyword the schema uses
    return fastjsonschema.compile({**RULES_FILE_SCHEMA, "$schema": DRAFT_7})


def _is_valid(data: Any) -> bool:
    try:
        _compiled_schema()(data)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


_TYPE_WORDS = {
    "object": "a mapping of keys",
    "array": "a list",
    "string": "text",
    "integer": "a whole number",
    "boolean": "true or false",
}


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    return {dict: "a mapping", list: "a list", str: "text", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


class _FileLoader:
    """Validates one parsed file and builds its rules."""

    def __init__(self, doc: YamlDocument, has_destination: Callable[[str], bool] | None) -> None:
        self.doc = doc
        self.has_destination = has_destination
        self.errors: list[RuleError] = []
        self.bad_paths: set[PathKey] = set()
        self.bad_rules: set[int] = set()

    def error(self, path: PathKey, message: str, *, key: bool = False) -> None:
        rule = None
        if len(path) >= 2 and path[0] == "rules" and isinstance(path[1], int):
            self.bad_rules.add(path[1])
            rule = self._rule_name(path[1])
        self.bad_paths.add(path)
        self.errors.append(RuleError(self.doc.position(path, key=key), message, rule))

    def names(self) -> list[tuple[str, Position]]:
        """Every rule name written in the file, with the position of its value."""
        items = self.doc.data.get("rules") if isinstance(self.doc.data, dict) else None
        found = []
        for index, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                found.append((item["name"], self.doc.position(("rules", index, "name"))))
        return found

    def _rule_name(self, index: int) -> str | None:
        try:
            name = self.doc.data["rules"][index].get("name")
        except (AttributeError, IndexError, KeyError, TypeError):
            return None
        return name if isinstance(name, str) else None

    def load(self) -> tuple[list[Rule], list[RuleError]]:
        data = self.doc.data
        for position, key in self.doc.duplicates:
            self.errors.append(
                RuleError(position, f"key {key!r} written twice; YAML would keep only the last")
            )
        if data is None:
            return [], self.errors
        if not isinstance(data, dict):
            self.error((), "a rule file is a mapping: 'version: 1' and 'rules:' (a list)")
            return [], self.errors
        if not _is_valid(data):  # the fast compiled check; jsonschema then explains
            for schema_error in _VALIDATOR.iter_errors(data):
                self._explain(schema_error)
        rules: list[Rule] = []
        items = data.get("rules")
        for index, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict):
                rule = self._build_rule(index, item)
                if rule is not None and index not in self.bad_rules:
                    rules.append(rule)
        return rules, self.errors

    # --- schema errors in plain words ----------------------------------------------------

    def _explain(self, error: ValidationError) -> None:
        path: PathKey = tuple(error.absolute_path)
        kind, value = error.validator, error.instance
        rel = path[2:] if len(path) >= 2 and path[0] == "rules" else path
        label = _label(rel) if rel else _label(path)
        if len(path) == 2 and kind == "type":
            self.error(path, f"{label}: a rule is a mapping with name: and match:")
            return
        if kind == "additionalProperties" and isinstance(value, dict):
            known = error.schema.get("properties", {})
            for extra in (k for k in value if k not in known):
                hint = _did_you_mean(str(extra), known) or f"; expected one of {', '.join(known)}"
                self.error((*path, extra), f"unknown key {extra!r}{hint}", key=True)
        elif kind == "required":
            missing = [k for k in error.validator_value if k not in value]
            for key in missing:
                what = {
                    "name": "every rule needs a unique name:",
                    "match": "every rule needs match: (what to look for)",
                    "to": "notify entries need to: (a destination)",
                    "rules": "a rule file needs rules: (a list)",
                }.get(key, f"missing key {key!r}")
                self.error(path, f"{label}: {what}" if rel else what)
        elif kind == "oneOf":
            self.error(path, self._one_of_message(rel, value))
        elif kind == "type":
            wanted = _TYPE_WORDS.get(str(error.validator_value), str(error.validator_value))
            self.error(path, f"{label}: expected {wanted}, found {_type_name(value)}")
        elif kind == "enum":
            choices = [str(c) for c in error.validator_value]
            hint = _did_you_mean(str(value), choices)
            self.error(path, f"{label}: {value!r} is not one of {', '.join(choices)}{hint}")
        elif kind == "const":
            self.error(path, f"{label}: only version 1 exists")
        elif kind in ("minLength", "minItems", "minProperties"):
            self.error(path, f"{label}: must not be empty")
        elif kind == "maxProperties":
            self.error(path, f"{label}: write exactly one of slack:, slack_user: or email:")
        elif kind == "minimum":
            self.error(path, f"{label}: must be 0 or more")
        elif kind == "pattern":
            self.error(path, self._pattern_message(rel, value))
        else:  # pragma: no cover - every keyword the schema uses is handled above
            self.error(path, f"{label}: {error.message}")

    def _one_of_message(self, rel: PathKey, value: Any) -> str:
        last = rel[-1] if rel else ""
        if last == "size":
            try:
                parse_size(value)
            except RuleValueError as e:
                return str(e)
            return "size: write e.g. '<= 8B', '1B..13B' or {min: 1B, max: 8B}"
        if last in ("min", "max"):
            return f"size.{last}: {value!r} is not a size; write e.g. '8B' or '350M'"
        return (
            f"{_label(rel)}: expected a destination name from the config or one of "
            "{slack: '#channel'}, {slack_user: U0123ABCD}, {email: alice@example.com}"
        )

    def _pattern_message(self, rel: PathKey, value: Any) -> str:
        last = rel[-1] if rel else ""
        if last == "at":
            return f"{_label(rel)}: {value!r} is not a time of day; write e.g. '09:00'"
        if last == "email":
            return f"{_label(rel)}: {value!r} is not an email address"
        if last == "name":
            return "name: must not be empty or start or end with spaces"
        return f"{_label(rel)}: {value!r} is not valid here"

    # --- typed values and the checks a schema cannot express ----------------------------

    def _value(self, path: PathKey, build: Callable[[], Any]) -> Any:
        """Run one builder; on RuleValueError record it unless the schema already did."""
        try:
            return build()
        except RuleValueError as e:
            if path not in self.bad_paths:
                self.error(path, str(e))
            return None

    def _terms(self, path: PathKey, values: Any) -> tuple[Term, ...]:
        if not isinstance(values, list):
            return ()
        terms = []
        for i, value in enumerate(values):
            label = _label((*path[2:], i))
            term = self._value((*path, i), partial(parse_term, value, label))
            if term is not None:
                terms.append(term)
        return tuple(terms)

    def _build_rule(self, index: int, item: dict[str, Any]) -> Rule | None:
        base: PathKey = ("rules", index)
        match = item.get("match")
        condition = None
        if isinstance(match, dict):
            condition = self._build_condition((*base, "match"), match)
        notify = self._build_notify(base, item.get("notify"))
        name = item.get("name")
        if not isinstance(name, str) or condition is None:
            return None
        description = item.get("description")
        return Rule(
            name=name,
            match=condition,
            description=description if isinstance(description, str) else None,
            notify=notify,
            enabled=item.get("enabled", True) is not False,
            position=self.doc.position((*base, "name")),
        )

    def _build_condition(self, path: PathKey, match: dict[str, Any]) -> Condition | None:
        has_unknown_keys = any(
            p[: len(path)] == path and len(p) > len(path) for p in self.bad_paths
        )
        if not has_unknown_keys and not any(
            match.get(key) not in (None, [], "") for key in _CONDITION_KEYS
        ):
            self.error(
                path,
                "match: has nothing to look for; give at least one of any:, all:, none:, "
                "query:, authors:, size:, min_upvotes: or formats:",
            )
            return None
        query_text = match.get("query")
        query = None
        if query_text is not None:
            query = self._value((*path, "query"), lambda: parse_query(query_text))
        size = None
        if match.get("size") is not None:
            size = self._value((*path, "size"), lambda: parse_size(match["size"]))
        fields = match.get("fields") or ["title", "abstract"]
        formats = match.get("formats") or []
        upvotes = match.get("min_upvotes")
        return Condition(
            any=self._terms((*path, "any"), match.get("any")),
            all=self._terms((*path, "all"), match.get("all")),
            none=self._terms((*path, "none"), match.get("none")),
            query=query,
            query_text=query_text if isinstance(query_text, str) else None,
            authors=self._terms((*path, "authors"), match.get("authors")),
            fields=tuple(_as_field(f) for f in fields if isinstance(f, str)),
            size=size,
            min_upvotes=upvotes if isinstance(upvotes, int) else None,
            formats=tuple(f for f in formats if isinstance(f, str)),
        )

    def _build_notify(self, base: PathKey, entries: Any) -> tuple[NotifyTarget, ...]:
        if not isinstance(entries, list):
            return ()
        targets = []
        for i, entry in enumerate(entries):
            if isinstance(entry, dict):
                target = self._build_target((*base, "notify", i), entry)
                if target is not None:
                    targets.append(target)
        return tuple(targets)

    def _build_target(self, path: PathKey, entry: dict[str, Any]) -> NotifyTarget | None:
        raw = entry.get("to")
        if isinstance(raw, dict) and len(raw) == 1:
            kind, value = next(iter(raw.items()))
            to = f"{kind}:{value}" if kind in _INLINE_KINDS else None
        else:
            to = raw if isinstance(raw, str) else None
        if to is None:
            return None
        label = _label(path[2:])
        if self.has_destination is not None and not self.has_destination(to):
            inline = ":" in to and to.split(":", 1)[0] in _INLINE_KINDS
            needs = (
                f" (inline targets need the config's {to.split(':', 1)[0].split('_')[0]}: account)"
            )
            self.error(
                (*path, "to"),
                f"{label}.to: {to!r} is not a destination the config defines"
                + (needs if inline else ""),
            )
        mode: DeliveryMode = "daily" if entry.get("mode") == "daily" else "immediate"
        at = None
        if isinstance(entry.get("at"), str) and (*path, "at") not in self.bad_paths:
            if mode != "daily":
                self.error(
                    (*path, "at"), f"{label}.at: only a daily feed has a time; add mode: daily"
                )
            hour, minute = entry["at"].split(":")
            at = time(int(hour), int(minute))
        elif mode == "daily":
            at = DEFAULT_DAILY_AT
        zone = entry.get("timezone", "UTC")
        if isinstance(zone, str) and zone and not _is_zone(zone):
            hint = _did_you_mean(zone, _zones())
            self.error((*path, "timezone"), f"{label}.timezone: {zone!r} is not a time zone{hint}")
        return NotifyTarget(to=to, mode=mode, at=at, timezone=str(zone))


def _as_field(name: str) -> FieldName:
    return cast(FieldName, name if name in FIELDS else "source")


def _is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
