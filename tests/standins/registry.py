"""A real OCI registry for tests: Debian's docker-registry on 127.0.0.1 with htpasswd auth.
Kept small on purpose, so that a shared registry fixture can replace it."""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass
class LocalRegistry:
    host: str  # 127.0.0.1:PORT, as an image reference names it
    username: str
    password: str
    process: subprocess.Popen

    @property
    def auth(self) -> dict:
        return {"username": self.username, "password": self.password}

    def push(self, client, local_image: str, repository: str, tag: str) -> str:
        """Pushes `local_image` as HOST/repository:tag; returns that reference."""
        reference = f"{self.host}/{repository}:{tag}"
        client.images.get(local_image).tag(f"{self.host}/{repository}", tag)
        for line in client.api.push(f"{self.host}/{repository}", tag=tag, auth_config=self.auth, stream=True,
                                    decode=True):
            if "error" in line:  # the engine reports push failures in-band
                raise RuntimeError(f"push of {reference} failed: {line['error']}")
        client.images.remove(reference)  # the node must pull it from the registry
        return reference

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def start_registry(folder: Path) -> LocalRegistry:
    import bcrypt

    binary = shutil.which("docker-registry")
    if binary is None:
        raise FileNotFoundError("docker-registry is not installed (apt-get install docker-registry)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    username, password = "standin", secrets.token_urlsafe(12)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "htpasswd").write_text(f"{username}:{bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()}\n")
    config = {"version": 0.1, "log": {"level": "warn"},
              "storage": {"filesystem": {"rootdirectory": str(folder / "data")}, "delete": {"enabled": True}},
              "http": {"addr": f"127.0.0.1:{port}"},
              "auth": {"htpasswd": {"realm": "standin", "path": str(folder / "htpasswd")}}}
    (folder / "config.yml").write_text(yaml.safe_dump(config))
    log = (folder / "registry.log").open("w")
    process = subprocess.Popen([binary, "serve", str(folder / "config.yml")], stdout=log, stderr=subprocess.STDOUT)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return LocalRegistry(f"127.0.0.1:{port}", username, password, process)
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"docker-registry did not listen on 127.0.0.1:{port}; see {folder / 'registry.log'}")
