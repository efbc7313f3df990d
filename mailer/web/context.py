"""What the pages need from the running product: the settings in force, the store, the
access rule, a clock, and the templates (Jinja2, autoescaped: no user text is ever
rendered as markup)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from mailer.config.settings import Settings
from mailer.core.clock import utc_now
from mailer.core.models import Paper
from mailer.store import Store
from mailer.store.codec import paper_from_json
from mailer.web.auth import Access, csrf_token, set_csrf_cookie
from mailer.web.preview import RuleMatches
from mailer.web.rulefiles import RuleFile, list_rule_files

STATIC_DIR = Path(__file__).with_name("static")
MAX_DECODED = 200_000  # papers kept decoded for the preview (about 1 KB each)


def make_templates() -> Environment:
    env = Environment(
        loader=PackageLoader("mailer.web", "templates"),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = lambda d: d.strftime("%Y-%m-%d %H:%M") if d else "—"
    return env


@dataclass
class WebContext:
    """Shared by every request; `settings` is a function so a config reload shows."""

    settings: Callable[[], Settings]
    access: Access
    open_store: Callable[[], Store]
    clock: Callable[[], datetime] = utc_now
    templates: Environment = field(default_factory=make_templates)
    _store: Store | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _decoded: dict[str, Paper] = field(default_factory=dict, init=False, repr=False)
    rule_matches: RuleMatches = field(default_factory=RuleMatches, init=False, repr=False)

    @property
    def store(self) -> Store:
        with self._lock:
            if self._store is None:
                self._store = self.open_store()
            return self._store

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None

    def recent_papers(self, since: datetime) -> list[Paper]:
        """Papers seen since `since`, decoded once and then reused while their stored
        JSON is unchanged (the preview asks for the same window on every keystroke)."""
        texts = self.store.recent_paper_texts(since)
        cache = self._decoded
        if len(cache) > MAX_DECODED:
            cache.clear()
        found = []
        for text in texts:
            paper = cache.get(text)
            if paper is None:
                paper = cache[text] = paper_from_json(text)
            found.append(paper)
        return found

    @property
    def read_only(self) -> bool:
        return self.access.read_only

    def rule_files(self) -> list[RuleFile]:
        return list_rule_files(self.settings().rules)

    def render(self, request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse:
        template = self.templates.get_template(name)
        body = template.render(
            request=request,
            csrf=csrf_token(request),
            read_only=self.read_only,
            path=request.url.path,
            **values,
        )
        response = HTMLResponse(body, status_code=status)
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        set_csrf_cookie(request, response)
        return response
