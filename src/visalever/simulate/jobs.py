"""Background simulation jobs: an id, a status, a progress fraction and, when done, the result.

Simulations with microdata or many draws take seconds; the API must answer at once. A small in-process
runner (one worker thread per job, bounded by a semaphore) is enough for one server process; results
are kept in memory for the life of the process, the oldest evicted first beyond `max_jobs`.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
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
    ) -> Job:
        """Start `work(progress)` in a thread and return its job; wait up to `wait_seconds` for short runs."""
        job = Job(id=uuid.uuid4().hex, request=request)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > self._max_jobs:
                self._jobs.popitem(last=False)

        def progress(fraction: float, message: str) -> None:
            job.progress = max(job.progress, min(1.0, float(fraction)))
            job.message = message

        def target() -> None:
            with self._slots:
                job.status = "running"
                try:
                    job.result = work(progress)
                    job.progress = 1.0
                    job.status = "done"
                except InputError as err:
                    job.error = str(err)
                    job.status = "failed"
                except Exception as err:  # noqa: BLE001 - a job's failure is reported, not raised in a thread
                    job.error = f"{type(err).__name__}: {err}"
                    job.status = "failed"
                finally:
                    job.finished = datetime.now(UTC).isoformat()

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
