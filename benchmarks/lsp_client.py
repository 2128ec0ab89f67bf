"""A small LSP client over stdio, used the same way against every server the benchmarks compare."""

from __future__ import annotations

import itertools
import json
import os
import queue
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


class Client:
    def __init__(
        self, command: list[str], cwd: Path | None = None, env: dict | None = None, configuration: Callable[[dict], list] | None = None
    ) -> None:
        self.started = time.perf_counter()
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=cwd, env=env)
        self._ids = itertools.count(1)
        self._responses: dict[int, queue.Queue] = {}
        self.notifications: queue.Queue = queue.Queue()
        self._configuration = configuration or (lambda params: [None for _ in params.get("items", [])])
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    # -- wire ----------------------------------------------------------------------------

    def _send(self, message: dict) -> None:
        body = json.dumps(message).encode()
        with self._lock:
            self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.process.stdin.flush()

    def _read(self) -> None:
        stream = self.process.stdout
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            message = json.loads(stream.read(length))
            received = time.perf_counter()
            if "id" in message and "method" in message:  # a request from the server
                self._answer(message)
            elif "id" in message:
                self._responses.setdefault(message["id"], queue.Queue()).put(message)
            else:
                self.notifications.put((received, message))

    def _answer(self, request: dict) -> None:
        result: Any = None
        if request["method"] == "workspace/configuration":
            result = self._configuration(request.get("params", {}))
        self._send({"jsonrpc": "2.0", "id": request["id"], "result": result})

    # -- API -------------------------------------------------------------------------------

    def request(self, method: str, params: Any, timeout: float = 60) -> Any:
        request_id = next(self._ids)
        box = self._responses.setdefault(request_id, queue.Queue())
        self._send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        message = box.get(timeout=timeout)
        if "error" in message:
            raise RuntimeError(message["error"])
        return message.get("result")

    def notify(self, method: str, params: Any) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def initialize(self, root: Path, options: dict | None = None) -> float:
        """Seconds from process start to the initialize result."""
        self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": root.as_uri(),
                "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
                "capabilities": {"textDocument": {"publishDiagnostics": {"versionSupport": True}}, "workspace": {"configuration": True}},
                "initializationOptions": options or {},
            },
        )
        elapsed = time.perf_counter() - self.started
        self.notify("initialized", {})
        return elapsed

    def wait_for_diagnostics(self, uri: str, timeout: float = 30, since: float = 0.0) -> tuple[float, list]:
        """The next publishDiagnostics for `uri` received after `since`: (time received, diagnostics)."""
        deadline = time.perf_counter() + timeout
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"no diagnostics for {uri}")
            received, message = self.notifications.get(timeout=remaining)
            if message.get("method") == "textDocument/publishDiagnostics" and message["params"]["uri"] == uri and received >= since:
                return received, message["params"]["diagnostics"]

    def drain(self) -> None:
        while not self.notifications.empty():
            self.notifications.get_nowait()

    def rss_mb(self) -> float:
        """Resident memory of the server process (and its children)."""
        total = 0
        pids = [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if children.exists():
            pids += [int(p) for p in children.read_text().split()]
        for pid in pids:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        return total / 1024

    def close(self) -> None:
        try:
            self.request("shutdown", None, timeout=10)
            self.notify("exit", None)
            self.process.wait(timeout=10)
        except Exception:  # noqa: BLE001 - a benchmark must still clean up
            self.process.kill()


def edit_latencies(client: Client, path: Path, text: str, language: str, edits: int, change: Callable[[str, int], str]) -> list[float]:
    """Open `path`, then `edits` times replace its text with change(text, n): milliseconds from
    each didChange to the publishDiagnostics it causes."""
    uri = path.as_uri()
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}})
    client.wait_for_diagnostics(uri)
    time.sleep(0.5)
    client.drain()
    latencies = []
    for version in range(2, edits + 2):
        sent = time.perf_counter()
        client.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": change(text, version)}]},
        )
        received, _ = client.wait_for_diagnostics(uri, since=sent)
        latencies.append((received - sent) * 1000)
        time.sleep(0.005)
        client.drain()
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    return latencies
