"""`formats: [hf-daily, arxiv-listing]`: the paper came from a digest of one of these
formats (the names are `mailer.core.models.PaperFormat`'s)."""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING, Any, get_args

from mailer.core.models import MatchReason, Paper, PaperFormat
from mailer.rules.conditions.base import (
    Check,
    ChoiceCheck,
    CompileContext,
    ConditionCheck,
    ConditionKind,
    ParseContext,
    Reasons,
    TextContext,
    is_choice_list,
    text_list,
)

if TYPE_CHECKING:
    from mailer.config.yamlsource import PathKey

FORMATS: tuple[str, ...] = get_args(PaperFormat)  # a new format is named once, in models


def _reason(paper_format: str) -> Reasons:
    return (MatchReason("format", f"format {paper_format}"),)


FORMATS_SCHEMA: dict[str, Any] = {"type": "array", "items": {"enum": list(FORMATS)}, "minItems": 1}


class Formats(ConditionKind[tuple[str, ...]]):
    key = "formats"
    rank = 80
    stage = "paper"
    empty: tuple[str, ...] = ()
    schema = FORMATS_SCHEMA

    def is_surely_valid(self, value: Any) -> bool:
        return is_choice_list(value, FORMATS)

    def parse(self, value: Any, path: PathKey, ctx: ParseContext) -> tuple[str, ...]:
        return ctx.intern(tuple(f for f in text_list(value) if isinstance(f, str)))

    def compile(self, value: tuple[str, ...], ctx: CompileContext) -> Check:
        return ChoiceCheck(frozenset(value), attrgetter("format"), _reason)

    def holds(self, value: tuple[str, ...], paper: Paper, ctx: TextContext) -> Reasons | None:
        return _reason(paper.format) if paper.format in value else None

    def why_not(self, value: tuple[str, ...], paper: Paper, ctx: TextContext) -> ConditionCheck:
        detail = f"format {paper.format}, rule wants {', '.join(value)}"
        return ConditionCheck("formats", paper.format in value, detail)


FORMATS_CONDITION = Formats()
