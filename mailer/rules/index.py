"""The term index: every phrase of every rule in one Aho-Corasick automaton.

`TermTable` gives each distinct term an id (phrases share one per normalized text) and
builds the automaton; `TermTable.scan(paper)` runs it once over each field and keeps a
hit only when the phrase's word boundaries hold. A regex term with a required literal
(see `required_literal`) has that literal in the automaton too, without boundaries: the
regex runs only on fields where the literal occurs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ahocorasick

from mailer.core.models import MatchReason, ModelSize, Paper
from mailer.rules.rule import (
    AUTHOR_SEPARATOR,
    FIELD_BITS,
    FIELDS,
    Term,
    is_word_char,
    normalize_text,
)
from mailer.rules.syntax import compile_regex, required_literal


@dataclass(slots=True)
class PaperScan:
    """What one paper's text holds: phrase hits by term id, regex results on demand."""

    paper: Paper
    hits: dict[int, int]  # term id -> bitmask of fields it was found in
    texts: dict[str, str]
    sizes: tuple[ModelSize, ...] = ()  # the paper's sizes, smallest first
    own_sizes: tuple[ModelSize, ...] = ()  # those of its own models, smallest first
    regex_cache: dict[tuple[int, int], bool] = field(default_factory=dict)


class CompiledTerm:
    __slots__ = ("_reasons", "id", "is_phrase", "literal_id", "regex", "term", "trigger")

    def __init__(self, term: Term, term_id: int, regex: Any, literal_id: int | None) -> None:
        self.term = term
        self.id = term_id
        self.regex = regex
        self.is_phrase = regex is None
        self.literal_id = literal_id  # a regex's required literal, found by the automaton
        # the automaton id whose absence proves the term absent: a phrase's, a regex literal's
        self.trigger = term_id if regex is None else literal_id
        self._reasons: dict[Any, list[MatchReason | None]] = {}

    def reasons(self, kind: Any) -> list[MatchReason | None]:
        """The explanations of this term's hits by the condition `kind` (a term list's
        `ConditionKind`, which words them: `kind.term_reason`), indexed by the bitmask of
        fields hit; each made on first use (`reason`) and shared by every rule."""
        found = self._reasons.get(kind)
        if found is None:
            found = self._reasons[kind] = [None] * (1 << len(FIELDS))
        return found

    def reason(self, hit: int, kind: Any) -> MatchReason:
        """The explanation of a hit in the fields `hit` by the condition `kind`."""
        known = self.reasons(kind)
        found = known[hit]
        if found is None:
            found = known[hit] = kind.term_reason(self.term, hit)
        return found

    def fields_hit(self, scan: PaperScan, mask: int) -> int:
        """Bitmask of the fields in `mask` where this term occurs."""
        if self.is_phrase:
            return scan.hits.get(self.id, 0) & mask
        if self.literal_id is not None:
            mask &= scan.hits.get(self.literal_id, 0)
        found = 0
        for name in FIELDS:
            bit = FIELD_BITS[name]
            if mask & bit:
                key = (self.id, bit)
                hit = scan.regex_cache.get(key)
                if hit is None:
                    hit = self.regex.search(scan.texts[name]) is not None
                    scan.regex_cache[key] = hit
                if hit:
                    found |= bit
        return found


Entry = tuple[int, list[MatchReason | None], CompiledTerm]


class TermTable:
    """Distinct terms of all rules; phrases share one automaton key per normalized text."""

    def __init__(self) -> None:
        self.by_key: dict[tuple[str, str], CompiledTerm] = {}
        self.regexes: dict[str, Any] = {}
        self.literals: dict[str, int] = {}  # regex prefilter literal -> its id
        self.next_id = 0
        # by the Term object: the loader makes one per distinct text, so 100,000 rules
        # add ~100 distinct objects and each is normalized once (kept alive here)
        self._added: dict[int, tuple[Term, CompiledTerm]] = {}
        self._entries: dict[Any, dict[int, tuple[Term, Entry]]] = {}  # by kind, Term id
        self._automaton: Any = None
        self._has_index = False
        self._scanned_fields: list[str] = []

    def entries(self, terms: tuple[Term, ...], kind: Any) -> tuple[Entry, ...]:
        """Each term added, as (id, reasons by `kind`, compiled term): what an `any:` check
        keeps of its terms, one tuple per term for every rule (kept here by the Term's
        id, beside the Term: the compiled term keeps no tuple holding it, a cycle)."""
        known = self._entries.get(kind)
        if known is None:
            known = self._entries[kind] = {}
        found = []
        for term in terms:
            entry = known.get(id(term))
            if entry is None or entry[0] is not term:
                compiled = self.add(term)
                entry = known[id(term)] = (term, (compiled.id, compiled.reasons(kind), compiled))
            found.append(entry[1])
        return tuple(found)

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def add(self, term: Term) -> CompiledTerm:
        added = self._added.get(id(term))
        if added is not None and added[0] is term:
            return added[1]
        compiled = self._add(term)
        self._added[id(term)] = (term, compiled)
        return compiled

    def _add(self, term: Term) -> CompiledTerm:
        kind = "regex" if term.regex is not None else ("exact" if term.exact else "phrase")
        key = (term.regex if term.regex is not None else term.key, kind)
        found = self.by_key.get(key)
        if found is not None and found.term.text == term.text:
            return found
        regex = literal_id = None
        if term.regex is not None:
            regex = self.regexes.get(term.regex) or compile_regex(term.regex)
            self.regexes[term.regex] = regex
            literal = required_literal(term.regex)
            if literal is not None:
                literal_id = self.literals.setdefault(literal, self.new_id())
        term_id = found.id if found is not None else self.new_id()
        compiled = CompiledTerm(term, term_id, regex, literal_id)
        if found is None:
            self.by_key[key] = compiled
        return compiled

    def build(self, fields: list[str]) -> None:
        """Make the automaton once every rule's terms are added; `fields` will be scanned."""
        self._automaton = self.automaton()
        self._has_index = len(self._automaton) > 0
        self._scanned_fields = fields

    def automaton(self) -> Any:
        """One automaton over phrase forms and regex literals; value (phrase id, length,
        boundary needed left, right, literal id, further phrase ids), -1 for an absent id.
        A phrase is there with its plural ("llm", "llms"); when two terms share a form
        ("model"'s plural and the term "models"), the second id goes in the last slot."""
        entries: dict[str, list[Any]] = {}
        for (_, kind), term in self.by_key.items():
            if kind == "regex":
                continue
            for form in term.term.forms:
                entry = entries.get(form)
                if entry is None:
                    left, right = is_word_char(form[0]), is_word_char(form[-1])
                    entries[form] = [term.id, len(form), left, right, -1, ()]
                elif entry[0] < 0:
                    entry[0] = term.id
                elif term.id != entry[0] and term.id not in entry[5]:
                    entry[5] = (*entry[5], term.id)
        for literal, literal_id in self.literals.items():
            entries.setdefault(literal, [-1, len(literal), False, False, -1, ()])[4] = literal_id
        automaton = ahocorasick.Automaton()
        for key, value in entries.items():
            automaton.add_word(key, tuple(value))
        if entries:
            automaton.make_automaton()
        return automaton

    def scan(self, paper: Paper) -> PaperScan:
        """Every field scanned once: phrase hits with their word boundaries checked."""
        texts = {
            "title": paper.title,
            "abstract": paper.abstract or "",
            "authors": AUTHOR_SEPARATOR.join(paper.authors or ()),
            "source": paper.source or "",
        }
        hits: dict[int, int] = {}
        if self._has_index:
            automaton_iter = self._automaton.iter
            for name in self._scanned_fields:
                bit = FIELD_BITS[name]
                text = normalize_text(texts[name])
                if not text:
                    continue
                last = len(text) - 1
                for end, (term_id, length, left, right, literal_id, more) in automaton_iter(text):
                    if literal_id >= 0:
                        hits[literal_id] = hits.get(literal_id, 0) | bit
                        if term_id < 0:
                            continue
                    if right and end < last and is_word_char(text[end + 1]):
                        continue
                    start = end - length + 1
                    if left and start > 0 and is_word_char(text[start - 1]):
                        continue
                    hits[term_id] = hits.get(term_id, 0) | bit
                    for other_id in more:
                        hits[other_id] = hits.get(other_id, 0) | bit
        if not paper.sizes:
            return PaperScan(paper, hits, texts)
        sizes = tuple(sorted(paper.sizes, key=_params))
        return PaperScan(paper, hits, texts, sizes, tuple(s for s in sizes if s.is_own))


def _params(size: ModelSize) -> int:
    return size.params
