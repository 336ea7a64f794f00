"""Who may do what: bearer tokens mapped to roles, and the permission each endpoint needs.

Reads of public data need no token. Everything else names the roles allowed in `PERMISSIONS`;
a missing or unknown token answers 401, a valid token with another role 403. Routers owned by
other modules (assessments, simulations, the dashboard) use `require(...)` the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, Request

# permission -> roles allowed. Roles are not hierarchical: each grant is explicit and reviewed here.
PERMISSIONS: dict[str, frozenset[str]] = {
    "decisions.create": frozenset({"caseworker"}),
    "decisions.read": frozenset({"caseworker", "auditor"}),
    "quotas.write": frozenset({"policy_admin"}),
    "quotas.read": frozenset({"policy_admin", "caseworker", "auditor", "analyst", "viewer"}),
    "designations.write": frozenset({"policy_admin"}),
    "audit.read": frozenset({"auditor"}),
    "simulations.run": frozenset({"analyst", "policy_admin"}),
}


@dataclass(frozen=True)
class Principal:
    """The caller behind a valid token."""

    token_id: str
    role: str


def bearer_token(request: Request) -> str | None:
    """The token from `Authorization: Bearer <token>`, or None."""
    return token_from_header(request.headers.get("authorization"))


def authenticate(request: Request, permission: str) -> Principal:
    """Resolve the caller and check `permission` (401 without a valid token, 403 with the wrong role)."""
    return authorize(request.app.state.tokens, bearer_token(request), permission)


def token_from_header(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header value, or None."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def authorize(tokens: Any, token: str | None, permission: str) -> Principal:
    """`authenticate` for callers that already extracted the token (the ASGI fast path)."""
    found = tokens.lookup(token) if token else None
    if found is None:
        raise HTTPException(status_code=401, detail="Authorization: a valid bearer token is required",
                            headers={"WWW-Authenticate": "Bearer"})
    principal = Principal(token_id=found[0], role=found[1])
    allowed = PERMISSIONS[permission]
    if principal.role not in allowed:
        raise HTTPException(status_code=403, detail=f"role {principal.role!r} may not {permission} "
                            f"(allowed: {', '.join(sorted(allowed))})")
    return principal


def require(permission: str):  # type: ignore[no-untyped-def]
    """A FastAPI dependency: `principal: Principal = Depends(require("quotas.write"))`."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")

    def dependency(request: Request) -> Principal:
        return authenticate(request, permission)

    dependency.__name__ = f"require_{permission.replace('.', '_')}"
    return dependency
