"""The rules page, `POST /api/preview` and saving a rule file.

`POST /api/preview` takes `{"yaml": "<a rule file>", "days": 7, "file": "team.yaml"}`
(`file` optional: the rule file the text is an edit of; it is then checked beside the
other rule files and compared with its saved version) and answers `{"matches": [{"rule",
"paper_id", "title", "reasons", "destinations"}], "errors": [{"line", "column",
"message"}], "papers", "per_rule", "per_destination", "added", "dropped"}`: errors
instead of matches when the text is not a valid rule file.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from mailer.core.errors import MailerError
from mailer.rules import Rule, load_rules
from mailer.store.search import AlertRecord
from mailer.store.subscriptions import Subscription, SubscriptionStore
from mailer.web.auth import csrf_problem
from mailer.web.bodies import BodyTooLarge, read_capped
from mailer.web.context import WebContext
from mailer.web.preview import DEFAULT_DAYS, MAX_DAYS, MAX_RULE_TEXT, preview
from mailer.web.rulefiles import (
    RuleFile,
    StaleEditError,
    fingerprint,
    read_text,
    save_rule_file,
)

LAST_MATCHES = 3
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FileView:
    file: RuleFile
    rules: tuple[Rule, ...]
    errors: tuple[str, ...]


class BadRequest(MailerError):
    pass


def _find_file(ctx: WebContext, name: object) -> RuleFile | None:
    if name is None or name == "":
        return None
    for rule_file in ctx.rule_files():
        if rule_file.name == name or str(rule_file.index) == str(name):
            return rule_file
    raise BadRequest(f"no rule file {str(name)[:200]!r} in rules: (see the rules page)")


class TooLarge(BadRequest):
    pass


class NotJson(BadRequest):
    pass


async def _json_body(request: Request) -> dict[str, Any]:
    # a page on another site can POST text/plain or a form here without asking (no CORS
    # preflight) and make the service run previews; application/json it cannot send
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise NotJson("send the body as JSON with Content-Type: application/json")
    try:  # capped while it streams in, not after it is all in memory
        body = await read_capped(request, MAX_RULE_TEXT + 10_000)
    except BodyTooLarge as e:
        raise TooLarge(f"the rule file is too large: {e}") from e
    try:
        data = json.loads(body or b"{}")
    except ValueError as e:
        raise BadRequest(f"the body is not JSON: {e}") from e
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    return data


def _status(error: BadRequest) -> int:
    if isinstance(error, NotJson):
        return 415
    return 413 if isinstance(error, TooLarge) else 400


def _days(value: object) -> int:
    if value is None or value == "":
        return DEFAULT_DAYS
    try:
        days = int(str(value))
    except ValueError as e:
        raise BadRequest("days must be a whole number of days") from e
    if not 1 <= days <= MAX_DAYS:
        raise BadRequest(f"days must be between 1 and {MAX_DAYS}")
    return days


def _last_matches(alerts: Iterable[AlertRecord]) -> dict[str, list[AlertRecord]]:
    found: dict[str, list[AlertRecord]] = {}
    for alert in alerts:
        listed = found.setdefault(alert.rule, [])
        if len(listed) < LAST_MATCHES and all(a.paper_id != alert.paper_id for a in listed):
            listed.append(alert)
    return found


def _subscriptions(ctx: WebContext) -> list[Subscription]:
    """Slack subscriptions, shown read-only with their owner (they are edited in Slack)."""
    try:
        return SubscriptionStore(ctx.store.engine).all()
    except SQLAlchemyError:  # a store not yet upgraded to the Slack app's tables
        log.warning("could not read the Slack subscriptions", exc_info=True)
        return []


class _RulePages:
    """The handlers, each a method over the site's context."""

    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx

    def rules_page(self, request: Request) -> Response:
        settings = self.ctx.settings()
        files = self.ctx.rule_files()
        views = []
        for rule_file in files:
            ruleset = load_rules([rule_file.path], has_destination=settings.has_destination)
            views.append(FileView(rule_file, ruleset.rules, tuple(str(e) for e in ruleset.errors)))
        chosen = files[0] if files else None
        wanted = request.query_params.get("file")
        if wanted is not None:
            chosen = next((f for f in files if f.name == wanted), chosen)
        text = read_text(chosen.path) if chosen else ""
        return self.ctx.render(
            request,
            "rules.html.j2",
            subscriptions=_subscriptions(self.ctx),
            files=views,
            chosen=chosen,
            text=text,
            loaded=fingerprint(text),
            days=settings.web.preview_days,
            last=_last_matches(self.ctx.store.alerts_for(limit=2000)),
        )

    def _preview(self, data: dict[str, Any]) -> dict[str, object]:
        text = data.get("yaml")
        if not isinstance(text, str):
            raise BadRequest('send {"yaml": "<a rule file>", "days": 7}')
        settings = self.ctx.settings()
        days = _days(data.get("days", settings.web.preview_days))
        rule_file = _find_file(self.ctx, data.get("file"))
        others = [f.path for f in self.ctx.rule_files() if f != rule_file]
        saved = None
        if rule_file is not None:
            saved = load_rules([rule_file.path], has_destination=settings.has_destination).rules
        papers = self.ctx.recent_papers(self.ctx.clock() - timedelta(days=days))
        result = preview(
            text,
            rule_file.name if rule_file else "preview.yaml",
            papers,
            saved=saved,
            other_files=others if rule_file else (),
            has_destination=settings.has_destination,
            cache=self.ctx.rule_matches,
        )
        return {**result.to_json(), "days": days}

    async def api_preview(self, request: Request) -> Response:
        try:
            data = await _json_body(request)
            # matching is CPU work: off the event loop, so /healthz stays prompt
            return JSONResponse(await run_in_threadpool(self._preview, data))
        except BadRequest as e:
            return JSONResponse({"error": str(e)}, status_code=_status(e))

    def _save(self, data: dict[str, Any]) -> Response:
        text = data.get("yaml")
        if not isinstance(text, str) or len(text.encode("utf-8")) > MAX_RULE_TEXT:
            raise BadRequest('send {"file": "team.yaml", "yaml": "<the rule file>"}')
        rule_file = _find_file(self.ctx, data.get("file"))
        if rule_file is None:
            raise BadRequest("name the rule file to save")
        settings = self.ctx.settings()
        others = [f.path for f in self.ctx.rule_files() if f != rule_file]
        checked = preview(
            text, rule_file.name, [], other_files=others, has_destination=settings.has_destination
        )
        if checked.errors:
            errors = [e.to_json() for e in checked.errors]
            return JSONResponse({"saved": False, "errors": errors}, status_code=422)
        loaded = data.get("loaded")
        try:
            save_rule_file(rule_file.path, text, loaded=loaded if isinstance(loaded, str) else None)
        except StaleEditError as e:
            return JSONResponse({"saved": False, "error": str(e)}, status_code=409)
        except OSError as e:
            reason = e.strerror or type(e).__name__
            return JSONResponse(
                {"saved": False, "error": f"cannot write {rule_file.name}: {reason}"},
                status_code=500,
            )
        return JSONResponse({"saved": True, "file": rule_file.name, "loaded": fingerprint(text)})

    async def save(self, request: Request) -> Response:
        if self.ctx.read_only:
            return JSONResponse({"error": "read-only: editing is turned off"}, status_code=403)
        if not request.scope.get("mailer.bearer"):
            problem = csrf_problem(request, None)
            if problem:
                return JSONResponse({"error": problem}, status_code=403)
        try:
            data = await _json_body(request)
            return await run_in_threadpool(self._save, data)
        except BadRequest as e:
            return JSONResponse({"error": str(e)}, status_code=_status(e))


def rule_routes(ctx: WebContext) -> list[BaseRoute]:
    pages = _RulePages(ctx)
    return [
        Route("/rules", pages.rules_page),
        Route("/api/preview", pages.api_preview, methods=["POST"]),
        Route("/api/rules/save", pages.save, methods=["POST"]),
    ]
