"""Cron expressions as people write them (crontab(5)), for APScheduler 3.

APScheduler 3's `CronTrigger.from_crontab` numbers the days of the week from Monday = 0,
so `0 9 * * 1` fired on Tuesdays and `1-5` meant Tuesday to Saturday; crontab(5) numbers
them from Sunday = 0 (7 is Sunday too). `standard_crontab` rewrites the day-of-week field
with day names, which both read alike. Pure: text in, text out.
"""

from __future__ import annotations

import re

_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_PART = re.compile(r"(\*|\d{1,2})(?:-(\d{1,2}))?(?:/(\d{1,2}))?")


def standard_crontab(expression: str) -> str:
    """`expression` with numbered days of the week written as names; an expression that
    is not five fields, or a part it cannot read, is left for the scheduler to judge."""
    fields = expression.split()
    if len(fields) != 5:
        return expression
    return " ".join([*fields[:4], _day_names(fields[4])])


def _day_names(field: str) -> str:
    parts = []
    for part in field.split(","):
        m = _PART.fullmatch(part)
        if m is None or (m.group(1) == "*" and m.group(2)):
            parts.append(part)  # names ("mon-fri"), or something the scheduler will refuse
            continue
        start, end, step = m.group(1), m.group(2), m.group(3)
        if start == "*" and step is None:
            parts.append("*")
            continue
        first = 0 if start == "*" else int(start)
        last = int(end) if end is not None else (6 if start == "*" or step else first)
        if not (0 <= first <= 7 and 0 <= last <= 7) or first > last or step == "0":
            parts.append(part)
            continue
        parts.extend(_DAYS[day % 7] for day in range(first, last + 1, int(step or 1)))
    return ",".join(dict.fromkeys(parts))
