"""Subscriptions as the Slack app changes them: who may, how many, how often.

`SubscriptionBook` holds the rules of the game and no Slack I/O (the handlers in
`mailer.slackapp.handlers` ask Slack for time zones and channel members first):

- a user's subscriptions are named `slack/<user>/<name>`; only the owner or an admin
  (`slack_app.admins`) changes or deletes one;
- at most `slack_app.max_subscriptions` per user, and `commands_per_minute` commands
  per user (`RateLimiter`, per process);
- every change calls `on_change`, which reloads the service's matcher (no restart).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from mailer.config.settings import SlackAppSettings
from mailer.core.errors import MailerError
from mailer.core.keys import DestinationRef
from mailer.core.models import Match, Paper
from mailer.rules import Rule, compile_rules
from mailer.slackapp.command import SubscriptionSpec, default_name, parse_subscription
from mailer.slackapp.rules import rule_name
from mailer.store.subscriptions import Subscription, SubscriptionExists, SubscriptionStore


class NotAllowed(MailerError):
    """The caller may not do that; the text says why (shown to them)."""


class RateLimiter:
    """At most `per_minute` calls per key in any 60 seconds."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._calls: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = self.clock()
        with self._lock:
            calls = self._calls.setdefault(key, deque())
            while calls and calls[0] <= now - 60:
                calls.popleft()
            if len(calls) >= self.per_minute:
                return False
            calls.append(now)
            return True


@dataclass(frozen=True, slots=True)
class Caller:
    user: str
    team: str


class SubscriptionBook:
    def __init__(
        self,
        store: SubscriptionStore,
        settings: SlackAppSettings,
        *,
        clock: Callable[[], datetime],
        on_change: Callable[[], object],
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.on_change = on_change
        self.limiter = RateLimiter(settings.commands_per_minute)

    # -- reading ------------------------------------------------------------------------

    def of(self, user: str) -> list[Subscription]:
        return self.store.of_owner(user)

    def find(self, caller: Caller, name: str) -> Subscription:
        """The caller's subscription `name`, or any by full rule name for its owner or an
        admin; NotAllowed otherwise (a stranger learns nothing about others' names)."""
        full = name if name.startswith("slack/") else rule_name(caller.user, name.lower())
        found = self.store.get(full)
        if found is None or not self.may_edit(caller, found):
            raise NotAllowed(f"you have no subscription named {name!r}; see `list`")
        return found

    def may_edit(self, caller: Caller, subscription: Subscription) -> bool:
        return caller.user == subscription.owner or caller.user in self.settings.admins

    def preview(self, spec: SubscriptionSpec) -> tuple[list[tuple[Paper, Match]], int]:
        """What the spec would have matched over the stored papers of the last days,
        with the reasons, and how many papers were looked at."""
        since = self.clock() - timedelta(days=self.settings.preview_days)
        papers = self.store.recent_papers(since)
        matcher = compile_rules([Rule(name="preview", match=spec.condition)])
        found = [(paper, match) for paper in papers for match in matcher.match(paper)]
        return found, len(papers)

    # -- changing -----------------------------------------------------------------------

    def subscribe(
        self, caller: Caller, spec: SubscriptionSpec, target: DestinationRef, timezone: str
    ) -> Subscription:
        if self.store.count_of_owner(caller.user) >= self.settings.max_subscriptions:
            raise NotAllowed(
                f"you have {self.settings.max_subscriptions} subscriptions, the most allowed; "
                "unsubscribe from one first"
            )
        name = spec.name or self._free_name(caller.user, default_name(spec))
        now = self.clock()
        subscription = Subscription(
            rule_name=rule_name(caller.user, name),
            team=caller.team,
            owner=caller.user,
            name=name,
            target=target.to_str(),
            rule_text=spec.rule_text,
            mode=spec.mode,
            at=spec.at.strftime("%H:%M") if spec.at else None,
            timezone=timezone,
            paused=False,
            created_at=now,
            changed_at=now,
            changed_by=caller.user,
        )
        try:
            self.store.add(subscription)
        except SubscriptionExists as e:
            raise NotAllowed(
                f"you already have a subscription named {name!r}; pick another with name:… "
                "or edit it from the Home tab"
            ) from e
        self.on_change()
        return subscription

    def edit(
        self, caller: Caller, subscription: Subscription, text: str, timezone: str
    ) -> Subscription:
        """New rule text (and delivery words) for an existing subscription."""
        if not self.may_edit(caller, subscription):
            raise NotAllowed("only its owner or an admin can change this subscription")
        spec = parse_subscription(text)
        fields: dict[str, object] = {"rule_text": spec.rule_text, "mode": spec.mode}
        fields["at"] = spec.at.strftime("%H:%M") if spec.at else None
        if spec.mode == "daily":
            fields["timezone"] = timezone
        now = self.clock()
        self.store.change(subscription.rule_name, now, caller.user, **fields)
        self.on_change()
        changed = replace(subscription, changed_at=now, changed_by=caller.user)
        return replace(changed, **fields)  # type: ignore[arg-type]

    def set_paused(self, caller: Caller, subscription: Subscription, paused: bool) -> Subscription:
        if not self.may_edit(caller, subscription):
            raise NotAllowed("only its owner or an admin can change this subscription")
        now = self.clock()
        self.store.change(subscription.rule_name, now, caller.user, paused=paused)
        self.on_change()
        return replace(subscription, paused=paused, changed_at=now, changed_by=caller.user)

    def remove(self, caller: Caller, subscription: Subscription) -> None:
        if not self.may_edit(caller, subscription):
            raise NotAllowed("only its owner or an admin can delete this subscription")
        self.store.remove(subscription.rule_name)
        self.on_change()

    def _free_name(self, user: str, base: str) -> str:
        taken = {s.name for s in self.store.of_owner(user)}
        if base not in taken:
            return base
        number = 2
        while f"{base}-{number}" in taken:
            number += 1
        return f"{base}-{number}"
