"""Analysis endpoints (public reads, no token, like the other read routes): effects of past acts,
options appraisals, least-cost packages and country briefs, plus the brief's dashboard page.

Each returns the same document as the matching CLI command; bad input answers 422 (404 for an unknown
country) with the one-line error.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response

from visalever.errors import InputError
from visalever.service.auth import public
from visalever.service.errors import NotFound, Unprocessable
from visalever.service.http import json_response
from visalever.service.schemas import QueryDate, error_responses

# Every route here is a public read of published figures and regime files (see visalever.service.auth).
router = APIRouter(dependencies=[Depends(public)])
ERRORS = error_responses(422)
ERRORS_404 = error_responses(404, 422)
Jurisdiction = Literal["uk", "eu", "us"]
AsOf = Annotated[QueryDate | None, Query(description="YYYY-MM-DD (default today)")]


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
        ((metric, amount),) = _limits([target], "target").items()
        doc = await asyncio.to_thread(
            optimise, jurisdiction, year, metric, amount, cost=cost, limits=_limits(limit or [], "limit")
        )
    except InputError as err:
        raise Unprocessable(str(err)) from None
    return json_response(doc)


def _brief(iso3: str, jurisdiction: str, as_of: dt.date | None) -> dict[str, Any]:
    from visalever.brief import build_brief

    return build_brief(iso3, jurisdiction, as_of=as_of)


@router.get(
    "/v1/briefs/{iso3}",
    responses=ERRORS_404,
    tags=["analysis"],
    summary="Country brief as JSON: agreements, acts, evidence, past acts, options, package, sources",
)
async def brief_json(
    iso3: str,
    jurisdiction: Annotated[Jurisdiction, Query()] = "uk",
    as_of: AsOf = None,
) -> Response:
    try:
        doc = await asyncio.to_thread(_brief, iso3, jurisdiction, as_of)
    except InputError as err:
        if err.location == "country":
            raise NotFound(str(err)) from None
        raise Unprocessable(str(err)) from None
    return json_response(doc)


@router.get("/countries/{iso3}/brief", include_in_schema=False, response_class=HTMLResponse)
async def brief_page(
    iso3: str,
    jurisdiction: Annotated[Jurisdiction, Query()] = "uk",
    as_of: AsOf = None,
) -> Response:
    """The brief as a dashboard page: server-rendered, inline SVG charts, no script, the dashboard's CSP."""
    from visalever.brief import to_html
    from visalever.web.routes import CONTENT_SECURITY_POLICY

    try:
        doc = await asyncio.to_thread(_brief, iso3, jurisdiction, as_of)
    except InputError as err:
        raise NotFound(str(err)) from None
    twin = f"/v1/briefs/{doc['iso3']}?jurisdiction={jurisdiction}" + (f"&as_of={as_of}" if as_of else "")
    return HTMLResponse(to_html(doc, twin=twin), headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY})
