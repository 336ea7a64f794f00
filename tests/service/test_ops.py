"""Operating the service (issue 17, defects 7 and 9): request size limits, readiness and metrics, a
PostgreSQL outage (503 + Retry-After and one log line each way, no traceback per request), `serve`
waiting for a database that is not up yet, and SIGTERM finishing the decisions in flight."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import threading
import time

import httpx
import pytest
from tests.conftest import missing
from tests.service.helpers import Service, application, run_sql, tokens_for
from tests.support.postgres import PostgresServer, postgres_bin
from tests.support.servers import ServeProcess, free_port, run_cli

QUOTA = {"quota_id": "ops", "nationality": "IND", "category": "work", "start": "2026-01-01",
         "end": "2026-12-31", "limit": 1000}


def _raw_request(port: int, head: bytes, body_chunks: list[bytes] | None = None) -> bytes:
    """Send bytes as they are (chunked bodies, oversized heads) and read the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(head)
        for chunk in body_chunks or []:
            try:
                s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except OSError:  # the server answered 413 and closed: stop sending
                break
        else:
            if body_chunks is not None:
                s.sendall(b"0\r\n\r\n")
        data = b""
        while True:
            try:
                part = s.recv(65536)
            except ConnectionResetError:
                break
            if not part:
                break
            data += part
            if b"\r\n\r\n" in data and data.split(b"\r\n\r\n", 1)[0].lower().find(b"connection: close") >= 0:
                head_, rest = data.split(b"\r\n\r\n", 1)
                length = [int(line.split(b":")[1]) for line in head_.split(b"\r\n")
                          if line.lower().startswith(b"content-length:")]
                if length and len(rest) >= length[0]:
                    break
    return data


def test_size_limits(sqlite_service: Service) -> None:
    port = sqlite_service.server.port
    token = sqlite_service.tokens["policy_admin"].encode()
    # a 1.5 MB chunked body gets 413 (it was 400) on a routed endpoint and on the decision fast path
    for path in (b"/v1/quotas", b"/v1/decisions"):
        head = (b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token +
                b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        answer = _raw_request(port, head, [b" " * 65536] * 24)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert b'"error":"body: request body is larger than' in answer
    # a 1 MB header gets 431 (it was accepted); a 20 kB one is fine
    big = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 1_000_000 + b"\r\n\r\n"
    answer = _raw_request(port, big)
    assert answer.startswith(b"HTTP/1.1 431"), answer[:200]
    with httpx.Client(base_url=sqlite_service.url) as c:
        assert c.get("/healthz", headers={"X-Big": "a" * 20_000}).status_code == 200
        # after a big body on a kept-alive connection the next request still parses
        assert c.post("/v1/decisions", content=b"x" * 900_000).status_code in {401, 422}
        assert c.get("/healthz").status_code == 200


def test_readyz_and_metrics(sqlite_service: Service) -> None:
    with sqlite_service.client("caseworker") as c:
        ready = c.get("/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "ready", ready.text
        for i in range(3):
            assert c.post("/v1/decisions", json=application(f"m-{i}", "FRA")).status_code == 200
        text = c.get("/metrics").text
    proceed = [line for line in text.splitlines()
               if line.startswith('visalever_decisions_total{outcome="proceed"}')]
    assert proceed and float(proceed[0].split()[-1]) >= 3, text[:2000]
    assert "visalever_decision_batch_size_bucket" in text
    assert "visalever_decision_seconds_bucket" in text
    with httpx.Client(base_url=sqlite_service.url) as c:  # the OpenAPI document lists both, with 503
        paths = c.get("/openapi.json").json()["paths"]
    assert "503" in paths["/readyz"]["get"]["responses"] and "/metrics" in paths


@pytest.fixture()
def own_pg() -> PostgresServer:
    """A cluster of its own: this test kills it."""
    if postgres_bin() is None:
        missing("postgresql server binaries (apt-get install postgresql)")
    server = PostgresServer(port=free_port())
    yield server
    server.stop()


def test_serve_waits_then_survives_a_database_crash(own_pg: PostgresServer) -> None:
    db_url = f"postgresql+psycopg://postgres@127.0.0.1:{own_pg.port}/postgres"
    # nothing listens yet: `serve` waits (with backoff) instead of exiting with a traceback
    server = ServeProcess(db_url, extra_env={"VISALEVER_DB_WAIT": "60"}, startup_timeout=90)
    started: list[BaseException | None] = []
    thread = threading.Thread(target=lambda: started.append(_start(server)))
    thread.start()
    time.sleep(2.0)
    own_pg.start()
    thread.join(120)
    assert started == [None], started
    try:
        assert "waiting for the database" in server.log_tail()
        tokens = tokens_for(db_url)
        service = Service(server, db_url, tokens)
        with service.client("policy_admin") as c:
            assert c.post("/v1/quotas", json=QUOTA).status_code == 201
        cw = service.client("caseworker")
        assert cw.post("/v1/decisions", json=application("before", "IND")).status_code == 200

        own_pg.kill()
        for i in range(15):  # every route answers 503 with the JSON body and Retry-After, never 500
            for r in (cw.post("/v1/decisions", json=application(f"down-{i}", "IND")),
                      cw.get("/v1/quotas/ops"), cw.get("/readyz")):
                assert r.status_code == 503, (r.status_code, r.text)
                assert r.headers["retry-after"] and r.json()["error"].startswith("database:")
        assert cw.get("/healthz").status_code == 200  # alive: no restart needed

        own_pg.restart()
        deadline = time.monotonic() + 30
        while cw.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, "the server did not come back after the database did"
            time.sleep(0.2)
        assert cw.post("/v1/decisions", json=application("after", "IND")).status_code == 200
        log = server.log_tail(200_000)
        assert log.count("database unreachable") == 1, log[-3000:]
        assert log.count("database reachable again") == 1, log[-3000:]
        assert "Traceback" not in log, log[-3000:]
        cw.close()
    finally:
        server.stop()
    used = run_sql(db_url, "SELECT used FROM quotas WHERE quota_id = 'ops'")[0][0]
    grants = run_sql(db_url, "SELECT COUNT(*) FROM decisions WHERE outcome = 'proceed' AND quota_id = 'ops'")
    assert used == grants[0][0] == 2
    done = run_cli("audit", "verify", "--db", db_url, "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr


def test_worker_started_during_an_outage_waits(own_pg: PostgresServer,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker process (uvicorn starts or restarts one from `app_from_env`) waits for an unreachable
    database for `--db-wait` seconds, as `serve` does, instead of dying with a traceback."""
    from fastapi.testclient import TestClient

    from visalever.service.app import app_from_env

    db_url = f"postgresql+psycopg://postgres@127.0.0.1:{own_pg.port}/postgres"
    monkeypatch.setenv("VISALEVER_DB", db_url)
    monkeypatch.setenv("VISALEVER_DB_WAIT", "60")
    built: list[object] = []
    thread = threading.Thread(target=lambda: built.append(_build(app_from_env)))
    thread.start()
    time.sleep(1.5)
    assert thread.is_alive() and not built  # still waiting, not failed
    own_pg.start()
    thread.join(120)
    assert len(built) == 1 and not isinstance(built[0], BaseException), built
    with TestClient(built[0]) as client:  # type: ignore[arg-type]
        assert client.get("/readyz").status_code == 200
        # the decision fast path wraps the app: no token is a 401 with the JSON body
        r = client.post("/v1/decisions", json=application("w", "IND"))
        assert r.status_code == 401 and r.json()["error"].startswith("Authorization")
    monkeypatch.setenv("VISALEVER_DB_WAIT", "0")
    own_pg.kill()
    with pytest.raises(Exception) as failed:  # noqa: PT011 - 0 s: the connection error, at once
        app_from_env()
    assert "127.0.0.1" in str(failed.value) or "connect" in str(failed.value).lower()


def _build(factory: object) -> object:
    try:
        return factory()  # type: ignore[operator]
    except BaseException as err:  # noqa: BLE001 - reported to the test thread
        return err


def _start(server: ServeProcess) -> BaseException | None:
    try:
        server.start()
    except BaseException as err:  # noqa: BLE001 - reported to the test thread
        return err
    return None


def test_serve_gives_up_with_one_line() -> None:
    port = free_port()
    done = run_cli("serve", "--port", str(free_port()), "--db-wait", "1",
                   "--db", f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", timeout=60)
    assert done.returncode == 3, done.stderr
    assert "still unreachable after 1 s" in done.stderr and "Traceback" not in done.stderr


def test_sigterm_finishes_the_batch_in_flight(pg: PostgresServer) -> None:
    """48 decisions held in flight (the test holds the audit-head row lock), then SIGTERM, then the
    lock is released: every request is answered 200 and recorded before the process exits."""
    import psycopg

    db_url = pg.create_database()
    tokens = tokens_for(db_url)
    server = ServeProcess(db_url).start()
    auth = {"Authorization": f"Bearer {tokens['caseworker']}"}
    blocker = psycopg.connect(db_url.replace("postgresql+psycopg://", "postgresql://"))
    blocker.execute("SELECT value FROM counters WHERE name = 'audit_head' FOR UPDATE")

    async def load() -> list[object]:
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        async with httpx.AsyncClient(base_url=server.base_url, headers=auth, timeout=60, limits=limits) as c:
            async def one(i: int) -> object:
                try:
                    return await c.post("/v1/decisions", json=application(f"term-{i}", "FRA"))
                except httpx.HTTPError as err:
                    return err

            tasks = [asyncio.create_task(one(i)) for i in range(48)]
            await asyncio.sleep(2.0)  # all 48 are parsed and waiting for their batch
            os.killpg(server.proc.pid, signal.SIGTERM)  # type: ignore[union-attr]
            await asyncio.sleep(1.0)
            blocker.rollback()  # the batch in flight can commit now
            return await asyncio.gather(*tasks)

    try:
        results = asyncio.run(load())
        # uvicorn re-raises SIGTERM after its graceful shutdown: -15 is a clean exit here
        assert server.proc is not None and server.proc.wait(timeout=60) in {0, -signal.SIGTERM}
    finally:
        blocker.close()
        server.stop()
    statuses = [r.status_code if isinstance(r, httpx.Response) else repr(r) for r in results]
    assert statuses == [200] * 48, statuses
    stored = {row[0] for row in run_sql(db_url, "SELECT decision_id FROM decisions")}
    assert {r.json()["decision_id"] for r in results} == stored  # type: ignore[union-attr]
