"""Models the authors use as tools or make themselves, and points on their own scaling
curve (tune9, from tune7's role errors): a model employed to make data ("we employ the
lightweight multimodal language model X-7B to generate descriptions"), a role noun in
apposition to a sized name ("a gold-standard judge (gpt-oss-120b) provides annotations"),
and the authors training the role model ("by training a Qwen3-1.7B judge model"). Used by
`size_role_cues` and `size_roles`.

Pure: words in, a yes or no out.
"""

from __future__ import annotations

from collections.abc import Sequence

from mailer.parse.size_role_data_words import USE_VERBS
from mailer.parse.size_role_words import COMPARE_AFTER, CREATE_VERBS, OBJECT_BREAKS, OWN_BEFORE

__all__ = [
    "MAKE_ROLE_VERBS",
    "is_role_apposition",
    "is_used",
]

_USE_REACH = 8  # words back to the verb: "employ the lightweight multimodal language model X"


def is_used(before: Sequence[str]) -> bool:
    """Whether the size's noun phrase is the object of a verb of use: "we use X-72B", "we
    employ the lightweight multimodal language model X-7B" (no break, nor "our", between)."""
    for word in reversed(before[-_USE_REACH:]):
        if word in USE_VERBS:
            return True
        if word in OBJECT_BREAKS or word in OWN_BEFORE:
            return False
    return False


_APPOSITION_CHARS = 60  # back from the size's name to the role noun and its determiners
_OWNER_REACH = 3  # words before the role noun that could make it the authors' ("our judge")


def is_role_apposition(text: str, start: int) -> bool:
    """Whether the sized name stands in brackets right after a role noun, which names its
    role: 'a "gold-standard" judge (gpt-oss-120b) provides preference annotations' (not
    "our judge (X-7B)", the authors' own)."""
    name_start = text.rfind(" ", 0, start) + 1
    if text[name_start : name_start + 1] != "(":
        return False
    words = text[max(0, name_start - _APPOSITION_CHARS) : name_start].lower().split()
    if not words or words[-1] not in COMPARE_AFTER:
        return False
    owners = words[-1 - _OWNER_REACH : -1]
    return OWN_BEFORE.isdisjoint(owners)


# Making a role model: "we build a reward pipeline by training a Qwen3-1.7B judge model"
MAKE_ROLE_VERBS: frozenset[str] = CREATE_VERBS | frozenset(
    {"training", "fine-tuning", "finetuning", "pretraining", "building", "developing"}
)
