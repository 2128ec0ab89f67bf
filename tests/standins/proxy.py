"""An HTTP proxy that plays the internet's DNS for the stand-in ARM: a request for a container group's public
fqdn (or ip) and port goes to the port the group publishes on 127.0.0.1. The product needs no hook: it builds
its scoring URI from the fqdn ARM reports, exactly as in Azure, and the test sets HTTP(S)_PROXY, which every
HTTP client honours. CONNECT tunnels (https) and absolute-form requests (http) are both served."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from urllib.parse import urlsplit

Resolve = Callable[[str, int], "tuple[str, int] | None"]


class FqdnProxy:
    def __init__(self, resolve: Resolve) -> None:
        self._resolve = resolve
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.requests: list[str] = []  # "host:port" of each request that came through
        self._closed = False
        threading.Thread(target=self._accept, name="fqdn-proxy", daemon=True).start()

    def close(self) -> None:
        self._closed = True
        self._listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(65536)
                if not chunk:
                    return
                head += chunk
            head, _, rest = head.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, version = lines[0].split(" ", 2)
            if method == "CONNECT":
                host, _, port = target.rpartition(":")
            else:
                url = urlsplit(target)
                host, port = url.hostname or "", str(url.port or 80)
            self.requests.append(f"{host}:{port}")
            address = self._resolve(host, int(port))
            if address is None:
                client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            try:
                upstream = socket.create_connection(address, timeout=10)
            except OSError:
                client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            upstream.settimeout(None)
            with upstream:
                if method == "CONNECT":
                    client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    if rest:
                        upstream.sendall(rest)
                else:
                    path = urlsplit(target)._replace(scheme="", netloc="").geturl() or "/"
                    headers = [line for line in lines[1:] if not line.lower().startswith(("proxy-connection:", "connection:"))]
                    upstream.sendall(
                        "\r\n".join([f"{method} {path} {version}", *headers, "Connection: close", "", ""]).encode("latin-1") + rest
                    )
                _pipe(client, upstream)


def _pipe(a: socket.socket, b: socket.socket) -> None:
    def copy(source: socket.socket, target: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                target.sendall(chunk)
        except OSError:
            pass
        try:
            target.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    other = threading.Thread(target=copy, args=(b, a), daemon=True)
    other.start()
    copy(a, b)
    other.join()
