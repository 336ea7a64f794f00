"""Reform uploads and simulations take no file paths from callers (issue 17, defects 1-4):

- `POST /v1/simulations` and reform uploads need a token with `simulations.run`;
- `policy`/`baseline` are a packaged policy id or an uploaded reform's id, never a path, so a request
  can neither probe for files nor make the server parse its own database;
- an upload is validated in memory and stored in the database with its owner and SHA-256; nothing is
  written to the temp folder, refused or accepted;
- YAML nested 1,000 deep (and alias bombs, oversize bodies, non-UTF-8) answers 4xx, never 500.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.service.helpers import Service, tokens_for
from tests.support.servers import ServeProcess

from visalever.service.reforms import MAX_REFORM_BYTES

MARKER = "reform-upload-marker-7f3a"
REFORM = f"""\
id: test-upload-pak
extends: uk-statutory
title: Test upload - s.70 surcharge on Pakistani visit visas ({MARKER})
status: scenario
note: HYPOTHETICAL scenario uploaded by a test; not law.
designations:
  - id: test-upload-pak-surcharge
    jurisdiction: uk
    iso3: PAK
    kind: penalty
    title: Test upload - surcharge
    start: 2025-01-01
    hypothetical: true
    sources: [{{title: Test scenario, url: "https://www.gov.uk/"}}]
    measures: [{{measure: s70_surcharge, categories: [visit]}}]
"""


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """A server whose temp folder (TMPDIR) is a fresh empty directory, to see what it writes there."""
    base = tmp_path_factory.mktemp("reforms")
    tmpdir = base / "tmp"
    tmpdir.mkdir()
    db_url = f"sqlite:///{base / 'service.db'}"
    tokens = tokens_for(db_url)
    from visalever.service.db import open_database
    from visalever.service.tokens import create_token

    engine = open_database(db_url)
    tokens["analyst2"] = create_token(engine, "analyst", "second analyst")
    engine.dispose()
    with ServeProcess(db_url, extra_env={"TMPDIR": str(tmpdir)}) as server:
        svc = Service(server, db_url, tokens)
        svc.tmpdir = tmpdir  # type: ignore[attr-defined]
        yield svc


def _post(service: Service, path: str, body: bytes | str, role: str | None = "analyst") -> httpx.Response:
    headers = {"Content-Type": "application/yaml"}
    if role:
        headers["Authorization"] = f"Bearer {service.tokens[role]}"
    with httpx.Client(base_url=service.url, timeout=60) as c:
        return c.post(path, content=body.encode() if isinstance(body, str) else body, headers=headers)


def _token_id(service: Service, role: str) -> str:
    digest = hashlib.sha256(service.tokens[role].encode()).hexdigest()
    return service.sql("SELECT token_id FROM tokens WHERE token_hash = ?", (digest,))[0][0]


def _reform_rows(service: Service) -> int:
    return service.sql("SELECT COUNT(*) FROM reforms")[0][0]


def _nothing_in_tmp(service: Service) -> None:
    written = [p for p in Path(service.tmpdir).rglob("*") if p.is_file()]  # type: ignore[attr-defined]
    assert not written, f"the server wrote to its temp folder: {written}"


@pytest.mark.parametrize("path", ["/v1/reforms", "/scenarios/reform-files"])
def test_upload_needs_simulations_run(service: Service, path: str) -> None:
    before = _reform_rows(service)
    assert _post(service, path, REFORM, role=None).status_code == 401
    for role in ("viewer", "caseworker", "auditor"):
        assert _post(service, path, REFORM, role=role).status_code == 403, role
    assert _reform_rows(service) == before
    _nothing_in_tmp(service)


def test_upload_is_stored_in_the_database_with_owner_and_hash(service: Service) -> None:
    first = _post(service, "/v1/reforms", REFORM)
    assert first.status_code in (200, 201), first.text
    body = first.json()
    digest = hashlib.sha256(REFORM.encode()).hexdigest()
    assert body["sha256"] == digest and body["owner"] == _token_id(service, "analyst")
    assert body["policy_id"] == "test-upload-pak" and body["id"].startswith("rf_")
    rows = service.sql("SELECT owner, sha256, body FROM reforms WHERE reform_id = ?", (body["id"],))
    assert rows == [(body["owner"], digest, REFORM)]
    again = _post(service, "/scenarios/reform-files", REFORM)  # the dashboard's URL: same reform
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert again.json()["path"] == body["id"]
    other = _post(service, "/v1/reforms", REFORM, role="analyst2")
    assert other.status_code == 201 and other.json()["id"] != body["id"]
    with service.client("analyst") as c:
        mine = c.get("/v1/reforms").json()
    assert body["id"] in {r["id"] for r in mine} and other.json()["id"] not in {r["id"] for r in mine}
    assert all("body" not in r for r in mine)
    _nothing_in_tmp(service)


DEEP_BLOCK = "id: x\nv:\n" + "- " * 1000 + "1\n"  # block sequences nested 1,000 deep in 2 kB
BOMB = "a: &a [1,1,1,1,1,1,1,1,1,1]\n" + "".join(
    f"{n}: &{n} [{', '.join(['*' + p] * 10)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True))
REFUSED = [
    ("nested 1,000 deep (block)", DEEP_BLOCK, 422, "nested"),
    ("nested 1,000 deep (flow)", "id: x\nv: " + "[" * 1000 + "]" * 1000 + "\n", 422, "nested"),
    ("nested 1,000 deep (flow map)", "a: " + "{b: " * 1000 + "1" + "}" * 1000 + "\n", 422, "nested"),
    ("alias bomb", BOMB, 422, "nodes"),
    ("broken YAML", "id: [broken\n", 422, "reform file"),
    ("not a mapping", "- 1\n- 2\n", 422, "mapping"),
    ("not UTF-8", b"id: \xff\xfe\n", 422, "UTF-8"),
    ("unknown measure", REFORM.replace("s70_surcharge", "s70_nothing"), 422, "measure"),
    ("javascript: link", REFORM.replace('"https://www.gov.uk/"', '"javascript:alert(1)"'), 422,
     "designations.0.sources.0.url"),
    ("a file on the server", REFORM.replace("extends: uk-statutory", "designations_file: ../../x.yaml"),
     422, "designations_file"),
    ("too large", "# " + "x" * MAX_REFORM_BYTES + "\n" + REFORM, 413, "larger"),
]


@pytest.mark.parametrize(("name", "text", "status", "named"), REFUSED, ids=[r[0] for r in REFUSED])
def test_bad_uploads_are_refused_in_memory(service: Service, name: str, text: Any, status: int,
                                           named: str) -> None:
    before = _reform_rows(service)
    for path in ("/v1/reforms", "/scenarios/reform-files"):
        r = _post(service, path, text)
        assert r.status_code == status, (name, r.status_code, r.text[:300])
        error = r.json()["error"]
        assert named in error and "\n" not in error, (name, error)
    assert _reform_rows(service) == before
    _nothing_in_tmp(service)


def test_simulations_need_simulations_run(service: Service) -> None:
    body = {"policy": "uk-transactional-2025", "draws": 1}
    with httpx.Client(base_url=service.url, timeout=60) as c:
        assert c.post("/v1/simulations", json=body).status_code == 401
        assert c.get("/v1/simulations/whatever").status_code == 401
    for role in ("viewer", "caseworker", "auditor"):
        with service.client(role) as c:
            assert c.post("/v1/simulations", json=body).status_code == 403, role


@pytest.mark.parametrize("ref", ["pyproject.toml", "Makefile", "no-such-file.txt", "secret.txt",
                                 "/etc/passwd", "../../etc/hosts.yaml", "C:\\x.yaml", "x.yaml"])
def test_policy_is_never_a_file_path(service: Service, ref: str) -> None:
    """An existing and a missing file answer alike (nothing is opened), with no server path in it."""
    for field in ("policy", "baseline"):
        body = {"policy": "uk-transactional-2025", field: ref, "draws": 1}
        with service.client("analyst") as c:
            r = c.post("/v1/simulations", json=body)
        assert r.status_code == 422, (ref, r.text)
        error = r.json()["error"]
        assert error.startswith(field), error
        assert str(Path.cwd()) not in error and "exists" not in error and "/work" not in error


def test_policy_naming_the_database_file_is_a_422_not_a_500(service: Service) -> None:
    db_path = service.db_url.split("///", 1)[1]
    for ref in (db_path, Path(db_path).name):
        with service.client("analyst") as c:
            r = c.post("/v1/simulations", json={"policy": ref, "draws": 1})
        assert r.status_code == 422, r.text
        assert db_path not in r.json()["error"]


def _wait(c: httpx.Client, job: dict[str, Any]) -> dict[str, Any]:
    deadline = time.monotonic() + 180
    while job["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.3)
        r = c.get(f"/v1/simulations/{job['id']}")
        assert r.status_code == 200, r.text
        job = r.json()
        assert 0.0 <= job["progress"] <= 1.0
    return job


def test_simulation_of_an_uploaded_reform(service: Service) -> None:
    reform_id = _post(service, "/v1/reforms", REFORM).json()["id"]
    with service.client("analyst") as c:
        r = c.post("/v1/simulations", json={"policy": reform_id, "baseline": "uk-statutory", "draws": 1})
        assert r.status_code in (201, 202), r.text
        assert r.headers["location"].endswith(r.json()["id"])
        job = _wait(c, r.json())
    assert job["status"] == "done", job.get("error")
    by = {row["iso3"]: row for row in job["result"]["countries"]}
    assert by["PAK"]["surcharge_revenue"] > 0
    assert all(row["surcharge_revenue"] == 0 for code, row in by.items() if code != "PAK")
    with service.client("analyst2") as c:  # another owner sees neither the reform nor the job
        assert c.get(f"/v1/simulations/{job['id']}").status_code == 404
        r = c.post("/v1/simulations", json={"policy": reform_id, "draws": 1})
        assert r.status_code == 422 and r.json()["error"].startswith("policy")
    _nothing_in_tmp(service)


def test_packaged_policy_job_and_validation(service: Service) -> None:
    with service.client("policy_admin") as c:
        r = c.post("/v1/simulations", json={"policy": "uk-transactional-2025", "draws": 20})
        assert r.status_code in (201, 202), r.text
        job = _wait(c, r.json())
        assert job["status"] == "done", job.get("error")
        assert job["progress"] == 1.0
        assert set(job["result"]["totals"]["visas_not_issued"]) == {"p5", "p50", "p95"}
        assert c.get("/v1/simulations/nope").status_code == 404
        r = c.post("/v1/simulations", json={"policy": "uk-statutory", "draws": 0})
        assert r.status_code == 422 and r.json()["error"].startswith("draws")
        r = c.post("/v1/simulations", json={"policy": "no-such-policy"})
        assert r.status_code == 422 and "no-such-policy" in r.json()["error"]

