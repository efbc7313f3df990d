"""`size: "<= 8B"`: one of the paper's own model sizes (every size with `sizes: any`) is
in the range, bounds inclusive; a paper with no such size fails unless `unknown: include`.
The value is a `mailer.rules.rule.SizeRange`, parsed by `mailer.rules.syntax.parse_size`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mailer.core.models import MatchReason, ModelSize, Paper, format_params
from mailer.rules.conditions.base import (
    Check,
    CompileContext,
    ConditionCheck,
    ConditionKind,
    ParseContext,
    Reasons,
    TextContext,
    is_count,
    schema_pattern,
)
from mailer.rules.rule import SizeRange
from mailer.rules.syntax import RuleValueError, parse_size

if TYPE_CHECKING:
    from mailer.config.yamlsource import PathKey
    from mailer.rules.index import PaperScan

# Written so that no two `\s*` meet: a validator running these with a backtracking
# engine would otherwise take time quadratic in a long run of spaces.
AMOUNT = r"\d+(\.\d+)?(\s*[kKmMbBtT])?"
SIZE_PATTERN = rf"^\s*(((<=|>=|<|>|==|=|≤|≥)\s*)?{AMOUNT}|{AMOUNT}\s*\.\.\s*{AMOUNT})\s*$"
PARAMS_SCHEMA: dict[str, Any] = {
    "oneOf": [
        {"type": "string", "pattern": rf"^\s*{AMOUNT}\s*$"},
        {"type": "integer", "minimum": 0},
    ],
    "description": "A parameter count such as 8B, 350M or 1.5B.",
}
_SIZE = schema_pattern(SIZE_PATTERN)
_PARAMS_TEXT = schema_pattern(PARAMS_SCHEMA["oneOf"][0]["pattern"])
_SIZE_KEYS = frozenset(("min", "max", "unknown", "sizes"))


def _is_params(value: Any) -> bool:
    return is_count(value) or (type(value) is str and _PARAMS_TEXT.search(value) is not None)


def _reason(size: SizeRange, inside: ModelSize | None) -> Reasons:
    return (MatchReason("size", size.detail(inside)),)


SIZE_SCHEMA: dict[str, Any] = {
    "description": "The paper's own model size: '<= 8B', '1B..13B', '>= 70B' or "
    "{min, max, unknown, sizes}; sizes: any counts baselines' sizes too.",
    "oneOf": [
        {"type": "string", "pattern": SIZE_PATTERN},
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "min": PARAMS_SCHEMA,
                "max": PARAMS_SCHEMA,
                "unknown": {"enum": ["exclude", "include"]},
                "sizes": {
                    "enum": ["own", "any"],
                    "description": "Which sizes count: the paper's own models' "
                    "(default) or any size it mentions, baselines included.",
                },
            },
        },
    ],
}


class SizeKind(ConditionKind[SizeRange]):
    key = "size"
    rank = 60
    stage = "paper"
    schema = SIZE_SCHEMA

    def is_surely_valid(self, value: Any) -> bool:
        if type(value) is str:
            return _SIZE.search(value) is not None
        return (
            type(value) is dict
            and value.keys() <= _SIZE_KEYS
            and ("min" not in value or _is_params(value["min"]))
            and ("max" not in value or _is_params(value["max"]))
            and value.get("unknown", "exclude") in ("exclude", "include")
            and value.get("sizes", "own") in ("own", "any")
            and all(type(value.get(k, "")) is str for k in ("unknown", "sizes"))
        )

    def parse(self, value: Any, path: PathKey, ctx: ParseContext) -> SizeRange | None:
        known = ctx.cache("size")
        size: SizeRange | None = known.get(value) if isinstance(value, str) else None
        if size is None:
            size = ctx.attempt(path, lambda: parse_size(value))
            if size is not None and isinstance(value, str):
                known[value] = size
        return size

    def schema_message(self, rel: PathKey, value: Any, validator: str) -> str | None:
        if validator != "oneOf":
            return None
        if rel[-1] in ("min", "max"):
            return f"size.{rel[-1]}: {value!r} is not a size; write e.g. '8B' or '350M'"
        try:
            parse_size(value)
        except RuleValueError as e:
            return str(e)
        return "size: write e.g. '<= 8B', '1B..13B' or {min: 1B, max: 8B}"

    def compile(self, value: SizeRange, ctx: CompileContext) -> Check:
        return SizeCheck(value)

    def holds(self, value: SizeRange, paper: Paper, ctx: TextContext) -> Reasons | None:
        inside = value.first_inside(paper.sizes)
        if inside is None and (value.candidates(paper.sizes) or value.unknown == "exclude"):
            return None
        return _reason(value, inside)

    def why_not(self, value: SizeRange, paper: Paper, ctx: TextContext) -> ConditionCheck:
        counted = value.candidates(paper.sizes)
        inside = value.first_inside(paper.sizes)
        wanted = value.text or "the range"
        if inside is not None:
            return ConditionCheck("size", True, value.detail(inside))
        if not counted and value.unknown == "include":
            return ConditionCheck("size", True, value.detail(None))
        others = [s.describe() for s in sorted(paper.sizes) if s not in counted]
        if counted:
            detail = f"{', '.join(format_params(s.params) for s in counted)} not in {wanted}"
        elif value.sizes == "own":
            detail = f"no own model size (unknown: {value.unknown})"
        else:
            detail = f"no model size (unknown: {value.unknown})"
        if others:
            detail += f"; not counted: {'; '.join(others)} (size: {{sizes: any}} counts them)"
        return ConditionCheck("size", False, detail)


class SizeCheck(Check):
    """Shared by every rule with the same range; its reasons are cached by everything
    they say (the size, its role and source)."""

    __slots__ = ("reasons", "size")

    def __init__(self, size: SizeRange) -> None:
        self.size = size
        self.reasons: dict[tuple[int, str, str] | None, Reasons] = {}

    def test(self, scan: PaperScan) -> Reasons | None:
        size = self.size
        low, high = size.min, size.max
        sizes = scan.sizes if size.sizes == "any" else scan.own_sizes
        inside = None
        for candidate in sizes:  # smallest first
            if (low is None or candidate.params >= low) and (
                high is None or candidate.params <= high
            ):
                inside = candidate
                break
        if inside is None and (sizes or size.unknown == "exclude"):
            return None
        key = (inside.params, inside.role, inside.source) if inside is not None else None
        found = self.reasons.get(key)
        if found is None:
            found = self.reasons[key] = _reason(size, inside)
        return found


SIZE = SizeKind()
