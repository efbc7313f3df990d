"""Parsing speed: 100-paper HTML digests through `parse_email`, beside the standard
library's `email` parser doing only the MIME part of the work on the same bytes.

    python bench/parse.py [--rounds 5] [--digests 12]

Honest by construction: every digest in the corpus is different (ids, titles, numbers), as
real mail is; every cache the parser keeps (functools caches in `mailer.parse`) is cleared
before each `parse_email` call, so no email is helped by the one before it; and the two
contenders are interleaved email by email, in alternating order, so a noisy neighbour on
a shared machine slows both alike. Prints emails/s for both, the ratio over the whole run,
and the ratio of each round (their spread shows how steady the machine was).
"""

from __future__ import annotations

import argparse
import email
import gc
import html
import statistics
import sys
import time
from collections.abc import Callable
from email import policy
from email.message import EmailMessage

import _this_checkout  # noqa: F401  (before mailer: this checkout's code)

from mailer.parse import parse_email
from mailer.parse.sizes import extract_sizes

PAPERS = 100


def compose_digest(count: int = PAPERS, issue: int = 0) -> bytes:
    """A Daily-Papers-style multipart/alternative digest (QP), as a subscriber receives it."""
    rows, lines = [], []
    for n in range(count):
        k = issue * count + n
        arxiv_id = f"24{11 + issue % 2:02d}.{10000 + k:05d}"
        size = 1 + (k * 7) % 70
        title = f"Efficient Adapters for a {size}B Language Model, Study {k}"
        summary = (
            f"We fine-tune a {size}B model with LoRA on {2 + k % 5}T tokens and distil it into "
            f"a {(k % 9) + 1}.5B student that runs on-device; it beats 7B baselines by {k % 30}% "
            f"on reasoning benchmarks while using {40 + k % 41}GB of memory & a 128K context."
        )
        url = f"https://huggingface.co/papers/{arxiv_id}?utm_source=digest&utm_medium=email"
        rows.append(
            f'<tr><td><a href="{html.escape(url)}"><img alt="{html.escape(title)}" src="x.png">'
            f'</a><h2><a href="{html.escape(url)}">{html.escape(title)}</a></h2>'
            f"<p>&#9650; {k * 3} upvotes &middot; Authors: Ada Lovelace, Alan Turing</p>"
            f"<p>{html.escape(summary)}</p></td></tr>"
        )
        lines += [f"{n + 1}. {title}", f"   {url}", f"   {summary}", ""]
    message = EmailMessage()
    message["From"] = "Hugging Face <notifications@huggingface.co>"
    message["To"] = "reader@example.com"
    message["Subject"] = f"Daily Papers: {count} papers trending today (#{issue})"
    message["Message-ID"] = f"<bench-{issue}@huggingface.co>"
    message.set_content("\n".join(lines), cte="quoted-printable")
    message.add_alternative(
        f"<html><body><table>{''.join(rows)}</table></body></html>",
        subtype="html",
        cte="quoted-printable",
    )
    return message.as_bytes()


def mime_only(raw: bytes) -> int:
    """What the stdlib does for us: parse the MIME tree and decode each text part."""
    message = email.message_from_bytes(raw, policy=policy.default)
    decoded = 0
    for part in message.walk():
        if part.get_content_maintype() == "text":
            decoded += len(part.get_content())  # type: ignore[attr-defined]
    return decoded


def size_texts(raw: bytes) -> list[str]:
    """The texts parse_email hands to the size extractor: each paper's title and abstract."""
    return [text for p in parse_email(raw).papers for text in (p.title, p.abstract) if text]


def parse_caches() -> list[Callable[[], None]]:
    """`cache_clear` of every functools cache in the loaded `mailer.parse` modules."""
    clears = []
    for name, module in list(sys.modules.items()):
        if not name.startswith("mailer.parse") or module is None:
            continue
        for value in vars(module).values():
            clear = getattr(value, "cache_clear", None)
            if callable(clear):
                clears.append(clear)
    return clears


CPU = {"parse_email": 0.0, "mime_only": 0.0, "sizes_only": 0.0}  # process time per contender


def timed(call: Callable[[bytes], object], raw: bytes, before: list[Callable[[], None]]) -> float:
    """Wall time of one call (caches cleared first); its CPU time is added to CPU."""
    for clear in before:
        clear()
    cpu = time.process_time()
    start = time.perf_counter()
    call(raw)
    elapsed = time.perf_counter() - start
    CPU[getattr(call, "__name__", "")] = CPU.get(getattr(call, "__name__", ""), 0.0) + (
        time.process_time() - cpu
    )
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes over the corpus")
    parser.add_argument("--digests", type=int, default=12, help="distinct digests in the corpus")
    args = parser.parse_args()
    corpus = [compose_digest(PAPERS, issue) for issue in range(args.digests)]
    for raw in corpus:  # every digest parses in full (and the modules are loaded)
        digest = parse_email(raw)
        assert len(digest.papers) == PAPERS, f"parsed {len(digest.papers)}: {digest.problems}"
    clears = parse_caches()
    texts = {raw: size_texts(raw) for raw in corpus}

    def sizes_only(raw: bytes) -> None:
        for text in texts[raw]:
            extract_sizes(text)

    full_total = stdlib_total = sizes_total = 0.0
    ratios = []
    gc.collect()
    for round_number in range(args.rounds):
        full = stdlib = 0.0
        for index, raw in enumerate(corpus):
            if (index + round_number) % 2:  # alternate who goes first
                stdlib += timed(mime_only, raw, [])
                full += timed(parse_email, raw, clears)
            else:
                full += timed(parse_email, raw, clears)
                stdlib += timed(mime_only, raw, [])
            sizes_total += timed(sizes_only, raw, clears)
        ratios.append(full / stdlib)
        full_total += full
        stdlib_total += stdlib
    emails = args.rounds * len(corpus)
    size = sum(len(raw) for raw in corpus) / len(corpus) / 1024
    print(
        f"input: {len(corpus)} distinct digests of {size:.0f} KB, {PAPERS} papers each, "
        f"HTML + text parts (QP); caches cleared before every parse; interleaved"
    )
    print(
        f"parse_email:            {emails / full_total:8.1f} emails/s  "
        f"{emails * PAPERS / full_total:9.0f} papers/s  ({emails} parses)"
    )
    print(f"stdlib email MIME only: {emails / stdlib_total:8.1f} emails/s")
    print(
        f"ratio: parse_email takes {full_total / stdlib_total:.2f}x the time of the stdlib "
        f"MIME parse alone (rounds: {', '.join(f'{r:.2f}' for r in ratios)}; "
        f"median {statistics.median(ratios):.2f})"
    )
    print(
        f"CPU time (steadier on a shared machine): parse_email takes "
        f"{CPU['parse_email'] / CPU['mime_only']:.2f}x the stdlib MIME parse; without size "
        f"extraction {(CPU['parse_email'] - CPU['sizes_only']) / CPU['mime_only']:.2f}x"
    )
    share = sizes_total / full_total
    print(
        f"of which size extraction (mailer/parse/sizes.py, the same texts alone): {share:.0%}; "
        f"the rest of parse_email takes {(full_total - sizes_total) / stdlib_total:.2f}x "
        f"the stdlib MIME parse"
    )


if __name__ == "__main__":
    main()
