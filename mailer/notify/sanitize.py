"""Making outside text safe to place in a message. Pure functions, no I/O.

Paper titles, abstracts, authors and links come from newsletters we do not control.
Everything from outside passes through here before it reaches Slack, an email header
or an HTML part:

- `printable_line` drops control characters and folds every run of whitespace (CR/LF
  included) into one space, so a title cannot start a new line or a new header.
- `slack_escape` escapes `&`, `<`, `>` (in that order), Slack's only control
  characters in mrkdwn: `<!channel>` or `<https://evil.example|arxiv.org>` then show as
  text instead of pinging or hiding a link.
- `safe_url` accepts only absolute http(s) URLs without a user part (the
  `https://arxiv.org@evil.example` disguise) and percent-encodes anything that could end
  a Slack link (`|`, `<`, `>`) or an HTML attribute (quotes, spaces).
- `header_value` makes a string safe for an email header (no CR/LF, no controls).
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, urlsplit

_WHITESPACE = re.compile(r"\s+")
# whitespace (re's \s is str.isspace) or a control character (category Cc is exactly
# U+0000-U+001F and U+007F-U+009F): one scan in C instead of a Python loop per character
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")
# Characters kept as they are in URLs; anything else is percent-encoded.
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~-._"
MAX_URL_CHARS = 800


_DROPPED = ("Cc", "Cf", "Cs", "Co", "Cn")
_TABLE_LIMIT = 65_536  # code points remembered; hostile text cannot grow the table further


class _CleanTable(dict[int, int | None]):
    """`str.translate` table for `printable_line`, filled as characters are met: whitespace
    becomes a space, control and format characters are dropped, the rest kept. A
    character looked up once costs a dict lookup in C afterwards (a Python loop with
    `unicodedata.category` per character made rendering an abstract cost ~0.2 ms)."""

    def __missing__(self, code: int) -> int | None:
        ch = chr(code)
        if ch.isspace():
            value: int | None = 32
        elif unicodedata.category(ch) in _DROPPED:
            value = None
        else:
            value = code
        if len(self) < _TABLE_LIMIT:
            self[code] = value
        return value


_CLEAN = _CleanTable()


def printable_line(text: str | None) -> str:
    """One line of printable text: control and format characters dropped, whitespace folded."""
    if not text:
        return ""
    return _WHITESPACE.sub(" ", text.translate(_CLEAN)).strip()


def clean_lines(text: str | None) -> str:
    """Like `printable_line` but keeping line breaks (as LF): for notices quoting an error."""
    return "\n".join(printable_line(line) for line in (text or "").splitlines()).strip("\n")


def slack_escape(text: str) -> str:
    """Escape Slack's control characters; `&` first so the others are not double-escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut_at_word(text: str, limit: int, ellipsis: str = "…") -> str:
    """`text` if it fits in `limit` characters, else cut at a word boundary plus an ellipsis."""
    if len(text) <= limit:
        return text
    room = max(limit - len(ellipsis), 0)
    cut = text[:room]
    space = cut.rfind(" ")
    if space >= room // 2:  # a word boundary not too far back; else cut mid-word
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + ellipsis


def slack_fit(text: str, limit: int) -> str:
    """Cleaned, cut at a word boundary and Slack-escaped, at most `limit` characters escaped."""
    raw = printable_line(text)
    room = limit
    while True:
        escaped = slack_escape(cut_at_word(raw, room))
        if len(escaped) <= limit or room <= 1:
            return escaped[:limit] if len(escaped) > limit else escaped
        room -= max(len(escaped) - limit, 1)


def cut_escaped(escaped: str, limit: int) -> str:
    """Cut already-escaped text to `limit` characters without splitting an `&amp;` entity."""
    if len(escaped) <= limit:
        return escaped
    cut = escaped[:limit]
    amp = cut.rfind("&")
    if amp >= 0 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut


def safe_url(url: str | None, *, schemes: tuple[str, ...] = ("http", "https")) -> str | None:
    """The URL if it is absolute with an allowed scheme, with unsafe characters encoded."""
    if not url:
        return None
    url = url.strip()
    if _SPACE_OR_CONTROL.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in schemes:
        return None
    if parts.scheme.lower() in ("http", "https") and not parts.hostname:
        return None
    if "@" in parts.netloc:  # "https://arxiv.org@evil.example/": a host in disguise
        return None
    encoded = quote(url, safe=_URL_SAFE)
    return encoded if len(encoded) <= MAX_URL_CHARS else None


def header_value(text: str | None) -> str:
    """A string safe for an email header: no CR/LF or other control characters."""
    return printable_line(text)
