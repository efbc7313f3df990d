"""What the words around a number say it counts: a model's parameters, a model, or
something else (tokens, images, dollars...), and whether a name it ends is a model's or a
data set's.

The reading rules of `sizes`, kept apart from its patterns: a size counts the head noun of
the words right after it, up to the end of its clause, a preposition ("on", "across") or the
next name; a lead word before it ("context of", "costs") makes it no size; a number ending
a hyphenated name counts what that name is ("LAION-5B" images, "OPT-66B" a model).
"""

from __future__ import annotations

import re
from typing import Literal

import mailer.parse.size_scan as size_scan
from mailer.parse.size_words import (
    CHANGE_NOUNS,
    DATASET_PREFIXES,
    DIFFERENCE_WORDS,
    FUNCTION_WORDS,
    MODEL_WORDS,
    NON_PARAMETER_LEAD_WORDS,
    NON_PARAMETER_WORDS,
    PARAMETER_WORDS,
    WEAK_MODEL_WORDS,
)

Verdict = Literal["parameters", "model", "other"]


_GLUED_NAME = re.compile(r"[A-Za-z]{3,}$")


# "Ditto-1M, a dataset of ...", "X-20M, a large-scale, multi-strategy grasp dataset": the
# words right after a name say it is data, unless a model noun or a training phrase comes
# first ("Med-8B, a model fine-tuned on our clinical dataset" is the model)
_DESCRIBED_AS_DATA = re.compile(
    r",? (?:a|an|the|our) (?:(?!(?:models?|llms?|lms?|networks?|trained|fine-tuned|tuned"
    r"|on|with|using|by|for|from)\b)[\w-]+,? ){0,8}?"
    r"(?:dataset|data set|corpus|benchmark|collection)\b"
)


_NEXT_NAME = re.compile(r" (?:and|or|vs\.?|versus) [A-Z]")


# r"[,;:()\[\]!?]|\.(?:\s|$)|\s[—–]\s", led by one character class so the regex engine
# skips to candidates instead of trying three branches at every character (same matches)
CLAUSE_END = re.compile(r"[,;:()\[\]!?.\s](?:(?<=\.)(?:\s|$)|(?<=\s)[—–]\s|(?<=[^.\s]))")


# The last hyphen-joined part of every data set name: a name ending otherwise is none
_DATASET_LAST_PARTS = frozenset(prefix.rsplit("-", 1)[-1] for prefix in DATASET_PREFIXES)


_ASCII_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


_WORDS = size_scan.SplitWords("-/")  # words of a context window: split on " ", "-", "/"


# The name a number is attached to: "LAION" in "LAION-5B", "HD-VILA" in "HD-VILA-100M"
_NAME_BEFORE = re.compile(r"(?<![A-Za-z0-9-])([A-Za-z][A-Za-z0-9]*(?:-[A-Za-z][A-Za-z0-9]*)*)[- ]$")


# Words that end the words a size counts: a noun after a preposition is its object ("70B
# across four benchmarks"), a clause after a verb or relative word says something else
_STOP_WORDS = frozenset(
    {"on", "with", "for", "in", "from", "trained", "using", "than", "that", "which", "to", "by"}
    | {"across", "among", "against", "via", "within", "between", "into", "under", "at"}
)
# "140B Slovene, English, Bosnian, Serbian, and Croatian pretraining tokens": a list of
# capitalised qualifiers right after a size; the size counts the noun after the list
_QUALIFIER_LISTS = 3  # how many such lists in a row are read through
_QUALIFIER_LIST = re.compile(r"(?: [A-Z][a-z]+(?:,| and| or|, and|, or)){1,8} [A-Z][a-z]+(?= )")
# "the 27B Qwen-Image-Edit", "100M Image-Text pairs": a size before a capitalised hyphenated
# name counts what follows the name, not a word inside it
_NAME_AFTER = re.compile(r" [A-Z][A-Za-z0-9.]*(?:-[A-Z0-9][A-Za-z0-9.]*)+(?=[ ,;:.)]|$)")
# "8M additional parameters compared to the baseline": a difference of two models' sizes
# (the parameters added against another model), as "8M more parameters than" is
_ADDED = frozenset({"additional", "extra"})
_ADDED_AGAINST = re.compile(
    r" (?:additional|extra) param(?:eter)?s (?:compared (?:to|with)|relative to|over"
    r"|versus|vs\.?|than|in comparison (?:to|with))\b"
)
# "FAIR-1M-2.0", "X-10M-1.5": a dotted version number glued after a count makes it a part of
# a name (of a release), not a size; a range ("1B-2.7B") has a scale after its second number
_VERSION_AFTER = re.compile(r"-[0-9]+(?:\.[0-9]+)+(?![0-9A-Za-z%])")
# "LLMs such as OPT-66B", "models like Llama-3-70B": a name given as an example of models
# (up to three names listed before it), matched on the lowered text before the name
_MODEL_EXAMPLE = re.compile(
    r"\b(?:llms|models|mllms|vlms|lms)\s?,?\s(?:such as|like|including|e\.g\.,?)"
    r"(?:\s[\w.-]+,?(?:\s(?:and|or))?){0,3}\s$"
)


_DATA_NOUNS = frozenset({"dataset", "datasets", "corpus", "corpora", "benchmark", "benchmarks"})


_LOOK_AHEAD_WORDS = 4


_LOOK_BACK_WORDS = 6


def is_counted_noun(between: str) -> bool:
    """Whether the word joining two sizes is a plural noun the first counts ("100K edits and
    72B-parameter models"), not a qualifier the sizes share ("82B English, 20B Chinese")."""
    word = between.strip().split(None, 1)[0].rstrip(",")
    return word.islower() and word.endswith("s") and not word.endswith("ss")


def is_counted(text: str, end: int) -> bool:
    """Whether a plain word stands between a number written with a scale word and the model
    word after it ("8.9 billion possible variants", "90 million imputed variants"): a
    model's size is written against its noun or name ("a 13 billion LLM", "1.5 billion
    Qwen model"), so the number counts things."""
    words = _WORDS.first(text[end : end + 40], 3)
    return (
        bool(words)
        and words[0].islower()
        and words[0] not in MODEL_WORDS
        and PARAMETER_WORDS.isdisjoint(words)  # "3 billion sparsely activated parameters"
    )


def word_before(text: str, start: int) -> str:
    before = text[max(0, start - 40) : start]
    if not before.endswith(" "):
        return ""
    words = before.split()
    return words[-1] if words else ""


def is_named(text: str, start: int) -> bool:
    """Whether a compact size sits on a model name: "OPT-125M", "(125M)", "GPT-2 124M"; an
    approximate size in brackets too ("parameters (~4.9M)", "(≈125M)")."""
    if text[max(0, start - 1) : start] in ("-", "(", "/"):
        return True
    if text[max(0, start - 2) : start] in ("(~", "(≈"):
        return True
    word = word_before(text, start)
    if not word or word.lower() in FUNCTION_WORDS:
        return False
    return word[0].isupper() or any(ch.isdigit() for ch in word)


def names_model_after(text: str, end: int) -> bool:
    """Whether a capitalised hyphenated name follows the size ending at `end` and no plural
    noun follows the name: "the 1.5M ResNet-18 and 11M ResNet-50 baselines" names a model the
    size is of, where "10M Objaverse-XL assets" counts assets."""
    name = _NAME_AFTER.match(text, end)
    if name is None:
        return False
    words = words_after(text, name.end())
    return not words or not (words[0].isalpha() and _is_plural(words[0]))


def verdict_after(text: str, end: int) -> Verdict | None:
    for _ in range(_QUALIFIER_LISTS):  # "140B Slovene, English and Croatian tokens"
        qualifiers = _QUALIFIER_LIST.match(text, end)  # (fails on its first two characters)
        if qualifiers is None:
            break
        end = qualifiers.end()  # (a bounded walk: a hostile list of thousands is no recursion)
    name = _NAME_AFTER.match(text, end)
    if name is not None:  # "the 27B Qwen-Image-Edit by 37%": the name's words are its own
        end = name.end()  # (one name: the words after it are read, not the next name)
    words = words_after(text, end)
    if words and _first_word_says_other(text, end, words):
        return "other"
    for index, word in enumerate(words):
        if word in PARAMETER_WORDS:
            return "parameters"
        if word in MODEL_WORDS:
            if words[index + 1 : index + 2] and words[index + 1] in NON_PARAMETER_WORDS:
                continue  # a modifier of what is counted: "2.8 million LLM responses"
            return "model"
        if word in NON_PARAMETER_WORDS:
            following = words[index + 1] if index + 1 < len(words) else ""
            if following in PARAMETER_WORDS or (
                following in MODEL_WORDS and following not in WEAK_MODEL_WORDS
            ):
                continue  # an adjective: "a 1.3B video model", "a 7B text encoder"
            if not _is_plural(word) and _leads_to_model_noun(words, index + 1):
                continue  # across descriptive words: "1.3B video generative models"
            return "other"
        if word in _STOP_WORDS or (not word.isalpha() and any(ch.isdigit() for ch in word)):
            return None
    return None


def _first_word_says_other(text: str, end: int, words: list[str]) -> bool:
    """Whether the first word after a size makes it no size: a change or a difference of
    sizes, or a hyphen gluing it to what it counts or to a version of a name."""
    first = words[0]
    if first in CHANGE_NOUNS:
        return True  # "a ~2B cut for Gemma 2 9B": a change of a size
    if first in DIFFERENCE_WORDS and words[1:2] and words[1] in PARAMETER_WORDS:
        return True  # "18M fewer parameters than X": a difference of two sizes
    if first in _ADDED and _ADDED_AGAINST.match(text, end):
        return True  # "8M additional parameters compared to the baseline": a difference
    if text.startswith("-", end):
        # "our 1M-budget variant", "a 5M-image set": the glued noun is counted;
        # "FAIR-1M-2.0": a version of a name the number is inside of
        return _is_glued_count(first) or _VERSION_AFTER.match(text, end) is not None
    return False


def _is_glued_count(word: str) -> bool:
    return word in NON_PARAMETER_WORDS or word in NON_PARAMETER_LEAD_WORDS


def _is_plural(word: str) -> bool:
    return word.endswith("s") and not word.endswith(("ss", "ous"))


def _leads_to_model_noun(words: list[str], start: int) -> bool:
    """Whether the words from `start` reach a parameter or model noun through descriptive
    words only ("generative models", "editing model"): then the singular data word before
    them is a modifier of that noun ("1.3B video generative models"), while a plural one
    heads its own phrase ("0.1M dollars large language models" counts dollars). A data word,
    a plural noun, a preposition or a number first means the data word was the head ("video
    clips", "text captions for models"). "only" right after the data word belongs to it: "a
    70M text-only encoder" is a size."""
    if words[start : start + 1] == ["only"]:
        start += 1  # "text-only", "image-only": the data word with "only" is one modifier
    for word in words[start:]:
        if word in PARAMETER_WORDS or (word in MODEL_WORDS and word not in WEAK_MODEL_WORDS):
            return True
        if (
            word in NON_PARAMETER_WORDS
            or word in _STOP_WORDS
            or word in FUNCTION_WORDS
            or not word.isalpha()
            or _is_plural(word)
        ):
            return False
    return False


def is_model_example(text: str, start: int) -> bool:
    """Whether the name ending at the size at `start` is given as an example of models
    ("LLMs such as OPT-66B", "models like GPT-2, Llama-3-70B"): a model, whatever the words
    after it say ("forget rare facts")."""
    name_start = text.rfind(" ", 0, start) + 1
    before = text[max(0, name_start - 80) : name_start].lower()
    if not ("such as" in before or "like" in before or "includ" in before or "e.g." in before):
        return False  # the common case: no example lead at all
    return _MODEL_EXAMPLE.search(before) is not None


def words_after(text: str, end: int) -> list[str]:
    window = text[end : end + 80]
    clause_end = CLAUSE_END.search(window)
    if clause_end is not None:
        window = window[: clause_end.start()]
    next_name = _NEXT_NAME.search(window)
    if next_name is not None:  # "FLUX.1-12B and Qwen-Image-20B": Qwen's words are not 12B's
        window = window[: next_name.start()]
    if window.isascii():  # lowering changes no word's bounds: lower the window once
        return _WORDS.first(window.lower(), _LOOK_AHEAD_WORDS)
    return [w.lower() for w in _WORDS.first(window, _LOOK_AHEAD_WORDS)]


def words_before(text: str, start: int) -> list[str]:
    window = text[max(0, start - 80) : start]
    last_end = -1
    for clause_end in CLAUSE_END.finditer(window):
        last_end = clause_end.end()
    if last_end >= 0:
        window = window[last_end:]
    if window.isascii():
        return _WORDS.last(window.lower(), _LOOK_BACK_WORDS)
    return [w.lower() for w in _WORDS.last(window, _LOOK_BACK_WORDS)]


def has_parameter_lead(text: str, start: int) -> bool:
    if not _may_hold_word(text, start, PARAMETER_WORDS):
        return False
    return not PARAMETER_WORDS.isdisjoint(words_before(text, start))


def has_non_parameter_lead(text: str, start: int) -> bool:
    if text[max(0, start - 2) : start].strip()[-1:] in ("$", "€", "£", "¥"):
        return True  # "$100K", "US$ 1B"
    if not _may_hold_word(text, start, NON_PARAMETER_LEAD_WORDS):
        return False
    if not NON_PARAMETER_LEAD_WORDS.isdisjoint(words_before(text, start)[-3:]):
        return True
    return _lead_before_parenthesis(text, start)


def _lead_before_parenthesis(text: str, start: int) -> bool:
    """Whether a size inside parentheses follows a non-parameter lead before them:
    "vocabulary size (65K for 16-bit; 16.7M for 24-bit)" gives vocabulary sizes, where
    "model size (7B for the base; 13B for the large)" gives model sizes."""
    opening = text.rfind("(", max(0, start - 80), start)
    if opening < 0 or ")" in text[opening:start]:
        return False  # not inside parentheses
    words = words_before(text, opening)
    if words[-1:] in (["size"], ["sizes"]):
        words = words[:-1]  # "vocabulary size (...)": the lead is the word before "size"
    return bool(words) and words[-1] in NON_PARAMETER_LEAD_WORDS


def _may_hold_word(text: str, start: int, words: frozenset[str]) -> bool:
    """Whether the window `words_before` reads holds one of `words` at all, as a plain
    substring (a word it finds is lowered from that window): most windows do not, and the
    substring test is much cheaper than splitting the window into words."""
    return _STEMS[words].search(text[max(0, start - 80) : start].lower()) is not None


def _stems(words: frozenset[str]) -> tuple[str, ...]:
    """The words of `words` no other of them contains: a window holds one of `words` only if
    it holds one of these ("cost" for "costs", "vocab" for "vocabulary")."""
    return tuple(w for w in sorted(words) if not any(o != w and o in w for o in words))


# one scan of the window for any of the stems (a regex of literals; no generator per stem)
_STEMS = {
    words: re.compile("|".join(map(re.escape, _stems(words))))
    for words in (PARAMETER_WORDS, NON_PARAMETER_LEAD_WORDS)
}


def is_dataset_name(text: str, start: int) -> bool:
    """Whether the number ends a data set's name: "LAION-5B", "Recap-DataComp-1B",
    "Infinity-Instruct-7M" (any hyphen-joined tail of the name may be the known part)."""
    if text[start - 1 : start] not in ("-", " "):
        return False  # no name ends right before the number
    part_start = start - 1
    while part_start > 0 and text[part_start - 1] in _ASCII_ALNUM:
        part_start -= 1
    if text[part_start : start - 1].lower() not in _DATASET_LAST_PARTS:
        return False  # the name's last part ends no known data set name
    name = _NAME_BEFORE.search(text, max(0, start - 40), start)
    if name is None:
        return False
    parts = name[1].lower().split("-")
    return any("-".join(parts[i:]) in DATASET_PREFIXES for i in range(len(parts)))


def follows_letters(text: str, digit: int) -> bool:
    """Whether the number ending at `digit` is written against a word ("LLaMA8B")."""
    while digit > 0 and (text[digit - 1].isdigit() or text[digit - 1] == "."):
        digit -= 1
    return digit > 0 and text[digit - 1].isalpha()


def is_glued_to_model_name(text: str, start: int) -> bool:
    """ "LLaMA8B", "MedAlpaca7B": a mixed-case name of three letters or more ("LM1B", "SA1B"
    and "4times70B" are not model names)."""
    name = _GLUED_NAME.search(text, max(0, start - 30), start)
    return (
        name is not None
        and any(ch.isupper() for ch in name[0])
        and any(ch.islower() for ch in name[0])
    )


def is_data_name(text: str, match: re.Match[str]) -> bool:
    """Whether a compact size ends the name of a data set or benchmark rather than a model:
    the words after it call it one ("Ditto-1M, a dataset of ..."), or it counts millions or
    trillions and is what something is trained or measured on ("on Youtube-8M", "on
    PHOENIX-14T"), where "OPT-125M and GPT-2" name models."""
    start = match.start()
    if (
        text[start - 1 : start] != "-"
        or _NAME_BEFORE.search(text, max(0, start - 40), start) is None
    ):
        return False
    if _DESCRIBED_AS_DATA.match(text, match.end()):
        return True
    if match["unit"] in ("B", "b", "Bn", "bn") or match["factor"]:
        return False
    if verdict_after(text, match.end()) in ("parameters", "model"):
        return False
    name_start = text.rfind(" ", 0, start) + 1
    before = words_before(text, name_start)
    if before[-1:] == ["the"]:
        before = before[:-1]  # "trained on the ASID-1M" is "on ASID-1M"
    if before[-1:] in (["on"], ["from"], ["in"]):
        return True
    # a name joined to a data set is one: "from the ShareGPT dataset and WildChat-1M"
    return before[-1:] in (["and"], ["or"]) and not _DATA_NOUNS.isdisjoint(before[-4:-1])
