"""Who may use the pages, and CSRF protection for what changes something.

`access_for(host, web, read_secret)` decides once, at start: loopback needs no login;
any other address needs a token (`web: {token_env: ...}`) or a trusted proxy header
(`web: {trust_proxy_header: X-Forwarded-User}`), else `WebAccessError` and the service
does not start. `AuthMiddleware` then admits a request by:
- the loopback rule (nothing to check but the Host header: it must name a loopback
  address, so a page from another site that points its name at 127.0.0.1 (DNS
  rebinding) gets 403, not the pages),
- `Authorization: Bearer <token>` (scripts; exempt from CSRF, as browsers never send it
  on their own), or the session cookie the login form sets (HttpOnly, SameSite=Strict,
  Secure when the page is served over HTTPS, directly or behind a proxy),
- the proxy's header being present (the proxy must strip it from clients' requests).

CSRF: every request that is not GET/HEAD and did not come with a bearer token must
carry the `mailer_csrf` cookie's value in an `X-CSRF-Token` header or a `csrf_token`
form field (double-submit), and an `Origin`, when sent, must be this site.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from hashlib import sha256
from time import monotonic
from urllib.parse import urlsplit

from pydantic import SecretStr
from starlette.datastructures import URL
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from mailer.core.errors import MailerError
from mailer.web.settings import WebSettings

SESSION_COOKIE = "mailer_session"
CSRF_COOKIE = "mailer_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
OPEN_PATHS = ("/login", "/static/")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


MAX_FAILURES_PER_MINUTE = 10  # wrong tokens from one client address before 429


class FailureThrottle:
    """Wrong tokens per client address in the last minute: past the limit, a client
    gets 429 without its token being compared, so guessing takes years, not hours."""

    def __init__(
        self, per_minute: int = MAX_FAILURES_PER_MINUTE, clock: Callable[[], float] = monotonic
    ) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - 60:
            failures.popleft()
        return failures

    def blocked(self, key: str) -> bool:
        with self._lock:
            blocked = len(self._recent(key, self.clock())) >= self.per_minute
            if len(self._failures) > 10_000:  # forget quiet addresses
                now = self.clock()
                self._failures = {k: v for k, v in self._failures.items() if self._recent(k, now)}
            return blocked

    def failed(self, key: str) -> None:
        with self._lock:
            now = self.clock()
            self._recent(key, now).append(now)


def client_key(request: Request) -> str:
    return request.client.host if request.client else "?"


def too_many_attempts() -> Response:
    return PlainTextResponse(
        "too many wrong tokens from this address; wait a minute", 429, {"Retry-After": "60"}
    )


class WebAccessError(MailerError):
    """The pages would be reachable by anyone on the network: refuse to start."""


@dataclass(frozen=True, slots=True)
class Access:
    mode: str  # "loopback", "token" or "proxy"
    token: SecretStr | None = None
    proxy_header: str | None = None
    read_only: bool = False
    throttle: FailureThrottle = field(default_factory=FailureThrottle, compare=False, repr=False)

    def session_value(self) -> str:
        """The session cookie's value: derived from the token, so a new token logs
        everyone out, and the token itself never sits in a cookie."""
        assert self.token is not None
        key = self.token.get_secret_value().encode("utf-8")
        return hmac.new(key, b"paper-mailer web session", sha256).hexdigest()


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def access_for(host: str, web: WebSettings, read_secret: Callable[[], SecretStr | None]) -> Access:
    # read_secret raises ConfigError when the variable or file is missing
    """The access rule for pages served on `host` (WebAccessError when unsafe)."""
    token = read_secret() if (web.token_env or web.token_file) else None
    if token is not None and not token.get_secret_value():
        raise WebAccessError("web: the access token is empty")
    if token is not None:
        return Access("token", token=token, read_only=web.read_only)
    if web.trust_proxy_header:
        return Access("proxy", proxy_header=web.trust_proxy_header, read_only=web.read_only)
    if is_loopback(host):
        return Access("loopback", read_only=web.read_only)
    raise WebAccessError(
        f"refusing to serve the web pages on {host}, which is not a loopback address, "
        "without a login: set web: {token_env: MAILER_WEB_TOKEN} (a bearer token and a "
        "login form) or web: {trust_proxy_header: X-Forwarded-User} (behind an "
        "authenticating proxy), or listen on 127.0.0.1 (or set web: {pages: false} to "
        "serve only /healthz and /metrics there)"
    )


def request_host(request: Request) -> str:
    """The host name the client asked for (Host header, without the port); "localhost"
    when the header is missing (no browser leaves it out)."""
    host = request.headers.get("host", "").strip()
    if not host:
        return "localhost"
    try:
        return urlsplit("//" + host).hostname or ""
    except ValueError:
        return ""


def is_https(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "")
    return request.url.scheme == "https" or forwarded.split(",")[0].strip() == "https"


def bearer_token(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def check_login(access: Access, request: Request) -> tuple[bool, bool]:
    """(admitted, by a bearer token)."""
    if access.mode == "loopback":
        return True, False
    if access.mode == "proxy":
        assert access.proxy_header is not None
        return bool(request.headers.get(access.proxy_header, "").strip()), False
    assert access.token is not None
    given = bearer_token(request)
    if given is not None:
        return _same(given, access.token.get_secret_value()), True
    cookie = request.cookies.get(SESSION_COOKIE)
    return cookie is not None and _same(cookie, access.session_value()), False


def csrf_problem(request: Request, form_token: str | None) -> str | None:
    """Why an unsafe request fails the CSRF check (None when it passes)."""
    origin = request.headers.get("origin")
    if origin and origin != "null":
        parts = urlsplit(origin)
        if parts.netloc != request.headers.get("host", ""):
            return "cross-site request refused (Origin is another site)"
    cookie = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get(CSRF_HEADER) or form_token
    if not cookie or not sent or not _same(cookie, sent):
        return "missing or wrong CSRF token: reload the page and try again"
    return None


def csrf_token(request: Request) -> str:
    """The page's CSRF token (the cookie's, or a new one the response will set)."""
    existing = request.cookies.get(CSRF_COOKIE)
    if existing and len(existing) <= 100:
        return existing
    token: str | None = request.scope.get("mailer.new_csrf")
    if token is None:
        token = secrets.token_urlsafe(32)
        request.scope["mailer.new_csrf"] = token
    return token


def set_csrf_cookie(request: Request, response: Response) -> None:
    token = request.scope.get("mailer.new_csrf")
    if token:
        response.set_cookie(
            CSRF_COOKIE, token, httponly=False, samesite="strict", secure=is_https(request)
        )


class AuthMiddleware:
    """Admit or refuse each request to the pages and the API (see the module doc)."""

    def __init__(self, app: ASGIApp, access: Access) -> None:
        self.app = app
        self.access = access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        path = request.url.path
        if self.access.mode == "loopback" and not is_loopback(request_host(request)):
            await self._wrong_host()(scope, receive, send)
            return
        # a guessed bearer token counts; a stale session cookie (the token changed) does
        # not: it is an HMAC no one guesses, and a browser sends it with every request
        presented = self.access.mode == "token" and bearer_token(request) is not None
        if presented and self.access.throttle.blocked(client_key(request)):
            await too_many_attempts()(scope, receive, send)
            return
        admitted, by_bearer = check_login(self.access, request)
        if presented and not admitted:
            self.access.throttle.failed(client_key(request))
        if not admitted and not path.startswith(OPEN_PATHS):
            await self._refuse(request)(scope, receive, send)
            return
        scope["mailer.bearer"] = by_bearer
        await self.app(scope, receive, send)

    def _wrong_host(self) -> Response:
        # a page from another site whose name was pointed at 127.0.0.1 (DNS rebinding)
        # would otherwise read and change everything: the loopback rule trusts no login
        return PlainTextResponse(
            "these pages answer only to a loopback host name (localhost, 127.0.0.1, [::1]); "
            "to use another name, set web: {token_env: ...} or web: {trust_proxy_header: ...}",
            status_code=403,
        )

    def _refuse(self, request: Request) -> Response:
        if self.access.mode == "proxy":
            return PlainTextResponse("not signed in (the proxy did not say who you are)", 401)
        wants_html = "text/html" in request.headers.get("accept", "")
        if wants_html and request.method in SAFE_METHODS:
            target = URL("/login").include_query_params(next=request.url.path)
            return RedirectResponse(str(target), status_code=303)
        return JSONResponse(
            {"error": "sign in: send Authorization: Bearer <token>"},
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="paper-mailer"'},
        )
