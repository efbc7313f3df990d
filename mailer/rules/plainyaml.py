"""A fast reader for the plain YAML that rule files are written in; PyYAML for the rest.

PyYAML builds a node (and two position marks) for every value, then constructs the data
in Python: 100,000 rules took 12 s of CPU and a node tree of about 1 GB. Rule files are
almost always written in a small, regular part of YAML: block mappings and lists
indented with spaces, `key: value` lines, plain or single-quoted words, and one-line
`[a, b]` / `{to: x, mode: daily}` flow collections (`mailer.rules.plainscalars` reads
those values just as PyYAML does). `read_plain_yaml` reads exactly that part into the
same data PyYAML gives, and raises `NotPlain` at the first thing outside it: anchors,
tags, multi-line or double-quoted scalars, block scalars, documents, tabs, odd
characters. The caller then reads the file with PyYAML, which also reports every syntax
error; a test holds the two readers to the same data.

How it is fast: most lines of a rule file are written many times over (`  match:`,
`  - {to: team-slack}`, `    mode: daily`), so each distinct line is split into its
indentation, `- `, key and value once (`_line`), and the block structure is then read
from those tuples, one list entry per physical line.

Besides the data it returns where keys were written twice and where each `name:` value
is (for rule positions), so a valid file needs no node tree at all.
"""

from __future__ import annotations

import re
from typing import Any

from mailer.rules.plainscalars import NotPlain, read_flow, read_key, read_value

__all__ = ["LineCache", "NotPlain", "PlainDocument", "read_plain_yaml"]

Where = tuple[int, int]  # 1-based line and column

# a line that holds something (not blank, not only a comment): its indentation, a list
# item's dash, a key, and the rest
_LINE = re.compile(r"( *)(?=[^ #])(-(?: +|$))?(?:([A-Za-z_][A-Za-z0-9_-]*):(?: +|$))?(.*)")
# what the reader refuses to look at: a BOM, line breaks other than \n, tabs, and every
# character PyYAML's reader rejects as non-printable
_REFUSED = re.compile(
    "[\ufeff\r\x85\u2028\u2029\t]|[^\x0a\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_MARKERS = ("---", "...", "%")  # documents and directives, at the start of a line

# what a line's value is, the last 3 bits of its tuple's last item (see `_Line`)
_SCALAR = 0  # a scalar: shared by every line written alike
_LIST = 1  # a flow list of scalars: copied for each line
_DICT = 2  # a flow mapping of scalars: copied for each line
_NESTED = 3  # a flow collection holding collections: copied deeply
_NONE = 4  # nothing after the key or dash (or only a comment): a block may follow
_OPEN = 5  # `[` or `{` not closed on this line: the next lines may go on with it
_BAD = 6  # a value outside plain YAML, or a line with neither `- ` nor `key:`
_COLLECTIONS = frozenset((list, dict))
_END = (-1, 0, None, None, _BAD)  # after the last line: indented less than anything

# (indentation, length of the `- ` or 0, key or None, value, the 0-based column of the
# value << 3 | what the value is): five items, the size of a Rule, so that the memory of
# lines read is reused for rules
_Line = tuple[int, int, Any, Any, int]


def _line(text: str) -> _Line | None:
    """One physical line split and read, or None when it holds nothing (blank, comment)."""
    # per distinct line, not per text: a scan of a whole 20 MB text took 0.3 s
    if not (text.isascii() and text.isprintable()) and _REFUSED.search(text):
        raise NotPlain("a character this reader leaves to PyYAML")
    if text.startswith(_MARKERS):
        raise NotPlain("a document marker or directive this reader leaves to PyYAML")
    found = _LINE.match(text)
    if found is None:
        return None
    spaces, dash, word, rest = found.groups()
    indent = len(spaces)
    dash_length = len(dash) if dash is not None else 0
    column = found.start(4)
    if word is None and dash is None:
        return (indent, 0, None, None, column << 3 | _BAD)
    try:
        key = read_key(word) if word is not None else None
    except NotPlain:
        return (indent, dash_length, None, None, column << 3 | _BAD)
    if not rest or rest[0] == "#":
        return (indent, dash_length, key, None, column << 3 | _NONE)
    try:
        value = read_value(rest)
    except NotPlain:
        kind = _OPEN if rest[0] in "[{" else _BAD
        return (indent, dash_length, key, None, column << 3 | kind)
    if type(value) is list:
        kind = _LIST if _COLLECTIONS.isdisjoint(map(type, value)) else _NESTED
    elif type(value) is dict:
        kind = _DICT if _COLLECTIONS.isdisjoint(map(type, value.values())) else _NESTED
    else:
        kind = _SCALAR
    return (indent, dash_length, key, value, column << 3 | kind)


def _fresh(value: Any) -> Any:
    """A copy of a flow collection, down to its scalars (each line gets its own)."""
    if type(value) is list:
        return [_fresh(v) for v in value]
    if type(value) is dict:
        return {k: _fresh(v) for k, v in value.items()}
    return value


class _Reader:
    """Recursive descent over the lines' tuples; `self.at` is the current line's index
    (0-based line number), always on a line that holds something or on the end."""

    __slots__ = ("at", "duplicates", "lines", "names", "texts")

    def __init__(self, texts: dict[int, str], lines: list[_Line | None]) -> None:
        self.texts = texts  # the lines a flow collection may go on over (see `_lines`)
        self.lines = lines
        self.at = 0
        self.duplicates: list[tuple[Where, str]] = []
        self.names: list[tuple[dict[Any, Any], Where]] = []

    def next_line(self, at: int) -> int:
        """The index of the first line after `at` that holds something (or the end).
        Line `at` is read: it is dropped, so that the tuples of lines written once are
        freed while the data is built (no line is looked at twice)."""
        lines = self.lines
        lines[at] = None
        at += 1
        while lines[at] is None:
            at += 1
        return at

    def value(self, at: int, indent: int) -> Any:
        """The value on line `at`; a flow collection may go on over the next lines, when
        they are indented more than `indent` and hold no comment. Leaves `self.at` on the
        line after it."""
        line = self.lines[at]
        assert line is not None
        kind = line[4] & 7
        if kind == _SCALAR:
            self.at = self.next_line(at)
            return line[3]
        if kind == _LIST:
            self.at = self.next_line(at)
            return list(line[3])
        if kind == _DICT:
            self.at = self.next_line(at)
            return line[3].copy()
        if kind == _NESTED:
            self.at = self.next_line(at)
            return _fresh(line[3])
        if kind != _OPEN:
            raise NotPlain(self.texts.get(at, ""))
        rest = self.texts[at][line[4] >> 3 :]
        while True:
            try:
                value = read_flow(rest)
            except NotPlain:
                following = self.next_line(at)
                more = self.lines[following]
                assert more is not None
                if (
                    following != at + 1
                    or more[0] <= indent
                    or more[1]
                    or "#" in self.texts.get(following, "#")
                ):
                    raise
                at = following
                rest = f"{rest.rstrip(' ')} {self.texts[at].strip(' ')}"
                continue
            self.at = self.next_line(at)
            return value

    def node(self, indent: int) -> Any:
        """The block node whose first line is the current one, at `indent`."""
        line = self.lines[self.at]
        assert line is not None
        if line[1]:
            return self.sequence(indent)
        if line[2] is not None:
            return self.mapping(indent, self.at)
        raise NotPlain(self.texts.get(self.at, ""))  # a scalar alone on its line, a marker...

    def sequence(self, indent: int) -> list[Any]:
        items: list[Any] = []
        lines = self.lines
        at = self.at
        line = lines[at]
        assert line is not None
        while line[0] == indent:
            dash = line[1]
            if not dash:
                break  # the next key of the mapping this list is the value of
            if line[2] is not None:  # "- name: x": a mapping that starts on the dash's line
                items.append(self.mapping(indent + dash, at))
            elif line[4] & 7 <= _DICT:  # the common case, inline: as in `mapping`
                value = line[3]
                items.append(value if line[4] & 7 == _SCALAR else value.copy())
                lines[at] = None  # read: dropped, as in `next_line`
                at += 1
                while lines[at] is None:
                    at += 1
                self.at = at
            elif line[4] & 7 == _NONE:
                self.at = self.next_line(at)
                below = lines[self.at]
                assert below is not None
                items.append(self.node(below[0]) if below[0] > indent else None)
            else:
                items.append(self.value(at, indent))
            at = self.at
            line = lines[at]
            assert line is not None
            if line[0] > indent:
                raise NotPlain(self.texts.get(at, ""))
        self.at = at
        return items

    def mapping(self, indent: int, first: int) -> dict[Any, Any]:
        """A block mapping at `indent`; line `first` may start with the `- ` of the list
        item the mapping is (its key then sits at `indent`)."""
        mapping: dict[Any, Any] = {}
        lines = self.lines
        at = first
        line = lines[at]
        assert line is not None
        while at == first or line[0] == indent:
            key = line[2]
            if key is None or (line[1] and at != first):
                raise NotPlain(self.texts.get(at, ""))
            if key in mapping:
                self.duplicates.append(((at + 1, line[0] + line[1] + 1), str(key)))
            kind = line[4] & 7
            if kind <= _DICT:  # the common case, inline: a scalar or a flat flow collection
                if key == "name":
                    self.names.append((mapping, (at + 1, (line[4] >> 3) + 1)))
                value = line[3]
                mapping[key] = value if kind == _SCALAR else value.copy()
                lines[at] = None  # read: dropped, as in `next_line`
                at += 1
                while lines[at] is None:
                    at += 1
                self.at = at
            elif kind != _NONE:
                if key == "name":
                    self.names.append((mapping, (at + 1, (line[4] >> 3) + 1)))
                mapping[key] = self.value(at, indent)
            else:
                self.at = self.next_line(at)
                below = lines[self.at]
                assert below is not None
                if below[0] > indent:
                    mapping[key] = self.node(below[0])
                elif below[0] == indent and below[1]:
                    mapping[key] = self.sequence(indent)  # a list may sit at its key's indent
                else:
                    mapping[key] = None
            at = self.at
            line = lines[at]
            assert line is not None
            if line[0] > indent:
                raise NotPlain(self.texts.get(at, ""))
        self.at = at
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


LineCache = dict[str, Any]  # a line's text -> what `_line` made of it
_KNOWN_LINES = 50_000
_CHUNK = 1 << 20  # characters: a big text is split into lines a part at a time


def _lines(text: str, known: LineCache) -> tuple[list[_Line | None], dict[int, str]]:
    """Every physical line's tuple (then `_END`), and the text of the lines a flow
    collection may go on over (a line that opens one, and the lines without a dash
    right after it); a text of 100,000 rules is not held as 770,000 strings at once."""
    lines: list[_Line | None] = []
    texts: dict[int, str] = {}
    append = lines.append
    start = 0
    is_kept = False
    while True:
        end = text.find("\n", start + _CHUNK) if start + _CHUNK < len(text) else -1
        for line in (text[start:end] if end >= 0 else text[start:]).split("\n"):
            found = known.get(line, _END)  # _END: not read yet (_line never gives it)
            if found is _END:
                found = known[line] = _line(line)
            if found is not None and (found[4] & 7 == _OPEN or (is_kept and not found[1])):
                texts[len(lines)] = line
                is_kept = True
            else:
                is_kept = False
            append(found)
        if len(known) > _KNOWN_LINES:
            known.clear()  # a bound on what many files or a big one keep
        if end < 0:
            break
        start = end + 1
    if start:
        known.clear()  # a big file's lines: not kept while its rules are built
    append(_END)
    return lines, texts


def read_plain_yaml(text: str, known: LineCache | None = None) -> PlainDocument:
    """The data of a YAML text written in the plain part of YAML; NotPlain otherwise.

    `known`: lines already read, to share from file to file of one load (a thousand
    people's files share most of their lines); a line's tuple is immutable and the
    collections in it are copied for each line, so no two values are one object."""
    lines, texts = _lines(text, {} if known is None else known)
    reader = _Reader(texts, lines)
    while lines[reader.at] is None:
        reader.at += 1
    first = lines[reader.at]
    assert first is not None
    if first is _END:
        return PlainDocument(None, [], [])
    if first[0] != 0:
        raise NotPlain(texts.get(reader.at, ""))
    data = reader.node(0)
    if lines[reader.at] is not _END:
        raise NotPlain(texts.get(reader.at, ""))
    return PlainDocument(data, reader.duplicates, reader.names)
