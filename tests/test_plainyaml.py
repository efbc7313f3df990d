"""The plain-YAML reader gives PyYAML's data, or leaves the text to PyYAML."""

from __future__ import annotations

import itertools
from pathlib import Path

import plainyaml_before
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from rules_snapshot import write_rules

from mailer.config.yamlsource import load_yaml_text
from mailer.rules.documents import read_rule_file
from mailer.rules.plainyaml import NotPlain, read_plain_yaml

ROOT = Path(__file__).resolve().parent.parent
YAML_FILES = sorted(
    p
    for folder in ("rules", "deploy", "tests/data", "config", "examples")
    for p in (ROOT / folder).rglob("*.y*ml")
)


def pyyaml(text: str) -> object:
    return yaml.load(text, Loader=yaml.CSafeLoader)


def assert_same(text: str) -> None:
    """Plain data equals PyYAML's; text PyYAML refuses is never read as plain."""
    try:
        expected = pyyaml(text)
    except yaml.YAMLError:
        with pytest.raises((NotPlain, RecursionError)):
            read_plain_yaml(text)
        return
    try:
        found = read_plain_yaml(text).data
    except NotPlain:
        return
    assert found == expected
    assert [type(v) for v in _leaves(found)] == [type(v) for v in _leaves(expected)]


def _leaves(value: object) -> list[object]:
    if isinstance(value, dict):
        return [x for k, v in value.items() for x in (k, *_leaves(v))]
    if isinstance(value, list):
        return [x for v in value for x in _leaves(v)]
    return [value]


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_yaml_file_of_the_project_reads_the_same(path: Path) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return
    assert_same(text)


def test_shipped_rule_files_are_plain_and_keep_their_positions() -> None:
    for path in [*sorted((ROOT / "rules").glob("*.yaml")), ROOT / "deploy/rules/papers.yaml"]:
        text = path.read_text(encoding="utf-8")
        read_plain_yaml(text)  # no NotPlain: the fast path is the one users get
        fast = read_rule_file(path)
        slow = load_yaml_text(text, str(path))
        assert fast.node is None
        assert fast.data == slow.data
        assert fast.duplicates == slow.duplicates
        rules = fast.data["rules"]
        for index in range(len(rules)):
            assert fast.name_positions[index] == slow.position(("rules", index, "name"))


def test_positions_of_an_error_come_from_the_text_when_needed() -> None:
    text = "version: 1\nrules:\n  - name: a\n    match: {any: [x]}\n  - name: a\n    name: b\n"
    path = Path("/nonexistent")
    doc = load_yaml_text(text, "f.yaml")
    plain = read_plain_yaml(text)
    assert [(where, key) for where, key in plain.duplicates] == [
        ((p.line, p.column), key) for p, key in doc.duplicates
    ]
    assert path  # positions of values: composed from the text on demand
    from mailer.rules.documents import _plain_document

    fast = _plain_document(plain, "f.yaml", text)
    assert fast.position(("rules", 0, "match", "any", 0)) == doc.position(
        ("rules", 0, "match", "any", 0)
    )
    assert fast.name_positions[1] == doc.position(("rules", 1, "name"))


@pytest.mark.parametrize(
    "text",
    [
        "a: yes\nb: 10:00\nc: 08:00\nd: ~\ne: 1e3\nf: 0x1F\ng: 2024-01-02\nh: null\ni: On\n",
        "a: 'it''s'\nb: \"q\"\nc: x #c\nd: x#c\ne: [a, 'b c', \"d\", 1, yes]\n",
        "rules:\n- name: a\n  match: {any: [x, y], size: <= 8B}\n- name: b\n",
        "a: [x,\n  y, z]\nb: {k: [1, 2],\n  m: n}\n",
        "a: [x, # no\n  y]\n",
        "a:\n  - [x]\n  -\n    b: c\n  - - d\n",
        "a: b\n  c: d\n",
        "a:\n- b\n c: d\n",
        "a: [b\nc: d\n",
        "a: {b: 1, b: 2}\n",
        "a: b: c\n",
        "a: &x b\nc: *x\n",
        "a: !!str 1\n",
        "a: |\n  text\n",
        "a: -1\nb: -x\nc: ?x\n",
        "--- \na: 1\n",
        "a: [a:b]\nb: {a:b}\nc: [a: b]\n",
        "a: 'x' y\n",
        'a: "x\\ty"\n',
        "a: [,]\nb: [a,,b]\nc: [a,]\nd: []\ne: {}\n",
        "on: 1\n1: a\n",
        "a: text with   spaces   \n",
        "a: [x]  \n",
        "a: [x] # c\nb: [x]# c\n",
        "a: 1\n\n\nb:\n\n  c: 2\n",
        "  a: 1\n",
        "- a\n- b\n",
        "a\n",
        "",
        "# only a comment\n",
    ],
)
def test_tricky_texts_read_the_same(text: str) -> None:
    assert_same(text)


_SCALARS = st.sampled_from(
    [
        "x", "LoRA", "C++", "GPT-4", "a b", "yes", "no", "on", "10:00", "08:00", "~", "null",
        "1e3", "1.5", "-1", "0x1F", "2024-01-02", "'q'", "'it''s'", '"d"', "a #c", "a#c",
        "#c", "a: b", "x:", ":x", "-x", "- x", "?x", "&a", "*a", "!t", "|", ">", "@x", "`x",
        "%x", "<= 8B", "1B..13B", "[a, b]", "[a,]", "[]", "{a: 1}", "{a: [b, c]}", "{}",
        "[a, [b]]", "{a: {b: c}}", "[a", "a]", "{a", "[a: b]", "'x' y", "x '",
    ]
)  # fmt: skip
_KEYS = st.sampled_from(["a", "b", "name", "match", "any", "on", "y", "rules", "a-b", "_c"])


@st.composite
def _documents(draw: st.DrawFn, depth: int = 0) -> str:
    lines: list[str] = []
    indent = draw(st.sampled_from([2, 2, 4, 1]))

    def block(level: int, prefix: int) -> None:
        pad = " " * prefix
        if level > 2 or draw(st.integers(0, 3)) == 0:
            kind = "map" if draw(st.booleans()) else "seq"
        else:
            kind = draw(st.sampled_from(["map", "seq"]))
        for _ in range(draw(st.integers(1, 3))):
            head = f"{pad}{draw(_KEYS)}:" if kind == "map" else f"{pad}-"
            if level < 3 and draw(st.integers(0, 2)) == 0:
                lines.append(head)
                if draw(st.integers(0, 5)) == 0:
                    lines.append("")
                block(level + 1, prefix + draw(st.sampled_from([indent, indent, 0, 1, 3])))
            else:
                comment = draw(st.sampled_from(["", "", " # note", "  #x"]))
                lines.append(f"{head} {draw(_SCALARS)}{comment}")
            if draw(st.integers(0, 12)) == 0:
                lines.append(f"{pad}{draw(st.sampled_from(['  ', ' ', '']))}{draw(_SCALARS)}")

    block(0, 0)
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))


@settings(max_examples=400, deadline=None)
@given(_documents())
def test_generated_texts_read_the_same_or_are_left_to_pyyaml(text: str) -> None:
    assert_same(text)


def _read_both(text: str) -> tuple[object, object]:
    """What the reader and the one before it give: (data, duplicates, names) or NotPlain."""
    found: list[object] = []
    for read in (read_plain_yaml, plainyaml_before.read_plain_yaml):
        try:
            doc = read(text)
        except (NotPlain, plainyaml_before.NotPlain):
            found.append("not plain")
            continue
        names = [(path_of(doc.data, mapping), where) for mapping, where in doc.names]
        found.append((doc.data, doc.duplicates, names))
    return found[0], found[1]


def path_of(data: object, target: object) -> tuple[object, ...] | None:
    """Where in `data` the mapping `target` (that very object) is."""
    if data is target:
        return ()
    items = (
        data.items()
        if isinstance(data, dict)
        else enumerate(data)
        if isinstance(data, list)
        else ()
    )
    for key, value in items:
        if isinstance(value, dict | list):
            found = path_of(value, target)
            if found is not None:
                return (key, *found)
    return None


@settings(max_examples=300, deadline=None)
@given(_documents())
def test_generated_texts_read_as_the_reader_before_did(text: str) -> None:
    now, before = _read_both(text)
    assert now == before


@pytest.mark.parametrize("one_file", [False, True])
def test_benchmark_rule_files_read_as_the_reader_before_did(tmp_path: Path, one_file: bool) -> None:
    for path in write_rules(tmp_path, 2_000, one_file=one_file):
        now, before = _read_both(path.read_text("utf-8"))
        assert now != "not plain"
        assert now == before


def test_lines_written_alike_are_separate_values() -> None:
    text = "a:\n- x: [1, 2]\n  y: {k: v}\n- x: [1, 2]\n  y: {k: v}\n"
    data = read_plain_yaml(text).data
    assert data == pyyaml(text)
    first, second = data["a"]
    assert first["x"] is not second["x"]
    assert first["y"] is not second["y"]


def test_every_short_value_of_spaces_colons_and_hashes_reads_as_pyyaml_reads_it() -> None:
    # where a comment starts, and what a `: ` or a `:` at the end means
    parts = ["a", " ", "  ", ":", "#", "b", "x:y", " #", "é", "-", "1", "'", "y"]
    for size in range(1, 4):
        for combo in itertools.product(parts, repeat=size):
            assert_same(f"k: {''.join(combo)}\n")
            assert_same(f"- {''.join(combo)}\n")
