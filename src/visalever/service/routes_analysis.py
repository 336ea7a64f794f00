"""Analysis endpoints (public reads, no token, like the other read routes): effects of past acts,
options appraisals, least-cost packages and country briefs, plus the brief's dashboard page.

Each returns the same document as the matching CLI command; bad input answers 422 (404 for an unknown
country) with the one-line error.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from visalever.errors import InputError
from visalever.service.errors import Unprocessable
from visalever.service.http import json_response
from visalever.service.schemas import ErrorOut

router = APIRouter()
ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (404, 422)}
Jurisdiction = Literal["uk", "eu", "us"]


@router.get(
    "/v1/effects",
    responses=ERRORS,
    tags=["analysis"],
    summary="Effects of past acts: returns and visas before/after vs other nationalities",
)
async def list_effects(
    jurisdiction: Annotated[Jurisdiction | None, Query(description="uk, eu or us; all when absent")] = None,
) -> Response:
    from visalever.effects.acts import INDICATORS, effects

    try:
        if jurisdiction:
            doc: dict[str, Any] = await asyncio.to_thread(effects, jurisdiction)
        else:
            docs = [await asyncio.to_thread(effects, j) for j in INDICATORS]
            doc = {"jurisdictions": docs}
    except InputError as err:
        raise Unprocessable(str(err)) from None
    return json_response(doc)


@router.get(
    "/v1/options",
    responses=ERRORS,
    tags=["analysis"],
    summary="Options appraisal for one nationality: every rung with simulated cost and expected response",
)
async def options(
    country: Annotated[str, Query(pattern=r"^[A-Za-z]{3}$", description="ISO3 code")],
    jurisdiction: Annotated[Jurisdiction, Query()] = "uk",
    year: Annotated[int, Query(ge=1990, le=2100)] = 2025,
) -> Response:
    from visalever.appraise.options import appraise

    try:
        doc = await asyncio.to_thread(appraise, country, jurisdiction, year)
    except InputError as err:
        raise Unprocessable(str(err)) from None
    return json_response(doc)


@router.get(
    "/v1/packages",
    responses=ERRORS,
    tags=["analysis"],
    summary="Least-cost package: at most one rung per flagged country reaching a target (exact MILP)",
)
async def package(
    target: Annotated[str, Query(description="metric=amount, e.g. returns=200")],
    jurisdiction: Annotated[Jurisdiction, Query()] = "uk",
    year: Annotated[int, Query(ge=1990, le=2100)] = 2025,
    cost: Annotated[str, Query(description="students_workers, visas, revenue_loss or applications")] = (
        "students_workers"
    ),
    limit: Annotated[list[str] | None, Query(description="name=max, repeatable")] = None,
) -> Response:
    from visalever.appraise.package import optimise
    from visalever.appraise.package import parse_limits as _limits

    try:
        ((metric, amount),) = _limits([target]).items()
        doc = await asyncio.to_thread(
            optimise, jurisdiction, year, metric, amount, cost=cost, limits=_limits(limit or [])
        )
    except InputError as err:
        raise Unprocessable(str(err)) from None
    return json_response(doc)
