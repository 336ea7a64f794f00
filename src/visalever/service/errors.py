"""HTTP-facing errors: each carries a status and a one-line message naming the property at fault."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """An error the API turns into `{"error": message}` with `status`."""

    status = 400

    def __init__(self, message: str, *, detail: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class NotFound(ServiceError):
    """The resource named in the path does not exist."""

    status = 404


class Conflict(ServiceError):
    """The request clashes with stored state (idempotency key reused with another body, duplicate id)."""

    status = 409


class Unprocessable(ServiceError):
    """Well-formed JSON whose content is wrong (unknown exemption, invalid designation, ...)."""

    status = 422


class Unavailable(ServiceError):
    """A component the endpoint needs is not installed (e.g. the policy engine)."""

    status = 503
