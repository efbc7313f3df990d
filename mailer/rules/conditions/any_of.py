"""`any: [LoRA, QLoRA]`: at least one of the terms is found; each found one is a reason."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from mailer.models import Paper
from mailer.rules.conditions.base import Check, CompileContext, ConditionCheck, Reasons, TextContext
from mailer.rules.conditions.terms import TermList, Terms, listed
from mailer.rules.rule import describe_fields

if TYPE_CHECKING:
    from mailer.rules.index import CompiledTerm, PaperScan


class AnyTerms(TermList):
    def compile(self, value: Terms, ctx: CompileContext) -> Check:
        return AnyCheck(tuple(ctx.terms.add(t) for t in value), ctx.mask)

    def holds(self, value: Terms, paper: Paper, ctx: TextContext) -> Reasons | None:
        hits = [(t, ctx.fields_hit(t, ctx.mask)) for t in value]
        reasons = tuple(self.term_reason(t, hit) for t, hit in hits if hit)
        return reasons or None

    def why_not(self, value: Terms, paper: Paper, ctx: TextContext) -> ConditionCheck:
        hit = [t for t in value if ctx.fields_hit(t, ctx.mask)]
        detail = f"found {listed(hit)}" if hit else f"none of {listed(value)}"
        return ConditionCheck("any", bool(hit), f"{detail} in {describe_fields(ctx.mask)}")


class AnyCheck(Check):
    """The most common rule is `any:` phrases alone: this is the hot path."""

    __slots__ = ("mask", "terms")

    def __init__(self, terms: tuple[CompiledTerm, ...], mask: int) -> None:
        self.terms = terms
        self.mask = mask

    @property
    def scanned(self) -> int:  # type: ignore[override]
        return self.mask

    def test(self, scan: PaperScan) -> Reasons | None:
        hits = scan.hits
        mask = self.mask
        reasons = []
        for term in self.terms:
            hit = (hits.get(term.id, 0) & mask) if term.is_phrase else term.fields_hit(scan, mask)
            if hit:
                reasons.append(term.reason(hit, ANY))
        return tuple(reasons) if reasons else None

    def triggers(self) -> Sequence[CompiledTerm] | None:
        return self.terms if all(t.trigger is not None for t in self.terms) else None


ANY = AnyTerms("any", 10, "At least one of these terms must appear.")
