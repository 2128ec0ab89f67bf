"""Keys and tokens of an endpoint, as Azure hands them out: two keys that never expire (either
works; regenerating one leaves the other working) or tokens with an expiry. Kept in one JSON file
readable by the user only; never logged and never shown by repr()."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import secrets
import string
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import FrontError

KEY_LENGTH = 32  # Azure ML endpoint keys are 32 letters and digits
TOKEN_BYTES = 48
TOKEN_LIFETIME_S = 24 * 3600
_ALPHABET = string.ascii_letters + string.digits
_KEY_VALUE = re.compile(r"[A-Za-z0-9+/=_-]{16,256}")  # what a map file and the runtime API carry verbatim
KEY_TYPES = ("primary", "secondary")


def valid_key(value: str) -> bool:
    """Whether the front can carry `value` as a key or token verbatim (its map files are line based)."""
    return bool(_KEY_VALUE.fullmatch(value))


def new_key() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(KEY_LENGTH))


@dataclass
class Token:
    value: str = field(repr=False)
    expires: int  # Unix time, seconds

    @classmethod
    def new(cls, lifetime_s: int = TOKEN_LIFETIME_S, now: float | None = None) -> Token:
        """A random token that expires `lifetime_s` from `now`."""
        return cls(secrets.token_urlsafe(TOKEN_BYTES), int((time.time() if now is None else now) + lifetime_s))

    def expired(self, now: float | None = None) -> bool:
        return self.expires <= (time.time() if now is None else now)

    def as_azure(self) -> dict:
        """What `az ml online-endpoint get-credentials` prints for a token."""
        return {
            "accessToken": self.value,
            "expiryTimeUtc": self.expires,
            "refreshAfterTimeUtc": self.expires - TOKEN_LIFETIME_S // 2,
            "tokenType": "Bearer",
        }


@dataclass
class Credentials:
    primary_key: str | None = field(default=None, repr=False)
    secondary_key: str | None = field(default=None, repr=False)
    tokens: list[Token] = field(default_factory=list, repr=False)

    def valid_tokens(self, now: float | None = None) -> list[Token]:
        return [t for t in self.tokens if not t.expired(now)]

    def to_json(self) -> dict:
        """As stored (the KeyStore's file, a Kubernetes Secret): secrets included."""
        return {
            "primaryKey": self.primary_key,
            "secondaryKey": self.secondary_key,
            "tokens": [{"token": t.value, "expires": t.expires} for t in self.tokens],
        }

    @classmethod
    def from_json(cls, data: dict) -> Credentials:
        """From to_json()'s form; KeyError, TypeError or ValueError when it is not that."""
        return cls(data.get("primaryKey"), data.get("secondaryKey"), [Token(t["token"], int(t["expires"])) for t in data.get("tokens", [])])

    def keys_as_azure(self) -> dict:
        """What `az ml online-endpoint get-credentials` prints for keys."""
        return {"primaryKey": self.primary_key, "secondaryKey": self.secondary_key}


class KeyStore:
    """One endpoint's credentials in `path` (mode 0600, its folder 0700)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def load(self) -> Credentials:
        """What the file holds; a file whose keys or tokens are not what the front can carry verbatim (a
        hand edit, say, with a space or a line break that would add entries to the front's key map) is refused."""
        if not self.path.exists():
            return Credentials()
        try:
            credentials = Credentials.from_json(json.loads(self.path.read_text(encoding="utf-8")))
            values = [credentials.primary_key, credentials.secondary_key, *(t.value for t in credentials.tokens)]
            if not all(value is None or (isinstance(value, str) and _KEY_VALUE.fullmatch(value)) for value in values):
                raise ValueError("a key or token that is not 16 to 256 letters, digits, '+', '/', '=', '_' or '-'")
            return credentials
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
            raise FrontError(
                f"The credentials file {self.path} cannot be read ({type(err).__name__}); delete it and regenerate the keys."
            ) from None

    def ensure(self, auth_mode: str) -> Credentials:
        """The stored credentials, with two keys created the first time a key endpoint needs them."""
        credentials = self.load()
        if auth_mode == "key" and not (credentials.primary_key and credentials.secondary_key):
            with self._changing():
                credentials = self.load()  # another process may have made them meanwhile
                credentials.primary_key = credentials.primary_key or new_key()
                credentials.secondary_key = credentials.secondary_key or new_key()
                self.save(credentials)
        return credentials

    def regenerate(self, key_type: str, value: str | None = None) -> Credentials:
        """A new primary or secondary key (random, or `value` as `az ml ... regenerate-keys --key-value`)."""
        if key_type not in KEY_TYPES:
            raise FrontError(f"--key-type must be primary or secondary, not {key_type!r}.")
        if value is not None and not _KEY_VALUE.fullmatch(value):
            raise FrontError("A key must be at least 16 characters: letters, digits, '+', '/', '=', '_' or '-'.")
        with self._changing():
            credentials = self.load()
            setattr(credentials, f"{key_type}_key", value or new_key())
            self.save(credentials)
        return credentials

    def issue_token(self, lifetime_s: int = TOKEN_LIFETIME_S, now: float | None = None) -> Token:
        """A new token that expires after `lifetime_s`; expired ones are dropped."""
        now = time.time() if now is None else now
        token = Token.new(lifetime_s, now)
        with self._changing():
            credentials = self.load()
            credentials.tokens = credentials.valid_tokens(now) + [token]
            self.save(credentials)
        return token

    @contextlib.contextmanager
    def _changing(self):
        """Read-change-write by one process at a time (two regenerations at once must both count): an
        flock on the folder, which the kernel drops if the process dies. A delete removes the folder
        once it is empty, so the lock taken must be on the folder that is there now."""
        while True:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                folder = os.open(self.path.parent, os.O_RDONLY)
            except FileNotFoundError:
                continue  # a delete removed it between the two calls
            except FileExistsError:  # pathlib's mkdir says so when the folder was removed meanwhile, or is a file
                if os.path.isdir(self.path.parent) or not os.path.lexists(self.path.parent):
                    continue
                raise FrontError(f"{self.path.parent} is not a folder, so no keys can be kept in it; move it aside.") from None
            try:
                fcntl.flock(folder, fcntl.LOCK_EX)
                if _still_there(folder, self.path.parent):
                    break
            except BaseException:
                os.close(folder)
                raise
            os.close(folder)  # a delete removed it while this process waited: lock the one made anew
        try:
            yield
        finally:
            os.close(folder)

    def save(self, credentials: Credentials) -> None:
        """Write atomically; the file is never readable by others, not even for a moment."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.path.parent, 0o700)
        data = credentials.to_json()
        descriptor, temporary = tempfile.mkstemp(prefix=".credentials-", dir=self.path.parent)  # mode 0600
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(data, handle)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def delete(self) -> None:
        with self._changing():
            self.path.unlink(missing_ok=True)
            try:
                self.path.parent.rmdir()  # only when nothing else is kept there
            except OSError:
                pass


def _still_there(descriptor: int, path: Path) -> bool:
    """Whether the open folder `descriptor` is still the one at `path`."""
    try:
        now = os.stat(path)
    except FileNotFoundError:
        return False
    opened = os.fstat(descriptor)
    return (now.st_dev, now.st_ino) == (opened.st_dev, opened.st_ino)
