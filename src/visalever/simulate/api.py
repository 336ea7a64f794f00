"""HTTP endpoints of the simulator: POST /v1/simulations starts a job, GET /v1/simulations/{id} reports it.

The router is included into the service app by the service module. A POST always returns a job id;
short runs may already be `done` in that first answer (the server waits briefly), long runs report
`progress` in 0..1 until the result is there. Bad requests (unknown policy, bad YAML) end the job as
`failed` with the one-line error, or are refused with 422 by validation.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse

from visalever.simulate.jobs import RUNNER
from visalever.simulate.run import SimulationRequest, simulate

router = APIRouter(tags=["simulations"])

# How long POST waits for a run to finish before answering with a running job.
SHORT_RUN_WAIT_SECONDS = 2.0


def _check_policies(request: SimulationRequest) -> None:
    """Refuse unknown policies and non-YAML paths at once (422, one line), before any job starts."""
    from visalever import policy as law
    from visalever.errors import InputError

    for field in ("baseline", "policy"):
        ref = getattr(request, field)
        looks_like_path = "/" in ref or "\\" in ref or ref.endswith((".yaml", ".yml"))
        if looks_like_path and not ref.endswith((".yaml", ".yml")):
            detail = f"{field}: a reform file must be a .yaml file: {ref!r}"
            raise HTTPException(status_code=422, detail=detail)
        try:
            law.load_policy(ref)
        except InputError as err:
            raise HTTPException(status_code=422, detail=f"{field}: {err}") from None


@router.post("/v1/simulations", status_code=202)
def create_simulation(request: SimulationRequest) -> JSONResponse:
    """Start a simulation; the answer carries the job id, and the result when it finished quickly."""
    _check_policies(request)
    job = RUNNER.submit(
        request.model_dump(mode="json"),
        lambda progress: simulate(request, progress=progress),
        wait_seconds=SHORT_RUN_WAIT_SECONDS,
    )
    view = job.view()
    status = 201 if job.status in ("done", "failed") else 202
    return JSONResponse(view, status_code=status, headers={"Location": f"/v1/simulations/{job.id}"})


@router.get("/v1/simulations/{job_id}")
def get_simulation(job_id: str) -> dict[str, Any]:
    """Status, progress (0..1) and, when done, the result of one simulation job."""
    job = RUNNER.get(job_id)
    if job is None:
        raise HTTPException(status_code=404, detail=f"no simulation job {job_id!r}")
    return job.view()
