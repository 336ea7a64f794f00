"""Simulation jobs are stored in the database: with several server processes on one database the
GET that follows a POST reaches any of them (it was a 404 on every process but the one running the
job), only for the token that started it, and a job whose process died is reported `failed` with the
reason instead of `running` for ever."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

from tests.service.helpers import Service, tokens_for
from tests.support.servers import ServeProcess


def test_any_process_answers_for_a_job(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'jobs.db'}"
    tokens = tokens_for(db_url)
    tokens["analyst2"] = tokens_for(db_url)["analyst"]  # a second analyst: another owner
    with ServeProcess(db_url) as a, ServeProcess(db_url) as b:
        on_a, on_b = Service(a, db_url, tokens), Service(b, db_url, tokens)
        with on_a.client("analyst") as ca, on_b.client("analyst") as cb, on_b.client("analyst2") as other:
            r = ca.post("/v1/simulations", json={"policy": "uk-transactional-2025", "draws": 20})
            assert r.status_code in (201, 202), r.text
            job_id = r.json()["id"]
            seen = []
            deadline = time.monotonic() + 180
            while True:  # follow it on the OTHER process
                r = cb.get(f"/v1/simulations/{job_id}")
                assert r.status_code == 200, r.text
                job = r.json()
                seen.append(job["status"])
                assert 0.0 <= job["progress"] <= 1.0
                if job["status"] not in ("queued", "running") or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert job["status"] == "done", job
            assert job["progress"] == 1.0 and job["finished"]
            assert set(job["result"]["totals"]["visas_not_issued"]) == {"p5", "p50", "p95"}
            assert job["request"]["policy"] == "uk-transactional-2025"
            assert ca.get(f"/v1/simulations/{job_id}").json() == job  # the same on both processes
            assert other.get(f"/v1/simulations/{job_id}").status_code == 404  # another token: not found


def test_a_job_whose_process_stopped_is_failed_with_the_reason(tmp_path: Path) -> None:
    from visalever.service.db import open_database, write_tx
    from visalever.service.simulation_jobs import STALE_S, JobStore

    engine = open_database(f"sqlite:///{tmp_path / 'stale.db'}")
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=STALE_S + 5)).isoformat()
    recent = dt.datetime.now(dt.UTC).isoformat()
    with write_tx(engine) as tx:
        for job_id, seen in (("gone", old), ("alive", recent)):
            tx.run("INSERT INTO simulation_jobs (job_id, owner, runner, status, progress, message, request, "
                   "result, error, created_at, finished_at, seen_at) "
                   "VALUES (?, 'tok_a', 'host-x:1', 'running', 0.4, 'draw 8 of 20', ?, NULL, NULL, ?, NULL, "
                   "?)",
                   (job_id, json.dumps({"policy": "uk-statutory"}), old, seen))
    store = JobStore(engine)
    gone = store.get("gone", "tok_a")
    assert gone is not None and gone["status"] == "failed" and "stopped before it finished" in gone["error"]
    alive = store.get("alive", "tok_a")
    assert alive is not None and alive["status"] == "running" and alive["error"] is None
    assert store.get("gone", "tok_b") is None
    engine.dispose()
