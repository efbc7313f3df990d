"""Loading and compiling 2,000 generated rules (the benchmark's) gives exactly what the
loader gave before it was made fast: every rule's fields, where its name is written, and
the matches of a dozen papers with their reasons."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from rules_snapshot import snapshot

DATA = Path(__file__).resolve().parent / "data" / "rules_load"


@pytest.mark.parametrize("layout", ["files", "one-file"])
def test_loaded_and_compiled_rules_are_the_same_as_before(layout: str) -> None:
    expected = gzip.decompress((DATA / f"snapshot-{layout}.txt.gz").read_bytes()).decode("utf-8")
    found = snapshot(one_file=layout == "one-file")
    lines = expected.splitlines()
    assert len(found) == len(lines)
    for number, (was, now) in enumerate(zip(lines, found, strict=True)):
        assert now == was, f"line {number + 1} differs"
