"""A minimal Debug Adapter Protocol client: JSON messages with Content-Length headers over TCP,
enough to attach to debugpy, set breakpoints and see where the program stops."""

from __future__ import annotations

import itertools
import json
import queue
import socket
import threading
import time


class DapClient:
    def __init__(self, host: str, port: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.socket = socket.create_connection((host, port), timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.socket.settimeout(None)
        self._seq = itertools.count(1)
        self._responses: dict[int, queue.Queue] = {}
        self.events: queue.Queue = queue.Queue()
        self._reader = self.socket.makefile("rb")
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            length = None
            while True:
                line = self._reader.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode().partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            message = json.loads(self._reader.read(length))
            if message["type"] == "response":
                self._responses.setdefault(message["request_seq"], queue.Queue()).put(message)
            elif message["type"] == "event":
                self.events.put(message)

    def send(self, command: str, arguments: dict | None = None) -> int:
        seq = next(self._seq)
        body = json.dumps({"seq": seq, "type": "request", "command": command, "arguments": arguments or {}}).encode()
        self.socket.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return seq

    def response(self, seq: int, timeout: float = 60.0) -> dict:
        message = self._responses.setdefault(seq, queue.Queue()).get(timeout=timeout)
        if not message.get("success", False):
            raise RuntimeError(f"{message.get('command')} failed: {message.get('message')}")
        return message

    def request(self, command: str, arguments: dict | None = None, timeout: float = 60.0) -> dict:
        return self.response(self.send(command, arguments), timeout)

    def wait_event(self, name: str, timeout: float = 120.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            event = self.events.get(timeout=max(deadline - time.monotonic(), 0.01))
            if event["event"] == name:
                return event

    def attach(self, configuration: dict, breakpoints: dict[str, list[int]]) -> None:
        """The VS Code attach sequence: initialize, attach, breakpoints, configurationDone."""
        self.request(
            "initialize",
            {"clientID": "aml-deploy-tests", "adapterID": "debugpy", "pathFormat": "path", "linesStartAt1": True, "columnsStartAt1": True},
        )
        attach = self.send("attach", {key: value for key, value in configuration.items() if key not in ("type", "name")})
        self.wait_event("initialized")
        for path, lines in breakpoints.items():
            self.request("setBreakpoints", {"source": {"path": path}, "breakpoints": [{"line": n} for n in lines]})
        self.request("configurationDone")
        self.response(attach)

    def top_frame(self, thread_id: int) -> dict:
        frames = self.request("stackTrace", {"threadId": thread_id, "startFrame": 0, "levels": 1})["body"]["stackFrames"]
        return frames[0]

    def close(self) -> None:
        try:
            self.send("disconnect", {"terminateDebuggee": False})
        finally:
            self.socket.close()
