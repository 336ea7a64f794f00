"""Scenarios built from rows: `POST /v1/scenarios/validate` (rows -> reform YAML, errors by row and
field, what each group became), `POST /v1/scenarios` (save for the caller) and `GET /v1/scenarios/{id}`.

Why: the dashboard's builder and API clients should not have to write YAML. The rows go through the
same library builder as `visalever scenario new` (`visalever.policy.scenario`), so the YAML a caller
downloads is the file the CLI reproduces. A saved scenario is stored exactly like an uploaded reform
(`service.reforms`: validated in memory, kept in the `reforms` table with its owner and hash), so its
id (`rf_...`) is what `POST /v1/simulations` takes as `policy`: nothing new to run it. All routes need
`simulations.run` (they build a whole policy, and saving writes for the caller).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from visalever.errors import InputError
from visalever.service import reforms
from visalever.service.auth import Principal, public, require
from visalever.service.db import read_tx
from visalever.service.errors import NotFound, Unprocessable
from visalever.service.http import json_response, run_db
from visalever.service.schemas import error_responses

router = APIRouter(prefix="/v1/scenarios", tags=["simulations"])
MAX_ROWS = 50


class DesignationRowIn(BaseModel):
    """One row: a nationality (ISO3) or a group gets a measure of the base policy on some categories."""

    model_config = ConfigDict(extra="forbid")
    target: str = Field("", max_length=60,
                        description="ISO3, `all`, `no_agreement` or `tier:<tier>[@<period>]`",
                        examples=["PAK", "no_agreement", "tier:non_cooperating@2025"])
    measure: str = Field("", max_length=100, description="A measure id of the base policy's catalogue")
    categories: list[str] | None = Field(None, max_length=5, description="Subset of visit|study|work|family|"
                                         "other; null or empty = every category")
    start: str = Field("", max_length=20, description="YYYY-MM-DD")
    end: str | None = Field(None, max_length=20, description="YYYY-MM-DD, the first day it no longer applies")


class ParameterRowIn(BaseModel):
    """A new dated value of a base-policy parameter."""

    model_config = ConfigDict(extra="forbid")
    parameter: str = Field("", max_length=100, examples=["fees.visit"])
    value: str = Field("", max_length=100, examples=["150"])
    start: str = Field("", max_length=20, examples=["2026-04-01"])


class ScenarioIn(BaseModel):
    """A scenario as rows: what the builder form sends."""

    model_config = ConfigDict(extra="forbid")
    base: str = Field("uk-statutory", max_length=100, description="Packaged policy id it extends")
    id: str | None = Field(None, max_length=60, description="Scenario id (default: derived from the rows)")
    title: str | None = Field(None, max_length=200)
    designations: list[DesignationRowIn] = Field(default_factory=list, max_length=MAX_ROWS)
    parameters: list[ParameterRowIn] = Field(default_factory=list, max_length=MAX_ROWS)


class ScenarioCheckOut(BaseModel):
    """The built reform, or the errors by row and field; and which countries each group became."""

    id: str
    base: str
    ok: bool
    yaml: str | None
    errors: list[dict[str, Any]]
    groups: list[dict[str, Any]]


class ScenarioOut(BaseModel):
    """A saved scenario: run it with `POST /v1/simulations {"policy": id}`."""

    id: str = Field(description="The reform id (`rf_...`): `policy` in POST /v1/simulations")
    policy_id: str
    extends: str | None = None
    created: str
    sha256: str
    yaml: str
    rows: dict[str, Any] | None = Field(None, description="The rows it was built from")
    groups: list[dict[str, Any]] = Field(default_factory=list)
    url: str = Field(description="The dashboard address that reopens it")


def _build(body: ScenarioIn) -> Any:
    from visalever.policy.scenario import DesignationRow, ParameterRow, ScenarioSpec, build

    spec = ScenarioSpec(
        base=body.base, id=body.id or None, title=body.title or None,
        designations=[DesignationRow(r.target, r.measure, r.categories or None, r.start, r.end or None)
                      for r in body.designations],
        parameters=[ParameterRow(p.parameter, p.value, p.start) for p in body.parameters])
    return build(spec)


@router.post("/validate", response_model=ScenarioCheckOut, responses=error_responses(401, 403, 413, 422, 503),
             summary="Rows -> reform YAML, errors by row and field, and the countries each group became")
async def validate_scenario(body: ScenarioIn,
                            _: Annotated[Principal, Depends(require("simulations.run"))]) -> Response:
    result = await anyio.to_thread.run_sync(_build, body)
    return json_response(result.as_dict())


@router.post("", status_code=201, response_model=ScenarioOut,
             responses={200: {"model": ScenarioOut, "description": "The same scenario was already saved"},
                        **error_responses(401, 403, 413, 422, 503)},
             summary="Save a scenario for the caller (stored as an uploaded reform; runnable by its id)")
async def save_scenario(request: Request, body: ScenarioIn,
                        principal: Annotated[Principal, Depends(require("simulations.run"))]) -> Response:
    result = await anyio.to_thread.run_sync(_build, body)
    if not result.ok:
        first = result.errors[0]
        raise Unprocessable(f"{first.location()}: {first.message}",
                            detail={"errors": [e.as_dict() for e in result.errors],
                                    "groups": [g.as_dict() for g in result.groups]})
    raw = result.yaml.encode("utf-8")
    if len(raw) > reforms.MAX_REFORM_BYTES:
        count = result.yaml.count("\n- id: ")
        raise reforms.TooLarge(f"designations: the rows expand to {count} designations ({len(raw):,} "
                               f"bytes), over the {reforms.MAX_REFORM_BYTES:,}-byte limit of a saved reform; "
                               "use fewer group rows (or `visalever scenario new` and the CLI: no limit)")
    text, policy = await anyio.to_thread.run_sync(reforms.validate, raw)
    engine = request.app.state.engine
    created, row = await run_db(engine, lambda: reforms.store(engine, principal.token_id, text, policy))
    return json_response(_out(row, text, [g.as_dict() for g in result.groups]), 201 if created else 200)


def _out(row: dict[str, Any], text: str, groups: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    from visalever.policy.scenario import spec_dict, spec_from_yaml

    spec = spec_from_yaml(text)
    return {"id": row["id"], "policy_id": row["policy_id"], "extends": row["extends"],
            "created": row["created"], "sha256": row["sha256"], "yaml": text,
            "rows": spec_dict(spec) if spec else None,
            "groups": groups if groups is not None else _groups_of(text),
            "url": f"/scenarios?scenario={row['id']}"}


def _groups_of(text: str) -> list[dict[str, Any]]:
    """Countries per group row, read back from the saved file's header (what was resolved then)."""
    out: list[dict[str, Any]] = []
    lines = text.splitlines()
    for k, line in enumerate(lines):
        if line.startswith("# Row ") and ": group " in line and line.endswith(":"):
            head, _, rest = line[len("# Row "):].partition(": group ")
            group, _, tail = rest.partition(" on ")
            countries: list[str] = []
            for more in lines[k + 1:]:
                if not more.startswith("#   "):
                    break
                countries.extend(more[4:].split())
            out.append({"row": int(head) - 1, "group": group, "as_of": tail.split(" ")[0],
                        "basis": tail.partition("(")[2].rstrip("):"), "countries": countries,
                        "count": len(countries)})
    return out


@router.get("/catalogue", dependencies=[Depends(public)], responses=error_responses(422),
            summary="What a row may name for a base policy: measures, parameters, groups, categories")
async def catalogue(base: Annotated[str, Query(max_length=100)] = "uk-statutory") -> Response:
    """The builder's choices, read from the base policy (public: the policy itself is public)."""

    def read() -> dict[str, Any]:
        from visalever.policy import list_policies, load_policy
        from visalever.policy.codes import known_iso3
        from visalever.policy.models import CATEGORIES

        if base not in {p["id"] for p in list_policies()}:
            raise Unprocessable(f"base: {base!r} is not a packaged policy (GET /v1/policies)")
        policy = load_policy(base)
        try:
            from visalever.assess import load_config

            tiers = [t.id for t in load_config(policy.jurisdiction).tiers]
        except InputError:
            tiers = []
        own = set(policy.visa_requirements.own.iso3) if policy.visa_requirements.own else set()
        groups = [{"id": "no_agreement", "label": "every country without a returns arrangement in force "
                   "on the start date (agreements register)"},
                  {"id": "all", "label": "every country"}]
        groups += [{"id": f"tier:{t}", "label": f"every country assessed {t.replace('_', ' ')} "
                    "(latest assessment published by the start date); add @YYYY for a period"} for t in tiers]
        return {
            "base": policy.summary(),
            "measures": [{"id": k, "title": m.title, "positive": m.positive}
                         for k, m in sorted(policy.measures.items())],
            "parameters": [{"id": k, "unit": p.unit, "currency": p.currency, "description": p.description}
                           for k, p in sorted(policy.parameters.items())],
            "categories": list(CATEGORIES),
            "groups": groups,
            "countries": [c for c in known_iso3() if c not in own],
        }

    return json_response(await anyio.to_thread.run_sync(read))


@router.get("/{scenario_id}", response_model=ScenarioOut, responses=error_responses(401, 403, 404, 503),
            summary="A saved scenario of the caller (JSON, or the YAML file with ?format=yaml)")
async def get_scenario(request: Request, scenario_id: str,
                       principal: Annotated[Principal, Depends(require("simulations.run"))],
                       fmt: Annotated[str, Query(alias="format", pattern="^(json|yaml)$")] = "json",
                       ) -> Response:
    if not reforms.REFORM_ID.match(scenario_id):
        raise NotFound(f"scenario_id: {scenario_id!r} is not a scenario id (rf_ and 20 hex digits)")
    engine = request.app.state.engine

    def read() -> tuple[Any, ...] | None:
        with read_tx(engine) as tx:
            return tx.first("SELECT reform_id, policy_id, extends, sha256, created_at, body FROM reforms "
                            "WHERE reform_id = ? AND owner = ?", (scenario_id, principal.token_id))

    found = await run_db(engine, read)
    if found is None:
        raise NotFound(f"scenario_id: no scenario {scenario_id!r} saved with this token")
    rid, policy_id, extends, digest, created, text = found
    if fmt == "yaml":
        name = re.sub(r"[^A-Za-z0-9._-]", "_", str(policy_id))[:80] or "scenario"
        return Response(text, media_type="application/yaml",
                        headers={"Content-Disposition": f'attachment; filename="{name}.yaml"'})
    row = {"id": rid, "policy_id": policy_id, "extends": extends, "created": created, "sha256": digest}
    if not isinstance(text, str):
        raise Unprocessable("scenario_id: stored body is not text")
    return json_response(_out(row, text))
