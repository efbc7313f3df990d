"""Links in newsletters: unwrapping tracking redirects and recognising paper links.

`unwrap_url` peels redirect wrappers (nested ones too): Google Scholar `scholar_url?url=`
(or `q=`), Microsoft Safe Links, Proofpoint URL Defense v2 and v3, ESP click trackers that
carry the target in the path (`/CL0/<encoded url>/1/...`), then drops `utm_*` parameters.
Opaque trackers (an id, no target) are returned as they are.

Only http(s) URLs come out as paper links: a wrapper whose target has another scheme
(`javascript:`, `data:`) is not followed.

`paper_link` says whether a URL points at a paper (arXiv, alphaXiv, Hugging Face papers,
OpenReview, DOI, Semantic Scholar) and under which key, so one paper is one paper.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

_MAX_WRAPPERS = 6
_HTTP = re.compile(r"^https?://", re.IGNORECASE)


def is_web_url(url: str) -> bool:
    """An absolute http(s) URL, the only kind a paper's links may be."""
    return bool(_HTTP.match(url))


def _query_value(query: str, *names: str) -> str | None:
    for key, value in parse_qsl(query, keep_blank_values=False):
        if key in names and value:
            return value
    return None


def _unwrap_once(url: str) -> str | None:
    """The URL this wrapper points to, or None when `url` is not a known wrapper."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    path = parts.path
    if host.startswith("scholar.google.") and path in ("/scholar_url", "/scholar"):
        target = _decode_fully(_query_value(parts.query, "url", "q") or "")
        return target if _HTTP.match(target) else None
    if host.endswith("safelinks.protection.outlook.com"):
        return _query_value(parts.query, "url")
    if host == "urldefense.proofpoint.com" and path.startswith("/v2/url"):
        encoded = _query_value(parts.query, "u")
        return unquote(encoded.replace("-", "%").replace("_", "/")) if encoded else None
    if host == "urldefense.com" and path.startswith("/v3/__"):
        return _unwrap_proofpoint_v3(url)
    marker = path.find("/CL0/")
    if marker >= 0:
        encoded = path[marker + len("/CL0/") :]
        encoded = re.split(r"/\d+/", encoded, maxsplit=1)[0]
        target = unquote(encoded)
        return target if _HTTP.match(target) else None
    if host in ("www.google.com", "google.com") and path == "/url":
        return _query_value(parts.query, "q", "url")
    return None


def _unwrap_proofpoint_v3(url: str) -> str | None:
    """`https://urldefense.com/v3/__<url>__;<base64 of replaced chars>!!...`.

    Found with str.find: a lazy regex `__(.+?)__;([^!]*)!` scanned to the end of the URL
    from every "__;" in it (time quadratic in a hostile URL's length).
    """
    prefix = _PROOFPOINT_V3.match(url)
    if not prefix:
        return None
    begin = prefix.end()
    end = url.find("__;", begin + 1)
    bang = url.find("!", end + 3) if end >= 0 else -1
    if bang < 0:  # no replaced characters: the target runs to the next "__"
        end = url.find("__", begin + 1)
        return url[begin:end] if end >= 0 else None
    target, encoded = url[begin:end], url[end + 3 : bang]
    try:
        replacements = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return target
    chars = iter(replacements)
    return re.sub(r"\*", lambda _: next(chars, "*"), target)


_PROOFPOINT_V3 = re.compile(r"https?://urldefense\.com/v3/__")


def drop_tracking_params(url: str) -> str:
    """The URL without `utm_*` query parameters (everything else kept, in order)."""
    if "utm_" not in url.lower():
        return url
    base, _, query = url.partition("?")
    if "#" not in url and all(p.lower().startswith("utm_") for p in query.split("&") if p):
        return base  # only utm_* parameters (the usual case): what the general path gives
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "utm_" not in parts.query.lower():
        return url
    kept = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_")
    ]
    return urlunsplit(parts._replace(query=urlencode(kept)))


# every wrapper _unwrap_once knows has one of these in its URL (checked before parsing)
_WRAPPER_HINTS = ("scholar.google.", "safelinks", "urldefense", "/cl0/", "google.com/url")
# every paper site paper_link knows has one of these in its URL
_PAPER_HOST_HINTS = (
    "arxiv.org",
    "huggingface.co",
    "hf.co",
    "alphaxiv.org",
    "openreview.net",
    "doi.org",
    "semanticscholar.org",
)


def unwrap_url(url: str) -> str:
    """The real target of a (possibly wrapped, possibly nested) link, without utm_* params."""
    url = url.strip()
    lower = url.lower()
    if not any(hint in lower for hint in _WRAPPER_HINTS):  # most links: no wrapper at all
        return drop_tracking_params(url)
    for _ in range(_MAX_WRAPPERS):
        target = _unwrap_once(url)
        if not target or target == url:
            break
        target = _decode_fully(target.strip())
        if not is_web_url(target):
            break  # a wrapper around `javascript:` or `data:` stays a wrapper
        url = target
    return drop_tracking_params(url)


def _decode_fully(target: str) -> str:
    """A double-encoded target (`https%3A%2F%2F...`) decoded until it is a URL again."""
    for _ in range(3):
        if _HTTP.match(target) or "%" not in target:
            break
        target = unquote(target)
    return target


NEW_ARXIV_ID = r"\d{4}\.\d{4,5}"
# archive names are short (hep-th, cond-mat, astro-ph.GA): bounded, so an id always fits
# the store's paper id column however long a hostile link is
OLD_ARXIV_ID = r"[a-z][a-z\-]{1,15}(?:\.[A-Z]{2})?/\d{7}"
ARXIV_ID = rf"(?:{NEW_ARXIV_ID}|{OLD_ARXIV_ID})"
_VERSION = re.compile(r"v\d+$")

_ARXIV_PATH = re.compile(rf"^/(abs|pdf|html)/({ARXIV_ID})(v\d+)?(?:\.pdf|/[\w.-]{{0,100}})?/?$")
_HF_PATH = re.compile(rf"^/papers/({NEW_ARXIV_ID})(v\d+)?/?$")
_ALPHAXIV_PATH = re.compile(rf"^/(?:abs|overview)/({ARXIV_ID})(v\d+)?/?$")


def bare_arxiv_id(arxiv_id: str) -> str:
    """`2510.06610v2` -> `2510.06610`."""
    return _VERSION.sub("", arxiv_id.strip())


@dataclass(frozen=True, slots=True)
class PaperLink:
    """A link that points at a paper: `key` is the same for every link to the same paper."""

    url: str  # unwrapped, utm_* dropped
    key: str
    site: str  # "arxiv", "hf", "alphaxiv", "openreview", "doi", "semanticscholar"
    arxiv_id: str | None = None
    is_pdf: bool = False


# A plain link to an arXiv, Hugging Face or alphaXiv page (lower-case host, no port, user,
# whitespace or control character): what urlsplit would give, read by one regex match.
# Every other URL takes urlsplit's path; both give the same PaperLink.
_PLAIN_PAPER_URL = re.compile(
    r"(?i:https?)://(?:www\.)?"
    r"(arxiv\.org|export\.arxiv\.org|browse\.arxiv\.org|huggingface\.co|hf\.co|alphaxiv\.org)"
    r"(/[!$-;=@-~]*)(?:[?#][!-~]*)?\Z"
)


def paper_link(raw_url: str) -> PaperLink | None:
    """The paper a link points at, or None (site pages, settings, images, opaque trackers)."""
    url = unwrap_url(raw_url)
    plain = _PLAIN_PAPER_URL.match(url)
    if plain is not None:
        return _site_link(url, plain.group(1), plain.group(2), "")
    if not is_web_url(url) or not any(hint in url.lower() for hint in _PAPER_HOST_HINTS):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower().removeprefix("www.")
    return _site_link(url, host, parts.path, parts.query)


def _site_link(url: str, host: str, path: str, query: str) -> PaperLink | None:
    """The paper link of `url`, given its host (lower case, no `www.`), path and query."""
    if host in ("arxiv.org", "export.arxiv.org", "browse.arxiv.org"):
        m = _ARXIV_PATH.match(path)
        if m:
            arxiv_id = m.group(2)
            return PaperLink(url, f"arxiv:{arxiv_id}", "arxiv", arxiv_id, m.group(1) == "pdf")
        return None
    if host in ("huggingface.co", "hf.co"):
        m = _HF_PATH.match(path)
        return PaperLink(url, f"arxiv:{m.group(1)}", "hf", m.group(1)) if m else None
    if host == "alphaxiv.org":
        m = _ALPHAXIV_PATH.match(path)
        return PaperLink(url, f"arxiv:{m.group(1)}", "alphaxiv", m.group(1)) if m else None
    if host == "openreview.net" and path in ("/forum", "/pdf"):
        forum = _query_value(query, "id")
        if forum:
            return PaperLink(url, f"openreview:{forum}", "openreview", None, path == "/pdf")
        return None
    if host in ("doi.org", "dx.doi.org") and path.startswith("/10."):
        return PaperLink(url, f"doi:{unquote(path[1:]).lower()}", "doi")
    if host in ("semanticscholar.org", "api.semanticscholar.org") and path.startswith("/paper/"):
        return PaperLink(url, f"s2:{path.rstrip('/').rsplit('/', 1)[-1]}", "semanticscholar")
    return None


def arxiv_pdf_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/pdf/{arxiv_id}"


def arxiv_abs_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/abs/{arxiv_id}"
