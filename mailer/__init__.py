"""paper-mailer: trending-papers newsletters in, targeted alerts out."""

__version__ = "0.1.0"
