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

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from mailer.core.models import Match, MatchReason, Paper
from mailer.rules.collector import collector_paused
from mailer.rules.conditions import POSITIONS, Check
from mailer.rules.index import PaperScan, TermTable
from mailer.rules.rule import FIELD_BITS, FIELDS, Rule

_Test = Callable[[PaperScan], tuple[MatchReason, ...] | None]
_FIELDS = POSITIONS["fields"]


class _Compiling:
    """What a condition compiles against: the term table and the rule's fields; checks
    of "paper" conditions are shared by every rule with the same value (and so are the
    reasons they cache)."""

    __slots__ = ("mask", "masks", "shared", "terms", "texts")

    def __init__(self, terms: TermTable) -> None:
        self.terms = terms
        self.mask = 0
        self.masks: dict[Any, int] = {}  # a rule's `fields:` value -> its bits
        self.shared: dict[tuple[Any, Any], _Shared] = {}
        # text conditions by (kind, value's id, fields): the loader gives every rule that
        # writes the same list one tuple, and checks hold no state of their own; the value
        # is kept beside its check, so its id stays its own
        self.texts: dict[tuple[Any, int, int], tuple[Any, _Shared]] = {}


# a compiled condition and what every rule using it needs of it: its test (one bound
# method for all), the fields it scans, and its trigger terms (how many, their ids)
_Shared = tuple[Check, _Test, int, int, tuple[int, ...] | None]


def _shared(check: Check) -> _Shared:
    triggers = check.triggers()
    if not triggers:
        return (check, check.test, check.scanned, 0, None)
    ids = tuple(dict.fromkeys(t.trigger for t in triggers if t.trigger is not None))
    return (check, check.test, check.scanned, len(triggers), ids)


class _CompiledRule:
    __slots__ = ("first", "index", "name", "pair", "rule", "scanned", "single", "then",
                 "trigger_ids")  # fmt: skip

    def __init__(self, rule: Rule, index: int, ctx: _Compiling) -> None:
        match = rule.match
        self.rule = rule
        self.name = rule.name
        self.index = index
        fields = match.values[_FIELDS]
        mask = ctx.masks.get(fields)
        if mask is None:
            mask = ctx.masks[fields] = match.field_mask
        ctx.mask = mask
        first: list[_Test] = []  # "paper" conditions: cheapest, checked first
        then: list[_Test] = []  # text conditions, in reason order
        scanned = 0
        fewest = 0  # the fewest trigger terms of a condition, and their ids
        trigger_ids = None
        for kind, value in match.checks():
            if kind.stage == "paper":
                key = (kind, value)
                known = ctx.shared.get(key)
                if known is None:
                    known = ctx.shared[key] = _shared(kind.compile(value, ctx))
                first.append(known[1])
            else:
                same = (kind, id(value), mask)
                text = ctx.texts.get(same)
                if text is None or text[0] is not value:
                    text = ctx.texts[same] = (value, _shared(kind.compile(value, ctx)))
                known = text[1]
                then.append(known[1])
            scanned |= known[2]
            if known[3] and (not fewest or known[3] < fewest):
                fewest, trigger_ids = known[3], known[4]
        self.scanned = scanned
        checks = len(first) + len(then)
        # a rule of one condition is matched by its check alone (the common `any:` rule),
        # one of two (`any:` with `none:` or `size:`) by `pair`, unrolled in `match`:
        # the first checked first, its reasons last when `swap` (a "paper" condition's);
        # only others keep their tests in `first` and `then` (for `evaluate`)
        self.single = (first + then)[0] if checks == 1 else None
        self.pair: tuple[_Test, _Test, bool] | None = None
        if checks == 2:
            one, two = first + then
            self.pair = (one, two, len(first) == 1)
        self.first = tuple(first) if checks > 2 else ()
        self.then = tuple(then) if checks > 2 else ()
        # automaton ids one of which must be found for the rule to match (those of the
        # condition with the fewest such terms), or None
        self.trigger_ids = trigger_ids

    def evaluate(self, scan: PaperScan) -> Match | None:
        """The match of this rule on a scanned paper, or None."""
        tail: tuple[MatchReason, ...] = ()
        for test in self.first:
            found = test(scan)
            if found is None:
                return None
            tail += found
        reasons: tuple[MatchReason, ...] = ()
        for test in self.then:
            found = test(scan)
            if found is None:
                return None
            reasons = reasons + found if reasons else found
        return Match(self.name, scan.paper.id, reasons + tail if tail else reasons)


# --- the matcher ---------------------------------------------------------------------------


class Matcher:
    """Match papers against compiled rules; build with `compile_rules`."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.terms = TermTable()
        ctx = _Compiling(self.terms)
        self.rules = [
            _CompiledRule(rule, i, ctx) for i, rule in enumerate(r for r in rules if r.enabled)
        ]
        self._always: list[int] = []
        self._by_term: dict[int, list[int]] = {}
        scanned = 0
        by_term = self._by_term
        for rule in self.rules:
            scanned |= rule.scanned
            triggers = rule.trigger_ids
            if triggers is None:
                self._always.append(rule.index)
            else:
                for term_id in triggers:
                    rule_ids = by_term.get(term_id)
                    if rule_ids is None:
                        by_term[term_id] = [rule.index]
                    else:
                        rule_ids.append(rule.index)
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
        paper_id = paper.id
        for index in sorted(candidates):
            rule = rules[index]
            single = rule.single
            if single is not None:
                reasons = single(scan)
                if reasons is not None:
                    matches.append(Match(rule.name, paper_id, reasons))
                continue
            pair = rule.pair
            if pair is not None:
                one = pair[0](scan)
                if one is None:
                    continue
                two = pair[1](scan)
                if two is not None:
                    matches.append(Match(rule.name, paper_id, two + one if pair[2] else one + two))
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
