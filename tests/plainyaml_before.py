"""The plain-YAML reader as it was before issue 17 part 5 (one regex match per line, no
line cache), kept to hold `mailer.rules.plainyaml` to the same data, duplicates and
name positions (tests/test_plainyaml.py).

Its docstring then:

A fast reader for the plain YAML that rule files are written in; PyYAML for the rest.

PyYAML builds a node (and two position marks) for every value, then constructs the data
in Python: 100,000 rules took 12 s of CPU and a node tree of about 1 GB. Rule files are
almost always written in a small, regular part of YAML: block mappings and lists
indented with spaces, `key: value` lines, plain or single-quoted words, and one-line
`[a, b]` / `{to: x, mode: daily}` flow collections. `read_plain_yaml` reads exactly that
part, line by line, into the same data PyYAML gives (plain scalars are resolved by
PyYAML's own resolver and constructor, so `yes`, `10:00`, `~` and `1e3` mean what they
mean there), and raises `NotPlain` at the first thing outside it: anchors, tags,
multi-line or double-quoted scalars, block scalars, documents, tabs, odd characters. The
caller then reads the file with PyYAML, which also reports every syntax error; a test
holds the two readers to the same data.

Besides the data it returns where keys were written twice and where each `name:` value
is (for rule positions), so a valid file needs no node tree at all.
"""

from __future__ import annotations

import re
from functools import lru_cache
from sys import intern
from typing import Any

import yaml

Where = tuple[int, int]  # 1-based line and column

# every line that holds something (comments skipped): its indentation, a list item's
# dash, a key, and the rest
_LINE = re.compile(
    r"^( *)(?=[^ #\n])(-(?: +|$))?(?:([A-Za-z_][A-Za-z0-9_-]*):(?: +|$))?([^\n]*)$",
    re.MULTILINE,
)
# what the reader refuses to look at: a BOM, line breaks other than \n, tabs, and every
# character PyYAML's reader rejects as non-printable
_REFUSED = re.compile(
    "[\ufeff\r\x85\u2028\u2029\t]|[^\x0a\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_MARKER = re.compile(r"^(?:---|\.\.\.|%)", re.MULTILINE)  # documents and directives
# a plain scalar may not start with an indicator, nor hold ": ", " #", or end with ":"
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
# one token of a flow collection: a quoted scalar, an indicator, a plain word, a comment
# (after a space), or anything else (then the text is not plain)
_FLOW_TOKEN = re.compile(
    r"""('(?:[^']|'')*'|"[^"\\]*")|([\[\]{},]|:(?= |$))|([^\s\[\]{},:'"#][^\[\]{},:#]*)"""
    r"""|((?<= )#.*)|(\S)"""
)
_NOT_SIMPLE = re.compile(r"""[\[\]{}'"#:]""")
_NOT_SIMPLE_MAPPING = re.compile(r"""[\[\]{}"#]""")
_KEY_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_RESOLVER_FIRST = frozenset("yYnNtTfFoO-+0123456789.~<=")


_INTERNED = 40  # characters: longer texts (descriptions) are rarely written twice


class NotPlain(Exception):
    """The text uses YAML beyond what `read_plain_yaml` reads; read it with PyYAML."""


@lru_cache(maxsize=4096)
def _resolved(text: str) -> Any:
    """A plain scalar as PyYAML reads it (bool, int, float, null, timestamp or text)."""
    loader = yaml.SafeLoader("")
    try:
        # PyYAML's resolver is untyped; it returns the tag as a str
        tag: str = loader.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
        if tag == "tag:yaml.org,2002:merge" or tag == "tag:yaml.org,2002:value":
            raise NotPlain(text)
        return loader.construct_object(yaml.ScalarNode(tag, text))
    except yaml.YAMLError as e:
        raise NotPlain(text) from e
    finally:
        loader.dispose()


def _plain(text: str) -> Any:
    if not text or text[0] in _INDICATORS or ": " in text or text.endswith(":"):
        raise NotPlain(text)
    if text[0] in _RESOLVER_FIRST:
        return _resolved(text)
    # keys and the words rules repeat (console, daily, UTC, LoRA) become one object each:
    # 100,000 rules in one file held 200 MiB of copies while they were checked
    return intern(text) if len(text) <= _INTERNED else text


def _value_text(rest: str) -> str:
    """A plain value without its comment and trailing spaces."""
    cut = rest.find(" #")
    return (rest[:cut] if cut >= 0 else rest).rstrip(" ")


def _quoted(rest: str) -> str:
    """A quoted value on one line (double quotes: without escapes), then at most a
    comment."""
    if rest[0] == '"':
        end = rest.find('"', 1)
        if end < 0 or "\\" in rest[:end]:
            raise NotPlain(rest)
        after = rest[end + 1 :].lstrip(" ")
        if after and not after.startswith("#"):
            raise NotPlain(rest)
        return rest[1:end]
    end = 1
    while True:
        end = rest.find("'", end)
        if end < 0:
            raise NotPlain(rest)
        if rest.startswith("''", end):
            end += 2
            continue
        break
    after = rest[end + 1 :].lstrip(" ")
    if after and not after.startswith("#"):
        raise NotPlain(rest)
    return rest[1:end].replace("''", "'")


def _flow(rest: str) -> Any:
    """A flow collection of scalars and flow collections, then at most a comment."""
    if rest[0] == "[":  # the common case first: [a, b, c] of plain words
        found = _simple_list(rest)
        if found is not None:
            return found
    elif (mapping := _simple_mapping(rest)) is not None:
        return mapping
    value, index = _flow_value(tokens := _flow_tokens(rest), 0)
    if index != len(tokens) or not isinstance(value, list | dict):
        raise NotPlain(rest)
    return value


def _simple_list(rest: str) -> list[Any] | None:
    """[a, b, c] of plain words, then at most a comment; None for anything else (the
    tokenizer then reads it)."""
    close = rest.find("]")
    inner = rest[1:close]
    if close <= 0 or _NOT_SIMPLE.search(inner):
        return None
    after = rest[close + 1 :].lstrip(" ")
    if after and not (after[0] == "#" and rest[close + 1] == " "):
        return None
    if not inner.strip(" "):
        return []
    words = [word.strip(" ") for word in inner.split(",")]
    if words[-1] == "" and len(words) > 1:
        words.pop()  # [a, b,]: a trailing comma is allowed
    if "" in words:
        raise NotPlain(rest)
    return [
        _plain(word)
        if word[0] in _RESOLVER_FIRST or word[0] in _INDICATORS
        else intern(word)
        if len(word) <= _INTERNED
        else word
        for word in words
    ]


def _flow_tokens(rest: str) -> list[tuple[str, Any]]:
    """The flow text as tokens: ("s", scalar) or (punctuation, None), up to a comment."""
    tokens: list[tuple[str, Any]] = []
    for quoted, punct, word, comment, other in _FLOW_TOKEN.findall(rest):
        if quoted:
            text = quoted[1:-1]
            tokens.append(("s", text.replace("''", "'") if quoted[0] == "'" else text))
        elif punct:
            tokens.append((punct, None))
        elif word:
            word = word.rstrip(" ")
            if word[0] in _INDICATORS or (word[0] in _RESOLVER_FIRST):
                word = _plain(word)
            elif len(word) <= _INTERNED:
                word = intern(word)
            tokens.append(("s", word))
        elif comment:
            break
        elif other:
            raise NotPlain(rest)
    return tokens


def _simple_mapping(rest: str) -> dict[Any, Any] | None:
    """{to: console, mode: daily, at: '09:00'}: plain keys, plain or single-quoted values
    without commas; None for anything else (the tokenizer then reads it)."""
    close = rest.find("}")
    inner = rest[1:close]
    if close < 0 or _NOT_SIMPLE_MAPPING.search(inner):
        return None
    after = rest[close + 1 :].lstrip(" ")
    if after and not (after[0] == "#" and rest[close + 1] == " "):
        return None
    mapping: dict[Any, Any] = {}
    if not inner.strip(" "):
        return mapping
    for part in inner.split(","):
        word, colon, value = part.partition(":")
        word = word.strip(" ")
        if not colon or not value.startswith(" ") or not _KEY_WORD.fullmatch(word):
            return None
        value = value.strip(" ")
        if not value:
            return None
        key = _plain(word) if word[0] in _RESOLVER_FIRST else intern(word)
        if key in mapping:
            raise NotPlain(rest)  # PyYAML's path reports where
        if value[0] == "'":
            if len(value) < 2 or value[-1] != "'" or "'" in value[1:-1].replace("''", ""):
                return None
            mapping[key] = value[1:-1].replace("''", "'")
        else:
            mapping[key] = _plain(value)
    return mapping


def _flow_value(tokens: list[tuple[str, Any]], index: int) -> tuple[Any, int]:
    if index >= len(tokens):
        raise NotPlain("flow")
    kind, value = tokens[index]
    if kind == "s":
        return value, index + 1
    if kind == "[":
        items: list[Any] = []
        index += 1
        while tokens[index][0] != "]" if index < len(tokens) else False:
            item, index = _flow_value(tokens, index)
            items.append(item)
            if index < len(tokens) and tokens[index][0] == ",":
                index += 1
            elif index >= len(tokens) or tokens[index][0] != "]":
                raise NotPlain("flow")
        if index >= len(tokens):
            raise NotPlain("flow")
        return items, index + 1
    if kind == "{":
        mapping: dict[Any, Any] = {}
        index += 1
        while tokens[index][0] != "}" if index < len(tokens) else False:
            key, index = _flow_value(tokens, index)
            if isinstance(key, list | dict) or index >= len(tokens) or tokens[index][0] != ":":
                raise NotPlain("flow")
            item, index = _flow_value(tokens, index + 1)
            if key in mapping:
                raise NotPlain("flow")  # PyYAML's path reports where; rare
            mapping[key] = item
            if index < len(tokens) and tokens[index][0] == ",":
                index += 1
            elif index >= len(tokens) or tokens[index][0] != "}":
                raise NotPlain("flow")
        if index >= len(tokens):
            raise NotPlain("flow")
        return mapping, index + 1
    raise NotPlain("flow")


def _scalar_or_flow(rest: str) -> Any:
    first = rest[0]
    if first == "'" or first == '"':
        return _quoted(rest)
    if first in "[{":
        return _flow(rest)
    if first == "#":
        return None
    return _plain(_value_text(rest))


class _Reader:
    """Recursive descent over the lines that hold something, one line of lookahead.

    Each line is split by one regex into its indentation, a `- ` (list item), a `key:`
    and the rest, so that most lines cost one match and no further parsing."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = _LINE.finditer(text)
        self.found: re.Match[str] | None = None
        self.indent = -1  # of the current line (or of its key, after a `- `); -1 at the end
        self.dash: str | None = None  # "- " when the line is a list item not yet read
        self.key: str | None = None  # the word before ":", when there is one
        self.rest = ""  # what follows the dash and key
        self._line_offset = 0
        self._line_number = 1
        self.duplicates: list[tuple[Where, str]] = []
        self.names: list[tuple[dict[Any, Any], Where]] = []
        self.advance()

    def advance(self) -> None:
        found = self.found = next(self.lines, None)
        if found is None:
            self.indent, self.dash, self.key, self.rest = -1, None, None, ""
            return
        spaces, self.dash, self.key, self.rest = found.groups()
        self.indent = len(spaces)

    @property
    def content(self) -> str:
        """The current line without its indentation (for messages)."""
        return self.found.group(0).lstrip(" ") if self.found is not None else ""

    def value(self, rest: str, indent: int) -> Any:
        """The value on the current line; a flow collection may go on over the next
        lines, when they are indented more than `indent` and hold no comment."""
        if rest[0] not in "[{":
            value = _scalar_or_flow(rest)
            self.advance()
            return value
        while True:
            try:
                value = _flow(rest)
            except NotPlain:
                assert self.found is not None
                end = self.found.end()
                self.advance()
                if (
                    self.found is None
                    or self.indent <= indent
                    or self.dash is not None
                    or "#" in self.found.group(0)
                    or self.text.count("\n", end, self.found.start()) != 1
                ):
                    raise
                rest = f"{rest.rstrip(' ')} {self.found.group(0).strip(' ')}"
                continue
            self.advance()
            return value

    def where(self, offset: int) -> Where:
        """1-based (line, column) of a text offset at or after the last one asked."""
        self._line_number += self.text.count("\n", self._line_offset, offset)
        self._line_offset = self.text.rfind("\n", 0, offset) + 1
        return self._line_number, offset - self._line_offset + 1

    def node(self, indent: int) -> Any:
        """The block node whose first line is the current one, at `indent`."""
        if self.dash is not None:
            return self.sequence(indent)
        if self.key is not None:
            return self.mapping(indent)
        raise NotPlain(self.content)  # a scalar alone on its line, a document marker...

    def sequence(self, indent: int) -> list[Any]:
        items: list[Any] = []
        while self.indent == indent:
            dash = self.dash
            if dash is None:
                return items  # the next key of the mapping this list is the value of
            if self.key is not None:  # "- name: x": a mapping that starts on the dash's line
                self.indent += len(dash)
                self.dash = None
                items.append(self.mapping(self.indent))
            elif not self.rest or self.rest[0] == "#":
                self.advance()
                items.append(self.node(self.indent) if self.indent > indent else None)
            else:
                items.append(self.value(self.rest, indent))
            if self.indent > indent:
                raise NotPlain(self.content)
        return items

    def mapping(self, indent: int) -> dict[Any, Any]:
        mapping: dict[Any, Any] = {}
        while self.indent == indent:
            word = self.key
            if word is None or self.dash is not None:
                raise NotPlain(self.content)
            key = _plain(word) if word[0] in _RESOLVER_FIRST else intern(word)
            if key in mapping:
                assert self.found is not None
                self.duplicates.append((self.where(self.found.start(3)), str(key)))
            rest = self.rest
            if rest and rest[0] != "#":
                if key == "name":
                    assert self.found is not None
                    self.names.append((mapping, self.where(self.found.start(4))))
                mapping[key] = self.value(rest, indent)
            else:
                self.advance()
                if self.indent > indent:
                    mapping[key] = self.node(self.indent)
                elif self.indent == indent and self.dash is not None:
                    mapping[key] = self.sequence(indent)  # a list may sit at its key's indent
                else:
                    mapping[key] = None
            if self.indent > indent:
                raise NotPlain(self.content)
        return mapping


class PlainDocument:
    """What `read_plain_yaml` found: the data, keys written twice, `name:` positions."""

    __slots__ = ("data", "duplicates", "names")

    def __init__(
        self,
        data: Any,
        duplicates: list[tuple[Where, str]],
        names: list[tuple[dict[Any, Any], Where]],
    ) -> None:
        self.data = data
        self.duplicates = duplicates
        self.names = names


def read_plain_yaml(text: str) -> PlainDocument:
    """The data of a YAML text written in the plain part of YAML; NotPlain otherwise."""
    if _REFUSED.search(text) or _MARKER.search(text):
        raise NotPlain("a character, marker or document this reader leaves to PyYAML")
    reader = _Reader(text)
    if reader.indent < 0:
        return PlainDocument(None, [], [])
    if reader.indent != 0:
        raise NotPlain(reader.content)
    data = reader.node(0)
    if reader.indent >= 0:
        raise NotPlain(reader.content)
    return PlainDocument(data, reader.duplicates, reader.names)
