"""The outbox and status pages (what `mailer outbox` and `mailer status` show, with
retry buttons), the login form, and `/` (to the rules page)."""

from __future__ import annotations

import hmac

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from mailer.store.schema import DEAD
from mailer.web.auth import (
    SESSION_COOKIE,
    client_key,
    csrf_problem,
    is_https,
    too_many_attempts,
)
from mailer.web.bodies import BodyTooLarge, read_form
from mailer.web.context import WebContext

MAX_FORM_BYTES = 100_000


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no `//host` or `scheme:`): no open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/rules"


class _OpsPages:
    """The handlers, each a method over the site's context."""

    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx

    def index(self, _request: Request) -> Response:
        return RedirectResponse("/rules", status_code=303)

    def outbox_page(self, request: Request) -> Response:
        return self.ctx.render(
            request,
            "outbox.html.j2",
            entries=self.ctx.store.list_outbox(limit=200),
            counts=self.ctx.store.outbox_counts(),
            message=request.query_params.get("done"),
        )

    async def retry(self, request: Request) -> Response:
        if self.ctx.read_only:
            return PlainTextResponse("read-only: retrying is turned off", status_code=403)
        try:
            form = await read_form(request, MAX_FORM_BYTES)
        except BodyTooLarge as e:
            return PlainTextResponse(str(e), status_code=413)
        if not request.scope.get("mailer.bearer"):
            problem = csrf_problem(request, str(form.get("csrf_token") or "") or None)
            if problem:
                return PlainTextResponse(problem, status_code=403)
        ids: list[int] | None = None
        if form.get("all") is None:
            try:
                ids = [int(str(v)) for v in form.getlist("id")]
            except ValueError:
                return PlainTextResponse("id must be an alert number", status_code=400)
        count = await run_in_threadpool(self.ctx.store.requeue_dead, ids, self.ctx.clock())
        return RedirectResponse(f"/outbox?done={count}", status_code=303)

    def status_page(self, request: Request) -> Response:
        from mailer.runtime.status_report import collect_status

        report = collect_status(self.ctx.store, self.ctx.settings(), self.ctx.clock())
        return self.ctx.render(request, "status.html.j2", report=report.to_json(), dead_state=DEAD)

    async def login(self, request: Request) -> Response:
        if self.ctx.access.mode != "token":
            return RedirectResponse("/rules", status_code=303)
        if request.method == "GET":
            target = _safe_next(request.query_params.get("next"))
            return self.ctx.render(request, "login.html.j2", next=target, error=None)
        if self.ctx.access.throttle.blocked(client_key(request)):
            return too_many_attempts()
        try:  # anyone may post here: read no more than a login form can be
            form = await read_form(request, MAX_FORM_BYTES, max_fields=10)
        except BodyTooLarge as e:
            return PlainTextResponse(str(e), status_code=413)
        target = _safe_next(str(form.get("next") or ""))
        problem = csrf_problem(request, str(form.get("csrf_token") or "") or None)
        given = str(form.get("token") or "")
        assert self.ctx.access.token is not None
        if problem or not hmac.compare_digest(
            given.encode("utf-8"), self.ctx.access.token.get_secret_value().encode("utf-8")
        ):
            error = problem or "wrong token"
            if not problem:
                self.ctx.access.throttle.failed(client_key(request))
            return self.ctx.render(request, "login.html.j2", status=401, next=target, error=error)
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            self.ctx.access.session_value(),
            max_age=30 * 24 * 3600,
            httponly=True,
            samesite="strict",
            secure=is_https(request),
        )
        return response


def ops_routes(ctx: WebContext) -> list[BaseRoute]:
    pages = _OpsPages(ctx)
    return [
        Route("/", pages.index),
        Route("/outbox", pages.outbox_page),
        Route("/outbox/retry", pages.retry, methods=["POST"]),
        Route("/status", pages.status_page),
        Route("/login", pages.login, methods=["GET", "POST"]),
    ]
