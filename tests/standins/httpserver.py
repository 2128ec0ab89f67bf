"""The small HTTP(S) server every stand-in runs on: one `handle(request) -> Response` function, served on
127.0.0.1 from a thread of the test process, so tests can steer the stand-in and read what it saw."""

from __future__ import annotations

import base64
import json
import logging
import ssl
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.standins.tls import ServerCert

log = logging.getLogger("standins.http")


@dataclass
class Request:
    method: str
    path: str  # percent-decoded, without the query
    raw_path: str  # as sent, query included
    query: dict[str, list[str]]
    headers: Message
    body: bytes

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def form(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(self.body.decode(), keep_blank_values=True).items()}

    def bearer(self) -> str | None:
        scheme, _, value = (self.headers.get("Authorization") or "").partition(" ")
        return value.strip() if scheme.lower() == "bearer" and value.strip() else None

    def basic(self) -> tuple[str, str] | None:
        scheme, _, value = (self.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, _, password = base64.b64decode(value.strip()).decode().partition(":")
        except ValueError:
            return None
        return user, password


@dataclass
class Response:
    status: int
    body: Any = None  # dict/list -> JSON; bytes -> as is; None -> no body
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> tuple[bytes, str | None]:
        if self.body is None:
            return b"", None
        if isinstance(self.body, bytes):
            return self.body, self.headers.get("Content-Type", "application/octet-stream")
        return json.dumps(self.body).encode(), "application/json; charset=utf-8"


Handler = Callable[[Request], Response]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, handle: Handler, context: ssl.SSLContext | None, errors: list[str]) -> None:
        super().__init__(("127.0.0.1", 0), _RequestHandler)
        self.handle_request_fn = handle
        self.ssl_context = context
        self.errors = errors

    def finish_request(self, request, client_address):  # in the connection's own thread
        if self.ssl_context is not None:
            try:
                request = self.ssl_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        pass  # a client that hung up mid-request is not the stand-in's problem


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=unquote(split.path),
            raw_path=self.path,
            query=parse_qs(split.query, keep_blank_values=True),
            headers=self.headers,
            body=body,
        )
        try:
            response = self.server.handle_request_fn(request)
        except Exception:  # noqa: BLE001 - a stand-in bug: answer 500 and make the test see it
            self.server.errors.append(f"{request.method} {request.raw_path}\n{traceback.format_exc()}")
            response = Response(500, {"error": {"code": "StandInBug", "message": traceback.format_exc(limit=3)}})
        data, content_type = response.encoded()
        self.send_response(response.status)
        for name, value in response.headers.items():
            if name.lower() != "content-type" or content_type is None:
                self.send_header(name, value)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = do_HEAD = _serve

    def log_message(self, format, *args):
        log.debug("%s %s", self.address_string(), format % args)


class StandInServer:
    """Serves `handle` on 127.0.0.1 (HTTPS when `cert` is given) until `close()`."""

    def __init__(self, handle: Handler, cert: ServerCert | None = None) -> None:
        self.errors: list[str] = []
        self._server = _Server(handle, cert.server_context() if cert else None, self.errors)
        self.port = self._server.server_address[1]
        self.url = f"{'https' if cert else 'http'}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"standin-{self.port}", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
