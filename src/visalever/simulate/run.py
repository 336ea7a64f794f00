"""Run one simulation: baseline vs reform policy on a year's real flows, with Monte Carlo bands.

This is the orchestration the CLI, the API job runner and the benchmarks share: load flows and
behaviour, resolve both policies through `visalever.policy` (aggregate path) or replay them over
synthetic microdata (microdata path), run the vectorised Monte Carlo, and shape the output.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from visalever.simulate import cells as cellmod
from visalever.simulate.behaviour import CATEGORIES, Behaviour, draw_parameters, load_behaviour
from visalever.simulate.flows import Flows, flows_from_observations
from visalever.simulate.leverage import people_not_returned
from visalever.simulate.microdata import SYNTHETIC_LABEL, cell_counts, synthesise
from visalever.simulate.montecarlo import simulate_draws
from visalever.simulate.outputs import ATTRIBUTION_UK, shape_result

Progress = Callable[[float, str], None]

MODEL_NOTE = (
    "Baseline = published grants of the year (treated as demand under the baseline policy). Reform visas = "
    "grants x demand response (surcharge elasticity, slow-down response) x share of applications that may "
    "proceed. Fee revenue counts lodged valid applications (granted or refused; invalid applications pay "
    "nothing). Quotas and mobility incentives are not simulated."
)


class SimulationRequest(BaseModel):
    """What to simulate; the same fields for the CLI and for POST /v1/simulations."""

    model_config = ConfigDict(extra="forbid")
    policy: str = Field(min_length=1, description="reform policy id or path to a YAML reform file")
    baseline: str = Field("uk-statutory", min_length=1, description="baseline policy id or path")
    year: int = Field(2025, ge=1990, le=2100)
    draws: int = Field(1, ge=1, le=100_000)
    microdata: bool = False
    seed: int = Field(0, ge=0)
    as_of: date | None = Field(None, description="date the law is read at; default 31 December of `year`")
    jurisdiction: str = "uk"
    batch_size: int = Field(1_000_000, ge=1_000, le=50_000_000)


def _noop(_: float, __: str) -> None:
    return None


def policy_metadata(policy: Any, role: str) -> dict[str, Any]:
    """id, status, note and revision of a loaded policy, as every output must show them."""
    summary = getattr(policy, "summary", None)
    if callable(summary):
        out = {"role": role, **summary()}
        status = out.get("status")
        out["note"] = " ".join(str(out["note"]).split()) if out.get("note") else None
        out["enacted"] = str(status).lower() == "enacted" if status is not None else None
        return out
    meta = getattr(policy, "metadata", None)

    def pick(name: str) -> Any:
        for obj in (policy, meta):
            if obj is None:
                continue
            val = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
            if val is not None:
                return val
        return None

    status = pick("status")
    note = pick("note")
    return {
        "role": role,
        "id": pick("id"),
        "title": pick("title"),
        "status": str(status) if status is not None else None,
        "note": " ".join(str(note).split()) if note else None,
        "revision": pick("revision"),
        "enacted": str(status).lower() == "enacted" if status is not None else None,
    }


def _resolve(policy_mod: Any, policy: Any, as_of: date) -> pl.DataFrame:
    """The measures frame of `policy` on `as_of`; the engine builds country contexts itself."""
    table = policy_mod.resolve(policy, as_of)
    return table.frame if hasattr(table, "frame") else table


def _replay_sums(
    policy_mod: Any, frame: pl.DataFrame, base: Any, reform: Any, as_of: date
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Replay one batch under both policies: summed cell aggregates for each, and affected counts."""
    cols = ["application_id", "nationality", "category", "application_date", "priority_service", "exemptions"]
    inp = frame.select([c for c in cols if c in frame.columns])
    rb = policy_mod.replay(cellmod.with_covering_class(inp, base), base, as_of)
    rr = policy_mod.replay(cellmod.with_covering_class(inp, reform), reform, as_of)
    compare = ["outcome", "fee_amount", "surcharge_amount", "earliest_decision_date", "decision_due_by"]
    changed = [rb[c].ne_missing(rr[c]) for c in compare if c in rb.columns and c in rr.columns]
    if "priority_service_allowed" in rb.columns and "priority_service_allowed" in rr.columns:
        uses = inp["priority_service"].fill_null(False)
        changed.append(uses & rb["priority_service_allowed"].ne_missing(rr["priority_service_allowed"]))
    differs = pl.any_horizontal(changed)
    aff = (
        frame.select("nationality", "category")
        .with_columns(differs.alias("d"))
        .group_by("nationality", "category")
        .agg(pl.col("d").sum().alias("affected"), pl.len().alias("n"))
        .with_columns(pl.col("nationality", "category").cast(pl.String))
    )
    return cellmod.replay_cell_aggregates(rb), cellmod.replay_cell_aggregates(rr), aff


def simulate(
    request: SimulationRequest,
    *,
    observations: pl.DataFrame | None = None,
    behaviour: Behaviour | None = None,
    progress: Progress | None = None,
    policies: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run the simulation described by `request` and return the JSON document (see outputs.shape_result).

    `policies` maps a `policy`/`baseline` reference to an already loaded Policy (the service passes
    reforms uploaded to its database this way); other references are loaded by `load_policy`."""
    from visalever import policy as policy_mod  # noqa: PLC0415 - heavy, and built by another module
    from visalever.policy.resolve import group_members  # noqa: PLC0415

    report = progress or _noop
    as_of = request.as_of or date(request.year, 12, 31)
    report(0.0, "loading flows")
    if observations is None:
        from visalever import snapshot  # noqa: PLC0415

        observations = snapshot.load()
    flows: Flows = flows_from_observations(observations, request.year, request.jurisdiction)
    beh = behaviour or load_behaviour(jurisdiction=request.jurisdiction)
    report(0.05, "loading policies")
    loaded = policies or {}
    base_policy = loaded.get(request.baseline) or policy_mod.load_policy(request.baseline)
    reform_policy = loaded.get(request.policy) or policy_mod.load_policy(request.policy)
    report(0.1, "resolving measures")
    base_frame = _resolve(policy_mod, base_policy, as_of)
    reform_frame = _resolve(policy_mod, reform_policy, as_of)
    base_cells = cellmod.cells_from_measures(base_frame, flows.iso3)
    reform_cells = cellmod.cells_from_measures(reform_frame, flows.iso3)
    missing_base, missing_reform = base_cells.missing_iso3, reform_cells.missing_iso3
    applications = None
    prio_share = beh.per_category_central("priority_service_share")[None, :]
    affected = cellmod.affected_share(base_cells, reform_cells, prio_share)
    synthetic_info: dict[str, Any] = {"synthetic": False, "label": None}
    if request.microdata:
        refusal = beh.per_category_central("refusal_rate")
        prio = beh.central("priority_service_share")
        granted, refused = cell_counts(flows, refusal)
        total = int((granted + refused).sum())
        report(0.15, f"synthesising {total:,} applications")
        micro = synthesise(flows, refusal, priority_share=prio, seed=request.seed)
        sums_b, sums_r, affs = [], [], []
        for start in range(0, micro.height, request.batch_size):
            batch = micro.slice(start, request.batch_size)
            b, r, a = _replay_sums(policy_mod, batch, base_policy, reform_policy, as_of)
            sums_b.append(b)
            sums_r.append(r)
            affs.append(a)
            done = min(micro.height, start + request.batch_size)
            report(0.15 + 0.7 * done / max(micro.height, 1), f"replayed {done:,} of {micro.height:,}")
        currency = base_cells.currency
        base_cells = cellmod.cells_from_replay_sums(pl.concat(sums_b), flows.iso3, currency)
        reform_cells = cellmod.cells_from_replay_sums(pl.concat(sums_r), flows.iso3, currency)
        a = pl.concat(affs).group_by("nationality", "category").agg(pl.col("affected", "n").sum())
        grid = (
            pl.DataFrame({"nationality": flows.iso3})
            .join(pl.DataFrame({"category": list(CATEGORIES)}), how="cross")
            .join(a, on=["nationality", "category"], how="left")
            .fill_null(0)
        )
        n = grid["n"].to_numpy().astype(np.float64)
        hit = grid["affected"].to_numpy().astype(np.float64)
        affected = np.divide(hit, n, out=np.zeros_like(n), where=n > 0)
        affected = affected.reshape(len(flows.iso3), len(CATEGORIES))
        applications = (granted + refused).astype(np.float64)
        synthetic_info = {
            "synthetic": True,
            "label": SYNTHETIC_LABEL,
            "records": total,
            "seed": request.seed,
            "refusal_rate": dict(zip(CATEGORIES, refusal.tolist(), strict=True)),
            "priority_service_share": prio,
        }
    report(0.88, f"Monte Carlo over {request.draws:,} draws")
    params = draw_parameters(beh, request.draws, request.seed)
    result = simulate_draws(
        flows.grants, base_cells, reform_cells, params,
        affected=affected, applications=applications, unallocated=flows.gap,
    )
    not_returned, denominator = people_not_returned(
        observations, flows.iso3, request.year, request.jurisdiction
    )
    policies = [policy_metadata(base_policy, "baseline"), policy_metadata(reform_policy, "reform")]
    not_enacted = [p for p in policies if p["enacted"] is False]
    label_parts = []
    if synthetic_info["synthetic"]:
        label_parts.append("SYNTHETIC microdata (calibrated to published grants)")
    for p in not_enacted:
        note = f": {p['note']}" if p["note"] else ""
        label_parts.append(f"{p['id']} is {p['status']}, not enacted law{note}")
    if request.draws > 1:
        label_parts.append(
            f"bands are 5/50/95 % over {request.draws:,} Monte Carlo draws of assumed behaviour"
        )
    else:
        label_parts.append("single run at the central behavioural assumptions")
    metadata = {
        "label": "; ".join(part.rstrip(". ") for part in label_parts),
        "jurisdiction": request.jurisdiction,
        "year": flows.year,
        "as_of": as_of.isoformat(),
        "draws": request.draws,
        "seed": request.seed,
        "currency": base_cells.currency,
        "policies": policies,
        "synthetic": synthetic_info,
        "data_sources": sorted(set(flows.sources) | set(denominator.get("sources", []))),
        "attribution": ATTRIBUTION_UK if request.jurisdiction == "uk" else None,
        "baseline_gap": flows.gap_report(),
        "leverage_denominator": denominator,
        "assumptions": beh.assumptions(),
        "behaviour_file": beh.path,
        "model": MODEL_NOTE,
        "countries_without_measures": {
            "baseline": list(missing_base),
            "reform": list(missing_reform),
        },
        "law_date": {
            "as_of": as_of.isoformat(),
            "note": "the law in force on as_of is applied to the whole year's flows (a scenario); single "
            "decisions follow each application's own date",
        },
        "scenario_groups": {
            "baseline": group_members(policy_mod.resolve(base_policy, as_of)),
            "reform": group_members(policy_mod.resolve(reform_policy, as_of)),
            "why": "designation groups of a scenario resolve on the law date from the agreements register "
            "and the assessment published by then; these are the countries each group became",
        },
        "measures_not_simulated": {
            "baseline": list(base_cells.unsimulated),
            "reform": list(reform_cells.unsimulated),
            "why": "limited to visa classes or applicant groups that the flows do not distinguish",
        },
        "contexts": "built by visalever.policy (agreements, designations, assessment where available)",
    }
    doc = shape_result(
        result,
        iso3=flows.iso3,
        published=flows.grants,
        not_returned=not_returned,
        unallocated=flows.gap,
        metadata=metadata,
    )
    report(1.0, "done")
    return doc
