"""Where a size's clause begins and ends within its sentence: the main clause after an
opening subordinate clause or comparison phrase ("While X ..., our 7B ...", "Compared to X,
the pruned Y-13B ..."), and the words after a size up to a new clause. Used by `size_roles`;
the words are in `size_role_words`.

Pure: words in, clause bounds out.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

from mailer.parse.size_role_text import WORD, has_digit
from mailer.parse.size_role_words import CLAUSE_STARTS, LIST_JOINERS, SUBORDINATORS


def clause_after(raw_after: Sequence[str]) -> list[str]:
    """The words after a size up to a new clause, lowered: in "Existing methods fine-tune
    X-13B, whereas we adapt a 1B model" the authors do not speak of X-13B."""
    words = []
    for word in raw_after:
        lower = word.lower()
        if lower in CLAUSE_STARTS or lower == "which":
            break
        words.append(lower)
    return words


def main_clause(
    text: str,
    sentence_start: int,
    start: int,
    before: list[str],
    starts: Sequence[int],
    first: int,
) -> int:
    """Where the size's main clause begins among the words before it: at the first, unless
    the sentence opens with a subordinate clause or a comparison phrase that ends before the
    size ("While X runs with less context than Y, the results of our method on 7B ...",
    "Compared to its dense counterpart, the pruned X-13B retains ..."). `starts` are where the
    sentence's words start, `first` the index there of before[0]."""
    fronted = _opens_with_comparison(before)
    if not before or (before[0] not in SUBORDINATORS and not fronted):
        return 0
    comma = text.find(", ", sentence_start, start)
    if comma < 0 or (fronted and _continues_phrase(text[comma + 2 : start])):
        return 0  # "Compared to GPT-4, Llama-2-70B and ...": the comma lists the objects
    return max(0, bisect_left(starts, comma) - first)


# A sentence that opens with a comparison phrase ("Compared to X, ...", "Relative to X,
# ...", "In contrast to X, ..."): its object ends at the comma, like a subordinate clause
_FRONTED_COMPARISONS = (("compared",), ("relative",), ("in", "contrast"), ("in", "comparison"))
# What goes on describing the phrase's object after its comma: "X, which has 47B ...",
# "X, a 175B model"
_DESCRIBING_OPENERS = frozenset(
    {"which", "who", "whose", "that", "a", "an", "one", "namely", "including", "such", "e.g"}
)


def _opens_with_comparison(before: Sequence[str]) -> bool:
    return any(tuple(before[: len(lead)]) == lead for lead in _FRONTED_COMPARISONS)


def _continues_phrase(between: str) -> bool:
    """Whether the words between a comma and the size go on with the phrase before the
    comma: listing names ("GPT-4, Llama-2-70B"), or describing its object ("X, which has
    47B parameters", "X, a 175B model")."""
    words = WORD.findall(between)
    if words and words[0].lower() in _DESCRIBING_OPENERS:
        return True
    return all(
        word[:1].isupper() or has_digit(word) or word.lower() in LIST_JOINERS for word in words
    )
