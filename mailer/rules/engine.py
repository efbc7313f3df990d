"""The compiled matcher: every rule's terms in one Aho-Corasick automaton.

Semantics (the same in docs/rules.md and in `mailer.rules.reference`):

* Matching ignores case (Unicode case folding).
* Terms match whole words and phrases: `LoRA` does not match `exploration` or `QLoRA`;
  a term's first and last characters must not touch another letter, digit or `_` when
  they are word characters themselves (so `C++` and `GPT-4` work). Between words,
  any run of spaces and hyphens is one separator: `on-device` matches `on device`.
* A phrase also matches the regular English plural of its last word (`LLM` ~ `LLMs`,
  `library` ~ `libraries`, `bias` ~ `biases`; see `rule.word_forms`); the possessive
  needs nothing (`'` ends a word). `=LoRA` (`Term.exact`) and `authors:` terms match
  only as written.
* Terms are looked for in `fields` (default title and abstract; also `authors` and
  `source`). `authors:` terms are always looked for in the authors only; an author
  term never spans two authors.
* `/regex/` terms are RE2 patterns (linear time, case-insensitive) searched anywhere in
  the raw field text; no word boundaries are added.
* The conditions of a rule are ANDed: `any` (at least one term), `all` (every term),
  `none` (no term), `query` (a boolean expression of terms), `authors` (at least one),
  `size`, `min_upvotes`, `formats` and `announce`. An empty list is no condition.
* `size` matches when any of the paper's own sizes (`ModelSize.is_own`; every size with
  `sizes: any`) lies in the range, bounds inclusive (`< 8B` is `<= 8B - 1`). A paper with
  no such size fails a size condition unless the rule says `unknown: include`.
* `min_upvotes` fails for a paper without upvotes; `formats` compares the paper's format;
  `announce` its arXiv announce kind (`new` for papers from other digests).
* Rules with `enabled: false` never match.
* Each match lists its reasons in this order: `any` terms hit, `all` terms, `authors`
  terms, positive `query` terms hit, size, upvotes, format, announce (e.g. "*LoRA* in
  abstract", "7B ≤ 8B (7B, own)", "42 upvotes ≥ 10", "format hf-daily", "announced as
  cross"). Matches come in rule order.

How it is fast: each field of a paper is scanned once by the automaton (which holds every
form of every phrase); a hit is kept only if its word boundaries hold. A rule is then evaluated only if one of its
"trigger" terms hit (terms at least one of which must appear for the rule to match),
or if it has no such terms (purely negative or size-only rules, and regexes without
a required literal). A regex term with a required literal (`q?lora` needs "lora") is
searched only in fields where the automaton found that literal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from mailer.models import Match, MatchReason, Paper
from mailer.rules.collector import collector_paused
from mailer.rules.index import CompiledTerm, PaperScan, TermTable
from mailer.rules.rule import (
    FIELD_BITS,
    FIELDS,
    QueryAnd,
    QueryNode,
    QueryNot,
    QueryOr,
    QueryTerm,
    Rule,
    announce_kind,
)

_AUTHORS_BIT = FIELD_BITS["authors"]


class _CompiledRule:
    __slots__ = ("_filter_reasons", "all", "announce", "any", "authors", "formats", "has_filters",
                 "index", "is_plain", "mask", "min_upvotes", "name", "none", "query", "rule",
                 "size")  # fmt: skip

    def __init__(self, rule: Rule, index: int, terms: TermTable) -> None:
        match = rule.match
        self.rule = rule
        self.name = rule.name
        self.index = index
        self.mask = match.field_mask
        # tuples: an absent condition is the one shared empty tuple, not a list per rule
        self.any = tuple(terms.add(t) for t in match.any) if match.any else ()
        self.all = tuple(terms.add(t) for t in match.all) if match.all else ()
        self.none = tuple(terms.add(t) for t in match.none) if match.none else ()
        self.authors = tuple(terms.add(t) for t in match.authors) if match.authors else ()
        self.query = _compile_query(match.query, terms) if match.query else None
        self.size = match.size
        self.min_upvotes = match.min_upvotes
        self.formats = match.formats
        self.announce = match.announce
        self.has_filters = bool(
            self.size or self.min_upvotes is not None or self.formats or self.announce
        )
        self.is_plain = bool(
            self.any
            and all(t.is_phrase for t in self.any)
            and not (self.all or self.none or self.authors or self.query or self.has_filters)
        )
        # reasons of size/upvotes/format/announce by everything they mention: few values;
        # made on a rule's first match (most of 100,000 rules never match a digest)
        self._filter_reasons: dict[tuple[Any, ...], tuple[MatchReason, ...]] | None = None

    def triggers(self) -> set[int] | None:
        """Automaton ids one of which must be found for the rule to match, or None."""
        options: list[Sequence[CompiledTerm]] = []
        if self.any and all(_trigger(t) is not None for t in self.any):
            options.append(self.any)
        if self.authors and all(_trigger(t) is not None for t in self.authors):
            options.append(self.authors)
        indexed_of_all = [t for t in self.all if _trigger(t) is not None]
        if indexed_of_all:
            options.append(indexed_of_all[:1])
        if self.query is not None:
            needed = _query_triggers(self.query)
            if needed:
                options.append(needed)
        if not options:
            return None
        found = (_trigger(t) for t in min(options, key=len))
        return {trigger for trigger in found if trigger is not None}

    def evaluate(self, scan: PaperScan) -> Match | None:
        """The match of this rule on a scanned paper, or None (hot path: kept flat)."""
        paper = scan.paper
        if self.formats and paper.format not in self.formats:
            return None
        if self.min_upvotes is not None and (
            paper.upvotes is None or paper.upvotes < self.min_upvotes
        ):
            return None
        if self.announce and announce_kind(paper) not in self.announce:
            return None
        size = self.size
        inside = None
        if size is not None:
            low, high = size.min, size.max
            sizes = scan.sizes if size.sizes == "any" else scan.own_sizes
            for candidate in sizes:  # smallest first
                if (low is None or candidate.params >= low) and (
                    high is None or candidate.params <= high
                ):
                    inside = candidate
                    break
            if inside is None and (sizes or size.unknown == "exclude"):
                return None
        hits = scan.hits
        mask = self.mask
        reasons = []
        if self.any:
            for term in self.any:
                hit = (
                    (hits.get(term.id, 0) & mask) if term.is_phrase else term.fields_hit(scan, mask)
                )
                if hit:
                    reasons.append(term.any_reasons[hit] or term.reason(hit, "any"))
            if not reasons:
                return None
        for term in self.all:
            hit = term.fields_hit(scan, mask)
            if not hit:
                return None
            reasons.append(term.reason(hit, "all"))
        for term in self.none:
            if term.fields_hit(scan, mask):
                return None
        if self.authors:
            before = len(reasons)
            for term in self.authors:
                hit = term.fields_hit(scan, _AUTHORS_BIT)
                if hit:
                    reasons.append(term.reason(hit, "authors"))
            if len(reasons) == before:
                return None
        if self.query is not None:
            if not _evaluate_query(self.query, scan, mask):
                return None
            seen: set[int] = set()
            for term in _positive_terms(self.query):
                hit = term.fields_hit(scan, mask)
                if hit and term.id not in seen:
                    seen.add(term.id)
                    reasons.append(term.reason(hit, "query"))
        if self.has_filters:
            # the key holds everything the reasons say, so a cached reason is always true
            key = (
                (inside.params, inside.role, inside.source) if inside is not None else None,
                paper.upvotes if self.min_upvotes is not None else None,
                paper.format if self.formats else None,
                announce_kind(paper) if self.announce else None,
            )
            known = self._filter_reasons
            if known is None:
                known = self._filter_reasons = {}
            shown = known.get(key)
            if shown is None:
                size_reason = size.detail(inside) if size is not None else None
                shown = known[key] = filter_reasons(self.rule, paper, size_reason)
            reasons.extend(shown)
        return Match(self.name, paper.id, tuple(reasons))


def filter_reasons(rule: Rule, paper: Paper, size_reason: str | None) -> tuple[MatchReason, ...]:
    """Reasons for the size, upvotes and format conditions (already known to hold)."""
    match = rule.match
    reasons = []
    if size_reason is not None:
        reasons.append(MatchReason("size", size_reason))
    if match.min_upvotes is not None:
        reasons.append(MatchReason("upvotes", f"{paper.upvotes} upvotes ≥ {match.min_upvotes}"))
    if match.formats:
        reasons.append(MatchReason("format", f"format {paper.format}"))
    if match.announce:
        reasons.append(MatchReason("announce", f"announced as {announce_kind(paper)}"))
    return tuple(reasons)


# --- queries ------------------------------------------------------------------------------

_CompiledQuery = tuple[Any, ...]  # ("term", t) | ("not", q) | ("and", [q]) | ("or", [q])


def _compile_query(node: QueryNode, terms: TermTable) -> _CompiledQuery:
    if isinstance(node, QueryTerm):
        return ("term", terms.add(node.term))
    if isinstance(node, QueryNot):
        return ("not", _compile_query(node.child, terms))
    op = "and" if isinstance(node, QueryAnd) else "or"
    assert isinstance(node, QueryAnd | QueryOr)
    return (op, [_compile_query(child, terms) for child in node.children])


def _evaluate_query(query: _CompiledQuery, scan: PaperScan, mask: int) -> bool:
    op = query[0]
    if op == "term":
        return bool(query[1].fields_hit(scan, mask))
    if op == "not":
        return not _evaluate_query(query[1], scan, mask)
    if op == "and":
        return all(_evaluate_query(child, scan, mask) for child in query[1])
    return any(_evaluate_query(child, scan, mask) for child in query[1])


def _positive_terms(query: _CompiledQuery, negated: bool = False) -> list[CompiledTerm]:
    op = query[0]
    if op == "term":
        return [] if negated else [query[1]]
    if op == "not":
        return _positive_terms(query[1], not negated)
    return [t for child in query[1] for t in _positive_terms(child, negated)]


def _trigger(term: CompiledTerm) -> int | None:
    """The automaton id whose absence proves the term absent: a phrase's, a regex literal's."""
    return term.id if term.is_phrase else term.literal_id


def _query_triggers(query: _CompiledQuery) -> list[CompiledTerm] | None:
    """Terms one of which must be found for the query to be true, or None."""
    op = query[0]
    if op == "term":
        return None if _trigger(query[1]) is None else [query[1]]
    if op == "not":
        return None
    found = [_query_triggers(child) for child in query[1]]
    if op == "and":
        known = [f for f in found if f]
        return min(known, key=len) if known else None
    if any(not f for f in found):
        return None
    return [t for f in found if f for t in f]


# --- the matcher ---------------------------------------------------------------------------


class Matcher:
    """Match papers against compiled rules; build with `compile_rules`."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.terms = TermTable()
        self.rules = [
            _CompiledRule(rule, i, self.terms)
            for i, rule in enumerate(r for r in rules if r.enabled)
        ]
        self._always: list[int] = []
        self._by_term: dict[int, list[int]] = {}
        scanned = 0
        for rule in self.rules:
            scanned |= rule.mask | (_AUTHORS_BIT if rule.authors else 0)
            triggers = rule.triggers()
            if triggers is None:
                self._always.append(rule.index)
            else:
                for term_id in triggers:
                    self._by_term.setdefault(term_id, []).append(rule.index)
        self.terms.build([name for name in FIELDS if scanned & FIELD_BITS[name]])

    def __len__(self) -> int:
        return len(self.rules)

    def match(self, paper: Paper) -> list[Match]:
        """The rules `paper` matches, in rule order, each with its reasons."""
        scan = self.terms.scan(paper)
        candidates = set(self._always)
        by_term = self._by_term
        for term_id in scan.hits:
            rule_ids = by_term.get(term_id)
            if rule_ids:
                candidates.update(rule_ids)
        matches = []
        rules = self.rules
        hits = scan.hits
        for index in sorted(candidates):
            rule = rules[index]
            if rule.is_plain:  # only `any` phrases: the common rule, inlined
                mask = rule.mask
                reasons = []
                for term in rule.any:
                    hit = hits.get(term.id, 0) & mask
                    if hit:
                        reasons.append(term.any_reasons[hit] or term.reason(hit, "any"))
                if reasons:
                    matches.append(Match(rule.name, paper.id, tuple(reasons)))
                continue
            found = rule.evaluate(scan)
            if found is not None:
                matches.append(found)
        return matches

    def match_all(self, papers: Iterable[Paper]) -> list[Match]:
        """The matches of many papers (a digest), in paper order then rule order."""
        with collector_paused():
            return [m for paper in papers for m in self.match(paper)]


def compile_rules(rules: Sequence[Rule]) -> Matcher:
    """Compile the enabled rules into one matcher (rules with errors are never passed in).

    The collector is paused meanwhile: compiling makes no reference cycles, and 100,000
    rules make about a million objects that it would otherwise rescan again and again."""
    with collector_paused():
        return Matcher(rules)
