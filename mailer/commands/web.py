"""`mailer web`: only the pages (rules, papers, outbox, status), without the service."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from types import FrameType

import click

from mailer.commands.common import EXIT_CONFIG, config_option, load_settings_or_exit
from mailer.commands.pipeline_cli import open_store_or_exit
from mailer.runtime.health import HealthReport, parse_listen_address

log = logging.getLogger(__name__)

DEFAULT_LISTEN = "127.0.0.1:9465"


@click.command(name="web")
@config_option
@click.option(
    "--listen",
    metavar="HOST:PORT",
    default=DEFAULT_LISTEN,
    show_default=True,
    help="Where to serve the pages. Any address but loopback needs `web: {token_env: ...}` "
    "or `web: {trust_proxy_header: ...}` in the config.",
)
def web(config_path: Path, listen: str) -> None:
    """Serve the web pages: edit rules with a live preview, search stored papers, see the
    outbox and status (retry buttons). Saved rule files are picked up by a running
    `mailer serve` within seconds. `mailer serve --http HOST:PORT` serves the same pages.

    \b
    Examples:
      mailer web                      # then open http://127.0.0.1:9465/
      mailer web --listen 127.0.0.1:8080
      MAILER_WEB_TOKEN=... mailer web --listen 0.0.0.0:9465   # with web: {token_env: ...}
    """
    from mailer.web.app import build_app  # the ASGI stack only for this command
    from mailer.web.server import WebServer
    from mailer.web.serving import pages_for

    try:
        host, port = parse_listen_address(listen)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--listen") from e
    settings = load_settings_or_exit(config_path)
    open_store_or_exit(settings).close()  # migrate and check it once, with a clear error

    ui = pages_for(host, lambda: settings)  # a ConfigError exits 2 (mailer.cli)
    if ui is None:
        click.echo("error: web: {pages: false} in the config turns the pages off", err=True)
        raise SystemExit(EXIT_CONFIG)
    app = build_app(lambda: HealthReport(True, ()), ui=ui)
    try:
        server = WebServer(host, port, app)
    except OSError as e:
        ui.close()
        click.echo(f"error: --listen {listen}: cannot listen there: {e.strerror}", err=True)
        raise SystemExit(EXIT_CONFIG) from e
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s: stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    server.start()
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"serving the pages on http://{shown}:{server.address[1]}/ (Ctrl-C stops)")
    try:
        while not stop.wait(1.0):
            pass
    finally:
        server.stop()
        ui.close()
