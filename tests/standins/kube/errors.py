"""API errors answered as the API server answers them: a v1 Status object."""

from __future__ import annotations

from .resources import Kind


class ApiError(Exception):
    def __init__(self, code: int, reason: str, message: str, details: dict | None = None) -> None:
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details

    def status(self) -> dict:
        body = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details is not None:
            body["details"] = self.details
        return body


def not_found(kind: Kind, name: str) -> ApiError:
    return ApiError(
        404,
        "NotFound",
        f'{kind.plural}{"." + kind.group if kind.group else ""} "{name}" not found',
        {"name": name, "group": kind.group, "kind": kind.plural},
    )


def already_exists(kind: Kind, name: str) -> ApiError:
    return ApiError(
        409,
        "AlreadyExists",
        f'{kind.plural}{"." + kind.group if kind.group else ""} "{name}" already exists',
        {"name": name, "group": kind.group, "kind": kind.plural},
    )


def invalid(kind: Kind, name: str, causes: list[dict]) -> ApiError:
    """422 Invalid, with one cause per field, worded like the API server's field errors."""
    listed = [f"{c['field']}: {c['message']}" for c in causes]
    joined = listed[0] if len(listed) == 1 else "[" + ", ".join(listed) + "]"
    return ApiError(
        422,
        "Invalid",
        f'{kind.qualified} "{name}" is invalid: {joined}',
        {"name": name, "group": kind.group, "kind": kind.kind, "causes": causes},
    )


def success(kind: Kind, name: str, uid: str) -> dict:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {"name": name, "group": kind.group, "kind": kind.plural, "uid": uid},
    }
