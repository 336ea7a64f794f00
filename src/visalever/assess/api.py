"""`GET /v1/assessments`: the same JSON document as `visalever assess --format json`, public read.

Errors are one-line messages: an unknown jurisdiction or a period without data answers 404/422 with
`{"error": ...}` naming the query parameter, like the service's other read endpoints.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from visalever.errors import InputError

router = APIRouter()


def assessment_document(
    jurisdiction: str, period: str, sensitivity: int = 0, seed: int = 0
) -> dict[str, Any]:
    """Run the assessment and wrap it with the method's metadata (shared with the CLI)."""
    from visalever.assess.config import load_config
    from visalever.assess.engine import assess, payload
    from visalever.assess.periods import parse_period

    cfg = load_config(jurisdiction)
    key = str(parse_period(period))
    results = assess(jurisdiction, key, config=cfg, sensitivity=sensitivity, seed=seed)
    return payload(jurisdiction, key, results, cfg)


@router.get(
    "/v1/assessments",
    tags=["assessments"],
    summary="Cooperation assessment per nationality for one period (analyst construction, not official)",
)
async def list_assessments(
    jurisdiction: str = Query(..., pattern=r"^[a-z]{2,8}$", description="uk, eu or us"),
    period: str = Query(..., description="2023, 2023Q4 or FY2018"),
    sensitivity: int = Query(0, ge=0, le=500, description="perturbed re-scorings per country"),
    seed: int = Query(0, ge=0),
) -> JSONResponse:
    try:
        doc = await asyncio.to_thread(assessment_document, jurisdiction, period, sensitivity, seed)
    except InputError as err:
        status = 404 if "no assessment method" in str(err) else 422
        return JSONResponse({"error": str(err)}, status_code=status)
    return JSONResponse(doc)
