"""Finding rule files and reading them, with positions computed only when needed.

A valid 10,000-rule file needs one position per rule (where its name is written, for
duplicate names); indexing every node up front costs more than the rest of loading, so
the full index is built on the first error only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mailer.yamlsource import (
    PathKey,
    Position,
    YamlDocument,
    YamlSyntaxError,
    duplicate_keys,
    load_yaml_text,
)
from mailer.yamlsource import _index as index_positions  # the same index, built lazily

try:  # the C loader, as in mailer.yamlsource
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

RULE_FILE_SUFFIXES = (".yaml", ".yml")


def rule_files(paths: Sequence[Path]) -> tuple[list[Path], list[Path]]:
    """(rule files, missing paths): each path is a file or a directory of *.yaml/*.yml."""
    files: list[Path] = []
    missing: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(p for p in path.iterdir() if p.suffix in RULE_FILE_SUFFIXES and p.is_file())
            )
        elif path.is_file():
            files.append(path)
        else:
            missing.append(path)
    return files, missing


@dataclass
class RuleDocument(YamlDocument):
    """A YamlDocument whose node positions are indexed on the first `position()` call."""

    name_positions: dict[int, Position] = field(default_factory=dict)  # rule index -> name
    root: Any = None

    def position(self, path: PathKey, *, key: bool = False) -> Position:
        if self.root is not None:
            root, self.root = self.root, None
            index_positions(self, root, ())
        return super().position(path, key=key)


def _name_positions(root: yaml.Node | None, file: str) -> dict[int, Position]:
    """Where each rule's `name:` value is written, read straight from the node tree."""
    found: dict[int, Position] = {}
    if not isinstance(root, yaml.MappingNode):
        return found
    for key_node, value_node in root.value:
        if key_node.value == "rules" and isinstance(value_node, yaml.SequenceNode):
            for index, item in enumerate(value_node.value):
                if isinstance(item, yaml.MappingNode):
                    for item_key, item_value in item.value:
                        if item_key.value == "name":
                            mark = item_value.start_mark
                            found[index] = Position(file, mark.line + 1, mark.column + 1)
    return found


def read_rule_file(path: Path) -> RuleDocument:
    """Parse one rule file; YamlSyntaxError (with file:line:column) or OSError on failure."""
    text = path.read_text(encoding="utf-8")
    file = str(path)
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError:
        load_yaml_text(text, file)  # raises YamlSyntaxError naming the position
        raise
    finally:
        loader.dispose()
    doc = RuleDocument(file=file, data=data, root=root)
    if root is not None:
        doc.duplicates = list(duplicate_keys(root, file))
        doc.name_positions = _name_positions(root, file)
    return doc


__all__ = ["RuleDocument", "YamlSyntaxError", "read_rule_file", "rule_files"]
