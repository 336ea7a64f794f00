"""Write endpoints: decisions (caseworker), quotas and designations (policy_admin), audit (auditor).

Each route declares its permission with `Depends(require(...))` and lists in `responses=` every error
status it can answer (the OpenAPI document is the contract schemathesis checks).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import Response

from visalever.service import audit, decisions, designations, group_commit, quotas
from visalever.service.auth import Principal, require
from visalever.service.db import read_tx
from visalever.service.errors import Unavailable, Unprocessable
from visalever.service.http import idempotency_key, idempotent_write, json_response, parse_body, run_db
from visalever.service.schemas import (
    AuditVerification,
    DecisionOut,
    DecisionRequest,
    QuotaOut,
    QuotaRequest,
    error_responses,
)
from visalever.service.urls import check_urls

router = APIRouter(prefix="/v1")

# Every write takes an Idempotency-Key (400 when malformed, 409 when reused with another body) and a
# body (413 over 1 MB, 422 when invalid); every route needs a token (401, 403) and the database (503).
WRITE_ERRORS = error_responses(400, 401, 403, 409, 413, 422, 503)
READ_ERRORS = error_responses(401, 403, 404, 422, 503)
IDEMPOTENCY_DOC = "Optional. The same key with the same body returns the first response; another body, 409."


def _runtime(request: Request) -> Any:
    runtime = request.app.state.runtime
    if runtime is None:
        raise Unavailable(f"policy: the policy engine is not available ({request.app.state.runtime_error})")
    return runtime


@router.post("/decisions", response_model=DecisionOut, responses=WRITE_ERRORS, tags=["decisions"],
             summary="Decide one visa application (consumes a quota unit when it proceeds under a cap)",
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": {"$ref": "#/components/schemas/DecisionRequest"}}}}})
async def post_decision(request: Request,
                        principal: Annotated[Principal, Depends(require("decisions.create"))]) -> Response:
    """Served by `visalever.service.fastpath` (same checks, no router); this route is the reference."""
    key = idempotency_key(request)
    body = parse_body(DecisionRequest, await request.body())
    runtime = _runtime(request)
    engine = request.app.state.engine
    if engine.dialect.name == "sqlite":  # group commit: one transaction for a turn's decisions
        batcher = getattr(request.app.state, "decision_batcher", None)
        if batcher is None:
            batcher = request.app.state.decision_batcher = group_commit.DecisionBatcher(engine, runtime)
        status, text = await batcher.submit(body, key, principal.token_id)
        return json_response(None, status, text)
    status, text = await run_db(
        engine, lambda: decisions.decide_and_record(engine, runtime, body, key, principal.token_id))
    return json_response(None, status, text)


@router.get("/decisions/{decision_id}", response_model=DecisionOut, responses=READ_ERRORS, tags=["decisions"])
async def get_decision(request: Request, decision_id: str,
                       _: Annotated[Principal, Depends(require("decisions.read"))]) -> Response:
    engine = request.app.state.engine

    def work() -> Any:
        with read_tx(engine) as tx:
            return decisions.get(tx, decision_id)

    return json_response(None, 200, await run_db(engine, work))


@router.post("/quotas", status_code=201, response_model=QuotaOut, responses=WRITE_ERRORS, tags=["quotas"])
async def post_quota(request: Request, body: QuotaRequest,
                     principal: Annotated[Principal, Depends(require("quotas.write"))]) -> Response:
    key = idempotency_key(request)
    engine = request.app.state.engine
    status, data = await run_db(engine, lambda: idempotent_write(
        engine, key, "POST", "/v1/quotas", body.model_dump(mode="json"), 201,
        lambda tx: quotas.create(tx, body, principal.token_id)))
    return json_response(data, status)


@router.get("/quotas/{quota_id}", response_model=QuotaOut, responses=READ_ERRORS, tags=["quotas"])
async def get_quota(request: Request, quota_id: str,
                    _: Annotated[Principal, Depends(require("quotas.read"))]) -> Response:
    engine = request.app.state.engine

    def work() -> Any:
        with read_tx(engine) as tx:
            return quotas.get(tx, quota_id)

    return json_response(await run_db(engine, work))


def _check_links(body: dict[str, Any]) -> None:
    """`sources[].url`, `legal_reference.url` (any `url` in the body) must be http(s): 422 naming it."""
    problem = check_urls(body)
    if problem is not None:
        raise Unprocessable(problem)


DESIGNATION_EXAMPLE = {
    "id": "uk-2026-xyz-warning", "jurisdiction": "uk", "iso3": "AGO", "kind": "warning",
    "title": "Warning of visa penalties", "start": "2026-03-01",
    "sources": [{"title": "Home Office statement", "url": "https://www.gov.uk/"}],
}


@router.post("/designations", status_code=201, responses=WRITE_ERRORS, tags=["designations"],
             summary="Create a designation (applies to decisions immediately, in every server process)")
async def post_designation(
    request: Request,
    body: Annotated[dict[str, Any], Body(examples=[DESIGNATION_EXAMPLE],
                                         description="A Designation (see GET /v1/designations)")],
    principal: Annotated[Principal, Depends(require("designations.write"))],
) -> Response:
    key = idempotency_key(request)
    runtime = _runtime(request)
    _check_links(body)
    clean = runtime.validate_designation(body)
    engine = request.app.state.engine
    status, data = await run_db(engine, lambda: idempotent_write(
        engine, key, "POST", "/v1/designations", clean, 201,
        lambda tx: designations.create(tx, clean, principal.token_id)))
    return json_response(data, status)


@router.patch("/designations/{designation_id}", responses={**WRITE_ERRORS, **error_responses(404)},
              tags=["designations"],
              summary="Amend or lift a designation (e.g. {\"end\": \"2026-02-06\"} lifts it from that day)")
async def patch_designation(
    request: Request, designation_id: str,
    body: Annotated[dict[str, Any], Body(examples=[{"end": "2026-02-06", "status": "lifted"}])],
    principal: Annotated[Principal, Depends(require("designations.write"))],
) -> Response:
    key = idempotency_key(request)
    runtime = _runtime(request)
    if "id" in body and body["id"] != designation_id:
        raise Unprocessable("id: the id of a designation cannot be changed")
    _check_links(body)
    engine = request.app.state.engine

    def action(tx: Any) -> Any:
        current = designations.get(tx, designation_id)
        merged = {**current, **body}
        _check_links(merged)
        merged = runtime.validate_designation(merged)
        return designations.replace(tx, designation_id, merged, body, principal.token_id)

    status, data = await run_db(engine, lambda: idempotent_write(
        engine, key, "PATCH", f"/v1/designations/{designation_id}", body, 200, action))
    return json_response(data, status)


@router.get("/audit/verify", response_model=AuditVerification, responses=error_responses(401, 403, 503),
            tags=["audit"],
            summary="Walk the hash-chained audit log and report the first broken link")
async def get_audit_verify(request: Request,
                           _: Annotated[Principal, Depends(require("audit.read"))]) -> Response:
    engine = request.app.state.engine

    def work() -> Any:
        with read_tx(engine) as tx:
            return audit.verify(tx).as_dict()

    return json_response(await run_db(engine, work))
