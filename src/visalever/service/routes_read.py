"""Public read endpoints (no token): countries and dossiers, indicators, agreements, policies,
designations. Each delegates to the module that owns the data; a module that is not installed
answers 503 naming it rather than failing the whole app.

Every route here is declared `public` by the router (see `visalever.service.auth`); dates in query
strings are `QueryDate` (YYYY-MM-DD only, so `as_of=0` is a 422 rather than 1970-01-01).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from visalever.errors import InputError
from visalever.service import designations as store
from visalever.service.auth import public
from visalever.service.db import read_tx
from visalever.service.errors import NotFound, Unavailable, Unprocessable
from visalever.service.http import json_response, run_db
from visalever.service.schemas import QueryDate, error_responses

router = APIRouter(dependencies=[Depends(public)])
AsOf = Annotated[QueryDate | None, Query(description="YYYY-MM-DD (default today)")]
CATEGORIES = ("visit", "study", "work", "family", "other")
Jurisdiction = Literal["uk", "eu", "us"]


def _as_of(value: dt.date | None) -> dt.date:
    return value or dt.date.today()


def _records(df: Any) -> list[dict[str, Any]]:
    return df.to_dicts()


@router.get("/healthz", tags=["meta"], summary="Liveness: a constant answer (also the bench's bare endpoint)")
async def healthz() -> Response:
    return Response(content=b'{"status":"ok"}', media_type="application/json")


@router.get("/v1/countries", tags=["countries"])
async def list_countries() -> Response:
    from visalever.countries import all_countries

    return json_response(all_countries())


def _iso3(iso3: str) -> str:
    from visalever.countries import country_name, is_country_code

    code = iso3.upper()
    if not is_country_code(code):
        raise NotFound(f"iso3: unknown country code {iso3!r}")
    return country_name(code) and code


@router.get("/v1/countries/{iso3}", responses=error_responses(404, 422, 503), tags=["countries"],
            summary="Country dossier: agreements, indicators, assessment, designations, measures in force")
async def country_dossier(request: Request, iso3: str,
                          as_of: AsOf = None) -> Response:
    from visalever.countries import country_name

    code = _iso3(iso3)
    day = _as_of(as_of)
    runtime = request.app.state.runtime
    jurisdiction = runtime.jurisdiction if runtime is not None else "uk"
    dossier: dict[str, Any] = {"iso3": code, "name": country_name(code), "as_of": day.isoformat(),
                               "jurisdiction": jurisdiction}
    from visalever import snapshot
    from visalever.policy import load_agreements

    dossier["agreements"] = [a.model_dump(mode="json") for a in load_agreements(jurisdiction)
                             if a.iso3 == code]
    try:
        dossier["indicators"] = _records(snapshot.query(country=code))
    except InputError:
        dossier["indicators"] = None
    dossier["assessment"] = _assessment(jurisdiction, code, day)
    engine = request.app.state.engine

    def stored() -> Any:
        with read_tx(engine) as tx:
            table = runtime.measures(tx, day) if runtime is not None else None
            return [d for d in store.list_all(tx) if d.get("iso3") == code], table

    designations, table = await run_db(engine, stored)
    dossier["designations"] = designations
    dossier["measures"] = _measures(table, code) if table is not None else None
    return json_response(dossier)


def _assessment(jurisdiction: str, iso3: str, day: dt.date) -> Any:
    from visalever.assess import context_for

    try:
        return (context_for(jurisdiction, day) or {}).get(iso3)
    except InputError:
        return None


def _measures(table: Any, iso3: str) -> dict[str, Any]:
    """Measures in force per visa category for one country (rows of the engine's measures table)."""
    out: dict[str, Any] = {}
    for category in CATEGORIES:
        row = table.lookup(iso3, category)
        out[category] = {
            "values": row.values, "tier": row.tier, "measures": list(row.measure_ids),
            "reasons": [{"field": field, **reason.model_dump(mode="json")} for field, reason in row.reasons],
        }
    return out


@router.get("/v1/indicators", responses=error_responses(422, 503), tags=["data"],
            summary="Observations from the snapshot (jurisdiction, iso3, period, indicator, value, unit)")
async def indicators(jurisdiction: Jurisdiction | None = None,
                     country: Annotated[str | None, Query(max_length=3, description="ISO3 or ALL")] = None,
                     period: Annotated[str | None, Query(max_length=10)] = None,
                     indicator: Annotated[str | None, Query(max_length=100)] = None) -> Response:
    from visalever import snapshot

    return json_response(_records(snapshot.query(jurisdiction, country, period, indicator)))


@router.get("/v1/agreements", responses=error_responses(422), tags=["law"],
            summary="Returns arrangements in force on a date")
async def agreements(jurisdiction: Jurisdiction = "uk", as_of: AsOf = None) -> Response:
    from visalever.policy import agreements_in_force

    try:
        rows = agreements_in_force(jurisdiction, _as_of(as_of))
    except InputError as err:
        raise Unprocessable(f"jurisdiction: {err}") from None
    return json_response([a.model_dump(mode="json") for a in rows])


@router.get("/v1/policies", tags=["law"])
async def policies() -> Response:
    from visalever.policy import list_policies

    return json_response(list_policies())


@router.get("/v1/policies/{policy_id}", responses=error_responses(404, 422), tags=["law"])
async def policy(policy_id: str, as_of: AsOf = None) -> Response:
    from visalever.policy import list_policies, load_policy

    if policy_id not in {p["id"] for p in list_policies()}:
        raise NotFound(f"policy_id: no packaged policy {policy_id!r}")
    from visalever.policy import show_policy

    loaded = load_policy(policy_id)
    # The summary's fields at the top (id, title, status, ...: what clients read), then the library's
    # view of the policy on the date, the same document as `visalever policies show --format json`.
    return json_response({**loaded.summary(), **show_policy(loaded, _as_of(as_of))})


@router.get("/v1/designations", responses=error_responses(422, 503), tags=["designations"],
            summary="Designations stored in the service (the ones decisions apply)")
async def list_designations(request: Request,
                            due_for_review: bool = False,
                            as_of: AsOf = None,
                            iso3: Annotated[str | None, Query(max_length=3)] = None) -> Response:
    engine = request.app.state.engine

    def work() -> Any:
        with read_tx(engine) as tx:
            return store.list_all(tx)

    rows = await run_db(engine, work)
    if iso3:
        rows = [r for r in rows if r.get("iso3") == iso3.upper()]
    if due_for_review:
        day = _as_of(as_of)
        rows = [r for r in rows if _due(r, day)]
    return json_response(rows)


def _due(body: dict[str, Any], day: dt.date) -> bool:
    """In force on `day` and its review date has come (the engine's rule, `due_for_review`)."""
    from visalever.policy import due_for_review
    from visalever.policy.models import Designation

    return bool(due_for_review([Designation.model_validate(body)], day))


@router.get("/v1/revisions", responses=error_responses(422, 503), tags=["data"],
            summary="Figures a newer release changed: old and new value, difference, both releases")
async def revisions(jurisdiction: Jurisdiction | None = None,
                    country: Annotated[str | None, Query(max_length=3, description="ISO3 or ALL")] = None,
                    period: Annotated[str | None, Query(max_length=10)] = None,
                    indicator: Annotated[str | None,
                                         Query(max_length=100, description="id or 'prefix.'")] = None,
                    ) -> Response:
    """Same rows as `visalever data revisions --format json` (owned by `visalever.snapshot`)."""
    from visalever import snapshot

    try:
        rows = snapshot.revisions(jurisdiction, country, period, indicator)
    except InputError as err:
        raise Unavailable(f"revisions: {err}") from None
    return json_response(_records(rows))
