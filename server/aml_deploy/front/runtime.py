"""Talking to the running HAProxy: its runtime API (map entries changed in place, no reload, no
request dropped) and its graceful reload (a new process takes the listening socket; the old one
finishes the requests it serves).

The runtime API listens on the front container's own loopback. Commands reach it through
`docker exec` with bash's /dev/tcp (present in the official Debian-based haproxy images and in the
fallback image), read from a file put into the container, so that no key ever appears in a command
line, `docker inspect` or a log. Where that fails (an image without bash), the caller reloads."""

from __future__ import annotations

import io
import tarfile
import time
from datetime import datetime

from .errors import FrontError, RuntimeApiError
from .render import ADMIN_PORT, CONFIG_DIR, CONFIG_FILE, MAP_FILES

USER_ID = 99  # the haproxy user of the official image; the front runs as it in every image
COMMANDS_FILE = f"{CONFIG_DIR}/.commands"
MAX_LINE = 60000  # one runtime API line per exec, well under HAProxy's buffer


def map_commands(old: dict[str, dict[str, str]], new: dict[str, dict[str, str]]) -> list[str]:
    """The commands that turn the maps `old` into `new`: additions and changes first, removals last,
    so that an entry that stays (the secondary key, a slot's deployment) is never missing."""
    changes, removals = [], []
    for name in MAP_FILES:
        path = f"{CONFIG_DIR}/{name}"
        before, after = old.get(name, {}), new.get(name, {})
        for key, value in after.items():
            if key not in before:
                changes.append(f"add map {path} {key} {value}")
            elif before[key] != value:
                changes.append(f"set map {path} {key} {value}")
        removals += [f"del map {path} {key}" for key in before if key not in after]
    return changes + removals


def send(container, commands: list[str], files: dict[str, bytes] | None = None) -> list[str]:
    """Run runtime API commands, after writing `files` (in the same copy into the container);
    returns HAProxy's non-empty answers. Map commands answer nothing when they succeed."""
    answers: list[str] = []
    for index, line in enumerate(_lines(commands)):
        written = (files or {}) if index == 0 else {}
        put_files(container, {**written, ".commands": (line + "\n").encode()})
        script = f"trap 'rm -f {COMMANDS_FILE}' EXIT; exec 3<>/dev/tcp/127.0.0.1/{ADMIN_PORT} && cat {COMMANDS_FILE} >&3 && cat <&3"
        result = container.exec_run(["bash", "-c", script], user=str(USER_ID))
        output = result.output.decode("utf-8", errors="replace")
        if result.exit_code != 0:
            raise RuntimeApiError(f"The front's runtime API did not answer (exit {result.exit_code}): {output.strip()[:300]}")
        answers += [text.strip() for text in output.split("\n") if text.strip()]
    return answers


def apply_maps(container, old: dict[str, dict[str, str]], new: dict[str, dict[str, str]], files: dict[str, bytes]) -> int:
    """Write `files` (so that a later reload starts from the same state) and change the running maps
    to match; returns how many entries changed."""
    commands = map_commands(old, new)
    if not commands:
        if files:
            put_files(container, files)
        return 0
    refused = send(container, commands, files)
    if refused:  # HAProxy's answers name the command, never a map entry's value
        raise RuntimeApiError(f"The front refused {len(refused)} of {len(commands)} changes: {refused[0][:200]}")
    return len(commands)


def query(container, command: str) -> str:
    return "\n".join(send(container, [command]))


def _lines(commands: list[str]) -> list[str]:
    lines, current = [], ""
    for command in commands:
        if current and len(current) + len(command) + 1 > MAX_LINE:
            lines.append(current)
            current = ""
        current = f"{current};{command}" if current else command
    return lines + ([current] if current else [])


def put_files(container, files: dict[str, bytes]) -> None:
    """Write files into CONFIG_DIR, owned by the front's user and readable by it only."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        folder = tarfile.TarInfo(CONFIG_DIR.lstrip("/").split("/")[-1])
        folder.type, folder.mode, folder.uid, folder.gid = tarfile.DIRTYPE, 0o700, USER_ID, USER_ID
        tar.addfile(folder)
        for name, data in files.items():
            info = tarfile.TarInfo(f"{folder.name}/{name}")
            info.size, info.mode, info.uid, info.gid, info.mtime = len(data), 0o600, USER_ID, USER_ID, int(time.time())
            tar.addfile(info, io.BytesIO(data))
    parent = CONFIG_DIR.rsplit("/", 1)[0] or "/"
    if not container.put_archive(parent, buffer.getvalue()):
        raise FrontError("Could not write the front's configuration into its container.")


def remove_files(container, names: list[str]) -> None:
    if names:
        container.exec_run(["rm", "-f", *(f"{CONFIG_DIR}/{name}" for name in names)], user=str(USER_ID))


def read_files(container) -> dict[str, bytes]:
    """The files of CONFIG_DIR as the container has them."""
    stream, _ = container.get_archive(CONFIG_DIR)
    buffer = io.BytesIO(b"".join(stream))
    files = {}
    with tarfile.open(fileobj=buffer) as tar:
        for member in tar.getmembers():
            content = tar.extractfile(member) if member.isfile() else None  # None only for what is not a file
            if content is not None:
                files[member.name.split("/", 1)[-1]] = content.read()
    return files


def check_config(container) -> None:
    """Refuse a configuration HAProxy would not load, with HAProxy's own reasons."""
    result = container.exec_run(["haproxy", "-c", "-f", CONFIG_FILE], user=str(USER_ID))
    if result.exit_code != 0:
        alerts = [line for line in result.output.decode("utf-8", errors="replace").splitlines() if "ALERT" in line]
        raise FrontError(
            "HAProxy refuses the front's new configuration (it needs HAProxy 2.6 or later with Lua):\n" + "\n".join(alerts[:10])
        )


def reload(container, timeout: float = 30.0) -> None:
    """Graceful reload: HAProxy's master starts a new worker on the same listening socket; the old
    one finishes its requests. Returns when the master reports the new worker loaded."""
    since = datetime.now().astimezone()
    container.kill(signal="SIGUSR2")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in _log_lines(container, since):
            if "Loading success" in line:
                return
            if "Loading failure" in line:
                raise FrontError(f"The front could not load its new configuration: {line}")
        time.sleep(0.05)
    raise FrontError(f"The front did not report its reload within {timeout:.0f} s.")


def _log_lines(container, since: datetime):
    text = container.logs(stdout=True, stderr=True, timestamps=True, since=int(since.timestamp()) - 1)
    for raw in text.decode("utf-8", errors="replace").splitlines():
        stamp, _, line = raw.partition(" ")
        when = _docker_time(stamp)
        if when is not None and when >= since:
            yield line


def _docker_time(stamp: str) -> datetime | None:
    """Docker's RFC 3339 log time (nanoseconds, trailing zeros trimmed, 'Z')."""
    seconds, _, fraction = stamp.rstrip("Z").partition(".")
    try:
        return datetime.fromisoformat(f"{seconds}.{(fraction + '000000')[:6]}+00:00")
    except ValueError:
        return None
