"""The cues `size_roles` reads a size's role from, each a predicate over the words before
and after the size in its sentence (lowered, as `size_role_text` splits them): comparisons
and their objects, thresholds, the authors making a model, role nouns, data sources, studies.
The rules they implement are described in `size_roles`; the words are in `size_role_words`.

Pure: words in, cues out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from mailer.parse.size_role_data_words import (
    DATA_NOUNS,
    DATA_VERB_STEMS,
    DATA_VERBS,
    SOURCE_PARTICIPLES,
    USE_VERBS,
)
from mailer.parse.size_role_scope import is_number_format
from mailer.parse.size_role_text import TextCues, has_digit, has_pair
from mailer.parse.size_role_tools import is_used
from mailer.parse.size_role_words import (
    CLAUSE_STARTS,
    COMPARE_AFTER,
    COMPARE_BEFORE,
    COST_WORDS,
    CREATE_VERBS,
    EXAMPLE_NOUNS,
    FIELD_WORDS,
    FINDING_VERBS,
    HEAD_FILLERS,
    LIST_JOINERS,
    MAKE_UP_PARTICIPLES,
    MODEL_NOUNS,
    OBJECT_BREAKS,
    OTHERS_WORK_NOUNS,
    OWN_BEFORE,
    SCOPE_END_WORDS,
    THRESHOLD_SIGNS,
    THRESHOLD_WORDS,
    WEAK_COMPARE_BEFORE,
)

_AFTER_WORDS = 5
_WEAK_WORDS = 4


def words_after(raw_after: Sequence[str]) -> list[str]:
    """The first words after a size, lowered, reading past a list of names joined to it
    ("Mixtral-8x7B and Mixtral-8x22B serve as teachers"); a number format is a word of the
    sized phrase, no other model ("600B-parameter BF16 baselines")."""
    words: list[str] = []
    in_list = True
    for word in raw_after:
        is_name = (word[:1].isupper() or has_digit(word)) and not is_number_format(word)
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


_START_VERBS = frozenset(
    {"start", "starts", "starting", "started", "initialized", "initialised", "initializing"}
)


def is_built_on(before: Sequence[str]) -> bool:
    """Whether the size is what the paper's model is built on, its starting point, whatever
    the text calls it: "built on dense (8B) and MoE (30B-A3B) understanding baselines",
    "we start from the Mistral-7B baseline" (not "baselines built on X", where the role word
    comes first)."""
    for index in range(len(before) - 1, max(0, len(before) - 7), -1):
        word = before[index]
        previous = before[index - 1]
        if word in ("on", "upon") and previous in MAKE_UP_PARTICIPLES:
            return index < 2 or before[index - 2] not in COMPARE_AFTER
        if word == "from" and previous in _START_VERBS:
            return True
        if word in COMPARE_BEFORE or word in COMPARE_AFTER:
            return False
    return False


def is_named_by_role(after: Sequence[str]) -> bool:
    """Whether a role word after the size names its role ("7B baselines", "X-70B as the
    judge") before a comparison starts: in "X-9B, outperforming all baseline PRMs", "X-1B
    even beats its teacher" and "+1.8 on X-8B over the best baseline" the baselines and the
    teacher are the other side."""
    for index, word in enumerate(after):
        if word in COMPARE_BEFORE or word in _COMPARE_PREPOSITIONS:
            return False
        if word in _OTHER_PHRASE_PREPOSITIONS:
            return False  # "a 1B student from the teacher": the teacher is another model
        if word in COMPARE_AFTER:
            return not _made_by_authors(after[index + 1 :])
    return False


# How a clause after a role noun says the authors made that model: "the X-7B teacher we
# fine-tune", "a 70B judge trained on our data"
_MADE_PARTICIPLES = frozenset(
    {"trained", "fine-tuned", "finetuned", "pretrained", "pre-trained", "built", "developed"}
)


_MADE_LINKS = frozenset({"model", "models", "that", "which"})  # "the judge model we train"


def _made_by_authors(following: Sequence[str]) -> bool:
    """Whether the words after a role noun say the authors made the model it names: "we"
    and a verb of making ("the teacher (model) we fine-tune"), or a participle of making
    with "our"/"we" close after ("a judge trained on our data"); not a new clause of theirs
    ("as the judge, we score ...", "the judge of our outputs")."""
    for index, word in enumerate(following[:2]):
        if index and following[0] not in _MADE_LINKS:
            break  # "the teacher and we train ...": a clause of its own
        if word == "we":
            verb = following[index + 1 : index + 2]
            return bool(verb) and (verb[0] in CREATE_VERBS or verb[0] in _MADE_PARTICIPLES)
    return (
        following[:1] != []
        and following[0] in _MADE_PARTICIPLES
        and not (OWN_BEFORE.isdisjoint(following[1:4]))
    )


# "+1.8 on X-8B over the best baseline", "on Gemma-2B versus the teacher": the other side
_COMPARE_PREPOSITIONS = frozenset({"over", "versus", "vs"})
# A role noun after these heads another phrase: "a 1B student distilled from the teacher"
_OTHER_PHRASE_PREPOSITIONS = frozenset({"from", "by"})


def is_threshold(text: str, start: int, before: Sequence[str]) -> bool:
    """Whether a bound of a class comes right before the size: "fewer than 10B",
    "under 10 billion", "sub-100B", "(≤2B)"."""
    if text[max(0, start - 1) : start] in THRESHOLD_SIGNS and text[start - 1 : start]:
        return not _bounds_one(before, len(before))
    if not before or before[-1] not in THRESHOLD_WORDS:
        return False
    bound = len(before) - 2 if before[-1] == "than" else len(before) - 1
    return not _bounds_one(before, bound)


def _bounds_one(before: Sequence[str], bound: int) -> bool:
    """Whether the bound starting at before[bound] is on one model: with an indefinite
    article ("a less than 1M-param controller", "an under-2B encoder") or what a named model
    has ("the OPT-175B with more than 175 billion parameters"): its size, written as a
    bound, not a class of others' models ("models with fewer than 10B parameters")."""
    if bound > 1 and before[bound - 1] == "with":
        head = before[bound - 2]
        return has_digit(head) and not head[:1].isdigit()  # a name, not "7b models"
    return bound > 0 and before[bound - 1] in ("a", "an")


# Words back from a bound to the authors or their name: "RPO-RAG substantially improves the
# reasoning capability of small LLMs, even under 3B parameters"
_MAKE_REACH = 13


def authors_make(
    before: Sequence[str], own_names: frozenset[str], verbs: frozenset[str] = CREATE_VERBS
) -> bool:
    """Whether the size is the object of the authors making a model, within its clause:
    "We train J4R, a 7B judge", "we train models with over 5 billion parameters". `verbs`:
    what counts as making (a bound also counts the models they select or study)."""
    made = False
    for index in range(len(before) - 1, max(-1, len(before) - _MAKE_REACH), -1):
        word = before[index]
        if word in OWN_BEFORE or word in own_names:
            return made or (word == "our" and index >= len(before) - 2)
        if word in verbs:
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
    return len(after) > 1 and after[0] == "to" and after[1] in DATA_VERBS and is_used(before)

    return False


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


def is_example_before_authors(
    before: Sequence[str], start: int, cues: Callable[[], TextCues] | None
) -> bool:
    """Whether the size is an example given before the authors first speak ("Serving is
    costly; for example, a Llama-2-70B model needs two GPUs. We propose ..."): the field's
    model, a reference point. After they speak ("We introduce TinyR1. For example,
    TinyR1-1.5B solves ...") an example is theirs."""
    if cues is None or not any(
        has_pair(before, _EXAMPLE_LEADS, noun) for noun in EXAMPLE_NOUNS if noun in before
    ):
        return False
    authors = cues().authors_start
    return authors < 0 or start < authors


_EXAMPLE_LEADS = frozenset({"for", "an"})


def is_after_study(start: int, cues: Callable[[], TextCues] | None) -> bool:
    """Whether the size comes after the text counted the models it studies ("texts from 12
    LLMs", "tests eleven open source LLMs"): "models like X-8x22b" are then among them."""
    if cues is None:
        return False
    study_start = cues().study_start
    return 0 <= study_start <= start


# What the paper's own runs are called when they report a finding: "Initial experiments show
# that ...", "Experimental results reveal that ..."
_FINDING_SUBJECTS = frozenset(
    {"experiments", "results", "evaluation", "evaluations", "analysis", "analyses", "findings"}
)


def reports_own_finding(before: Sequence[str]) -> bool:
    """Whether the size is in a finding the paper's own runs report, which speaks for the
    authors like "our results show that": "Initial experiments show that frontier LLMs such
    as ... X-70B achieve ..." (not others' results: "Previous results show that", "their
    evaluations reveal that"). `before`: the sentence's words before the size, lowered."""
    for index in range(1, len(before)):
        if before[index] == "that" and before[index - 1] in FINDING_VERBS:
            lead = before[max(0, index - 5) : index - 1]
            return (
                not _FINDING_SUBJECTS.isdisjoint(lead)
                and WEAK_COMPARE_BEFORE.isdisjoint(lead)
                and "their" not in lead
            )
    return False


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


# "An attack against X-7B" names the model the attack is run on (which the paper studies),
# not a rival: "against" after one of these, with no comparison between them
_ATTACK_WORDS = frozenset(
    {
        "attack",
        "attacks",
        "attacking",
        "jailbreak",
        "jailbreaks",
        "jailbreaking",
        "adversarial",
        "defend",
        "defends",
        "defending",
        "defense",
        "defence",
        "defenses",
        "defences",
    }
)
_ATTACK_REACH = 12  # words from the attack word to "against"


def is_attack_target(before: Sequence[str], index: int) -> bool:
    """Whether "against" at before[index] names the target of an attack or defence the
    clause speaks of: "improving attack success rates by 11-35% on recent benchmarks
    against X-7B" (not "outperforms X against Y-7B", nor "compared against Y-7B, our
    attack")."""
    for word in reversed(before[max(0, index - _ATTACK_REACH) : index]):
        if word in _ATTACK_WORDS:
            return True
        if word in COMPARE_BEFORE or word in CLAUSE_STARTS:
            return False
    return False


# A cost called small is the paper's own result ("with negligible VRAM cost relative to the
# base model"), not a burden of others' models ("training a 175B model costs millions")
_SMALL_WORDS = frozenset(
    {"negligible", "low", "lower", "minimal", "little", "small", "marginal", "modest", "no", "zero"}
    # a cost the paper's method cuts is its result too: "reduces the parameter storage cost"
    | {"reduce", "reduces", "reduced", "reducing", "lowers", "lowering", "cuts", "cutting"}
    | {"saves", "saving", "decreases", "minimizes", "minimizing"}
)
_SMALL_REACH = 4  # words from the small word to the cost word: "reduces the storage cost"


def is_burden_cost(sentence: Sequence[str]) -> bool:
    """Whether the clause names a cost that burdens (`COST_WORDS`), not one it calls small:
    "costs millions of dollars", "prohibitively expensive" (not "negligible VRAM cost",
    "at low cost")."""
    for index, word in enumerate(sentence):
        if word in COST_WORDS and _SMALL_WORDS.isdisjoint(
            sentence[max(0, index - _SMALL_REACH) : index]
        ):
            return True
    return False
