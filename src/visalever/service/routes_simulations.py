"""`POST /v1/simulations` starts a simulation job, `GET /v1/simulations/{id}` reports it; both need
`simulations.run` (analyst, policy_admin).

`policy` and `baseline` name a packaged policy (`GET /v1/policies`) or a reform the caller uploaded
(`POST /v1/reforms`); they are never file paths, so a request cannot make the server open, or
reveal the existence of, any file. A POST returns a job id; short runs may already be `done` in that
first answer (the server waits briefly), long runs report `progress` in 0..1 until the result is
there. Jobs run in the process that received the POST and are stored in the database
(`simulation_jobs`), so any process or host answers the GET; a job is visible to the token that
started it only.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from visalever.errors import InputError
from visalever.service import reforms
from visalever.service.auth import Principal, require
from visalever.service.errors import NotFound, Unprocessable
from visalever.service.schemas import SimulationJobOut, error_responses
from visalever.service.simulation_jobs import JobStore
from visalever.simulate.jobs import RUNNER
from visalever.simulate.run import SimulationRequest, simulate

router = APIRouter(prefix="/v1", tags=["simulations"])

# How long POST waits for a run to finish before answering with a running job.
SHORT_RUN_WAIT_SECONDS = 2.0
POLICY_REF = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$"


class SimulationBody(SimulationRequest):
    """What to simulate. `policy` and `baseline` are policy ids, never file paths."""

    policy: str = Field(pattern=POLICY_REF,
                        description="Reform: a packaged policy id or an uploaded reform id")
    baseline: str = Field("uk-statutory", pattern=POLICY_REF,
                          description="Baseline: a packaged policy id or an uploaded reform id")


def _packaged_ids() -> set[str]:
    from visalever.policy import list_policies

    return {p["id"] for p in list_policies()}


def _resolve(request: Request, body: SimulationBody, owner: str) -> dict[str, Any]:
    """Load both policies now (422 naming the field); uploaded reforms come from the database."""
    from visalever.policy import load_policy

    packaged = _packaged_ids()
    loaded: dict[str, Any] = {}
    for field in ("baseline", "policy"):
        ref = getattr(body, field)
        if ref in packaged:
            try:
                load_policy(ref)
            except InputError as err:
                raise Unprocessable(f"{field}: {err}") from None
        elif reforms.REFORM_ID.match(ref):
            loaded[ref] = reforms.load_for(request.app.state.engine, ref, owner, field)
        else:
            known = ", ".join(sorted(packaged))
            raise Unprocessable(f"{field}: {ref!r} is neither a packaged policy ({known}) nor the id of a "
                                "reform uploaded with this token (POST /v1/reforms)")
    return loaded


@router.post("/simulations", status_code=202, response_model=SimulationJobOut,
             responses={201: {"model": SimulationJobOut, "description": "Finished (done or failed) at once"},
                        **error_responses(401, 403, 413, 422, 503)})
def create_simulation(request: Request, body: SimulationBody,
                      principal: Annotated[Principal, Depends(require("simulations.run"))]) -> JSONResponse:
    """Start a simulation; the answer carries the job id, and the result when it finished quickly."""
    loaded = _resolve(request, body, principal.token_id)
    run = SimulationRequest.model_validate(body.model_dump())
    job = RUNNER.submit(
        body.model_dump(mode="json"),
        lambda progress: simulate(run, progress=progress, policies=loaded),
        wait_seconds=0.0,
        on_change=_store(request).recorder(principal.token_id),
    )
    _wait(job, SHORT_RUN_WAIT_SECONDS)
    view = job.view()
    status = 201 if job.status in ("done", "failed") else 202
    return JSONResponse(view, status_code=status, headers={"Location": f"/v1/simulations/{job.id}"})


def _wait(job: Any, seconds: float) -> None:
    import time

    deadline = time.monotonic() + seconds
    while job.status in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.02)


@router.get("/simulations/{job_id}", response_model=SimulationJobOut,
            responses=error_responses(401, 403, 404, 503))
def get_simulation(request: Request, job_id: str,
                   principal: Annotated[Principal, Depends(require("simulations.run"))]) -> dict[str, Any]:
    """Status, progress (0..1) and, when done, the result of one of the caller's simulation jobs
    (answered by any server process: jobs are stored in the database)."""
    view = _store(request).get(job_id, principal.token_id)
    if view is None:
        raise NotFound(f"job_id: no simulation job {job_id!r} started with this token")
    return view


def _store(request: Request) -> JobStore:
    """The app's job store (one per app, made on first use)."""
    store = getattr(request.app.state, "simulation_jobs", None)
    if store is None:
        store = request.app.state.simulation_jobs = JobStore(request.app.state.engine)
    return store
