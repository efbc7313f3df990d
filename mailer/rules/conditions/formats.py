"""`formats: [hf-daily, arxiv-listing]`: the paper came from a digest of one of these
formats (the names are `mailer.core.models.PaperFormat`'s)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, get_args

from mailer.core.models import MatchReason, Paper, PaperFormat
from mailer.rules.conditions.base import (
    Check,
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
    from mailer.rules.index import PaperScan

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
        return FormatsCheck(frozenset(value))

    def holds(self, value: tuple[str, ...], paper: Paper, ctx: TextContext) -> Reasons | None:
        return _reason(paper.format) if paper.format in value else None

    def why_not(self, value: tuple[str, ...], paper: Paper, ctx: TextContext) -> ConditionCheck:
        detail = f"format {paper.format}, rule wants {', '.join(value)}"
        return ConditionCheck("formats", paper.format in value, detail)


class FormatsCheck(Check):
    __slots__ = ("formats", "reasons")

    def __init__(self, formats: frozenset[str]) -> None:
        self.formats = formats
        self.reasons: dict[str, Reasons] = {}

    def test(self, scan: PaperScan) -> Reasons | None:
        paper_format = scan.paper.format
        if paper_format not in self.formats:
            return None
        found = self.reasons.get(paper_format)
        if found is None:
            found = self.reasons[paper_format] = _reason(paper_format)
        return found


FORMATS_CONDITION = Formats()
