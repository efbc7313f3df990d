"""The size extractor's fast paths give exactly what the plain patterns they replace give
(issue 17: faster, not looser, size extraction)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.parse.sizes import _one_spaced, _unglue_times

_PIECES = st.sampled_from(
    [" ", "  ", "\n", "\t", "\x1c", "\u00a0", "\u2003", "a", "7", "times", "B", "-", "\r\n"]
)


@settings(max_examples=500)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_whitespace_runs_collapse_as_the_regex_does(text: str) -> None:
    assert _one_spaced(text) == re.sub(r"\s+", " ", text)


@settings(max_examples=500)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_glued_times_read_as_the_lookaround_regex_does(text: str) -> None:
    assert _unglue_times(text) == re.sub(r"(?<=[0-9])times(?=[0-9])", "×", text)


def test_glued_times_examples() -> None:
    assert _unglue_times("4times70B and 2 times 3") == "4×70B and 2 times 3"
    assert _unglue_times("1times2times3") == "1×2×3"
