"""How a text is read for size roles: where its sentences end, the words of each sentence
(split once, with where they start, and sliced for every size in it), and what the whole
text says about names (the ones it gives as others' examples, the ones the paper
introduces, where it counts the models it studies). Used by `size_roles` and
`size_role_cues`.

Pure: text in, words and names out.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from functools import cached_property
from itertools import accumulate, pairwise

import mailer.parse.size_scan as size_scan
from mailer.parse.size_role_data_words import (
    DATA_NOUNS,
    DATA_VERB_STEMS,
    DATA_VERBS,
    JUDGE_PARTICIPLES,
    SOURCE_PARTICIPLES,
)
from mailer.parse.size_role_scope import FUTURE_WORDS
from mailer.parse.size_role_words import (
    ATTAIN_VERBS,
    BACKGROUND_ADJECTIVES,
    COMPARE_AFTER,
    COMPARE_BEFORE,
    COMPARE_OVER_LEADS,
    COMPARE_TO_LEADS,
    COST_WORDS,
    DISTILL_WORDS,
    EXAMPLE_NOUNS,
    FIELD_WORDS,
    HYPOTHETICAL_WORDS,
    LIST_JOINERS,
    MARGIN_UNITS,
    OWN_BEFORE,
    QUALITY_NOUNS,
    WEAK_COMPARE_BEFORE,
)

# "We propose LoLA", "we introduce Dense Low-Rank Adaptation (DenseLoRA)": the paper's names
_INTRODUCED = re.compile(  # a character class first: the scan skips ahead quickly
    r"[WwTtOo](?:e|his (?:paper|work)|ur (?:work|paper))"
    r" (?:\w+ ){0,3}?(?:propose|introduce|present|develop|build|release|call|name|term|dub)"
    r"[sd]?\b"
)
# A count of the models a paper studies: "12 LLMs", "eleven different open source LLMs"
_AUTHORS = re.compile(r"\b(?:[Ww]e|[Oo]ur|[Uu]s)\b")
_COUNTED_MODELS = re.compile(
    r"\b(?:[1-9][0-9]?|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"thirteen|fourteen|fifteen|twenty|thirty) (?:[\w-]+ ){0,4}?"
    r"(?:LLMs|models|language models|VLMs|MLLMs|LMs)\b"
)
# The name right after the verb ("We propose LoLA, ..."; not a title of several capitalised
# words, whose bracketed acronym is the name) and coined acronyms in brackets
_FIRST_NAME = re.compile(
    r" (?:(?:a|an|the|new|novel) )?([A-Z][A-Za-z]*(?:-[A-Z][A-Za-z]*)*)(?![\w-]| [A-Z])"
)
# A title opening with the paper's name: "RPO-RAG: Aligning ...", "MMFineReason: Closing ..."
# (two capitals, no digit; at the text's very start)
_TITLE_NAME = re.compile(r"\s*([A-Z][A-Za-z-]*[A-Z][A-Za-z-]*):\s")
_BRACKETED_NAME = re.compile(r"\(([A-Z][\w-]*[A-Z][\w-]*)\)")
# "like", "such as" as whole words: a character class first (the scan skips ahead quickly),
# the word start checked by `is_word_start`
EXAMPLE_CUE = re.compile(r"[LlSs](?:(?<=[Ll])ike|(?<=[Ss])uch as)\b")
# Words keep their hyphens here: "GPT-like" is a name, not the word "like".
WORD = size_scan.SplitWords("/")  # r"\w(?:[^\s/]*\w)?", found faster
_WORD_PATTERN = re.compile(r"\w(?:[^\s/]*\w)?")  # the same words, with where they are
_SENTENCE_END = re.compile(r"[.!?:;](?:(?<=[.!?])(?=\s+[A-Z(\"'])|(?<=[:;])(?=\s))")
# Every word through which a size can come out compared or unknown (see `role_of`'s
# `read`), alone; a sentence without any is read only for what lies outside its whole words
# and for the cues that need two words (`SentenceWords.is_cue_free`), a threshold only
# right before the size ("models under 10B")
DECIDING_WORDS = (
    COMPARE_BEFORE
    | WEAK_COMPARE_BEFORE
    | COMPARE_AFTER
    | FIELD_WORDS
    | DISTILL_WORDS
    | HYPOTHETICAL_WORDS
    | SOURCE_PARTICIPLES
    | JUDGE_PARTICIPLES
    | DATA_VERBS  # "use X to generate": "use" alone decides nothing
    | BACKGROUND_ADJECTIVES
    | COMPARE_TO_LEADS
    | COST_WORDS
    | EXAMPLE_NOUNS
    | FUTURE_WORDS
    | {"lead", "such"}
)


def has_digit(word: str) -> bool:
    """Whether any character of `word` is a digit (str.isdigit: "²" too)."""
    return not word.isalpha() and any(ch.isdigit() for ch in word)


def sentence_ends(text: str) -> list[int]:
    """Where the sentences (and clauses after ":" or ";") of `text` end, for `role_of`."""
    return [found.start() for found in _SENTENCE_END.finditer(text)]


def sentence_bounds(text: str, start: int, end: int, ends: Sequence[int]) -> tuple[int, int]:
    before = bisect_left(ends, start)  # ends[before - 1] is the last end before the size
    sentence_start = ends[before - 1] + 1 if before else 0
    after = bisect_left(ends, end)
    return sentence_start, ends[after] if after < len(ends) else len(text)


def has_pair(words: Sequence[str], firsts: frozenset[str], second: str) -> bool:
    """Whether `second` follows one of `firsts` somewhere in `words`."""
    return second in words and any(w == second and p in firsts for p, w in pairwise(words))


def is_margin(word: str) -> bool:
    """ "by 5% over X", "3 points over X": a margin, so "over" compares."""
    return word[:1].isdigit() or word in MARGIN_UNITS


def _found_positions(text: str, chunks: Sequence[str], start: int) -> Iterator[int]:
    """Where each of the whitespace-separated `chunks` of text[start:] starts."""
    position = start
    for chunk in chunks:
        position = text.find(chunk, position)  # chunks are in order and whole
        yield position
        position += len(chunk)


class SentenceWords:
    """The words of one sentence, split once and shared by every size in it (and by the
    text's cues): as written and where each starts, so the words before and after a size
    are slices, not new splits."""

    __slots__ = ("_cue_free", "_vocabulary", "lower", "raw", "starts")

    def __init__(self, text: str, start: int, end: int) -> None:
        # `WORD.findall(text, start, end)` (a word is the part of a whitespace- and
        # "/"-separated chunk from its first to its last word character), with positions
        raw: list[str] = []
        starts: list[int] = []
        segment = text[start:end]
        if segment.isprintable():  # no whitespace but " " (a flattened text): count, not find
            chunks = segment.replace("/", " ").split(" ")
            positions: Iterator[int] = accumulate(
                (len(chunk) + 1 for chunk in chunks), initial=start
            )
        else:
            chunks = segment.replace("/", " ").split()
            positions = _found_positions(text, chunks, start)
        for chunk, position in zip(chunks, positions, strict=False):  # one position more
            if chunk.isalnum():
                raw.append(chunk)
                starts.append(position)
            elif chunk:
                found = _WORD_PATTERN.search(chunk)
                if found is not None:
                    raw.append(found[0])
                    starts.append(position + found.start())
        self.raw = raw
        self.starts = starts
        self.lower = [word.lower() for word in raw]
        self._cue_free: bool | None = None
        self._vocabulary: frozenset[str] | None = None

    def vocabulary(self) -> frozenset[str]:
        """The sentence's lowered words as a set (made once): whether a word is in it."""
        if self._vocabulary is None:
            self._vocabulary = frozenset(self.lower)
        return self._vocabulary

    def is_cue_free(self) -> bool:
        """Whether no word of the sentence could make a size in it anything but own: no
        comparison, threshold, role noun, background, data or hypothetical word (then only
        the parts of words a size is glued to, a "≤" sign, a list after a colon and the
        names the text gave as others' examples are left to check)."""
        if self._cue_free is None:
            lower = self.lower
            self._cue_free = (
                DECIDING_WORDS.isdisjoint(lower)
                and not (  # "generate synthetic dialogues with X-70B"
                    any(w.startswith(DATA_VERB_STEMS) for w in lower)
                    and any(w in DATA_NOUNS or w == "synthetic" for w in lower)
                )
                and not (  # "reaches the performance of 70B models"
                    not ATTAIN_VERBS.isdisjoint(lower) and has_pair(lower, QUALITY_NOUNS, "of")
                )
                and not (  # "as accurate as a 70B model"
                    "as" in lower
                    and any(w == "as" and lower[i] == "as" for i, w in enumerate(lower[2:]))
                )
                and not (  # "gains over X", "preferred our model over X", "by 5% over X"
                    "over" in lower
                    and (
                        not COMPARE_OVER_LEADS.isdisjoint(lower)
                        or any(w == "over" and is_margin(p) for p, w in pairwise(lower))
                    )
                )
            )
        return self._cue_free

    def before(self, text: str, low: int, start: int) -> tuple[int, int, str]:
        """The words in text[low:start] as (first, stop, cut): self.raw[first:stop], then
        `cut`, the part before `start` of a word the size starts inside ("Qwen3.5" of
        "Qwen3.5-27B"), or ""."""
        first = bisect_left(self.starts, low) if low > 0 else 0
        stop = bisect_left(self.starts, start)
        cut = ""
        if stop and self.starts[stop - 1] + len(self.raw[stop - 1]) > start:
            stop -= 1
            piece = _WORD_PATTERN.search(text, self.starts[stop], start)
            cut = piece[0] if piece else ""
        return first, stop, cut

    def after(self, text: str, end: int, high: int) -> list[str]:
        """The words in text[end:high] as written, beginning with the part after `end` of a
        word the size ends inside ("Instruct" of "Qwen2.5-7B-Instruct")."""
        first = bisect_left(self.starts, end)
        stop = bisect_left(self.starts, high)
        words = self.raw[first:stop]
        if stop and stop > first and self.starts[stop - 1] + len(self.raw[stop - 1]) > high:
            piece = _WORD_PATTERN.search(text, self.starts[stop - 1], high)
            words[-1] = piece[0] if piece else words[-1]
        if first and self.starts[first - 1] + len(self.raw[first - 1]) > end:
            piece = _WORD_PATTERN.search(
                text, end, self.starts[first - 1] + len(self.raw[first - 1])
            )
            if piece:
                words.insert(0, piece[0])
        return words


class TextCues:
    """What a whole text says about names, each read once and only when first asked: the
    names it gives as others' examples (`references`), the names the paper introduces as
    its own (`own_names`), and where it has counted the models it studies (`study_start`,
    -1 when it does not); and the words of each sentence a size is in (`sentence`)."""

    def __init__(self, text: str, ends: Sequence[int]) -> None:
        self._text = text
        self._ends = ends
        self._sentences: dict[int, SentenceWords] = {}

    def sentence(self, start: int, end: int) -> SentenceWords:
        """The words of the sentence text[start:end], split at its first size only."""
        words = self._sentences.get(start)
        if words is None:
            words = self._sentences[start] = SentenceWords(self._text, start, end)
        return words

    @cached_property
    def references(self) -> frozenset[str]:
        return reference_names(self._text, self._ends, self.sentence)

    @cached_property
    def own_names(self) -> frozenset[str]:
        return introduced_names(self._text, self._ends)

    @cached_property
    def authors_start(self) -> int:
        """Where the authors first speak ("we", "our"), -1 when they never do."""
        found = _AUTHORS.search(self._text)
        return found.start() if found is not None else -1

    @cached_property
    def study_start(self) -> int:
        counted = _COUNTED_MODELS.search(self._text)
        if counted is None:
            return -1
        return sentence_bounds(self._text, counted.start(), counted.end(), self._ends)[1]


def text_cues(text: str, ends: Sequence[int]) -> TextCues:
    """The `TextCues` of a flattened text with its `sentence_ends`."""
    return TextCues(text, ends)


def introduced_names(text: str, ends: Sequence[int]) -> frozenset[str]:
    """The names the paper introduces as its own: the first capitalised name after "we
    propose/introduce/present ..." and any coined acronym in brackets in that sentence
    ("We propose LoLA", "we introduce Dense Low-Rank Adaptation (DenseLoRA)"), and the name
    a title opens with before its colon ("RPO-RAG: Aligning Small LLMs ..."). Names with
    digits are left out: those are model names the sizes sit on."""
    names: set[str] = set()
    titled = _TITLE_NAME.match(text)
    if titled is not None:
        names.add(titled[1].lower())  # "RPO-RAG: Aligning Small LLMs ..."
    for found in _INTRODUCED.finditer(text):
        if text[found.start() - 1 : found.start()].isalpha():
            continue  # "Owe ...", "Tour ...": not the subject
        first = _FIRST_NAME.match(text, found.end())
        if first is not None and len(first[1]) > 2:
            names.add(first[1].lower())
        _, sentence_end = sentence_bounds(text, found.start(), found.end(), ends)
        names.update(
            m[1].lower() for m in _BRACKETED_NAME.finditer(text, found.end(), sentence_end)
        )
    return frozenset(names)


def reference_names(
    text: str,
    ends: Sequence[int],
    sentence: Callable[[int, int], SentenceWords] | None = None,
) -> frozenset[str]:
    """The model names a text gives as others' examples ("works such as T5 and GPT-3",
    "LLMs like PaLM") in sentences where the authors do not speak: a size later written on
    one of them, in a sentence without the authors, is a reference point too. `sentence`
    gives a sentence's words already split (`TextCues.sentence`)."""
    names: set[str] = set()
    read: set[int] = set()  # each sentence once, however many cues it has
    for cue in EXAMPLE_CUE.finditer(text):
        if not is_word_start(text, cue.start()):
            continue  # "Unlike", "Dislike"
        sentence_start, end = sentence_bounds(text, cue.start(), cue.end(), ends)
        if sentence_start in read:
            continue
        read.add(sentence_start)
        if sentence is not None:
            words, lowered = sentence(sentence_start, end).raw, sentence(sentence_start, end).lower
        else:
            words = WORD.findall(text, sentence_start, end)
            lowered = [w.lower() for w in words]
        if not OWN_BEFORE.isdisjoint(lowered):
            continue
        for index in _indexes(lowered, "like") + _indexes(lowered, "as"):
            if lowered[index] == "as" and (not index or lowered[index - 1] != "such"):
                continue
            for name in words[index + 1 : index + 7]:
                if name.lower() in LIST_JOINERS:
                    continue
                if not (name[:1].isupper() and has_digit(name)):
                    break
                names.add(name.lower())
    return frozenset(names)


def is_word_start(text: str, index: int) -> bool:
    """Whether no word character (`\\w`: alphanumeric or "_") comes right before index."""
    previous = text[index - 1 : index]
    return not (previous.isalnum() or previous == "_")


def _indexes(words: list[str], word: str) -> list[int]:
    """Where `word` is in `words` (found by list.index, not a loop over every word)."""
    found: list[int] = []
    if word in words:
        index = words.index(word)
        while True:
            found.append(index)
            try:
                index = words.index(word, index + 1)
            except ValueError:
                return found
    return found


_OPENING = "([{\"'“"
_CLOSING = ")]}\"'”,;:.!?"


def _trim(token: str) -> str:
    return token.lstrip(_OPENING).rstrip(_CLOSING)


def source_name(text: str, start: int, end: int) -> str:
    """The written name the size belongs to: "Llama-2-70B", "GPT-3 175B", or the size."""
    token_start = text.rfind(" ", 0, start) + 1
    token_end = text.find(" ", end)
    token = _trim(text[token_start : token_end if token_end >= 0 else len(text)])
    if token and token != text[start:end].strip():
        return token
    previous = _trim(text[max(0, token_start - 80) : token_start].rstrip().rsplit(" ", 1)[-1])
    if previous[:1].isupper() and has_digit(previous):
        return f"{previous} {token}"  # "GPT-3 175B"
    return token
