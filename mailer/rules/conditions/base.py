"""The contract of a rule condition (`match: {any: ..., size: ...}`), one module each.

A condition module exports one `ConditionKind` instance and is listed once in
`mailer.rules.conditions.CONDITIONS`. The kind holds everything about its key:

* `key`, `schema`: the key under `match:` and its JSON Schema fragment (the published
  schema, `rules/schema.json`, is made of these), and `is_surely_valid`, the hand-written
  fast check that may say yes only when the schema surely would;
* `parse`: the typed value built from the YAML value (a `RuleValueError` says what to
  write; the loader adds file:line:column and the rule);
* `compile`: a `Check` for the compiled matcher (`mailer.rules.engine`): `test(scan)`
  gives the reasons when the condition holds, None when it does not, and `triggers()`
  the terms one of which must be found for it to hold (the index picks candidate rules
  by them);
* `holds`: the same decision written plainly, for the reference implementation the
  compiled matcher is tested against (`mailer.rules.reference`);
* `why_not`: the condition checked on one paper, in words (`mailer rules test --why-not`).

`rank` orders the reasons of a match (and the --why-not lines); `stage = "paper"` marks
a condition that reads only the paper's metadata (no text): the compiled matcher checks
those first, as they are cheapest, and their reasons come after every text condition's.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, Protocol, TypeVar

from mailer.core.models import MatchReason, Paper
from mailer.rules.rule import Term

if TYPE_CHECKING:
    from mailer.config.yamlsource import PathKey
    from mailer.rules.index import CompiledTerm, PaperScan, TermTable

V = TypeVar("V")
Reasons = tuple[MatchReason, ...]


@dataclass(frozen=True, slots=True)
class ConditionCheck:
    """One condition of a rule checked on one paper, in words (`--why-not`)."""

    condition: str  # the rule key: any, all, none, query, authors, size, min_upvotes, ...
    passed: bool
    detail: str  # what was looked for and what the paper has


class ParseContext(Protocol):
    """What the loader offers a condition while it builds one rule's value."""

    def attempt(self, path: PathKey, build: Callable[[], Any]) -> Any:
        """`build()`, or None after recording its RuleValueError at `path` (unless the
        schema already reported a problem there)."""

    def cache(self, name: str) -> dict[Any, Any]:
        """A dict that lives for one load: the same value in 100,000 rules is built once."""

    def intern(self, values: tuple[Any, ...]) -> tuple[Any, ...]:
        """One tuple object for every rule that writes the same list."""


class CompileContext(Protocol):
    terms: TermTable  # every term of every rule, one automaton
    mask: int  # the rule's `fields:` as bits (mailer.rules.rule.FIELD_BITS)


class TextContext(Protocol):
    """Where the plain implementations (reference, --why-not) look for terms."""

    mask: int  # the rule's `fields:` as bits

    def fields_hit(self, term: Term, mask: int) -> int:
        """Bitmask of the fields in `mask` where `term` occurs."""


class Check:
    """One condition of one rule, compiled. `scanned`: the fields (bits) its terms are
    looked for in, which the automaton must scan."""

    __slots__ = ()
    scanned: ClassVar[int] = 0

    def test(self, scan: PaperScan) -> Reasons | None:
        """The reasons (maybe none) when the condition holds on the scanned paper, else None."""
        raise NotImplementedError

    def triggers(self) -> Sequence[CompiledTerm] | None:
        """Terms one of which must be found for this to hold (None: no such terms)."""
        return None


class ChoiceCheck(Check):
    """A paper's value (its format, how it was announced) is one of the rule's choices;
    the reason for each value is made once and shared by every paper with it."""

    __slots__ = ("choices", "reason_for", "reasons", "value_of")

    def __init__(
        self,
        choices: frozenset[str],
        value_of: Callable[[Paper], str],
        reason_for: Callable[[str], Reasons],
    ) -> None:
        self.choices = choices
        self.value_of = value_of
        self.reason_for = reason_for
        self.reasons: dict[str, Reasons] = {}

    def test(self, scan: PaperScan) -> Reasons | None:
        value = self.value_of(scan.paper)
        if value not in self.choices:
            return None
        found = self.reasons.get(value)
        if found is None:
            found = self.reasons[value] = self.reason_for(value)
        return found


class ConditionKind(ABC, Generic[V]):
    """One condition: its key, schema, parser, compiled check, plain check and words."""

    key: str
    schema: dict[str, Any]
    rank: int  # reasons and --why-not lines are ordered by it
    stage: Literal["text", "paper"] = "text"
    is_condition: bool = True  # False: only modifies others (fields:), not "something to look for"
    empty: Any = None  # the value of an absent condition, as Condition attributes give it

    def __repr__(self) -> str:
        return f"<condition {self.key}>"

    @abstractmethod
    def is_surely_valid(self, value: Any) -> bool:
        """True only when the schema fragment surely accepts `value`."""

    @abstractmethod
    def parse(self, value: Any, path: PathKey, ctx: ParseContext) -> V | None:
        """The typed value of `match[key]` (None or an empty tuple: no condition)."""

    def terms(self, value: V) -> Iterable[Term]:
        """The terms this condition looks for."""
        return ()

    def schema_message(self, rel: PathKey, value: Any, validator: str) -> str | None:
        """A plain-words message for a schema failure under this key, if a better one
        than the generic is known (`rel` starts with the key)."""
        return None

    def compile(self, value: V, ctx: CompileContext) -> Check:
        raise NotImplementedError(f"the {self.key} condition has no check")

    def holds(self, value: V, paper: Paper, ctx: TextContext) -> Reasons | None:
        raise NotImplementedError(f"the {self.key} condition has no check")

    def why_not(self, value: V, paper: Paper, ctx: TextContext) -> ConditionCheck:
        raise NotImplementedError(f"the {self.key} condition has no check")


# --- pieces the fast schema checks share ----------------------------------------------------


def is_text(value: Any, shortest: int = 1) -> bool:
    return type(value) is str and len(value) >= shortest


def is_count(value: Any) -> bool:
    return type(value) is int and value >= 0


def is_choice_list(value: Any, choices: Sequence[str]) -> bool:
    return (
        type(value) is list
        and bool(value)
        and all(type(item) is str and item in choices for item in value)
    )


def schema_pattern(text: str) -> re.Pattern[str]:
    """A schema `pattern` as fastjsonschema runs it: `$` is the end of the text (`\\Z`), so
    a value with a trailing line break does not pass."""
    return re.compile(re.sub(r"(?<!\\)\$", r"\\Z", text))


def text_list(value: Any) -> list[Any]:
    """The list as written, for building what the schema allows (it reports the rest)."""
    return value if isinstance(value, list) else []
