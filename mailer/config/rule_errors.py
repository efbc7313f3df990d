"""Rule errors as commands print them, with the config in mind."""

from __future__ import annotations

from mailer.config.settings import Settings
from mailer.rules import RuleSet


def describe_rule_errors(ruleset: RuleSet, settings: Settings) -> list[str]:
    """Each rule error as `file:line:column: ...`; a rule path that does not exist is
    the config's mistake, so it points at the config's `rules:` line."""
    lines = []
    for error in ruleset.errors:
        missing = error.message == "no such rule file or directory"
        if missing and settings.rules_position:
            lines.append(
                f"{settings.rules_position}: rules: no such rule file or directory: "
                f"{error.position.file} (relative paths resolve against the current directory)"
            )
        else:
            lines.append(str(error))
    return lines
