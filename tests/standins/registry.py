"""A real OCI registry: Debian's `docker-registry` (distribution 2.8) on 127.0.0.1, storing in a temp folder,
with htpasswd (bcrypt) users or, like Azure Container Registry, token auth through an auth server. Tests can
kill it mid-push and start it again on the same port with the same storage."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import bcrypt
import yaml

from tests.standins.tls import ServerCert

BINARY = "docker-registry"


def available() -> bool:
    return shutil.which(BINARY) is not None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PushFailed(Exception):
    pass


class DebianRegistry:
    """`host` is what image names start with (127.0.0.1:PORT); `start()`/`kill()`/`stop()` as a test needs."""

    def __init__(
        self,
        folder: Path,
        *,
        users: dict[str, str] | None = None,
        token_auth: dict | None = None,
        cert: ServerCert | None = None,
    ) -> None:
        self.folder = folder
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"{'https' if cert else 'http'}://{self.host}"
        self.users = dict(users or {})
        self.token_auth = token_auth  # the `auth.token` section; may be set until start()
        self.cert = cert
        self.log_file = folder / "registry.log"
        self.config_file = folder / "config.yml"
        self._process: subprocess.Popen | None = None
        folder.mkdir(parents=True, exist_ok=True)

    def _write_config(self) -> None:
        config: dict = {
            "version": 0.1,
            "log": {"level": "info", "accesslog": {"disabled": True}},
            "storage": {"filesystem": {"rootdirectory": str(self.folder / "data")}, "delete": {"enabled": True}},
            "http": {"addr": self.host, "headers": {"X-Content-Type-Options": ["nosniff"]}},
        }
        if self.cert:
            config["http"]["tls"] = {"certificate": str(self.cert.cert_file), "key": str(self.cert.key_file)}
        if self.token_auth:
            config["auth"] = {"token": self.token_auth}
        elif self.users:
            htpasswd = self.folder / "htpasswd"
            htpasswd.write_text(
                "".join(f"{user}:{bcrypt.hashpw(pw.encode(), bcrypt.gensalt(rounds=4)).decode()}\n" for user, pw in self.users.items())
            )
            config["auth"] = {"htpasswd": {"realm": "aml-deploy-test", "path": str(htpasswd)}}
        self.config_file.write_text(yaml.safe_dump(config))

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 15) -> None:
        if self.running:
            return
        self._write_config()
        with self.log_file.open("ab") as log:
            self._process = subprocess.Popen([BINARY, "serve", str(self.config_file)], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"docker-registry exited: {self.log_file.read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"docker-registry did not answer on {self.url} within {timeout} s")

    def kill(self) -> None:
        """Dies at once, as a crashed registry does (SIGKILL)."""
        if self.running:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(timeout=10)

    def stop(self) -> None:
        if self.running:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self) -> None:
        self.kill()
        self.start()

    def auth_config(self, user: str | None = None) -> dict:
        """docker-py auth for one of the htpasswd users (the first by default)."""
        user = user or next(iter(self.users))
        return {"username": user, "password": self.users[user]}

    def push(self, docker_client, local_image: str, repository: str, tag: str = "1", auth_config: dict | None = None) -> str:
        """Pushes `local_image` as `host/repository:tag`; returns the by-digest reference."""
        target = f"{self.host}/{repository}"
        docker_client.images.get(local_image).tag(target, tag)
        try:
            errors, digest = [], None
            for line in docker_client.api.push(target, tag=tag, stream=True, decode=True, auth_config=auth_config or self.auth_config()):
                if "error" in line:
                    errors.append(line["error"])
                digest = (line.get("aux") or {}).get("Digest", digest)
        finally:
            docker_client.images.remove(f"{target}:{tag}", noprune=True)
        if errors or not digest:
            raise PushFailed(f"push of {target}:{tag} failed: {errors}")
        return f"{target}@{digest}"
