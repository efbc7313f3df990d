"""The walk back from a size to the nearest cue before it (`role_from_words_before`): a
comparison and where its object ends, the authors speaking, an improving or creating verb,
a distillation's teacher or student. Whose side a comparison's object turns out to be on
is in `size_role_sides`. Used by `size_roles`; the words are in `size_role_words`.

Pure: words in, a role (or none) out.
"""

from __future__ import annotations

from collections.abc import Sequence

from mailer.core.models import SizeRole
from mailer.parse.size_role_cues import is_attack_target
from mailer.parse.size_role_data_words import JUDGE_PARTICIPLES, SOURCE_PARTICIPLES
from mailer.parse.size_role_scope import is_belief_than
from mailer.parse.size_role_sides import is_finding, is_own_side, is_studied_pair
from mailer.parse.size_role_text import has_digit, is_margin
from mailer.parse.size_role_words import (
    AS_AS_NOT_COMPARING,
    ATTAIN_VERBS,
    BACKGROUND_ADJECTIVES,
    CLAUSE_STARTS,
    COMPARE_BEFORE,
    COMPARE_OVER_LEADS,
    COMPARE_TO_LEADS,
    CREATE_VERBS,
    DISTILL_WORDS,
    IMPROVE_VERBS,
    LIST_JOINERS,
    MAKE_UP_PARTICIPLES,
    MARGIN_UNITS,
    MODEL_NOUNS,
    OBJECT_BREAKS,
    OWN_BEFORE,
    QUALITY_NOUNS,
    SCOPE_END_WORDS,
    STUDY_CLAUSE_WORDS,
    STUDY_COMPARISONS,
)

# "compete with X", "on par with X": "with" gives the other side after these
_COMPARE_WITH_LEADS = frozenset({"compete", "competes", "competing", "competitive", "par"})
_TESTBED_FILLERS = LIST_JOINERS | {"the", "a", "an"}
# Plural nouns whose members a list of models after "including" names
_LIST_HEADS = frozenset(
    {"models", "llms", "mllms", "vlms", "lms", "variants", "systems", "baselines"}
    | {"competitors", "counterparts", "alternatives"}
)
_BEFORE_WORDS = 10  # lowercase words: names in a list of baselines do not count
# Every word `role_from_words_before` acts on; the others it only counts
_WALK_CUES = (
    OWN_BEFORE
    | SCOPE_END_WORDS
    | COMPARE_BEFORE
    | IMPROVE_VERBS
    | CLAUSE_STARTS
    | BACKGROUND_ADJECTIVES
    | CREATE_VERBS
    | {"by", "with", "using", "over", "to", "into", "from", "of", "as"}
    | {"at", "requiring", "needing", "having", "activating"}  # "at only 8B parameters"
)


def role_from_words_before(
    before: Sequence[str],
    raw_before: Sequence[str],
    own_names: frozenset[str] = frozenset(),
    budget: bool = False,
    base: bool = False,
    cost_claim: bool = False,
    counted: bool = False,
) -> SizeRole | None:
    """The nearest cue before the size decides: a comparison, or the authors speaking (or
    a name they introduced). "other 7B models" are peers of the paper's own 7B model.
    `budget`: the size is part of a model's parameter budget ("12B frozen"); `base`: a base
    word heads the sized phrase ("the unadapted X-8B backbone", "the X-7B base model")."""
    cues = _WALK_CUES | own_names if own_names else _WALK_CUES
    plain_words = 0
    scoped = False  # past the end of a comparison's object
    resume = len(before)  # a list after "including" goes on at its head noun
    for index in range(len(before) - 1, -1, -1):
        if index >= resume:
            continue
        word = before[index]
        if word == "including":
            resume = _list_head(before, index)
            scoped = False
            continue
        if word in cues:  # most words decide nothing: only count them
            if word in OWN_BEFORE or word in own_names:
                return "own"
            scoped = scoped or _ends_object(before, raw_before, index, counted)
            role = _comparison_role(
                before, raw_before, index, own_names, budget, scoped, base, cost_claim
            )
            if role is not None:
                return role
            if word in CLAUSE_STARTS:
                return None
            role = _cue_role(before, raw_before, index, budget, scoped, base, cost_claim)
            if role is not None:
                return role
        raw = raw_before[index]
        if raw.islower() and not has_digit(raw):  # names do not count
            plain_words += 1
            if plain_words > _BEFORE_WORDS:
                return None
    return None


def _ends_object(
    before: Sequence[str], raw_before: Sequence[str], index: int, counted: bool = False
) -> bool:
    """Whether the cue at before[index] ends a comparison's object: a setting ("on X",
    "for 7B models"), a margin ("by 4%"), "with only 7B parameters", a testbed."""
    word = before[index]
    following = before[index + 1] if index + 1 < len(before) else ""
    return (
        (
            word in SCOPE_END_WORDS
            and not _is_make_up(before, index)
            and not _is_score_owner(before, index)
        )
        or (
            word == "by"
            and following[:1].isdigit()
            and not _is_next_object(before, raw_before, index)
        )
        or (word in _COUNT_LEADS and _is_subjects_count(before, index))
        or _is_testbed(before, raw_before, index, counted)
    )


# "with only 2M parameters", "with just 42K": a count played down is the subject's efficiency
_MINIMIZERS = frozenset({"only", "just", "merely"})
# ... after these: "with only", "at just", "requiring only", "activating only 3B"
_COUNT_LEADS = frozenset({"with", "using", "at", "requiring", "needing", "having", "activating"})


def _is_subjects_count(before: Sequence[str], index: int) -> bool:
    """Whether a lead word ("with", "using", "at", "requiring", ...) at before[index] gives the
    clause's subject's parameter count,
    which ends a comparison's object ("achieves comparable performance to X with only 7B
    parameters"): a count played down right after it, or at the end of a list it opens
    ("with 0.56 GFLOPs and just 42K parameters"). A count told roughly is not enough:
    "outperforms models with approximately 7B parameters" is what those models have."""
    if not _MINIMIZERS.isdisjoint(before[index + 1 : index + 2]):
        return True
    return (
        before[index] == "with"
        and bool(before[-1:])
        and before[-1] in _MINIMIZERS
        and "and" in before[index + 1 : -1]
    )


def _is_next_object(before: Sequence[str], raw_before: Sequence[str], index: int) -> bool:
    """Whether the margin "by N" at before[index] is followed by another object of the same
    comparison, joined to it with only names between: "surpassing X by +7.0 and Y-7B by
    +10.7" (not "outperform methods by 4% and lead to the first 3B models", a new verb)."""
    rest = index + 2
    if rest < len(before) and before[rest] in MARGIN_UNITS:
        rest += 1
    if rest >= len(before) or before[rest] not in ("and", "or"):
        return False
    return all(w[:1].isupper() or has_digit(w) for w in raw_before[rest + 1 :])


def _comparison_role(
    before: Sequence[str],
    raw_before: Sequence[str],
    index: int,
    own_names: frozenset[str],
    budget: bool,
    scoped: bool,
    base: bool = False,
    cost_claim: bool = False,
) -> SizeRole | None:
    """The role a comparison word at before[index] gives ("outperforms", "as accurate as"),
    or one the authors' improving verb gives; None when it gives none."""
    word = before[index]
    if (
        word in COMPARE_BEFORE
        and not scoped
        and not _is_without_object(raw_before, index)
        and not _is_bound_of_one(before, index)
        and not is_belief_than(before, index)  # "smaller models than previously thought"
    ):
        if word in STUDY_COMPARISONS and is_studied_pair(before, index, own_names):
            return "own"  # "This study evaluated X versus Y-8B": both sides are studied
        if word == "against" and is_attack_target(before, index):
            return "own"  # "attack success rates ... against X-7B": the model attacked
        if is_finding(before, raw_before, index, own_names):
            return "own"  # "Our results show that X-13B is weaker than Y-7B"
        return (
            "own"
            if is_own_side(before, raw_before, index, budget, base, cost_claim)
            else "compared"
        )
    if (
        word == "as"
        and index > 1
        and before[index - 2] == "as"
        and before[index - 1] not in AS_AS_NOT_COMPARING
        and not scoped
    ):
        # "as accurate as a 70B model" (not "as small as 8B"; "as the unquantized X-13B" is
        # the paper's own start)
        return (
            "own"
            if is_own_side(before, raw_before, index, budget, base, cost_claim)
            else "compared"
        )
    if (
        word in IMPROVE_VERBS
        and len(before) - index <= 3
        and OBJECT_BREAKS.isdisjoint(before[index + 1 :])
    ):
        return "own"  # the model the method improves: "improving Qwen2.5-7B's accuracy"
    return None


def _cue_role(
    before: Sequence[str],
    raw_before: Sequence[str],
    index: int,
    budget: bool,
    scoped: bool,
    base: bool = False,
    cost_claim: bool = False,
) -> SizeRole | None:
    """The role the other cue words at before[index] give: background adjectives, "the
    performance of", the authors creating, "over"/"to"/"with" comparing, distillation's
    student and teacher, a source or judge ("generated by"); None when it gives none."""
    word = before[index]
    if word in BACKGROUND_ADJECTIVES and _is_adjacent(raw_before, index):
        return "compared"  # "existing 70B models are too costly, so we design a 1B model"
    if (
        word == "of"
        and _previous_word(before, index) in QUALITY_NOUNS
        and not ATTAIN_VERBS.isdisjoint(before[max(0, index - 4) : index])
    ):
        return "compared"  # "reaches the performance of 70B models"
    if (
        word in CREATE_VERBS
        and not word.startswith("scale")
        and any(w in OWN_BEFORE for w in before[:index])
    ):
        return "own"  # "we compare with X-175B and train a 1B model"
    previous = before[index - 1] if index > 0 else ""
    if _compares_with_object(before, index, previous, scoped):
        return (
            "own"
            if is_own_side(before, raw_before, index, budget, base, cost_claim)
            else "compared"
        )
    if word in ("to", "into") and any(w in DISTILL_WORDS for w in before[:index]):
        return "own"  # the student: "distilled from GPT-3.5 to T5 (11B)"
    if word == "by" and (previous in SOURCE_PARTICIPLES or previous in JUDGE_PARTICIPLES):
        return "compared"  # the data's source or judge: "generated/judged by a 70B model"
    if word == "from" and any(w in DISTILL_WORDS for w in before[:index]):
        return "compared"  # the teacher: "distilled from a 70B teacher"
    return None


def _compares_with_object(before: Sequence[str], index: int, previous: str, scoped: bool) -> bool:
    """Whether "over"/"to"/"with" at before[index] gives a comparison's other side: "improves
    over X", "preferred our 2B model over X", "by 5% over X", "relative to X", "compare A
    with X"."""
    word = before[index]
    if word == "over":
        return not scoped and (
            previous in COMPARE_OVER_LEADS
            or not COMPARE_OVER_LEADS.isdisjoint(before[max(0, index - 4) : index])
            or is_margin(previous)
        )
    if word in ("to", "with"):
        return not scoped and (previous in COMPARE_TO_LEADS or _is_compare_object(before, index))
    return False
    return None


def _previous_word(words: Sequence[str], index: int) -> str:
    return words[index - 1] if index > 0 else ""


def _is_adjacent(raw_before: Sequence[str], index: int) -> bool:
    """Whether only names, numbers, joiners and compound modifiers stand between
    before[index] and the size: "existing 70B models", "previous 7B and 13B models",
    "traditional full-attention 8B models"."""
    return all(
        w[:1].isupper() or has_digit(w) or w.lower() in LIST_JOINERS or "-" in w
        for w in raw_before[index + 1 :]
    )


def _is_compare_object(before: Sequence[str], index: int) -> bool:
    """Whether "with"/"to" at before[index] gives the other side of "compare X with Y"."""
    for earlier in range(index - 2, max(-1, index - 8), -1):
        word = before[earlier]
        if word in ("compare", "compares", "compared", "comparing"):
            return True
        if word in CLAUSE_STARTS or word in STUDY_CLAUSE_WORDS:
            return False
    return False


def _is_testbed(
    before: Sequence[str], raw_before: Sequence[str], index: int, counted: bool = False
) -> bool:
    """Whether "with"/"using" at before[index] introduces the model a comparison is run with,
    which ends the comparison's object: "beats PPO by 4 points with the Llama-3.2-3B model",
    "compared to plain decoding with Qwen2.5-1.5B". Not the other side itself ("compared
    with X", "compete with X") nor what a compared noun has ("models with 7B parameters"):
    the word before it is the comparison's object, and only the sized name follows."""
    if before[index] not in ("with", "using") or index == 0:
        return False
    previous = before[index - 1]
    if (
        previous in COMPARE_TO_LEADS
        or previous in COMPARE_BEFORE
        or previous in MODEL_NOUNS
        or previous in _COMPARE_WITH_LEADS
    ):
        return False
    rest = raw_before[index + 1 :]
    name = raw_before[index - 1]
    if counted and not rest and (not name.islower() or has_digit(name)):
        return False  # a count right after a name is what it has: "RDT with 1.2B parameters"
    return all(w[:1].isupper() or has_digit(w) or w.lower() in _TESTBED_FILLERS for w in rest)


def _is_bound_of_one(before: Sequence[str], index: int) -> bool:
    """ "a less than 1M-param controller", "GPT-3 with more than 175B parameters": "than"
    bounds one model's own size, no comparison."""
    if before[index] != "than" or index < 2 or before[index - 1] not in ("less", "fewer", "more"):
        return False
    if before[index - 2] == "with" and index > 2:  # "GPT-3 with more than 175B parameters"
        head = before[index - 3]
        return has_digit(head) and not head[:1].isdigit()
    return before[index - 2] in ("a", "an")


def _list_head(before: Sequence[str], index: int) -> int:
    """Where the plural noun a list after "including" at before[index] names members of is
    ("larger open models on every benchmark, including X-70B": "models"), or `index` when
    there is none near: the list takes that noun's place in the sentence."""
    for earlier in range(index - 1, max(-1, index - 9), -1):
        if before[earlier] in _LIST_HEADS:
            return earlier
    return index


def _is_score_owner(before: Sequence[str], index: int) -> bool:
    """ "compared with 55.0 for X-3B", "versus 12% for Y-2B": "for" after a score names whose
    score the comparison's object is, so the object goes on (not a setting, as in "by 3
    points for 7B models")."""
    return before[index] == "for" and index > 0 and _is_number(before[index - 1])


def _is_number(word: str) -> bool:
    return bool(word) and word.replace(".", "", 1).replace(",", "").isdigit()


def _is_make_up(before: Sequence[str], index: int) -> bool:
    """ "agents built on X", "a system based on X": "on" is part of what the object is made of,
    not a setting that ends the comparison's object."""
    return before[index] == "on" and index > 0 and before[index - 1] in MAKE_UP_PARTICIPLES


_NEEDS_OBJECT = frozenset({"behind", "trail", "trails", "trailed", "trailing"})


def _is_without_object(raw_before: Sequence[str], index: int) -> bool:
    """ "lag behind, led by X-397B", "Open models trail behind, led by Yi-34B": "behind" or
    "trail" with no object of its own (a verb or an adverb follows)."""
    if raw_before[index].lower() not in _NEEDS_OBJECT or index + 1 >= len(raw_before):
        return False
    following = raw_before[index + 1]
    return not (following[:1].isupper() or has_digit(following) or following in ("the", "a", "an"))
