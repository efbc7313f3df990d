"""YAML loading that remembers where every value came from.

Rule and config errors must name `file:line:column`. PyYAML's C loader composes the
node tree fast (a 10,000-rule file in about a second); we construct the Python data
from that same tree and keep the tree, so a validator can turn a path like
("rules", 3, "match", "size") into a position without a second parse. The index of
positions by path is built on the first `position()` call only: a valid file never
needs it, and indexing every node of a 10,000-rule file takes longer than loading it.
A document read without a tree (rule files in plain YAML, `mailer.rules.plainyaml`) keeps
its text instead, and the tree is composed from it on that first call.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mailer.core.errors import UsageError

try:  # the C loader is 5-10x faster; fall back for platforms without libyaml
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

PathKey = tuple[str | int, ...]
# aliases may repeat values, not multiply a document ("billion laughs"): past this many
# values, at most this growth over what is written
MAX_EXPANDED_NODES = 200_000
ALIAS_GROWTH = 10
_ALIAS = re.compile(r"(?:^|[\s\[{,:?-])\*[^\s,\[\]{}]")  # `*name` (not `.*` in a regex)


@dataclass(frozen=True, slots=True)
class Position:
    file: str
    line: int  # 1-based
    column: int  # 1-based

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class YamlSyntaxError(ValueError, UsageError):
    """The file is not valid YAML; `position` says where the parser gave up."""

    def __init__(self, position: Position, problem: str) -> None:
        super().__init__(f"{position}: {problem}")
        self.position = position
        self.problem = problem


@dataclass
class YamlDocument:
    """Parsed data, the node tree it came from, and positions of keys and values on demand."""

    file: str
    data: Any
    duplicates: list[tuple[Position, str]] = field(default_factory=list)  # keys written twice
    node: yaml.Node | None = None  # the composed tree (start marks of every key and value)
    text: str | None = None  # when there is no tree: composed from this on the first position()
    _values: dict[PathKey, Position] = field(default_factory=dict)
    _keys: dict[PathKey, Position] = field(default_factory=dict)
    _is_indexed: bool = False

    def position(self, path: PathKey, *, key: bool = False) -> Position:
        """Position of the value at `path` (or of its key), else of the nearest parent."""
        if not self._is_indexed:
            self._is_indexed = True
            if self.node is None and self.text is not None:
                self.node = _compose(self.text)
            if self.node is not None:
                _index(self, self.node, ())
        table = self._keys if key else self._values
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe]
            if probe in self._values:
                return self._values[probe]
            probe = probe[:-1]
        return self._values.get((), Position(self.file, 1, 1))


def _compose(text: str) -> yaml.Node | None:
    """The node tree of a text already read without one (it is valid YAML)."""
    loader = _Loader(text)
    try:
        node: yaml.Node | None = loader.get_single_node()
        return node
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()


def _mark(file: str, mark: Any) -> Position:
    return Position(file, mark.line + 1, mark.column + 1)


def _index(doc: YamlDocument, node: yaml.Node, path: PathKey) -> None:
    doc._values[path] = _mark(doc.file, node.start_mark)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            doc._keys[(*path, key)] = _mark(doc.file, key_node.start_mark)
            _index(doc, value_node, (*path, key))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(doc, item, (*path, i))


def duplicate_keys(node: yaml.Node, file: str) -> Iterator[tuple[Position, str]]:
    """Keys written twice in one mapping (YAML silently keeps the last one)."""
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                yield _mark(file, key_node.start_mark), key
            seen.add(key)
            yield from duplicate_keys(value_node, file)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from duplicate_keys(item, file)


def load_yaml_text(text: str, file: str) -> YamlDocument:
    """Parse one YAML document; raise YamlSyntaxError naming file:line:column."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        opened = e.context or ""
        if e.context_mark and (
            "end of stream" in (e.problem or "") or "flow" in opened or "quoted" in opened
        ):
            # an unclosed quote or bracket: the parser gives up at the end of the file,
            # but the problem starts where the quote or bracket was opened
            mark = e.context_mark
            what = (
                "quote"
                if "quoted" in opened
                else "[ list"
                if "sequence" in opened
                else "{ mapping"
                if "mapping" in opened
                else opened.removeprefix("while ")
            )
            e.context, e.problem = (
                None,
                f"the {what} that starts here is never closed ({e.problem})",
            )
        position = _mark(file, mark) if mark else Position(file, 1, 1)
        problem = " ".join(p for p in (e.context, e.problem) if p) or "invalid YAML"
        if mark and _char_at(text, mark.line, mark.column) == "\t":
            problem = "a tab where YAML expects spaces; indent with spaces, not tabs"
        raise YamlSyntaxError(position, problem) from e
    except yaml.YAMLError as e:
        raise YamlSyntaxError(Position(file, 1, 1), str(e)) from e
    finally:
        loader.dispose()
    if node is not None and _ALIAS.search(text):  # no alias, no growth: no walk
        written, expanded = _node_counts(node)
        if expanded > MAX_EXPANDED_NODES and expanded > ALIAS_GROWTH * written:
            raise YamlSyntaxError(
                _mark(file, node.start_mark),
                f"aliases (*name) expand these {written:,} values to {expanded:,}: refused "
                "(a document built to exhaust memory and time); write the values out",
            )
    doc = YamlDocument(file=file, data=data, node=node)
    if node is not None:
        doc.duplicates = list(duplicate_keys(node, file))
    return doc


def _node_counts(root: yaml.Node) -> tuple[int, int]:
    """(nodes written, nodes once every alias is expanded), in time linear in the
    written ones: each node's expanded size is computed once (a recursive alias
    counts once), so a few lines of nested aliases cannot make this slow too."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            children = []
        if children_done:
            sizes[key] = min(1 + sum(sizes.get(id(c), 1) for c in children), 10**12)
        elif key not in sizes:
            sizes[key] = 1  # placeholder: a recursive alias back to here counts as one
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
    return len(sizes), sizes[id(root)]


def _char_at(text: str, line: int, column: int) -> str:
    """The character at a 0-based (line, column), or "" past the end."""
    lines = text.splitlines()
    if 0 <= line < len(lines) and 0 <= column < len(lines[line]):
        return lines[line][column]
    return ""


def load_yaml_file(path: Path, display: str | None = None) -> YamlDocument:
    """Read and parse a YAML file; OSError propagates for the caller to report."""
    text = path.read_text(encoding="utf-8")
    return load_yaml_text(text, display or str(path))
