"""`any: [LoRA, QLoRA]`: at least one of the terms is found; each found one is a reason."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from mailer.core.models import Paper
from mailer.rules.conditions.base import Check, CompileContext, ConditionCheck, Reasons, TextContext
from mailer.rules.conditions.terms import TermList, Terms, listed
from mailer.rules.rule import describe_fields

if TYPE_CHECKING:
    from mailer.rules.index import CompiledTerm, Entry, PaperScan


class AnyTerms(TermList):
    def compile(self, value: Terms, ctx: CompileContext) -> Check:
        # each term's automaton id and its reasons by the fields hit (shared by every rule)
        entries = ctx.terms.entries(value, ANY)
        terms = tuple([entry[2] for entry in entries])
        if all(term.is_phrase for term in terms):
            return AnyPhrasesCheck(terms, ctx.mask, entries)
        return AnyCheck(terms, ctx.mask, entries)

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

    __slots__ = ("entries", "mask", "terms")

    def __init__(
        self, terms: tuple[CompiledTerm, ...], mask: int, entries: tuple[Entry, ...]
    ) -> None:
        self.terms = terms
        self.mask = mask
        self.entries = entries  # (id, reasons by fields hit, term) of each term

    @property
    def scanned(self) -> int:  # type: ignore[override]
        return self.mask

    def test(self, scan: PaperScan) -> Reasons | None:
        hits = scan.hits
        mask = self.mask
        reasons = []
        for term_id, known, term in self.entries:
            hit = (hits.get(term_id, 0) & mask) if term.is_phrase else term.fields_hit(scan, mask)
            if hit:
                reasons.append(known[hit] or term.reason(hit, ANY))
        return tuple(reasons) if reasons else None

    def triggers(self) -> Sequence[CompiledTerm] | None:
        return self.terms if all(t.trigger is not None for t in self.terms) else None


class AnyPhrasesCheck(AnyCheck):
    """When every term is a phrase, its hits are all in the scan already."""

    __slots__ = ()

    def test(self, scan: PaperScan) -> Reasons | None:
        hits = scan.hits
        mask = self.mask
        reasons = []
        for term_id, known, term in self.entries:
            hit = hits.get(term_id, 0) & mask
            if hit:
                reasons.append(known[hit] or term.reason(hit, ANY))
        return tuple(reasons) if reasons else None


ANY = AnyTerms("any", 10, "At least one of these terms must appear.")
