"""A site for the web tests: a config with absolute paths, the repository's rules, and
the papers of examples/inbox stored by a real run; plus a TestClient on its pages."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

from starlette.testclient import TestClient

from mailer.config.settings import Settings, load_settings
from mailer.runtime.app import Pipeline
from mailer.runtime.health import HealthReport
from mailer.web.app import build_app
from mailer.web.context import WebContext
from mailer.web.serving import pages_for

ROOT = Path(__file__).resolve().parents[1]


def make_site(directory: Path, extra: str = "", environ: dict[str, str] | None = None) -> Settings:
    shutil.copytree(ROOT / "rules", directory / "rules")
    shutil.copytree(ROOT / "examples" / "inbox", directory / "inbox")
    config = directory / "mailer.yaml"
    config.write_text(
        f"""\
state: sqlite:///{directory}/var/mailer.db
rules: [{directory}/rules]
sources:
  - name: samples
    kind: directory
    path: {directory}/inbox
destinations:
  console: {{kind: console}}
  preview: {{kind: file, path: {directory}/var/out}}
{extra}"""
    )
    settings = load_settings(config, environ or {})
    pipeline = Pipeline.open(settings)
    try:
        pipeline.run_once()
    finally:
        pipeline.close()
    return settings


def client_for(settings: Settings, host: str = "127.0.0.1") -> Iterator[TestClient]:
    ui = pages_for(host, lambda: settings)
    assert isinstance(ui, WebContext)
    app = build_app(lambda: HealthReport(True, ()), ui=ui)
    # the address the pages are served on, as a browser's Host header names it
    shown = f"[{host}]" if ":" in host else host
    with TestClient(app, base_url=f"http://{shown}:9465") as client:
        yield client
    ui.close()


def csrf(client: TestClient) -> str:
    """The CSRF token the pages hand out (a page view sets the cookie)."""
    client.get("/rules")
    token = client.cookies.get("mailer_csrf")
    assert token
    return token
