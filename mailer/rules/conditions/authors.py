"""`authors: [Tim Dettmers]`: at least one name is found in the author names, as written
(no plural: "Smith" must not find "Smiths"); a name never spans two authors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mailer.core.models import MatchReason, Paper
from mailer.rules.conditions.base import (
    Check,
    CompileContext,
    ConditionCheck,
    ParseContext,
    Reasons,
    TextContext,
)
from mailer.rules.conditions.terms import TermList, Terms, listed, parse_terms
from mailer.rules.rule import FIELD_BITS, Term

if TYPE_CHECKING:
    from mailer.config.yamlsource import PathKey
    from mailer.rules.index import CompiledTerm, PaperScan

AUTHORS_BIT = FIELD_BITS["authors"]


class AuthorTerms(TermList):
    def parse(self, value: Any, path: PathKey, ctx: ParseContext) -> Terms:
        return parse_terms(value, path, ctx, exact=True)

    def term_reason(self, term: Term, hit: int) -> MatchReason:
        return MatchReason("author", f"author {term.shown}", "authors", term.text)

    def compile(self, value: Terms, ctx: CompileContext) -> Check:
        return AuthorsCheck(tuple(ctx.terms.add(t) for t in value))

    def holds(self, value: Terms, paper: Paper, ctx: TextContext) -> Reasons | None:
        hits = [(t, ctx.fields_hit(t, AUTHORS_BIT)) for t in value]
        reasons = tuple(self.term_reason(t, hit) for t, hit in hits if hit)
        return reasons or None

    def why_not(self, value: Terms, paper: Paper, ctx: TextContext) -> ConditionCheck:
        hit = [t for t in value if ctx.fields_hit(t, AUTHORS_BIT)]
        shown = "; ".join(paper.authors or ()) or "no authors given"
        detail = f"author {listed(hit)}" if hit else f"{listed(value)} not in: {shown}"
        return ConditionCheck("authors", bool(hit), detail)


class AuthorsCheck(Check):
    __slots__ = ("terms",)
    scanned = AUTHORS_BIT

    def __init__(self, terms: tuple[CompiledTerm, ...]) -> None:
        self.terms = terms

    def test(self, scan: PaperScan) -> Reasons | None:
        reasons = []
        for term in self.terms:
            hit = term.fields_hit(scan, AUTHORS_BIT)
            if hit:
                reasons.append(term.reason(hit, AUTHORS))
        return tuple(reasons) if reasons else None

    def triggers(self) -> Sequence[CompiledTerm] | None:
        return self.terms if all(t.trigger is not None for t in self.terms) else None


AUTHORS = AuthorTerms("authors", 40, "At least one author name must contain one.")
