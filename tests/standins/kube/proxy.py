"""A TCP forwarder: listens on ports and sends each connection to one of the current endpoints,
round robin. The stand-in runs it on the host for LoadBalancer addresses, and (this file copied into
a container, `python3 proxy.py CONFIG`) as the in-cluster proxy behind a Service's DNS name.
Standard library only: the container image has nothing else."""

from __future__ import annotations

import itertools
import json
import os
import socket
import sys
import threading
import time


class Forwarder:
    def __init__(self, address: tuple[str, int], endpoints) -> None:
        self.endpoints = endpoints  # () -> list of (host, port), read at each connection
        self._turn = itertools.count()
        self.sock = socket.create_server(address, reuse_port=False)
        self.address = self.sock.getsockname()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        targets = list(self.endpoints())
        if not targets:  # no ready endpoint: refused, as kube-proxy rejects it
            client.close()
            return
        target = targets[next(self._turn) % len(targets)]
        try:
            upstream = socket.create_connection(target, timeout=5)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        threading.Thread(target=_pipe, args=(upstream, client), daemon=True).start()
        _pipe(client, upstream)


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()


def main(config_path: str) -> None:
    """Follows CONFIG ({"ports": {"80": [["172.18.0.3", 5001], ...]}}): opens and closes listeners
    as ports come and go, and reads the endpoints again for each connection."""
    state = {"ports": {}, "mtime": None}
    listeners: dict[str, Forwarder] = {}
    while True:
        try:
            mtime = os.stat(config_path).st_mtime_ns
            if mtime != state["mtime"]:
                with open(config_path) as f:
                    state["ports"] = json.load(f)["ports"]
                state["mtime"] = mtime
        except (OSError, ValueError):
            pass
        for port in set(listeners) - set(state["ports"]):
            listeners.pop(port).close()
        for port in set(state["ports"]) - set(listeners):
            try:
                listeners[port] = Forwarder(("0.0.0.0", int(port)), lambda p=port: [tuple(e) for e in state["ports"].get(p, [])])
            except OSError as error:
                print(f"cannot listen on {port}: {error}", flush=True)
        time.sleep(0.2)


if __name__ == "__main__":
    main(sys.argv[1])
