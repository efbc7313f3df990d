"""The one wall clock: `utc_now()`, and the `Clock` type every entry point takes.

The core never calls it (its functions take `now`); the shell passes `utc_now` down
as the default, and tests inject a fixed or stepping clock instead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Now, as an aware datetime in UTC."""
    return datetime.now(UTC)
