"""What the term-list conditions (any, all, none, authors) share: schema, parsing, words.

A term is a word or phrase (`LoRA`, `small language model`, `=LLM`) or a `/regex/`; the
semantics (whole words, plurals, fields) are in `mailer.rules.engine`'s docstring.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from mailer.core.models import MatchReason
from mailer.rules.conditions.base import ConditionKind, ParseContext
from mailer.rules.rule import Term, describe_fields, term_detail
from mailer.rules.schema_errors import label
from mailer.rules.syntax import parse_term

if TYPE_CHECKING:
    from mailer.config.yamlsource import PathKey

Terms = tuple[Term, ...]

TERMS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {"type": "string", "minLength": 1},
    "description": "Words or phrases (whole words, case-insensitive, plurals too; =LLM for "
    "this form only) or /regex/ terms.",
}


def is_text_list(value: Any) -> bool:
    """A list of non-empty texts (what `is_text` says of each, without a call per item)."""
    return type(value) is list and _TEXT_ONLY.issuperset(map(type, value)) and "" not in value


_TEXT_ONLY = frozenset((str,))


def parse_terms(values: Any, path: PathKey, ctx: ParseContext, *, exact: bool = False) -> Terms:
    """The terms of a list; `exact`: phrases match only as written (author names)."""
    if not isinstance(values, list):
        return ()
    # a list written as an earlier one was (and built without errors): its terms
    lists = ctx.cache("exact term lists" if exact else "term lists")
    try:
        written = tuple(values)
        found: Terms | None = lists.get(written)
    except TypeError:  # a list or mapping in the list: the schema reports it
        written, found = None, None
    if found is not None:
        return found
    known = ctx.cache("exact terms" if exact else "terms")
    terms = []
    for i, value in enumerate(values):
        term = known.get(value) if isinstance(value, str) else None
        if term is None:
            where = label((*path[2:], i))  # for the message, made only when needed
            term = ctx.attempt((*path, i), partial(parse_term, value, where))
            if term is None:
                continue
            if exact and term.regex is None:
                term = replace(term, exact=True)
            if isinstance(value, str):
                known[value] = term
        terms.append(term)
    found = tuple(terms)
    if written is not None and len(found) == len(written):
        # one tuple for every rule writing this list (interning the Terms instead would
        # hash each, in Python, for every list written once)
        lists[written] = found
        return found
    return ctx.intern(found)


def listed(terms: Terms | list[Term]) -> str:
    return ", ".join(term.shown for term in terms)


class TermList(ConditionKind[Terms]):
    """A list of terms looked for in the rule's `fields:`."""

    empty: Terms = ()

    def __init__(self, key: str, rank: int, description: str) -> None:
        self.key = key
        self.rank = rank
        self.schema = {**TERMS_SCHEMA, "description": description}

    def is_surely_valid(self, value: Any) -> bool:
        return is_text_list(value)

    def parse(self, value: Any, path: PathKey, ctx: ParseContext) -> Terms:
        return parse_terms(value, path, ctx)

    def terms(self, value: Terms) -> Terms:
        return value

    def term_reason(self, term: Term, hit: int) -> MatchReason:
        """The reason a term found in the fields `hit` gives (made once per term and hit)."""
        kind = "regex" if term.is_regex else "term"
        return MatchReason(kind, term_detail(term, hit), describe_fields(hit), term.text)
