"""The numbers in a text that may be model sizes, each with its place, its value and how it
is written: compact ("7B", "8x7B", "Qwen3-235B-A22B"), glued to a name ("LLaMA8B"), worded
("8.3 billion", "3.8-billion-parameter"), spaced ("70 B"), lower-case before "parameters"
("110m parameters") and the bare numbers of ranges and lists sharing the next one's scale
("0.5 to 72 billion", "7, 13, and 70 billion").

Which of them are sizes is decided by `sizes` from the words around them (`size_context`);
here only a number ending a data set's name ("LAION-5B") is left out, as it is found.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Literal, NamedTuple

import mailer.parse.size_names as size_names
import mailer.parse.size_scan as size_scan
from mailer.parse.size_context import (
    follows_letters,
    is_data_name,
    is_dataset_name,
    is_glued_to_model_name,
    verdict_after,
)
from mailer.parse.size_scan import scan_windows
from mailer.parse.size_words import NUMBER_WORDS, SCALE_LETTERS, SCALE_WORDS

MIN_PARAMS = 10**3
MAX_PARAMS = 10**16

MentionKind = Literal["compact", "worded", "spaced", "bare", "plain"]

_NUMBER = r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?"
_NUMBER_WORDS = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_SCALE_WORDS = "|".join(sorted(SCALE_WORDS, key=len, reverse=True))
_NOT_BEFORE = r"(?<![\w.$€£¥])"

_VAGUE_BEFORE = re.compile(r"(?i:few|several|many|some|of) $")
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
# "the 70 B model": counted only when a parameter or model word follows
_SPACED = re.compile(rf"{_NOT_BEFORE}(?P<number>{_NUMBER}) (?P<unit>[MBT])(?![\w.-])")
# A bare number sharing the scale of the size right after it: "0.5 to 72 billion", "7, 13,",
# "4--12B" (a TeX en dash written as two hyphens)
_BARE_BEFORE = re.compile(
    rf"(?<![\w.$€£¥\-–])(?P<number>{_NUMBER})"
    r"(?P<sep>\s?,\s?(?:and |or )?|\s(?:and|or|to)\s|\s?(?:--|[-–/])\s?)$"
)
# Cheap scans for the part every mention must contain (a digit before a scale letter, a
# scale word); the full patterns then run only a few words before each, not at every
# character of the text (issue 17: size extraction was half of parse_email).
# The compact and spaced triggers in one scan of the text (they never overlap: the character
# after the digit is a scale letter in one, a space in the other).
DIGIT_TRIGGER = re.compile(
    r"[0-9](?:(?P<compact>(?:Bn|bn|[KMBTb])(?![A-Za-z0-9]))|(?P<spaced> [MBT](?![\w.-])))"
)
SCALE_WORD_TRIGGER = re.compile(rf"(?:{_SCALE_WORDS})(?![a-z])")
# A bare number's last digit is at most this far before the size (its longest separator,
# " , and ", is 7 characters): no digit there, no bare number.
_BARE_REACH = 8
# How far back a window's start is looked for before giving up on narrowing it
_WALK_LIMIT = 64
_DIGIT = re.compile(r"[0-9]")
# The characters each pattern's match can hold before its trigger's digit (see scan_windows)
_NUMBER_CHARS = frozenset("0123456789.,")
_COMPACT_INSIDE = _NUMBER_CHARS | frozenset("x×*A") | size_scan.WHITESPACE_CHARS
_GLUED_INSIDE = frozenset("0123456789.")
_SPACED_INSIDE = _NUMBER_CHARS
# "(110m parameters)", "a 350m-parameter encoder": elsewhere "100m" is a length or a time
# a lower-case scale letter right before the parameter word, or one budget word and it
# (matched backwards from each "param", the end of the window being that word's start)
_LOWER_SCALED = re.compile(
    r"(?<![\w.])(?P<number>[0-9]{1,4}(?:\.[0-9]+)?)(?P<unit>[mk])"
    r"[- ](?:(?:trainable|learnable|tunable) )?$"
)
_LOWER_REACH = 24  # characters before "param" a lower-case size and budget word can take
# "only 552 learnable parameters", "approximately 32,000 parameters": a plain number of two
# digits or more right before "parameters" (one digit is the form of a function: "a curve
# with 3 parameters")
# (or a range of them: "only 120--360 parameters" gives each end)
_PLAIN_COUNT = re.compile(
    r"(?<![\w.,$%/^-])(?:(?P<low>[0-9]{1,3}(?:,[0-9]{3})+|[1-9][0-9]*)(?:--|[-–]| to ))?"
    r"(?P<number>[0-9]{1,3}(?:,[0-9]{3})+|[1-9][0-9]+) "
    r"(?:(?:trainable|learnable|learned|tunable|trained|free|total) )?$"
)
# "about 10^5 parameters", "$1.2 \\times 10^{6}$ trainable parameters": a power of ten (with
# its factor) right before "parameters" is a plain count too
_POWER_COUNT = re.compile(
    r"(?<![\w.^])\$?(?:(?P<factor>[0-9]{1,3}(?:\.[0-9]+)?) ?(?:\\times|×|x) ?)?"
    r"10 ?\^ ?\{?(?P<exponent>[0-9]{1,2})\}?\$? "
    r"(?:(?:trainable|learnable|learned|tunable|trained|free|total) )?$"
)
_POWER_REACH = 40  # characters before "param" a power of ten, its factor and a word can take
_PARAMETERS = re.compile(r"param(?:eter)?s\b")
_LOWER_SCALES = {"m": 10**6, "k": 10**3}


class Mention(NamedTuple):  # a tuple: several per size, built faster than a frozen dataclass
    start: int
    end: int
    params: int
    kind: MentionKind
    scale: int


def find_mentions(text: str) -> list[Mention]:
    triggers: list[re.Match[str]] = []
    spaced_triggers: list[re.Match[str]] = []
    if _DIGIT.search(text) is not None:  # every compact or spaced size has a digit
        for trigger in DIGIT_TRIGGER.finditer(text):  # one of the two groups matched
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


def _compact_mentions(text: str, triggers: list[re.Match[str]]) -> Iterator[Mention]:
    matches = list(scan_windows(_COMPACT, triggers, text, spaces=3, inside=_COMPACT_INSIDE))
    data_names: set[str] = set()  # a name called data once is data everywhere in the text
    versions: frozenset[str] | None = None  # the names written with a version, when needed
    kept = []
    for match in matches:
        start, end = match.span()
        if is_dataset_name(text, start):
            continue
        joiner = text[start - 1 : start]
        if joiner == "-":  # a name before it
            if is_data_name(text, match) or size_names.is_at_least_count(text, match):
                data_names.add(size_names.name_key(text, start, end))
                continue
            if "." in match["number"]:  # "GigaBrain-0.5M*" beside "GigaBrain-0.5"
                if versions is None:
                    versions = size_names.bare_versions(text)
                if size_names.is_version_number(text, match, versions):
                    continue
        elif joiner == " " and size_names.is_listed_data_name(text, match):
            continue  # "experiments on Atari 100K, Craftax 1M"
        kept.append(match)
    for match in kept:
        start, end = match.span()
        if data_names and size_names.name_key(text, start, end) in data_names:
            continue
        factor, unit, number = match.group("factor", "unit", "number")
        scale = SCALE_LETTERS[unit]
        params = _to_params(number, scale, int(factor) if factor else 1)
        if params is not None:
            yield Mention(start, end, params, "compact", scale)


def _glued_mentions(text: str, triggers: list[re.Match[str]]) -> Iterator[Mention]:
    glued = _glued_triggers(text, triggers)
    for match in scan_windows(_GLUED, glued, text, 1, _GLUED_INSIDE) if glued else ():
        if is_glued_to_model_name(text, match.start()) and not (
            size_names.is_glued_dataset_name(text, match.start())  # "DataComp1B"
        ):
            params = _to_params(match["number"], 10**9)
            if params is not None:
                yield Mention(match.start(), match.end(), params, "compact", 10**9)


def _worded_mentions(text: str) -> Iterator[Mention]:
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
            yield Mention(match.start(), match.end(), params, "worded", word_scale)


def _spaced_mentions(text: str, triggers: list[re.Match[str]]) -> Iterator[Mention]:
    for match in scan_windows(_SPACED, triggers, text, 3, _SPACED_INSIDE):
        scale = SCALE_LETTERS[match["unit"]]
        params = _to_params(match["number"], scale)
        if params is not None and verdict_after(text, match.end()) in ("parameters", "model"):
            yield Mention(match.start(), match.end(), params, "spaced", scale)


def _glued_triggers(text: str, triggers: list[re.Match[str]]) -> list[re.Match[str]]:
    """The compact triggers a glued size ("LLaMA8B") can end at: only a "B" ends one, and
    such a "B" ends a compact trigger of its own, written against a word. The others are not
    walked back (nor is a digit after a space, the usual case)."""
    return [
        t
        for t in triggers
        if text[t.end() - 1] == "B"
        and text[t.start() - 1] != " "
        and follows_letters(text, t.start())
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
    triggers = size_scan.literal_triggers(SCALE_WORD_TRIGGER, SCALE_WORDS, lower)
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


def _lower_scaled(text: str) -> Iterator[Mention]:
    """ "(110m parameters)", "a 350m-parameter encoder", "approximately 6k trainable
    parameters": thousands and millions with a lower-case "k"/"m", only right before
    "param..." or a budget word and it (elsewhere "100m" is a length or a time, "128k" a
    context length); and plain counts right before "parameters" ("552 parameters")."""
    position = text.find("param")
    while position >= 0:  # a few per abstract: no scan of the whole text
        low = max(0, position - _LOWER_REACH)
        match = _LOWER_SCALED.search(text, low, position)
        if match is not None:
            scale = _LOWER_SCALES[match["unit"]]
            params = _to_params(match["number"], scale)
            if params is not None:
                yield Mention(match.start(), match.end("unit"), params, "compact", scale)
        elif _PARAMETERS.match(text, position):
            plain = _PLAIN_COUNT.search(text, low, position)
            if plain is not None:  # "552 learnable parameters": a plain count
                if plain["low"] is not None:  # "120--360 parameters": a range
                    low = int(plain["low"].replace(",", ""))
                    yield Mention(plain.start(), plain.end("low"), low, "plain", 1)
                number = int(plain["number"].replace(",", ""))
                yield Mention(plain.start("number"), plain.end("number"), number, "plain", 1)
            elif "^" in text[max(0, position - _POWER_REACH) : position]:
                yield from _power_count(text, position)
        position = text.find("param", position + 5)


def _power_count(text: str, position: int) -> Iterator[Mention]:
    """ "about 10^5 parameters": the power of ten (times its factor) ending before `position`."""
    power = _POWER_COUNT.search(text, max(0, position - _POWER_REACH), position)
    if power is None:
        return
    factor = power["factor"] or "1"
    params = _to_params(factor, 10 ** int(power["exponent"]))
    if params is not None:
        yield Mention(power.start(), power.end("exponent"), params, "plain", 1)


def _with_bare_numbers(text: str, mentions: list[Mention]) -> list[Mention]:
    """Add the bare numbers of ranges and lists ("7, 13, and 70 billion") before each size."""
    result: list[Mention] = []
    for mention in mentions:
        position = mention.start
        if _DIGIT.search(text, max(0, position - _BARE_REACH), position) is None:
            result.append(mention)  # no number before it (most sizes): nothing to add
            continue
        bare: list[Mention] = []
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
            bare.append(Mention(found.start(), found.end(), params, "bare", mention.scale))
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
    if found["sep"].strip() in ("-", "--", "–", "/"):
        # "Llama 2-7B" is a name; "0.5-72B" and "from 1-7B" are ranges
        # (after a bracket too: "(Qwen 3-30B)" is Qwen 3's 30B)
        before = text[: found.start()].rstrip().rsplit(" ", 1)[-1].lstrip("([{")
        return not before[:1].isupper()
    return True


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
