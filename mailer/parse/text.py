"""Text cleanup shared by the format modules: entities, tags, line wraps, TeX accents.

Everything here is pure and total: any string in, a clean string out, never an exception.
"""

from __future__ import annotations

import html
import re
import unicodedata

from selectolax.lexbor import LexborHTMLParser

_WS = re.compile(r"[ \t\r\n\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000\u2028\u2029]+")
_TAG = re.compile(r"<[^>]{0,500}>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def collapse_whitespace(text: str) -> str:
    """One space for every run of whitespace (NBSP included), trimmed."""
    if "\u200b" in text:  # not whitespace to str.split; a line break opportunity to us
        return _WS.sub(" ", text).strip()
    # Already collapsed (most texts are: they pass here several times): printable means no
    # whitespace but the ASCII space, so single inner spaces are all there is to keep.
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())  # a C loop: the regex took a fifth of a digest's parse


def clean_text(text: str) -> str:
    """Entities resolved, stray tags and control characters removed, whitespace collapsed.

    Typography (’ “ ” – é) is kept; NFC normalization makes composed and decomposed
    accents compare equal.
    """
    if "&" in text:
        text = html.unescape(text)
    if "<" in text and ">" in text:
        text = _TAG.sub(" ", text)
    if not text.isprintable():  # a fast test first: most texts have no control character
        text = _CONTROL.sub("", text)
    text = collapse_whitespace(text)
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def join_wrapped_lines(lines: list[str]) -> str:
    """Join hard-wrapped lines into one line (the 2-space continuation indent included)."""
    return collapse_whitespace(" ".join(line.strip() for line in lines))


# Block-level tags: a text break before each, so "<p>a</p><p>b</p>" reads as two lines.
# Starts with the literal "<" (not a look-ahead) so the regex engine can skip to each "<".
# Table structure is marked inside the cells (after <td>, before </td>) and after
# </table>: text between <tr>s is not allowed there, the HTML parser moves each such
# character out of the table ("foster parenting"), and 20,000 rows took 8 s instead of 0.1.
# The names (p div br h1-h6 li ul ol table blockquote section article header footer hr
# center dd dt dl pre title) grouped by first letters, which the regex engine tries faster.
_BLOCK_NAMES = (
    r"p(?:re)?|d(?:iv|[dtl])|b(?:r|lockquote)|h(?:[1-6r]|eader)|[uo]l|li|t(?:able|itle)"
    r"|section|article|footer|center"
)
_BLOCK_TAG = re.compile(rf"<(?=/?(?:{_BLOCK_NAMES})\b)", re.IGNORECASE)
LINE_BREAK = "\u2029"  # a character no newsletter uses, standing for a block boundary


# The breaks of a body with tables in two passes: one inserts before a tag (a block tag, a
# cell's end), one after (a cell's start, a table's end). Every insertion is a LINE_BREAK
# outside any tag, so the order they are made in changes nothing.
_BEFORE_TAG = re.compile(rf"<(?=/?(?:{_BLOCK_NAMES})\b|/t[dh]\s*>)", re.IGNORECASE)
_AFTER_TAG = re.compile(r"<t[dh]\b[^<>]{0,2000}>|</table\s*>", re.IGNORECASE)


def mark_blocks(raw_html: str) -> str:
    """Insert a LINE_BREAK at every block boundary, where text is allowed (so always safe)."""
    if "<t" not in raw_html and "<T" not in raw_html:  # no table: block tags only
        return _BLOCK_TAG.sub(LINE_BREAK + "<", raw_html)
    marked = _BEFORE_TAG.sub(LINE_BREAK + "<", raw_html)
    # a function, not the template "\\1" + LINE_BREAK: Python 3.11 expands a template with
    # a group reference in Python, and more slowly than this
    return _AFTER_TAG.sub(_with_break_after, marked)


def _with_break_after(tag: re.Match[str]) -> str:
    return tag[0] + LINE_BREAK


# Containers whose nesting costs the HTML parser time quadratic in depth (each opening tag
# looks up the open-element stack): 100,000 nested <div>s take ~10 s. Newsletters nest a
# few dozen deep; past MAX_NESTING the containers become <span>s (line breaks stay marked).
# The look-ahead on the names' first letters is what makes it fast: without it the case-
# insensitive alternation is tried at every "<" (1 ms of a 60 KB digest, 7x more); a class
# matches the same characters as those letters do under IGNORECASE (checked for every
# code point), so the matches are the same.
_CONTAINER_TAG = re.compile(
    r"<(/?)(?=[abcdfhmnosu])(div|blockquote|section|article|aside|center|ul|ol|dl|address"
    r"|details|dialog|dir|fieldset|figcaption|figure|footer|header|hgroup|main|menu|nav|summary)\b",
    re.IGNORECASE,
)
MAX_NESTING = 500


def _is_nested_too_deep(raw_html: str) -> bool:
    # depth never exceeds the number of container tags: count them in C first (a digest
    # of tables has few), and walk them in Python only when there are enough to matter
    if len(_CONTAINER_TAG.findall(raw_html)) <= MAX_NESTING:
        return False
    depth = 0
    for m in _CONTAINER_TAG.finditer(raw_html):
        depth = max(depth - 1, 0) if m.group(1) else depth + 1
        if depth > MAX_NESTING:
            return True
    return False


def parse_html(raw_html: str) -> LexborHTMLParser:
    """The selectolax tree of a HTML body whose block tags are marked as line breaks."""
    marked = mark_blocks(raw_html)
    if _is_nested_too_deep(marked):
        marked = _CONTAINER_TAG.sub(r"<\1span", marked)
    return LexborHTMLParser(marked)


def tree_lines(tree: LexborHTMLParser) -> list[str]:
    """The visible text of a marked tree as clean, non-empty lines (scripts and styles dropped)."""
    for node in tree.css("script, style, head, title"):
        node.decompose()
    root = tree.body or tree.root
    if root is None:
        return []
    text = root.text(deep=True, separator="")
    parts = text.split(LINE_BREAK)
    if "\u200b" in text:
        return [collapse_whitespace(part) for part in parts if part and not part.isspace()]
    # collapse_whitespace inlined (no zero-width space anywhere): a call per line was a
    # tenth of this function
    return [" ".join(part.split()) for part in parts if part and not part.isspace()]


def html_to_lines(raw_html: str) -> list[str]:
    return tree_lines(parse_html(raw_html))


# TeX accents as arXiv writes them: \"a, \'e, \`e, \^o, \~n, \=a, \.z, \u{a}, \v{s}, \H{o},
# \c{c}, \k{a}, \r{a}, with or without braces ({\"a}, \"{a}), plus letters such as {\aa}, \o, \ss.
_ACCENTS = {
    '"': "\u0308",
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
}
_LETTERS = {
    "aa": "å",
    "AA": "Å",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "o": "ø",
    "O": "Ø",
    "ss": "ß",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
    "j": "ȷ",
    "DH": "Ð",
    "dh": "ð",
    "TH": "Þ",
    "th": "þ",
    "NG": "Ŋ",
    "ng": "ŋ",
}
_TEX_ACCENT = re.compile(
    r"""\\(?:(["'`^~=.])\s*|([uvHckr])(?:\s+|(?=\{)))"""
    r"""(?:\{\s*(\\[ij]|[A-Za-z])\s*\}|(\\[ij]|[A-Za-z]))"""
)
_TEX_LETTER = re.compile(
    r"\\(aa|AA|ae|AE|oe|OE|ss|DH|dh|TH|th|NG|ng|[oOlLij])(?![A-Za-z])(?:\{\}|\s)?"
)
_BRACED_SINGLE = re.compile(r"\{([^{}\\$]{1,3})\}")


def decode_tex_accents(text: str) -> str:
    """`L\\"ahner` -> `Lähner`, `Sa\\v{s}a` -> `Saša`, `M{\\aa}ns` -> `Måns` (names only)."""
    if "\\" not in text:
        return text

    def accent(m: re.Match[str]) -> str:
        mark = _ACCENTS[m.group(1) or m.group(2)]
        base = m.group(3) or m.group(4)
        base = {"\\i": "i", "\\j": "j"}.get(base, base)
        return unicodedata.normalize("NFC", base + mark)

    text = _TEX_ACCENT.sub(accent, text)
    text = _TEX_LETTER.sub(lambda m: _LETTERS[m.group(1)], text)
    # Braces left around decoded letters: {ä} -> ä (math like $\{x\}$ is not in names)
    for _ in range(3):  # {{ä}} at most; bounded so hostile braces cannot make it quadratic
        text, count = _BRACED_SINGLE.subn(r"\1", text)
        if not count:
            break
    return text
