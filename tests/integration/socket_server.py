"""A Socket Mode endpoint on 127.0.0.1 (the `websockets` package): what Slack's
`wss://` URL from `apps.connections.open` serves. It greets each connection with a
`hello`, sends the envelopes a test gives it, and records what the app sends back
(the envelope acks)."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from websockets.sync.server import ServerConnection, serve


class SocketModeServer:
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.connections: list[ServerConnection] = []
        self._lock = threading.Lock()
        self._server = serve(self._handle, "127.0.0.1", 0)
        self.port = int(self._server.socket.getsockname()[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link/?ticket=test-ticket"

    def start(self) -> SocketModeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()

    def _handle(self, connection: ServerConnection) -> None:
        with self._lock:
            self.connections.append(connection)
        hello = {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0APP"}}
        connection.send(json.dumps(hello))
        for message in connection:
            with self._lock:
                self.received.append(json.loads(message))

    def wait_connected(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while not self.connections and time.monotonic() < deadline:
            time.sleep(0.02)
        assert self.connections, "the app never opened the Socket Mode connection"

    def send(self, envelope: dict[str, Any]) -> None:
        self.connections[-1].send(json.dumps(envelope))

    def wait_ack(self, envelope_id: str, timeout: float = 10) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for message in self.received:
                    if message.get("envelope_id") == envelope_id:
                        return message
            time.sleep(0.005)
        raise AssertionError(f"no ack for envelope {envelope_id}")
