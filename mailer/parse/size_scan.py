"""Scanning text for sizes without trying a pattern at every character of it.

Every size mention contains a short, cheap-to-find part (a digit before a scale letter, a
scale word). `scan_windows` runs the full pattern only in a window that ends just after
each such trigger and starts a few spaces before it (or where a match can start at the
earliest), and gives the matches `pattern.finditer(text)` would (a mention spans fewer
spaces than the window). The other helpers give what a plain regex gives (each is tested
against it) with string methods: collapsing whitespace, the words of a window, the places
a literal word starts. Issue 17: size extraction was half of `parse_email`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Iterator
from itertools import pairwise

# Every character str.isspace (and so a pattern's \\s) knows
WHITESPACE_CHARS = frozenset(
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
# The non-ASCII characters a case-insensitive pattern takes for an ASCII letter ("İ", "ı",
# long "ſ", the Kelvin sign)
ASCII_FOLDING_CHARS = "\u0130\u0131\u017f\u212a"
_ASCII_DIGITS = frozenset("0123456789")


def scan_windows(
    pattern: re.Pattern[str],
    triggers: Iterable[re.Match[str]],
    text: str,
    spaces: int,
    inside: frozenset[str] | None = None,
    earliest: Callable[[str, int, int], int] | None = None,
) -> Iterator[re.Match[str]]:
    """The matches `pattern.finditer(text)` gives, found only in windows that end just after
    each trigger and start `spaces` spaces before it (more than any mention spans). With
    `inside`, the characters a match can hold up to its trigger, a window also starts no
    earlier than after the last other character before the trigger: "a 7B" is tried at
    "7B" only, not at each character of "fine-tune a " (the pattern's own lookbehind still
    sees the text before the window). With `earliest`, `earliest(text, trigger_start, floor)`
    is where a match ending at that trigger can start at the earliest (or `floor`, the
    window's start, if that is later: no walk past it), when every match in the
    window ends at its trigger (the caller knows)."""
    last_end = 0
    for trigger in triggers:
        end = trigger.end()
        if end <= last_end:
            continue
        if inside is not None:
            first = trigger.start()
            floor = max(0, first - 64)  # a hostile run of digits: walked once, not per trigger
            while first > floor and text[first - 1] in inside:
                first -= 1
            # The walk stops at the window's start at the latest. It is found (three
            # searches) only when the walk may have reached it: crossing `spaces` spaces or
            # reaching its floor; otherwise it lies before where the walk stopped.
            if first == floor or text.count(" ", first, end) >= spaces:
                start = _window_start(text, end, spaces)
                if first <= max(start, trigger.start() - 64):
                    first = start
            # such a match ends at its trigger: one search finds the window's only match
            found = pattern.search(text, max(first, last_end), end + 1)
            if found is not None:
                last_end = found.end()
                yield found
            continue
        start = _window_start(text, end, spaces)
        if earliest is not None:
            start = earliest(text, trigger.start(), start)
        for match in pattern.finditer(text, max(start, last_end), end + 1):
            last_end = match.end()
            yield match


def _window_start(text: str, end: int, spaces: int) -> int:
    """Where the `spaces`-th space before `end` is (0 when there are fewer)."""
    start = end
    for _ in range(spaces):
        start = text.rfind(" ", 0, start)
        if start <= 0:
            return 0
    return start


class SplitWords:
    """A drop-in for `re.compile(r"\\w(?:[^\\s<separators>]*\\w)?").findall`, several times
    faster on prose: such a word is the part of a run between whitespace and `separators`
    from its first to its last word character, which str.split finds without the regex
    backtracking over every word. (The pattern has no lookaround, so `findall(text, pos,
    endpos)` is `findall(text[pos:endpos])`.)"""

    def __init__(self, separators: str) -> None:
        self._separators = separators
        self._pattern = re.compile(rf"\w(?:[^\s{re.escape(separators)}]*\w)?")

    def findall(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> list[str]:
        words = []
        for chunk in self._chunks(text[pos:endpos]):
            if chunk.isalnum():
                words.append(chunk)
            else:
                found = self._pattern.search(chunk)
                if found is not None:
                    words.append(found[0])
        return words

    def first(self, window: str, count: int) -> list[str]:
        """`findall(window)[:count]`, splitting no further than the words it gives."""
        for separator in self._separators:
            window = window.replace(separator, " ")
        head = window.split(None, count)  # the first `count` chunks, then the rest
        words = []
        for chunk in head[:count]:
            word = chunk if chunk.isalnum() else self._word_in(chunk)
            if word:
                words.append(word)
        if len(words) == count or len(head) <= count:
            return words  # enough words, or no more chunks
        words = []  # a chunk without a word character: read on
        for chunk in window.split():
            word = chunk if chunk.isalnum() else self._word_in(chunk)
            if word:
                words.append(word)
                if len(words) == count:
                    break
        return words

    def last(self, window: str, count: int) -> list[str]:
        """`findall(window)[-count:]`."""
        words: list[str] = []
        for chunk in reversed(self._chunks(window)):
            word = chunk if chunk.isalnum() else self._word_in(chunk)
            if word:
                words.append(word)
                if len(words) == count:
                    break
        words.reverse()
        return words

    def _chunks(self, window: str) -> list[str]:
        for separator in self._separators:
            window = window.replace(separator, " ")
        return window.split()

    def _word_in(self, chunk: str) -> str:
        found = self._pattern.search(chunk)
        return found[0] if found is not None else ""


def literal_triggers(
    pattern: re.Pattern[str], words: Iterable[str], text: str
) -> list[re.Match[str]]:
    """`pattern.finditer(text)` for a pattern whose every match starts with one of `words`:
    tried only where `str.find` sees one, not by the regex at every character."""
    starts: set[int] = set()
    for word in words:
        at = text.find(word)
        while at >= 0:
            starts.add(at)
            at = text.find(word, at + 1)
    found_all: list[re.Match[str]] = []
    last_end = 0
    for start in sorted(starts):
        if start < last_end:
            continue  # finditer's matches do not overlap
        found = pattern.match(text, start)
        if found is not None:
            found_all.append(found)
            last_end = found.end()
    return found_all


def one_spaced(text: str) -> str:
    """`text` with every whitespace run as one space (what `re.sub(r"\\s+", " ", text)` gives;
    `str.split` knows the same whitespace and is several times faster on prose)."""
    flat = text
    if not flat.isprintable():  # line breaks and tabs, the usual unprintable characters
        flat = flat.replace("\n", " ").replace("\t", " ").replace("\r", " ")
    if flat.isprintable():  # every whitespace character but the space is unprintable
        while "  " in flat:
            flat = flat.replace("  ", " ")  # runs of spaces halve each time
        return flat
    words = text.split()
    if not words:
        return " " if text else ""
    flat = " ".join(words)
    if text[0].isspace():
        flat = " " + flat
    if text[-1].isspace():
        flat += " "
    return flat


def unglue_times(flat: str) -> str:
    """ "4times70" as "4×70" (a lost "×"): what `re.sub(r"(?<=[0-9])times(?=[0-9])", "×", flat)`
    gives, without trying a lookbehind at every character."""
    parts = flat.split("times")
    out = [parts[0]]
    for before, after in pairwise(parts):
        glued = before[-1:] in _ASCII_DIGITS and after[:1] in _ASCII_DIGITS
        out.append("×" if glued else "times")
        out.append(after)
    return "".join(out)
