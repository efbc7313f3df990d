"""The Slack app of `mailer serve`: a Bolt `App` reached over HTTP or Socket Mode.

- HTTP mode (`slack_app.signing_secret_env`): `handle_http` is the Starlette endpoint
  mounted at `/slack/events` on the service's `--http` address. Bolt verifies every
  request's signature and rejects timestamps older than five minutes; on top of that
  a request whose signature was already seen (a replay inside those five minutes) is
  rejected too, by every replica: the signatures seen are kept in the state database
  (`mailer.store.slack_replays`). A rejected request answers 401 and is logged without its body.
  Bolt verifies again inside `dispatch`, which is synchronous (it may call Slack): it runs in a worker thread so
  the event loop keeps serving /healthz.
- Socket Mode (`slack_app.app_token_env`): slack-sdk's built-in client opens the
  connection (`apps.connections.open` with the xapp- token) and acks each envelope.

The bot token and `api_url` are the default `slack:` account's. Bolt's own logger is
held at ERROR: at DEBUG it would print a rejected request's body.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from mailer.config.settings import ConfigError, Settings, SlackAccount
from mailer.notify.slack import DEFAULT_API_URL
from mailer.slackapp.book import SubscriptionBook
from mailer.slackapp.handlers import Handlers
from mailer.store.slack_replays import SlackReplayLedger
from mailer.store.subscriptions import SubscriptionStore
from mailer.web.bodies import BodyTooLarge, read_capped

log = logging.getLogger(__name__)
BOLT_LOG = logging.getLogger(f"{__name__}.bolt")  # what slack-bolt itself logs
BOLT_LOG.setLevel(logging.ERROR)
MAX_BODY = 256 * 1024  # Slack's payloads are far smaller; a bigger one is not Slack
CONNECT_RETRY_SECONDS = 5.0  # Socket Mode: first wait after a failed connect, doubled
CONNECT_RETRY_MAX_SECONDS = 300.0
REPLAY_SECONDS = 5 * 60 + 30  # Bolt refuses older timestamps; remember signatures as long


def _secret(settings: Settings, env: str | None, what: str) -> str | None:
    value = settings.read_secret(env=env, file=None, what=what)
    if value is None:
        return None
    if not value.get_secret_value().strip():
        raise ConfigError([f"{what}: environment variable {env} is empty"])
    return value.get_secret_value()


class SlackApp:
    """One Bolt app for one config; `start()` opens Socket Mode when configured."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        *,
        clock: Callable[[], datetime],
        on_change: Callable[[], object],
    ) -> None:
        config = settings.slack_app
        if config is None:
            raise ConfigError(["slack_app: is not configured"])
        account = settings.slack or SlackAccount()
        token = settings.read_secret(
            env=account.token_env, file=account.token_file, what="slack: token"
        )
        if token is None:
            raise ConfigError(["slack_app: needs a bot token in the slack: account"])
        self.signing_secret = _secret(
            settings, config.signing_secret_env, "slack_app: signing secret"
        )
        self._app_token = _secret(settings, config.app_token_env, "slack_app: app token")
        api_url = account.api_url or DEFAULT_API_URL
        client = WebClient(
            token=token.get_secret_value(),
            base_url=api_url if api_url.endswith("/") else api_url + "/",
            timeout=15,
        )
        self.store = SubscriptionStore(engine)
        self.clock = clock
        self.book = SubscriptionBook(self.store, config, clock=clock, on_change=on_change)
        self.app = App(
            client=client,
            signing_secret=self.signing_secret or "",
            request_verification_enabled=self.signing_secret is not None,
            token_verification_enabled=False,  # no Slack call at start: it may be down
            logger=BOLT_LOG,
        )
        self.handlers = Handlers(
            self.book,
            config.command,
            default_timezone=settings.timezone,
            record_feedback=self._record_feedback,
        )
        self.handlers.register(self.app)
        self.replays = SlackReplayLedger(engine)  # shared: a replay to another replica too
        self._verifier = SignatureVerifier(self.signing_secret) if self.signing_secret else None
        self._socket: SocketModeHandler | None = None
        self._connector: threading.Thread | None = None
        self._stopping = threading.Event()

    def _is_replay(self, signature: str, timestamp: int) -> bool:
        now = int(time.time())
        return self.replays.is_replay(
            signature, expires_at=max(now, timestamp) + REPLAY_SECONDS, now=now
        )

    @property
    def serves_http(self) -> bool:
        return self._verifier is not None

    def _record_feedback(
        self, user: str, paper: str, rule: str, vote: int, clicked_at: datetime | None
    ) -> None:
        self.store.record_feedback(user, paper, rule, vote, clicked_at or self.clock())

    # -- Socket Mode ----------------------------------------------------------------------

    def start(self) -> None:
        """Open Socket Mode (when configured) in the background: a Slack that is down at
        start-up is tried again with backoff; once connected, slack-sdk reconnects."""
        if self._app_token is None:
            return
        self._socket = SocketModeHandler(self.app, self._app_token, logger=BOLT_LOG)
        self._connector = threading.Thread(
            target=self._connect_until_up, name="slack-socket-mode", daemon=True
        )
        self._connector.start()

    def _connect_until_up(self) -> None:
        wait = CONNECT_RETRY_SECONDS
        while self._socket is not None and not self._stopping.is_set():
            try:
                self._socket.connect()  # type: ignore[no-untyped-call]  # slack_sdk is untyped here
            except Exception as e:  # noqa: BLE001 bulkhead: the error text may quote the URL: the type is enough
                log.error(
                    "slack app: Socket Mode could not connect (%s); retrying in %gs",
                    type(e).__name__,
                    wait,
                )
                if self._stopping.wait(wait):
                    return
                wait = min(wait * 2, CONNECT_RETRY_MAX_SECONDS)
            else:
                log.info("slack app: Socket Mode connected")
                return

    def stop(self) -> None:
        self._stopping.set()
        if self._socket is not None:
            try:
                self._socket.close()  # type: ignore[no-untyped-call]  # slack_sdk is untyped here
            except Exception:
                log.warning("slack app: closing Socket Mode failed", exc_info=True)
            self._socket = None

    # -- HTTP -----------------------------------------------------------------------------

    async def handle_http(self, request: Any) -> Any:
        """The Starlette endpoint for POST /slack/events."""
        import anyio.to_thread
        from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
        from starlette.responses import Response

        if self._verifier is None:
            return Response("HTTP mode is off (no slack_app.signing_secret_env)", status_code=404)
        try:  # capped while it streams in: an unsigned client cannot make us hold more
            body = await read_capped(request, MAX_BODY)
        except BodyTooLarge:
            log.warning("slack app: refused a request over %d bytes (body not logged)", MAX_BODY)
            return Response(status_code=413)
        signature = request.headers.get("x-slack-signature", "")
        timestamp = request.headers.get("x-slack-request-timestamp", "0").strip()
        if not timestamp.isdigit() or not self._verifier.is_valid(body, timestamp, signature):
            log.warning(
                "slack app: rejected a request with a bad or expired signature "
                "(%d bytes, body not logged)",
                len(body),
            )
            return Response('{"error":"invalid request"}', status_code=401)
        try:  # only a replay carries one signature twice
            replayed = await anyio.to_thread.run_sync(self._is_replay, signature, int(timestamp))
        except SQLAlchemyError as e:  # Slack retries a request that failed
            log.warning(
                "slack app: cannot check for a replay: state database: %s", type(e).__name__
            )
            return Response('{"error":"try again"}', status_code=503)
        if replayed:
            log.warning("slack app: rejected a replayed request (body not logged)")
            return Response('{"error":"invalid request"}', status_code=401)
        response = await anyio.to_thread.run_sync(self.app.dispatch, to_bolt_request(request, body))
        return to_starlette_response(response)
