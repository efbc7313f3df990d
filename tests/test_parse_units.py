"""Unit tests for the parser's parts: link unwrapping, text cleanup, inputs, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailer.cli import cli
from mailer.core.models import Paper
from mailer.parse import formats, parse_email
from mailer.parse.formats import scholar
from mailer.parse.formats.details import find_authors, find_upvotes, split_authors
from mailer.parse.inputs import parse_document
from mailer.parse.links import paper_link, unwrap_url
from mailer.parse.message import Envelope
from mailer.parse.text import collapse_whitespace, decode_tex_accents, html_to_lines
from mailer.sources.files import iter_documents

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
INBOX = ROOT / "examples" / "inbox"


@pytest.mark.parametrize(
    ("wrapped", "target"),
    [
        (
            "http://scholar.google.com/scholar_url?url=https://arxiv.org/pdf/1912.02015&hl=en&sa=X",
            "https://arxiv.org/pdf/1912.02015",
        ),
        (
            "https://scholar.google.co.uk/scholar_url?q=https://openreview.net/forum%3Fid%3Dab&hl=en",
            "https://openreview.net/forum?id=ab",
        ),
        (
            "https://nam02.safelinks.protection.outlook.com/?url=https%3A%2F%2Farxiv.org%2Fabs"
            "%2F2410.12345%3Futm_source%3Dx%26a%3D1&data=05%7C01",
            "https://arxiv.org/abs/2410.12345?a=1",
        ),
        (
            "https://urldefense.proofpoint.com/v2/url?u=https-3A__huggingface.co_papers_2411.01234"
            "&d=DwMFaQ&c=x",
            "https://huggingface.co/papers/2411.01234",
        ),
        (
            "https://urldefense.com/v3/__https://arxiv.org/abs/2411.01234?a=1*b=2__;Jg!!ABC$",
            "https://arxiv.org/abs/2411.01234?a=1&b=2",
        ),
        (
            "https://click.example.com/CL0/https:%2F%2Farxiv.org%2Fabs%2F2401.04088%3Futm_medium"
            "=email/1/0100018f/abc=",
            "https://arxiv.org/abs/2401.04088",
        ),
        (  # nested: Safe Links around a Scholar redirect
            "https://eur01.safelinks.protection.outlook.com/?url=http%3A%2F%2Fscholar.google.com"
            "%2Fscholar_url%3Furl%3Dhttps%3A%2F%2Farxiv.org%2Fabs%2F2305.14314%26hl%3Den&data=1",
            "https://arxiv.org/abs/2305.14314",
        ),
        (  # double-encoded target
            "https://eur01.safelinks.protection.outlook.com/?url=https%253A%252F%252Farxiv.org"
            "%252Fabs%252F2401.04088&data=1",
            "https://arxiv.org/abs/2401.04088",
        ),
        ("https://email.hf.co/c/eJyNkM1uxQ", "https://email.hf.co/c/eJyNkM1uxQ"),  # opaque
        (  # tracking parameters in capitals are still tracking parameters
            "https://arxiv.org/abs/2401.04088?UTM_Source=digest&a=1",
            "https://arxiv.org/abs/2401.04088?a=1",
        ),
        (  # a wrapper around a script is not followed
            "https://eur01.safelinks.protection.outlook.com/?url=javascript%3Aalert(1)",
            "https://eur01.safelinks.protection.outlook.com/?url=javascript%3Aalert(1)",
        ),
    ],
)
def test_unwrap_url_reaches_the_real_target_without_utm(wrapped: str, target: str) -> None:
    assert unwrap_url(wrapped) == target


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://arxiv.org/abs/2510.06610v2", "arxiv:2510.06610"),
        ("https://arxiv.org/pdf/2510.06610.pdf", "arxiv:2510.06610"),
        ("https://arxiv.org/abs/hep-th/9901001", "arxiv:hep-th/9901001"),
        ("https://huggingface.co/papers/2401.04088", "arxiv:2401.04088"),
        ("https://www.alphaxiv.org/abs/2404.14219", "arxiv:2404.14219"),
        ("https://openreview.net/forum?id=nZeVKeeFYf", "openreview:nZeVKeeFYf"),
        ("https://doi.org/10.1038/S41586-023-06291-2", "doi:10.1038/s41586-023-06291-2"),
        ("https://huggingface.co/papers/date/2024-11-07", None),
        ("https://huggingface.co/papers/trending", None),
        ("https://arxiv.org/list/cs.CL/recent", None),
        ("javascript://arxiv.org/abs/2401.04088", None),  # only http(s) links are papers
        ("ftp://doi.org/10.1038/x", None),
        ("https://arxiv.org/abs/" + "a" * 300 + "/1234567", None),  # no archive is that long
        ("https://arxiv.org/abs/astro-ph.GA/0601001", "arxiv:astro-ph.GA/0601001"),
        # what the plain-link shortcut does not read goes the general way, to the same key
        ("HTTPS://ARXIV.ORG/abs/2401.04088", "arxiv:2401.04088"),
        ("https://arxiv.org:443/abs/2401.04088", "arxiv:2401.04088"),
        ("https://reader@huggingface.co/papers/2401.04088", "arxiv:2401.04088"),
        ("https://arxiv.org/abs/2401.04088\t", "arxiv:2401.04088"),
        ("https://www.www.arxiv.org/abs/2401.04088", None),
        ("https://arxiv.org/abs/2401.04088 more", None),
    ],
)
def test_paper_link_knows_one_paper_by_one_key(url: str, key: str | None) -> None:
    link = paper_link(url)
    assert (link.key if link else None) == key


@pytest.mark.parametrize(
    ("tex", "text"),
    [
        ('L\\"ahner', "Lähner"),
        ("Sa\\v{s}a", "Saša"),
        ("M{\\aa}ns", "Måns"),
        ("Long\\'ep\\'e", "Longépé"),
        ('{\\"O}zt{\\"u}rk', "Öztürk"),
        ("Fran\\c{c}ois", "François"),
        ("\\L{}ukasz", "Łukasz"),
        ("Plain Name", "Plain Name"),
    ],
)
def test_tex_accents_in_author_names_become_unicode(tex: str, text: str) -> None:
    assert decode_tex_accents(tex) == text


def test_html_blocks_become_lines_and_entities_resolve() -> None:
    html = "<p>a &amp; <b>b</b>&nbsp;c</p><div>d<br>e</div><script>x()</script>"
    assert html_to_lines(html) == ["a & b c", "d", "e"]


def test_mbox_yields_one_named_document_per_message(tmp_path: Path) -> None:
    one = (INBOX / "01-hf-daily-papers-2024-11-07.eml").read_bytes()
    two = (DATA / "generic" / "outlook-forward.eml").read_bytes()
    box = b"From a@b Thu Nov  7 10:00:00 2024\n" + one + b"\nFrom c@d Thu Nov  7 11:00:00 2024\n"
    box += two.replace(b"Sharing this week", b">From the desk: sharing this week")
    (tmp_path / "box.mbox").write_bytes(box)
    (tmp_path / "page.txt").write_text("Title line\n\n" + "An abstract. " * 20)
    (tmp_path / "notes.md").write_text("ignored")
    names = [name for name, _ in iter_documents(tmp_path)]
    assert names == ["box.mbox#1", "box.mbox#2", "page.txt"]
    digests = {name: parse_document(name, raw) for name, raw in iter_documents(tmp_path)}
    assert len(digests["box.mbox#1"].papers) == 10
    assert digests["box.mbox#2"].papers[0].title == "Mixtral of Experts"
    assert b"\nFrom the desk" in dict(iter_documents(tmp_path))["box.mbox#2"]  # mboxrd unescaped
    assert digests["page.txt"].format == "text-page"


def test_forwarded_digest_ignores_the_forwarders_own_note() -> None:
    digest = parse_email((DATA / "hf_daily" / "forwarded-gmail.eml").read_bytes())
    assert digest.sender == "Hugging Face <notifications@huggingface.co>"
    assert "arxiv:2310.06825" not in {p.id for p in digest.papers}  # linked in the note only
    assert len(digest.papers) == 4


def test_known_sender_with_no_papers_is_a_problem_not_silence() -> None:
    digest = parse_email((DATA / "hf_daily" / "template-changed.eml").read_bytes())
    assert digest.papers == ()
    (problem,) = digest.problems
    assert problem.message_id == "<daily-papers-newtemplate@huggingface.co>"
    assert problem.formats_tried[0] == "hf-daily"
    assert "template changed" in problem.reason


def test_multipart_alternative_lists_each_paper_once() -> None:
    digest = parse_email((INBOX / "01-hf-daily-papers-2024-11-07.eml").read_bytes())
    ids = [p.id for p in digest.papers]
    assert len(ids) == len(set(ids)) == 10


def test_parse_command_prints_one_json_object_per_paper() -> None:
    result = CliRunner().invoke(cli, ["parse", str(INBOX), "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    keys = {"id", "title", "abstract", "authors", "arxiv_id", "url", "pdf_url", "upvotes"}
    keys |= {"published", "format", "sizes"}
    assert all(keys <= row.keys() for row in rows)
    assert len(rows) == 10 + 180 + 3 + 4 + 4 + 3
    assert all(row["sizes"] == sorted(row["sizes"]) for row in rows)


def test_parse_command_reports_problems_on_stderr_and_exits_1() -> None:
    result = CliRunner().invoke(cli, ["parse", str(DATA / "hf_daily" / "template-changed.eml")])
    assert result.exit_code == 1
    assert "template changed" in result.output


def test_parse_command_runs_as_a_user_runs_it() -> None:
    page = ROOT.parent / "shared" / "samples" / "hf-daily-papers-page.txt"
    path = page if page.exists() else DATA / "text_page" / "hf-page-excerpt.txt"
    done = subprocess.run(
        [sys.executable, "-m", "mailer", "parse", str(path), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert rows
    assert all(row["format"] == "text-page" for row in rows)


def _html_email(html: str, *, sender: str = "Dana <dana@corp.example>") -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["Subject"] = "FW: Daily Papers"
    message["Message-ID"] = "<unit@example.com>"
    message.set_content(html, subtype="html")
    return message.as_bytes()


MIXTRAL_HTML = (
    '<table><tr><td><a href="https://huggingface.co/papers/2401.04088">Mixtral of Experts</a>'
    "<p>We introduce Mixtral 8x7B, a sparse mixture of experts language model with 47B "
    "parameters.</p></td></tr></table>"
)


def test_outlook_html_forward_reads_the_original_sender() -> None:
    html = (
        '<div>See below</div><hr><div id="divRplyFwdMsg"><b>From:</b> Hugging Face '
        "&lt;notifications@huggingface.co&gt;<br><b>Sent:</b> Thursday, November 7, 2024 2:02 PM"
        "<br><b>To:</b> Dana<br><b>Subject:</b> Daily Papers: 1 paper</div>" + MIXTRAL_HTML
    )
    digest = parse_email(_html_email(html))
    assert digest.sender == "Hugging Face <notifications@huggingface.co>"
    assert digest.subject == "Daily Papers: 1 paper"
    assert [p.title for p in digest.papers] == ["Mixtral of Experts"]


def test_quoted_forward_is_unquoted() -> None:
    message = EmailMessage()
    message["From"] = "Dana <dana@corp.example>"
    message["Subject"] = "Fwd: Daily Papers"
    message.set_content(
        "FYI\n\n> ---------- Forwarded message ---------\n"
        "> From: Hugging Face <notifications@huggingface.co>\n"
        "> Date: Thu, 7 Nov 2024 13:02:00 +0000\n> Subject: Daily Papers: 1 paper\n>\n"
        "> 1. Mixtral of Experts\n>    https://huggingface.co/papers/2401.04088\n"
        ">    We introduce Mixtral 8x7B, a sparse mixture of experts language model.\n"
    )
    digest = parse_email(message.as_bytes())
    assert digest.format == "hf-daily"
    assert digest.date is not None
    assert digest.date.day == 7
    (paper,) = digest.papers
    assert (
        paper.abstract == "We introduce Mixtral 8x7B, a sparse mixture of experts language model."
    )


def test_opaque_tracker_is_known_by_the_arxiv_id_it_shows() -> None:
    html = (
        '<h3>Mixtral of Experts</h3><p><a href="https://t.example.com/c/ABCDEF">arXiv:2401.04088'
        "</a></p><p>A sparse mixture of experts with 47B parameters, 13B active per token.</p>"
    )
    (paper,) = parse_email(_html_email(html, sender="News <n@news.example>")).papers
    assert (paper.id, paper.title) == ("arxiv:2401.04088", "Mixtral of Experts")
    assert paper.url == "https://arxiv.org/abs/2401.04088"


def test_a_format_that_raises_is_recorded_and_the_fallback_still_reads_the_email(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(_: Envelope) -> list[Paper]:
        raise RuntimeError("boom")

    broken_scholar = replace(scholar.FORMAT, parse=broken)
    monkeypatch.setattr(
        formats,
        "FORMATS",
        tuple(broken_scholar if f.name == "scholar-alert" else f for f in formats.FORMATS),
    )
    digest = parse_email((DATA / "scholar" / "alert-related-research.eml").read_bytes())
    reasons = [p.reason for p in digest.problems]
    assert any("format scholar-alert failed: RuntimeError: boom" in r for r in reasons)
    assert digest.format == "generic"
    assert "arxiv:1912.02015" in {p.id for p in digest.papers}


@pytest.mark.parametrize(
    ("lines", "upvotes"),
    [
        (["▲ 312 upvotes · Authors: A, B"], 312),
        (["👍 1,204"], 1204),
        (["Upvotes: 42"], 42),
        (["We collected 10,000 upvotes from users of a forum to train a reward model " * 2], None),
        (["Authors: A, B"], None),
    ],
)
def test_upvotes_come_from_short_metadata_lines_only(lines: list[str], upvotes: int | None) -> None:
    assert find_upvotes(lines) == upvotes


@pytest.mark.parametrize(
    ("text", "authors"),
    [
        ("A Smith, B Jones, and C Lee", ["A Smith", "B Jones", "C Lee"]),
        ("A Smith and B Jones", ["A Smith", "B Jones"]),
        ("Z Chen, S Kommrusch, M Monperrus…", ["Z Chen", "S Kommrusch", "M Monperrus"]),
        ("A, B, et al. (84 additional authors not shown)", ["A", "B"]),
    ],
)
def test_author_lists_split_into_names(text: str, authors: list[str]) -> None:
    assert split_authors(text) == authors


def test_scholar_title_link_with_a_script_target_keeps_the_paper_without_the_link() -> None:
    html = (
        '<h3><a class="gse_alrt_title" href="javascript:alert(1)">Scaling Small Models</a></h3>'
        "<div>A Author - arXiv preprint arXiv:2401.04088, 2024</div>"
    )
    envelope = Envelope(None, None, None, scholar.SENDER, None, None, html, "")
    (paper,) = scholar.parse_scholar(envelope)
    assert paper.url is None
    assert paper.arxiv_id == "2401.04088"
    assert paper.pdf_url == "https://arxiv.org/pdf/2401.04088"


def test_parse_table_fits_80_columns_with_readable_titles(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    abstract = "We compare 135M, 360M, 1.7B, 3B, 7B, 8B, 13B, 34B, 70B and 405B models " * 3
    page.write_text(f"Daily Papers\n\nA Census of Open Language Models\n\n{abstract}\n")
    result = CliRunner().invoke(cli, ["parse", str(page)], env={"COLUMNS": "80"})
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert any("A Census of Open" in line for line in lines), "the title column is usable"


@pytest.mark.parametrize(
    ("line", "authors"),
    [
        ("Authors: A. Smith, B. Jones", ["A. Smith", "B. Jones"]),
        (
            "By Albert Q. Jiang and Ludwig van Beethoven",
            ["Albert Q. Jiang", "Ludwig van Beethoven"],
        ),
        ("by 张伟, 李娜", ["张伟", "李娜"]),
        ("▲ 12 · By Ann Lee", ["Ann Lee"]),
        ("By routing each token to two of eight experts, Mixtral matches a 70B model.", None),
        ("By 2030, models will be larger.", None),
    ],
)
def test_by_lines_give_authors_only_when_they_list_names(
    line: str, authors: list[str] | None
) -> None:
    assert find_authors([line]) == authors


def test_a_summary_starting_with_by_stays_the_summary() -> None:
    message = EmailMessage()
    message["From"] = "x@example.com"
    summary = "By routing each token to two of eight experts, Mixtral matches a 70B dense model."
    message.set_content(
        f'<p><a href="https://arxiv.org/abs/2401.04088">Mixtral of Experts</a></p><p>{summary}</p>',
        subtype="html",
    )
    (paper,) = parse_email(message.as_bytes()).papers
    assert (paper.authors, paper.abstract, paper.size_params) == (None, summary, [70 * 10**9])


@pytest.mark.parametrize(
    ("text", "collapsed"),
    [
        ("Mixtral of Experts", "Mixtral of Experts"),  # already collapsed: kept as it is
        ("", ""),
        (" Mixtral  of\tExperts\n", "Mixtral of Experts"),
        ("Mixtral\u00a0of\u2003Experts\u3000", "Mixtral of Experts"),  # Unicode spaces
        ("Mixtral\x1cof\x1fExperts", "Mixtral of Experts"),  # separators str.split knows
        ("Mixtral\u200bof Experts", "Mixtral of Experts"),  # a zero-width space breaks words
        ("Mixtral of Experts ", "Mixtral of Experts"),
    ],
)
def test_collapse_whitespace_leaves_one_space_between_words(text: str, collapsed: str) -> None:
    assert collapse_whitespace(text) == collapsed
