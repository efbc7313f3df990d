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

from mailer.core.models import Match, MatchReason, Paper
from mailer.rules.rule import (
    FIELD_BITS,
    FIELDS,
    HYPHENS,
    Rule,
    Term,
    field_text,
    is_word_char,
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

    def match_rule(
        self,
        rule: Rule,
        paper: Paper,
        texts: dict[str, tuple[str, str]],
        regex: re.Pattern[str] | None = None,
    ) -> Match | None:
        cond = rule.match
        if regex is not None and not any(regex.search(texts[name][1]) for name in cond.fields):
            return None
        where = _Texts(self._patterns, texts, cond.field_mask)
        reasons: list[MatchReason] = []
        for kind, value in cond.checks():
            found = kind.holds(value, paper, where)
            if found is None:
                return None
            reasons.extend(found)
        return Match(rule.name, paper.id, tuple(reasons))

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


class _Texts:
    """A paper's fields, raw and case-folded, searched with one regex per term."""

    __slots__ = ("mask", "patterns", "texts")

    def __init__(
        self, patterns: dict[Term, Any], texts: dict[str, tuple[str, str]], mask: int
    ) -> None:
        self.patterns = patterns
        self.texts = texts
        self.mask = mask

    def fields_hit(self, term: Term, mask: int) -> int:
        pattern = self.patterns[term]
        found = 0
        for name in FIELDS:
            if mask & FIELD_BITS[name]:
                raw, folded = self.texts[name]
                if pattern.search(raw if term.is_regex else folded):
                    found |= FIELD_BITS[name]
        return found
