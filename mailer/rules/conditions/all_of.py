"""`all: [LoRA, vision]`: every term is found; each is a reason."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from mailer.core.models import Paper
from mailer.rules.conditions.base import Check, CompileContext, ConditionCheck, Reasons, TextContext
from mailer.rules.conditions.terms import TermList, Terms, listed
from mailer.rules.rule import describe_fields

if TYPE_CHECKING:
    from mailer.rules.index import CompiledTerm, PaperScan


class AllTerms(TermList):
    def compile(self, value: Terms, ctx: CompileContext) -> Check:
        return AllCheck(tuple(ctx.terms.add(t) for t in value), ctx.mask)

    def holds(self, value: Terms, paper: Paper, ctx: TextContext) -> Reasons | None:
        reasons = []
        for term in value:
            hit = ctx.fields_hit(term, ctx.mask)
            if not hit:
                return None
            reasons.append(self.term_reason(term, hit))
        return tuple(reasons)

    def why_not(self, value: Terms, paper: Paper, ctx: TextContext) -> ConditionCheck:
        fields = describe_fields(ctx.mask)
        missing = [t for t in value if not ctx.fields_hit(t, ctx.mask)]
        detail = f"{listed(missing)} not in {fields}" if missing else f"all in {fields}"
        return ConditionCheck("all", not missing, detail)


class AllCheck(Check):
    __slots__ = ("mask", "terms")

    def __init__(self, terms: tuple[CompiledTerm, ...], mask: int) -> None:
        self.terms = terms
        self.mask = mask

    @property
    def scanned(self) -> int:  # type: ignore[override]
        return self.mask

    def test(self, scan: PaperScan) -> Reasons | None:
        reasons = []
        for term in self.terms:
            hit = term.fields_hit(scan, self.mask)
            if not hit:
                return None
            reasons.append(term.reason(hit, ALL))
        return tuple(reasons)

    def triggers(self) -> Sequence[CompiledTerm] | None:
        indexed = [t for t in self.terms if t.trigger is not None]
        return indexed[:1] or None


ALL = AllTerms("all", 20, "Every one of these terms must appear.")
