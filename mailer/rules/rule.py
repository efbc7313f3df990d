"""Typed values of the rule language: a `Rule`, its `Condition`, terms, sizes, queries.

These are built once by the loader from YAML and are immutable. Texts shown to users
(`Match` reasons such as "*LoRA* in abstract" or "7B ≤ 8B") are written here, so the
compiled engine and the reference implementation explain matches in the same words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from mailer.config.yamlsource import Position
from mailer.core.models import ModelSize, NotifyTarget, Paper, format_params

FieldName = Literal["title", "abstract", "authors", "source"]
FIELDS: tuple[FieldName, ...] = ("title", "abstract", "authors", "source")
DEFAULT_FIELDS: tuple[FieldName, ...] = ("title", "abstract")
FIELD_BITS: dict[str, int] = {name: 1 << i for i, name in enumerate(FIELDS)}
AUTHOR_SEPARATOR = "; "  # between author names; no phrase can span it

# Hyphens and whitespace are equivalent between words: "on-device" == "on device".
# Besides the ASCII hyphen-minus: hyphen, non-breaking hyphen, figure dash, en dash
# (typeset compounds: "encoder–decoder"), small and fullwidth hyphen-minus. Not the em
# dash, which separates clauses: a phrase must not run across it.
HYPHENS = "-\u2010\u2011\u2012\u2013\ufe63\uff0d"
WHITESPACE = (  # every character for which str.isspace() is true (a test checks it)
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_TO_SPACE = str.maketrans(dict.fromkeys(HYPHENS + WHITESPACE, " "))
_SPACES = re.compile(" {2,}")


def normalize_text(text: str) -> str:
    """Case-folded text with every run of hyphens and whitespace turned into one space."""
    folded = text.casefold().translate(_TO_SPACE)  # translate: 6x faster than a regex sub
    return _SPACES.sub(" ", folded) if "  " in folded else folded


def is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def field_text(paper: Paper, name: str) -> str:
    """The raw text of one searchable field of a paper ("" when the digest lacks it)."""
    if name == "title":
        return paper.title
    if name == "abstract":
        return paper.abstract or ""
    if name == "authors":
        return AUTHOR_SEPARATOR.join(paper.authors or ())
    if name == "source":
        return paper.source or ""
    raise ValueError(f"unknown field {name!r}")


EXACT_MARK = "="  # "=LoRA": this form only, no plural


def word_forms(key: str) -> tuple[str, ...]:
    """A normalized phrase and the regular English plural of its last word: "llm" ->
    ("llm", "llms"), "library" -> (.., "libraries"), "bias" -> (.., "biases"). The
    possessive needs no form of its own: "'" ends a word ("LLM's", "LLMs'")."""
    last = key.rsplit(" ", 1)[-1]
    if not last[-1:].isalpha():
        return (key,)  # "gpt-4", "c++": no plural
    if last.endswith(("s", "x", "z", "ch", "sh")):
        plural = key + "es"
    elif len(last) > 1 and last.endswith("y") and last[-2] not in "aeiou":
        plural = key[:-1] + "ies"
    else:
        plural = key + "s"
    return (key, plural)


@dataclass(frozen=True, slots=True)
class Term:
    """A word or phrase ("LoRA", "small language model") or a regex written `/.../i`.

    A phrase matches its plural too ("LLM" finds "LLMs") unless written `=LLM` (`exact`).
    """

    text: str  # as written in the rule
    regex: str | None = None  # the pattern, for /.../ terms
    exact: bool = False  # this form only: no plural

    @property
    def is_regex(self) -> bool:
        return self.regex is not None

    @property
    def key(self) -> str:
        """The normalized phrase the index looks for (phrases only)."""
        text = self.text[1:] if self.exact and self.text.startswith(EXACT_MARK) else self.text
        return normalize_text(text).strip()

    @property
    def forms(self) -> tuple[str, ...]:
        """The normalized forms the phrase matches: itself, and its plural unless exact."""
        return (self.key,) if self.exact else word_forms(self.key)

    @property
    def shown(self) -> str:
        return self.text if self.is_regex else f"*{self.text}*"


def describe_fields(mask: int) -> str:
    return ", ".join(name for name in FIELDS if mask & FIELD_BITS[name])


def term_detail(term: Term, mask: int) -> str:
    """ "*LoRA* in abstract", "/q?lora/i in title, abstract"."""
    return f"{term.shown} in {describe_fields(mask)}"


@dataclass(frozen=True, slots=True)
class SizeRange:
    """Parameter-count bounds, inclusive; `unknown` says what a paper with no size does.

    `sizes` says which of the paper's sizes count: its own models' (`own`, the default) or
    any size it mentions, baselines included (`any`).
    """

    min: int | None = None
    max: int | None = None
    unknown: Literal["exclude", "include"] = "exclude"
    text: str = ""  # as written, e.g. "<= 8B"
    sizes: Literal["own", "any"] = "own"

    def contains(self, params: int) -> bool:
        return (self.min is None or params >= self.min) and (self.max is None or params <= self.max)

    def candidates(self, sizes: tuple[ModelSize, ...]) -> tuple[ModelSize, ...]:
        """The sizes this range looks at: the paper's own, or all of them."""
        return sizes if self.sizes == "any" else tuple(s for s in sizes if s.is_own)

    def first_inside(self, sizes: tuple[ModelSize, ...]) -> ModelSize | None:
        """The smallest of the paper's (own) sizes inside the range, if any."""
        for size in sorted(self.candidates(sizes)):
            if self.contains(size.params):
                return size
        return None

    def detail(self, size: ModelSize | None) -> str:
        """ "7B ≤ 8B (7B, own)", "70B ≥ 70B (70B, baseline Llama-2-70B)", or why a paper
        with no (own) size passes."""
        if size is None:
            what = "model size" if self.sizes == "any" else "own model size"
            return f"no {what} given (unknown: include)"
        shown = format_params(size.params)
        if self.min is not None and self.max is not None:
            if self.min == self.max:
                compared = f"{shown} = {format_params(self.max)}"
            else:
                compared = f"{shown} in {format_params(self.min)}..{format_params(self.max)}"
        elif self.max is not None:
            compared = f"{shown} ≤ {format_params(self.max)}"
        elif self.min is not None:
            compared = f"{shown} ≥ {format_params(self.min)}"
        else:
            compared = shown
        return f"{compared} ({size.describe()})"


@dataclass(frozen=True, slots=True)
class QueryTerm:
    term: Term


@dataclass(frozen=True, slots=True)
class QueryNot:
    child: QueryNode


@dataclass(frozen=True, slots=True)
class QueryAnd:
    children: tuple[QueryNode, ...]


@dataclass(frozen=True, slots=True)
class QueryOr:
    children: tuple[QueryNode, ...]


QueryNode = QueryTerm | QueryNot | QueryAnd | QueryOr


def query_terms(node: QueryNode) -> list[Term]:
    """Every term of a query, in the order written."""
    if isinstance(node, QueryTerm):
        return [node.term]
    if isinstance(node, QueryNot):
        return query_terms(node.child)
    return [t for child in node.children for t in query_terms(child)]


def positive_query_terms(node: QueryNode, negated: bool = False) -> list[Term]:
    """The terms not under a NOT: the ones a match can be explained by."""
    if isinstance(node, QueryTerm):
        return [] if negated else [node.term]
    if isinstance(node, QueryNot):
        return positive_query_terms(node.child, not negated)
    return [t for child in node.children for t in positive_query_terms(child, negated)]


_conditions: Any = None


def _registry() -> Any:
    """mailer.rules.conditions, imported on first use (its modules import this one)."""
    global _conditions
    if _conditions is None:
        from mailer.rules import conditions

        _conditions = conditions
    return _conditions


def _is_empty(value: Any) -> bool:
    """An empty list is no condition (nor is nothing, or empty text)."""
    return value is None or (isinstance(value, tuple | list | str) and not value)


class Condition:
    """What a paper must satisfy: every condition given must hold (they are ANDed).

    One typed value per condition of the registry (`mailer.rules.conditions.CONDITIONS`),
    None where the rule gives none: `Condition(any=(Term("LoRA"),), size=SizeRange(...))`.
    `condition.any`, `condition.size`, ... read a value by its key (the condition's empty
    value when absent); `items()` gives the (kind, value) pairs given, in registry order.
    """

    __slots__ = ("values",)
    values: tuple[Any, ...]

    def __init__(self, **given: Any) -> None:
        registry = _registry()
        values: list[Any] = [None] * len(registry.CONDITIONS)
        for key, value in given.items():
            position = registry.POSITIONS.get(key)
            if position is None:
                raise TypeError(f"no rule condition {key!r}")
            values[position] = None if _is_empty(value) else value
        object.__setattr__(self, "values", tuple(values))

    @classmethod
    def from_values(cls, values: tuple[Any, ...]) -> Condition:
        """From one value (or None) per registry entry, as the loader builds them."""
        condition = cls.__new__(cls)
        object.__setattr__(condition, "values", values)
        return condition

    def __getattr__(self, name: str) -> Any:
        registry = _registry()
        position = registry.POSITIONS.get(name)
        if position is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        value = self.values[position]
        return registry.CONDITIONS[position].empty if value is None else value

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a Condition is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        return (Condition.from_values, (self.values,))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Condition) and self.values == other.values

    def __hash__(self) -> int:
        return hash(self.values)

    def __repr__(self) -> str:
        given = ", ".join(f"{kind.key}={value!r}" for kind, value in self.items())
        return f"Condition({given})"

    def items(self) -> list[tuple[Any, Any]]:
        """(ConditionKind, value) of every condition given, in registry order."""
        kinds = _registry().CONDITIONS
        return [(kinds[i], value) for i, value in enumerate(self.values) if value is not None]

    def checks(self) -> list[tuple[Any, Any]]:
        """(ConditionKind, value) of every condition given that a paper must pass (not
        `fields:`), in the order of their reasons (`rank`)."""
        values = self.values
        return [(kind, values[i]) for i, kind in _registry().RANKED if values[i] is not None]

    @property
    def fields(self) -> tuple[FieldName, ...]:
        fields: tuple[FieldName, ...] = self.__getattr__("fields")
        return fields

    @property
    def field_mask(self) -> int:
        mask = 0
        for name in self.fields:
            mask |= FIELD_BITS[name]
        return mask

    def terms(self) -> list[Term]:
        """Every term the rule searches for (any, all, none, query, authors)."""
        return [term for kind, value in self.items() for term in kind.terms(value)]


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    match: Condition
    description: str | None = None
    notify: tuple[NotifyTarget, ...] = ()
    enabled: bool = True
    position: Position | None = field(default=None, compare=False)  # where `name:` is written
