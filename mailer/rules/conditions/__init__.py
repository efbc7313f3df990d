"""Every rule condition. Adding a condition: one module here and one line in CONDITIONS.

Each module exports a `ConditionKind` (see `base.py` for the contract: key, schema
fragment, fast schema check, parser, compiled check, plain check, words). The rule
schema (`mailer.rules.schema`), the loader, the compiled matcher (`mailer.rules.engine`),
the reference implementation (`mailer.rules.reference`) and `--why-not`
(`mailer.rules.explain`) iterate this tuple; none names a condition.

The order is the one the schema lists keys in (and the loader's "give at least one of"
message); reasons and --why-not lines follow each kind's `rank`.
"""

from __future__ import annotations

from typing import Any

from mailer.rules.conditions.all_of import ALL
from mailer.rules.conditions.announce import ANNOUNCE
from mailer.rules.conditions.any_of import ANY
from mailer.rules.conditions.authors import AUTHORS
from mailer.rules.conditions.base import Check, ConditionCheck, ConditionKind
from mailer.rules.conditions.fields import FIELDS_OPTION
from mailer.rules.conditions.formats import FORMATS_CONDITION
from mailer.rules.conditions.none_of import NONE
from mailer.rules.conditions.query import QUERY, Query
from mailer.rules.conditions.size import SIZE
from mailer.rules.conditions.upvotes import MIN_UPVOTES

CONDITIONS: tuple[ConditionKind[Any], ...] = (
    ANY,
    ALL,
    NONE,
    QUERY,
    AUTHORS,
    FIELDS_OPTION,
    SIZE,
    MIN_UPVOTES,
    FORMATS_CONDITION,
    ANNOUNCE,
)

POSITIONS: dict[str, int] = {kind.key: i for i, kind in enumerate(CONDITIONS)}
BY_KEY: dict[str, ConditionKind[Any]] = {kind.key: kind for kind in CONDITIONS}
# (position, kind) of the conditions a paper must pass, in the order of their reasons
RANKED: tuple[tuple[int, ConditionKind[Any]], ...] = tuple(
    sorted(((i, k) for i, k in enumerate(CONDITIONS) if k.is_condition), key=lambda p: p[1].rank)
)
assert len(BY_KEY) == len(CONDITIONS), "two conditions with one key"
# the compiled matcher checks "paper" conditions first and puts their reasons last
assert max((k.rank for k in CONDITIONS if k.stage == "text"), default=0) < min(
    (k.rank for k in CONDITIONS if k.stage == "paper"), default=1 << 30
), "a text condition ranks after a paper condition"

__all__ = [
    "BY_KEY",
    "CONDITIONS",
    "POSITIONS",
    "RANKED",
    "Check",
    "ConditionCheck",
    "ConditionKind",
    "Query",
]
