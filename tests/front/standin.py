"""A scoring stand-in for the front's tests: answers POSTs with its name (STANDIN_NAME) after
sleeping `x-standin-sleep` seconds, with status `x-standin-status`; GET /stats tells what it saw.
Runs in a container from the base image (standard library only)."""

import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NAME = os.environ.get("STANDIN_NAME", "standin")
lock = threading.Lock()
stats = {"requests": 0, "bytes": 0, "in_flight": 0, "max_in_flight": 0, "with_authorization": 0, "paths": {}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # a reply in two writes would otherwise wait for a delayed ACK

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/stats":
            with lock:
                return self.reply(200, json.dumps(stats).encode())
        self.reply(200, b"{}")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        with lock:
            stats["requests"] += 1
            stats["bytes"] += len(body)
            stats["in_flight"] += 1
            stats["max_in_flight"] = max(stats["max_in_flight"], stats["in_flight"])
            stats["with_authorization"] += "authorization" in self.headers
            stats["paths"][self.path] = stats["paths"].get(self.path, 0) + 1
        try:
            time.sleep(float(self.headers.get("x-standin-sleep") or 0))
            answer = {"name": NAME, "size": len(body)}
            self.reply(int(self.headers.get("x-standin-status") or 200), json.dumps(answer).encode())
        finally:
            with lock:
                stats["in_flight"] -= 1

    def reply(self, status, body):
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer.request_queue_size = 128
ThreadingHTTPServer(("0.0.0.0", 5001), Handler).serve_forever()
