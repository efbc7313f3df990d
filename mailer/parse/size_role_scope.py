"""What a cue's words reach, and what they say of no model at all: a clause that leaves a
size's run to future work, a "than" of a belief rather than of a model ("smaller models than
previously thought"), a second object of one comparison that carries its own margin
("surpassing X by +7.0 and Y-7B by +10.7"), a bound that ends what the paper's method
improves ("improves small LLMs, even under 3B parameters"). Used by `size_roles` and `size_role_walk`.

Pure: words in, a verdict out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

from mailer.parse.size_role_words import IMPROVE_VERBS, OBJECT_BREAKS

__all__ = [
    "COST_CLAIM_WORDS",
    "FUTURE_WORDS",
    "is_ablation",
    "is_belief_than",
    "is_improved_class",
    "is_left_to_future_work",
    "is_number_format",
    "is_own_count_in_pair",
]

# A sentence claiming what a method costs: "our method trains 20x faster", "uses 90% less
# memory" (a cost is compared on one model: a method run on a model is then the testbed)
COST_CLAIM_WORDS: frozenset[str] = frozenset(
    {"faster", "slower", "memory", "cheaper", "speedup", "speed-up", "latency", "throughput"}
    | {"flops", "gpu-hours", "storage", "footprint", "wall-clock", "compute"}
)

# "left to future work", "remains future research": runs the paper did not do
FUTURE_WORDS: frozenset[str] = frozenset({"future"})
_FUTURE_NOUNS = frozenset({"work", "works", "research", "studies", "study", "investigation"})
_LEAVE_WORDS = frozenset({"leave", "leaves", "left", "leaving", "remain", "remains", "defer"})
_CLAUSE_JOINERS = frozenset({"and", "but", "while", "whereas"})


def is_left_to_future_work(before: Sequence[str], after: Sequence[str]) -> bool:
    """Whether the size's clause leaves it to future work: "the same recipe on X-70B is left
    to future work", "we leave scaling to 70B for future research", "In future work, we will
    train a 70B model" (not "our 7B model paves the way for future work", nor the 7B of "We
    train a 7B model and leave the 70B run to future work", whose clause ends at "and").
    `before`/`after`: the sentence's words before and after the size, lowered."""
    clause = _back_to_joiner(before) + _up_to_joiner(after)
    for index, (word, following) in enumerate(pairwise(clause)):
        if word in FUTURE_WORDS and following in _FUTURE_NOUNS:
            # "left to future work", "In future work, we will train a 70B model"
            return not _LEAVE_WORDS.isdisjoint(clause) or clause[index - 1 : index] == ["in"]
    return False


def _back_to_joiner(before: Sequence[str]) -> list[str]:
    for index in range(len(before) - 1, -1, -1):
        if before[index] in _CLAUSE_JOINERS:
            return list(before[index + 1 :])
    return list(before)


def _up_to_joiner(after: Sequence[str]) -> list[str]:
    for index, word in enumerate(after):
        if word in _CLAUSE_JOINERS:
            return list(after[:index])
    return list(after)


# "smaller models than previously thought", "more often than expected": "than" compares with
# a belief or a past, not with a model
_BELIEF_WORDS = frozenset(
    {"previously", "thought", "expected", "assumed", "believed", "reported", "anticipated"}
    | {"before", "ever", "usual", "commonly", "widely", "generally", "once", "often"}
)


def is_belief_than(before: Sequence[str], index: int) -> bool:
    """Whether the "than" at before[index] compares with a belief or a past, not a model:
    "present in smaller models than previously thought, starting from 1B" (not "than
    previously reported 7B models", where the belief words describe the model after them)."""
    if before[index] != "than":
        return False
    after_belief = index + 1
    while after_belief < len(before) and before[after_belief] in _BELIEF_WORDS:
        after_belief += 1
    return index + 1 < after_belief < len(before)


def is_improved_class(before: Sequence[str]) -> bool:
    """Whether a bound ends the object of an improving verb: "RPO-RAG improves the reasoning
    of small LLMs, even under 3B parameters" (the class the method is for), not "improves
    over models with fewer than 10B" (the other side)."""
    for index in range(len(before) - 1, -1, -1):
        if before[index] in IMPROVE_VERBS:
            return OBJECT_BREAKS.isdisjoint(before[index + 1 : -2])
    return False


# Number formats are no models: "600B-parameter scale BF16 baselines", "INT4 weights"
_NUMBER_FORMAT = re.compile(r"(?:BF|FP|INT|UINT|NF|MXFP|TF)\d{1,2}\Z")


def is_number_format(word: str) -> bool:
    """Whether `word` names a number format (BF16, FP8, INT4), not a model."""
    return _NUMBER_FORMAT.match(word) is not None


# "(3B vs. 8B)" right after a parameter-count noun restates two sides' counts in order
_COUNT_NOUNS = frozenset({"parameters", "params", "size", "sizes", "scale", "parity"})
_PAIR_FIRST_BEFORE = re.compile(r"([A-Za-z]+)\s*\(\s*\Z")
_PAIR_FIRST_AFTER = re.compile(r"\s*(?:[A-Za-z]+\s*)?(?:vs\.?|versus)\s*[0-9]")
_PAIR_SECOND_BEFORE = re.compile(
    r"([A-Za-z]+)\s*\(\s*[0-9][0-9.,]*\s*[A-Za-z]*\s*(?:vs\.?|versus)\s*\Z"
)
_PAIR_REACH = 40  # characters before the size: "parameter parity (6.83M vs "


def is_own_count_in_pair(text: str, start: int, end: int, authors_spoke: bool) -> bool:
    """Whether the size at text[start:end] is the paper's side of a pair of parameter counts
    in brackets after a count noun: the first of "with fewer parameters (3B vs. 8B)", the
    side the sentence's subject is on once the authors have spoken; both of "maintaining
    parameter parity (6.83M vs 6.86M parameters)", two models the authors matched. (The
    second of "(3B vs. 8B)" is left to the comparison "vs" makes.)"""
    window = text[max(0, start - _PAIR_REACH) : start]
    first = _PAIR_FIRST_BEFORE.search(window)
    if first is not None and _PAIR_FIRST_AFTER.match(text, end):
        return first[1].lower() in _COUNT_NOUNS and authors_spoke
    second = _PAIR_SECOND_BEFORE.search(window)
    return second is not None and second[1].lower() == "parity"


# "a 65M-parameter model without it": the model lacks what the text just named, the paper's
# method or prior
_ANAPHORS = frozenset({"it", "this", "them", "these", "our", "such"})
_ABLATION_REACH = 4


def is_ablation(after: Sequence[str]) -> bool:
    """Whether the sized phrase is the paper's ablation: a model "without it", "without our
    prior" ("a 280K-parameter model with proper ordering matches a 65M-parameter model
    without it"), not "a 70B model without retrieval" (another model's setting)."""
    for index, word in enumerate(after[:_ABLATION_REACH]):
        if word == "without":
            return after[index + 1 : index + 2] != [] and after[index + 1] in _ANAPHORS
    return False
