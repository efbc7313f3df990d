"""Finding rule files and reading them, with positions computed only when needed.

A valid rule file needs one position per rule (where its name is written, for duplicate
names and for telling rules apart by file). `mailer.rules.plainyaml` reads the plain YAML
rule files are written in without building PyYAML's node tree, and gives those
positions; the tree is composed only on the first error, to say where it is. Anything
beyond plain YAML is read by PyYAML (`mailer.config.yamlsource`), names' positions straight
from its node tree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from mailer.config.yamlsource import Position, YamlDocument, YamlSyntaxError, load_yaml_text
from mailer.rules.plainyaml import LineCache, NotPlain, PlainDocument, read_plain_yaml

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


class NotUtf8Error(YamlSyntaxError):
    """The file holds bytes that are not UTF-8 (saved as Latin-1 or Windows-1252, say)."""


@dataclass
class RuleDocument(YamlDocument):
    """A parsed rule file plus where each rule's `name:` value is written."""

    name_positions: dict[int, Position] = field(default_factory=dict)  # rule index -> name


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


def read_rule_file(
    path: Path, raw: bytes | None = None, lines: LineCache | None = None
) -> RuleDocument:
    """Parse one rule file (its bytes `raw`, when already read). Raises YamlSyntaxError
    (with file:line:column) for bad YAML or text that is not UTF-8, and OSError when the
    file cannot be read. `lines`: plain lines already read in this load (see
    `read_plain_yaml`)."""
    file = str(path)
    if raw is None:
        raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        column = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        raise NotUtf8Error(
            Position(file, line, column),
            f"byte 0x{raw[e.start]:02x} is not UTF-8; save the file as UTF-8",
        ) from e
    try:
        plain = read_plain_yaml(text, lines)
    except NotPlain:
        pass
    else:
        return _plain_document(plain, file, text)
    doc = load_yaml_text(text, file)
    return RuleDocument(
        file=doc.file,
        data=doc.data,
        duplicates=doc.duplicates,
        node=doc.node,
        name_positions=_name_positions(doc.node, file),
    )


def _plain_document(plain: PlainDocument, file: str, text: str) -> RuleDocument:
    items = plain.data.get("rules") if isinstance(plain.data, dict) else None
    names = {id(mapping): where for mapping, where in plain.names}
    name_positions = {}
    for index, item in enumerate(items if isinstance(items, list) else ()):
        where = names.get(id(item))
        if where is not None:
            name_positions[index] = Position(file, *where)
    return RuleDocument(
        file=file,
        data=plain.data,
        duplicates=[(Position(file, *where), key) for where, key in plain.duplicates],
        text=text,
        name_positions=name_positions,
    )


__all__ = ["NotUtf8Error", "RuleDocument", "YamlSyntaxError", "read_rule_file", "rule_files"]
