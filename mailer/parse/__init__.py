"""Parsing newsletters into papers (pure: bytes in, typed values out).

parse_email(raw) -> ParsedDigest       any newsletter email; never raises
parse_page(text, name=...) -> ParsedDigest   the pasted Daily Papers page
inputs.parse_document(name, raw)     a saved .eml, mbox message or .txt page, by its name
                                       (walking folders is the directory source's:
                                       mailer.sources.files.iter_documents)
"""

from mailer.parse.digest import parse_email, parse_page

__all__ = ["parse_email", "parse_page"]
