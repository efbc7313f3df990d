"""Sources by capability (issue 10 part 2): what the pipeline and the service need to
know about a source is in its `Capabilities`; nothing outside mailer/sources/ asks its
`kind:`, and the parser reads no files (walking folders is the directory source's)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from mailer.config.settings import Settings
from mailer.sources import is_watchable
from mailer.sources.registry import open_source

MAILER = Path(__file__).resolve().parent.parent / "mailer"
SOURCE_KINDS = {"imap", "directory"}
FILE_CALLS = {"rglob", "glob", "iterdir", "scandir", "read_bytes", "read_text", "open", "stat"}


def settings(tmp_path: Path, idle: bool) -> Settings:
    return Settings.model_validate(
        {
            "sources": [
                {"name": "dir", "kind": "directory", "path": str(tmp_path)},
                {
                    "name": "mail",
                    "kind": "imap",
                    "host": "127.0.0.1",
                    "username": "a",
                    "idle": idle,
                },
            ],
            "destinations": {"team": {"kind": "console"}},
        }
    )


@pytest.mark.parametrize("idle", [True, False])
def test_each_source_says_what_its_items_are_and_whether_it_can_be_watched(
    tmp_path: Path, idle: bool
) -> None:
    config = settings(tmp_path, idle)
    directory, imap = (open_source(s, config) for s in config.sources)
    try:
        # a folder's files are named documents, still there when not recorded
        assert (directory.capabilities.item, directory.capabilities.offers_again) == (
            "document",
            True,
        )
        assert not directory.capabilities.watchable
        assert not is_watchable(directory)
        # a folder's UIDs move on; with `idle: true` it is watched instead of polled
        assert (imap.capabilities.item, imap.capabilities.offers_again) == ("email", False)
        assert imap.capabilities.watchable is idle
        assert is_watchable(imap) is idle
    finally:
        directory.close()
        imap.close()


def _modules(root: Path) -> list[Path]:
    return sorted(root.rglob("*.py"))


def _compares_with_a_source_kind(tree: ast.AST) -> list[int]:
    """Lines that compare something with "imap" or "directory" (==, !=, in)."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        for operand in operands:
            values = (
                operand.elts if isinstance(operand, ast.Tuple | ast.List | ast.Set) else [operand]
            )
            if any(isinstance(v, ast.Constant) and v.value in SOURCE_KINDS for v in values):
                lines.append(node.lineno)
    return lines


def test_no_module_outside_the_sources_asks_a_source_its_kind() -> None:
    outside = [
        p
        for p in _modules(MAILER)
        if "sources" not in p.relative_to(MAILER).parts and p.name != "config.py"
    ]
    found = {
        str(p.relative_to(MAILER)): lines
        for p in outside
        if (lines := _compares_with_a_source_kind(ast.parse(p.read_text())))
    }
    assert found == {}


def test_the_check_sees_a_kind_test() -> None:
    """The check above can fail: it finds the tests the pipeline and scheduler had."""
    old = 'if self._source_kind(name) == "directory": pass\nok = source.kind in ("imap",)\n'
    assert _compares_with_a_source_kind(ast.parse(old)) == [1, 2]


def test_the_parser_reads_no_files() -> None:
    """parse/ is pure: bytes in, digests out; the directory source walks and reads."""
    calls = {
        f"{p.relative_to(MAILER)}:{node.lineno}"
        for p in _modules(MAILER / "parse")
        for node in ast.walk(ast.parse(p.read_text()))
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Attribute) and node.func.attr in FILE_CALLS)
            or (isinstance(node.func, ast.Name) and node.func.id in FILE_CALLS)
            or ast.unparse(node.func) == "os.walk"  # (a message's `walk()` is MIME, not disk)
        )
    }
    assert calls == set()
