"""Why a rule does not match a paper: each condition checked on its own, in words.

`mailer rules test --why-not PAPER_ID` prints these. Each condition module says it
(`ConditionKind.why_not`, in `mailer.rules.conditions`), looking for terms with the
reference implementation's regexes, so "fails" here means the engines do not match
either; a test holds the two together.
"""

from __future__ import annotations

from mailer.core.models import Paper
from mailer.rules.conditions import ConditionCheck
from mailer.rules.reference import phrase_regex
from mailer.rules.rule import FIELD_BITS, FIELDS, Rule, Term, field_text
from mailer.rules.syntax import compile_regex

__all__ = ["ConditionCheck", "check_conditions"]


def check_conditions(rule: Rule, paper: Paper) -> list[ConditionCheck]:
    """Every condition the rule gives, checked on `paper` (in the order docs/rules.md
    lists them); the rule matches when all pass and the rule is enabled."""
    where = _PaperText(paper, rule.match.field_mask)
    return [kind.why_not(value, paper, where) for kind, value in rule.match.checks()]


class _PaperText:
    __slots__ = ("mask", "paper")

    def __init__(self, paper: Paper, mask: int) -> None:
        self.paper = paper
        self.mask = mask

    def fields_hit(self, term: Term, mask: int) -> int:
        pattern = compile_regex(term.regex) if term.regex is not None else phrase_regex(term)
        found = 0
        for name in FIELDS:
            if mask & FIELD_BITS[name]:
                text = field_text(self.paper, name)
                if pattern.search(text if term.is_regex else text.casefold()):
                    found |= FIELD_BITS[name]
        return found
