"""Run an ASGI app with uvicorn in a daemon thread, on a socket bound up front.

Binding before the thread starts means a busy port fails in the caller (with the
OSError the service turns into a clear message) and port 0 reports the port it got.
IPv6 literals (`::1`) get an AF_INET6 socket, as `--http [::1]:9464` promises.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading

import uvicorn
from starlette.types import ASGIApp

log = logging.getLogger(__name__)

STOP_SECONDS = 5.0


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class WebServer:
    """Serves `app` on host:port in a daemon thread until `stop()`."""

    def __init__(self, host: str, port: int, app: ASGIApp) -> None:
        self._socket = bind_socket(host, port)
        config = uvicorn.Config(
            app,
            log_config=None,  # keep the product's logging set-up
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="mailer-http", daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._socket.getsockname()[:2]
        return str(host), int(port)

    def _run(self) -> None:
        # not the main thread: uvicorn leaves signal handling to the service
        asyncio.run(self._server.serve(sockets=[self._socket]))

    def start(self) -> None:
        self._thread.start()
        host, port = self.address
        shown = f"[{host}]" if ":" in host else host
        log.info("web app on http://%s:%d (/healthz, /livez, /readyz, /metrics)", shown, port)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=STOP_SECONDS)
        self._socket.close()
