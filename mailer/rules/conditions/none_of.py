"""`none: [survey]`: no term is found (gives no reason)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailer.core.models import Paper
from mailer.rules.conditions.base import Check, CompileContext, ConditionCheck, Reasons, TextContext
from mailer.rules.conditions.terms import TermList, Terms, listed
from mailer.rules.rule import describe_fields

if TYPE_CHECKING:
    from mailer.rules.index import CompiledTerm, PaperScan


class NoneOfTerms(TermList):
    def compile(self, value: Terms, ctx: CompileContext) -> Check:
        return NoneCheck(tuple(ctx.terms.add(t) for t in value), ctx.mask)

    def holds(self, value: Terms, paper: Paper, ctx: TextContext) -> Reasons | None:
        return None if any(ctx.fields_hit(t, ctx.mask) for t in value) else ()

    def why_not(self, value: Terms, paper: Paper, ctx: TextContext) -> ConditionCheck:
        present = [t for t in value if ctx.fields_hit(t, ctx.mask)]
        fields = describe_fields(ctx.mask)
        detail = f"{listed(present)} found in {fields}" if present else "none found"
        return ConditionCheck("none", not present, detail)


class NoneCheck(Check):
    __slots__ = ("mask", "terms")

    def __init__(self, terms: tuple[CompiledTerm, ...], mask: int) -> None:
        self.terms = terms
        self.mask = mask

    @property
    def scanned(self) -> int:  # type: ignore[override]
        return self.mask

    def test(self, scan: PaperScan) -> Reasons | None:
        for term in self.terms:
            if term.fields_hit(scan, self.mask):
                return None
        return ()


NONE = NoneOfTerms("none", 30, "None of these terms may appear.")
