"""Background simulation jobs: an id, a status, a progress fraction and, when done, the result.

Simulations with microdata or many draws take seconds; the API must answer at once. A small in-process
runner (one worker thread per job, bounded by a semaphore) runs them; results are kept in memory for
the life of the process, the oldest evicted first beyond `max_jobs`. The service also stores every
change through `on_change` (`visalever.service.simulation_jobs`), so that any process answers for
a job.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from visalever.errors import InputError


@dataclass
class Job:
    """The state of one simulation job, as GET /v1/simulations/{id} reports it."""

    id: str
    request: dict[str, Any]
    status: str = "queued"  # queued | running | done | failed
    progress: float = 0.0
    message: str = ""
    result: dict[str, Any] | None = None
    error: str | None = None
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    finished: str | None = None

    def view(self) -> dict[str, Any]:
        """The public view of the job (result included once done)."""
        return {
            "id": self.id,
            "status": self.status,
            "progress": round(self.progress, 4),
            "message": self.message,
            "request": self.request,
            "created": self.created,
            "finished": self.finished,
            "error": self.error,
            "result": self.result,
        }


class JobRunner:
    """Runs callables in background threads and tracks their progress; thread-safe."""

    def __init__(self, max_concurrent: int = 2, max_jobs: int = 200) -> None:
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._slots = threading.Semaphore(max_concurrent)
        self._max_jobs = max_jobs

    def submit(
        self,
        request: dict[str, Any],
        work: Callable[[Callable[[float, str], None]], dict[str, Any]],
        *,
        wait_seconds: float = 0.0,
        on_change: Callable[[Job], None] | None = None,
    ) -> Job:
        """Start `work(progress)` in a thread and return its job; wait up to `wait_seconds` for short runs.

        `on_change(job)` (e.g. a database store, so that other processes can answer for the job) is
        called once before the thread starts, then from the job's thread on every change of status
        or progress; it must not raise."""
        job = Job(id=uuid.uuid4().hex, request=request)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > self._max_jobs:
                self._jobs.popitem(last=False)
        changed = on_change or (lambda _job: None)
        changed(job)

        def progress(fraction: float, message: str) -> None:
            job.progress = max(job.progress, min(1.0, float(fraction)))
            job.message = message
            changed(job)

        def target() -> None:
            with self._slots:
                job.status = "running"
                changed(job)
                status, result, error = "failed", None, None
                try:
                    result, status = work(progress), "done"
                except InputError as err:
                    error = str(err)
                except Exception as err:  # noqa: BLE001 - a job's failure is reported, not raised in a thread
                    error = f"{type(err).__name__}: {err}"
                finished = datetime.now(UTC).isoformat()
                final = replace(job, status=status, result=result, error=error, finished=finished,
                                progress=1.0 if status == "done" else job.progress)
                changed(final)  # stored first: whoever sees the job finished here finds it stored too
                job.result, job.error, job.finished, job.progress = result, error, finished, final.progress
                job.status = status

        thread = threading.Thread(target=target, name=f"simulation-{job.id[:8]}", daemon=True)
        thread.start()
        if wait_seconds > 0:
            thread.join(wait_seconds)
        return job

    def get(self, job_id: str) -> Job | None:
        """The job with this id, or None if unknown or evicted."""
        with self._lock:
            return self._jobs.get(job_id)


RUNNER = JobRunner()
