"""The whole route table (`app.routes`: API, dashboard pages and assets, docs) x every role x no token.

Every route must declare one permission (`public` or `require(...)`, see visalever.service.auth);
`public` is only for GET; a protected route answers 401 without a valid token (none, forged, wrong
scheme) and 403 for a role the permission table does not grant, and never 401/403 for one it does;
a public route never answers 401/403. Every status a documented route answers here is listed in
the OpenAPI document. A route added without a declaration fails here by name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.service.helpers import tokens_for

from visalever.service.auth import PERMISSIONS, PUBLIC, declared_permission, iter_routes
from visalever.service.tokens import ROLES

SAMPLE_PATH_VALUES = {"iso3": "AGO", "policy_id": "uk-statutory"}
_PARAM = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")


@pytest.fixture(scope="module")
def app_and_tokens(
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, TestClient, dict[str, str]]]:
    from visalever.service.app import create_app

    db_url = f"sqlite:///{Path(tmp_path_factory.mktemp('routes')) / 'service.db'}"
    tokens = tokens_for(db_url)
    app = create_app(db_url)
    with TestClient(app) as client:
        yield app, client, tokens
    app.state.engine.dispose()


def _operations(app: Any) -> list[tuple[Any, str]]:
    out = []
    for route in iter_routes(app):
        for method in sorted(getattr(route, "methods", None) or {"GET"}):
            if method != "HEAD":
                out.append((route, method))
    return out


def _concrete(path: str) -> str:
    return _PARAM.sub(lambda m: SAMPLE_PATH_VALUES.get(m.group(1), "x"), path)


def test_every_route_declares_a_permission(app_and_tokens: tuple[Any, TestClient, dict[str, str]]) -> None:
    app, _, _ = app_and_tokens
    missing, bad_public = [], []
    for route, method in _operations(app):
        where = f"{method} {getattr(route, 'path', route)}"
        permission = declared_permission(route)
        if permission is None:
            missing.append(where)
        elif permission == PUBLIC:
            if method != "GET":
                bad_public.append(where)
        else:
            assert permission in PERMISSIONS, where
    assert not missing, f"routes without a declared permission: {missing}"
    assert not bad_public, f"writes declared public: {bad_public}"
    paths = {getattr(r, "path", None) for r in iter_routes(app)}
    for expected in ("/v1/simulations", "/v1/reforms", "/scenarios/reform-files", "/v1/assessments",
                     "/openapi.json", "/docs", "/"):
        assert expected in paths, expected


def test_simulations_and_reform_uploads_need_simulations_run(
        app_and_tokens: tuple[Any, TestClient, dict[str, str]]) -> None:
    app, _, _ = app_and_tokens
    declared = {(m, r.path): declared_permission(r) for r, m in _operations(app)}
    for key in (("POST", "/v1/simulations"), ("GET", "/v1/simulations/{job_id}"), ("POST", "/v1/reforms"),
                ("GET", "/v1/reforms"), ("POST", "/scenarios/reform-files")):
        assert declared[key] == "simulations.run", key


def test_route_table_by_role(app_and_tokens: tuple[Any, TestClient, dict[str, str]]) -> None:
    app, client, tokens = app_and_tokens
    spec = client.get("/openapi.json").json()
    failures: list[str] = []
    undocumented: list[str] = []
    for route, method in _operations(app):
        permission = declared_permission(route)
        path = _concrete(route.path)
        documented = spec["paths"].get(route.path, {}).get(method.lower())

        def call(headers: dict[str, str], *, _method: str = method, _path: str = path) -> int:
            body: Any = {} if _method in ("POST", "PUT", "PATCH") else None
            return client.request(_method, _path, json=body, headers=headers).status_code

        cases: list[tuple[str, dict[str, str]]] = [
            ("no token", {}), ("forged token", {"Authorization": "Bearer vl_forged"}),
            ("basic auth", {"Authorization": "Basic abc"}),
            *[(role, {"Authorization": f"Bearer {tokens[role]}"}) for role in ROLES],
        ]
        for who, headers in cases:
            status = call(headers)
            where = f"{method} {route.path} as {who}: {status}"
            if permission == PUBLIC:
                ok = status not in (401, 403)
            elif who in ROLES:
                ok = status not in (401, 403) if who in PERMISSIONS[permission] else status == 403
            else:
                ok = status == 401
            if not ok:
                failures.append(where)
            if documented is not None and str(status) not in documented["responses"]:
                undocumented.append(where)
    assert not failures, failures
    assert not undocumented, f"statuses missing from the OpenAPI document: {undocumented}"
