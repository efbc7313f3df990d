"""The `/papers` command language. Pure: text in, typed values or `CommandError` out.

    /papers subscribe LoRA size<=13B                 a DM at once for each match
    /papers subscribe "small language model" OR SLM size 1B..13B upvotes>=20 daily 09:00
    /papers subscribe QLoRA format hf-daily here name:qlora

Words of a subscription, anywhere in the text (case-insensitive keywords):

- `size<=13B`, `size<8B`, `size>=70B`, `size=7B`, `size 1B..13B` (also `size: ...`):
  the paper's model size, as `size:` in a rule file;
- `upvotes>=20` (or `upvotes 20`): `min_upvotes:`;
- `format hf-daily` (or `format:hf-daily,arxiv-listing`): `formats:`;
- `daily` or `daily 09:00`: a daily feed at that time in the user's Slack time zone
  (default: at once); `here`: the channel the command was typed in (default: a DM);
  `name:lora-small`: the subscription's name (default: made from the words);
- everything else is the query, in the rule language's query syntax (`AND`, `OR`,
  `NOT`, parentheses, "quoted phrases", /regex/).

Errors are the messages `mailer rules check` gives for the same value, with the
offsets of the word they are about, so a reply can point at it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import Literal, get_args

from mailer.core.errors import MailerError
from mailer.core.models import DeliveryMode, PaperFormat
from mailer.rules.conditions import Query
from mailer.rules.rule import Condition, SizeRange
from mailer.rules.schema_errors import did_you_mean
from mailer.rules.syntax import RuleValueError, parse_query, parse_size

Verb = Literal["subscribe", "preview", "list", "unsubscribe", "pause", "resume", "help"]
VERBS: tuple[str, ...] = get_args(Verb)
FORMATS: tuple[str, ...] = get_args(PaperFormat)
MAX_TEXT = 1000  # characters of a command; Slack allows 4,000
NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")
_TOKEN = re.compile(r'"[^"]*"?|\S+')
_SIZE = re.compile(r"^size:?(.*)$", re.IGNORECASE)
_UPVOTES = re.compile(r"^upvotes:?(>=|≥|>|=)?(.*)$", re.IGNORECASE)
_FORMAT = re.compile(r"^formats?:?(.*)$", re.IGNORECASE)
_OPERATOR = re.compile(r"^(<=|>=|<|>|==|=|≤|≥)$")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_CHARACTER = re.compile(r"at character (\d+)")


class CommandError(MailerError):
    """A mistake in a command; `start:end` are the offsets of the word it is about."""

    def __init__(self, message: str, start: int = 0, end: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = end


@dataclass(frozen=True, slots=True)
class Command:
    verb: Verb
    argument: str  # the text after the verb, as typed


@dataclass(frozen=True, slots=True)
class SubscriptionSpec:
    """A parsed subscription: what to match, and how and where to deliver."""

    rule_text: str  # the matching words as typed (what is stored and shown)
    condition: Condition
    mode: DeliveryMode = "immediate"
    at: time | None = None
    here: bool = False
    name: str | None = None


def parse_command(text: str) -> Command:
    """`subscribe LoRA` -> Command("subscribe", "LoRA"); an empty text is `help`."""
    stripped = text.strip()
    if len(stripped) > MAX_TEXT:
        raise CommandError(f"the command is longer than {MAX_TEXT} characters", 0, len(text))
    if not stripped:
        return Command("help", "")
    verb, _, rest = stripped.partition(" ")
    lowered = verb.lower()
    if lowered == "unsub":
        lowered = "unsubscribe"
    if lowered not in VERBS:
        hint = did_you_mean(lowered, VERBS)
        start = text.index(verb)
        raise CommandError(
            f"unknown command {verb!r}{hint or '.'} Try `help`.", start, start + len(verb)
        )
    return Command(lowered, rest.strip())  # type: ignore[arg-type]


@dataclass
class _Word:
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def _words(text: str) -> list[_Word]:
    return [_Word(m.group(0), m.start()) for m in _TOKEN.finditer(text)]


# the conditions written as `word OPERATOR value` (or glued: `size<=13B`), in the order they
# are tried, with the group of the pattern that holds a glued value
_OPERANDS: tuple[tuple[str, re.Pattern[str], int], ...] = (
    ("size", _SIZE, 1),
    ("upvotes", _UPVOTES, 2),
    ("format", _FORMAT, 1),
)


def _operand_at(
    words: list[_Word], index: int
) -> tuple[str, re.Match[str], str, list[_Word]] | None:
    """The condition that starts at `words[index]`, its value and the words it used."""
    word = words[index]
    has_next = index + 1 < len(words)
    for kind, pattern, group in _OPERANDS:
        found = pattern.match(word.text)
        if found and (found.group(group) or has_next):
            value, used = _with_operand(found.group(group), word, words, index)
            return kind, found, value, used
    return None


def _daily_time(word: _Word, following: _Word | None) -> tuple[time | None, list[_Word]]:
    """`daily` with the time that may follow it (`daily 08:30`), and the words used."""
    if following is not None and _CLOCK.match(following.text):
        hour, minute = following.text.split(":")
        return time(int(hour), int(minute)), [word, following]
    return None, [word]


def _name_of(word: _Word) -> str:
    name = word.text[5:].lower()
    if not NAME.match(name):
        raise CommandError(
            f"name: {word.text[5:]!r} is not a name; use up to 40 letters, digits, '-', '_' or '.'",
            word.start,
            word.end,
        )
    return name


def parse_subscription(text: str) -> SubscriptionSpec:
    """Parse the words after `subscribe` / `preview` (see the module docstring)."""
    if len(text) > MAX_TEXT:
        raise CommandError(f"longer than {MAX_TEXT} characters", 0, len(text))
    words = _words(text)
    query_chars = list(text)  # the query with every other word blanked: same offsets
    rule_words: list[str] = []
    size: SizeRange | None = None
    upvotes: int | None = None
    formats: list[str] = []
    mode: DeliveryMode = "immediate"
    at: time | None = None
    here = False
    name: str | None = None

    def blank(*used: _Word) -> None:
        for word in used:
            query_chars[word.start : word.end] = " " * len(word.text)

    index = 0
    while index < len(words):
        word = words[index]
        lower = word.text.lower()
        following = words[index + 1] if index + 1 < len(words) else None
        used = [word]
        if lower == "here":
            here = True
        elif lower in ("now", "immediately"):
            mode = "immediate"
        elif lower == "daily":
            mode = "daily"
            at, used = _daily_time(word, following)
        elif lower.startswith("name:"):
            name = _name_of(word)
        elif (operand := _operand_at(words, index)) is not None:
            kind, found, value, used = operand
            if kind == "size":
                size = _size(value, used)
            elif kind == "upvotes":
                upvotes = _upvotes(found.group(1) or ">=", value, used)
            else:
                formats.extend(_formats(value, used))
            rule_words.append(" ".join(w.text for w in used))
        else:
            used = []
            rule_words.append(word.text)
        blank(*used)
        index += max(len(used), 1)
    query_text = "".join(query_chars)
    query = None
    if query_text.strip():
        try:
            query = parse_query(query_text)
        except RuleValueError as e:
            raise _point_at(str(e), query_text) from e
    if query is None and size is None and upvotes is None and not formats:
        raise CommandError(
            "nothing to look for; write words (e.g. `LoRA`), a size (`size<=13B`), "
            "`upvotes>=20` or `format hf-daily`",
            0,
            len(text),
        )
    condition = Condition(
        query=Query(query, " ".join(query_text.split()) or None) if query is not None else None,
        size=size,
        min_upvotes=upvotes,
        formats=tuple(formats),
    )
    return SubscriptionSpec(" ".join(rule_words), condition, mode, at, here, name)


def _with_operand(
    attached: str, word: _Word, words: list[_Word], index: int
) -> tuple[str, list[_Word]]:
    """The value of `size<=13B`, `size 1B..13B` or `size <= 13B`, and the words used."""
    if attached.strip():
        return attached.strip(), [word]
    rest = words[index + 1 :]
    if len(rest) >= 2 and _OPERATOR.match(rest[0].text):
        return f"{rest[0].text} {rest[1].text}", [word, rest[0], rest[1]]
    return rest[0].text, [word, rest[0]]


def _span(used: list[_Word]) -> tuple[int, int]:
    return used[0].start, used[-1].end


def _size(value: str, used: list[_Word]) -> SizeRange:
    try:
        return parse_size(value)
    except RuleValueError as e:
        raise CommandError(str(e), *_span(used)) from e


def _upvotes(operator: str, value: str, used: list[_Word]) -> int:
    if not value.isdigit():
        raise CommandError(
            f"min_upvotes: {value!r} is not a whole number; write e.g. upvotes>=20",
            *_span(used),
        )
    return int(value) + (1 if operator == ">" else 0)


def _formats(value: str, used: list[_Word]) -> list[str]:
    names = [v.strip().lower() for v in value.split(",") if v.strip()]
    for name in names:
        if name not in FORMATS:
            hint = did_you_mean(name, FORMATS)
            raise CommandError(
                f"formats: {name!r} is not one of {', '.join(FORMATS)}{hint}", *_span(used)
            )
    return names


def _point_at(message: str, query_text: str) -> CommandError:
    """A query error, with the offsets of the word at the character it names."""
    found = _CHARACTER.search(message)
    if found is None:
        start = len(query_text) - len(query_text.lstrip())
        return CommandError(message, start, len(query_text.rstrip()))
    start = int(found.group(1)) - 1
    end = start
    while end < len(query_text) and not query_text[end].isspace():
        end += 1
    return CommandError(message, start, max(end, start + 1))


def default_name(spec: SubscriptionSpec) -> str:
    """A name from the query words: `LoRA size<=13B` -> `lora`."""
    words = re.findall(
        r"[A-Za-z0-9]+", (spec.condition.query.text or "") if spec.condition.query else ""
    )
    words = [w.lower() for w in words if w not in ("AND", "OR", "NOT")]
    name = "-".join(words)[:30].strip("-") or "papers"
    return name
