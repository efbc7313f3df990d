"""The slash command, App Home, modal and button handlers, registered on a Bolt `App`.

Every handler acks first (Slack wants an answer within 3 seconds) and works after:
Bolt runs the rest in its thread pool while the HTTP answer (or the Socket Mode
envelope ack) is already on its way. Replies to the command are ephemeral, through
the command's `response_url` (`respond`). Handlers never log request bodies, tokens
or the text users typed.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from mailer.core.keys import DestinationRef
from mailer.slackapp import views
from mailer.slackapp.book import Caller, NotAllowed, SubscriptionBook
from mailer.slackapp.command import NAME, CommandError, parse_command, parse_subscription

log = logging.getLogger(__name__)
FEEDBACK = re.compile(r"^feedback_(up|down)$")
MAX_MEMBER_PAGES = 20  # 20 x 1,000 members: enough to find the caller in a big channel


class Handlers:
    def __init__(
        self,
        book: SubscriptionBook,
        command: str,
        *,
        default_timezone: str,
        record_feedback: Callable[[str, str, str, int, datetime | None], None],
    ) -> None:
        self.book = book
        self.command = command
        self.default_timezone = default_timezone
        self.record_feedback = record_feedback

    def register(self, app: App) -> None:
        app.command(self.command)(self.on_command)
        app.event("app_home_opened")(self.on_home_opened)
        app.action("sub_new")(self.on_new)
        app.action("sub_edit")(self.on_edit)
        app.action("sub_pause")(self.on_pause)
        app.action("sub_resume")(self.on_resume)
        app.action("sub_delete")(self.on_delete)
        app.action(views.RULE_ACTION)(self.on_typing)
        app.view(views.MODAL_CALLBACK)(self.on_modal_submit)
        app.action(FEEDBACK)(self.on_feedback)

    # -- /papers ------------------------------------------------------------------------

    def on_command(
        self, ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        caller = Caller(str(body.get("user_id", "")), str(body.get("team_id", "")))
        text = str(body.get("text", ""))
        if not self.book.limiter.allow(caller.user):
            respond(views.plain_reply("Too many commands in a minute; try again shortly."))
            return
        try:
            respond(self._run(caller, text, str(body.get("channel_id", "")), client))
        except CommandError as e:
            respond(views.error_reply(text, e))
        except NotAllowed as e:
            respond(views.plain_reply(str(e)))
        except SlackApiError as e:
            log.warning("slack command: Slack answered %s", e.response.get("error"))
            respond(views.plain_reply("Slack refused a call I needed; try again later."))
        except Exception as e:  # the store is down, a bug: say so rather than stay silent
            log.exception("slack command failed: %s", type(e).__name__)
            respond(
                views.plain_reply("Something went wrong on the mailer's side; try again later.")
            )

    def _run(self, caller: Caller, text: str, channel: str, client: WebClient) -> views.Reply:
        command = parse_command(text)
        offset = text.find(command.argument) if command.argument else len(text)
        argument = command.argument
        if command.verb == "help":
            return views.help_reply(self.command)
        if command.verb == "list":
            return views.list_reply(self.book.of(caller.user), self.command)
        if command.verb in ("subscribe", "preview"):
            try:
                spec = parse_subscription(argument)
            except CommandError as e:  # offsets in the whole text, for the caret
                raise CommandError(e.message, e.start + offset, e.end + offset) from e
            if command.verb == "preview":
                found, scanned = self.book.preview(spec)
                return views.preview_reply(
                    spec.rule_text, found, self.book.settings.preview_days, scanned
                )
            target = DestinationRef.inline_target("slack_user", caller.user)
            if spec.here and not channel.startswith("D"):
                self._require_member(client, channel, caller.user)
                target = DestinationRef.inline_target("slack", channel)
            zone = self._timezone(client, caller.user) if spec.mode == "daily" else "UTC"
            subscription = self.book.subscribe(caller, spec, target, zone)
            found, _ = self.book.preview(spec)
            return views.subscribed_reply(
                subscription, len(found), self.book.settings.preview_days, changed=False
            )
        if not argument:
            raise CommandError(
                f"{command.verb} needs a subscription name; see `list`", 0, len(text)
            )
        subscription = self.book.find(caller, argument.split()[0])
        if command.verb == "unsubscribe":
            self.book.remove(caller, subscription)
            return views.reply(f"Unsubscribed from {views.describe(subscription)}")
        changed = self.book.set_paused(caller, subscription, command.verb == "pause")
        return views.reply(f"{command.verb.capitalize()}d: {views.describe(changed)}")

    def _require_member(self, client: WebClient, channel: str, user: str) -> None:
        """`here` is for members of the channel only (and the bot must see it)."""
        cursor = None
        try:
            for _ in range(MAX_MEMBER_PAGES):
                answer = client.conversations_members(channel=channel, cursor=cursor, limit=1000)
                if user in (answer.get("members") or []):
                    return
                cursor = (answer.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
        except SlackApiError as e:
            raise NotAllowed(
                "I cannot see this channel's members; invite me to it (`/invite`) first"
            ) from e
        raise NotAllowed("`here` subscribes a channel you are a member of; join it first")

    def _timezone(self, client: WebClient, user: str) -> str:
        """The user's Slack time zone (users.info), for `daily 09:00`."""
        try:
            answer = client.users_info(user=user)
        except SlackApiError as e:
            log.warning(
                "users.info failed (%s); using %s", e.response.get("error"), self.default_timezone
            )
            return self.default_timezone
        zone = (answer.get("user") or {}).get("tz")
        return str(zone) if zone else self.default_timezone

    # -- App Home -----------------------------------------------------------------------

    def publish_home(self, client: WebClient, user: str) -> None:
        client.views_publish(user_id=user, view=views.home_view(self.book.of(user), self.command))

    def on_home_opened(self, event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") == "home":
            self.publish_home(client, str(event.get("user", "")))

    def _caller(self, body: dict[str, Any]) -> Caller:
        user = body.get("user") or {}
        team = body.get("team") or {}
        return Caller(str(user.get("id", "")), str(team.get("id", "") or user.get("team_id", "")))

    def _button(
        self, ack: Ack, body: dict[str, Any], client: WebClient, change: Callable[..., Any]
    ) -> None:
        ack()
        caller = self._caller(body)
        value = str((body.get("actions") or [{}])[0].get("value", ""))
        try:
            change(caller, self.book.find(caller, value))
        except NotAllowed as e:
            log.info("home: %s", e)
        self.publish_home(client, caller.user)

    def on_pause(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        self._button(ack, body, client, lambda c, s: self.book.set_paused(c, s, True))

    def on_resume(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        self._button(ack, body, client, lambda c, s: self.book.set_paused(c, s, False))

    def on_delete(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        self._button(ack, body, client, self.book.remove)

    def on_new(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=views.subscription_modal(None))

    def on_edit(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        caller = self._caller(body)
        value = str((body.get("actions") or [{}])[0].get("value", ""))
        try:
            subscription = self.book.find(caller, value)
        except NotAllowed:
            self.publish_home(client, caller.user)
            return
        text = subscription.rule_text
        modal = views.subscription_modal(subscription, preview=self._count_text(text))
        client.views_open(trigger_id=body["trigger_id"], view=modal)

    def _count_text(self, text: str) -> str:
        days = self.book.settings.preview_days
        if not text.strip():
            return views.preview_count_text(None, days)
        try:
            found, _ = self.book.preview(parse_subscription(text))
        except CommandError as e:
            return views.preview_count_text(None, days, e.message)
        return views.preview_count_text(len(found), days)

    def on_typing(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """Each character typed in the modal: show the new preview count."""
        ack()
        view = body.get("view") or {}
        text = str((body.get("actions") or [{}])[0].get("value") or "")
        existing = self.book.store.get(view.get("private_metadata") or "")
        modal = views.subscription_modal(existing, text=text, preview=self._count_text(text))
        client.views_update(view_id=view.get("id"), hash=view.get("hash"), view=modal)

    def on_modal_submit(
        self, ack: Ack, body: dict[str, Any], client: WebClient, view: dict[str, Any]
    ) -> None:
        caller = self._caller(body)
        values = (view.get("state") or {}).get("values") or {}
        text = str(
            (values.get(views.RULE_BLOCK) or {}).get(views.RULE_ACTION, {}).get("value") or ""
        )
        name = str(
            (values.get(views.NAME_BLOCK) or {}).get(views.NAME_ACTION, {}).get("value") or ""
        ).strip()
        if name and not NAME.match(name.lower()):  # "lora small" must not add a word "small"
            message = "use up to 40 letters, digits, '-', '_' or '.' (no spaces)"
            ack(response_action="errors", errors={views.NAME_BLOCK: message})
            return
        if name:
            text = f"{text} name:{name}"
        try:
            spec = parse_subscription(text)
            zone = self._timezone(client, caller.user) if spec.mode == "daily" else "UTC"
            editing = view.get("private_metadata") or ""
            if editing:
                self.book.edit(caller, self.book.find(caller, editing), text, zone)
            else:
                dm = DestinationRef.inline_target("slack_user", caller.user)
                self.book.subscribe(caller, spec, dm, zone)
        except (CommandError, NotAllowed) as e:
            message = e.message if isinstance(e, CommandError) else str(e)
            ack(response_action="errors", errors={views.RULE_BLOCK: message[:150]})
            return
        ack()
        self.publish_home(client, caller.user)

    # -- 👍 / 👎 on alerts ----------------------------------------------------------------

    def on_feedback(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        action = (body.get("actions") or [{}])[0]
        user = str((body.get("user") or {}).get("id", ""))
        try:
            value = json.loads(str(action.get("value", "")))
            paper, rule = str(value["p"]), str(value["r"])
        except (ValueError, KeyError, TypeError):
            log.info("feedback button with an unreadable value; ignored")
            return
        vote = 1 if action.get("action_id") == "feedback_up" else -1
        # Bolt runs listeners concurrently: two quick clicks can be stored in either order,
        # so each carries the moment it was clicked and the later click wins
        self.record_feedback(user, paper, rule, vote, _clicked_at(action))
        thanks = "Thanks: noted 👍" if vote > 0 else "Thanks: noted 👎"
        respond({"response_type": "ephemeral", "replace_original": False, "text": thanks})


def _clicked_at(action: dict[str, Any]) -> datetime | None:
    """When the button was clicked (`action_ts`, Unix seconds as text); None if unreadable."""
    try:
        stamp = float(str(action.get("action_ts", "")))
    except ValueError:
        return None
    if not 0 < stamp < 1e11:
        return None
    return datetime.fromtimestamp(stamp, UTC)
