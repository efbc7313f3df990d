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

import mailer.parse.size_scan as size_scan
from mailer.core.models import ModelSize
from mailer.parse.size_context import (
    Verdict,
    has_non_parameter_lead,
    has_parameter_lead,
    is_counted,
    is_counted_noun,
    is_model_example,
    is_named,
    names_model_after,
    verdict_after,
    word_before,
    words_after,
)
from mailer.parse.size_mentions import (
    DIGIT_TRIGGER,
    SCALE_WORD_TRIGGER,
    Mention,
    find_mentions,
)
from mailer.parse.size_names import counts_noun_before_bracket, is_count_of_models
from mailer.parse.size_roles import TextCues, role_of, sentence_ends, text_cues
from mailer.parse.size_words import NOT_MODEL_NAMES

_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"')\]]+")
_LATEX_SYMBOLS = {"leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "sim": "~", "approx": "≈"}
_LATEX_RELATION = re.compile(r"\$\\(leq|le|geq|ge|sim|approx)\$\s?")
# A TeX math span holding only a number is the number: "$7B$", "$0.6$B", "$10$K" (an amount
# of money, "$7B", has no closing "$" right after it)
# ("$1.3\\text{B}$" and "$7\\mathrm{B}$" write the scale letter as text)
_LATEX_NUMBER = re.compile(r"\$([0-9][0-9.,]*)(?:\\(?:text|mathrm|rm)\{([KMBT])\}|([KMBT]))?\$")
_ROLE_RANK = {"compared": 0, "unknown": 1, "own": 2}
# "8BrightarrowMinistral" or "8B$\\rightarrow$Ministral": an arrow between two names
_ARROW = re.compile(r"\$?\\?(?:long)?(?:right|left|Right|Left)arrow\$?")
_JOINER = re.compile(
    r"\s?,\s?(?:and |or )?|-?\s(?:and|or|to|vs\.?|versus)\s|\s?(?:--|[-–/])\s?"
    r"|\s(?:to|and|or)\s(?:over|about|around|nearly|almost|roughly|more than|up to)\s"
)
# A size, one qualifying word, then the next: "82B English, 20B Chinese and 5B code tokens"
_QUALIFIED_JOINER = re.compile(r"\s[A-Za-z]+(?:,\s?(?:and |or )?|\s(?:and|or)\s)")


def extract_sizes(text: str) -> list[ModelSize]:
    """The distinct parameter counts of models `text` mentions, smallest first, each with
    its role (the paper's own model or a compared one, see `size_roles`)."""
    flat = _flatten(text)
    mentions = [
        mention
        for group in _group_mentions(flat, find_mentions(flat))
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


def _group_mentions(text: str, mentions: list[Mention]) -> list[list[Mention]]:
    """Sizes joined only by separators form a range or list that shares one verdict."""
    groups: list[list[Mention]] = []
    for mention in mentions:
        if groups:
            last = groups[-1][-1]
            between = text[last.end : mention.start]
            if mention.start >= last.end and (
                not between
                or _JOINER.fullmatch(between)
                or (
                    _QUALIFIED_JOINER.fullmatch(between)
                    and verdict_after(text, last.end) is None
                    and not is_counted_noun(between)
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
    words = words_after(text, end)
    part = words[:2] == ["of", "which"]
    if not part and "ones" not in words[:3] and "one" not in words[:2]:
        return None
    low = max(0, start - 100)
    window = text[low:start]
    sentence = max(window.rfind(". "), window.rfind("; "))
    previous = None
    for trigger in DIGIT_TRIGGER.finditer(window, sentence + 1):
        if trigger["compact"] is not None:
            previous = trigger.end()
    if part:  # the whole may be written with a scale word: "72 billion total parameters"
        for word in SCALE_WORD_TRIGGER.finditer(window.lower(), sentence + 1):
            previous = max(previous or 0, word.end())
    return verdict_after(text, low + previous) if previous is not None else None


def _without_data_sizes(text: str, group: list[Mention]) -> list[Mention]:
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
            and not is_named(text, first.start)
        ):
            data.add(index + 1)
    return [m for i, m in enumerate(group) if i not in data] if data else group


def _model_sizes_of(text: str, group: list[Mention]) -> list[Mention]:
    first, last = group[0], group[-1]
    verdict = verdict_after(text, last.end)
    borrowed = verdict is None  # then the words after it are no noun it counts
    if borrowed:
        verdict = _verdict_of_antecedent(text, first.start, last.end)
    if verdict == "parameters":
        return group
    if len(group) > 1:
        group = _without_data_sizes(text, group)
    if verdict == "other":
        if (
            first.kind == "compact"
            and is_model_example(text, first.start)
            and is_named(text, first.start)
        ):
            return [m for m in group if m.scale >= 10**6]  # "LLMs such as OPT-66B forget"
        return []  # (whatever else the words before say)
    if has_non_parameter_lead(text, first.start):
        return []  # "costs $1M"
    if (
        verdict is None
        and text[first.start - 1 : first.start] in ("(", "~", "≈")
        and counts_noun_before_bracket(text, first.start)
    ):
        return []  # "mid-training tokens (73.1B)"; not "8 GPUs (8B model)"
    # "8K", "200K" are context lengths and vocabularies unless "parameters" follows
    sizes = [m for m in group if m.scale >= 10**6]
    if verdict is not None:
        if (
            verdict == "model"
            and first.kind == "worded"
            and not borrowed
            and (
                is_counted(text, last.end)
                or (
                    len(group) == 1
                    and is_count_of_models(text, first.start, last.end, first.params, first.scale)
                )
            )
        ):
            return []  # "8.9 billion possible variants", "1 million CAD models": counts
        return sizes if verdict == "model" else []
    if any(m.kind == "worded" for m in group):
        return sizes if has_parameter_lead(text, first.start) else []
    if word_before(text, first.start).rstrip(".").lower() in NOT_MODEL_NAMES:
        return []  # "Raspberry Pi 4B", "Fig. 3B"
    if (
        all(m.scale == 10**6 for m in group)
        and not is_named(text, first.start)
        and not names_model_after(text, last.end)  # "the 1.5M ResNet-18 and ..."
    ):
        return []  # "23.5M generated relations": millions are sizes only beside a name
    return sizes
