"""The rule language (YAML in the top-level rules/ folder) and the compiled matcher.

ruleset = load_rules([Path("rules")], has_destination=settings.has_destination)
for error in ruleset.errors:      # never raises for bad content
    print(error)                  # file:line:column: rule 'name': what was expected
matcher = compile_rules(ruleset.rules)
matches = matcher.match(paper)    # list[mailer.core.models.Match]
"""

from mailer.rules.engine import Matcher, compile_rules
from mailer.rules.loader import RuleError, RuleSet, load_rules
from mailer.rules.rule import Condition, Rule, SizeRange, Term

__all__ = [
    "Condition",
    "Matcher",
    "Rule",
    "RuleError",
    "RuleSet",
    "SizeRange",
    "Term",
    "compile_rules",
    "load_rules",
]
