"""Papers found by their links, in HTML or plain text: the shared core of `hf-daily` and
`generic`.

An item is the block around a paper link, not "the text after the link". Consecutive links
to one paper (an image, the title, "PDF", "Discuss") are one item. Its title is, in order:
the link's own anchor text (or an image's `alt`) unless that is a weak call-to-action; the
text before the link on its line ("Title [arXiv]") or after it ("[PDF] Title"); and, when
the link stands alone on its line ("Read more", a "Paper" cell, a URL line), the heading of
the section that holds this paper and no other, else the bold text that starts a line of
the item ("1) **Title** - …" in a table cell), else the line just before the link. A link
inside a sentence ("featured a [research link](…)") takes no title from around it: the
paper keeps its id. The item's text (for summary, authors, upvotes, sizes) runs from its
title to the start of the next item, so a summary never comes from the next paper.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from mailer.parse.formats.details import is_meta_line
from mailer.parse.formats.marked import (
    BOLD_CLOSE,
    BOLD_OPEN,
    MARKER,
    Anchor,
    Line,
    LinkedEntry,
    html_lines,
    paragraphs,
    strip_marks,
    text_lines,
)
from mailer.parse.formats.titles import is_good_title, is_label, looks_like_title, tidy_title
from mailer.parse.links import NEW_ARXIV_ID
from mailer.parse.text import collapse_whitespace

__all__ = ["LinkedEntry", "entries_from_html", "entries_from_parts", "entries_from_text"]
__all__ += ["paragraphs"]

_LIST_MARK = "0123456789.)-*•·–—▶►# "
MAX_STANDALONE_WORDS = 3  # "Paper, Tweet", "- **Links**: Kimi", "Read more →"


@dataclass
class _Group:
    """Consecutive mentions of one paper: where they are and what they say."""

    key: str
    first_line: int
    last_line: int
    anchors: list[Anchor]
    lead: str  # text before the first mention on its line
    after: str  # text after the last mention on its line
    first_rest: str = ""  # text after the first mention, when later ones are on other lines
    title: str | None = None
    kind: str = "inline"
    start: int = 0  # first line of the item's block


def _mentions(lines: list[Line], anchors: list[Anchor]) -> list[_Group]:
    groups: list[_Group] = []
    for number, line in enumerate(lines):
        if "\x00" not in line.text:  # no link on this line: nothing to split
            continue
        pieces = MARKER.split(line.text)  # text, index, text, index, ..., text
        for i in range(1, len(pieces), 2):
            anchor = anchors[int(pieces[i])]
            last = groups[-1] if groups else None
            if last is not None and last.key == anchor.link.key:
                last.anchors.append(anchor)
                if number != last.last_line and last.last_line == last.first_line:
                    last.first_rest = last.after
                last.last_line, last.after = number, pieces[i + 1]
                continue
            lead = pieces[i - 1]
            groups.append(_Group(anchor.link.key, number, number, [anchor], lead, pieces[i + 1]))
    return groups


def _calls_to_action(groups: list[_Group]) -> set[str]:
    """Anchor texts the email uses for two papers or more ("Paper", "查看详情")."""
    keys: dict[str, set[str]] = defaultdict(set)
    for group in groups:
        for anchor in group.anchors:
            keys[anchor.text.casefold()].add(group.key)
    return {text for text, found in keys.items() if len(found) >= 2}


def _word_count(text: str) -> int:
    return len(strip_marks(text).replace(BOLD_OPEN, "").replace(BOLD_CLOSE, "").split())


def _is_standalone(line: Line) -> bool:
    """The line holds links and at most a label or a few words: a call-to-action line."""
    text = MARKER.sub(" ", line.text)
    if BOLD_OPEN in text:  # "**Links**:" labels
        text = " ".join(part.split(BOLD_CLOSE, 1)[-1] for part in text.split(BOLD_OPEN))
    return len(text.strip(_LIST_MARK + ",:|·/[]()").split()) <= MAX_STANDALONE_WORDS


def _leading_bold(text: str) -> str | None:
    """The bold text a line starts with ("1) **Title** - …"), unless it is a label."""
    start = text.lstrip(_LIST_MARK)
    if not start.startswith(BOLD_OPEN) or BOLD_CLOSE not in start:
        return None
    bold, rest = start[1:].split(BOLD_CLOSE, 1)
    if is_label(bold) or rest.lstrip().startswith((":", "：")):
        return None
    return bold


def _heading_title(lines: list[Line], group: _Group, window: range, next_start: int) -> int | None:
    """The outermost heading in `window` whose section holds this paper and no other."""
    best: int | None = None
    for number in window:
        level = lines[number].heading
        if not level or (best is not None and level >= lines[best].heading):
            continue
        section_end = next(
            (n for n in range(group.first_line + 1, len(lines)) if 0 < lines[n].heading <= level),
            len(lines),
        )
        if section_end <= next_start and is_good_title(tidy_title(lines[number].text)):
            best = number
    return best


def _previous_title(lines: list[Line], window: range) -> int | None:
    """The line just before the link (metadata lines skipped) when it reads as a title."""
    for number in reversed(window):
        text = lines[number].text
        if not text.strip() or is_meta_line(strip_marks(text)):
            continue
        if lines[number].heading or not looks_like_title(tidy_title(text)):
            return None
        above = lines[number - 1].text.strip() if number > window.start else ""
        if len(above) > 60 and not above.endswith((".", ":", "!", "?")):
            return None  # the last line of a hard-wrapped paragraph
        return number
    return None


def _choose_title(lines: list[Line], groups: list[_Group], index: int, ctas: set[str]) -> None:
    group = groups[index]
    group.start = group.first_line
    for anchor in group.anchors:
        title = tidy_title(anchor.text)
        if anchor.text.casefold() not in ctas and is_good_title(title):
            group.title, group.kind = title, "anchor"
            return
    lead, after = tidy_title(group.lead), tidy_title(group.after)
    if looks_like_title(lead) and _word_count(group.after) <= MAX_STANDALONE_WORDS:
        group.title, group.kind = lead, "lead"  # "Title [arXiv]", "1. Title https://…"
        return
    if not lead and looks_like_title(after):
        group.title, group.kind, group.after = after, "after", ""  # "[PDF] Title"
        return
    if not _is_standalone(lines[group.first_line]):
        return  # a link inside a sentence: no title from around it
    previous_end = groups[index - 1].last_line + 1 if index else 0
    window = range(previous_end, group.first_line)
    next_start = groups[index + 1].first_line if index + 1 < len(groups) else len(lines)
    heading = _heading_title(lines, group, window, next_start)
    if heading is not None:
        group.title, group.kind, group.start = tidy_title(lines[heading].text), "heading", heading
        return
    for number in reversed(window):
        bold = _leading_bold(lines[number].text)
        if bold is not None and is_good_title(tidy_title(bold)):
            group.title, group.kind, group.start = tidy_title(bold), "bold", number
            return
    previous = _previous_title(lines, window)
    if previous is not None:
        group.title, group.kind = tidy_title(lines[previous].text), "previous"
        group.start = previous


def _plain(text: str) -> str:
    """A line without markers; lines come collapsed, so only a stripped mark needs it again."""
    stripped = strip_marks(text)
    return collapse_whitespace(stripped) if stripped is not text else text


def _block(lines: list[Line], group: _Group, next_start: int) -> list[str]:
    """The item's own text, title excluded: from its title to the next item."""
    found: list[str] = []
    if group.kind == "inline":
        return [_plain(group.lead + " " + group.after)]
    if group.kind == "bold":
        rest = lines[group.start].text.split(BOLD_CLOSE, 1)[-1]
        found.append(_plain(rest).lstrip(" -–—:|"))
    found += [_plain(line.text) for line in lines[group.start + 1 : group.first_line]]
    if group.first_line != group.last_line:  # an image link, then the title, meta, "PDF"
        found.append(_plain(group.first_rest))
        found += [_plain(line.text) for line in lines[group.first_line + 1 : group.last_line]]
    found.append(_plain(group.after))
    found += [_plain(line.text) for line in lines[group.last_line + 1 : next_start]]
    return found


def entries_from_lines(lines: list[Line], anchors: list[Anchor]) -> list[LinkedEntry]:
    groups = _mentions(lines, anchors)
    ctas = _calls_to_action(groups)
    for index in range(len(groups)):
        _choose_title(lines, groups, index, ctas)
    entries = []
    for index, group in enumerate(groups):
        next_start = groups[index + 1].start if index + 1 < len(groups) else len(lines)
        next_start = max(next_start, group.last_line + 1)
        entries.append(
            LinkedEntry(
                key=group.key,
                links=[anchor.link for anchor in group.anchors],
                title=group.title,
                lines=_block(lines, group, next_start),
            )
        )
    return entries


def entries_from_html(raw_html: str) -> list[LinkedEntry]:
    return entries_from_lines(*html_lines(raw_html))


def entries_from_text(text: str) -> list[LinkedEntry]:
    return entries_from_lines(*text_lines(text))


# The path of an arXiv, Hugging Face or alphaXiv paper URL, whatever the host (a wider net
# only makes the text part read more often); it starts with a literal "/" for a fast scan.
_TEXT_PAPER_ID = re.compile(rf"/(?:abs|pdf|html|papers|overview)/({NEW_ARXIV_ID})")
_WRAPPED = ("%2F", "%2f", "safelinks", "urldefense", "/CL0/", "openreview.net", "doi.org")


def _text_may_add(text_part: str, entries: list[LinkedEntry]) -> bool:
    """Whether the text part may list papers the HTML part's entries do not: ids the HTML
    lacks, or links a plain scan cannot check (wrapped, OpenReview, DOI)."""
    if not entries:
        return True
    if any(marker in text_part for marker in _WRAPPED):
        return True
    found = {f"arxiv:{m.group(1)}" for m in _TEXT_PAPER_ID.finditer(text_part)}
    return not found <= {entry.key for entry in entries}


def entries_from_parts(html_part: str, text_part: str) -> list[LinkedEntry]:
    """Entries of the HTML part (it has the link targets), plus those only the text part
    lists when it lists more (a truncated or odd HTML part). The text part is read only
    when a scan of it finds papers the HTML part did not (a third of a digest's time)."""
    entries = entries_from_html(html_part) if html_part else []
    if text_part and _text_may_add(text_part, entries):
        from_text = entries_from_text(text_part)
        if len({e.key for e in from_text}) > len({e.key for e in entries}):
            seen = {e.key for e in entries}
            entries += [e for e in from_text if e.key not in seen]
    return entries
