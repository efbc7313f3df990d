"""HTML and plain-text bodies as the same marked lines, so one reader finds items in both.

A `Line` is a line of visible text in which every paper link is a marker `\\x00n\\x00`
(n indexes the link list), bold text is wrapped in `\\x02…\\x03`, and a heading carries its
level. HTML blocks (`<p>`, `<td>`, `<li>`, `<h2>`…) become lines; `<strong>`/`<b>` and
`<h1>`…`<h6>` are marked before the tree is read. Plain text is read as the markdown most
text editions are written in: `[anchor](url)` links (and bare or `<…>` URLs, a closing
parenthesis that is not the URL's own left out), `**bold**`, `# headings`, `| table | rows |`
(one line per cell, like HTML cells), `> ` quoting removed, the RFC 3676 signature
delimiter `-- ` (with its space) ending the text. A bare `--` is a section rule, not one.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from mailer.parse.links import NEW_ARXIV_ID, PaperLink, arxiv_abs_url, paper_link
from mailer.parse.text import clean_text, collapse_whitespace, parse_html, tree_lines

MARKER = re.compile(r"\x00(\d+)\x00")
BOLD_OPEN, BOLD_CLOSE, HEADING = "\x02", "\x03", "\x01"
_SENTINELS = re.compile(r"[\x00-\x03]")


@dataclass(frozen=True, slots=True)
class Line:
    text: str  # markers \x00n\x00, bold \x02…\x03
    heading: int = 0  # 1-6 for a heading, 0 otherwise


@dataclass(frozen=True, slots=True)
class Anchor:
    link: PaperLink
    text: str  # the anchor's visible text (or an image's alt), clean; "" for a bare URL


@dataclass
class LinkedEntry:
    """One item of a digest: the links to one paper, its title, the text of its block."""

    key: str
    links: list[PaperLink]
    title: str | None
    lines: list[str] = field(default_factory=list)  # its block's text; "" is a paragraph break


def paragraphs(lines: list[str]) -> list[str]:
    """Consecutive non-empty lines joined into paragraphs (plain-text parts are hard-wrapped)."""
    result: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            current.append(line.strip())
        elif current:
            result.append(collapse_whitespace(" ".join(current)))
            current = []
    return result


def strip_marks(text: str) -> str:
    if "\x00" in text:
        text = MARKER.sub(" ", text)
    if "\x02" in text or "\x01" in text or "\x03" in text:
        text = _SENTINELS.sub("", text)
    return text


# --- HTML ------------------------------------------------------------------------------

_HEADING_OPEN = re.compile(r"(<h([1-6])\b[^<>]{0,500}>)", re.IGNORECASE)
_BOLD_OPEN = re.compile(r"(<(?:strong|b)\b[^<>]{0,500}>)", re.IGNORECASE)
_BOLD_END = re.compile(r"(</(?:strong|b)\s*>)", re.IGNORECASE)


def _has_sentinels(text: str) -> bool:
    return "\x00" in text or "\x01" in text or "\x02" in text or "\x03" in text


def _mark_html(raw_html: str) -> str:
    if _has_sentinels(raw_html):  # four C-level scans; the regex visits every character
        raw_html = _SENTINELS.sub("", raw_html)
    raw_html = _HEADING_OPEN.sub(lambda m: f"{m.group(1)}{HEADING}{m.group(2)}", raw_html)
    raw_html = _BOLD_OPEN.sub(lambda m: m.group(1) + BOLD_OPEN, raw_html)
    return _BOLD_END.sub(lambda m: BOLD_CLOSE + m.group(1), raw_html)


_VISIBLE_ARXIV = re.compile(
    rf"^\s*(?:arXiv:?\s*|https?://arxiv\.org/abs/)({NEW_ARXIV_ID})(?:v\d+)?\s*$", re.I
)


def visible_arxiv_link(anchor_text: str) -> PaperLink | None:
    """An opaque tracker whose visible text is an arXiv id ("arXiv:2401.04088")."""
    m = _VISIBLE_ARXIV.match(anchor_text)
    if m is None:
        return None
    arxiv_id = m.group(1)
    return PaperLink(arxiv_abs_url(arxiv_id), f"arxiv:{arxiv_id}", "arxiv", arxiv_id)


def _heading_line(text: str) -> Line:
    if HEADING not in text:
        return Line(text)
    if text.startswith(HEADING) and len(text) > 1 and text[1].isdigit():
        return Line(text[2:].strip(), int(text[1]))
    return Line(text.replace(HEADING, ""))


def html_lines(raw_html: str) -> tuple[list[Line], list[Anchor]]:
    """The visible lines of an HTML body, each block its own paragraph."""
    tree = parse_html(_mark_html(raw_html))
    anchors: list[Anchor] = []
    known: dict[str, PaperLink | None] = {}  # digests repeat each link (image, title, PDF)
    # `attrs.get` reads one attribute; `attributes` builds a dict of all of them (10x slower)
    for node in tree.css("a[href]"):
        href = node.attrs.get("href") or ""
        if href not in known:
            known[href] = paper_link(href)
        visible = node.text(deep=True, separator="")
        if _has_sentinels(visible):  # bold marks (four C-level scans beat a regex call)
            visible = _SENTINELS.sub("", visible)
        link = known[href] or visible_arxiv_link(visible)
        if link is None:
            continue
        text = clean_text(visible)
        if not text:  # an image link: its alt text (a walk is cheaper than a CSS query)
            image = next((child for child in node.traverse() if child.tag == "img"), None)
            text = clean_text(image.attrs.get("alt") or "") if image is not None else ""
        anchors.append(Anchor(link, text))
        node.replace_with(f" \x00{len(anchors) - 1}\x00 ")
    if not anchors:
        return [], []
    lines: list[Line] = []
    for text in tree_lines(tree):
        lines += (Line(text) if HEADING not in text else _heading_line(text), _BLANK)
    return lines, anchors


_BLANK = Line("")  # immutable: one shared paragraph break


# --- plain text --------------------------------------------------------------------------

# RFC 3676; a bare "--" is a section rule. Searched in "\n" + text: a newline-led pattern
# is found by jumping from newline to newline, a MULTILINE "^" is tried at every character.
_SIGNATURE = re.compile(r"\n-- $", re.MULTILINE)
_QUOTE = re.compile(r"^[ \t]{0,3}>[ \t]?", re.MULTILINE)
_IMAGE = re.compile(r"!\[([^\[\]\n]{0,500})\]\([^()\s]{0,2000}\)")
_URL_BODY = r"https?://[^\s<>()\[\]]{1,4000}(?:\([^\s<>()]{0,200}\)[^\s<>()\[\]]{0,2000}){0,3}"
_MD_LINK = re.compile(
    r"\[((?:[^\[\]\n]|\[[^\[\]\n]{0,500}\]){0,1000})\]"
    rf"\(\s{{0,5}}<?({_URL_BODY})>?(?:\s{{1,5}}\"[^\"\n]{{0,300}}\")?\s{{0,5}}\)"
)
# ASCII only: a URL runs into the text after it in CJK newsletters ("…/2401.04088。论文")
_BARE_URL = re.compile(r"<?(https?://[!#-&(-;=?-Z\\^-~]{1,4000})>?")
_BOLD = re.compile(r"(\*\*|__)(?=\S)([^*\n]{1,500}?)(?<=\S)\1")
_STAR_BOLD = re.compile(r"\*\*(?=\S)([^*\n]{1,500}?)(?<=\S)\*\*")
_BULLET = re.compile(r"^ {0,6}[-*+•] ")
_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_TABLE_RULE = re.compile(r"^\|?[\s:|-]*-{3,}[\s:|-]*$")


def strip_quoting(text: str) -> str:
    """Text without `> ` prefixes when most of its non-empty lines carry one."""
    lines = text.split("\n")
    filled = [line for line in lines if line.strip()]
    quoted = sum(1 for line in filled if line.lstrip(" \t").startswith(">"))
    if not filled or quoted * 2 <= len(filled):
        return text
    for _ in range(3):  # "> > " nested quoting, a few levels at most
        text = _QUOTE.sub("", text)
        filled = [line for line in text.split("\n") if line.strip()]
        if sum(1 for line in filled if line.lstrip(" \t").startswith(">")) * 2 <= len(filled):
            break
    return text


def _url_end(url: str) -> str:
    """A URL without the punctuation that ends the sentence or closes a parenthesis."""
    url = url.rstrip(".,;:!?*_'\"")
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1].rstrip(".,;:!?*_'\"")
    return url


def text_lines(text: str) -> tuple[list[Line], list[Anchor]]:
    """The lines of a plain-text body read as markdown."""
    if _has_sentinels(text):
        text = _SENTINELS.sub("", text)
    text = text.replace("\u00a0", " ")
    text = strip_quoting(text)
    signature = _SIGNATURE.search("\n" + text)
    if signature is not None:  # its "\n" stands at the signature line's start in `text`
        text = text[: signature.start()]
    anchors: list[Anchor] = []

    def marker(link: PaperLink, anchor_text: str) -> str:
        anchors.append(Anchor(link, anchor_text))
        return f" \x00{len(anchors) - 1}\x00 "

    def markdown_link(m: re.Match[str]) -> str:
        anchor_text = _IMAGE.sub(r"\1", m.group(1))
        link = paper_link(html.unescape(_url_end(m.group(2))))
        if link is None:
            return anchor_text  # a link elsewhere reads as its text
        return marker(link, clean_text(_BOLD.sub(r"\2", anchor_text)))

    def bare_url(m: re.Match[str]) -> str:
        url = _url_end(m.group(1))
        link = paper_link(html.unescape(url))  # "&amp;" in text parts
        if link is None:
            return m.group(0)
        return marker(link, "") + m.group(0)[m.group(0).find(url) + len(url) :].lstrip(">")

    if "**" in text:  # before links: "**[Title](url)** (👍 13)" is bold around a link
        text = _STAR_BOLD.sub(lambda m: BOLD_OPEN + m.group(1) + BOLD_CLOSE, text)
    text = _MD_LINK.sub(markdown_link, _IMAGE.sub(r"\1", text))
    text = _BARE_URL.sub(bare_url, text)
    if not anchors:
        return [], []
    lines: list[Line] = []
    for raw in text.split("\n"):
        lines.extend(_text_line(raw))
    return lines, anchors


def _text_line(raw: str) -> list[Line]:
    if raw.lstrip().startswith("|"):  # a table row: one line per cell, a paragraph per row
        if _TABLE_RULE.match(raw.strip()):
            return []
        cells = raw.strip().strip("|").split("|")
        return [*(Line(_bold(collapse_whitespace(cell))) for cell in cells), Line("")]
    heading = _ATX.match(raw)
    if heading:
        return [Line(_bold(collapse_whitespace(heading.group(2))), len(heading.group(1)))]
    if _BULLET.match(raw):  # a list item starts a paragraph of its own
        return [Line(""), Line(_bold(collapse_whitespace(raw)))]
    return [Line(_bold(collapse_whitespace(raw)))]


def _bold(text: str) -> str:
    return (
        _BOLD.sub(lambda m: BOLD_OPEN + m.group(2) + BOLD_CLOSE, text)
        if "*" in text or "__" in text
        else text
    )
