"""`GET /v1/assessments`: the same JSON document as `visalever assess --format json`, public read.

Errors are one-line messages: an unknown jurisdiction or a period without data answers 404/422 with
`{"error": ...}` naming the query parameter, like the service's other read endpoints.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from visalever.assess.document import assessment_document
from visalever.errors import InputError
from visalever.service.auth import public
from visalever.service.schemas import error_responses

router = APIRouter(dependencies=[Depends(public)])


@router.get(
    "/v1/assessments",
    tags=["assessments"],
    responses=error_responses(404, 422),
    summary="Cooperation assessment per nationality for one period (analyst construction, not official)",
)
async def list_assessments(
    jurisdiction: Annotated[str, Query(pattern=r"^[a-z]{2,8}$", description="uk, eu or us")],
    period: Annotated[str, Query(max_length=20, description="2023, 2023Q4 or FY2018")],
    sensitivity: Annotated[int, Query(ge=0, le=500, description="perturbed re-scorings per country")] = 0,
    seed: Annotated[int, Query(ge=0, le=2**32 - 1)] = 0,
) -> JSONResponse:
    try:
        doc = await asyncio.to_thread(assessment_document, jurisdiction, period, sensitivity, seed)
    except InputError as err:
        status = 404 if "no assessment method" in str(err) else 422
        return JSONResponse({"error": str(err)}, status_code=status)
    return JSONResponse(doc)
