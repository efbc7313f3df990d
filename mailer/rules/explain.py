"""Why a rule does not match a paper: each condition checked on its own, in words.

`mailer rules test --why-not PAPER_ID` prints these. The checks follow the semantics of
`mailer.rules.engine` (the reference implementation's regexes are reused for terms), so
"fails" here means the engines do not match either; a test holds the two together.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailer.models import Paper, format_params
from mailer.rules.reference import phrase_regex
from mailer.rules.rule import (
    FIELD_BITS,
    FIELDS,
    QueryAnd,
    QueryNode,
    QueryNot,
    QueryOr,
    QueryTerm,
    Rule,
    Term,
    announce_kind,
    describe_fields,
    field_text,
)
from mailer.rules.syntax import compile_regex


@dataclass(frozen=True, slots=True)
class ConditionCheck:
    condition: str  # the rule key: any, all, none, query, authors, size, min_upvotes, ...
    passed: bool
    detail: str  # what was looked for and what the paper has


def check_conditions(rule: Rule, paper: Paper) -> list[ConditionCheck]:
    """Every condition the rule gives, checked on `paper` (in the order docs/rules.md
    lists them); the rule matches when all pass and the rule is enabled."""
    cond = rule.match
    fields = describe_fields(cond.field_mask)
    checks: list[ConditionCheck] = []
    if cond.any:
        hit = [t for t in cond.any if _found(t, paper, cond.field_mask)]
        detail = f"found {_listed(hit)}" if hit else f"none of {_listed(cond.any)}"
        checks.append(ConditionCheck("any", bool(hit), f"{detail} in {fields}"))
    if cond.all:
        missing = [t for t in cond.all if not _found(t, paper, cond.field_mask)]
        detail = f"{_listed(missing)} not in {fields}" if missing else f"all in {fields}"
        checks.append(ConditionCheck("all", not missing, detail))
    if cond.none:
        present = [t for t in cond.none if _found(t, paper, cond.field_mask)]
        detail = f"{_listed(present)} found in {fields}" if present else "none found"
        checks.append(ConditionCheck("none", not present, detail))
    if cond.authors:
        hit = [t for t in cond.authors if _found(t, paper, FIELD_BITS["authors"])]
        shown = "; ".join(paper.authors or ()) or "no authors given"
        detail = f"author {_listed(hit)}" if hit else f"{_listed(cond.authors)} not in: {shown}"
        checks.append(ConditionCheck("authors", bool(hit), detail))
    if cond.query is not None:
        passed = _query(cond.query, paper, cond.field_mask)
        verdict = "true" if passed else "false"
        checks.append(ConditionCheck("query", passed, f"{cond.query_text or 'query'} is {verdict}"))
    if cond.size is not None:
        checks.append(_size_check(rule, paper))
    if cond.min_upvotes is not None:
        passed = paper.upvotes is not None and paper.upvotes >= cond.min_upvotes
        has = "no upvotes given" if paper.upvotes is None else f"{paper.upvotes} upvotes"
        checks.append(ConditionCheck("min_upvotes", passed, f"{has}, needs ≥ {cond.min_upvotes}"))
    if cond.formats:
        passed = paper.format in cond.formats
        detail = f"format {paper.format}, rule wants {', '.join(cond.formats)}"
        checks.append(ConditionCheck("formats", passed, detail))
    if cond.announce:
        kind = announce_kind(paper)
        detail = f"announced as {kind}, rule wants {', '.join(cond.announce)}"
        checks.append(ConditionCheck("announce", kind in cond.announce, detail))
    return checks


def _size_check(rule: Rule, paper: Paper) -> ConditionCheck:
    size = rule.match.size
    assert size is not None
    counted = size.candidates(paper.sizes)
    inside = size.first_inside(paper.sizes)
    wanted = size.text or "the range"
    if inside is not None:
        return ConditionCheck("size", True, size.detail(inside))
    if not counted and size.unknown == "include":
        return ConditionCheck("size", True, size.detail(None))
    others = [s.describe() for s in sorted(paper.sizes) if s not in counted]
    if counted:
        detail = f"{', '.join(format_params(s.params) for s in counted)} not in {wanted}"
    elif size.sizes == "own":
        detail = f"no own model size (unknown: {size.unknown})"
    else:
        detail = f"no model size (unknown: {size.unknown})"
    if others:
        detail += f"; not counted: {'; '.join(others)} (size: {{sizes: any}} counts them)"
    return ConditionCheck("size", False, detail)


def _found(term: Term, paper: Paper, mask: int) -> bool:
    pattern = compile_regex(term.regex) if term.regex is not None else phrase_regex(term)
    for name in FIELDS:
        if mask & FIELD_BITS[name]:
            text = field_text(paper, name)
            if pattern.search(text if term.is_regex else text.casefold()):
                return True
    return False


def _query(node: QueryNode, paper: Paper, mask: int) -> bool:
    if isinstance(node, QueryTerm):
        return _found(node.term, paper, mask)
    if isinstance(node, QueryNot):
        return not _query(node.child, paper, mask)
    if isinstance(node, QueryAnd):
        return all(_query(child, paper, mask) for child in node.children)
    assert isinstance(node, QueryOr)
    return any(_query(child, paper, mask) for child in node.children)


def _listed(terms: list[Term] | tuple[Term, ...]) -> str:
    return ", ".join(term.shown for term in terms)
