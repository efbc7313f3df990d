"""`fields: [title, abstract]`: where the term conditions look (not a condition itself)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mailer.rules.conditions.base import ConditionKind, ParseContext, is_choice_list, text_list
from mailer.rules.rule import DEFAULT_FIELDS, FIELDS, FieldName

if TYPE_CHECKING:
    from mailer.config.yamlsource import PathKey

MATCH_FIELDS: tuple[str, ...] = FIELDS


FIELDS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {"enum": list(MATCH_FIELDS)},
    "minItems": 1,
    "description": "Where terms are looked for; default [title, abstract].",
}


class FieldsKind(ConditionKind[tuple[FieldName, ...]]):
    key = "fields"
    rank = 0
    is_condition = False
    empty = DEFAULT_FIELDS
    schema = FIELDS_SCHEMA

    def is_surely_valid(self, value: Any) -> bool:
        return is_choice_list(value, MATCH_FIELDS)

    def parse(self, value: Any, path: PathKey, ctx: ParseContext) -> tuple[FieldName, ...]:
        # the schema reports a wrong name; building goes on with what is usable
        names = tuple(_as_field(f) for f in text_list(value) if isinstance(f, str))
        return ctx.intern(names) if names else DEFAULT_FIELDS


def _as_field(name: str) -> FieldName:
    return name if name in FIELDS else "source"


FIELDS_OPTION = FieldsKind()
