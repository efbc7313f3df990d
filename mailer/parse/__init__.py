"""Parsing newsletters into papers (pure: bytes in, typed values out)."""
