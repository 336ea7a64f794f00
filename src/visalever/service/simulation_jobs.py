"""Simulation jobs in the database, so that any server process (or host) answers for a job.

Why: with several processes behind a load balancer (`serve --workers N`, docs/DEPLOY.md) the GET
that follows a POST /v1/simulations usually reaches another process than the one running the job;
kept in memory only, the job was a 404 there. The process that runs a job stores every change of
status, its progress at most every `PROGRESS_EVERY_S` and the result when it finishes; a heartbeat
marks its unfinished jobs as still followed. A job whose process stopped (crash, restart) without
finishing it is reported `failed` with the reason once its heartbeat is `STALE_S` old, instead of
`running` for ever.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import threading
import time
from typing import Any

from sqlalchemy import Engine

from visalever.service.canonical import now_iso
from visalever.service.db import read_tx, write_tx
from visalever.simulate.jobs import Job

PROGRESS_EVERY_S = 0.5
HEARTBEAT_S = 5.0
STALE_S = 60.0
log = logging.getLogger("visalever.service")
_INSERT_SQL = ("INSERT INTO simulation_jobs (job_id, owner, runner, status, progress, message, request, "
               "result, error, created_at, finished_at, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_UPDATE_SQL = ("UPDATE simulation_jobs SET status = ?, progress = ?, message = ?, result = ?, error = ?, "
               "finished_at = ?, seen_at = ? WHERE job_id = ?")
_COLUMNS = "job_id, status, progress, message, request, created_at, finished_at, error, result, seen_at"


def _runner() -> str:
    """This process, as named in the rows it follows (host and pid, read at call time: after a fork)."""
    return f"{socket.gethostname()}:{os.getpid()}"


class JobStore:
    """Writes the jobs this process runs; reads any job for its owner."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._written: dict[str, tuple[str, float]] = {}  # job id -> (status, monotonic time) last written
        self._heartbeat: threading.Thread | None = None

    def recorder(self, owner: str) -> Any:
        """The `on_change` callback for `JobRunner.submit`: stores the job's changes for `owner`."""

        def record(job: Job) -> None:
            try:
                self._record(job, owner)
            except Exception as err:  # noqa: BLE001 - the job goes on; the next change writes again
                log.warning("simulation job %s: could not store its state (%s)", job.id, err)

        return record

    def _record(self, job: Job, owner: str) -> None:
        now = time.monotonic()
        final = job.status in ("done", "failed")
        with self._lock:  # one job's changes come one after another (submit, then its own thread)
            last = self._written.get(job.id)
        if last is not None and not final and last[0] == job.status and now - last[1] < PROGRESS_EVERY_S:
            return
        seen = now_iso()
        result = json.dumps(job.result, separators=(",", ":")) if job.result is not None else None
        with write_tx(self._engine) as tx:
            if last is None:
                tx.run(_INSERT_SQL, (job.id, owner, _runner(), job.status, job.progress, job.message,
                                     json.dumps(job.request, separators=(",", ":")), result, job.error,
                                     job.created, job.finished, seen))
            else:
                tx.run(_UPDATE_SQL, (job.status, job.progress, job.message, result, job.error, job.finished,
                                     seen, job.id))
        with self._lock:  # noted only once stored: a failed INSERT is tried again at the next change
            if final:
                self._written.pop(job.id, None)
            else:
                self._written[job.id] = (job.status, now)
        self._start_heartbeat()

    def _start_heartbeat(self) -> None:
        with self._lock:
            if self._heartbeat is not None and self._heartbeat.is_alive():
                return
            self._heartbeat = threading.Thread(target=self._beat, name="simulation-heartbeat", daemon=True)
            self._heartbeat.start()

    def _beat(self) -> None:
        """Every HEARTBEAT_S while this process runs unfinished jobs, mark them as still followed."""
        while True:
            time.sleep(HEARTBEAT_S)
            with self._lock:
                if not self._written:
                    self._heartbeat = None
                    return
            try:
                with write_tx(self._engine) as tx:
                    tx.run("UPDATE simulation_jobs SET seen_at = ? WHERE runner = ? "
                           "AND status IN ('queued', 'running')", (now_iso(), _runner()))
            except Exception as err:  # noqa: BLE001 - tried again at the next beat
                log.warning("simulation jobs: heartbeat not stored (%s)", err)

    def get(self, job_id: str, owner: str) -> dict[str, Any] | None:
        """The job as GET /v1/simulations/{id} shows it, if `owner` started it; else None."""
        with read_tx(self._engine) as tx:
            row = tx.first(f"SELECT {_COLUMNS} FROM simulation_jobs WHERE job_id = ? AND owner = ?",
                           (job_id, owner))
        if row is None:
            return None
        (job_id, status, progress, message, request, created, finished, error, result, seen) = row
        view = {"id": job_id, "status": status, "progress": round(float(progress), 4), "message": message,
                "request": json.loads(request), "created": created, "finished": finished, "error": error,
                "result": json.loads(result) if result is not None else None}
        if status in ("queued", "running"):
            age = (dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(seen)).total_seconds()
            if age > STALE_S:
                view.update(status="failed", error=(
                    f"the server process running this job stopped before it finished (last seen {seen}, "
                    f"{age:.0f} s ago); start the simulation again"))
        return view
