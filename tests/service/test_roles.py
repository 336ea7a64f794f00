"""Every protected endpoint x every role (and no token, and a forged token): 401 without a valid token,
403 with the wrong role, and never 401/403 for the roles the permission table grants."""

from __future__ import annotations

import pytest
from tests.service.helpers import Service, application

from visalever.service.auth import PERMISSIONS
from visalever.service.tokens import ROLES

# (method, path, body, permission). Bodies are valid so that an allowed role gets past auth.
ENDPOINTS = [
    ("POST", "/v1/decisions", application("roles-1", "FRA"), "decisions.create"),
    ("GET", "/v1/decisions/dec_unknown", None, "decisions.read"),
    ("POST", "/v1/quotas", {"quota_id": "roles-q", "nationality": "BRA", "category": "study",
                            "start": "2026-01-01", "end": "2026-01-31", "limit": 3}, "quotas.write"),
    ("GET", "/v1/quotas/roles-q", None, "quotas.read"),
    ("POST", "/v1/designations", {"id": "roles-d", "jurisdiction": "uk", "iso3": "BRA", "kind": "warning",
                                  "title": "test", "start": "2026-01-01",
                                  "sources": [{"title": "test", "instrument": "test"}]},
     "designations.write"),
    ("PATCH", "/v1/designations/roles-d", {"note": "amended"}, "designations.write"),
    ("GET", "/v1/audit/verify", None, "audit.read"),
]
PUBLIC = ["/healthz", "/v1/countries", "/v1/countries/AGO", "/v1/policies", "/v1/policies/uk-statutory",
          "/v1/agreements", "/v1/designations", "/openapi.json", "/docs"]


def _call(service: Service, method: str, path: str, body: object, headers: dict[str, str]) -> int:
    with service.client() as c:
        return c.request(method, path, json=body, headers=headers).status_code


@pytest.mark.parametrize(("method", "path", "body", "permission"), ENDPOINTS,
                         ids=[f"{m} {p}" for m, p, *_ in ENDPOINTS])
def test_matrix(sqlite_service: Service, method: str, path: str, body: object, permission: str) -> None:
    assert _call(sqlite_service, method, path, body, {}) == 401
    assert _call(sqlite_service, method, path, body, {"Authorization": "Bearer vl_forged"}) == 401
    assert _call(sqlite_service, method, path, body, {"Authorization": "Basic abc"}) == 401
    allowed = PERMISSIONS[permission]
    for role in ROLES:
        status = _call(sqlite_service, method, path, body,
                       {"Authorization": f"Bearer {sqlite_service.tokens[role]}"})
        if role in allowed:
            assert status not in (401, 403), (role, method, path, status)
        else:
            assert status == 403, (role, method, path, status)


@pytest.mark.parametrize("path", PUBLIC)
def test_public_reads_need_no_token(sqlite_service: Service, path: str) -> None:
    with sqlite_service.client() as c:
        assert c.get(path).status_code == 200


def test_only_hashes_are_stored(sqlite_service: Service) -> None:
    stored = {r[0] for r in sqlite_service.sql("SELECT token_hash FROM tokens")}
    for token in sqlite_service.tokens.values():
        assert token not in stored
        assert all(token not in h for h in stored)
