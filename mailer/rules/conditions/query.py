"""`query: (LoRA OR QLoRA) AND NOT survey`: a boolean expression of terms; the terms
found that are not under a NOT are the reasons (each once)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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
    is_text,
)
from mailer.rules.rule import (
    QueryAnd,
    QueryNode,
    QueryNot,
    QueryOr,
    QueryTerm,
    Term,
    describe_fields,
    positive_query_terms,
    query_terms,
    term_detail,
)
from mailer.rules.syntax import parse_query

if TYPE_CHECKING:
    from mailer.config.yamlsource import PathKey
    from mailer.rules.index import CompiledTerm, PaperScan, TermTable


QUERY_SCHEMA: dict[str, Any] = {
    "type": "string",
    "minLength": 1,
    "description": "Boolean expression: (LoRA OR QLoRA) AND NOT survey.",
}


@dataclass(frozen=True, slots=True)
class Query:
    node: QueryNode
    text: str | None = None  # as written


class QueryKind(ConditionKind[Query]):
    key = "query"
    rank = 50
    schema = QUERY_SCHEMA

    def is_surely_valid(self, value: Any) -> bool:
        return is_text(value)

    def parse(self, value: Any, path: PathKey, ctx: ParseContext) -> Query | None:
        known = ctx.cache("query")
        query = known.get(value) if isinstance(value, str) else None
        if query is None:
            node = ctx.attempt((*path,), lambda: parse_query(value))
            if node is None:
                return None
            query = Query(node, value if isinstance(value, str) else None)
            if isinstance(value, str):
                known[value] = query
        return query

    def terms(self, value: Query) -> list[Term]:
        return query_terms(value.node)

    def term_reason(self, term: Term, hit: int) -> MatchReason:
        kind = "regex" if term.is_regex else "query"
        return MatchReason(kind, term_detail(term, hit), describe_fields(hit), term.text)

    def compile(self, value: Query, ctx: CompileContext) -> Check:
        return QueryCheck(_compile(value.node, ctx.terms), ctx.mask)

    def holds(self, value: Query, paper: Paper, ctx: TextContext) -> Reasons | None:
        if not _holds(value.node, ctx):
            return None
        reasons = []
        shown: set[tuple[str, bool]] = set()
        for term in positive_query_terms(value.node):
            hit = ctx.fields_hit(term, ctx.mask)
            identity = (term.regex or term.key, term.is_regex)
            if hit and identity not in shown:
                shown.add(identity)
                reasons.append(self.term_reason(term, hit))
        return tuple(reasons)

    def why_not(self, value: Query, paper: Paper, ctx: TextContext) -> ConditionCheck:
        passed = _holds(value.node, ctx)
        verdict = "true" if passed else "false"
        return ConditionCheck("query", passed, f"{value.text or 'query'} is {verdict}")


def _holds(node: QueryNode, ctx: TextContext) -> bool:
    if isinstance(node, QueryTerm):
        return bool(ctx.fields_hit(node.term, ctx.mask))
    if isinstance(node, QueryNot):
        return not _holds(node.child, ctx)
    if isinstance(node, QueryAnd):
        return all(_holds(child, ctx) for child in node.children)
    assert isinstance(node, QueryOr)
    return any(_holds(child, ctx) for child in node.children)


# --- compiled ---------------------------------------------------------------------------

_Compiled = tuple[Any, ...]  # ("term", t) | ("not", q) | ("and", [q]) | ("or", [q])


def _compile(node: QueryNode, terms: TermTable) -> _Compiled:
    if isinstance(node, QueryTerm):
        return ("term", terms.add(node.term))
    if isinstance(node, QueryNot):
        return ("not", _compile(node.child, terms))
    op = "and" if isinstance(node, QueryAnd) else "or"
    assert isinstance(node, QueryAnd | QueryOr)
    return (op, [_compile(child, terms) for child in node.children])


def _evaluate(query: _Compiled, scan: PaperScan, mask: int) -> bool:
    op = query[0]
    if op == "term":
        return bool(query[1].fields_hit(scan, mask))
    if op == "not":
        return not _evaluate(query[1], scan, mask)
    if op == "and":
        return all(_evaluate(child, scan, mask) for child in query[1])
    return any(_evaluate(child, scan, mask) for child in query[1])


def _positive_terms(query: _Compiled, negated: bool = False) -> list[CompiledTerm]:
    op = query[0]
    if op == "term":
        return [] if negated else [query[1]]
    if op == "not":
        return _positive_terms(query[1], not negated)
    return [t for child in query[1] for t in _positive_terms(child, negated)]


def _triggers(query: _Compiled) -> list[CompiledTerm] | None:
    """Terms one of which must be found for the query to be true, or None."""
    op = query[0]
    if op == "term":
        return None if query[1].trigger is None else [query[1]]
    if op == "not":
        return None
    found = [_triggers(child) for child in query[1]]
    if op == "and":
        known = [f for f in found if f]
        return min(known, key=len) if known else None
    if any(not f for f in found):
        return None
    return [t for f in found if f for t in f]


class QueryCheck(Check):
    __slots__ = ("mask", "query")

    def __init__(self, query: _Compiled, mask: int) -> None:
        self.query = query
        self.mask = mask

    @property
    def scanned(self) -> int:  # type: ignore[override]
        return self.mask

    def test(self, scan: PaperScan) -> Reasons | None:
        if not _evaluate(self.query, scan, self.mask):
            return None
        reasons = []
        seen: set[int] = set()
        for term in _positive_terms(self.query):
            hit = term.fields_hit(scan, self.mask)
            if hit and term.id not in seen:
                seen.add(term.id)
                reasons.append(term.reason(hit, QUERY))
        return tuple(reasons)

    def triggers(self) -> Sequence[CompiledTerm] | None:
        return _triggers(self.query)


QUERY = QueryKind()
