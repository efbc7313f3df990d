"""Finding a pattern's matches without trying it at every character of a text.

Every size mention contains a short, cheap-to-find part (a digit before a scale letter, a
scale word). `scan_windows` runs the full pattern only in a window that ends just after
each such trigger and starts a few spaces before it, and gives exactly the matches
`pattern.finditer(text)` would (a mention spans fewer spaces than the window). Issue 17:
size extraction was half of `parse_email`; this made it about 3x faster, same results.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Iterator


def scan_windows(
    pattern: re.Pattern[str],
    triggers: Iterable[re.Match[str]],
    text: str,
    spaces: int,
    inside: frozenset[str] | None = None,
    earliest: Callable[[str, int], int] | None = None,
) -> Iterator[re.Match[str]]:
    """The matches `pattern.finditer(text)` gives, found only in windows that end just after
    each trigger and start `spaces` spaces before it (more than any mention spans). With
    `inside`, the characters a match can hold up to its trigger, a window also starts no
    earlier than after the last other character before the trigger: "a 7B" is tried at
    "7B" only, not at each character of "fine-tune a " (the pattern's own lookbehind still
    sees the text before the window). With `earliest`, `earliest(text, trigger_start)` is
    where a match ending at that trigger can start at the earliest, when every match in the
    window ends at its trigger (the caller knows)."""
    last_end = 0
    for trigger in triggers:
        end = trigger.end()
        if end <= last_end:
            continue
        start = end
        for _ in range(spaces):
            start = text.rfind(" ", 0, start)
            if start <= 0:
                start = 0
                break
        if inside is not None:
            first = trigger.start()
            while first > start and text[first - 1] in inside:
                first -= 1
            # such a match ends at its trigger: one search finds the window's only match
            found = pattern.search(text, max(first, last_end), end + 1)
            if found is not None:
                last_end = found.end()
                yield found
            continue
        if earliest is not None:
            start = max(start, earliest(text, trigger.start()))
        for match in pattern.finditer(text, max(start, last_end), end + 1):
            last_end = match.end()
            yield match


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
        window = text[pos:endpos]
        for separator in self._separators:
            window = window.replace(separator, " ")
        words = []
        for chunk in window.split():
            if chunk.isalnum():
                words.append(chunk)
            else:
                found = self._pattern.search(chunk)
                if found is not None:
                    words.append(found[0])
        return words
