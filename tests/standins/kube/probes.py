"""Container probes as the kubelet runs them: httpGet, tcpSocket and exec, on the probe's own timing."""

from __future__ import annotations

import http.client
import socket
import time


class Probe:
    def __init__(self, spec: dict, started_at: float) -> None:
        self.spec = spec
        self.next_at = started_at + spec.get("initialDelaySeconds", 0)
        self.successes = 0
        self.failures = 0

    def due(self, now: float) -> bool:
        return now >= self.next_at

    def run(self, host: str, ports: dict, container) -> tuple[bool, str]:
        """(passed, why it failed), and schedules the next run."""
        self.next_at = time.monotonic() + self.spec.get("periodSeconds", 10)
        passed, detail = _check(self.spec, host, ports, container)
        if passed:
            self.successes, self.failures = self.successes + 1, 0
        else:
            self.successes, self.failures = 0, self.failures + 1
        return passed, detail

    @property
    def failed(self) -> bool:
        return self.failures >= self.spec.get("failureThreshold", 3)

    @property
    def passed(self) -> bool:
        return self.successes >= self.spec.get("successThreshold", 1)


def _port(value, ports: dict) -> int:
    return int(value) if str(value).isdigit() else ports.get(value, 0)


def _check(spec: dict, host: str, ports: dict, container) -> tuple[bool, str]:
    timeout = spec.get("timeoutSeconds", 1)
    if "httpGet" in spec:
        get = spec["httpGet"]
        port = _port(get.get("port"), ports)
        path = get.get("path", "/")
        url = f"http://{host}:{port}{path}"
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            headers = {h["name"]: h["value"] for h in get.get("httpHeaders") or []}
            connection.request("GET", path, headers={"User-Agent": "kube-probe/1.30", **headers})
            status = connection.getresponse().status
        except TimeoutError:
            return False, f'Get "{url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)'
        except OSError as error:
            reason = "connection refused" if isinstance(error, ConnectionRefusedError) else str(error)
            return False, f'Get "{url}": dial tcp {host}:{port}: connect: {reason}'
        finally:
            connection.close()
        if 200 <= status < 400:
            return True, ""
        return False, f"HTTP probe failed with statuscode: {status}"
    if "tcpSocket" in spec:
        port = _port(spec["tcpSocket"].get("port"), ports)
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            return True, ""
        except OSError as error:
            return False, f"dial tcp {host}:{port}: connect: {error}"
    if "exec" in spec:
        result = container.exec_run(spec["exec"].get("command") or [])
        return result.exit_code == 0, result.output.decode(errors="replace").strip()
    return True, ""
