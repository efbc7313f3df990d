"""parse_email never raises: arbitrary bytes, arbitrary MIME trees, truncations."""

from __future__ import annotations

import time
from email.message import EmailMessage, Message
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailer.core.models import ParsedDigest
from mailer.parse import parse_email, parse_page
from mailer.parse.inputs import parse_document
from mailer.parse.message import MAX_ATTACHED_MESSAGES, decode_email

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

PAPER_URLS = [
    "https://huggingface.co/papers/2401.04088",
    "https://arxiv.org/abs/2305.14314v2?utm_source=x",
    "https://arxiv.org/pdf/hep-th/9901001",
    "http://scholar.google.com/scholar_url?url=https://arxiv.org/pdf/1912.02015&amp;hl=en",
    "https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Farxiv.org%2Fabs%2F2410.1",
    "https://urldefense.com/v3/__https://arxiv.org/abs/2411.01234*a__;Pw!!x$",
    "https://openreview.net/forum?id=",
    "https://doi.org/10.",
]
SNIPPETS = [
    "\\\\\narXiv:2411.03340\nTitle: A\n  wrapped\nAuthors: B and C\n\\\\\n  text\n\\\\ ( x",
    "%-%-%-",
    "%%--%%--",
    '<a class="gse_alrt_title" href="',
    "---------- Forwarded message ---------\nFrom: x <notifications@huggingface.co>\n",
    "From: a\nSent: b\nSubject: c\n",
    '<div class="gmail_quote">',
    "&amp;&#x0;&#99999999;&nbsp;",
    "▲ 12 upvotes · Authors: A, B",
    'L\\"ahner {\\aa} \\v{',
    '<img alt="',
    "\r\n\r\n",
    "=\r\n",
]

text_pieces = st.one_of(
    st.text(max_size=40),
    st.sampled_from(PAPER_URLS),
    st.sampled_from(SNIPPETS),
    st.sampled_from(PAPER_URLS).map(lambda u: f'<a href="{u}">Title of a paper</a>'),
)
bodies = st.lists(text_pieces, max_size=12).map("".join)
charsets = st.sampled_from(["utf-8", "windows-1252", "iso-8859-1", "us-ascii", "x-unknown"])


@st.composite
def leaf_parts(draw: st.DrawFn) -> Message:
    subtype = draw(st.sampled_from(["plain", "html"]))
    charset = draw(charsets)
    body = draw(bodies)
    encodable = body.encode(charset if charset != "x-unknown" else "utf-8", errors="replace")
    part = MIMEText("", subtype, "utf-8")
    part.set_payload(encodable.decode("latin-1"))
    del part["Content-Transfer-Encoding"]
    part["Content-Transfer-Encoding"] = draw(
        st.sampled_from(["7bit", "8bit", "quoted-printable", "base64", "x-bogus"])
    )
    part.set_param("charset", charset)
    return part


def _container(children: list[Message], subtype: str) -> Message:
    outer = MIMEMultipart(subtype)
    for child in children:
        outer.attach(child)
    return outer


mime_trees = st.recursive(
    leaf_parts(),
    lambda inner: st.one_of(
        st.builds(
            _container,
            st.lists(inner, max_size=4),
            st.sampled_from(["mixed", "alternative", "related"]),
        ),
        inner.map(MIMEMessage),
    ),
    max_leaves=8,
)
header_values = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "Hugging Face <notifications@huggingface.co>",
            "send mail ONLY to cs <no-reply@arXiv.org>",
            "Google Scholar Alerts <scholaralerts-noreply@google.com>",
            "=?utf-8?q?Daily_Papers_=F0=9F=A4=97?=",
            "=?bogus?b?!!!?=",
            "<<<@@>>>",
        ]
    ),
)


def _assert_digest(digest: ParsedDigest) -> None:
    """A digest came back, and no format module or the driver hit an internal error
    (those are caught and recorded, but they are bugs in the parser)."""
    assert isinstance(digest, ParsedDigest)
    for problem in digest.problems:
        assert not problem.reason.startswith("parser error"), problem.reason
        assert " failed: " not in problem.reason, problem.reason
    for paper in digest.papers:
        assert paper.title
        assert paper.to_json()["id"] == paper.id


@FAST
@given(st.binary(max_size=2000))
def test_parse_email_never_raises_on_arbitrary_bytes(raw: bytes) -> None:
    _assert_digest(parse_email(raw))


@FAST
@given(mime_trees, header_values, header_values, st.integers(min_value=0, max_value=100))
def test_parse_email_never_raises_on_arbitrary_mime_trees(
    tree: Message, sender: str, subject: str, cut_percent: int
) -> None:
    try:
        tree["From"] = sender
        tree["Subject"] = subject
        raw = tree.as_bytes()
    except Exception:  # noqa: BLE001 bulkhead: the stdlib refuses to serialise some trees; not our concern
        return
    _assert_digest(parse_email(raw))
    _assert_digest(parse_email(raw[: len(raw) * cut_percent // 100]))


@FAST
@given(st.text(max_size=3000))
def test_parse_page_never_raises(text: str) -> None:
    _assert_digest(parse_page(text, name="page.txt"))
    _assert_digest(parse_document("x.txt", text.encode("utf-8", "surrogatepass")))


def test_a_real_digest_survives_every_truncation_point() -> None:
    message = EmailMessage()
    message["From"] = "Hugging Face <notifications@huggingface.co>"
    message["Subject"] = "Daily Papers"
    message.set_content("1. A title\n   https://huggingface.co/papers/2401.04088\n", cte="base64")
    message.add_alternative(
        '<a href="https://huggingface.co/papers/2401.04088">A title</a>',
        subtype="html",
        cte="quoted-printable",
    )
    raw = message.as_bytes()
    for cut in range(0, len(raw), 7):
        _assert_digest(parse_email(raw[:cut]))


@pytest.mark.parametrize(
    "body",
    [
        "<div>" * 100_000 + '<a href="https://arxiv.org/abs/2401.04088">Mixtral of Experts</a>',
        "From: someone\n" * 200_000,
        "---------- Forwarded message ---------\n" * 100_000,
        "<div " * 100_000,  # each unclosed tag once scanned to the end: minutes
        " " * 300_000 + "-\nFrom: x\n",  # the forward-marker regexes backtracked
        "x" + "-:" * 150_000 + "x https://arxiv.org/abs/2401.04088\n",  # title tidying
        '<a href="https://urldefense.com/v3/__https://a' + "__;" * 100_000 + '">Mixtral</a>',
        "<table>" + "<tr><td><b>Title</b></td><td>Paper</td></tr>" * 20_000 + "</table>",
        "## Heading\n**Bold** [Paper](https://arxiv.org/abs/2401.04088)\n| a | b |\n" * 20_000,
    ],
    ids=[
        "nested-divs",
        "from-lines",
        "forward-markers",
        "unclosed-divs",
        "long-blank-line",
        "punctuation-run",
        "proofpoint-url",
        "long-table",  # line marks between rows were moved out of the table one by one: 23 s
        "markdown-text",
    ],
)
def test_hostile_bodies_parse_in_linear_time(body: str) -> None:
    """Deep nesting and repeated markers must not make one email stop the service."""
    message = EmailMessage()
    message["From"] = "x@example.com"
    message.set_content(body, subtype="html" if body.startswith("<") else "plain")
    started = time.process_time()  # CPU seconds: what a blow-up costs, whatever the load
    _assert_digest(parse_email(message.as_bytes()))
    assert time.process_time() - started < 3.0


LINKED_PAPER = b'<a href="https://arxiv.org/abs/2401.04088">Mixtral of Experts</a>\r\n'


@pytest.mark.parametrize(
    "header",
    [
        b"Date: 1 Jan 10000000000000000000000 00:00 +0000",  # OverflowError in the stdlib
        b"Date: Mon, 1 Jan 2024 25:61:61 +0000",
        b"Message-ID: <" + b"a" * 10_000 + b"@example.com>",
        b"Subject: =?x-unknown?q?abc?=",
    ],
    ids=["date-overflow", "date-out-of-range", "huge-message-id", "unknown-charset"],
)
def test_a_hostile_header_never_costs_the_emails_papers(header: bytes) -> None:
    raw = b"From: x@example.com\r\n" + header + b"\r\nContent-Type: text/html\r\n\r\n"
    digest = parse_email(raw + LINKED_PAPER)
    _assert_digest(digest)
    assert [p.id for p in digest.papers] == ["arxiv:2401.04088"], digest.problems
    assert digest.message_id is None or len(digest.message_id) <= 998
    assert parse_email(raw + LINKED_PAPER).message_id == digest.message_id  # stable


def test_a_huge_message_id_of_an_unreadable_email_still_fits_the_store() -> None:
    nested = (Path(__file__).parent / "data" / "malformed" / "deeply-nested.eml").read_bytes()
    raw = nested.replace(b"<deep-1@example.com>", b"<" + b"d" * 60_000 + b"@example.com>")
    digest = parse_email(raw)
    assert digest.problems[0].reason.startswith("unreadable email")
    assert digest.message_id is not None
    assert len(digest.message_id) <= 998


SCHOLAR_TITLE = (
    '<a class="gse_alrt_title" href="https://scholar.google.com/scholar_url?url='
    'https://arxiv.org/abs/2401.04088">Mixtral of Experts</a>'
)


@pytest.mark.parametrize(
    "body",
    [
        "<div>" * 450 + ("<span>" + SCHOLAR_TITLE + "</span>") * 10_000,
        "<h3>" + SCHOLAR_TITLE * 5_000 + "</h3><div>" + "Z Chen, " * 50_000 + "</div>"
        '<div class="gse_alrt_sni">' + "snippet 7B " * 50_000 + "</div>",
        "<span>" * 50_000 + SCHOLAR_TITLE * 5_000,
    ],
    ids=["one-heading-for-all", "one-byline-and-snippet-for-all", "deep-spans"],
)
def test_scholar_links_sharing_one_huge_heading_parse_in_linear_time(body: str) -> None:
    """Each title link once read its whole heading, byline and snippet again."""
    message = EmailMessage()
    message["From"] = "Google Scholar Alerts <scholaralerts-noreply@google.com>"
    message.set_content(body, subtype="html")
    started = time.process_time()
    digest = parse_email(message.as_bytes())
    assert time.process_time() - started < 3.0
    _assert_digest(digest)
    assert [p.id for p in digest.papers] == ["arxiv:2401.04088"]


def test_only_the_first_attached_originals_are_read_apart() -> None:
    """A forward attaches one original; thousands would each be parsed again on their own."""
    outer = EmailMessage()
    outer["From"] = "me@example.com"
    outer.set_content("see attached")
    for n in range(MAX_ATTACHED_MESSAGES + 5):
        inner = EmailMessage()
        inner["From"] = "Hugging Face <notifications@huggingface.co>"
        link = f'<a href="https://huggingface.co/papers/2401.{n:05d}">Paper title {n}</a>'
        inner.set_content(link, subtype="html")
        outer.add_attachment(inner)
    raw = outer.as_bytes()
    assert len(decode_email(raw).copies) == MAX_ATTACHED_MESSAGES
    digest = parse_email(raw)
    _assert_digest(digest)
    assert [p.id for p in digest.papers] == ["arxiv:2401.00000"]
