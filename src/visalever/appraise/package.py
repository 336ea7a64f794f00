"""The least-cost package: at most one rung per flagged country reaching a target at least cost.

A 0/1 mixed-integer programme solved exactly by HiGHS through `scipy.optimize.milp`:

    minimise    sum_o cost_o x_o                       (o = one rung for one country)
    subject to  sum_o benefit_o x_o >= target
                sum_{o of country c} x_o <= 1          for every country c
                sum_o metric_o x_o <= limit            for every user limit (visas, revenue, countries...)
                x_o in {0, 1}

Options come from `options.appraise_many` for the countries the regime's assessment flags (any tier
above the lowest, as of the end of the year). Benefits of the `returns` target are expected additional
returns at the central response; the package is re-solved at the low and high responses, and the
central package's returns are recomputed at both, so its sensitivity to the assumptions is explicit.
`brute_force` enumerates every combination for tests.
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from visalever.errors import InputError

#: option metric -> how to read it from an appraisal row (cost dict or expected returns).
METRICS: dict[str, str] = {
    "returns": "expected additional returns a year (central response)",
    "visas_at_stake": "visas of the year in cells the rung restricts",
    "visas": "visas not issued (all categories)",
    "students_workers": "study and work visas not issued",
    "applications": "applications whose treatment changes",
    "revenue_loss": "fee and surcharge revenue lost (negative = gained)",
    "countries": "countries with a rung in the package",
}
COSTS = ("students_workers", "visas", "revenue_loss", "applications")
TARGETS = ("returns", "visas_at_stake")


@dataclass(frozen=True)
class Option:
    """One rung for one country with its figures."""

    iso3: str
    rung: str
    values: dict[str, float]
    returns_low: float
    returns_high: float


def options_from_appraisal(doc: dict[str, Any]) -> tuple[list[Option], list[dict[str, str]]]:
    """Eligible options (simulated, not in force, response known) and why the others were left out."""
    out: list[Option] = []
    left: list[dict[str, str]] = []
    for iso3, c in doc["countries"].items():
        for o in c["options"]:
            why = None
            if o["cost"] is None:
                why = o["cost_status"]
            elif o["already_in_force"]:
                why = "already in force"
            elif o["expected_additional_returns"] is None:
                why = "no expected response (no returns figure for the country)"
            if why:
                left.append({"iso3": iso3, "rung": o["id"], "reason": why})
                continue
            cost, e = o["cost"], o["expected_additional_returns"]
            out.append(
                Option(
                    iso3=iso3,
                    rung=o["id"],
                    values={
                        "returns": float(e["central"]),
                        "visas_at_stake": float(cost["visas_at_stake"]),
                        "visas": float(cost["visas_not_issued"]["total"]),
                        "students_workers": float(cost["students_workers_not_issued"]),
                        "applications": float(cost["applications_affected"]),
                        "revenue_loss": -float(cost["revenue_change"]),
                        "countries": 1.0,
                    },
                    returns_low=float(e["low"]),
                    returns_high=float(e["high"]),
                )
            )
    return out, left


def parse_limits(items: list[str], location: str = "--limit") -> dict[str, float]:
    """`name=value` pairs (CLI --limit, API limit) into a dict; a malformed one is a one-line error."""
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if sep and not np.isfinite(out[name.strip()]):
            raise InputError(f"{item!r}: the number must be finite", location=location)
        if not sep:
            raise InputError(f"expected name=number, got {item!r}", location=location)
    return out


def _check(target: str, cost: str, limits: dict[str, float]) -> None:
    if target not in TARGETS:
        raise InputError(f"unknown target {target!r} (known: {', '.join(TARGETS)})", location="target")
    if cost not in COSTS:
        raise InputError(f"unknown cost {cost!r} (known: {', '.join(COSTS)})", location="cost")
    for k in limits:
        if k not in METRICS:
            raise InputError(f"unknown limit {k!r} (known: {', '.join(METRICS)})", location="limit")


def solve(
    options: list[Option],
    target: str,
    amount: float,
    cost: str,
    limits: dict[str, float] | None = None,
    benefit: np.ndarray | None = None,
) -> dict[str, Any]:
    """The exact least-cost selection, or `feasible: False` with the most the limits allow."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    limits = limits or {}
    _check(target, cost, limits)
    n = len(options)
    b = benefit if benefit is not None else np.array([o.values[target] for o in options])
    c = np.array([o.values[cost] for o in options])
    if n == 0:
        ok = amount <= 0
        return {
            "feasible": ok,
            "chosen": [],
            "cost": 0.0 if ok else None,
            "benefit": 0.0 if ok else None,
            "solve_seconds": 0.0,
            "most_reachable": 0.0,
        }
    countries = sorted({o.iso3 for o in options})
    rows, lb, ub = [b], [amount], [np.inf]
    for iso3 in countries:
        rows.append(np.array([1.0 if o.iso3 == iso3 else 0.0 for o in options]))
        lb.append(-np.inf)
        ub.append(1.0)
    for k, v in limits.items():
        rows.append(np.array([o.values[k] for o in options]))
        lb.append(-np.inf)
        ub.append(v)
    cons = LinearConstraint(np.vstack(rows), np.array(lb), np.array(ub))
    t0 = time.perf_counter()
    res = milp(c, integrality=np.ones(n), bounds=Bounds(0, 1), constraints=[cons])
    secs = time.perf_counter() - t0
    if res.status != 0 or res.x is None:
        # the most benefit the limits allow, to say how far the target is out of reach
        cons2 = LinearConstraint(np.vstack(rows[1:]), np.array(lb[1:]), np.array(ub[1:]))
        best = milp(-b, integrality=np.ones(n), bounds=Bounds(0, 1), constraints=[cons2])
        most = float(-best.fun) if best.x is not None else 0.0
        return {
            "feasible": False,
            "chosen": [],
            "cost": None,
            "benefit": None,
            "solve_seconds": secs,
            "most_reachable": round(most, 1),
            "solver_message": res.message,
        }
    # Among packages of equal least cost, prefer the one that changes fewest applications (second solve
    # with the cost held at its optimum), so that zero-cost ties are not broken arbitrarily.
    tie = np.array([o.values["applications"] for o in options])
    if not np.allclose(tie, c):
        tol = 1e-6 * max(1.0, abs(float(res.fun)))
        hold = LinearConstraint(c[None, :], -np.inf, float(res.fun) + tol)
        res2 = milp(tie, integrality=np.ones(n), bounds=Bounds(0, 1), constraints=[cons, hold])
        if res2.status == 0 and res2.x is not None:
            res = res2
    secs = time.perf_counter() - t0
    x = np.round(res.x).astype(bool)
    return {
        "feasible": True,
        "chosen": [i for i in range(n) if x[i]],
        "cost": float(c[x].sum()),
        "benefit": float(b[x].sum()),
        "solve_seconds": secs,
    }


def brute_force(
    options: list[Option], target: str, amount: float, cost: str, limits: dict[str, float] | None = None
) -> float | None:
    """The least cost by enumerating every choice of at most one rung per country (small instances only)."""
    limits = limits or {}
    by_country: dict[str, list[int]] = {}
    for i, o in enumerate(options):
        by_country.setdefault(o.iso3, []).append(i)
    best: float | None = None
    for combo in itertools.product(*[[None, *ix] for ix in by_country.values()]):
        chosen = [i for i in combo if i is not None]
        if sum(options[i].values[target] for i in chosen) < amount - 1e-9:
            continue
        if any(sum(options[i].values[k] for i in chosen) > v + 1e-9 for k, v in limits.items()):
            continue
        total = sum(options[i].values[cost] for i in chosen)
        if best is None or total < best - 1e-12:
            best = total
    return best


def latest_assessment(jurisdiction: str, as_of: dt.date) -> tuple[str | None, list[Any]]:
    """The latest annual period published by `as_of` in which the method scores any country, and its results.

    Periods are tried newest first, one at a time, so that only the period used is computed.
    """
    from visalever import snapshot
    from visalever.appraise.cache import cached
    from visalever.assess import assess_periods, load_config
    from visalever.assess.inputs import periods_with_data
    from visalever.assess.periods import available_on, parse_period

    cfg = load_config(jurisdiction)
    obs = snapshot.load()
    for p in reversed(periods_with_data(obs, cfg, "annual")):
        if available_on(p, cfg.publication_lag_days) > as_of:
            continue
        key = str(parse_period(p))
        res = cached(
            ("assessment", jurisdiction, key),
            lambda key=key: assess_periods(jurisdiction, [key], observations=obs, config=cfg)[key],
        )
        if any(a.score is not None for a in res):
            return key, res
    return None, []


def flagged_countries(jurisdiction: str, as_of: dt.date) -> dict[str, dict[str, Any]]:
    """Countries in any tier above the lowest in the latest annual assessment published by `as_of`.

    One period for all (not each country's own latest scored year), so that no country is flagged on
    figures many years old.
    """
    from visalever.assess import load_config

    lowest = load_config(jurisdiction).tiers_desc()[-1].id
    period, results = latest_assessment(jurisdiction, as_of)
    return {
        a.iso3: {
            "tier": a.tier,
            "score": a.score,
            "period": period,
            "confidence": a.confidence,
            "metrics": dict(a.metrics),
        }
        for a in sorted(results, key=lambda a: a.iso3)
        if a.score is not None and a.tier != lowest
    }


def _describe(options: list[Option], sol: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "iso3": options[i].iso3,
            "rung": options[i].rung,
            **{k: round(v, 1) for k, v in options[i].values.items() if k != "countries"},
        }
        for i in sol.get("chosen", [])
    ]


def optimise(
    jurisdiction: str,
    year: int,
    target: str,
    amount: float,
    *,
    cost: str = "students_workers",
    limits: dict[str, float] | None = None,
    as_of: dt.date | None = None,
    countries: list[str] | None = None,
) -> dict[str, Any]:
    """The least-cost package document (what `visalever optimise --format json` prints)."""
    from visalever.appraise.cache import cached_hit
    from visalever.appraise.options import check_year

    limits = limits or {}
    _check(target, cost, limits)
    check_year(year)
    key = (
        "optimise",
        jurisdiction,
        year,
        target,
        float(amount),
        cost,
        tuple(sorted(limits.items())),
        as_of,
        None if countries is None else tuple(countries),
    )
    t0 = time.perf_counter()
    doc, hit = cached_hit(
        key, lambda: _optimise(jurisdiction, year, target, amount, cost, limits, as_of, countries)
    )
    if hit:
        doc["timing_seconds"] = {
            **doc["timing_seconds"],
            "cached": True,
            "total_this_call": round(time.perf_counter() - t0, 3),
        }
    return doc


def _optimise(
    jurisdiction: str,
    year: int,
    target: str,
    amount: float,
    cost: str,
    limits: dict[str, float],
    as_of: dt.date | None,
    countries: list[str] | None,
) -> dict[str, Any]:
    from visalever.appraise.options import MODELLED, appraise_many

    t0 = time.perf_counter()
    day = as_of or dt.date(year, 12, 31)
    flags = flagged_countries(jurisdiction, day)
    pool = countries or list(flags)
    assessments = {
        k: {**v, "basis": "analyst assessment (recommendation, not a designation)"} for k, v in flags.items()
    }
    doc = appraise_many(
        jurisdiction, year, pool, as_of=day, assessments=assessments if not countries else None
    )
    opts, left = options_from_appraisal(doc)
    t_build = time.perf_counter() - t0
    central = solve(opts, target, amount, cost, limits)
    sens: dict[str, Any] = {}
    if target == "returns":
        for label, attr in (("low", "returns_low"), ("high", "returns_high")):
            alt = np.array([getattr(o, attr) for o in opts])
            s = solve(opts, target, amount, cost, limits, benefit=alt)
            sens[label] = {
                "feasible": s["feasible"],
                "cost": s["cost"],
                "package": [f"{opts[i].iso3}:{opts[i].rung}" for i in s["chosen"]],
                "central_package_returns": round(float(sum(alt[i] for i in central["chosen"])), 1),
                **({"most_reachable": s["most_reachable"]} if not s["feasible"] else {}),
            }
    total = time.perf_counter() - t0
    return {
        "jurisdiction": jurisdiction,
        "year": year,
        "as_of": day.isoformat(),
        "label": MODELLED,
        "target": {"metric": target, "amount": amount, "meaning": METRICS[target]},
        "cost": {"metric": cost, "meaning": METRICS[cost], "currency": doc["currency"]},
        "limits": {k: {"max": v, "meaning": METRICS[k]} for k, v in limits.items()},
        "method": "0/1 MILP, exact (HiGHS via scipy.optimize.milp); at most one rung per country",
        "flagged_countries": {
            k: {"tier": v["tier"], "score": v["score"], "period": v["period"]}
            for k, v in flags.items()
            if k in pool
        },
        "options_considered": len(opts),
        "options_left_out": left,
        "feasible": central["feasible"],
        "package": _describe(opts, central),
        "package_cost": None if central["cost"] is None else round(central["cost"], 1),
        "package_benefit": None if central["benefit"] is None else round(central["benefit"], 1),
        **({"most_reachable": central["most_reachable"]} if not central["feasible"] else {}),
        "sensitivity": sens,
        "timing_seconds": {
            "build": round(t_build, 3),
            "solve": round(central["solve_seconds"], 4),
            "total": round(total, 3),
        },
    }
