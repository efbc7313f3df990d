"""What counts as a paper's title in a newsletter, and what is only a call-to-action.

Weak anchors ("PDF", "Read more", "this paper", "BitNet paper", "arXiv 2301.12652", a
non-English "view details") never become titles; neither does an anchor text the email
uses for several different papers (a call-to-action in any language). Boilerplate is cut
from titles: reading times "(33 minute read)", "(Read more on …)", "(GitHub Repo)",
heading marks, "Paper page - ", list numbers.
"""

from __future__ import annotations

import re

from mailer.parse.formats.details import authors_in
from mailer.parse.formats.marked import strip_marks
from mailer.parse.links import NEW_ARXIV_ID
from mailer.parse.text import collapse_whitespace

WEAK_TITLES = frozenset(
    {"pdf", "arxiv", "paper", "papers", "link", "links", "here", "read more", "read", "abstract"}
    | {"code", "hf", "hugging face", "huggingface", "view", "view paper", "project page"}
    | {"read the paper", "discuss", "openreview", "doi", "html", "tweet", "thread", "github"}
    | {"blog", "blog post", "website", "demo", "project", "source", "more", "details", "video"}
    | {"this paper", "the paper", "research paper", "paper page", "full paper", "read paper"}
    | {"paper link", "research link", "arxiv link", "link to paper", "link to the paper"}
    | {"link to the research paper", "continue reading", "learn more", "see more", "preprint"}
    | {"lire la suite", "en savoir plus", "leer más", "weiterlesen", "mehr lesen", "article"}
    | {"slides", "poster", "talk", "dataset", "data", "model", "models", "weights", "hn"}
    | {"podcast", "newsletter", "subscribe", "unsubscribe", "download", "open", "go", "visit"}
    | {"repo", "repository", "site", "docs", "homepage", "project website", "huggingface page"}
)
# A title may be a short model name ("ToolLLM", "MetaGPT"); shorter than this it is a label.
MIN_TITLE_CHARS = 4
# calls-to-action in languages without spaces: "到 Huggingface 论文主页查看详情", "阅读原文"
_CTA_FRAGMENTS = (
    "查看详情",
    "论文主页",
    "阅读原文",
    "原文链接",
    "论文链接",
    "続きを読む",
    "詳細",
    "자세히",
)
# "BitNet paper", "the arXiv preprint", "this link": a few words ending in a generic noun
_GENERIC_ENDING = re.compile(
    r"^(?:\S+\s+){0,2}(?:paper|preprint|link|pdf|abstract|article|study|here|page)$", re.I
)
_ARXIV_MENTION = re.compile(rf"(?:arxiv|ar5iv)[\s:：]*(?:id)?[\s:：]*{NEW_ARXIV_ID}", re.I)

_LIST_START = frozenset("0123456789-*•·–—▶►#[")
_LIST_PREFIX = re.compile(r"^(?:\d{1,3}[.)]|[-*•·–—▶►#]+|\[\d+\])\s*")
_TEXT_URL = re.compile(r"<?https?://[^\s<>\"']+>?")
_BOILERPLATE_TAIL = re.compile(
    r"\s*[(\[](?:\d+\s*(?:-\s*)?min(?:ute)?s?(?:\s+read)?|read more(?:\s+on\s[^()]{0,80})?"
    r"|github repo|website|sponsor(?:ed)?|pdf|tweet|video|podcast|paper)[)\]]\s*$",
    re.I,
)
_BOILERPLATE_HEAD = re.compile(r"^\s*(?:paper page\s*[-–—:|]\s*|\[pdf\]\s*)", re.I)
_SITE_TAIL = re.compile(r"\s+[-–—|]\s+(?:hugging\s*face|arxiv(?:\.org)?)\s*$", re.I)
# stripped with str.rstrip: a regex `[...]+$` costs time quadratic in a long run of them
_TRAILING_PUNCT = " \t\r\n\f\v:–—|([<-"
_LEADING_PUNCT = " \t,;:·|/–—-"  # ", Tweet" after a link is a separator and a word
_SENTENCE_BREAK = re.compile(r"[.。](?:\s|$)|[。！？]")
MAX_TITLE_WORDS = 35


def tidy_title(text: str) -> str:
    """A title as a reader sees it: no markup, list number, URL or boilerplate around it."""
    text = collapse_whitespace(strip_marks(text))
    if text[:1] in _LIST_START:
        text = _LIST_PREFIX.sub("", text)
    if "http" in text:
        text = _TEXT_URL.sub("", text)
    if text[-1:] in (")", "]") or text[:1] == "[" or text[:10].lower() == "paper page":
        for _ in range(2):  # "Title (Read more on X) (5 minute read)"
            text = _BOILERPLATE_TAIL.sub("", _BOILERPLATE_HEAD.sub("", text))
    if text.lower().endswith(("face", "arxiv", "arxiv.org")):
        text = _SITE_TAIL.sub("", text)
    text = text.rstrip(_TRAILING_PUNCT).lstrip(_LEADING_PUNCT)
    return collapse_whitespace(text.strip(" *_\"'`"))


def is_weak(text: str) -> bool:
    """A call-to-action or a bare reference, not a title."""
    folded = text.casefold().strip(" []()<>.:!→»›-–—")
    if folded in WEAK_TITLES or _GENERIC_ENDING.match(folded):
        return True
    if not text.isascii() and any(fragment in text for fragment in _CTA_FRAGMENTS):
        return True
    return bool(_ARXIV_MENTION.search(text)) and len(_ARXIV_MENTION.sub("", text).split()) <= 3


def is_good_title(text: str | None) -> bool:
    if not text:
        return False
    text = text.strip()
    if len(text) < MIN_TITLE_CHARS or is_weak(text):
        return False
    if text.startswith(("http://", "https://", "www.")) or "arxiv.org/" in text:
        return False
    if _ARXIV_MENTION.search(text):  # "arXiv ID: 2606.28270", "arXiv:2401.04088 [cs.CL]"
        return False
    return any(ch.isalpha() for ch in text)


def is_label(text: str) -> bool:
    """ "**Links**:" or "Paper:" introduces something; it is not a title."""
    return text.rstrip().endswith((":", "："))


def looks_like_title(text: str) -> bool:
    """Text near a link read as its title: title-like, not a sentence of a description,
    not an author or metadata line."""
    if not is_good_title(text) or len(text) > 250 or is_label(text):
        return False
    if text.endswith((".", "。", "!", "！", ";", "；", ",", "，")) or _SENTENCE_BREAK.search(text):
        return False
    return len(text.split()) <= MAX_TITLE_WORDS and authors_in(text) is None
