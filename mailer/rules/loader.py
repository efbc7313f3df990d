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

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import ValidationError

from mailer.config.yamlsource import PathKey, Position, YamlSyntaxError
from mailer.rules.collector import collector_paused
from mailer.rules.conditions import CONDITIONS, POSITIONS
from mailer.rules.documents import NotUtf8Error, RuleDocument, read_rule_file, rule_files
from mailer.rules.plainyaml import LineCache
from mailer.rules.rule import Condition, Rule
from mailer.rules.schema import is_surely_valid, is_valid, schema_validator
from mailer.rules.schema_errors import explain_schema_error
from mailer.rules.syntax import RuleValueError
from mailer.rules.targets import HasDestination, SharedTargets, TargetBuilding

_LOOKED_FOR = tuple(kind for kind in CONDITIONS if kind.is_condition)
_LOOKED_FOR_KEYS = frozenset(kind.key for kind in _LOOKED_FOR)
_NOTHING_TO_LOOK_FOR = (
    "match: has nothing to look for; give at least one of "
    + ", ".join(f"{kind.key}:" for kind in _LOOKED_FOR[:-1])
    + f" or {_LOOKED_FOR[-1].key}:"
)


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


def load_rules(paths: Sequence[Path], *, has_destination: HasDestination | None = None) -> RuleSet:
    """Load and validate every rule file under `paths`; never raises for bad content."""
    with collector_paused():
        return _load_rules(paths, has_destination)


class _Shared:
    """Values many rules write alike, built and checked once per load and shared: the
    same term, size, query or destination in 100,000 rules is one object."""

    __slots__ = ("lines", "targets", "tuples", "values")

    def __init__(self) -> None:
        self.lines: LineCache = {}  # plain YAML lines read (`read_plain_yaml`)
        self.values: dict[str, dict[Any, Any]] = {}  # by the name a condition caches under
        self.targets = SharedTargets()
        self.tuples: dict[tuple[Any, ...], tuple[Any, ...]] = {}


@dataclass(frozen=True, slots=True)
class _FileResult:
    """One file's rules and errors, and every rule name written in it (for the check of
    names across files, which is made on every load)."""

    rules: tuple[Rule, ...]
    errors: tuple[RuleError, ...]
    names: tuple[tuple[str, Position], ...] = ()


# The files of the last load by (path, content digest, destination checker): a reload of
# 100,000 rules where one file changed reads that file only. Rules are immutable, and a
# file's rules and errors depend on nothing else (names across files are checked anew).
_last_load: dict[tuple[Any, ...], _FileResult] = {}


def _load_rules(paths: Sequence[Path], has_destination: HasDestination | None) -> RuleSet:
    global _last_load
    files, missing = rule_files(paths)
    shared = _Shared()
    errors = [RuleError(Position(str(p), 1, 1), "no such rule file or directory") for p in missing]
    rules: list[Rule] = []
    first_seen: dict[str, Position] = {}
    this_load: dict[tuple[Any, ...], _FileResult] = {}
    for path in files:
        try:
            raw = path.read_bytes()
        except OSError as e:
            reason = getattr(e, "strerror", None) or str(e)
            errors.append(RuleError(Position(str(path), 1, 1), f"cannot read: {reason}"))
            continue
        key = _cache_key(path, raw, has_destination)
        result = _last_load.get(key) if key is not None else None
        if result is None:
            read = _read_file(path, raw, shared)
            del raw  # 22 MB for 100,000 rules: the document keeps the text, for positions
            if isinstance(read, _FileResult):
                result = read
            else:
                result = _build_file(read, has_destination, shared)
        if key is not None:
            this_load[key] = result
        file_errors = list(result.errors)
        repeated: set[Position] = set()
        for name, position in result.names:
            if name in first_seen:
                message = f"name already used at {first_seen[name]}; rule names must be unique"
                file_errors.append(RuleError(position, message, name))
                repeated.add(position)
            else:
                first_seen[name] = position
        if repeated:
            file_errors.sort(key=lambda e: (e.position.line, e.position.column))
        errors.extend(file_errors)
        rules.extend(rule for rule in result.rules if rule.position not in repeated)
    _last_load = this_load
    return RuleSet(tuple(rules), tuple(errors), tuple(files))


def _cache_key(
    path: Path, raw: bytes, has_destination: HasDestination | None
) -> tuple[Any, ...] | None:
    key = (str(path), hashlib.blake2b(raw, digest_size=16).digest(), has_destination)
    try:
        hash(key)
    except TypeError:  # a destination checker that cannot be a dict key: no reuse
        return None
    return key


def _failed(position: Position, problem: str) -> _FileResult:
    return _FileResult((), (RuleError(position, problem),))


def _read_file(path: Path, raw: bytes, shared: _Shared) -> RuleDocument | _FileResult:
    """The file's document, or the result of a file that is not YAML."""
    failed = _failed
    try:
        doc = read_rule_file(path, raw, shared.lines)
    except NotUtf8Error as e:
        return failed(e.position, e.problem)
    except YamlSyntaxError as e:
        # PyYAML >= 6.0.4 stops deep nesting itself; older ones recurse (below)
        deep = "nesting depth" in e.problem
        problem = "nested too deeply to be rules" if deep else f"not valid YAML: {e.problem}"
        return failed(e.position, problem)
    except RecursionError:
        return failed(Position(str(path), 1, 1), "nested too deeply to be rules")
    return doc


def _build_file(
    doc: RuleDocument, has_destination: HasDestination | None, shared: _Shared
) -> _FileResult:
    loader = _FileLoader(doc, has_destination, shared)
    try:
        file_rules, file_errors = loader.load()
    except RecursionError:
        return _failed(Position(doc.file, 1, 1), "nested too deeply to be rules")
    file_errors.sort(key=lambda e: (e.position.line, e.position.column))
    return _FileResult(tuple(file_rules), tuple(file_errors), tuple(loader.names()))


class _FileLoader(TargetBuilding):
    """Validates one parsed file and builds its rules."""

    def __init__(
        self,
        doc: RuleDocument,
        has_destination: HasDestination | None,
        shared: _Shared | None = None,
    ) -> None:
        self.doc = doc
        self.has_destination = has_destination
        self.shared = shared or _Shared()
        self.targets = self.shared.targets
        self.errors: list[RuleError] = []
        self.bad_paths: set[PathKey] = set()
        self.bad_rules: set[int] = set()
        self.is_schema_valid = False

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
                found.append((item["name"], self._name_position(index)))
        return found

    def _name_position(self, index: int) -> Position:
        position = self.doc.name_positions.get(index)
        return position or self.doc.position(("rules", index, "name"))

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
        self.is_schema_valid = is_surely_valid(data) or is_valid(data)
        if not self.is_schema_valid:  # the fast compiled check; jsonschema then explains
            for schema_error in schema_validator().iter_errors(data):
                self._explain(schema_error)
        rules: list[Rule] = []
        items = data.get("rules")
        for index, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict):
                rule = self._build_rule(index, item)
                if rule is not None and index not in self.bad_rules:
                    rules.append(rule)
        return rules, self.errors

    def _explain(self, error: ValidationError) -> None:
        for path, message, is_key in explain_schema_error(error):
            self.error(path, message, key=is_key)

    # --- typed values and the checks a schema cannot express ----------------------------

    def attempt(self, path: PathKey, build: Callable[[], Any]) -> Any:
        """Run one builder; on RuleValueError record it unless the schema already did."""
        try:
            return build()
        except RuleValueError as e:
            if path not in self.bad_paths:
                self.error(path, str(e))
            return None

    def cache(self, name: str) -> dict[Any, Any]:
        found = self.shared.values.get(name)  # (setdefault would make a dict each call)
        if found is None:
            found = self.shared.values[name] = {}
        return found

    def intern(self, values: tuple[Any, ...]) -> tuple[Any, ...]:
        """One tuple object for every rule that writes the same list."""
        return self.shared.tuples.setdefault(values, values) if values else ()

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
            position=self._name_position(index),
        )

    def _build_condition(self, path: PathKey, match: dict[str, Any]) -> Condition | None:
        has_unknown_keys = bool(self.bad_paths) and any(
            p[: len(path)] == path and len(p) > len(path) for p in self.bad_paths
        )
        if not has_unknown_keys:
            for key, written in match.items():
                if key in _LOOKED_FOR_KEYS and written not in (None, [], ""):
                    break
            else:
                self.error(path, _NOTHING_TO_LOOK_FOR)
                return None
        values: list[Any] = [None] * len(CONDITIONS)
        for key, written in match.items():
            position = POSITIONS.get(key)
            if position is not None and written is not None:
                value = CONDITIONS[position].parse(written, (*path, key), self)
                values[position] = None if value is None or value == () else value
        return Condition.from_values(tuple(values))
