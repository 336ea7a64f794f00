"""Reform uploads: `POST /v1/reforms` (and the dashboard's `POST /scenarios/reform-files`, the same
handler) and `GET /v1/reforms`, all needing `simulations.run`.

The body is the reform YAML itself. It is validated in memory (size, UTF-8, strict YAML without deep
nesting or alias bombs, http(s) links only, the whole policy built and checked) and stored in the
database with its owner (the token's id) and SHA-256; nothing is written to a file. The answer's
`id` is what `POST /v1/simulations` takes as `policy` or `baseline`.
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from visalever.service import reforms
from visalever.service.auth import Principal, require
from visalever.service.http import json_response, run_db
from visalever.service.schemas import ReformOut, error_responses

router = APIRouter()
UPLOAD_BODY = {"requestBody": {"required": True, "content": {"application/yaml": {"schema": {
    "type": "string", "maxLength": reforms.MAX_REFORM_BYTES,
    "example": "id: my-reform\nextends: uk-statutory\nstatus: scenario\nnote: not law\n"}}}}}
UPLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": ReformOut, "description": "The same text was already uploaded with this token"},
    **error_responses(401, 403, 413, 422, 503),
}


async def _upload(request: Request, principal: Principal, *, legacy_path: bool) -> Response:
    raw = await request.body()
    text, policy = await anyio.to_thread.run_sync(reforms.validate, raw)  # builds a whole policy: CPU
    engine = request.app.state.engine
    created, row = await run_db(engine, lambda: reforms.store(engine, principal.token_id, text, policy))
    if legacy_path:  # the dashboard script names the reform by `path` (now the reform id, not a file)
        row = {**row, "path": row["id"]}
    return json_response(row, 201 if created else 200)


@router.post("/v1/reforms", status_code=201, response_model=ReformOut, responses=UPLOAD_RESPONSES,
             openapi_extra=UPLOAD_BODY, tags=["simulations"],
             summary="Upload a reform YAML (validated in memory, stored with its owner and hash)")
async def post_reform(request: Request,
                      principal: Annotated[Principal, Depends(require("simulations.run"))]) -> Response:
    return await _upload(request, principal, legacy_path=False)


@router.get("/v1/reforms", response_model=list[ReformOut], responses=error_responses(401, 403, 503),
            tags=["simulations"], summary="The reforms uploaded with this token")
async def list_reforms(request: Request,
                       principal: Annotated[Principal, Depends(require("simulations.run"))]) -> Response:
    engine = request.app.state.engine
    return json_response(await run_db(engine, lambda: reforms.list_for(engine, principal.token_id)))


@router.post("/scenarios/reform-files", include_in_schema=False)
async def upload_reform_file(
    request: Request, principal: Annotated[Principal, Depends(require("simulations.run"))],
) -> Response:
    """The dashboard's upload URL: `POST /v1/reforms`, plus `path` (= `id`) for the page's script."""
    return await _upload(request, principal, legacy_path=True)
