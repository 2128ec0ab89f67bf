"""HTTPS on 127.0.0.1: bearer-token check, injected faults, a record of every request, JSON answers."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import yaml

from .api import Api, Route, route
from .errors import ApiError


@dataclass
class Recorded:
    """One request as the stand-in saw it (the bearer token is never kept)."""

    method: str
    path: str
    query: dict[str, str]
    content_type: str
    body: dict | None
    status: int = 0


@dataclass
class Fault:
    remaining: int
    status: int
    method: str | None = None
    path: str | None = None  # a substring of the request path

    def matches(self, method: str, path: str) -> bool:
        return self.remaining > 0 and (self.method in (None, method)) and (self.path is None or self.path in path)


@dataclass
class Traffic:
    requests: list[Recorded] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    fault.remaining -= 1
                    return fault
        return None


_REASONS = {429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout"}


def make_server(api: Api, token: str, traffic: Traffic, context) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # the record below is the log
            pass

        def do_GET(self):
            self._serve()

        do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

        def _serve(self) -> None:
            self._extra = {}
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            content_type = self.headers.get("Content-Type", "")
            recorded = Recorded(
                self.command, url.path, {k: v[-1] for k, v in parse_qs(url.query).items()}, content_type, _decoded(body, content_type)
            )
            with traffic.lock:
                traffic.requests.append(recorded)
            try:
                status, payload = self._answer(url, content_type, body)
            except ApiError as error:
                status, payload = error.code, error.status()
                if error.code == 429:
                    self._extra = {"Retry-After": "1"}
            recorded.status = status
            self._send(status, payload)

        def _answer(self, url, content_type: str, body: bytes):
            if self.headers.get("Authorization") != f"Bearer {token}":
                raise ApiError(401, "Unauthorized", "Unauthorized")
            fault = traffic.take_fault(self.command, url.path)
            if fault:
                raise ApiError(fault.status, _REASONS.get(fault.status, "InternalError"), f"injected fault: HTTP {fault.status}")
            target = route(url.path)
            if target is None:
                raise ApiError(404, "NotFound", "the server could not find the requested resource")
            if not isinstance(target, Route):
                if self.command != "GET":
                    raise ApiError(405, "MethodNotAllowed", "the server does not allow this method")
                return 200, target
            return api.handle(self.command, target, url.query, content_type, body, self.headers.get("User-Agent", ""))

        def _send(self, status: int, payload) -> None:
            if isinstance(payload, str):
                data, kind = payload.encode(), "text/plain"
            else:
                data, kind = json.dumps(payload).encode(), "application/json"
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            for name, value in self._extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def get_request(self):
            sock, address = super().get_request()
            return context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address

    return Server(("127.0.0.1", 0), Handler)


def _decoded(body: bytes, content_type: str):
    if not body:
        return None
    try:
        return yaml.safe_load(body) if "yaml" in content_type else json.loads(body)
    except (ValueError, yaml.YAMLError):
        return None
