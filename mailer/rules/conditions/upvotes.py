"""`min_upvotes: 10`: the paper has at least that many upvotes (a paper without fails)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mailer.core.models import MatchReason, Paper
from mailer.rules.conditions.base import (
    Check,
    CompileContext,
    ConditionCheck,
    ConditionKind,
    ParseContext,
    Reasons,
    TextContext,
    is_count,
)

if TYPE_CHECKING:
    from mailer.config.yamlsource import PathKey
    from mailer.rules.index import PaperScan


def _reason(upvotes: int, least: int) -> Reasons:
    return (MatchReason("upvotes", f"{upvotes} upvotes ≥ {least}"),)


UPVOTES_SCHEMA: dict[str, Any] = {"type": "integer", "minimum": 0}


class MinUpvotes(ConditionKind[int]):
    key = "min_upvotes"
    rank = 70
    stage = "paper"
    schema = UPVOTES_SCHEMA

    def is_surely_valid(self, value: Any) -> bool:
        return is_count(value)

    def parse(self, value: Any, path: PathKey, ctx: ParseContext) -> int | None:
        return value if isinstance(value, int) else None  # the schema reports the rest

    def compile(self, value: int, ctx: CompileContext) -> Check:
        return UpvotesCheck(value)

    def holds(self, value: int, paper: Paper, ctx: TextContext) -> Reasons | None:
        if paper.upvotes is None or paper.upvotes < value:
            return None
        return _reason(paper.upvotes, value)

    def why_not(self, value: int, paper: Paper, ctx: TextContext) -> ConditionCheck:
        passed = paper.upvotes is not None and paper.upvotes >= value
        has = "no upvotes given" if paper.upvotes is None else f"{paper.upvotes} upvotes"
        return ConditionCheck("min_upvotes", passed, f"{has}, needs ≥ {value}")


class UpvotesCheck(Check):
    __slots__ = ("least", "reasons")

    def __init__(self, least: int) -> None:
        self.least = least
        self.reasons: dict[int, Reasons] = {}

    def test(self, scan: PaperScan) -> Reasons | None:
        upvotes = scan.paper.upvotes
        if upvotes is None or upvotes < self.least:
            return None
        found = self.reasons.get(upvotes)
        if found is None:
            found = self.reasons[upvotes] = _reason(upvotes, self.least)
        return found


MIN_UPVOTES = MinUpvotes()
