"""Who may do what: bearer tokens mapped to roles, and the permission each route declares.

Every route of the app declares exactly one permission through a FastAPI dependency: `public`
(no token; only for GET/HEAD) or `require("<permission>")`, whose roles are listed in
`PERMISSIONS`. A missing, unknown, revoked or expired token answers 401; a valid token with
another role 403. `declared_permission(route)` reads the declaration back, so a test walks the
whole route table (`tests/service/test_route_permissions.py`) and fails on a route that declares
nothing or answers against its declaration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
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
    # Start simulations, read their jobs, upload and list one's own reforms.
    "simulations.run": frozenset({"analyst", "policy_admin"}),
}
PUBLIC = "public"  # the declaration of a route that needs no token (reads of public data)


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
    """`authenticate` for callers that already extracted the token (the ASGI fast path).

    `tokens.lookup(token)` reads the token in the database on every call (no cache), so a revoked or
    expired token is refused by every process from the next request on; it returns
    (token_id, role) or None, or raises `TokenRefused` saying why (revoked, expired)."""
    reason = "a valid bearer token is required"
    found = None
    if token:
        try:
            found = tokens.lookup(token)
        except TokenRefused as err:
            reason = str(err)
    if found is None:
        raise HTTPException(status_code=401, detail=f"Authorization: {reason}",
                            headers={"WWW-Authenticate": "Bearer"})
    principal = Principal(token_id=found[0], role=found[1])
    allowed = PERMISSIONS[permission]
    if principal.role not in allowed:
        raise HTTPException(status_code=403, detail=f"role {principal.role!r} may not {permission} "
                            f"(allowed: {', '.join(sorted(allowed))})")
    return principal


async def authorize_async(tokens: Any, token: str | None, permission: str) -> Principal:
    """`authorize` without blocking the event loop: the token read runs inline on SQLite (a few
    microseconds on a local file) and in a worker thread on PostgreSQL (a network round trip)."""
    if token and getattr(tokens, "blocking", False):
        import anyio

        return await anyio.to_thread.run_sync(authorize, tokens, token, permission)
    return authorize(tokens, token, permission)


class TokenRefused(Exception):
    """A token that exists but may no longer be used (revoked, expired): the message says which."""


def require(permission: str) -> Callable[[Request], Principal]:
    """A FastAPI dependency and the route's declaration: `Depends(require("quotas.write"))`."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")

    async def dependency(request: Request) -> Principal:
        return await authorize_async(request.app.state.tokens, bearer_token(request), permission)

    dependency.__name__ = f"require_{permission.replace('.', '_')}"
    dependency.permission = permission  # type: ignore[attr-defined]
    return dependency


def public() -> None:
    """The declaration of a route anyone may call without a token: `dependencies=[Depends(public)]`."""
    return None


public.permission = PUBLIC  # type: ignore[attr-defined]


def declared_permission(route: Any) -> str | None:
    """The permission a route declares (`PUBLIC` or a key of `PERMISSIONS`), None if it declares none.

    A route that declares two different permissions is a mistake and raises ValueError."""
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return None
    found = {getattr(dep.call, "permission", None) for dep in dependant.dependencies}
    found.discard(None)
    if len(found) > 1:
        where = getattr(route, "path", route)
        raise ValueError(f"route {where!r} declares several permissions: {sorted(found)}")
    return found.pop() if found else None


def iter_routes(app: Any) -> Iterator[Any]:
    """Every route the app serves, as served: with the dependencies of the routers it was included
    with (FastAPI 0.165+ keeps included routers lazily in `app.routes`; before, the list was flat)."""
    try:
        from fastapi.routing import iter_route_contexts  # type: ignore[attr-defined]
    except ImportError:  # an older FastAPI: app.routes holds the effective routes themselves
        yield from app.routes
    else:
        yield from iter_route_contexts(app.routes)
