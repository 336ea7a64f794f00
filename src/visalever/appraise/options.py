"""Options appraisal: every rung of a regime's ladder for a nationality, with its cost and expected response.

Cost is the simulator's, not a new model: each rung is applied to the country as a hypothetical
designation (all categories), the law is resolved by `visalever.policy` for the baseline and for the
rung, and `simulate.montecarlo.simulate_draws` compares them on the year's published grants at the
central behavioural assumptions (regimes/<j>/simulation/behaviour.yaml). The response of returns is
drawn from `visalever effects` for the past acts the analyst judged comparable (responses.yaml) when at
least one has an estimate, else it is the labelled assumption with its range.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import yaml

from visalever.errors import InputError

RESPONSES_FILE = Path(__file__).resolve().parent / "responses.yaml"
CATS = ("visit", "study", "work", "family", "other")
MODELLED = (
    "Hypothetical: a rung applied here is a modelled option, not an act; costs are simulated at the central "
    "behavioural assumptions; responses are evidence from past acts or labelled assumptions."
)


@lru_cache(maxsize=1)
def response_spec() -> dict[str, Any]:
    """The responses file (policies, incentive policies, per-rung assumptions and comparable acts)."""
    data = yaml.safe_load(RESPONSES_FILE.read_text(encoding="utf-8"))
    for j, rungs in (data.get("rungs") or {}).items():
        for rid, spec in rungs.items():
            a = spec.get("assumption") or {}
            if not (a.get("low", 0) <= a.get("central", 0) <= a.get("high", 0)) or not spec.get("reasoning"):
                raise InputError(
                    "assumption needs low <= central <= high and a reasoning",
                    location=f"{RESPONSES_FILE}:{j}.{rid}",
                )
    return data


def check_year(year: int) -> None:
    """Years the figures and the law can speak about; anything else is a one-line input error."""
    if not 1990 <= int(year) <= 2100:
        raise InputError(f"year {year} is outside 1990-2100", location="year")


def _policy(jurisdiction: str, key: str = "policies") -> Any:
    from visalever.policy import load_policy

    pid = (response_spec().get(key) or {}).get(jurisdiction)
    if pid is None:
        if key == "policies":
            raise InputError(f"no ladder recorded for jurisdiction {jurisdiction!r}", location="jurisdiction")
        return None
    return load_policy(pid)


def ladder(jurisdiction: str) -> list[dict[str, Any]]:
    """The rungs (non-positive measures of the enacted policy) and incentives (positive measures)."""
    pol = _policy(jurisdiction)
    out = []
    for mid, m in pol.measures.items():
        if m.positive:
            continue
        out.append(
            {
                "id": mid,
                "title": m.title,
                "kind": "penalty",
                "policy": pol.id,
                "status": getattr(pol, "status", None),
                "legal_reference": m.legal_reference.model_dump(exclude_none=True),
            }
        )
    inc = _policy(jurisdiction, "incentive_policies")
    for src in [p for p in (inc, pol) if p is not None]:
        for mid, m in src.measures.items():
            if m.positive and mid not in {r["id"] for r in out}:
                out.append(
                    {
                        "id": mid,
                        "title": m.title,
                        "kind": "incentive",
                        "policy": src.id,
                        "status": getattr(src, "status", None),
                        "legal_reference": m.legal_reference.model_dump(exclude_none=True),
                    }
                )
    return out


def _hypothetical(policy: Any, iso3: str, measure: str, start: dt.date) -> Any:
    from visalever.policy.models import Designation, MeasureUse, Reference

    return Designation(
        id=f"option-{iso3.lower()}-{measure}",
        jurisdiction=policy.jurisdiction,
        iso3=iso3,
        kind="measures",
        title=f"Modelled option: {measure} for {iso3}",
        start=start,
        measures=[MeasureUse(measure=measure)],
        sources=[Reference(title="visalever options appraisal (hypothetical)", instrument="modelled option")],
        hypothetical=True,
    )


def simulated_costs(
    jurisdiction: str,
    year: int,
    iso3s: list[str],
    *,
    as_of: dt.date | None = None,
    observations: pl.DataFrame | None = None,
    rungs: list[dict[str, Any]] | None = None,
    assessments: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """{"rungs": {rung: {iso3: cost}}, "in_force": {iso3: [measures]}, "currency", "missing": {...}}."""
    from visalever import policy as law
    from visalever.policy.context import build_contexts
    from visalever.simulate.behaviour import load_behaviour
    from visalever.simulate.cells import affected_share, cells_from_measures
    from visalever.simulate.flows import flows_from_observations
    from visalever.simulate.montecarlo import simulate_draws

    day = as_of or dt.date(year, 12, 31)
    pol = _policy(jurisdiction)
    if observations is None:
        from visalever import snapshot

        observations = snapshot.load()
    rungs = [r["id"] for r in (rungs or ladder(jurisdiction)) if r["kind"] == "penalty"]
    try:
        flows = flows_from_observations(observations, year, jurisdiction)
    except InputError as err:
        return {"rungs": {}, "in_force": {}, "currency": None, "status": f"not simulated: {err}"}
    index = {c: i for i, c in enumerate(flows.iso3)}
    have = [c for c in iso3s if c in index]
    out: dict[str, Any] = {
        "rungs": {r: {} for r in rungs},
        "in_force": {},
        "currency": None,
        "no_grant_figures": sorted(set(iso3s) - set(have)),
        "status": "simulated",
    }
    if not have:
        return out
    # `assessments` (iso3 -> tier, score, ...) spares the full assessment history when the caller has one
    ctx_all = build_contexts(
        jurisdiction, day, assessments, agreements=pol.agreements, designations=pol.designations
    )
    ctx = {c: ctx_all[c] for c in have if c in ctx_all}
    have = [c for c in have if c in ctx]
    grants = flows.grants[[index[c] for c in have]]
    beh = load_behaviour(jurisdiction=jurisdiction)
    params = {n: beh.per_category_central(n)[None, :] for n in beh.parameters}
    prio = beh.per_category_central("priority_service_share")[None, :]
    base_frame = law.resolve(pol, day, contexts=ctx).frame
    base = cells_from_measures(base_frame, have)
    out["currency"] = base.currency
    for c in have:
        ids = base_frame.filter(pl.col("iso3") == c)["measure_ids"].to_list()
        out["in_force"][c] = sorted({m for lst in ids if lst for m in lst})
    real = list(pol.designations)
    for r in rungs:
        hyp = real + [_hypothetical(pol, c, r, day) for c in have]
        frame = law.resolve(pol, day, contexts=ctx, designations=hyp).frame
        cells = cells_from_measures(frame, have)
        aff = affected_share(base, cells, prio)
        per_cat: dict[str, dict[str, np.ndarray]] = {}
        for k, cat in enumerate(CATS):
            g = np.zeros_like(grants)
            g[:, k] = grants[:, k]
            res = simulate_draws(g, base, cells, params, affected=aff)
            per_cat[cat] = {name: v[0] for name, v in res.by_country.items()}
        for i, c in enumerate(have):

            def fig(
                name: str,
                cats: tuple[str, ...] = CATS,
                i: int = i,
                pc: dict = per_cat,  # type: ignore[type-arg]
            ) -> float:
                return float(sum(pc[k][name][i] for k in cats))

            out["rungs"][r][c] = {
                "visas_not_issued": {k: round(fig("visas_not_issued", (k,)), 1) for k in CATS}
                | {"total": round(fig("visas_not_issued"), 1)},
                "students_workers_not_issued": round(fig("visas_not_issued", ("study", "work")), 1),
                "applications_affected": round(fig("applications_affected"), 1),
                "students_affected": round(fig("applications_affected", ("study",)), 1),
                "workers_affected": round(fig("applications_affected", ("work",)), 1),
                "fee_revenue_change": round(fig("fee_revenue_change"), 0),
                "surcharge_revenue_change": round(fig("surcharge_revenue_change"), 0),
                "revenue_change": round(fig("fee_revenue_change") + fig("surcharge_revenue_change"), 0),
                "visas_at_stake": round(fig("visas_at_stake"), 1),
                "baseline_visas": round(fig("baseline_visas"), 1),
            }
    return out


def responses(jurisdiction: str, observations: pl.DataFrame | None = None) -> dict[str, dict[str, Any]]:
    """Per rung: the expected % change in returns, from comparable past acts or the labelled assumption."""
    from visalever.effects.acts import effects

    spec = (response_spec().get("rungs") or {}).get(jurisdiction, {})
    estimates: dict[str, dict[str, Any]] = {}
    wanted = {a for s in spec.values() for a in s.get("comparable_acts", [])}
    for j in sorted({a.split("-")[0] for a in wanted}):
        for act in effects(j, observations=observations, only=wanted)["acts"]:
            r = act["returns"]
            if act["id"] in wanted and r["status"] == "estimated" and r["estimate"]["interval_pct"]:
                estimates[act["id"]] = {
                    "id": act["id"],
                    "iso3": act["iso3"],
                    "start": act["start"],
                    **{k: r["estimate"][k] for k in ("estimate_pct", "interval_pct", "p_value")},
                    "caveats": r["caveats"],
                }
    out: dict[str, dict[str, Any]] = {}
    for rid, s in spec.items():
        ev = [estimates[a] for a in s.get("comparable_acts", []) if a in estimates]
        a = s["assumption"]
        if ev:
            central = float(np.median([e["estimate_pct"] for e in ev]))  # robust to one extreme case
            out[rid] = {
                "basis": "evidence",
                "low": min(e["interval_pct"][0] for e in ev),
                "central": round(central, 1),
                "high": max(e["interval_pct"][1] for e in ev),
                "evidence": ev,
                "comparable_acts": s.get("comparable_acts", []),
                "note": f"median of {len(ev)} past act(s) judged comparable; range = widest 90 % placebo "
                "interval" + ("; few cases" if len(ev) < 3 else ""),
                "assumption_if_no_evidence": a,
            }
        else:
            out[rid] = {
                "basis": "assumption",
                "low": float(a["low"]),
                "central": float(a["central"]),
                "high": float(a["high"]),
                "evidence": [],
                "comparable_acts": s.get("comparable_acts", []),
                "note": "ASSUMPTION (no comparable past act with an estimate): "
                + " ".join(s["reasoning"].split()),
            }
    return out


def expected_returns(
    resp: dict[str, Any] | None, base: float | None, pool: float | None
) -> dict[str, Any] | None:
    """Additional returns a year at the low/central/high response, capped by the pool where known."""
    if resp is None or base is None:
        return None
    out: dict[str, Any] = {}
    for k in ("low", "central", "high"):
        v = base * resp[k] / 100.0  # negative when the evidence allows returns to fall
        out[k] = round(min(v, pool) if pool is not None else v, 1)
    out["capped_by_pool"] = pool is not None and base * resp["high"] / 100.0 > pool
    return out


def appraise_many(
    jurisdiction: str,
    year: int,
    iso3s: list[str],
    *,
    as_of: dt.date | None = None,
    observations: pl.DataFrame | None = None,
    assessments: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Options for several nationalities in one pass (one resolve per rung for all of them).

    `assessments` (iso3 -> assessment context) is passed to the law's country contexts; None lets the
    policy engine build them from the assessment module (each country's latest scored period).
    """
    from visalever.appraise.pool import pools

    check_year(year)
    from_snapshot = observations is None
    if observations is None:
        from visalever import snapshot

        observations = snapshot.load()
    iso3s = [c.upper() for c in iso3s]
    lad = ladder(jurisdiction)
    costs = simulated_costs(
        jurisdiction, year, iso3s, as_of=as_of, observations=observations, rungs=lad, assessments=assessments
    )
    resp = responses(jurisdiction, None if from_snapshot else observations)
    pl_ = pools(observations, jurisdiction, iso3s, year)
    countries: dict[str, Any] = {}
    for c in iso3s:
        p = pl_[c]
        rows = []
        for r in lad:
            cost = costs["rungs"].get(r["id"], {}).get(c)
            if cost is not None:
                status = "simulated"
            elif r["kind"] == "incentive":
                status = "not simulated: the simulator models no incentive (quotas, kept priority)"
            elif c in costs.get("no_grant_figures", []):
                status = f"not simulated: no {year} grant figures for {c}"
            else:
                status = costs.get("status", "not simulated")
            rr = resp.get(r["id"])
            in_force = r["id"] in costs["in_force"].get(c, [])
            rows.append(
                {
                    **r,
                    "already_in_force": in_force,
                    "cost": cost,
                    "cost_status": status,
                    "response_pct": rr,
                    "expected_additional_returns": None
                    if in_force
                    else expected_returns(rr, p.returns_base, p.pool),
                }
            )
        countries[c] = {
            "iso3": c,
            **p.as_dict(),
            "measures_in_force": costs["in_force"].get(c, []),
            "options": rows,
        }
    return {
        "jurisdiction": jurisdiction,
        "year": year,
        "as_of": (as_of or dt.date(year, 12, 31)).isoformat(),
        "currency": costs.get("currency"),
        "label": MODELLED,
        "cost_model": "visalever.simulate (central behavioural assumptions, published grants of the year)",
        "responses_file": "appraise/responses.yaml",
        "countries": countries,
    }


def appraise(
    iso3: str,
    jurisdiction: str,
    year: int,
    *,
    as_of: dt.date | None = None,
    observations: pl.DataFrame | None = None,
) -> dict[str, Any]:
    """The options appraisal of one nationality."""
    from visalever.countries import country_name, is_country_code

    code = iso3.upper()
    if not is_country_code(code):
        raise InputError(f"unknown country code {iso3!r}", location="country")
    doc = appraise_many(jurisdiction, year, [code], as_of=as_of, observations=observations)
    one = doc.pop("countries")[code]
    return {**doc, "country": country_name(code), **one}


def options_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Flat rows of an appraisal (CLI table, markdown brief)."""
    rows = []
    for o in doc["options"]:
        c = o["cost"] or {}
        r = o["response_pct"] or {}
        e = o["expected_additional_returns"] or {}
        rows.append(
            {
                "rung": o["id"] + (" (in force)" if o["already_in_force"] else ""),
                "kind": o["kind"],
                "visas not issued": c.get("visas_not_issued", {}).get("total", "-")
                if c
                else o["cost_status"],
                "students+workers not issued": c.get("students_workers_not_issued", "-"),
                "applications affected": c.get("applications_affected", "-"),
                f"revenue change ({doc['currency']})": c.get("revenue_change", "-"),
                "response % (low/central/high)": (
                    f"{r['low']:.0f}/{r['central']:.0f}/{r['high']:.0f} {r['basis']}" if r else "not assessed"
                ),
                "extra returns/yr (central)": e.get("central", "-"),
            }
        )
    return rows
