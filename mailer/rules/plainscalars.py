"""Scalars and one-line flow collections of plain YAML, as PyYAML reads them.

The pieces `mailer.rules.plainyaml` reads a line's value with: plain scalars (resolved
by PyYAML's own resolver and constructor, so `yes`, `10:00`, `~` and `1e3` mean what
they mean there), single-quoted and escape-free double-quoted ones, and `[a, b]` /
`{to: x, mode: daily}` flow collections. Anything else raises `NotPlain`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from sys import intern
from typing import Any

import yaml

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
RESOLVER_FIRST = frozenset("yYnNtTfFoO-+0123456789.~<=")


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


def resolve_plain(text: str) -> Any:
    """A plain scalar (comment and trailing spaces removed) as PyYAML reads it."""
    if not text or text[0] in _INDICATORS or ": " in text or text.endswith(":"):
        raise NotPlain(text)
    if text[0] in RESOLVER_FIRST:
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


def read_flow(rest: str) -> Any:
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
    pieces = inner.split(",")
    if len(pieces) > 1 and not pieces[-1].strip(" "):
        pieces.pop()  # [a, b,]: a trailing comma is allowed
    known = _known_items
    if len(known) > _KNOWN_ITEMS:
        known.clear()
    items = []
    for piece in pieces:
        item = known.get(piece, known)  # the dict itself: not read yet
        if item is known:
            word = piece.strip(" ")
            if not word:
                raise NotPlain(rest)
            if word[0] in RESOLVER_FIRST or word[0] in _INDICATORS:
                item = resolve_plain(word)
            else:
                item = intern(word) if len(word) <= _INTERNED else word
            known[piece] = item
        items.append(item)
    return items


# the items of simple lists already read, as written between the commas (" LoRA"):
# rules list the same few hundred terms over and over
_known_items: dict[str, Any] = {}
_KNOWN_ITEMS = 50_000


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
            if word[0] in _INDICATORS or (word[0] in RESOLVER_FIRST):
                word = resolve_plain(word)
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
        key = resolve_plain(word) if word[0] in RESOLVER_FIRST else intern(word)
        if key in mapping:
            raise NotPlain(rest)  # PyYAML's path reports where
        if value[0] == "'":
            if len(value) < 2 or value[-1] != "'" or "'" in value[1:-1].replace("''", ""):
                return None
            mapping[key] = value[1:-1].replace("''", "'")
        else:
            mapping[key] = resolve_plain(value)
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


def read_value(rest: str) -> Any:
    """The value a line holds after its `key:` or `- ` (a scalar or a flow collection on
    this line), without its comment."""
    first = rest[0]
    if first == "'" or first == '"':
        return _quoted(rest)
    if first in "[{":
        return read_flow(rest)
    if first == "#":
        return None
    return resolve_plain(_value_text(rest))


def read_key(word: str) -> Any:
    """A block mapping's key (a word, `[A-Za-z_][A-Za-z0-9_-]*`) as PyYAML reads it."""
    key = _known_keys.get(word, _known_keys)  # the dict itself: not read yet
    if key is _known_keys:
        key = resolve_plain(word) if word[0] in RESOLVER_FIRST else intern(word)
        if len(_known_keys) < _KNOWN_ITEMS:
            _known_keys[word] = key
    return key


_known_keys: dict[str, Any] = {}
