"""Law-desk endpoints (public reads): what is in force for a nationality on a day, the changelog of the law,
and the dashboard's /changes timeline page. The answers come from `visalever.policy.in_force` and
`visalever.policy.changes`, the same functions the CLI's `measures` and `changes` call, so the API, the
command line and the page cannot disagree."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from visalever.errors import InputError
from visalever.service.auth import public
from visalever.service.errors import NotFound, Unprocessable
from visalever.service.http import json_response
from visalever.service.schemas import QueryDate, error_responses

router = APIRouter(dependencies=[Depends(public)])
Jurisdiction = Literal["uk", "eu", "us"]


@router.get(
    "/v1/countries/{iso3}/measures",
    responses=error_responses(404, 422),
    tags=["countries"],
    summary="Every lever touching nationals of a country on a date, across regimes (act, ground, source)",
)
async def country_measures(
    iso3: str,
    date: Annotated[QueryDate | None, Query(description="YYYY-MM-DD (default today)")] = None,
    jurisdiction: Annotated[Jurisdiction | None, Query(description="uk, eu or us (default all)")] = None,
) -> Response:
    """Visa requirement, penalties, suspensions, entry bans, quotas and agreements in force on `date`, and
    proposals marked `proposed` (never in force)."""
    from visalever.countries import is_country_code
    from visalever.policy.in_force import measures_for

    code = iso3.upper()
    if not is_country_code(code):
        raise NotFound(f"iso3: unknown country code {iso3!r}")
    day = date or dt.date.today()
    try:
        levers = measures_for(code, day, jurisdiction)
    except InputError as err:
        raise Unprocessable(str(err)) from None
    return json_response(
        {
            "nationality": code,
            "date": day.isoformat(),
            "jurisdiction": jurisdiction,
            "measures": [lv.as_dict() for lv in levers],
        }
    )


@router.get(
    "/v1/changes",
    responses=error_responses(422),
    tags=["policies"],
    summary="Changelog of the law: acts, agreements, parameter values, visa requirements and policy windows",
)
async def law_changes(
    since: Annotated[QueryDate, Query(description="First day, YYYY-MM-DD")],
    until: Annotated[QueryDate | None, Query(description="Last day, inclusive (default: no limit)")] = None,
    jurisdiction: Annotated[Jurisdiction | None, Query(description="uk, eu or us (default all)")] = None,
) -> Response:
    """Every change dated within [since, until] in the regime YAML, oldest first, each with its source."""
    from visalever.policy.changes import changes_between

    try:
        rows = [c.as_dict() for c in changes_between(since, until, jurisdiction)]
    except InputError as err:
        raise Unprocessable(str(err)) from None
    return json_response(
        {
            "since": since.isoformat(),
            "until": until.isoformat() if until else None,
            "jurisdiction": jurisdiction,
            "count": len(rows),
            "changes": rows,
        }
    )


@router.get("/changes", response_class=HTMLResponse, include_in_schema=False)
def changes_page(request: Request) -> HTMLResponse:
    """Dashboard page: the changelog of the law as a timeline and a table (its JSON twin is /v1/changes)."""
    from visalever.web.routes import _page

    return _page(
        request,
        "changes.html",
        title="Changes of the law",
        twins=[("Changes", "/v1/changes")],
        script="changes.js",
    )
