"""The cues `size_roles` reads a size's role from, each a predicate over the words before
and after the size in its sentence (lowered, as `size_role_text` splits them): comparisons
and their objects, thresholds, the authors making a model, role nouns, data sources, studies.
The rules they implement are described in `size_roles`; the words are in `size_role_words`.

Pure: words in, cues out.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence

from mailer.models import SizeRole
from mailer.parse.size_role_text import TextCues, has_digit, is_margin
from mailer.parse.size_role_words import (
    APPROXIMATE_WORDS,
    AS_AS_NOT_COMPARING,
    ATTAIN_VERBS,
    BACKGROUND_ADJECTIVES,
    BASE_WORDS,
    CLAUSE_STARTS,
    COMPARE_AFTER,
    COMPARE_BEFORE,
    COMPARE_OBJECT_MARKERS,
    COMPARE_OVER_LEADS,
    COMPARE_TO_LEADS,
    COUNT_WORDS,
    CREATE_VERBS,
    DATA_NOUNS,
    DATA_VERB_STEMS,
    DATA_VERBS,
    DISTILL_WORDS,
    FIELD_WORDS,
    FINDING_VERBS,
    HEAD_FILLERS,
    IMPROVE_VERBS,
    JUDGE_PARTICIPLES,
    LIST_JOINERS,
    MAKE_UP_PARTICIPLES,
    METHOD_NOUNS,
    MODEL_NOUNS,
    OBJECT_BREAKS,
    OTHERS_WORK_NOUNS,
    OWN_BEFORE,
    QUALITY_NOUNS,
    SCOPE_END_WORDS,
    SOURCE_PARTICIPLES,
    STUDY_CLAUSE_WORDS,
    STUDY_COMPARISONS,
    STUDY_SUBJECTS,
    STUDY_VERBS,
    SUBJECT_ADVERBS,
    SUBORDINATORS,
    THRESHOLD_SIGNS,
    THRESHOLD_WORDS,
    USE_VERBS,
    WEAK_COMPARE_BEFORE,
)

_AFTER_WORDS = 5
_WEAK_WORDS = 4
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
)


def role_from_words_before(
    before: Sequence[str],
    raw_before: Sequence[str],
    own_names: frozenset[str] = frozenset(),
    budget: bool = False,
) -> SizeRole | None:
    """The nearest cue before the size decides: a comparison, or the authors speaking (or
    a name they introduced). "other 7B models" are peers of the paper's own 7B model.
    `budget`: the size is part of a model's parameter budget ("12B frozen")."""
    cues = _WALK_CUES | own_names if own_names else _WALK_CUES
    plain_words = 0
    scoped = False  # past the end of a comparison's object
    for index in range(len(before) - 1, -1, -1):
        word = before[index]
        if word in cues:  # most words decide nothing: only count them
            if word in OWN_BEFORE or word in own_names:
                return "own"
            following = before[index + 1] if index + 1 < len(before) else ""
            if (
                (word in SCOPE_END_WORDS and not _is_make_up(before, index))
                or (word == "by" and following[:1].isdigit())
                or (word in ("with", "using") and following in ("only", "just", "merely"))
            ):
                scoped = True
            if word in COMPARE_BEFORE and not scoped and not _is_without_object(raw_before, index):
                if word in STUDY_COMPARISONS and _is_studied_pair(before, index, own_names):
                    return "own"  # "This study evaluated X versus Y-8B": both sides are studied
                if _is_finding(before, raw_before, index, own_names):
                    return "own"  # "Our results show that X-13B is weaker than Y-7B"
                return "own" if _is_own_side(before, raw_before, index, budget) else "compared"
            if (
                word == "as"
                and index > 1
                and before[index - 2] == "as"
                and before[index - 1] not in AS_AS_NOT_COMPARING
                and not scoped
            ):
                return "compared"  # "as accurate as a 70B model" (not "as small as 8B")
            if (
                word in IMPROVE_VERBS
                and len(before) - index <= 3
                and OBJECT_BREAKS.isdisjoint(before[index + 1 :])
            ):
                return "own"  # the model the method improves: "improving Qwen2.5-7B's accuracy"
            if word in CLAUSE_STARTS:
                return None
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
            if (
                (word == "over" and previous in COMPARE_OVER_LEADS)
                or (  # "preferred our 2B model over X"
                    not scoped
                    and word == "over"
                    and not COMPARE_OVER_LEADS.isdisjoint(before[max(0, index - 4) : index])
                )
                or (word in ("to", "with") and previous in COMPARE_TO_LEADS)
                or (not scoped and word == "over" and is_margin(previous))
                or (not scoped and word in ("to", "with") and _is_compare_object(before, index))
            ):
                return "own" if _is_own_side(before, raw_before, index, budget) else "compared"
            if word in ("to", "into") and any(w in DISTILL_WORDS for w in before[:index]):
                return "own"  # the student: "distilled from GPT-3.5 to T5 (11B)"
            if word == "by" and (previous in SOURCE_PARTICIPLES or previous in JUDGE_PARTICIPLES):
                return "compared"  # the data's source or judge: "generated/judged by a 70B model"
            if word == "from" and any(w in DISTILL_WORDS for w in before[:index]):
                return "compared"  # the teacher: "distilled from a 70B teacher"
        raw = raw_before[index]
        if raw.islower() and not has_digit(raw):  # names do not count
            plain_words += 1
            if plain_words > _BEFORE_WORDS:
                return None
    return None


def _previous_word(words: Sequence[str], index: int) -> str:
    return words[index - 1] if index > 0 else ""


def _is_adjacent(raw_before: Sequence[str], index: int) -> bool:
    """Whether only names, numbers and joiners stand between before[index] and the size:
    "existing 70B models", "previous 7B and 13B models"."""
    return all(
        w[:1].isupper() or has_digit(w) or w.lower() in LIST_JOINERS
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


def _is_make_up(before: Sequence[str], index: int) -> bool:
    """ "agents built on X", "a system based on X": "on" is part of what the object is made of,
    not a setting that ends the comparison's object."""
    return before[index] == "on" and index > 0 and before[index - 1] in MAKE_UP_PARTICIPLES


def _is_without_object(raw_before: Sequence[str], index: int) -> bool:
    """ "lag behind, led by X-397B": "behind" with no object of its own (a verb follows)."""
    if raw_before[index].lower() != "behind" or index + 1 >= len(raw_before):
        return False
    following = raw_before[index + 1]
    return not (following[:1].isupper() or has_digit(following) or following in ("the", "a", "an"))


def _is_finding(
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


def _is_own_side(
    before: Sequence[str], raw_before: Sequence[str], index: int, budget: bool
) -> bool:
    """Whether the object of the comparison at before[index] is the paper's own after all:
    its own starting point ("gains over the base model (X-8B)"), a part of its parameter
    budget ("17.6M trainable parameters against 12B frozen"), or the set of models it
    studies ("Among 18 open models from 3B to 671B")."""
    if any(  # "compared with standard fine-tuning of Llama-2-13B": the model is the testbed
        before[i] == "of" and before[i - 1] in METHOD_NOUNS for i in range(index + 2, len(before))
    ):
        return True
    for later in range(len(before) - 1, index, -1):
        if before[later] in LIST_JOINERS:
            break  # "over the original X-70B and LoRA-trained Y-8B": Y is not the base
        if before[later] in BASE_WORDS and raw_before[later].islower():  # not "XLM-R Base"
            return True
    if budget and before[index] in STUDY_COMPARISONS:
        # "17.6M trainable against approximately 12B frozen" (not "compared to Mixtral-8x7B,
        # which has 47B total parameters": the budget of the compared model)
        return all(w in APPROXIMATE_WORDS for w in before[index + 1 :])
    following = before[index + 1] if index + 1 < len(before) else ""
    return before[index] == "among" and (following[:1].isdigit() or following in COUNT_WORDS)


def _is_studied_pair(before: Sequence[str], index: int, own_names: frozenset[str]) -> bool:
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


def words_after(raw_after: Sequence[str]) -> list[str]:
    """The first words after a size, lowered, reading past a list of names joined to it
    ("Mixtral-8x7B and Mixtral-8x22B serve as teachers")."""
    words: list[str] = []
    in_list = True
    for word in raw_after:
        is_name = word[:1].isupper() or has_digit(word)
        lower = word.lower()
        if in_list and (is_name or lower in LIST_JOINERS):
            continue
        if is_name and not in_list:
            break  # another model's words follow
        in_list = False
        words.append(lower)
        if len(words) == _AFTER_WORDS:
            break
    return words


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


def is_threshold(text: str, start: int, before: Sequence[str]) -> bool:
    """Whether a bound of a class comes right before the size: "fewer than 10B",
    "under 10 billion", "sub-100B", "(≤2B)"."""
    if text[max(0, start - 1) : start] in THRESHOLD_SIGNS and text[start - 1 : start]:
        return True
    return bool(before) and before[-1] in THRESHOLD_WORDS


def authors_make(before: Sequence[str], own_names: frozenset[str]) -> bool:
    """Whether the size is the object of the authors making a model, within its clause:
    "We train J4R, a 7B judge", "we train models with over 5 billion parameters"."""
    made = False
    for index in range(len(before) - 1, max(-1, len(before) - 10), -1):
        word = before[index]
        if word in OWN_BEFORE or word in own_names:
            return made or (word == "our" and index >= len(before) - 2)
        if word in CREATE_VERBS:
            made = True
        elif word in OBJECT_BREAKS and not made and word not in THRESHOLD_WORDS | {"with"}:
            following = before[index + 1] if index + 1 < len(before) else ""
            if not (word == "from" and following[:1].isdigit()):  # a range: "from 70M to"
                return False
    return False


def is_data_source(before: Sequence[str], after: Sequence[str]) -> bool:
    """A model named as where data came from: "we use X-72B to generate seed data",
    "the Qwen3-235B distilled datasets"."""
    if after[:1] and after[0] in SOURCE_PARTICIPLES and any(w in DATA_NOUNS for w in after[1:3]):
        return True
    if before[-2:-1] in (["with"], ["using"], ["via"], ["from"]) or before[-3:-2] in (
        ["with"],
        ["using"],
    ):  # "we generate 100K synthetic dialogues with (a) X-70B"
        clause = before[-10:-1]
        if (
            before[-1] not in OWN_BEFORE
            and any(w.startswith(DATA_VERB_STEMS) for w in clause)
            and any(w in DATA_NOUNS or w == "synthetic" for w in clause)
        ):
            return True
    if (  # "X-27B is used to filter low-quality samples"
        len(after) > 3
        and after[0] in ("is", "are", "was", "were")
        and after[1] in USE_VERBS
        and after[2] == "to"
        and after[3] in DATA_VERBS
    ):
        return True
    return (
        after[:2] == ["to", after[1]] and after[1] in DATA_VERBS
        if len(after) > 1 and any(w in USE_VERBS for w in before[-4:])
        else False
    )


def is_headed_by_role(words: Sequence[str]) -> bool:
    """Whether the size's name is one of a list headed by a role noun: "three teacher
    models: AM-Thinking-v1, Qwen3-235B-A22B" (not "our teacher")."""
    for index in range(len(words) - 1, max(-1, len(words) - 12), -1):
        word = words[index]
        lower = word.lower()
        if lower in COMPARE_AFTER and word.islower() and index < len(words) - 1:
            if words[index + 1].lower() in LIST_JOINERS:
                return False  # "X as baselines, and Y-8B as ...": Y is a new conjunct
            return index == 0 or words[index - 1].lower() not in OWN_BEFORE
        if word[:1].isupper() or has_digit(word):
            continue
        if lower in LIST_JOINERS or lower in HEAD_FILLERS:
            continue
        return False
    return False


def main_clause(
    text: str,
    sentence_start: int,
    start: int,
    before: list[str],
    starts: Sequence[int],
    first: int,
) -> int:
    """Where the size's main clause begins among the words before it: at the first, unless
    the sentence opens with a subordinate clause that ends before the size ("While X runs
    with less context than Y, the results of our method on 7B ..."). `starts` are where the
    sentence's words start, `first` the index there of before[0]."""
    if not before or before[0] not in SUBORDINATORS:
        return 0
    comma = text.find(", ", sentence_start, start)
    return 0 if comma < 0 else max(0, bisect_left(starts, comma) - first)


def weak_cue_near(words: Sequence[str]) -> bool:
    """ "like", "such as", "existing" among the last few plain words before a size; names
    and their joiners do not count ("LLMs like PaLM 540B and Llama-3.1 405B")."""
    plain = 0
    for index in range(len(words) - 1, -1, -1):
        word = words[index]
        lower = word.lower()
        if lower in WEAK_COMPARE_BEFORE:
            return True
        if lower == "as" and index > 0 and words[index - 1].lower() == "such":
            return True
        if word[:1].isupper() or has_digit(word) or lower in LIST_JOINERS:
            continue
        if lower in SCOPE_END_WORDS:
            return False  # a setting: "methods such as X degrade on OPT-66B"
        plain += 1
        if plain == _WEAK_WORDS:
            return False
    return False


def is_others_work(before: Sequence[str]) -> bool:
    """Whether others' work is what the sentence speaks of: "Previous studies used models of
    up to 13B parameters", "Existing approaches fine-tune ..."."""
    return any(
        word in OTHERS_WORK_NOUNS and index and before[index - 1] in WEAK_COMPARE_BEFORE
        for index, word in enumerate(before)
    )


def is_reference(near: Sequence[str], cues: Callable[[], TextCues] | None) -> bool:
    """Whether a name given earlier as others' example comes right before the size (`near`:
    the words of the last 40 characters, lowered)."""
    if cues is None or not any(w[:1].isalpha() for w in near):
        return False
    names = cues().references
    return bool(names) and not names.isdisjoint(near)


def is_after_study(start: int, cues: Callable[[], TextCues] | None) -> bool:
    """Whether the size comes after the text counted the models it studies ("texts from 12
    LLMs", "tests eleven open source LLMs"): "models like X-8x22b" are then among them."""
    if cues is None:
        return False
    study_start = cues().study_start
    return 0 <= study_start <= start


def is_peer(words: Sequence[str]) -> bool:
    """ "outperforms other 1B and 8B parameter models": the paper's model has that size."""
    for word in reversed(words):
        if word.lower() in LIST_JOINERS or has_digit(word):
            continue
        return word.lower() == "other"
    return False


def is_field_subject(after: Sequence[str]) -> bool:
    """Whether the sized models are the subject of "dominate": "models with close to a
    trillion parameters dominate the leaderboards" (not "X-7B), the scheme dominates")."""
    verb = next((w for w in after if w not in MODEL_NOUNS), "")
    return verb in FIELD_WORDS
