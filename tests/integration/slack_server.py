"""A small Slack Web API on 127.0.0.1 for tests: real HTTP, Slack's JSON shapes.

Answers `chat.postMessage`, `auth.test`, `conversations.open` under `/api/`, and
incoming-webhook POSTs under `/webhook/...`. It keeps what was posted per channel (with
its `metadata`) and answers `conversations.history`, `conversations.replies` (with
`include_all_metadata`) and `conversations.list` from it. For the Slack app also
`users.info` (from `users`), `conversations.members` (from `members`),
`views.publish|open|update`, `apps.connections.open` (the app-level token; answers
`socket_url`) and POSTs to `response_url(...)` (command replies). It records every
request and can be scripted:

- `script(Reply.rate_limited(2), Reply.rate_limited(2))`: the next posts get those
  answers, in order (429 with `Retry-After`, `Reply.server_error()`, `Reply.error("x")`,
  or `Reply()` for a normal success).
- `down_until(t, clock)`: every post answers 500 while `clock() < t` (an injected
  clock, so "down for a minute" takes no real minute).
- `fail_permanently("channel_not_found")`: every post answers `ok: false` with that.
- `slow(seconds)`: every post is recorded at once and answered that much later (a slow
  peer: a client killed meanwhile never learns that its post went through).

The product never knows about this server: tests point `api_url` / the webhook URL at it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

POST_PATHS = ("/api/chat.postMessage", "/webhook/")


@dataclass
class Reply:
    status: int = 200
    body: dict[str, Any] | str | None = None  # None: a normal success
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def rate_limited(cls, retry_after: int) -> Reply:
        return cls(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})

    @classmethod
    def server_error(cls, status: int = 500) -> Reply:
        return cls(status, "<html>Internal Server Error</html>")

    @classmethod
    def error(cls, code: str) -> Reply:
        return cls(200, {"ok": False, "error": code})


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    answered: int = 0  # the status we answered
    ok: bool = True  # False when we answered `ok: false`


class SlackServer:
    def __init__(self, token: str = "xoxb-test-token") -> None:
        self.token = token
        self.app_token = "xapp-test-token"
        self.users: dict[str, dict[str, Any]] = {"U0ALICE": {"name": "alice", "tz": "Europe/Paris"}}
        self.members: dict[str, list[str]] = {}
        self.socket_url: str | None = None  # what apps.connections.open answers
        self.requests: list[Request] = []
        self._script: list[Reply] = []
        self._down: tuple[float, Callable[[], float]] | None = None
        self._permanent: str | None = None
        self._delay = 0.0
        self.channels = {"C0PAPERS": "papers"}  # id -> name, for conversations.list
        self.messages: dict[str, list[dict[str, Any]]] = {}  # channel id -> posted messages
        self._ts = int(time.time() * 1_000_000)  # a real time: `oldest` filters by it
        self.timestamps: list[str] = []  # the ts of each message posted, in order
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # ---- control -------------------------------------------------------------------
    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def webhook_url(self, name: str = "T000/B000/secretpart") -> str:
        return f"http://127.0.0.1:{self.port}/webhook/{name}"

    def start(self) -> SlackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self._script.extend(replies)

    def down_until(self, until: float, clock: Callable[[], float]) -> None:
        self._down = (until, clock)

    def fail_permanently(self, code: str | None) -> None:
        self._permanent = code

    def slow(self, seconds: float) -> None:
        self._delay = seconds

    # ---- what arrived --------------------------------------------------------------
    def posts(self) -> list[Request]:
        """Messages that were accepted (chat.postMessage or webhook answered 200 ok)."""
        return [
            r for r in self.requests if r.path.startswith(POST_PATHS) and r.answered == 200 and r.ok
        ]

    def calls(self, method: str) -> list[Request]:
        """Web API calls of one method (`views.publish`), in order."""
        return [r for r in self.requests if r.path == f"/api/{method}"]

    def responses(self) -> list[Request]:
        """What was posted to `response_url`s (ephemeral replies to commands)."""
        return [r for r in self.requests if r.path.startswith("/response/")]

    def response_url(self, name: str = "1") -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    def attempts(self) -> list[Request]:
        return [r for r in self.requests if r.path.startswith(POST_PATHS)]

    # ---- HTTP ----------------------------------------------------------------------
    def _answer(self, path: str, headers: dict[str, str], body: dict[str, Any]) -> Reply:
        with self._lock:
            wanted = self.app_token if path == "/api/apps.connections.open" else self.token
            if path.startswith("/api/") and headers.get("authorization") != f"Bearer {wanted}":
                return Reply.error("invalid_auth")
            answer = self._answer_api(path, body)
            if answer is not None:
                return answer
            if not path.startswith(POST_PATHS):
                return Reply(404, {"ok": False, "error": "unknown_method"})
            return self._post(path, body)

    def _answer_api(self, path: str, body: dict[str, Any]) -> Reply | None:
        """The Web API methods that read or open things; None for the others."""
        if path == "/api/auth.test":
            return Reply(200, {"ok": True, "team": "Test", "user": "mailer", "bot_id": "B1"})
        if path == "/api/users.info":
            user = str(body.get("user", ""))
            if user not in self.users:
                return Reply.error("user_not_found")
            return Reply(200, {"ok": True, "user": {"id": user, **self.users[user]}})
        if path == "/api/conversations.members":
            channel = str(body.get("channel", ""))
            if channel not in self.members:
                return Reply.error("channel_not_found")
            return Reply(200, {"ok": True, "members": self.members[channel],
                               "response_metadata": {"next_cursor": ""}})  # fmt: skip
        if path in ("/api/views.publish", "/api/views.open", "/api/views.update"):
            view = body.get("view")
            view = json.loads(view) if isinstance(view, str) else view
            return Reply(200, {"ok": True, "view": {"id": "V1", "hash": "h1", **(view or {})}})
        if path == "/api/apps.connections.open":
            if self.socket_url is None:
                return Reply.error("invalid_auth")
            return Reply(200, {"ok": True, "url": self.socket_url})
        if path.startswith("/response/"):
            return Reply(200, {"ok": True})
        if path == "/api/conversations.open":
            user = str(body.get("users", ""))
            if not user.startswith("U"):
                return Reply.error("user_not_found")
            return Reply(200, {"ok": True, "channel": {"id": "D" + user[1:]}})
        if path == "/api/conversations.list":
            listed = [{"id": i, "name": n} for i, n in self.channels.items()]
            return Reply(200, {"ok": True, "channels": listed})
        if path in ("/api/conversations.history", "/api/conversations.replies"):
            return self._read(path, body)
        return None

    def _post(self, path: str, body: dict[str, Any]) -> Reply:
        """chat.postMessage and the webhooks: as scripted, down, refusing, or posted."""
        scripted = self._script.pop(0) if self._script else None
        if scripted is not None and not (scripted.status == 200 and scripted.body is None):
            return scripted  # Reply() in a script means "answer normally"
        if scripted is None and self._down and self._down[1]() < self._down[0]:
            return Reply.server_error()
        if scripted is None and self._permanent:
            if path.startswith("/webhook/"):
                return Reply(404, self._permanent)
            return Reply.error(self._permanent)
        if path.startswith("/webhook/"):
            return Reply(200, "ok")
        self._ts += 100
        ts = f"{self._ts // 1_000_000}.{self._ts % 1_000_000:06d}"
        channel = self._channel_id(str(body.get("channel", "C0")))
        message: dict[str, Any] = {"ts": ts, "text": body.get("text", "")}
        if body.get("thread_ts"):
            message["thread_ts"] = body["thread_ts"]
        metadata = body.get("metadata")
        if isinstance(metadata, str) and metadata:
            metadata = json.loads(metadata)
        if metadata:
            message["metadata"] = metadata
        self.messages.setdefault(channel, []).append(message)
        self.timestamps.append(ts)
        return Reply(200, {"ok": True, "channel": channel, "ts": ts, "message": message})

    def _channel_id(self, channel: str) -> str:
        by_name = {name: id_ for id_, name in self.channels.items()}
        return by_name.get(channel.lstrip("#"), channel)

    def _read(self, path: str, body: dict[str, Any]) -> Reply:
        """conversations.history (top-level messages) or .replies (a thread), newest first."""
        channel = str(body.get("channel", ""))
        if channel not in self.messages and channel not in self.channels:
            return Reply.error("channel_not_found")
        oldest = float(body.get("oldest") or 0)
        found = [m for m in self.messages.get(channel, []) if float(m["ts"]) >= oldest]
        if path.endswith("history"):
            found = [m for m in found if "thread_ts" not in m]
        else:
            thread = str(body.get("ts"))
            found = [m for m in found if m["ts"] == thread or m.get("thread_ts") == thread]
        if str(body.get("include_all_metadata")).lower() not in ("true", "1"):
            found = [{k: v for k, v in m.items() if k != "metadata"} for m in found]
        return Reply(200, {"ok": True, "messages": list(reversed(found)), "has_more": False})

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
                body: dict[str, Any] = dict(parse_qsl(url.query))
                if "json" in (self.headers.get("Content-Type") or ""):
                    body.update(json.loads(raw or "{}"))
                else:
                    body.update(parse_qsl(raw))
                headers = {k.lower(): v for k, v in self.headers.items()}
                reply = server._answer(url.path, headers, body)
                if server._delay and url.path.startswith(POST_PATHS):
                    time.sleep(server._delay)
                ok = not (isinstance(reply.body, dict) and reply.body.get("ok") is False)
                record = Request(url.path, headers, body, reply.status, ok)
                with server._lock:
                    server.requests.append(record)
                data = reply.body if reply.body is not None else {"ok": True}
                payload = (json.dumps(data) if isinstance(data, dict) else data).encode()
                self.send_response(reply.status)
                content_type = "application/json" if isinstance(data, dict) else "text/html"
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                try:
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client was killed while we were slow: as Slack would

            do_GET = do_POST  # noqa: N815 http.server's handler name

        return Handler
