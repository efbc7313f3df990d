"""Building a rule's `notify:` targets: the destination, daily time and time zone each
entry names, checked (inline targets by their channel, destinations by the config when a
checker is given) and shared by every rule that writes them alike."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from mailer.config.yamlsource import PathKey
from mailer.core.keys import DestinationRef
from mailer.core.models import DeliveryMode, NotifyTarget
from mailer.rules.schema_errors import did_you_mean, label

# whether the config can deliver to a rule's destination (`Settings.has_destination`)
HasDestination = Callable[[DestinationRef], bool]


class SharedTargets:
    """Targets of one load, built and checked once each: the same destination in
    100,000 rules is one object."""

    __slots__ = ("_inline", "destinations", "notify", "targets", "written")

    def __init__(self) -> None:
        self._inline: dict[str, Any] | None = None
        self.targets: dict[tuple[Any, ...], NotifyTarget] = {}
        self.written: dict[tuple[Any, ...], NotifyTarget] = {}  # good ones, as written
        self.destinations: dict[DestinationRef, bool] = {}
        # a rule's targets by their ids (the tuple, the value, keeps them alive)
        self.notify: dict[tuple[int, ...], tuple[NotifyTarget, ...]] = {}

    def inline(self) -> dict[str, Any]:
        """The channels' inline targets by key (`mailer.notify.InlineTarget`; the core
        does not import notify), looked up once per load."""
        if self._inline is None:
            from mailer.notify.registry import inline_targets  # channel modules: on first use

            self._inline = dict(inline_targets())
        return self._inline


class TargetBuilding:
    """The part of the file loader (`mailer.rules.loader`) that builds targets."""

    targets: SharedTargets
    has_destination: HasDestination | None
    errors: list[Any]
    bad_paths: set[PathKey]
    is_schema_valid: bool

    def error(self, path: PathKey, message: str, *, key: bool = False) -> None:
        raise NotImplementedError

    def _build_notify(self, base: PathKey, entries: Any) -> tuple[NotifyTarget, ...]:
        if not isinstance(entries, list):
            return ()
        targets = []
        for i, entry in enumerate(entries):
            if isinstance(entry, dict):
                target = self._build_target((*base, "notify", i), entry)
                if target is not None:
                    targets.append(target)
        if not targets:
            return ()
        # by the targets' identities: hashing NotifyTargets (dataclasses) costs more, and
        # the shared ones are one object per way of writing them
        identities = tuple(map(id, targets))
        known = self.targets.notify.get(identities)
        if known is None:
            known = self.targets.notify[identities] = tuple(targets)
        return known

    def _build_target(self, path: PathKey, entry: dict[str, Any]) -> NotifyTarget | None:
        raw = entry.get("to")
        # a valid entry written as an earlier good one was: that target, nothing to build
        written_key = None
        if self.is_schema_valid and len(entry) <= 4:
            if type(raw) is dict:
                ((kind, value),) = raw.items()  # the schema allows one key, a text value
                raw_key: Any = (kind, value)
            else:
                raw_key = raw
            written_key = (raw_key, entry.get("mode"), entry.get("at"), entry.get("timezone"))
            known = self.targets.written.get(written_key)
            if known is not None:
                return known
        target = self._new_target(path, entry, raw)
        if (
            written_key is not None
            and target is not None
            and self.targets.targets.get(
                (target.to, entry.get("mode"), entry.get("at"), entry.get("timezone", "UTC"))
            )
            is target
        ):
            self.targets.written[written_key] = target
        return target

    def _new_target(self, path: PathKey, entry: dict[str, Any], raw: Any) -> NotifyTarget | None:
        inline = None
        if isinstance(raw, dict) and len(raw) == 1:
            kind, value = next(iter(raw.items()))
            inline = self.targets.inline().get(kind) if isinstance(value, str) else None
            written = DestinationRef.inline_target(kind, value) if inline is not None else None
            # a secret value (an apprise URL) is kept only by the config's lookup
            to = None if inline is None else inline.ref(value) if inline.secret else written
        else:
            written = to = DestinationRef.parse(raw) if isinstance(raw, str) else None
        if to is None or written is None:
            return None
        key = (to, entry.get("mode"), entry.get("at"), entry.get("timezone", "UTC"))
        # only a file the schema found valid has plain text values here, and a target
        # with a good destination, time and zone can be shared by every rule writing it
        is_shareable = self.is_schema_valid and len(entry) <= len(key)
        if is_shareable and (known := self.targets.targets.get(key)) is not None:
            return known
        errors = len(self.errors)
        target = self._check_target(path, entry, to, written, inline)
        if is_shareable and target is not None and len(self.errors) == errors:
            self.targets.targets[key] = target
        return target

    def _is_destination(self, to: DestinationRef) -> bool:
        if self.has_destination is None:
            return True
        known = self.targets.destinations.get(to)
        if known is None:
            known = self.targets.destinations[to] = self.has_destination(to)
        return known

    def _check_target(
        self,
        path: PathKey,
        entry: dict[str, Any],
        to: DestinationRef,
        written: DestinationRef,
        inline: Any,  # mailer.notify.InlineTarget | None (the core does not import notify)
    ) -> NotifyTarget | None:
        if inline is not None:
            try:
                inline.build(written.name)
            except ValueError as e:  # the target's own words; never the value (a token)
                where = label(path[2:])
                self.error((*path, "to", inline.key), f"{where}.to.{inline.key}: {_reason(e)}")
                return None
        if not self._is_destination(written):
            needs = ""
            if inline is not None and inline.account is not None:
                needs = f" (inline targets need the config's {inline.account}: account)"
            self.error(
                (*path, "to"),
                f"{label(path[2:])}.to: {to.to_str()!r} is not a destination the config defines"
                + needs,
            )
        mode: DeliveryMode = "daily" if entry.get("mode") == "daily" else "immediate"
        at = None
        if isinstance(entry.get("at"), str) and (*path, "at") not in self.bad_paths:
            if mode != "daily":
                self.error(
                    (*path, "at"),
                    f"{label(path[2:])}.at: only a daily feed has a time; add mode: daily",
                )
            at = _time(entry["at"])
        zone = entry.get("timezone", "UTC")
        if isinstance(zone, str) and zone and not _is_zone(zone):
            hint = did_you_mean(zone, _zones())
            where = label(path[2:])
            self.error((*path, "timezone"), f"{where}.timezone: {zone!r} is not a time zone{hint}")
        return NotifyTarget(to=to, mode=mode, at=at, timezone=str(zone))


@lru_cache(maxsize=1024)
def _time(text: str) -> time:
    """`HH:MM` (the schema checked it) as a time of day."""
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _reason(error: ValueError) -> str:
    """A build error's message without the input (pydantic's str() quotes the value)."""
    errors = getattr(error, "errors", None)
    if callable(errors):
        return "; ".join(str(e.get("msg", "")).removeprefix("Value error, ") for e in errors())
    return str(error)


def _is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
