"""`announce: [new, cross]`: how arXiv announced the paper (a new submission, a cross-list,
a replacement); papers from other digests count as new."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mailer.core.models import MatchReason, Paper
from mailer.rules.conditions.base import (
    Check,
    ChoiceCheck,
    CompileContext,
    ConditionCheck,
    ConditionKind,
    ParseContext,
    Reasons,
    TextContext,
    is_choice_list,
    text_list,
)

if TYPE_CHECKING:
    from mailer.config.yamlsource import PathKey

ANNOUNCE_KINDS = ("new", "cross", "replaced")


def announce_kind(paper: Paper) -> str:
    """How arXiv announced the paper; papers from other digests count as new."""
    return paper.announce or "new"


def _reason(kind: str) -> Reasons:
    return (MatchReason("announce", f"announced as {kind}"),)


ANNOUNCE_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {"enum": list(ANNOUNCE_KINDS)},
    "minItems": 1,
    "uniqueItems": True,
    "description": "How arXiv announced the paper: new, cross (cross-list), replaced. "
    "Papers from other digests count as new. [new, cross] leaves replacements out.",
}


class Announce(ConditionKind[tuple[str, ...]]):
    key = "announce"
    rank = 90
    stage = "paper"
    empty: tuple[str, ...] = ()
    schema = ANNOUNCE_SCHEMA

    def is_surely_valid(self, value: Any) -> bool:
        return is_choice_list(value, ANNOUNCE_KINDS) and len(set(value)) == len(value)

    def parse(self, value: Any, path: PathKey, ctx: ParseContext) -> tuple[str, ...]:
        return ctx.intern(tuple(a for a in text_list(value) if isinstance(a, str)))

    def compile(self, value: tuple[str, ...], ctx: CompileContext) -> Check:
        return ChoiceCheck(frozenset(value), announce_kind, _reason)

    def holds(self, value: tuple[str, ...], paper: Paper, ctx: TextContext) -> Reasons | None:
        kind = announce_kind(paper)
        return _reason(kind) if kind in value else None

    def why_not(self, value: tuple[str, ...], paper: Paper, ctx: TextContext) -> ConditionCheck:
        kind = announce_kind(paper)
        detail = f"announced as {kind}, rule wants {', '.join(value)}"
        return ConditionCheck("announce", kind in value, detail)


ANNOUNCE = Announce()
