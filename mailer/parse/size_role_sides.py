"""Whose side a comparison's object turns out to be on: the paper's own start, budget,
testbed or studied set ("gains over the base model (X-8B)", "Among 18 open models from 3B
to 671B"), two study objects side by side ("We compared A and B-8B"), or a finding the
authors report about models they studied. Used by `size_role_walk` once it has found the
comparison; the words are in `size_role_words`.

Pure: words in, a side out.
"""

from __future__ import annotations

from collections.abc import Sequence

from mailer.parse.size_role_text import has_digit
from mailer.parse.size_role_words import (
    APPROXIMATE_WORDS,
    BASE_WORDS,
    BUDGET_WORDS,
    COMPARE_OBJECT_MARKERS,
    COUNT_WORDS,
    FINDING_VERBS,
    LIST_JOINERS,
    METHOD_NOUNS,
    OWN_BEFORE,
    STUDY_COMPARISONS,
    STUDY_SUBJECTS,
    STUDY_VERBS,
    SUBJECT_ADVERBS,
)

__all__ = ["is_budget", "is_finding", "is_own_side", "is_studied_pair"]

# A size said to be the paper's model's own scale: "same-scale (4B) agents", "same-size
# 7B baselines" (the value is the paper's model's size, whoever else has it)
_SAME_SIZE_WORDS = frozenset(
    {"same-scale", "same-size", "same-sized", "similar-size", "similar-sized", "equal-size"}
    | {"similarly-sized", "equally-sized", "comparably-sized"}
)

# ... and in two words: "improves by 10.9% over the same size (10B) state-of-the-art"
_SAME_WORDS = frozenset({"same", "similar", "equal", "comparable"})
_SIZE_NOUNS = frozenset({"size", "scale"})


def is_finding(
    before: Sequence[str], raw_before: Sequence[str], index: int, own_names: frozenset[str]
) -> bool:
    """Whether the comparison at before[index] is a finding the authors report about models
    they studied: "Our results show that Llama-2-13B is more vulnerable than Llama-2-7B",
    "we find that X-8B outperforms Y-70B" (a named model, not theirs, is its subject)."""
    for that in range(index - 1, max(-1, index - 12), -1):
        if before[that] == "that":
            break
    else:
        return False
    subject = range(that + 1, index)
    if not any(raw_before[i][:1].isupper() and has_digit(raw_before[i]) for i in subject) or any(
        before[i] in OWN_BEFORE or before[i] in own_names for i in subject
    ):
        return False
    lead = before[max(0, that - 4) : that]  # "we find", "our results show", "our analysis reveals"
    return not FINDING_VERBS.isdisjoint(lead) and not OWN_BEFORE.isdisjoint(lead)


def is_own_side(
    before: Sequence[str],
    raw_before: Sequence[str],
    index: int,
    budget: bool,
    base: bool = False,
    cost_claim: bool = False,
) -> bool:
    """Whether the object of the comparison at before[index] is the paper's own after all:
    its own starting point ("gains over the base model (X-8B)", "relative to the unadapted
    X-8B backbone": `base`, a base word after the size heads its phrase), a part of its parameter
    budget ("17.6M trainable parameters against 12B frozen"), or the set of models it
    studies ("Among 18 open models from 3B to 671B"). `cost_claim`: the sentence claims a
    cost, which a method is compared on on one model, the paper's testbed ("Compared with
    standard fine-tuning of Llama-2-13B, our adapter uses 90% less memory"); a method run on
    a model that the paper only beats or sets beside its own is a baseline setting ("LoRA-X
    outperforms full fine-tuning of Llama-2-70B")."""
    if cost_claim and any(
        before[i] == "of" and before[i - 1] in METHOD_NOUNS for i in range(index + 2, len(before))
    ):
        return True
    if base:
        return True
    for later in range(len(before) - 1, index, -1):
        if before[later] in LIST_JOINERS:
            break  # "over the original X-70B and LoRA-trained Y-8B": Y is not the base
        if (
            before[later] in BASE_WORDS
            and raw_before[later].islower()  # not "XLM-R Base"
            # "full fine-tuning of X": "full" qualifies a method, a baseline setting
            and not METHOD_NOUNS.intersection(before[later + 1 : later + 2])
        ):
            return True
        if before[later] in _SAME_SIZE_WORDS or (
            before[later] in _SIZE_NOUNS and before[later - 1] in _SAME_WORDS and later > index + 1
        ):
            return True  # "outperforming same-scale (4B) agents", "the same size (10B) SOTA"
    if budget and before[index] in STUDY_COMPARISONS:
        # "17.6M trainable against approximately 12B frozen" (not "compared to Mixtral-8x7B,
        # which has 47B total parameters": the budget of the compared model)
        return all(w in APPROXIMATE_WORDS for w in before[index + 1 :])
    following = before[index + 1] if index + 1 < len(before) else ""
    # "Among 18 open models ...": the studied set; "SOTA among 7B-class models": the size
    # right after "among" names the class the paper's model is in (not "among open models
    # such as X-70B", whose named members are the others)
    return before[index] == "among" and (
        following[:1].isdigit() or following in COUNT_WORDS or index == len(before) - 1
    )


def is_studied_pair(before: Sequence[str], index: int, own_names: frozenset[str]) -> bool:
    """Whether the comparison at before[index] sets two of the authors' study objects side by
    side: "We compared A and B-8B", "This study evaluated X versus Y-8B" (not "we evaluate
    our model against Y-70B", whose other side is the authors', nor "we compare with Y")."""
    if before[index] in ("compared", "comparing"):  # the verb itself, its object up to the size
        if any(w in COMPARE_OBJECT_MARKERS for w in before[index + 1 :]):
            return False  # "we compared X with Y-70B": Y is the other side
        return _is_authors_subject(before, index)
    verb = next(
        (i for i in range(index - 1, max(-1, index - 12), -1) if before[i] in STUDY_VERBS), -1
    )
    if verb < 0 or verb == index - 1:
        return False  # "we benchmark against Y": no first side
    if any(w in OWN_BEFORE or w in own_names for w in before[verb + 1 : index]):
        return False
    return _is_authors_subject(before, verb)


def _is_authors_subject(before: Sequence[str], verb: int) -> bool:
    """Whether the authors are the subject of the verb at before[verb]: "we (also)
    compared", "This study evaluated", "our experiments compare"."""
    subject = verb - 1
    if subject >= 0 and (before[subject] in SUBJECT_ADVERBS or before[subject].endswith("ly")):
        subject -= 1
    if subject < 0:
        return False
    if before[subject] in OWN_BEFORE:
        return True
    return (
        before[subject] in STUDY_SUBJECTS and subject > 0 and before[subject - 1] in ("this", "our")
    )


def is_budget(after: Sequence[str]) -> bool:
    """Whether the size is part of a model's parameter budget: "12B frozen", "7B parameters
    trainable"."""
    return bool(after) and (
        after[0] in BUDGET_WORDS
        or (after[0] in ("parameters", "params") and len(after) > 1 and after[1] in BUDGET_WORDS)
    )
