"""Where a size's clause begins and ends within its sentence: the main clause after an
opening subordinate clause or comparison phrase ("While X ..., our 7B ...", "Compared to X,
the pruned Y-13B ..."), the words after a size up to a new clause, and the words of a
range the size ends ("from 0.6B to 30B": one object). Used by `size_roles`;
the words are in `size_role_words`.

Pure: words in, clause bounds out.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence

from mailer.parse.size_role_text import WORD, has_digit
from mailer.parse.size_role_words import (
    CLAUSE_STARTS,
    COMPARE_AFTER,
    LIST_JOINERS,
    OWN_BEFORE,
    SUBORDINATORS,
)

# A consequence opens a clause of its own: "Training a 175B model costs millions, so we
# train a 1B model" (the authors speak of the 1B model only)
_CONSEQUENCE_WORDS = frozenset({"so", "thus", "hence", "therefore"})


def clause_after(raw_after: Sequence[str]) -> list[str]:
    """The words after a size up to a new clause, lowered: in "Existing methods fine-tune
    X-13B, whereas we adapt a 1B model" and "Training a 175B model costs millions, so we
    train a 1B model" the authors do not speak of X-13B or the 175B model."""
    words = []
    for word in raw_after:
        lower = word.lower()
        if lower in CLAUSE_STARTS or lower == "which" or lower in _CONSEQUENCE_WORDS:
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
    the sentence opens with a subordinate clause, a comparison phrase or a participle phrase
    that ends before the size ("While X runs with less context than Y, the results of our
    method on 7B ...", "Compared to its dense counterpart, the pruned X-13B retains ...",
    "Distilled from GPT-4, the 7B student ..."), or where a trailing ", using ..." begins.
    `starts` are where the
    sentence's words start, `first` the index there of before[0]."""
    if not before:
        return 0
    trailing = text.rfind(_TRAILING_PARTICIPLE, sentence_start, start)
    if trailing >= 0:
        # "... exceeds within-domain accuracy, using a lightweight MLP encoder with about
        # 10^5 parameters": the phrase after the comma is the subject's means, out of reach
        # of the comparison before it
        return max(0, bisect_left(starts, trailing + 2) - first)
    comma = text.find(", ", sentence_start, start)
    if comma < 0:
        return 0
    if before[0] not in SUBORDINATORS:
        if not (_opens_with_comparison(before) or _opens_with_participle(text, sentence_start)):
            return 0
        if _continues_phrase(text[comma + 2 : start], text, start):
            return 0  # "Compared to GPT-4, Llama-2-70B and ...": the comma lists the objects
    return max(0, bisect_left(starts, comma) - first)


_TRAILING_PARTICIPLE = ", using "

# A sentence that opens with a comparison phrase ("Compared to X, ...", "Relative to X,
# ...", "In contrast to X, ..."): its object ends at the comma, like a subordinate clause
_FRONTED_COMPARISONS = (("compared",), ("relative",), ("in", "contrast"), ("in", "comparison"))
# What goes on describing the phrase's object after its comma: "X, which has 47B ...",
# "X, a 175B model"
_DESCRIBING_OPENERS = frozenset(
    {"which", "who", "whose", "that", "a", "an", "one", "namely", "including", "such", "e.g"}
)


def _opens_with_participle(text: str, sentence_start: int) -> bool:
    """Whether the sentence opens with a participle phrase ("Distilled from GPT-4, the 7B
    student ...", "By consolidating X rather than Y, Z-8B serves as ..."): it ends at its
    comma like a subordinate clause, so its comparison or source does not reach the main
    clause."""
    opening = text[sentence_start : sentence_start + 32].split(None, 2)[:2]
    if len(opening) == 2 and opening[0].lower() in _GERUND_LEADS:
        opening = opening[1:]  # "By consolidating X rather than Y, Z-8B serves as ..."
    word = opening[0].rstrip(",") if opening else ""
    return word[:1].isalpha() and len(word) > 4 and word.lower().endswith(("ed", "ing"))


_GERUND_LEADS = frozenset({"by", "through", "after", "before", "without", "upon"})


def _opens_with_comparison(before: Sequence[str]) -> bool:
    return any(tuple(before[: len(lead)]) == lead for lead in _FRONTED_COMPARISONS)


def _continues_phrase(between: str, text: str, start: int) -> bool:
    """Whether the words between a comma and the size at text[start] go on with the phrase
    before the comma: listing names ("GPT-4, Llama-2-70B and Claude, our ..."), or
    describing its object ("X, which has 47B parameters", "X, a 175B model"). A name that a
    verb follows is the main clause's subject ("..., HyperCLOVA X 8B Omni serves as")."""
    words = WORD.findall(between)
    if words and words[0].lower() in _DESCRIBING_OPENERS:
        return True
    if not all(
        word[:1].isupper() or has_digit(word) or word.lower() in LIST_JOINERS for word in words
    ):
        return False
    return _LISTED.match(text, start) is not None


# The sized name and the rest of its name, then a list's comma or joiner: "Llama-2-70B and"
_LISTED = re.compile(r"[\w.$-]+(?:\s+[A-Z0-9][\w.$-]*)*\s*(?:,|\band\b|\bor\b|\))")


_SCALES = {"k": 10**3, "m": 10**6, "b": 10**9, "t": 10**12}
_SCALE_WORDS = {"thousand": "k", "million": "m", "billion": "b", "trillion": "t"}
_AMOUNT = r"(\d+(?:\.\d+)?)[\s-]*([kmbt]|thousand|million|billion|trillion)?\b"
_JOINER = r"\s*(?:to\s+|-+\s*|–\s*)"
# "from 51M to over 2B": a bound word before the upper end is part of the range
_UPPER_BOUND = r"(?:(?:over|more\s+than|nearly|almost|about|approximately|roughly)\s+)?"
_RANGE_AFTER = re.compile(rf"\s*{_AMOUNT}{_JOINER}{_UPPER_BOUND}{_AMOUNT}", re.I)
_RANGE_BEFORE = re.compile(rf"\bfrom\s+{_AMOUNT}{_JOINER}{_UPPER_BOUND}$", re.I)


def range_words_before(text: str, start: int, end: int, before: Sequence[str]) -> int:
    """How many of the words before the size belong to an ascending range it is an end of
    ("from 0.6B to 30B", "from 17M-170M", "from 51M to over 2B"): "from" before the lower
    end, "from 0.6B to (over)" before the upper one (a bound word there is the range's, no
    threshold on a class); 0 when it is no range's end. A range is one object, so "from" is
    not where a distillation's data comes from. "from 70B to 8B" goes down: a transfer from
    one model to another, not a range."""
    if "from" not in before[-5:]:
        return 0  # most sizes: no range to read
    if before[-1:] == ["from"]:
        opened = _RANGE_AFTER.match(text, start, min(len(text), end + 40))
        return 1 if opened is not None and _ascends(opened) else 0
    closed = _RANGE_BEFORE.search(text, max(0, start - 40), start)
    if closed is None or not _ascends(closed, text[start:end]):
        return 0
    return len(WORD.findall(closed[0]))


def _ascends(match: re.Match[str], high_span: str = "") -> bool:
    """Whether the range a match found (low end, and high end in it or `high_span`) goes up."""
    high = match if not high_span else _RANGE_AFTER.match(f"0 to {high_span}")
    if high is None:
        return False
    low_unit, high_unit = _unit(match[2]), _unit(high[4])
    low = float(match[1]) * _SCALES.get(low_unit or high_unit, 1)
    return low < float(high[3]) * _SCALES.get(high_unit or low_unit, 1)


def _unit(word: str | None) -> str:
    """The scale letter of a unit ("B", "billion" -> "b"), "" when there is none."""
    unit = (word or "").lower()
    return _SCALE_WORDS.get(unit, unit)


def lists_results(text: str, sentence_start: int, start: int) -> bool:
    """Whether what follows a colon is a result ("beat the baselines: +3.2% on X-1B and ...",
    "gains over the teacher: 4.1 points on X-0.5B"), not a list of the models a role noun
    before the colon labels: a number other than the size opens it."""
    first = text[sentence_start:start].lstrip()
    return bool(first) and first.lstrip("+-−~≈")[:1].isdigit()


def is_role_label(text: str, colon: int) -> bool:
    """Whether a role noun labels what follows the colon at text[colon]: "Teacher: X-72B",
    "Judges: ..." (not "Our teacher: ...")."""
    label = WORD.last(text[max(0, colon - 40) : colon], 2)
    return (
        bool(label)
        and label[-1].lower() in COMPARE_AFTER
        and (len(label) < 2 or label[0].lower() not in OWN_BEFORE)
    )
