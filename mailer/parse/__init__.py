"""Parsing newsletters into papers (pure: bytes in, typed values out).

parse_email(raw) -> ParsedDigest       any newsletter email; never raises
parse_page(text, name=...) -> ParsedDigest   the pasted Daily Papers page
inputs.iter_documents(path, on_error=...), inputs.parse_document(name, raw)
                                       files, dirs, mboxes; one bad file never stops the rest
"""

from mailer.parse.digest import parse_email, parse_page

__all__ = ["parse_email", "parse_page"]
