"""`venue: [arXiv cs daily]`: the paper's digest label (its `source`) contains one of these
names, ignoring case."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mailer.models import MatchReason, Paper
from mailer.rules.conditions.base import (
    Check,
    CompileContext,
    ConditionCheck,
    ConditionKind,
    ParseContext,
    Reasons,
    TextContext,
    is_text,
    text_list,
)

if TYPE_CHECKING:
    from mailer.rules.index import PaperScan
    from mailer.yamlsource import PathKey

VENUE_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {"type": "string", "minLength": 1},
    "minItems": 1,
    "description": "The digest the paper came from: its label contains one of these.",
}


def _found(names: tuple[str, ...], source: str | None) -> str | None:
    label = (source or "").casefold()
    return next((name for name in names if name.casefold() in label), None)


def _reason(name: str) -> Reasons:
    return (MatchReason("venue", f"venue {name}"),)


class Venue(ConditionKind[tuple[str, ...]]):
    key = "venue"
    rank = 100
    stage = "paper"
    empty: tuple[str, ...] = ()
    schema = VENUE_SCHEMA

    def is_surely_valid(self, value: Any) -> bool:
        return type(value) is list and bool(value) and all(is_text(v) for v in value)

    def parse(self, value: Any, path: PathKey, ctx: ParseContext) -> tuple[str, ...]:
        return ctx.intern(tuple(v for v in text_list(value) if isinstance(v, str) and v))

    def compile(self, value: tuple[str, ...], ctx: CompileContext) -> Check:
        return VenueCheck(value)

    def holds(self, value: tuple[str, ...], paper: Paper, ctx: TextContext) -> Reasons | None:
        name = _found(value, paper.source)
        return None if name is None else _reason(name)

    def why_not(self, value: tuple[str, ...], paper: Paper, ctx: TextContext) -> ConditionCheck:
        name = _found(value, paper.source)
        detail = f"venue {paper.source or 'not given'}, rule wants {', '.join(value)}"
        return ConditionCheck("venue", name is not None, detail)


class VenueCheck(Check):
    __slots__ = ("names", "reasons")

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        self.reasons: dict[str | None, Reasons | None] = {}

    def test(self, scan: PaperScan) -> Reasons | None:
        source = scan.paper.source
        if source in self.reasons:
            return self.reasons[source]
        name = _found(self.names, source)
        found = self.reasons[source] = None if name is None else _reason(name)
        return found


VENUE = Venue()
