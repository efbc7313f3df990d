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
from functools import cached_property

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
        "competitive",
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
        "unlike",
        "contrast",
        "advantage",
        "advantages",
        "superiority",
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
    {"like", "such", "e.g", "eg", "existing", "previous", "prior", "recent"}
)
# "previous studies", "existing methods": others' work as what a sentence speaks of
OTHERS_WORK_NOUNS: frozenset[str] = frozenset(
    {
        "work",
        "works",
        "study",
        "studies",
        "method",
        "methods",
        "approach",
        "approaches",
        "research",
        "literature",
        "efforts",
        "systems",
    }
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
SCOPE_END_WORDS: frozenset[str] = frozenset({"for", "across", "on"})
DISTILL_WORDS: frozenset[str] = frozenset({"distill", "distills", "distilled", "distilling"})
HYPOTHETICAL_WORDS: frozenset[str] = frozenset({"might", "would", "could"})
# Bounds of a class of models name no model: "models with fewer than 10B", "sub-100B",
# "(≤2B)", "under 10 billion parameters" (unless the authors make models of that size)
THRESHOLD_WORDS: frozenset[str] = frozenset(
    {"than", "under", "below", "above", "over", "exceeding", "beyond", "sub"}
)
THRESHOLD_SIGNS = "≤≥<>"
# The authors making a model: "We train J4R, a 7B judge" is theirs despite "judge"
CREATE_VERBS: frozenset[str] = frozenset(
    {
        "train",
        "trains",
        "pretrain",
        "pre-train",
        "fine-tune",
        "finetune",
        "build",
        "develop",
        "release",
        "propose",
        "introduce",
        "present",
        "scale",
        "scales",
    }
)
# Words that break "we train ... a 7B judge" into two objects
OBJECT_BREAKS: frozenset[str] = frozenset(
    {"with", "from", "using", "by", "against", "than", "via", "and", "or", "into", "over"}
)
# A model used to make data is a reference point: "we use X-72B to generate seed data"
USE_VERBS: frozenset[str] = frozenset(
    {
        "use",
        "uses",
        "used",
        "using",
        "utilize",
        "utilizes",
        "utilized",
        "leverage",
        "leverages",
        "leveraging",
        "employ",
        "employs",
        "prompt",
        "prompts",
        "prompting",
    }
)
DATA_VERBS: frozenset[str] = frozenset(
    {
        "generate",
        "synthesize",
        "annotate",
        "label",
        "produce",
        "write",
        "rewrite",
        "score",
        "grade",
        "rate",
        "critique",
        "filter",
        "judge",
    }
)
# "the Qwen3-235B distilled datasets": the model is where the data came from
SOURCE_PARTICIPLES: frozenset[str] = frozenset(
    {"distilled", "generated", "synthesized", "annotated", "labeled", "labelled"}
)
DATA_NOUNS: frozenset[str] = frozenset(
    {
        "data",
        "dataset",
        "datasets",
        "corpus",
        "traces",
        "responses",
        "outputs",
        "samples",
        "annotations",
        "labels",
        "critiques",
        "solutions",
        "rationales",
    }
)
# Between a role noun and the names it heads: "teacher models: X-70B, Y-405B"
HEAD_FILLERS: frozenset[str] = frozenset(
    {
        "model",
        "models",
        "llm",
        "llms",
        "such",
        "as",
        "including",
        "e.g",
        "eg",
        "namely",
        "i.e",
        "ie",
        "like",
    }
)
# Words that open a subordinate clause at a sentence's start; its comparison ends at its comma
SUBORDINATORS: frozenset[str] = frozenset(
    {"while", "whereas", "although", "though", "despite", "unlike", "when", "if", "since"}
)
# "We propose LoLA", "we introduce Dense Low-Rank Adaptation (DenseLoRA)": the paper's names
_INTRODUCED = re.compile(  # a character class first: the scan skips ahead quickly
    r"[WwTtOo](?:e|his (?:paper|work)|ur (?:work|paper))"
    r" (?:\w+ ){0,3}?(?:propose|introduce|present|develop|build|release|call|name|term|dub)"
    r"[sd]?\b"
)
# A count of the models a paper studies: "12 LLMs", "eleven different open source LLMs"
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
_BRACKETED_NAME = re.compile(r"\(([A-Z][\w-]*[A-Z][\w-]*)\)")
_EXAMPLE_CUE = re.compile(r"\b(?:[Ll]ike|[Ss]uch as)\b")

# Words keep their hyphens here: "GPT-like" is a name, not the word "like".
_WORD = re.compile(r"\w(?:[^\s/]*\w)?")
_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z(\"'])|[:;](?=\s)")
_OPENING = "([{\"'“"
_CLOSING = ")]}\"'”,;:.!?"
_AFTER_WORDS = 5
_WEAK_WORDS = 4
_BEFORE_WORDS = 10  # lowercase words: names in a list of baselines do not count
_WINDOW_CHARS = 600  # of a sentence, each side of a size: more than any cue is away


def sentence_ends(text: str) -> list[int]:
    """Where the sentences (and clauses after ":" or ";") of `text` end, for `role_of`."""
    return [found.start() for found in _SENTENCE_END.finditer(text)]


class TextCues:
    """What a whole text says about names, each read once and only when first asked: the
    names it gives as others' examples (`references`), the names the paper introduces as
    its own (`own_names`), and where it has counted the models it studies (`study_start`,
    -1 when it does not)."""

    def __init__(self, text: str, ends: Sequence[int]) -> None:
        self._text = text
        self._ends = ends

    @cached_property
    def references(self) -> frozenset[str]:
        return reference_names(self._text, self._ends)

    @cached_property
    def own_names(self) -> frozenset[str]:
        return introduced_names(self._text, self._ends)

    @cached_property
    def study_start(self) -> int:
        counted = _COUNTED_MODELS.search(self._text)
        if counted is None:
            return -1
        return _sentence_bounds(self._text, counted.start(), counted.end(), self._ends)[1]


def role_of(
    text: str,
    start: int,
    end: int,
    ends: Sequence[int] | None = None,
    cues: Callable[[], TextCues] | None = None,
) -> tuple[SizeRole, str]:
    """The role of the size at text[start:end] and the model name it sits on. `ends` are
    the text's `sentence_ends` (found again when not given); `cues` gives the text's
    `text_cues` (asked only when the sentence has words they could decide)."""
    sentence_start, sentence_end = _sentence_bounds(
        text, start, end, sentence_ends(text) if ends is None else ends
    )
    # a bounded window of the sentence: a run-on "sentence" of thousands of sizes would
    # otherwise make the work per size grow with the text (quadratic in all)
    sentence_start = max(sentence_start, start - _WINDOW_CHARS)
    sentence_end = min(sentence_end, end + _WINDOW_CHARS)
    source = _source_name(text, start, end)
    raw_before = _WORD.findall(text, sentence_start, start)
    before = [w.lower() for w in raw_before]
    after = _words_after(text, end, sentence_end)
    own_names = cues().own_names if cues is not None and raw_before else frozenset()
    if _is_threshold(text, start, before):
        return ("own" if _authors_make(before, own_names) else "compared"), source
    if any(w in COMPARE_AFTER for w in after) and not _authors_make(before, own_names):
        return "compared", source
    after_colon = text[sentence_start - 1 : sentence_start] == ":"
    if _is_data_source(before, after) or (
        (after_colon or not COMPARE_AFTER.isdisjoint(before))
        and _is_headed_by_role(
            _WORD.findall(text, max(0, sentence_start - 80), start)  # "teachers: X, Y-70B"
            if after_colon
            else raw_before
        )
    ):
        return "compared", source
    if any(w in DISTILL_WORDS for w in before) and "into" in after:
        return "compared", source  # "we distill a 405B model into ..."
    if "other" in before and _is_peer(raw_before):
        return "own", source
    role = _role_from_words_before(_main_clause(text, sentence_start, start, before), own_names)
    if role is not None:
        return role, source
    sentence = before + _clause_after(text, end, sentence_end)
    if any(w in HYPOTHETICAL_WORDS for w in sentence):
        return "unknown", source
    speaks = not OWN_BEFORE.isdisjoint(sentence) or not own_names.isdisjoint(sentence)
    if not speaks and (
        any(w in FIELD_WORDS for w in sentence)
        or ("lead" in sentence and any(w.startswith("leaderboard") for w in sentence))
    ):
        return "compared", source
    if speaks:
        return "own", source
    if (
        _weak_cue_near(raw_before)
        or _is_others_work(before)
        or _is_reference(text, max(sentence_start, start - 40), start, cues)
    ):
        # "LLMs like PaLM 540B", "Recent works such as GPT-3 ... the GPT-3 model with 175B"
        return ("own" if _is_after_study(start, cues) else "compared"), source
    return "own", source


def text_cues(text: str, ends: Sequence[int]) -> TextCues:
    """The `TextCues` of a flattened text with its `sentence_ends`."""
    return TextCues(text, ends)


def introduced_names(text: str, ends: Sequence[int]) -> frozenset[str]:
    """The names the paper introduces as its own: the first capitalised name after "we
    propose/introduce/present ..." and any coined acronym in brackets in that sentence
    ("We propose LoLA", "we introduce Dense Low-Rank Adaptation (DenseLoRA)"). Names with
    digits are left out: those are model names the sizes sit on."""
    names: set[str] = set()
    for found in _INTRODUCED.finditer(text):
        if text[found.start() - 1 : found.start()].isalpha():
            continue  # "Owe ...", "Tour ...": not the subject
        first = _FIRST_NAME.match(text, found.end())
        if first is not None and len(first[1]) > 2:
            names.add(first[1].lower())
        _, sentence_end = _sentence_bounds(text, found.start(), found.end(), ends)
        names.update(
            m[1].lower() for m in _BRACKETED_NAME.finditer(text, found.end(), sentence_end)
        )
    return frozenset(names)


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


def _clause_after(text: str, end: int, sentence_end: int) -> list[str]:
    """The words after a size up to a new clause: in "Existing methods fine-tune X-13B,
    whereas we adapt a 1B model" the authors do not speak of X-13B."""
    words = [w.lower() for w in _WORD.findall(text, end, sentence_end)]
    for index, word in enumerate(words):
        if word in CLAUSE_STARTS or word == "which":
            return words[:index]
    return words


def _is_others_work(before: Sequence[str]) -> bool:
    """Whether others' work is what the sentence speaks of: "Previous studies used models of
    up to 13B parameters", "Existing approaches fine-tune ..."."""
    return any(
        word in OTHERS_WORK_NOUNS and index and before[index - 1] in WEAK_COMPARE_BEFORE
        for index, word in enumerate(before)
    )


def _is_reference(
    text: str, near_start: int, start: int, cues: Callable[[], TextCues] | None
) -> bool:
    """Whether a name given earlier as others' example comes right before the size."""
    if cues is None:
        return False
    near = [w.lower() for w in _WORD.findall(text, near_start, start)]
    names = cues().references if any(w[:1].isalpha() for w in near) else frozenset()
    return any(w in names for w in near)


def _is_after_study(start: int, cues: Callable[[], TextCues] | None) -> bool:
    """Whether the size comes after the text counted the models it studies ("texts from 12
    LLMs", "tests eleven open source LLMs"): "models like X-8x22b" are then among them."""
    if cues is None:
        return False
    study_start = cues().study_start
    return 0 <= study_start <= start


def _is_peer(words: Sequence[str]) -> bool:
    """ "outperforms other 1B and 8B parameter models": the paper's model has that size."""
    for word in reversed(words):
        if word.lower() in LIST_JOINERS or any(ch.isdigit() for ch in word):
            continue
        return word.lower() == "other"
    return False


def _is_threshold(text: str, start: int, before: Sequence[str]) -> bool:
    """Whether a bound of a class comes right before the size: "fewer than 10B",
    "under 10 billion", "sub-100B", "(≤2B)"."""
    if text[max(0, start - 1) : start] in THRESHOLD_SIGNS and text[start - 1 : start]:
        return True
    return bool(before) and before[-1] in THRESHOLD_WORDS


def _authors_make(before: Sequence[str], own_names: frozenset[str]) -> bool:
    """Whether the size is the object of the authors making a model, within its clause:
    "We train J4R, a 7B judge", "we train models with over 5 billion parameters"."""
    made = False
    for index in range(len(before) - 1, max(-1, len(before) - 10), -1):
        word = before[index]
        if word in OWN_BEFORE or word in own_names:
            return made or (word == "our" and index >= len(before) - 2)
        if word in CREATE_VERBS:
            made = True
        elif word in OBJECT_BREAKS and not made and word not in THRESHOLD_WORDS | {"with"}:
            following = before[index + 1] if index + 1 < len(before) else ""
            if not (word == "from" and following[:1].isdigit()):  # a range: "from 70M to"
                return False
    return False


def _is_data_source(before: Sequence[str], after: Sequence[str]) -> bool:
    """A model named as where data came from: "we use X-72B to generate seed data",
    "the Qwen3-235B distilled datasets"."""
    if after[:1] and after[0] in SOURCE_PARTICIPLES and any(w in DATA_NOUNS for w in after[1:3]):
        return True
    return (
        after[:2] == ["to", after[1]] and after[1] in DATA_VERBS
        if len(after) > 1 and any(w in USE_VERBS for w in before[-4:])
        else False
    )


def _is_headed_by_role(words: Sequence[str]) -> bool:
    """Whether the size's name is one of a list headed by a role noun: "three teacher
    models: AM-Thinking-v1, Qwen3-235B-A22B" (not "our teacher")."""
    for index in range(len(words) - 1, max(-1, len(words) - 12), -1):
        word = words[index]
        lower = word.lower()
        if lower in COMPARE_AFTER and word.islower() and index < len(words) - 1:
            return index == 0 or words[index - 1].lower() not in OWN_BEFORE
        if word[:1].isupper() or any(ch.isdigit() for ch in word):
            continue
        if lower in LIST_JOINERS or lower in HEAD_FILLERS:
            continue
        return False
    return False


def _main_clause(text: str, sentence_start: int, start: int, before: list[str]) -> list[str]:
    """The words before the size, from the main clause only when the sentence opens with a
    subordinate clause that ends before the size ("While X runs with less context than Y,
    the results of our method on 7B ...")."""
    if not before or before[0] not in SUBORDINATORS:
        return before
    comma = text.find(", ", sentence_start, start)
    return before if comma < 0 else [w.lower() for w in _WORD.findall(text, comma, start)]


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


def _role_from_words_before(
    before: list[str], own_names: frozenset[str] = frozenset()
) -> SizeRole | None:
    """The nearest cue before the size decides: a comparison, or the authors speaking (or
    a name they introduced). "other 7B models" are peers of the paper's own 7B model."""
    plain_words = 0
    scoped = False  # past the end of a comparison's object
    for index in range(len(before) - 1, -1, -1):
        word = before[index]
        if word in OWN_BEFORE or word in own_names:
            return "own"
        following = before[index + 1] if index + 1 < len(before) else ""
        if (
            word in SCOPE_END_WORDS
            or (word == "by" and following[:1].isdigit())
            or (word in ("with", "using") and following in ("only", "just", "merely"))
        ):
            scoped = True
        if word in COMPARE_BEFORE and not scoped:
            return "compared"
        if word in CLAUSE_STARTS:
            return None
        if (
            word in CREATE_VERBS
            and not word.startswith("scale")
            and any(w in OWN_BEFORE for w in before[:index])
        ):
            return "own"  # "we compare with X-175B and train a 1B model"
        previous = before[index - 1] if index > 0 else ""
        if word == "over" and previous in COMPARE_OVER_LEADS:
            return "compared"
        if word in ("to", "with") and previous in ("relative", "compare", "compares"):
            return "compared"
        if word in ("to", "into") and any(w in DISTILL_WORDS for w in before[:index]):
            return "own"  # the student: "distilled from GPT-3.5 to T5 (11B)"
        if word == "by" and previous in SOURCE_PARTICIPLES:
            return "compared"  # the data's source: "data generated by a 70B model"
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
