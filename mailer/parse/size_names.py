"""What a name carrying a number is, read beyond the words right around it: a data set or
benchmark, a release whose number is its version, or a model.

Rules of `size_mentions` and `sizes` kept apart from `size_context` (the words around one
number):

- a data set's name glued to its count is the data set's, hyphen or not ("DataComp1B");
- a name keeps its meaning through a text: once "ASID-1M, an open-source collection" is
  called data, "trained on the ASID-1M" names that data set too; a "+" after a name's count
  ("A2Z-10M+") says "at least", which a data set's size says and a model's does not;
- names listed after "on", "from" or "in" with a count in thousands among them
  ("experiments on Atari 100K, Craftax 1M, and DeepMind Control 500K") are what is trained
  or measured on, as "on Youtube-8M" is;
- a dotted number (of millions or trillions) the name also carries bare elsewhere in the
  text is its version: "GigaBrain-0.5M*" beside "GigaBrain-0.5";
- a size in brackets right after a plural noun of things counts that noun: "tokens (73.1B)";
- a bare whole number of millions before a plural model noun counts models: "for 1 million
  ABC CAD models".
"""

from __future__ import annotations

import re

from mailer.parse.size_context import verdict_after, words_after, words_before
from mailer.parse.size_words import (
    DATASET_PREFIXES,
    MODEL_WORDS,
    NON_PARAMETER_WORDS,
    PARAMETER_WORDS,
)

# The name a glued number ends: "DataComp" in "DataComp1B", "Recap-DataComp" in
# "Recap-DataComp1B"
_GLUED_NAME_BEFORE = re.compile(
    r"(?<![A-Za-z0-9-])([A-Za-z][A-Za-z0-9]*(?:-[A-Za-z][A-Za-z0-9]*)*)$"
)
# One item of a list of names, maybe with its count: "Atari 100K", "DeepMind Control 500K"
_LIST_ITEM = re.compile(r"(?:the )?[A-Z][\w.-]*(?: [A-Z][\w.-]*){0,3}(?: [0-9][0-9.]*[KMBT])?$")
# The items listed after a count: ", and DeepMind Control 500K, DMC-GB2 500K"
_FOLLOWING_ITEMS = re.compile(
    r"(?:,? (?:and |or )?(?:the )?[A-Z][\w.-]*(?: [A-Z][\w.-]*){0,3} [0-9][0-9.]*[KMBT]\b){1,6}"
)
_LIST_SEPARATORS = (", and ", ", or ", ", ", " and ", " or ")
_DATA_LEADS = (" on ", " from ", " in ", " on the ", " from the ", " in the ")
_LIST_ITEMS = 6  # the most names walked back to the list's lead
# A name carried with a dotted number and no scale letter after it: "GigaBrain-0.5," (not
# "GigaBrain-0.5M", "X-1.5-7B" or "X-1.5.2")
_BARE_VERSION = re.compile(
    r"(?<![A-Za-z0-9-])[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z][A-Za-z0-9]*)*-[0-9]+\.[0-9]+"
    r"(?![0-9A-Za-z-]|\.[0-9])"
)
_BILLIONS = frozenset({"B", "b", "Bn", "bn"})


def is_glued_dataset_name(text: str, start: int) -> bool:
    """Whether the number at `start`, glued to the word before it, ends a data set's name:
    "DataComp1B" is "DataComp-1B" (a model's name glued to its size, "LLaMA8B", is none)."""
    name = _GLUED_NAME_BEFORE.search(text, max(0, start - 40), start)
    if name is None:
        return False
    parts = name[1].lower().split("-")
    return any("-".join(parts[i:]) in DATASET_PREFIXES for i in range(len(parts)))


def name_key(text: str, start: int, end: int) -> str:
    """The name a compact size at `start`..`end` ends, as the text writes it ("ASID-1M"):
    the same key wherever the text repeats the name."""
    name_start = text.rfind(" ", 0, start) + 1
    return text[name_start:end].lstrip("([{\"'")


def is_at_least_count(text: str, match: re.Match[str]) -> bool:
    """Whether a name's count is followed by "+" ("A2Z-10M+"): at least that many items."""
    return text[match.start() - 1 : match.start()] == "-" and text.startswith("+", match.end())


def is_listed_data_name(text: str, match: re.Match[str]) -> bool:
    """Whether a count after a name and a space ("Craftax 1M") is one of the names listed
    after "on", "from" or "in" with a count in thousands among them ("experiments on Atari
    100K, Craftax 1M, and DeepMind Control 500K"): thousands after a name are a budget of
    steps or samples, never a model's size, and a list's counts count one kind of thing.
    "Results on GPT-2 124M, GPT-2 355M" (no thousands) and billions ("on Llama 7B, Mistral
    7B") stay sizes, as does a count the words after it call a model's."""
    start = match.start()
    if text[start - 1 : start] != " " or match["unit"] in _BILLIONS or match["factor"]:
        return False
    name_start = text.rfind(" ", 0, start - 1) + 1
    if not text[name_start : name_start + 1].isupper():
        return False  # "a 1M", "the 10M": no name before it (most sizes)
    following = _FOLLOWING_ITEMS.match(text, match.end())
    has_thousands = following is not None and "K" in following[0]
    window = text[max(0, start - 120) : start - 1]
    for _ in range(_LIST_ITEMS):
        item = _LIST_ITEM.search(window)
        if item is None:
            return False
        has_thousands = has_thousands or item[0].endswith("K")
        window = window[: item.start()]
        if (" " + window.lower()).endswith(_DATA_LEADS):
            return has_thousands and verdict_after(text, match.end()) not in (
                "parameters",
                "model",
            )
        separator = next((s for s in _LIST_SEPARATORS if window.endswith(s)), None)
        if separator is None:
            return False
        window = window[: -len(separator)]
    return False


def bare_versions(text: str) -> frozenset[str]:
    """Every name the text writes with a dotted number and no scale letter ("GigaBrain-0.5",
    "Nova-1.5,"), found once per text (only one that has a dotted count on a name)."""
    return frozenset(match[0] for match in _BARE_VERSION.finditer(text))


def is_version_number(text: str, match: re.Match[str], versions: frozenset[str]) -> bool:
    """Whether the name the count at `match` ends carries its dotted number bare elsewhere
    in the text (`versions`, from `bare_versions`): "GigaBrain-0.5M*" beside "GigaBrain-0.5"
    is a release of GigaBrain 0.5, not a size (only a name joined to its number by a
    hyphen). A whole number is no version here: "Gemma-2B" beside "Gemma-2" and
    "Gemma-2-9B" is a size; nor is a count of billions, the usual size ("X-1.5B" beside
    "X-1.5 Pro")."""
    start = match.start()
    if text[start - 1 : start] != "-" or "." not in match["number"] or match["unit"] in _BILLIONS:
        return False  # (billions are sizes: "X-1.5B" beside "X-1.5 Pro")
    name = _GLUED_NAME_BEFORE.search(text, max(0, start - 40), start - 1)
    return name is not None and f"{name[1]}-{match['number']}" in versions


def counts_noun_before_bracket(text: str, start: int) -> bool:
    """Whether the size at `start` opens a bracket right after a plural noun of things:
    "mid-training tokens (73.1B)", "samples (~2M)" count tokens and samples, where
    "GPT-3 (175B)" and "models (7B)" give sizes."""
    if text[start - 1 : start] == "(":
        opening = start - 1
    elif text[start - 2 : start] in ("(~", "(≈"):
        opening = start - 2
    else:
        return False
    words = words_before(text, opening)
    if not words:
        return False
    word = words[-1]
    return word in NON_PARAMETER_WORDS and word.endswith("s") and not word.endswith("ss")


# Words before a worded size that make it one model's (or a list's) size, not a count
_SIZE_LEADS = frozenset({"the", "our", "their", "its", "these", "those", "both", "each", "to"})
_PLURAL_MODEL_NOUNS = frozenset({"models", "llms", "networks"})
_MILLION = 10**6


def is_count_of_models(text: str, start: int, end: int, params: int, scale: int) -> bool:
    """Whether a whole number of millions written with the scale word counts models, not
    parameters: "for 1 million ABC CAD models", "2 million models were uploaded". Nobody
    counts models in billions, nor in fractions ("1.3 billion models" are sizes), and a
    model's size in words comes before "parameter(s)", one model's noun or name ("a 13
    billion LLM", "1.5 billion Qwen model"), after a determiner ("our 7 million models") or
    "to" ("scale up to 10 million models"): a plural model noun after a bare number of
    millions is a count of them."""
    if scale != _MILLION or params % _MILLION:
        return False
    words = words_after(text, end)
    head = next((w for w in words if w in MODEL_WORDS or w in PARAMETER_WORDS), None)
    if head not in _PLURAL_MODEL_NOUNS:
        return False
    before = words_before(text, start)
    return not before or before[-1] not in _SIZE_LEADS
