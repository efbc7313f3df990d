"""What an edited rule file would match: `rules check` messages at their line, and the
matches over stored papers compared with the saved version of the file.

Validation and matching are the product's own (`mailer.rules.load_rules`,
`compile_rules`): the edited text is written to a private temporary file under the
file's own name and loaded beside the other rule files, so duplicate names across
files and unknown destinations are reported exactly as `mailer rules check` does.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from mailer.core.keys import DestinationRef
from mailer.core.models import Paper
from mailer.rules import Rule, RuleError, compile_rules, load_rules

log = logging.getLogger(__name__)

MAX_RULE_TEXT = 2_000_000  # bytes of YAML the page may send: far above any real rule file
DEFAULT_DAYS = 7
MAX_DAYS = 3660


@dataclass(frozen=True, slots=True)
class TextError:
    """A `rules check` message placed in the edited text (1-based line and column)."""

    line: int
    column: int
    message: str

    def to_json(self) -> dict[str, object]:
        return {"line": self.line, "column": self.column, "message": self.message}


@dataclass(frozen=True, slots=True)
class PreviewMatch:
    rule: str
    paper_id: str
    title: str
    reasons: tuple[str, ...]
    destinations: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "paper_id": self.paper_id,
            "title": self.title,
            "reasons": list(self.reasons),
            "destinations": list(self.destinations),
        }


@dataclass(frozen=True, slots=True)
class Preview:
    matches: tuple[PreviewMatch, ...] = ()
    errors: tuple[TextError, ...] = ()
    papers: int = 0  # how many stored papers were looked at
    per_rule: dict[str, int] = field(default_factory=dict)
    per_destination: dict[str, int] = field(default_factory=dict)
    added: tuple[PreviewMatch, ...] = ()  # matched now, not by the saved file
    dropped: tuple[PreviewMatch, ...] = ()  # matched by the saved file, not now

    def to_json(self) -> dict[str, object]:
        return {
            "matches": [m.to_json() for m in self.matches],
            "errors": [e.to_json() for e in self.errors],
            "papers": self.papers,
            "per_rule": self.per_rule,
            "per_destination": self.per_destination,
            "added": [m.to_json() for m in self.added],
            "dropped": [m.to_json() for m in self.dropped],
        }


def check_rule_text(
    text: str,
    name: str,
    *,
    other_files: Sequence[Path] = (),
    has_destination: Callable[[DestinationRef], bool] | None = None,
) -> tuple[tuple[Rule, ...], tuple[TextError, ...]]:
    """(the file's rules, its errors) as `mailer rules check` would find them if `text`
    were saved as `name` next to `other_files` (which must not hold the file itself)."""
    safe_name = Path(name).name or "rules.yaml"
    if not safe_name.endswith((".yaml", ".yml")):
        safe_name += ".yaml"
    with tempfile.TemporaryDirectory(prefix="mailer-preview-") as folder:
        path = Path(folder) / safe_name
        path.write_text(text, encoding="utf-8")
        try:
            ruleset = load_rules([*other_files, path], has_destination=has_destination)
        except Exception as e:  # a checker bug must read as a problem, not a failed page
            log.exception("the rule checker failed on an edited file")
            return (), (
                TextError(
                    1,
                    1,
                    f"the rule checker failed ({type(e).__name__}); "
                    "run `mailer rules check` on the file",
                ),
            )
        mine = str(path)
        errors = tuple(_text_error(e, mine) for e in ruleset.errors if e.position.file == mine)
        rules = tuple(r for r in ruleset.rules if r.position is None or r.position.file == mine)
    return rules, errors


def _text_error(error: RuleError, file: str) -> TextError:
    message = error.message if error.rule is None else f"rule {error.rule!r}: {error.message}"
    return TextError(error.position.line, error.position.column, message.replace(file, "this file"))


def match_papers(rules: Sequence[Rule], papers: Sequence[Paper]) -> list[PreviewMatch]:
    """Every (rule, paper) match, newest paper first, in rule order."""
    found = RuleMatches().matches(rules, papers)
    return _in_paper_order([m for rule in rules for m in found[rule]], rules, papers)


def _in_paper_order(
    matches: list[PreviewMatch], rules: Sequence[Rule], papers: Sequence[Paper]
) -> list[PreviewMatch]:
    if not matches:
        return matches
    by_paper = {p.id: i for i, p in enumerate(papers)}
    order = {r.name: i for i, r in enumerate(rules)}
    return sorted(matches, key=lambda m: (by_paper[m.paper_id], order.get(m.rule, 0)))


class RuleMatches:
    """What each rule matches in one list of papers, computed in one pass of the
    product's matcher for all the rules not seen before, and kept per rule: while a
    user types, only the rule being edited is matched again. Safe across threads."""

    MAX_RULES = 2000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._papers: tuple[int, ...] = ()
        self._by_rule: dict[Rule, tuple[PreviewMatch, ...]] = {}

    def matches(
        self, rules: Sequence[Rule], papers: Sequence[Paper]
    ) -> dict[Rule, tuple[PreviewMatch, ...]]:
        key = tuple(id(p) for p in papers)  # the same decoded papers: see WebContext
        with self._lock:
            if key != self._papers or len(self._by_rule) > self.MAX_RULES:
                self._papers, self._by_rule = key, {}
            missing = list(dict.fromkeys(r for r in rules if r not in self._by_rule))
            if missing:
                self._by_rule.update(_match_once(missing, papers))
            return {r: self._by_rule[r] for r in rules}


def _match_once(rules: list[Rule], papers: Sequence[Paper]) -> dict[Rule, tuple[PreviewMatch, ...]]:
    # rules of two versions of a file share names: each runs under its index instead
    matcher = compile_rules([replace(r, name=str(i)) for i, r in enumerate(rules) if r.enabled])
    found: dict[int, list[PreviewMatch]] = {i: [] for i in range(len(rules))}
    for paper in papers:
        for match in matcher.match(paper):
            index = int(match.rule)
            rule = rules[index]
            found[index].append(
                PreviewMatch(
                    rule.name,
                    paper.id,
                    paper.title,
                    tuple(reason.detail for reason in match.reasons),
                    tuple(t.to.to_str() for t in rule.notify),
                )
            )
    return {rule: tuple(found[i]) for i, rule in enumerate(rules)}


def preview(
    text: str,
    name: str,
    papers: Sequence[Paper],
    *,
    saved: Sequence[Rule] | None = None,
    other_files: Sequence[Path] = (),
    has_destination: Callable[[DestinationRef], bool] | None = None,
    cache: RuleMatches | None = None,
) -> Preview:
    """Check `text`; when it is valid, match its rules against `papers` and compare with
    what the `saved` rules of the same file match (errors instead of matches otherwise)."""
    rules, errors = check_rule_text(
        text, name, other_files=other_files, has_destination=has_destination
    )
    if errors:
        return Preview(errors=errors, papers=len(papers))
    wanted = [*rules, *(saved or ())]
    found = (cache or RuleMatches()).matches(wanted, papers)
    matches = _in_paper_order([m for rule in rules for m in found[rule]], rules, papers)
    per_rule = Counter(m.rule for m in matches)
    per_destination = Counter(d for m in matches for d in m.destinations)
    added: list[PreviewMatch] = []
    dropped: list[PreviewMatch] = []
    if saved is not None:
        before = _in_paper_order([m for rule in saved for m in found[rule]], saved, papers)
        old_keys = {(m.rule, m.paper_id) for m in before}
        new_keys = {(m.rule, m.paper_id) for m in matches}
        added = [m for m in matches if (m.rule, m.paper_id) not in old_keys]
        dropped = [m for m in before if (m.rule, m.paper_id) not in new_keys]
    return Preview(
        matches=tuple(matches),
        papers=len(papers),
        per_rule=dict(per_rule.most_common()),
        per_destination=dict(per_destination.most_common()),
        added=tuple(added),
        dropped=tuple(dropped),
    )
