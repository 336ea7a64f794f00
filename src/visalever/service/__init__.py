"""The decision service: HTTP API with roles, caps that never over-issue, idempotency, a hash-chained
audit log, on SQLite or PostgreSQL. `create_app(db_url, policy_id)` builds the ASGI app.
"""

from __future__ import annotations

from typing import Any


def create_app(db_url: str | None = None, policy_id: str = "uk-statutory", **kwargs: Any) -> Any:
    """Build the FastAPI app (imported lazily so `import visalever.service` stays cheap)."""
    from visalever.service.app import create_app as _create

    return _create(db_url, policy_id, **kwargs)


__all__ = ["create_app"]
