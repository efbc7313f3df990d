"""A straightforward per-rule matcher: the definition the compiled engine must agree with.

Every rule is checked against every paper with one regular expression per term, written
directly from the semantics in `mailer.rules.engine`'s docstring. It is slow (rules ×
papers regex searches) and is used only by the equivalence test and by bench/match.py
as the "per-rule regex loop" baseline.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from mailer.models import Match, MatchReason, Paper
from mailer.rules.engine import filter_reasons
from mailer.rules.index import term_reason
from mailer.rules.rule import (
    FIELD_BITS,
    FIELDS,
    HYPHENS,
    QueryAnd,
    QueryNode,
    QueryNot,
    QueryOr,
    QueryTerm,
    Rule,
    Term,
    announce_kind,
    field_text,
    is_word_char,
    positive_query_terms,
)
from mailer.rules.syntax import compile_regex

_SEPARATOR = f"[\\s{re.escape(HYPHENS)}]+"


def phrase_regex(term: Term) -> re.Pattern[str]:
    """`on-device` -> (?<!\\w)on[\\s-]+device(?!\\w), searched in case-folded text; each
    form of the phrase (its plural too, unless exact) is one alternative."""
    bodies = []
    for form in term.forms:
        words = form.split(" ")
        body = _SEPARATOR.join(re.escape(word) for word in words)
        left = r"(?<!\w)" if is_word_char(form[0]) else ""
        right = r"(?!\w)" if is_word_char(form[-1]) else ""
        bodies.append(left + body + right)
    return re.compile("|".join(f"(?:{body})" for body in bodies))


def rule_regex(rule: Rule) -> re.Pattern[str] | None:
    """One regex for a rule's `any` phrases: the "regex per rule" that decides a rule cannot
    match before its terms are looked at one by one for the explanation."""
    terms = rule.match.any
    if not terms or any(term.is_regex for term in terms):
        return None
    return re.compile("|".join(phrase_regex(term).pattern for term in terms))


class ReferenceMatcher:
    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = [rule for rule in rules if rule.enabled]
        self._rule_regexes = [rule_regex(rule) for rule in self.rules]
        self._patterns: dict[Term, Any] = {}
        for rule in self.rules:
            for term in rule.match.terms():
                if term not in self._patterns:
                    self._patterns[term] = (
                        compile_regex(term.regex) if term.regex is not None else phrase_regex(term)
                    )

    def _fields_hit(self, term: Term, texts: dict[str, tuple[str, str]], mask: int) -> int:
        pattern = self._patterns[term]
        found = 0
        for name in FIELDS:
            if mask & FIELD_BITS[name]:
                raw, folded = texts[name]
                if pattern.search(raw if term.is_regex else folded):
                    found |= FIELD_BITS[name]
        return found

    def _query(self, node: QueryNode, texts: dict[str, tuple[str, str]], mask: int) -> bool:
        if isinstance(node, QueryTerm):
            return bool(self._fields_hit(node.term, texts, mask))
        if isinstance(node, QueryNot):
            return not self._query(node.child, texts, mask)
        if isinstance(node, QueryAnd):
            return all(self._query(child, texts, mask) for child in node.children)
        assert isinstance(node, QueryOr)
        return any(self._query(child, texts, mask) for child in node.children)

    def match_rule(
        self,
        rule: Rule,
        paper: Paper,
        texts: dict[str, tuple[str, str]],
        regex: re.Pattern[str] | None = None,
    ) -> Match | None:
        cond = rule.match
        mask = cond.field_mask
        if cond.formats and paper.format not in cond.formats:
            return None
        if cond.min_upvotes is not None and (
            paper.upvotes is None or paper.upvotes < cond.min_upvotes
        ):
            return None
        if cond.announce and announce_kind(paper) not in cond.announce:
            return None
        size_reason = None
        if cond.size is not None:
            inside = cond.size.first_inside(paper.sizes)
            counted = cond.size.candidates(paper.sizes)
            if inside is None and (counted or cond.size.unknown == "exclude"):
                return None
            size_reason = cond.size.detail(inside)
        if regex is not None and not any(regex.search(texts[name][1]) for name in cond.fields):
            return None
        reasons: list[MatchReason] = []
        hits = [(t, self._fields_hit(t, texts, mask)) for t in cond.any]
        if cond.any and not any(hit for _, hit in hits):
            return None
        reasons.extend(term_reason(t, hit, "any") for t, hit in hits if hit)
        for term in cond.all:
            hit = self._fields_hit(term, texts, mask)
            if not hit:
                return None
            reasons.append(term_reason(term, hit, "all"))
        if any(self._fields_hit(term, texts, mask) for term in cond.none):
            return None
        if cond.authors:
            hits = [(t, self._fields_hit(t, texts, FIELD_BITS["authors"])) for t in cond.authors]
            if not any(hit for _, hit in hits):
                return None
            reasons.extend(term_reason(t, hit, "authors") for t, hit in hits if hit)
        if cond.query is not None:
            if not self._query(cond.query, texts, mask):
                return None
            shown: set[tuple[str, bool]] = set()
            for term in positive_query_terms(cond.query):
                hit = self._fields_hit(term, texts, mask)
                identity = (term.regex or term.key, term.is_regex)
                if hit and identity not in shown:
                    shown.add(identity)
                    reasons.append(term_reason(term, hit, "query"))
        return Match(rule.name, paper.id, tuple(reasons) + filter_reasons(rule, paper, size_reason))

    def match(self, paper: Paper) -> list[Match]:
        texts: dict[str, tuple[str, str]] = {}
        for name in FIELDS:
            text = field_text(paper, name)
            texts[name] = (text, text.casefold())
        found = (
            self.match_rule(rule, paper, texts, regex)
            for rule, regex in zip(self.rules, self._rule_regexes, strict=True)
        )
        return [m for m in found if m is not None]

    def match_all(self, papers: Iterable[Paper]) -> list[Match]:
        return [m for paper in papers for m in self.match(paper)]
