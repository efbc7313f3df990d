"""Parsing the small languages inside rule values: sizes, regex terms and queries.

Each parser returns a typed value or raises `RuleValueError` with a message that says
what was expected; the loader adds `file:line:column` and the rule name.
"""

from __future__ import annotations

import re
import re._parser as _sre_parser  # Python's own regex parser; used only to find literals
from decimal import Decimal
from typing import Any, Literal

import re2

from mailer.core.errors import UsageError
from mailer.rules.rule import (
    EXACT_MARK,
    QueryAnd,
    QueryNode,
    QueryNot,
    QueryOr,
    QueryTerm,
    SizeRange,
    Term,
)

_LITERAL = _sre_parser.LITERAL
MAX_REGEX_LENGTH = 500
MAX_QUERY_LENGTH = 2000
MAX_QUERY_DEPTH = 20
REGEX_MEMORY = 8 << 20  # bytes RE2 may use per pattern; bigger patterns are rejected

_SIZE_HINT = "write e.g. '<= 8B' or '1B..13B'"
_UNITS = {"": 1, "k": 10**3, "m": 10**6, "b": 10**9, "t": 10**12}
MAX_SIZE_LENGTH = 60  # characters of a size value; nothing longer is a size
# No two `\s*` may meet (`\s*[kmbt]?\s*`): on a long run of spaces the regex engine
# would try every split of it, which is quadratic (20,000 spaces took seconds).
_AMOUNT = r"(\d+(?:\.\d+)?)(?:\s*([kmbt]))?"
_BOUND = re.compile(rf"^\s*(?:(<=|>=|<|>|==|=|≤|≥)\s*)?{_AMOUNT}\s*$", re.IGNORECASE)
_RANGE = re.compile(rf"^\s*{_AMOUNT}\s*\.\.\s*{_AMOUNT}\s*$", re.IGNORECASE)
_PARAMS = re.compile(rf"^\s*{_AMOUNT}\s*$", re.IGNORECASE)


class RuleValueError(ValueError, UsageError):
    """A value in a rule is not what the language expects; the text says what to write."""


def _params(number: str, unit: str | None) -> int:
    """Exact (no float rounding, no overflow): "1.5", "b" -> 1_500_000_000."""
    return round(Decimal(number) * _UNITS[(unit or "").lower()])


def _clip(text: str) -> str:
    return text if len(text) <= MAX_SIZE_LENGTH else text[:MAX_SIZE_LENGTH] + "..."


def parse_params(value: Any, what: str) -> int:
    """ "8B" -> 8_000_000_000; a bare integer is a parameter count."""
    if isinstance(value, bool):
        raise RuleValueError(f"{what}: {value!r} is not a size; {_SIZE_HINT}")
    if isinstance(value, int) and value >= 0:
        return value
    text = str(value)
    match = _PARAMS.match(text) if len(text) <= MAX_SIZE_LENGTH else None
    if not match:
        raise RuleValueError(f"{what}: {_clip(text)!r} is not a size; write e.g. '8B' or '350M'")
    return _params(*match.groups())


def parse_size(value: Any) -> SizeRange:
    """ "<= 8B", "< 8B", ">= 70B", "7B", "1B..13B" or {min, max, unknown}."""
    if isinstance(value, dict):
        return _size_from_mapping(value)
    text = str(value)
    if not isinstance(value, str) or len(text) > MAX_SIZE_LENGTH:
        shown = value if len(text) <= MAX_SIZE_LENGTH else _clip(text)
        raise RuleValueError(f"size: {shown!r} is not a size; {_SIZE_HINT}")
    if match := _RANGE.match(text):
        low, high = _params(*match.group(1, 2)), _params(*match.group(3, 4))
        if low > high:
            raise RuleValueError(f"size: {text!r} is an empty range; write the smaller bound first")
        return SizeRange(min=low, max=high, text=text)
    if match := _BOUND.match(text):
        op = match.group(1) or "="
        amount = _params(*match.group(2, 3))
        if op in ("<=", "≤"):
            return SizeRange(max=amount, text=text)
        if op == "<":
            return SizeRange(max=amount - 1, text=text)
        if op in (">=", "≥"):
            return SizeRange(min=amount, text=text)
        if op == ">":
            return SizeRange(min=amount + 1, text=text)
        return SizeRange(min=amount, max=amount, text=text)
    raise RuleValueError(f"size: {text!r} is not a size; {_SIZE_HINT}")


def _size_from_mapping(value: dict[str, Any]) -> SizeRange:
    low = parse_params(value["min"], "size.min") if value.get("min") is not None else None
    high = parse_params(value["max"], "size.max") if value.get("max") is not None else None
    unknown = value.get("unknown", "exclude")
    if unknown not in ("exclude", "include"):
        raise RuleValueError(f"size.unknown: {unknown!r} must be 'exclude' or 'include'")
    counted = value.get("sizes", "own")
    if counted not in ("own", "any"):
        raise RuleValueError(f"size.sizes: {counted!r} must be 'own' or 'any'")
    if low is None and high is None:
        raise RuleValueError("size: give min:, max: or both, e.g. {min: 1B, max: 8B}")
    if low is not None and high is not None and low > high:
        raise RuleValueError("size: min is larger than max")
    shown = f"{value.get('min', '')}..{value.get('max', '')}"
    mode: Literal["exclude", "include"] = "include" if unknown == "include" else "exclude"
    sizes: Literal["own", "any"] = "any" if counted == "any" else "own"
    return SizeRange(min=low, max=high, unknown=mode, text=shown, sizes=sizes)


def regex_options() -> re2.Options:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    options.max_mem = REGEX_MEMORY
    return options


def compile_regex(pattern: str) -> Any:
    """Compile a user regex under RE2 (linear time); raise RuleValueError if it cannot."""
    if len(pattern) > MAX_REGEX_LENGTH:
        raise RuleValueError(f"regex is longer than {MAX_REGEX_LENGTH} characters")
    try:
        return re2.compile(pattern, regex_options())
    except re2.error as e:
        reason = e.args[0].decode("utf-8", "replace") if e.args else "invalid"
        if isinstance(e.args[0], str):
            reason = e.args[0]
        raise RuleValueError(
            f"regex /{pattern}/ cannot run safely ({reason}); RE2 runs in linear time and has "
            "no backreferences or lookaround: rewrite it, or use plain words"
        ) from e


def required_literal(pattern: str) -> str | None:
    """A run of ASCII letters and digits that every match of `pattern` contains, if any.

    The engine looks for it with the automaton and runs the regex only on fields where it
    occurs. Only top-level literal characters count (none under `|`, `?`, `*`, groups),
    and only ASCII letters and digits, whose case-insensitive variants all case-fold to
    themselves, so the prefilter never hides a match. Patterns Python cannot parse (RE2
    syntax such as `\\pL`) get no prefilter: the regex then runs on every paper.
    """
    try:
        parsed = _sre_parser.parse(pattern)
    except (re.error, OverflowError, RecursionError, ValueError):
        return None
    runs = [""]
    for op, arg in parsed:
        char = chr(arg) if op is _LITERAL else ""
        if char.isascii() and char.isalnum():
            runs[-1] += char.lower()
        else:
            runs.append("")
    best = max(runs, key=len)
    return best if len(best) >= 3 else None


def parse_term(value: Any, what: str) -> Term:
    """A phrase (`=phrase`: that form only, no plural), or `/pattern/` (`/pattern/i` also
    accepted: matching ignores case anyway)."""
    if not isinstance(value, str):
        raise RuleValueError(f"{what}: {value!r} is not a term; write a word, a phrase or /regex/")
    text = value.strip()
    if len(text) >= 2 and text.startswith("/"):
        body, slash, flags = text[1:].rpartition("/")
        if slash and set(flags) <= {"i"} and body:
            compile_regex(body)
            return Term(text=text, regex=body)
        if slash and body:
            raise RuleValueError(
                f"{what}: {text!r}: only the flag i is supported after a /regex/ (and "
                "matching ignores case anyway)"
            )
    term = Term(text=text, exact=text.startswith(EXACT_MARK))
    if not term.key or not any(ch.isalnum() for ch in term.key):
        raise RuleValueError(f"{what}: {value!r} has no words to look for")
    return term


# --- query: (LoRA OR QLoRA) AND NOT survey ---------------------------------------------

_WHOLE_REGEX = re.compile(r"/[^/].*/i?")  # one token that is a complete /regex/
_TOKEN = re.compile(r'\s*(?:(\()|(\))|"([^"]*)"|([^\s()"]+)|(")|$)')


def _tokens(text: str) -> list[tuple[str, str, int]]:
    """(kind, value, offset) with kind in ( ) AND OR NOT term; offsets are 1-based."""
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            break
        start = match.start() + len(match.group(0)) - len(match.group(0).lstrip())
        if match.group(1):
            tokens.append(("(", "(", start + 1))
        elif match.group(2):
            tokens.append((")", ")", start + 1))
        elif match.group(3) is not None:
            tokens.append(("term", match.group(3), start + 1))
        elif match.group(4):
            word = match.group(4)
            if word.startswith("/") and not _WHOLE_REGEX.fullmatch(word):
                raise RuleValueError(
                    f"query: the /regex/ at character {start + 1} does not end before a space, "
                    "parenthesis or quote, which a regex in a query cannot contain; write \\s "
                    "for a space, or put the regex in any: or all:"
                )
            if word.upper() in ("AND", "OR", "NOT") and word not in ("AND", "OR", "NOT"):
                raise RuleValueError(
                    f"query: {word!r} at character {start + 1}: write the operators AND, OR "
                    f'and NOT in capitals; to look for the word itself, quote it: "{word}"'
                )
            kind = word if word in ("AND", "OR", "NOT") else "term"
            tokens.append((kind, word, start + 1))
        elif match.group(5):
            raise RuleValueError(f"query: unclosed quote at character {start + 1}")
        pos = match.end()
    return tokens


class _QueryParser:
    """Recursive descent: or := and (OR and)*; and := not (AND? not)*; not := NOT* atom."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.index = 0
        self.depth = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def fail(self, expected: str) -> RuleValueError:
        token = self.peek()
        where = f"{token[1]!r} at character {token[2]}" if token else "the end"
        return RuleValueError(
            f"query: expected {expected} but found {where}; write e.g. "
            "'(LoRA OR QLoRA) AND NOT survey'"
        )

    def parse(self) -> QueryNode:
        if not self.tokens:
            raise RuleValueError("query: is empty; write e.g. '(LoRA OR QLoRA) AND NOT survey'")
        node = self.parse_or()
        if self.peek() is not None:
            raise self.fail("AND, OR or the end")
        return node

    def parse_or(self) -> QueryNode:
        children = [self.parse_and()]
        while (token := self.peek()) and token[0] == "OR":
            self.index += 1
            children.append(self.parse_and())
        return children[0] if len(children) == 1 else QueryOr(tuple(children))

    def parse_and(self) -> QueryNode:
        children = [self.parse_not()]
        while (token := self.peek()) and token[0] in ("AND", "NOT", "term", "("):
            if token[0] == "AND":
                self.index += 1
            children.append(self.parse_not())
        return children[0] if len(children) == 1 else QueryAnd(tuple(children))

    def parse_not(self) -> QueryNode:
        token = self.peek()
        if token and token[0] == "NOT":
            self.index += 1
            return QueryNot(self.parse_not())
        return self.parse_atom()

    def parse_atom(self) -> QueryNode:
        token = self.peek()
        if token is None or token[0] not in ("term", "("):
            raise self.fail("a word, a \"quoted phrase\" or '('")
        self.index += 1
        if token[0] == "(":
            self.depth += 1
            if self.depth > MAX_QUERY_DEPTH:
                raise RuleValueError(f"query: more than {MAX_QUERY_DEPTH} nested parentheses")
            node = self.parse_or()
            self.depth -= 1
            closing = self.peek()
            if closing is None or closing[0] != ")":
                raise self.fail("')'")
            self.index += 1
            return node
        return QueryTerm(parse_term(token[1], "query"))


def parse_query(text: Any) -> QueryNode:
    if not isinstance(text, str):
        raise RuleValueError(f"query: {text!r} is not a query; write e.g. 'LoRA AND NOT survey'")
    if len(text) > MAX_QUERY_LENGTH:
        raise RuleValueError(f"query: longer than {MAX_QUERY_LENGTH} characters; split the rule")
    return _QueryParser(text).parse()
