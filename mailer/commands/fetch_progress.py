"""A progress bar per source while `mailer run` fetches (count, rate, time left).

Sources that can tell how many messages a fetch will hand over (IMAP: after its
search) have a `progress` attribute; this module points it at a `rich` progress bar
for the duration of a run. On a terminal the bar updates live and disappears when the
run ends (the summary follows); in logs and pipes nothing is drawn.
"""

from __future__ import annotations

import logging
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

from mailer.app import Pipeline

log = logging.getLogger("mailer.commands")


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


@contextmanager
def fetch_progress(pipeline: Pipeline, console: Console | None = None) -> Iterator[Progress]:
    """Show fetch progress of every source that reports it while the block runs."""
    progress = new_progress(console)
    tasks: dict[str, TaskID] = {}

    def report(name: str, done: int, total: int) -> None:
        if name not in tasks:
            if total == 0:
                return
            tasks[name] = progress.add_task(f"fetching {name}", total=total)
        progress.update(tasks[name], completed=done, total=total)

    reporting: list[ReportsProgress] = []
    for config in pipeline.settings.sources:
        try:
            source = pipeline.source(config.name)
        except Exception:  # the run reports sources that cannot be opened
            continue
        if isinstance(source, ReportsProgress):
            source.progress = report
            reporting.append(source)
    try:
        with progress:
            yield progress
    finally:
        for reporter in reporting:
            reporter.progress = None
