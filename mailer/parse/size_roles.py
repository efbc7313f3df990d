"""Whose model a size belongs to: the paper's own, or one it compares against.

A size is `compared` when the words around it say the paper measures itself against that
model rather than building or studying it:

- a comparison comes before it in its sentence, nearer than any "we"/"our": "outperforms
  Llama-2-70B", "compared with Mixtral 8x22B", "gains over GPT-3 175B", "models exceeding
  100 billion parameters", "distilled from a 70B teacher";
- a role word follows it closely: "7B baselines", "a 405B teacher", "Qwen2.5-72B as the judge";
- "like", "such as", "existing", "previous" among the last few plain words before it (names
  in a list between do not count), in a sentence that does not speak of the authors' own
  work: "LLMs like PaLM 540B and Llama-3.1 405B face limitations".

A size in a hypothetical ("a 52B MoE might perform like a 6.7B dense model") is `unknown`;
every other size is the paper's `own` (the models it trains, fine-tunes, prunes, releases or
studies). A size mentioned several times is own if any mention is.

Pure: text in, roles out.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Sequence

import mailer.parse.size_scan as size_scan
from mailer.models import SizeRole

COMPARE_BEFORE: frozenset[str] = frozenset(
    {
        "outperform",
        "outperforms",
        "outperforming",
        "outperformed",
        "outperformance",
        "surpass",
        "surpasses",
        "surpassing",
        "surpassed",
        "beat",
        "beats",
        "beating",
        "than",
        "against",
        "versus",
        "vs",
        "compared",
        "comparing",
        "comparable",
        "rival",
        "rivals",
        "rivaling",
        "rivalling",
        "match",
        "matches",
        "matching",
        "par",
        "exceeding",
        "exceed",
        "exceeds",
        "beyond",
        "among",
        "on-par",
    }
)
# "over" compares only after these: "gains over", "improves over"
COMPARE_OVER_LEADS: frozenset[str] = frozenset(
    {
        "gain",
        "gains",
        "improvement",
        "improvements",
        "improve",
        "improves",
        "improved",
        "outperformance",
        "advantage",
        "advantages",
        "edge",
        "lead",
    }
)
WEAK_COMPARE_BEFORE: frozenset[str] = frozenset(
    {"like", "such", "e.g", "eg", "existing", "previous", "prior"}
)
# A new clause: a comparison before it says nothing of the size after it.
CLAUSE_STARTS: frozenset[str] = frozenset(
    {"despite", "while", "whereas", "although", "though", "but", "yet"}
)
LIST_JOINERS: frozenset[str] = frozenset({"and", "or", "vs", "versus"})
OWN_BEFORE: frozenset[str] = frozenset({"we", "our", "ours", "us"})
COMPARE_AFTER: frozenset[str] = frozenset(
    {
        "baseline",
        "baselines",
        "teacher",
        "teachers",
        "judge",
        "judges",
        "evaluator",
        "evaluators",
        "adjudicator",
        "grader",
        "annotator",
        "reference",
        "oracle",
    }
)
# A sentence about who leads the field speaks of others' models: "Sparse models with close
# to a trillion parameters dominate the leaderboards", "X-76B and Y-72B lead the
# leaderboard" (but "ranks first on the leaderboard" is the paper's own result)
FIELD_WORDS: frozenset[str] = frozenset({"dominate", "dominates", "dominating", "dominated"})
# A comparison's object ends at these: "match the baseline for a 10B LLM", "outperform
# methods by 4% and lead to the first 3B models" (the size after is the setting, not it);
# "by" only before a margin ("by 4%"), not in "the benchmarks set by Llama-2-13B"
SCOPE_END_WORDS: frozenset[str] = frozenset({"for", "across"})
DISTILL_WORDS: frozenset[str] = frozenset({"distill", "distills", "distilled", "distilling"})
HYPOTHETICAL_WORDS: frozenset[str] = frozenset({"might", "would", "could"})
_EXAMPLE_CUE = re.compile(r"\b(?:[Ll]ike|[Ss]uch as)\b")

# Words keep their hyphens here: "GPT-like" is a name, not the word "like".
_WORD = size_scan.SplitWords("/")  # r"\w(?:[^\s/]*\w)?", found faster
_SENTENCE_END = re.compile(r"[.!?:;](?:(?<=[.!?])(?=\s+[A-Z(\"'])|(?<=[:;])(?=\s))")
_OPENING = "([{\"'“"
_CLOSING = ")]}\"'”,;:.!?"
_AFTER_WORDS = 5
_WEAK_WORDS = 4
_BEFORE_WORDS = 10  # lowercase words: names in a list of baselines do not count
_WINDOW_CHARS = 600  # of a sentence, each side of a size: more than any cue is away


def sentence_ends(text: str) -> list[int]:
    """Where the sentences (and clauses after ":" or ";") of `text` end, for `role_of`."""
    return [found.start() for found in _SENTENCE_END.finditer(text)]


def role_of(
    text: str,
    start: int,
    end: int,
    ends: Sequence[int] | None = None,
    references: Callable[[], frozenset[str]] | None = None,
) -> tuple[SizeRole, str]:
    """The role of the size at text[start:end] and the model name it sits on. `ends` are
    the text's `sentence_ends` (found again when not given); `references` gives the
    `reference_names` of the text (asked only when no nearer cue decides)."""
    sentence_start, sentence_end = _sentence_bounds(
        text, start, end, sentence_ends(text) if ends is None else ends
    )
    # a bounded window of the sentence: a run-on "sentence" of thousands of sizes would
    # otherwise make the work per size grow with the text (quadratic in all)
    sentence_start = max(sentence_start, start - _WINDOW_CHARS)
    sentence_end = min(sentence_end, end + _WINDOW_CHARS)
    source = _source_name(text, start, end)
    after = _words_after(text, end, sentence_end)
    if any(w in COMPARE_AFTER for w in after):
        return "compared", source
    raw_before = _WORD.findall(text, sentence_start, start)
    before = [w.lower() for w in raw_before]
    if any(w in DISTILL_WORDS for w in before) and "into" in after:
        return "compared", source  # "we distill a 405B model into ..."
    role = _role_from_words_before(before)
    if role is not None:
        return role, source
    sentence = before + [w.lower() for w in _WORD.findall(text, end, sentence_end)]
    if any(w in HYPOTHETICAL_WORDS for w in sentence):
        return "unknown", source
    if not any(w in OWN_BEFORE for w in sentence) and (
        any(w in FIELD_WORDS for w in sentence)
        or ("lead" in sentence and any(w.startswith("leaderboard") for w in sentence))
    ):
        return "compared", source
    if not any(w in OWN_BEFORE for w in before) and _weak_cue_near(raw_before):
        return "compared", source
    if references is not None and not any(w in OWN_BEFORE for w in sentence):
        near = [w.lower() for w in _WORD.findall(text, max(sentence_start, start - 40), start)]
        names = references() if any(w[:1].isalpha() for w in near) else frozenset()
        if any(w in names for w in near):
            return "compared", source  # "Recent works such as GPT-3 ... the GPT-3 model with 175B"
    return "own", source


def reference_names(text: str, ends: Sequence[int]) -> frozenset[str]:
    """The model names a text gives as others' examples ("works such as T5 and GPT-3",
    "LLMs like PaLM") in sentences where the authors do not speak: a size later written on
    one of them, in a sentence without the authors, is a reference point too."""
    names: set[str] = set()
    for cue in _EXAMPLE_CUE.finditer(text):
        sentence_start, end = _sentence_bounds(text, cue.start(), cue.end(), ends)
        words = _WORD.findall(text, sentence_start, end)
        lowered = [w.lower() for w in words]
        if any(w in OWN_BEFORE for w in lowered):
            continue
        for index, word in enumerate(lowered):
            if word == "like" or (word == "as" and index and lowered[index - 1] == "such"):
                for name in words[index + 1 : index + 7]:
                    if name.lower() in LIST_JOINERS:
                        continue
                    if not (name[:1].isupper() and any(ch.isdigit() for ch in name)):
                        break
                    names.add(name.lower())
    return frozenset(names)


def _weak_cue_near(words: Sequence[str]) -> bool:
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
        if word[:1].isupper() or any(ch.isdigit() for ch in word) or lower in LIST_JOINERS:
            continue
        plain += 1
        if plain == _WEAK_WORDS:
            return False
    return False


def _words_after(text: str, end: int, sentence_end: int) -> list[str]:
    """The first words after a size, reading past a list of names joined to it
    ("Mixtral-8x7B and Mixtral-8x22B serve as teachers")."""
    words: list[str] = []
    in_list = True
    for word in _WORD.findall(text, end, sentence_end):
        is_name = word[:1].isupper() or any(ch.isdigit() for ch in word)
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


def _role_from_words_before(before: list[str]) -> SizeRole | None:
    """The nearest cue before the size decides: a comparison, or the authors speaking."""
    plain_words = 0
    scoped = False  # past the end of a comparison's object
    for index in range(len(before) - 1, -1, -1):
        word = before[index]
        if word in OWN_BEFORE:
            return "own"
        following = before[index + 1] if index + 1 < len(before) else ""
        if word in SCOPE_END_WORDS or (word == "by" and following[:1].isdigit()):
            scoped = True
        if word in COMPARE_BEFORE and not scoped:
            return "compared"
        if word in CLAUSE_STARTS:
            return None
        previous = before[index - 1] if index > 0 else ""
        if word == "over" and previous in COMPARE_OVER_LEADS:
            return "compared"
        if word == "to" and previous == "relative":
            return "compared"
        if word in ("to", "into") and any(w in DISTILL_WORDS for w in before[:index]):
            return "own"  # the student: "distilled from GPT-3.5 to T5 (11B)"
        if word == "from" and any(w in DISTILL_WORDS for w in before[:index]):
            return "compared"  # the teacher: "distilled from a 70B teacher"
        if word.islower():
            plain_words += 1
            if plain_words > _BEFORE_WORDS:
                return None
    return None


def _sentence_bounds(text: str, start: int, end: int, ends: Sequence[int]) -> tuple[int, int]:
    before = bisect_left(ends, start)  # ends[before - 1] is the last end before the size
    sentence_start = ends[before - 1] + 1 if before else 0
    after = bisect_left(ends, end)
    return sentence_start, ends[after] if after < len(ends) else len(text)


def _trim(token: str) -> str:
    return token.lstrip(_OPENING).rstrip(_CLOSING)


def _source_name(text: str, start: int, end: int) -> str:
    """The written name the size belongs to: "Llama-2-70B", "GPT-3 175B", or the size."""
    token_start = text.rfind(" ", 0, start) + 1
    token_end = text.find(" ", end)
    token = _trim(text[token_start : token_end if token_end >= 0 else len(text)])
    if token and token != text[start:end].strip():
        return token
    previous = _trim(text[max(0, token_start - 80) : token_start].rstrip().rsplit(" ", 1)[-1])
    if previous[:1].isupper() and any(ch.isdigit() for ch in previous):
        return f"{previous} {token}"  # "GPT-3 175B"
    return token
