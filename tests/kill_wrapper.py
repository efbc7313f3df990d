"""Runs `mailer ARGS...` and SIGKILLs itself at a chosen point (test-side only).

Usage: python kill_wrapper.py POINT N mailer-args...

POINT is where the N-th event kills the process:
  fetched     a message was fetched, before it is processed
  enqueuing   inside a message's transaction, before its N-th alert row is built (the
              rows are written together, after the papers, in the same transaction)
  enqueued    a message's papers and alerts were committed
  delivering  a file delivery is about to start (nothing written yet)
  delivered   a file delivery finished, before the outbox records it as sent
  recorded    an outbox batch was recorded as sent
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from mailer.cli import main
from mailer.notify.file import FileChannel
from mailer.runtime.app import Pipeline
from mailer.store import Store

point, limit, args = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
seen = 0


def tick() -> None:
    global seen
    seen += 1
    if seen == limit:
        os.kill(os.getpid(), signal.SIGKILL)


def patch(cls: Any, name: str, *, before: bool) -> None:
    original = getattr(cls, name)

    def wrapper(*a: Any, **kw: Any) -> Any:
        if before:
            tick()
        result = original(*a, **kw)
        if not before:
            tick()
        return result

    setattr(cls, name, wrapper)


if point == "fetched":
    patch(Pipeline, "process_incoming", before=True)
elif point == "enqueuing":
    import mailer.store.messages

    patch(mailer.store.messages, "_alert_row", before=True)
elif point == "enqueued":
    patch(Pipeline, "process_incoming", before=False)
elif point == "delivering":
    patch(FileChannel, "deliver", before=True)
elif point == "delivered":
    patch(FileChannel, "deliver", before=False)
elif point == "recorded":
    patch(Store, "mark_sent", before=False)
else:
    raise SystemExit(f"unknown kill point {point}")

main(args)
