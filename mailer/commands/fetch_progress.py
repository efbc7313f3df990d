"""A progress bar per source while `mailer run` fetches (count, rate, time left).

Sources that can tell how many messages a fetch will hand over (IMAP: after its
search) have a `progress` attribute; this module points it at a `rich` progress bar
for the duration of a run. On a terminal the bar updates live and disappears when the
run ends (the summary follows). When standard error is not a terminal (cron, CI, a
pipe), a plain line goes there at most every LINE_SECONDS instead, for the fetch and
for the delivery round, so a long backfill or a feed of many messages shows it moves.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol, runtime_checkable

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from mailer.runtime.app import Pipeline

log = logging.getLogger(__name__)
LINE_SECONDS = 5.0


@runtime_checkable
class ReportsProgress(Protocol):
    """A source that calls `progress(source name, done, total)` while it fetches."""

    progress: Callable[[str, int, int], None] | None


class MessageRateColumn(ProgressColumn):
    """Messages per second, e.g. `42.0 msg/s`."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:.1f} msg/s", style="progress.data.speed")


def new_progress(console: Console | None = None) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        MessageRateColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=console or Console(stderr=True),
        transient=True,
    )


class ProgressLines:
    """Plain progress lines for logs and pipes, at most one per LINE_SECONDS per task."""

    def __init__(self, console: Console, clock: Callable[[], float] = time.monotonic) -> None:
        self.console = console
        self.clock = clock
        self.last: dict[str, float] = {}

    def line(self, key: str, text: str, final: bool = False) -> None:
        now = self.clock()
        if final or now - self.last.get(key, -LINE_SECONDS) >= LINE_SECONDS:
            self.last[key] = now
            self.console.print(text, markup=False, highlight=False, soft_wrap=True)


@contextmanager
def fetch_progress(pipeline: Pipeline, console: Console | None = None) -> Iterator[Progress]:
    """Show fetch and delivery progress while the block runs."""
    console = console or Console(stderr=True)
    progress = new_progress(console)
    lines = None if console.is_terminal else ProgressLines(console)
    tasks: dict[str, TaskID] = {}

    def report(name: str, done: int, total: int) -> None:
        if lines is not None:
            if total:
                lines.line(name, f"fetching {name}: {done}/{total} messages", done >= total)
            return
        if name not in tasks:
            if total == 0:
                return
            tasks[name] = progress.add_task(f"fetching {name}", total=total)
        progress.update(tasks[name], completed=done, total=total)

    def delivered(messages: int, alerts: int) -> None:
        if lines is not None:
            lines.line(
                "delivery",
                f"delivering: {alerts} alert{'' if alerts == 1 else 's'} in {messages} "
                f"message{'' if messages == 1 else 's'} so far",
            )

    reporting: list[ReportsProgress] = []
    for config in pipeline.settings.sources:
        try:
            source = pipeline.source(config.name)
        except Exception:  # noqa: BLE001 bulkhead: the run reports sources that cannot be opened
            continue
        if isinstance(source, ReportsProgress):
            source.progress = report
            reporting.append(source)
    pipeline.worker.on_batch = delivered
    try:
        if lines is not None:
            yield progress
        else:
            with progress:
                yield progress
    finally:
        pipeline.worker.on_batch = None
        for reporter in reporting:
            reporter.progress = None
