"""Model sizes mentioned in a paper's title and abstract, as integer parameter counts.

How a number is read:

- Compact sizes ("7B", "1.5B", "125M", "1T", "Llama-2-Chat-13B", "GPT-3 (175B)") count unless
  the words after them say they count something else ("2T tokens", "3B images") or a data set
  name carries them ("LAION-5B", "SA-1B"). "K" counts only before "parameters" ("8K" is
  usually a context length).
- Worded sizes ("8.3 billion parameters", "3.8-billion-parameter", "ten billion") count when
  a parameter or model word follows, or "parameters" comes shortly before ("parameter counts
  from 1 to 10 billion"); "a billion-parameter model" is vague and does not count.
- Ranges and lists share one scale and one verdict: "0.5 to 72 billion", "7, 13, and 70
  billion parameters", "from 125M to 175B" give each end.
- MoE names multiply ("8x7B" is 56B), an activated count after a name counts too
  ("Qwen3-235B-A22B" gives 235B and 22B); "4×70 billion" (four models) is 70B.
- A part of the size before it counts what that size counts ("72 billion total parameters,
  16 billion of which are activated"); a TeX number is the number ("$0.6$B parameters").

Pure and total: any string gives a (possibly empty) list, never an exception.
"""

from __future__ import annotations

import re
from bisect import insort
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Literal, NamedTuple

import mailer.parse.size_scan as size_scan
from mailer.core.models import ModelSize
from mailer.parse.size_roles import TextCues, role_of, sentence_ends, text_cues
from mailer.parse.size_scan import scan_windows
from mailer.parse.size_words import (
    CHANGE_NOUNS,
    DATASET_PREFIXES,
    DIFFERENCE_WORDS,
    FUNCTION_WORDS,
    MODEL_WORDS,
    NON_PARAMETER_LEAD_WORDS,
    NON_PARAMETER_WORDS,
    NOT_MODEL_NAMES,
    NUMBER_WORDS,
    PARAMETER_WORDS,
    SCALE_LETTERS,
    SCALE_WORDS,
    WEAK_MODEL_WORDS,
)

MIN_PARAMS = 10**3
MAX_PARAMS = 10**16

Verdict = Literal["parameters", "model", "other"]
MentionKind = Literal["compact", "worded", "spaced", "bare"]

_NUMBER = r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?"
_NUMBER_WORDS = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_SCALE_WORDS = "|".join(sorted(SCALE_WORDS, key=len, reverse=True))
_NOT_BEFORE = r"(?<![\w.$€£¥])"

_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"')\]]+")
_LATEX_SYMBOLS = {"leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "sim": "~", "approx": "≈"}
_LATEX_RELATION = re.compile(r"\$\\(leq|le|geq|ge|sim|approx)\$\s?")
# A TeX math span holding only a number is the number: "$7B$", "$0.6$B", "$10$K" (an amount
# of money, "$7B", has no closing "$" right after it)
# ("$1.3\\text{B}$" and "$7\\mathrm{B}$" write the scale letter as text)
_LATEX_NUMBER = re.compile(r"\$([0-9][0-9.,]*)(?:\\(?:text|mathrm|rm)\{([KMBT])\}|([KMBT]))?\$")
_ROLE_RANK = {"compared": 0, "unknown": 1, "own": 2}
_VAGUE_BEFORE = re.compile(r"(?i:few|several|many|some|of) $")
# "8BrightarrowMinistral" or "8B$\\rightarrow$Ministral": an arrow between two names
_ARROW = re.compile(r"\$?\\?(?:long)?(?:right|left|Right|Left)arrow\$?")
_COMPACT = re.compile(
    rf"{_NOT_BEFORE}(?:(?<=-)(?P<activated>A)|(?P<factor>[0-9]{{1,3}})\s?[x×*]\s?)?"
    rf"(?P<number>{_NUMBER})(?P<unit>Bn|bn|[KMBTb])(?![A-Za-z0-9])"
)
_WORDED = re.compile(
    rf"{_NOT_BEFORE}(?P<number>{_NUMBER}|(?i:{_NUMBER_WORDS}))(?P<sep>[\s-]+)"
    rf"(?P<unit>(?i:{_SCALE_WORDS}))(?![A-Za-z])"
)
# A size glued to a model name: "LLaMA8B", "MedAlpaca7B" (the name is checked apart)
_GLUED = re.compile(r"(?<=[A-Za-z])(?P<number>[0-9]{1,4}(?:\.[0-9]+)?)(?P<unit>B)(?![A-Za-z0-9])")
_GLUED_NAME = re.compile(r"[A-Za-z]{3,}$")
# "Ditto-1M, a dataset of ...": the words right after a name say it is data
_DESCRIBED_AS_DATA = re.compile(
    r",? (?:a|an|the|our) (?:[\w-]+ ){0,8}?(?:dataset|data set|corpus|benchmark|collection)\b"
)
# "the 70 B model": counted only when a parameter or model word follows
_SPACED = re.compile(rf"{_NOT_BEFORE}(?P<number>{_NUMBER}) (?P<unit>[MBT])(?![\w.-])")
# A bare number sharing the scale of the size right after it: "0.5 to 72 billion", "7, 13,".
_BARE_BEFORE = re.compile(
    rf"(?<![\w.$€£¥\-–])(?P<number>{_NUMBER})"
    r"(?P<sep>\s?,\s?(?:and |or )?|\s(?:and|or|to)\s|\s?[-–/]\s?)$"
)
_JOINER = re.compile(
    r"\s?,\s?(?:and |or )?|-?\s(?:and|or|to|vs\.?|versus)\s|\s?[-–/]\s?"
    r"|\s(?:to|and|or)\s(?:over|about|around|nearly|almost|roughly|more than|up to)\s"
)
# A size, one qualifying word, then the next: "82B English, 20B Chinese and 5B code tokens"
_QUALIFIED_JOINER = re.compile(r"\s[A-Za-z]+(?:,\s?(?:and |or )?|\s(?:and|or)\s)")
_NEXT_NAME = re.compile(r" (?:and|or|vs\.?|versus) [A-Z]")
# r"[,;:()\[\]!?]|\.(?:\s|$)|\s[—–]\s", led by one character class so the regex engine
# skips to candidates instead of trying three branches at every character (same matches)
_CLAUSE_END = re.compile(r"[,;:()\[\]!?.\s](?:(?<=\.)(?:\s|$)|(?<=\s)[—–]\s|(?<=[^.\s]))")
# Cheap scans for the part every mention must contain (a digit before a scale letter, a
# scale word); the full patterns then run only a few words before each, not at every
# character of the text (issue 17: size extraction was half of parse_email).
# The compact and spaced triggers in one scan of the text (they never overlap: the character
# after the digit is a scale letter in one, a space in the other).
_DIGIT_TRIGGER = re.compile(
    r"[0-9](?:(?P<compact>(?:Bn|bn|[KMBTb])(?![A-Za-z0-9]))|(?P<spaced> [MBT](?![\w.-])))"
)
_SCALE_WORD_TRIGGER = re.compile(rf"(?:{_SCALE_WORDS})(?![a-z])")
# A bare number's last digit is at most this far before the size (its longest separator,
# " , and ", is 7 characters): no digit there, no bare number.
_BARE_REACH = 8
# How far back a window's start is looked for before giving up on narrowing it
_WALK_LIMIT = 64
_DIGIT = re.compile(r"[0-9]")
# The last hyphen-joined part of every data set name: a name ending otherwise is none
_DATASET_LAST_PARTS = frozenset(prefix.rsplit("-", 1)[-1] for prefix in DATASET_PREFIXES)
# The characters each pattern's match can hold before its trigger's digit (see scan_windows)
_NUMBER_CHARS = frozenset("0123456789.,")
_COMPACT_INSIDE = _NUMBER_CHARS | frozenset("x×*A") | size_scan.WHITESPACE_CHARS
_GLUED_INSIDE = frozenset("0123456789.")
_SPACED_INSIDE = _NUMBER_CHARS
_ASCII_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_WORDS = size_scan.SplitWords("-/")  # words of a context window: split on " ", "-", "/"
# The name a number is attached to: "LAION" in "LAION-5B", "HD-VILA" in "HD-VILA-100M"
_NAME_BEFORE = re.compile(r"(?<![A-Za-z0-9-])([A-Za-z][A-Za-z0-9]*(?:-[A-Za-z][A-Za-z0-9]*)*)[- ]$")
_STOP_WORDS = frozenset(
    {"on", "with", "for", "in", "from", "trained", "using", "than", "that", "which", "to", "by"}
)
_DATA_NOUNS = frozenset({"dataset", "datasets", "corpus", "corpora", "benchmark", "benchmarks"})
# "(110m parameters)", "a 350m-parameter encoder": elsewhere "100m" is a length or a time
# a lower-case scale letter right before the parameter word, or one budget word and it
# (matched backwards from each "param", the end of the window being that word's start)
_LOWER_SCALED = re.compile(
    r"(?<![\w.])(?P<number>[0-9]{1,4}(?:\.[0-9]+)?)(?P<unit>[mk])"
    r"[- ](?:(?:trainable|learnable|tunable) )?$"
)
_LOWER_REACH = 24  # characters before "param" a lower-case size and budget word can take
_LOWER_SCALES = {"m": 10**6, "k": 10**3}
_LOOK_AHEAD_WORDS = 4
_LOOK_BACK_WORDS = 6


class _Mention(NamedTuple):  # a tuple: several per size, built faster than a frozen dataclass
    start: int
    end: int
    params: int
    kind: MentionKind
    scale: int


def extract_sizes(text: str) -> list[ModelSize]:
    """The distinct parameter counts of models `text` mentions, smallest first, each with
    its role (the paper's own model or a compared one, see `size_roles`)."""
    flat = _flatten(text)
    mentions = [
        mention
        for group in _group_mentions(flat, _find_mentions(flat))
        for mention in _model_sizes_of(flat, group)
    ]
    found: dict[int, ModelSize] = {}
    ends = sentence_ends(flat) if mentions else []
    title_end = _title_end(text, flat) if mentions else 0
    if title_end:
        insort(ends, title_end)  # a title has no full stop before its abstract
    cached: list[TextCues] = []

    def cues() -> TextCues:  # read only for a sentence whose words they could decide
        if not cached:
            cached.append(text_cues(flat, ends))
        return cached[0]

    for mention in mentions:
        known = found.get(mention.params)
        if known is not None and known.role == "own":
            continue  # already its strongest role: no need to read the sentence again
        role, source = role_of(flat, mention.start, mention.end, ends, cues)
        if known is None or _ROLE_RANK[role] > _ROLE_RANK[known.role]:
            span = known.text if known else flat[mention.start : mention.end]
            found[mention.params] = ModelSize(mention.params, span, role=role, source=source)
    return [found[params] for params in sorted(found)]


def _title_end(text: str, flat: str) -> int:
    """Where a first line followed by a blank line (a title) ends in `flat`, when it has
    no full stop of its own; 0 otherwise."""
    title, blank, _ = text.partition("\n\n")
    title = title.rstrip()
    if not blank or not title.strip() or title[-1] in ".!?:;":
        return 0
    end = len(size_scan.one_spaced(title))  # the title's own URLs or LaTeX: no match below
    return end if flat[end : end + 1] == " " and flat.startswith(title[:20].strip()) else 0


def _flatten(text: str) -> str:
    """One line of prose: whitespace runs as one space, URLs gone (a URL is not text),
    LaTeX comparisons as symbols ("($\\leq$2B)" reads "(≤2B)"), a LaTeX number as the number
    ("$0.6$B parameters" reads "0.6B parameters")."""
    flat = size_scan.one_spaced(text)
    # each pattern runs from the first place a match can start (none has a lookbehind)
    arrow = flat.find("arrow")
    if arrow >= 0:
        start = max(0, arrow - 11)  # "$\\longright" is the longest part before "arrow"
        flat = flat[:start] + _ARROW.sub(" → ", flat[start:])
    if "times" in flat:
        flat = size_scan.unglue_times(flat)
    url = min((i for i in (flat.find("http"), flat.find("www.")) if i >= 0), default=-1)
    if url >= 0:
        flat = flat[:url] + _URL.sub(" ", flat[url:])
    if "$" in flat:
        flat = _LATEX_RELATION.sub(lambda m: _LATEX_SYMBOLS[m[1]], flat)
        flat = _LATEX_NUMBER.sub(lambda m: m[1] + (m[2] or m[3] or ""), flat)
    return flat


def _find_mentions(text: str) -> list[_Mention]:
    triggers: list[re.Match[str]] = []
    spaced_triggers: list[re.Match[str]] = []
    if _DIGIT.search(text) is not None:  # every compact or spaced size has a digit
        for trigger in _DIGIT_TRIGGER.finditer(text):  # one of the two groups matched
            (triggers if trigger.lastgroup == "compact" else spaced_triggers).append(trigger)
    mentions = [
        *_compact_mentions(text, triggers),
        *_glued_mentions(text, triggers),
        *_worded_mentions(text),
        *_spaced_mentions(text, spaced_triggers),
        *_lower_scaled(text),  # "110m parameters", "6k parameters": a lower-case letter counts
    ]
    mentions.sort(key=lambda m: m.start)
    return _with_bare_numbers(text, mentions)


def _compact_mentions(text: str, triggers: list[re.Match[str]]) -> Iterator[_Mention]:
    for match in scan_windows(_COMPACT, triggers, text, spaces=3, inside=_COMPACT_INSIDE):
        start, end = match.span()
        if _is_dataset_name(text, start) or (
            text[start - 1 : start] == "-" and _is_data_name(text, match)  # a name before it
        ):
            continue
        factor, unit, number = match.group("factor", "unit", "number")
        scale = SCALE_LETTERS[unit]
        params = _to_params(number, scale, int(factor) if factor else 1)
        if params is not None:
            yield _Mention(start, end, params, "compact", scale)


def _glued_mentions(text: str, triggers: list[re.Match[str]]) -> Iterator[_Mention]:
    glued = _glued_triggers(text, triggers)
    for match in scan_windows(_GLUED, glued, text, 1, _GLUED_INSIDE) if glued else ():
        if _is_glued_to_model_name(text, match.start()):
            params = _to_params(match["number"], 10**9)
            if params is not None:
                yield _Mention(match.start(), match.end(), params, "compact", 10**9)


def _worded_mentions(text: str) -> Iterator[_Mention]:
    for match in _worded_matches(text):
        number = match["number"].lower()
        if number in ("a", "an") and text[match.end() : match.end() + 1] == "-":
            continue  # "a billion-parameter model": vague, the "a" belongs to "model"
        if number == "hundred" and _VAGUE_BEFORE.search(
            text, max(0, match.start() - 12), match.start()
        ):
            continue  # "a few hundred million": no number
        word_scale = SCALE_WORDS.get(match["unit"].lower())
        if word_scale is None:
            continue  # "bıllion": the pattern's case folding took a non-ASCII letter for "i"
        params = _to_params(match["number"], word_scale)
        if params is not None:
            yield _Mention(match.start(), match.end(), params, "worded", word_scale)


def _spaced_mentions(text: str, triggers: list[re.Match[str]]) -> Iterator[_Mention]:
    for match in scan_windows(_SPACED, triggers, text, 3, _SPACED_INSIDE):
        scale = SCALE_LETTERS[match["unit"]]
        params = _to_params(match["number"], scale)
        if params is not None and _verdict_after(text, match.end()) in ("parameters", "model"):
            yield _Mention(match.start(), match.end(), params, "spaced", scale)


def _glued_triggers(text: str, triggers: list[re.Match[str]]) -> list[re.Match[str]]:
    """The compact triggers a glued size ("LLaMA8B") can end at: only a "B" ends one, and
    such a "B" ends a compact trigger of its own, written against a word. The others are not
    walked back (nor is a digit after a space, the usual case)."""
    return [
        t
        for t in triggers
        if text[t.end() - 1] == "B"
        and text[t.start() - 1] != " "
        and _follows_letters(text, t.start())
    ]


def _worded_matches(text: str) -> Iterator[re.Match[str]]:
    lower = text.lower()
    if len(lower) != len(text):  # a few characters grow when lowered: positions would shift
        return _WORDED.finditer(text)
    for word in SCALE_WORDS:  # most texts have no scale word at all: no trigger, no match
        if word in lower:
            break
    else:
        return iter(())
    triggers = size_scan.literal_triggers(_SCALE_WORD_TRIGGER, SCALE_WORDS, lower)
    if not text.isascii() and any(ch in text for ch in size_scan.ASCII_FOLDING_CHARS):
        # "bıllion" matches case-insensitively, but its lowered form is no trigger: no bound
        return scan_windows(_WORDED, triggers, text, spaces=6)
    return scan_windows(_WORDED, triggers, text, 6, earliest=_worded_start)


def _worded_start(text: str, unit: int, floor: int) -> int:
    """The earliest start of a worded size whose scale word starts at `unit` (in text
    without ASCII_FOLDING_CHARS, where every match ends at its trigger), or `floor` if that
    is later: before the separators ("-", spaces), the number (digits, "," and "." or one
    number word, letters only, or "half a"). Past _WALK_LIMIT characters it gives `floor`
    (a hostile run of thousands of letters is walked once per trigger otherwise)."""
    limit = max(floor, unit - _WALK_LIMIT)
    start = unit
    while start > limit and (text[start - 1] == "-" or text[start - 1].isspace()):
        start -= 1
    while start > limit and (text[start - 1].isalnum() or text[start - 1] in ".,"):
        start -= 1
    if start > max(limit, 1) and text[start - 1] == " " and text[start - 2].isalpha():  # "half a"
        start -= 1
        while start > limit and text[start - 1].isalpha():
            start -= 1
    return floor if start == limit else start


def _lower_scaled(text: str) -> Iterator[_Mention]:
    """ "(110m parameters)", "a 350m-parameter encoder", "approximately 6k trainable
    parameters": thousands and millions with a lower-case "k"/"m", only right before
    "param..." or a budget word and it (elsewhere "100m" is a length or a time, "128k" a
    context length)."""
    position = text.find("param")
    while position >= 0:  # a few per abstract: no scan of the whole text
        low = max(0, position - _LOWER_REACH)
        match = _LOWER_SCALED.search(text, low, position)
        if match is not None:
            scale = _LOWER_SCALES[match["unit"]]
            params = _to_params(match["number"], scale)
            if params is not None:
                yield _Mention(match.start(), match.end("unit"), params, "compact", scale)
        position = text.find("param", position + 5)


def _with_bare_numbers(text: str, mentions: list[_Mention]) -> list[_Mention]:
    """Add the bare numbers of ranges and lists ("7, 13, and 70 billion") before each size."""
    result: list[_Mention] = []
    for mention in mentions:
        position = mention.start
        if _DIGIT.search(text, max(0, position - _BARE_REACH), position) is None:
            result.append(mention)  # no number before it (most sizes): nothing to add
            continue
        bare: list[_Mention] = []
        while True:
            if _DIGIT.search(text, max(0, position - _BARE_REACH), position) is None:
                break  # no number can end there
            # it starts in the run of number characters that reaches the 8 characters
            # before the size: the pattern is tried from there, not at 40 positions
            first = max(0, position - _BARE_REACH)
            while first > position - 40 and first > 0 and text[first - 1] in _NUMBER_CHARS:
                first -= 1
            found = _BARE_BEFORE.search(text, max(0, position - 40, first), position)
            if found is None or not _is_plausible_bare(text, found):
                break
            params = _to_params(found["number"], mention.scale)
            if params is None:
                break
            bare.append(_Mention(found.start(), found.end(), params, "bare", mention.scale))
            position = found.start()
        result.extend(reversed(bare))
        result.append(mention)
    return result


def _is_plausible_bare(text: str, found: re.Match[str]) -> bool:
    number = found["number"].replace(",", "")
    try:
        value = Decimal(number)
    except InvalidOperation:
        return False
    if value >= 1000:
        return False  # years, counts of things
    if found["sep"].strip() in ("-", "–", "/"):
        # "Llama 2-7B" is a name; "0.5-72B" and "from 1-7B" are ranges
        before = text[: found.start()].rstrip().rsplit(" ", 1)[-1]
        return not before[:1].isupper()
    return True


def _group_mentions(text: str, mentions: list[_Mention]) -> list[list[_Mention]]:
    """Sizes joined only by separators form a range or list that shares one verdict."""
    groups: list[list[_Mention]] = []
    for mention in mentions:
        if groups:
            last = groups[-1][-1]
            between = text[last.end : mention.start]
            if mention.start >= last.end and (
                not between
                or _JOINER.fullmatch(between)
                or (
                    _QUALIFIED_JOINER.fullmatch(between)
                    and _verdict_after(text, last.end) is None
                    and not _is_counted_noun(between)
                )
            ):
                groups[-1].append(mention)
                continue
        groups.append([mention])
    return groups


def _verdict_of_antecedent(text: str, start: int, end: int) -> Verdict | None:
    """For "2.26B multilingual ones", the verdict of the size "ones" stands for: the nearest
    compact size before it in its sentence ("2.32B English image-text pairs and 2.26B
    multilingual ones" are pairs; "a 7B model and a 70B one" models). A part of the size
    before it counts what that one counts: "72 billion total parameters, 16 billion of which
    are activated", "2T tokens, 300B of which are code"."""
    after = text[end : end + 40]
    if "one" not in after and " of wh" not in after:
        return None  # the common case, found without splitting words
    words = _words_after(text, end)
    part = words[:2] == ["of", "which"]
    if not part and "ones" not in words[:3] and "one" not in words[:2]:
        return None
    low = max(0, start - 100)
    window = text[low:start]
    sentence = max(window.rfind(". "), window.rfind("; "))
    previous = None
    for trigger in _DIGIT_TRIGGER.finditer(window, sentence + 1):
        if trigger["compact"] is not None:
            previous = trigger.end()
    if part:  # the whole may be written with a scale word: "72 billion total parameters"
        for word in _SCALE_WORD_TRIGGER.finditer(window.lower(), sentence + 1):
            previous = max(previous or 0, word.end())
    return _verdict_after(text, low + previous) if previous is not None else None


def _without_data_sizes(text: str, group: list[_Mention]) -> list[_Mention]:
    """The group without the token counts of "N/D" pairs, the way scaling studies write a
    model's size and its training tokens ("the 1.7B/300B setting", "410M/20B and 7B/2T"):
    a pair of two sizes alone between slashes, the second at least twenty times the first
    (tokens per parameter), on no model name ("Qwen2.5-0.5B/72B" lists two sizes)."""
    data: set[int] = set()
    for index in range(len(group) - 1):
        first, second = group[index], group[index + 1]
        if (
            text[first.end : second.start] == "/"
            and second.params >= 20 * first.params
            and (index == 0 or text[group[index - 1].end : first.start] != "/")
            and (index + 2 == len(group) or text[second.end : group[index + 2].start] != "/")
            and not _is_named(text, first.start)
        ):
            data.add(index + 1)
    return [m for i, m in enumerate(group) if i not in data] if data else group


def _is_counted_noun(between: str) -> bool:
    """Whether the word joining two sizes is a plural noun the first counts ("100K edits and
    72B-parameter models"), not a qualifier the sizes share ("82B English, 20B Chinese")."""
    word = between.strip().split(None, 1)[0].rstrip(",")
    return word.islower() and word.endswith("s") and not word.endswith("ss")


def _model_sizes_of(text: str, group: list[_Mention]) -> list[_Mention]:
    first, last = group[0], group[-1]
    verdict = _verdict_after(text, last.end)
    borrowed = verdict is None  # then the words after it are no noun it counts
    if borrowed:
        verdict = _verdict_of_antecedent(text, first.start, last.end)
    if verdict == "parameters":
        return group
    if len(group) > 1:
        group = _without_data_sizes(text, group)
    if verdict == "other":
        return []  # (whatever the words before say)
    if _has_non_parameter_lead(text, first.start):
        return []
    # "8K", "200K" are context lengths and vocabularies unless "parameters" follows
    sizes = [m for m in group if m.scale >= 10**6]
    if verdict is not None:
        if (
            verdict == "model"
            and first.kind == "worded"
            and not borrowed
            and _is_counted(text, last.end)
        ):
            return []  # "8.9 billion possible variants": a count of things, not a size
        return sizes if verdict == "model" else []
    if any(m.kind == "worded" for m in group):
        return sizes if _has_parameter_lead(text, first.start) else []
    if _word_before(text, first.start).rstrip(".").lower() in NOT_MODEL_NAMES:
        return []  # "Raspberry Pi 4B", "Fig. 3B"
    if all(m.scale == 10**6 for m in group) and not _is_named(text, first.start):
        return []  # "23.5M generated relations": millions are sizes only beside a name
    return sizes


def _is_counted(text: str, end: int) -> bool:
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


def _word_before(text: str, start: int) -> str:
    before = text[max(0, start - 40) : start]
    if not before.endswith(" "):
        return ""
    words = before.split()
    return words[-1] if words else ""


def _is_named(text: str, start: int) -> bool:
    """Whether a compact size sits on a model name: "OPT-125M", "(125M)", "GPT-2 124M"; an
    approximate size in brackets too ("parameters (~4.9M)", "(≈125M)")."""
    if text[max(0, start - 1) : start] in ("-", "(", "/"):
        return True
    if text[max(0, start - 2) : start] in ("(~", "(≈"):
        return True
    word = _word_before(text, start)
    if not word or word.lower() in FUNCTION_WORDS:
        return False
    return word[0].isupper() or any(ch.isdigit() for ch in word)


def _verdict_after(text: str, end: int) -> Verdict | None:
    words = _words_after(text, end)
    if words and words[0] in CHANGE_NOUNS:
        return "other"  # "a ~2B cut for Gemma 2 9B": a change of a size
    if words[:1] and words[0] in DIFFERENCE_WORDS and words[1:2] and words[1] in PARAMETER_WORDS:
        return "other"  # "18M fewer parameters than X": a difference of two sizes
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
            return "other"
        if word in _STOP_WORDS or (not word.isalpha() and any(ch.isdigit() for ch in word)):
            return None
    return None


def _words_after(text: str, end: int) -> list[str]:
    window = text[end : end + 80]
    clause_end = _CLAUSE_END.search(window)
    if clause_end is not None:
        window = window[: clause_end.start()]
    next_name = _NEXT_NAME.search(window)
    if next_name is not None:  # "FLUX.1-12B and Qwen-Image-20B": Qwen's words are not 12B's
        window = window[: next_name.start()]
    if window.isascii():  # lowering changes no word's bounds: lower the window once
        return _WORDS.first(window.lower(), _LOOK_AHEAD_WORDS)
    return [w.lower() for w in _WORDS.first(window, _LOOK_AHEAD_WORDS)]


def _words_before(text: str, start: int) -> list[str]:
    window = text[max(0, start - 80) : start]
    last_end = -1
    for clause_end in _CLAUSE_END.finditer(window):
        last_end = clause_end.end()
    if last_end >= 0:
        window = window[last_end:]
    if window.isascii():
        return _WORDS.last(window.lower(), _LOOK_BACK_WORDS)
    return [w.lower() for w in _WORDS.last(window, _LOOK_BACK_WORDS)]


def _has_parameter_lead(text: str, start: int) -> bool:
    if not _may_hold_word(text, start, PARAMETER_WORDS):
        return False
    return not PARAMETER_WORDS.isdisjoint(_words_before(text, start))


def _has_non_parameter_lead(text: str, start: int) -> bool:
    if text[max(0, start - 2) : start].strip()[-1:] in ("$", "€", "£", "¥"):
        return True  # "$100K", "US$ 1B"
    if not _may_hold_word(text, start, NON_PARAMETER_LEAD_WORDS):
        return False
    return not NON_PARAMETER_LEAD_WORDS.isdisjoint(_words_before(text, start)[-3:])


def _may_hold_word(text: str, start: int, words: frozenset[str]) -> bool:
    """Whether the window `_words_before` reads holds one of `words` at all, as a plain
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


def _is_dataset_name(text: str, start: int) -> bool:
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


def _follows_letters(text: str, digit: int) -> bool:
    """Whether the number ending at `digit` is written against a word ("LLaMA8B")."""
    while digit > 0 and (text[digit - 1].isdigit() or text[digit - 1] == "."):
        digit -= 1
    return digit > 0 and text[digit - 1].isalpha()


def _is_glued_to_model_name(text: str, start: int) -> bool:
    """ "LLaMA8B", "MedAlpaca7B": a mixed-case name of three letters or more ("LM1B", "SA1B"
    and "4times70B" are not model names)."""
    name = _GLUED_NAME.search(text, max(0, start - 30), start)
    return (
        name is not None
        and any(ch.isupper() for ch in name[0])
        and any(ch.islower() for ch in name[0])
    )


def _is_data_name(text: str, match: re.Match[str]) -> bool:
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
    if _verdict_after(text, match.end()) in ("parameters", "model"):
        return False
    name_start = text.rfind(" ", 0, start) + 1
    before = _words_before(text, name_start)
    if before[-1:] in (["on"], ["from"], ["in"]):
        return True
    # a name joined to a data set is one: "from the ShareGPT dataset and WildChat-1M"
    return before[-1:] in (["and"], ["or"]) and not _DATA_NOUNS.isdisjoint(before[-4:-1])


def _to_params(number: str, scale: int, factor: int = 1) -> int | None:
    if len(number) <= 18 and number.isdigit() and number.isascii():  # exact as an int
        # (a longer run of digits goes the Decimal way: int() refuses over 4,300 digits)
        params = int(number) * scale * factor
        return params if MIN_PARAMS <= params <= MAX_PARAMS else None
    word = NUMBER_WORDS.get(number.lower())
    try:
        value = word if word is not None else Decimal(number.replace(",", ""))
    except InvalidOperation:
        return None
    params = int(value * scale * factor)
    return params if MIN_PARAMS <= params <= MAX_PARAMS else None
