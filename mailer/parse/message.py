"""MIME decoding: the only module that imports mail-parser.

`decode_email` turns raw bytes into `Envelope`s, the readable copies of a digest an email
holds: the email itself, each attached `message/rfc822` original, and the copy inside a
forwarded body (Gmail's "Forwarded message" block and `gmail_quote` div, Outlook's
From:/Sent:/To:/Subject: block, `> ` quoting). Bodies are decoded text (quoted-printable,
base64, the MIME charset trusted over any HTML `<meta>`), with CRLF turned into LF.

The standard library parses the MIME tree once (compat32, as mail-parser itself does) and
mail-parser reads that tree; when it cannot (an odd structure it rejects), the standard
library reads the text and HTML parts of the same tree instead, so the papers are not
lost. Measured on the 100-paper bench digests: the parse is 1.4 ms, mail-parser's reading
0.4 ms (decoding the bodies included); `policy.default` with `get_content` takes 3 ms, so
it would be slower, not faster, than this. A message nested too deep stays unreadable (it is hostile). mail-parser's own log
lines go to our logger `mailer.parse.message`, at DEBUG: what they report (MIME defects)
is in the parse result already, and they must not reach stderr on their own.
"""

from __future__ import annotations

import email
import email.header
import email.utils
import hashlib
import logging
import re
from dataclasses import dataclass, replace
from datetime import datetime
from email.message import Message
from typing import Any

import mailparser
from mailparser.exceptions import MailParserRecursionError

from mailer.core.errors import MailerError
from mailer.parse.bounds import bound_html, strip_binary_bodies
from mailer.parse.text import collapse_whitespace, html_to_lines

_LOG = logging.getLogger(__name__)


class _MailParserLog(logging.Handler):
    """mail-parser's records, passed on to our logger (see the module docstring)."""

    def emit(self, record: logging.LogRecord) -> None:
        _LOG.debug("mail-parser %s: %s", record.levelname.lower(), record.getMessage())


_MAILPARSER_LOGGER = logging.getLogger("mailparser")
_MAILPARSER_LOGGER.addHandler(_MailParserLog())
_MAILPARSER_LOGGER.propagate = False

_MAX_DEPTH = 3  # attached messages inside attached messages inside ...
# A forward attaches one original, a digest of forwards a few: 9,000 attachments took 5 s.
MAX_ATTACHED_MESSAGES = 20


@dataclass(frozen=True, slots=True)
class Envelope:
    """One readable copy of a digest: who sent it, what it says (HTML and text)."""

    message_id: str | None
    subject: str | None
    sender: str | None  # "Name <addr>" as shown, or the bare address
    sender_address: str | None  # lower-case address only
    date: datetime | None
    list_id: str | None
    html: str
    text: str
    forwarded: bool = False


@dataclass(frozen=True, slots=True)
class DecodedEmail:
    outer: Envelope
    copies: tuple[Envelope, ...]  # originals found inside (attached or forwarded), outermost last
    defects: tuple[str, ...] = ()


class MessageDecodeError(MailerError):
    """The bytes cannot be read as an email at all (e.g. MIME nested too deep)."""


MAX_MESSAGE_ID_CHARS = 998  # RFC 5322's line limit; the store's column holds 1,000


def bounded_message_id(value: str | None) -> str | None:
    """The Message-ID as given, or for a longer one (only hostile mail has them) a stable
    stand-in derived from it, so it still identifies the message and fits the store."""
    value = (value or "").strip()
    if len(value) <= MAX_MESSAGE_ID_CHARS:
        return value or None
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
    return f"<{digest}@message-id-too-long.invalid>"


def _header(message: Message, name: str) -> str | None:
    try:
        value = message.get(name)
    except Exception:  # noqa: BLE001 bulkhead: malformed header objects raise on access
        return None
    if value is None:
        return None
    return collapse_whitespace(str(value)) or None


def parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):  # "1 Jan 99999999999999999999"
        return None


def _format_sender(pairs: Any) -> tuple[str | None, str | None]:
    if not pairs:
        return None, None
    name, address = pairs[0]
    name = collapse_whitespace(name or "")
    address = collapse_whitespace(address or "")
    if not address:
        return (name or None), None
    return (f"{name} <{address}>" if name else address), address.lower()


def _normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _attached_messages(message: Message) -> list[Message]:
    """The first MAX_ATTACHED_MESSAGES originals attached to this message itself (not
    those inside them: each level finds its own, so every original is parsed once)."""
    found: list[Message] = []
    stack = [message]
    while stack and len(found) < MAX_ATTACHED_MESSAGES:
        part = stack.pop(0)
        payload = part.get_payload()
        if part is not message and part.get_content_type() == "message/rfc822":
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                found.append(payload[0])
        elif part.is_multipart() and isinstance(payload, list):
            stack.extend(p for p in payload if isinstance(p, Message))
    return found


def _drop_unreadable_parts(message: Message, depth: int = 0) -> None:
    """Empty, in place, every part that cannot hold a digest (images, PDFs, archives:
    never decoded) and every original attached deeper than _MAX_DEPTH."""
    payload = message.get_payload()
    if message.get_content_type() == "message/rfc822":
        if depth >= _MAX_DEPTH:
            message.set_payload([Message()])
            return
        depth += 1
    if isinstance(payload, list):
        for part in payload:
            if isinstance(part, Message):
                _drop_unreadable_parts(part, depth)
    elif message.get_content_maintype() != "text":
        message.set_payload("")


def _without(parts: list[str], removed: list[str]) -> list[str]:
    """`parts` minus one occurrence of each string in `removed`."""
    left = list(parts)
    for part in removed:
        if part in left:
            left.remove(part)
    return left


def _decode(message: Message, depth: int) -> tuple[DecodedEmail, list[str], list[str]]:
    """The decoded email, plus every text and HTML part mail-parser found in it (nested
    attachments included, as mail-parser flattens them)."""
    parsed = _read(message)
    sender, address = _format_sender(parsed.from_)
    all_text = [_normalize_newlines(t) for t in parsed.text_plain]
    all_html = [_normalize_newlines(t) for t in parsed.text_html]
    text_parts, html_parts = all_text, all_html

    copies: list[Envelope] = []
    if depth < _MAX_DEPTH:
        for inner in _attached_messages(message):
            try:
                decoded, inner_text, inner_html = _decode(inner, depth + 1)
            except Exception:  # noqa: BLE001 bulkhead: an unreadable attachment is skipped, not fatal
                continue
            copies.extend(decoded.copies)
            copies.append(replace(decoded.outer, forwarded=True))
            # the attached original's bodies are its own, not the forwarding email's
            text_parts = _without(text_parts, inner_text)
            html_parts = _without(html_parts, inner_html)

    outer = Envelope(
        message_id=bounded_message_id(parsed.message_id),
        subject=collapse_whitespace(parsed.subject or "") or None,
        sender=sender,
        sender_address=address,
        date=parse_date(_header(message, "Date")),
        list_id=_header(message, "List-ID"),
        html=bound_html("\n".join(html_parts)),
        text="\n".join(text_parts),
    )
    forwarded = find_forwarded_copy(outer)
    if forwarded is not None:
        copies.append(forwarded)
    defects = tuple(sorted(str(c) for c in (parsed.defects_categories or ())))
    return DecodedEmail(outer=outer, copies=tuple(copies), defects=defects), all_text, all_html


@dataclass(frozen=True, slots=True)
class ReadMessage:
    """What the decoding needs from a MIME reader (mail-parser's names)."""

    message: Message
    message_id: str | None
    subject: str | None
    from_: list[tuple[str, str]]
    text_plain: list[str]
    text_html: list[str]
    defects_categories: set[str]


def _read(message: Message) -> ReadMessage | Any:
    """mail-parser's reading of a parsed message; the standard library's when mail-parser
    cannot (hostile nesting is refused by both)."""
    try:
        return mailparser.MailParser(message)
    except (MailParserRecursionError, RecursionError) as e:  # hostile nesting: stop here
        raise MessageDecodeError(f"{type(e).__name__}: {e}") from e
    except Exception as e:  # noqa: BLE001 bulkhead: whatever mail-parser raises, the stdlib reader gets a try
        _LOG.debug("mail-parser could not read the message (%s); trying the standard library", e)
        try:
            return read_with_stdlib(message)
        except Exception as fallback_error:
            raise MessageDecodeError(f"{type(e).__name__}: {e}") from fallback_error


def _decoded_header(message: Message, name: str) -> str:
    value = message.get(name)
    if value is None:
        return ""
    try:
        return str(email.header.make_header(email.header.decode_header(str(value))))
    except Exception:  # noqa: BLE001 bulkhead: an undecodable encoded-word: the raw text
        return str(value)


def read_with_stdlib(message: Message) -> ReadMessage:
    """The text and HTML parts of a message the standard library parsed (attachments
    skipped), with the attributes of mail-parser's result that the decoding reads."""
    texts: list[str] = []
    htmls: list[str] = []
    defects: set[str] = set()
    for part in message.walk():
        defects.update(type(d).__name__ for d in part.defects)
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        if part.get_content_disposition() == "attachment":
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        try:
            text = data.decode(part.get_content_charset() or "utf-8", errors="replace")
        except LookupError:  # an unknown charset
            text = data.decode("utf-8", errors="replace")
        (htmls if part.get_content_subtype() == "html" else texts).append(text)
    return ReadMessage(
        message=message,
        message_id=_decoded_header(message, "Message-ID") or None,
        subject=_decoded_header(message, "Subject") or None,
        from_=email.utils.getaddresses([_decoded_header(message, "From")]),
        text_plain=texts,
        text_html=htmls,
        defects_categories=defects,
    )


_TOO_DEEP = "Message nesting too deep to parse (possible malicious multipart structure)"


def decode_email(raw: bytes) -> DecodedEmail:
    """Decode an email into its readable copies. Raises MessageDecodeError only."""
    try:
        message = email.message_from_bytes(strip_binary_bodies(raw))
        _drop_unreadable_parts(message)
        return _decode(message, 0)[0]
    except RecursionError as e:  # the stdlib parser recurses once per multipart level
        raise MessageDecodeError(f"MailParserRecursionError: {_TOO_DEEP}") from e
    except MessageDecodeError:
        raise
    except Exception as e:  # anything unexpected in a hostile message
        raise MessageDecodeError(f"{type(e).__name__}: {e}") from e


# --- forwarded copies inside a body -------------------------------------------------------

# Possessive quantifiers (*+) where runs of the same characters meet: a hostile line of
# 100,000 spaces would otherwise cost time quadratic in its length.
_GMAIL_MARKER = re.compile(
    r"^[> ]*+(?:-{3,}+\s*+(?:Forwarded message|Original Message|Weitergeleitete Nachricht"
    r"|Message transféré)\s*+-{3,}+|Begin forwarded message:)\s*+$",
    re.IGNORECASE,
)
_OUTLOOK_FROM = re.compile(r"^[> ]*+\**+\s*+From:", re.IGNORECASE)
_HEADER_LINE = re.compile(r"^(From|Sent|Date|To|Cc|Subject):\s*(.*)$", re.IGNORECASE)
_QUOTE_PREFIX = re.compile(r"^> ?")
_HEADER_WINDOW = 12  # lines a forwarded header block may span, blank lines included
_MAX_CANDIDATES = 20  # "From:" lines tried, so a hostile body cannot make this quadratic


@dataclass(frozen=True, slots=True)
class _ForwardHeaders:
    headers: dict[str, str]
    body: str  # the text after the header block


def _unquote(line: str) -> str:
    return _QUOTE_PREFIX.sub("", line)


def _dequote(lines: list[str]) -> list[str]:
    """Lines without their `> ` prefix when most non-empty lines carry one."""
    filled = [line for line in lines if line.strip()]
    if filled and sum(line.startswith(">") for line in filled) * 2 > len(filled):
        return [_unquote(line) for line in lines]
    return lines


def _header_block_at(lines: list[str], index: int) -> _ForwardHeaders | None:
    """The From:/Date:/Subject: block starting at lines[index], and the body after it."""
    headers: dict[str, str] = {}
    end = min(len(lines), index + _HEADER_WINDOW)
    while index < end and not _unquote(lines[index]).strip():
        index += 1
    while index < end:
        m = _HEADER_LINE.match(_unquote(lines[index]).strip().replace("*", ""))
        if not m:
            break
        headers[m.group(1).lower()] = m.group(2).strip()
        index += 1
    if "from" not in headers or "subject" not in headers:
        return None
    return _ForwardHeaders(headers, "\n".join(_dequote(lines[index:])))


# Where either marker could start a line: one scan of the text before a regex per line.
# Searched in "\n" + text, led by that newline: the regex engine jumps from one newline to
# the next, where a MULTILINE "^" is tried at every character (20x slower on a text part).
_ANY_MARKER = re.compile(r"\n[> ]*+(?:\**+\s*+From:|-{3,}|Begin forwarded message:)", re.IGNORECASE)


def _forward_block_in_text(text: str) -> _ForwardHeaders | None:
    text = text.replace("\u00a0", " ")
    if not _ANY_MARKER.search("\n" + text):  # most digests: no forwarded block at all
        return None
    lines = text.split("\n")
    tried = 0
    for index, line in enumerate(lines):
        if _GMAIL_MARKER.match(line):  # Gmail, Apple Mail, "Original Message"
            found = _header_block_at(lines, index + 1)
            if found:
                return found
        elif _OUTLOOK_FROM.match(line):  # Outlook: From:, Sent:, To:, Subject: lines
            found = _header_block_at(lines, index)
            if found and ("sent" in found.headers or "date" in found.headers):
                return found
            tried += 1
            if tried >= _MAX_CANDIDATES:
                break
    return None


def _gmail_quote_html(raw_html: str) -> str | None:
    """The HTML after the forwarded header block (Gmail's gmail_quote, Outlook's divRplyFwdMsg)."""
    lower = raw_html.lower()
    for marker, word in ((_GMAIL_QUOTE, "gmail_quote"), (_OUTLOOK_REPLY, "divrplyfwdmsg")):
        if word not in lower:  # a plain substring test first: the regex scan is slower
            continue
        start = _opening_div_holding(raw_html, marker)
        if start is not None:
            return raw_html[start:]
    return None


_GMAIL_QUOTE = re.compile(r"gmail_quote", re.IGNORECASE)
_OUTLOOK_REPLY = re.compile(r"divRplyFwdMsg", re.IGNORECASE)
_DIV_OPEN = re.compile(r"<div\b", re.IGNORECASE)
_MAX_TAG_CHARS = 1000


def _opening_div_holding(raw_html: str, marker: re.Pattern[str]) -> int | None:
    """Where the first `<div ...>` tag whose attributes hold `marker` starts.

    Found from the marker back to its tag, within a bounded window: a regex such as
    `<div[^>]*gmail_quote` scans to the end of the body from every unclosed "<div "
    (40,000 of them took 50 s).
    """
    for found in marker.finditer(raw_html):
        window_start = max(0, found.start() - _MAX_TAG_CHARS)
        window = raw_html[window_start : found.start()]
        openings = list(_DIV_OPEN.finditer(window))
        if openings and ">" not in window[openings[-1].end() :]:
            return window_start + openings[-1].start()
    return None


def find_forwarded_copy(envelope: Envelope) -> Envelope | None:
    """The original a forwarded email carries in its body, with the original sender."""
    text_block = _forward_block_in_text(envelope.text) if envelope.text else None
    html_tail = _gmail_quote_html(envelope.html) if envelope.html else None
    html_block = None
    if html_tail is not None:
        html_block = _forward_block_in_text("\n".join(html_to_lines(html_tail)))
    block = text_block or html_block
    if block is None:
        return None
    sender_text = collapse_whitespace(block.headers.get("from", ""))
    pairs = email.utils.getaddresses([sender_text]) if sender_text else []
    sender, address = _format_sender(pairs)
    if address and "@" not in address:
        sender, address = sender_text or None, None
    return Envelope(
        message_id=envelope.message_id,
        subject=collapse_whitespace(block.headers.get("subject", "")) or None,
        sender=sender,
        sender_address=address,
        date=parse_date(block.headers.get("date") or block.headers.get("sent")) or envelope.date,
        list_id=None,
        html=html_tail or "",
        text=text_block.body if text_block else "",
        forwarded=True,
    )
