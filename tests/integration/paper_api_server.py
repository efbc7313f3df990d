"""A small arXiv API and Hugging Face paper API on 127.0.0.1 for tests.

Answers, from fixture records (tests/data/enrich/records.json or any dict):

- `GET /api/query?id_list=a,b&max_results=N`: an Atom feed in arXiv's shape, one
  `<entry>` per known id (an unknown id gets no entry, as arXiv does for a well-formed
  id it does not have);
- `GET /api/papers/<id>`: Hugging Face's paper JSON, or 404 for an unknown id.

A record may carry `answer_as` (the id the server claims in its answer: a wrong id) and
`hf: false` (Hugging Face does not know it). `server.mode` scripts the answers:
"ok", "slow" (wait `delay` seconds, then answer), "fail" (HTTP 500), "hang" (never
answer until the server stops), "garbage" (bytes that are neither XML nor JSON).
Every request is recorded with its time (`time.monotonic()`) and headers.

The product never knows about this server: tests point `api_url` / `endpoint` at it.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape


@dataclass(frozen=True)
class Request:
    path: str
    query: dict[str, list[str]]
    at: float
    user_agent: str

    @property
    def ids(self) -> list[str]:
        return self.query.get("id_list", [""])[0].split(",")


def atom_entry(arxiv_id: str, record: dict[str, Any]) -> str:
    answer_as = record.get("answer_as", arxiv_id)
    authors = "".join(
        f"<author><name>{escape(name)}</name></author>" for name in record.get("authors", [])
    )
    return (
        f"<entry><id>http://arxiv.org/abs/{escape(answer_as)}v1</id>"
        f"<published>{record.get('published', '2024-01-04')}T18:59:00Z</published>"
        f"<title>{escape(record.get('title', ''))}</title>"
        f"<summary>{escape(record.get('abstract', ''))}</summary>{authors}"
        f'<link title="pdf" href="http://arxiv.org/pdf/{escape(answer_as)}v1" rel="related"/>'
        f'<arxiv:primary_category term="cs.CL"/></entry>'
    )


def atom_feed(entries: list[str]) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom">'
        "<title>arXiv Query</title><id>http://arxiv.org/api/x</id>"
        "<updated>2024-01-05T00:00:00-05:00</updated>" + "".join(entries) + "</feed>"
    )


def hf_json(arxiv_id: str, record: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": record.get("answer_as", arxiv_id),
        "title": record.get("hf_title", record.get("title")),
        "summary": record.get("abstract"),
        "authors": [{"name": name, "hidden": False} for name in record.get("authors", [])],
        "upvotes": record.get("upvotes", 0),
        "publishedAt": f"{record.get('published', '2024-01-04')}T18:59:00.000Z",
    }


class PaperApiServer:
    def __init__(self, records: dict[str, dict[str, Any]]) -> None:
        self.records = records
        self.mode = "ok"
        self.delay = 0.0
        self.requests: list[Request] = []
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/query"

    def arxiv_requests(self) -> list[Request]:
        return [r for r in self.requests if r.path == "/api/query"]

    def hf_requests(self) -> list[Request]:
        return [r for r in self.requests if r.path.startswith("/api/papers/")]

    def start(self) -> PaperApiServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                split = urlsplit(self.path)
                with server._lock:
                    server.requests.append(
                        Request(
                            split.path,
                            parse_qs(split.query),
                            time.monotonic(),
                            self.headers.get("User-Agent", ""),
                        )
                    )
                server._answer(self, split.path, parse_qs(split.query))

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def _send(self, handler: BaseHTTPRequestHandler, status: int, body: bytes, kind: str) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        with contextlib.suppress(OSError):  # the client stopped reading (a size cap)
            handler.wfile.write(body)

    def _answer(
        self, handler: BaseHTTPRequestHandler, path: str, query: dict[str, list[str]]
    ) -> None:
        if self.mode == "hang":
            self._stopping.wait(60)
            return
        if self.mode == "slow":
            self._stopping.wait(self.delay)
        if self.mode == "fail":
            self._send(handler, 500, b"<html>Internal Server Error</html>", "text/html")
            return
        if self.mode == "garbage":
            self._send(handler, 200, b"\x00\xffnot a feed {[<", "application/octet-stream")
            return
        if path == "/api/query":
            ids = query.get("id_list", [""])[0].split(",")
            entries = [atom_entry(i, self.records[i]) for i in ids if i in self.records]
            self._send(handler, 200, atom_feed(entries).encode(), "application/atom+xml")
        elif path.startswith("/api/papers/"):
            arxiv_id = path.removeprefix("/api/papers/")
            record = self.records.get(arxiv_id)
            if record is None or record.get("hf") is False:
                body = json.dumps({"error": "Entry not found"}).encode()
                self._send(handler, 404, body, "application/json")
                return
            body = json.dumps(hf_json(arxiv_id, record)).encode()
            self._send(handler, 200, body, "application/json")
        else:
            self._send(handler, 404, b"not found", "text/plain")
