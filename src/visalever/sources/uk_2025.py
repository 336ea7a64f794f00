"""Home Office 2025 figures as reshaped by ukdemographics (JSON): visas granted, asylum, returns.

These are not Home Office files, so every figure is checked against the national totals the same
file carries, and the known defects are handled explicitly and reported:
- zero rows that shadow a correctly matched row ("Gambia" 0 vs "The Gambia") are dropped;
- exact duplicates (DR Congo twice) are kept once;
- an all-zero row with no duplicate (United States, Russia) is not a real figure: it is rejected,
  and for the United States the file's own top-20 list gives the non-visitor total instead;
- the `source` text says "year ending June 2026" but the figures are calendar-year 2025 (`year`).
Home Office 2001-2024 tables win where both publish the same figure (priority 30 < 50).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from visalever.countries import is_noncountry
from visalever.sources.common import (
    Finding,
    ReadResult,
    complete_years,
    map_labels,
    new_report,
    obs_frame,
    release_id,
)

DIR = "uk/home_office_2025"
PRIORITY = 30
# Which Home Office release each file reshapes, from the file's own source text. The folder README
# says "May 2026 release", but asylum-bridge.json, grant-rates-nationality.json and route-dashboard.json
# cite the year ending December 2025 statistics and their 2025 returns equal that vintage (56,197),
# so they carry it; visa-routes.json cites the year ending June 2026 release.
RELEASE_DEC_2025 = release_id(
    "2025-12", "Home Office", "Immigration system statistics, year ending December 2025"
)
RELEASE_JUN_2026 = release_id(
    "2026-06", "Home Office", "Immigration system statistics, year ending June 2026"
)
ROUTES = {
    "Work": "visas.granted.work",
    "Study": "visas.granted.study",
    "Family": "visas.granted.family",
    "Other": "visas.granted.other",
}
RETURN_TYPES = {
    "Enforced return": "returns.enforced",
    "Voluntary return": "returns.voluntary",
    "Refused entry at port and subsequently departed": "returns.refused_at_port",
}


def _load(root: Path, name: str) -> tuple[Any, Any]:
    rel = f"{DIR}/{name}"
    rep = new_report(root, rel)
    with open(root / rel, encoding="utf-8") as fh:
        return rep, json.load(fh)


def _frame(
    rows: list[tuple[str, str, str, float]], *, unit: str, source: str, release: str = RELEASE_DEC_2025
) -> pl.DataFrame:
    df = pl.DataFrame(
        rows,
        schema={"iso3": pl.String, "period": pl.String, "indicator": pl.String, "value": pl.Float64},
        orient="row",
    )
    return obs_frame(df, jurisdiction="uk", unit=unit, source=source, priority=PRIORITY, release=release)


def read_visa_routes(root: Path, res: ReadResult) -> None:
    rep, data = _load(root, "visa-routes.json")
    rel = rep.path
    year = str(data["year"])
    if "June 2026" in data.get("source", "") and year == "2025":
        res.findings.append(
            Finding(
                "mislabelled_period",
                "warning",
                rel,
                "source text says 'year ending June 2026' but the figures are calendar-year "
                "2025 (field year=2025, keys *2025): stored as period 2025",
            )
        )
    bridge = data["bridge"]
    rep.rows_read = len(bridge)
    mapping = map_labels(sorted({r["country"] for r in bridge}), "ukdemographics", rel, res)
    by_code: dict[str, list[dict[str, Any]]] = {}
    for r in bridge:
        code = mapping.get(r["country"])
        if code is None:
            rep.reject("unmapped nationality label")
            continue
        if is_noncountry(code):
            rep.reject(f"non-country label ({code.split(':', 1)[1]})")
            continue
        by_code.setdefault(code, []).append(r)

    def figures(r: dict[str, Any]) -> tuple[float, ...]:
        mix = r.get("visaRouteMixCounts") or {}
        return (float(r.get("visaGrants2025_total_visitor") or 0), *(float(mix.get(k) or 0) for k in ROUTES))

    top = {
        t["country"]: float(t["totalGrants"])
        for t in data.get("topVisaNationalities2025_workShareRoutes", [])
    }
    top_map = map_labels(sorted(top), "ukdemographics", rel, res)
    top_by_code = {top_map[k]: v for k, v in top.items() if top_map.get(k)}
    rows: list[tuple[str, str, str, float]] = []
    src = f"{rel}#bridge (Vis_D02 entry clearance visas granted, 2025)"
    for code in sorted(by_code):
        group = by_code[code]
        real = [r for r in group if any(figures(r))]
        zeros = [r for r in group if not any(figures(r))]
        if real and zeros:
            res.findings.append(
                Finding(
                    "zero_duplicate",
                    "warning",
                    rel,
                    f"{code}: zero row(s) {', '.join(repr(z['country']) for z in zeros)} shadow the real row "
                    f"{real[0]['country']!r}: zero rows dropped",
                    len(zeros),
                )
            )
            rep.reject("zero duplicate of a real row", len(zeros))
        if len(real) > 1:
            distinct = {figures(r) for r in real}
            if len(distinct) == 1:
                res.findings.append(
                    Finding(
                        "duplicate_removed",
                        "warning",
                        rel,
                        f"{code} appears {len(real)} times with the same visa figures "
                        f"({', '.join(repr(r['country']) for r in real)}): kept once",
                        len(real) - 1,
                    )
                )
                rep.reject("exact duplicate row", len(real) - 1)
                real = real[:1]
            else:
                res.findings.append(
                    Finding(
                        "conflicting_duplicate",
                        "error",
                        rel,
                        f"{code} appears with different figures: rows rejected",
                        len(real),
                    )
                )
                rep.reject("conflicting duplicate rows", len(real))
                continue
        if not real:
            detail = f"{code} ({zeros[0]['country']!r}) reads 0 for every route with no duplicate: rejected"
            if code in top_by_code:
                detail += (
                    f"; the same file's top-20 list gives {top_by_code[code]:,.0f} Work/Study/Family/Other "
                    "grants, stored as visas.granted.non_visitor"
                )
                rows.append((code, year, "visas.granted.non_visitor", top_by_code[code]))
            res.findings.append(Finding("suspicious_zero", "warning", rel, detail))
            rep.reject("all-zero row (suspicious, not a real figure)", len(zeros))
            continue
        r = real[0]
        rep.rows_kept += 1
        visitor, *routes = figures(r)
        rows.append((code, year, "visas.granted.visitor", visitor))
        for ind, v in zip(ROUTES.values(), routes, strict=True):
            rows.append((code, year, ind, v))
        rows.append((code, year, "visas.granted.non_visitor", float(sum(routes))))
        rows.append((code, year, "visas.granted.total", visitor + float(sum(routes))))
    nat = {k: float(v) for k, v in data["nationalRouteTotals2025"].items()}
    all_rows = [("ALL", year, "visas.granted.visitor", nat["Visitor"])]
    all_rows += [("ALL", year, ind, nat[k]) for k, ind in ROUTES.items()]
    all_rows.append(("ALL", year, "visas.granted.non_visitor", sum(nat[k] for k in ROUTES)))
    all_rows.append(("ALL", year, "visas.granted.total", sum(nat.values())))
    # Reconcile: nationality rows against the national totals the file itself publishes.
    sums: dict[str, float] = {}
    for _code, _, ind, v in rows:
        sums[ind] = sums.get(ind, 0.0) + v
    for _, _, ind, total in all_rows:
        gap = total - sums.get(ind, 0.0)
        if abs(gap) > 0.5:
            res.findings.append(
                Finding(
                    "unreconciled_total",
                    "warning",
                    rel,
                    f"{ind} 2025: nationality rows sum to {sums.get(ind, 0.0):,.0f}, national total "
                    f"{total:,.0f}, gap {gap:,.0f} ({gap / total:.1%})",
                )
            )
    res.frames.append(_frame(rows, unit="visas", source=src, release=RELEASE_JUN_2026))
    res.frames.append(
        _frame(all_rows, unit="visas", source=f"{rel}#nationalRouteTotals2025", release=RELEASE_JUN_2026)
    )
    res.files.append(rep)


def read_asylum_bridge(root: Path, res: ReadResult) -> None:
    rep, data = _load(root, "asylum-bridge.json")
    rel = rep.path
    nt = data["nationalTotals"]
    rows = [
        ("ALL", "2025", "asylum.claims", float(nt["asylumClaims2025"])),
        ("ALL", "2025", "returns.total", float(nt["returns2025"])),
    ]
    rows += [("ALL", "2025", RETURN_TYPES[k], float(v)) for k, v in nt["returns2025_byType"].items()]
    by_type_sum = sum(float(v) for v in nt["returns2025_byType"].values())
    if abs(by_type_sum - float(nt["returns2025"])) > 0.5:
        res.findings.append(
            Finding(
                "unreconciled_total",
                "warning",
                rel,
                f"returns by type sum to {by_type_sum:,.0f} vs total {nt['returns2025']:,}",
            )
        )
    bridge = data["bridge"]
    rep.rows_read = len(bridge)
    labels = sorted(
        {r["country"] for r in bridge}
        | {r["country"] for r in data["topClaimNationalities2025"]}
        | {r["country"] for r in data["topReturnNationalities2025"]}
    )
    mapping = map_labels(labels, "ukdemographics", rel, res)
    seen: set[tuple[str, str]] = set()
    for r in bridge:
        code = mapping.get(r["country"])
        if not code or is_noncountry(code):
            rep.reject("unmapped or non-country label")
            continue
        rep.rows_kept += 1
        if r.get("asylumClaims2025") is not None:
            rows.append((code, "2025", "asylum.claims", float(r["asylumClaims2025"])))
            seen.add((code, "asylum.claims"))
        if r.get("returns2025_total") is not None:
            rows.append((code, "2025", "returns.total", float(r["returns2025_total"])))
            seen.add((code, "returns.total"))
            for k, v in (r.get("returns2025_byType") or {}).items():
                rows.append((code, "2025", RETURN_TYPES[k], float(v)))
    # Top-15 lists add nationalities the 29-row bridge lacks; where both exist they must agree.
    for key, ind, field in [
        ("topClaimNationalities2025", "asylum.claims", "claims"),
        ("topReturnNationalities2025", "returns.total", "returns"),
    ]:
        for t in data[key]:
            code = mapping.get(t["country"])
            if not code or is_noncountry(code) or (code, ind) in seen:
                continue
            rows.append((code, "2025", ind, float(t[field])))
            seen.add((code, ind))
    res.frames.append(_frame(rows, unit="people", source=f"{rel}#Asy_D01/Ret_D01 2025 (reshaped)"))
    res.files.append(rep)


def read_grant_rates(root: Path, res: ReadResult) -> None:
    """2025 initial decisions (grants, refusals, rate) for the 15 nationalities with a time series."""
    rep, data = _load(root, "grant-rates-nationality.json")
    rel = rep.path
    series = data["timeSeries"]
    rep.rows_read = len(series)
    mapping = map_labels(sorted(series), "ukdemographics", rel, res)
    map_labels(
        sorted({r["nationality"] for r in data["leagueTable"] + data["volumeRanking"]}),
        "ukdemographics",
        rel,
        res,
    )
    rows: list[tuple[str, str, str, float]] = []

    def add(code: str, y: dict[str, Any]) -> None:
        g, r = float(y["grants"]), float(y["refusals"])
        rows.extend([(code, "2025", "asylum.grants", g), (code, "2025", "asylum.refusals", r)])
        if g + r > 0:
            rows.append((code, "2025", "asylum.initial_grant_rate", g / (g + r)))

    for label, years in series.items():
        code = mapping.get(label)
        if not code or is_noncountry(code) or "2025" not in years:
            rep.reject("no 2025 figures or non-country label")
            continue
        rep.rows_kept += 1
        add(code, years["2025"])
    if "2025" in data.get("annualOverall", {}):
        add("ALL", data["annualOverall"]["2025"])
    rep.note = (
        "2025 only: earlier years come from grant_rates_initial_annual.csv; pooled league table not used"
    )
    df = _frame(rows, unit="decisions", source=f"{rel}#timeSeries (Asy_D02, 2025)")
    df = df.with_columns(
        pl.when(pl.col("indicator") == "asylum.initial_grant_rate")
        .then(pl.lit("ratio (grants / (grants + refusals))"))
        .otherwise(pl.col("unit"))
        .alias("unit")
    )
    res.frames.append(df)
    res.files.append(rep)


def read_route_dashboard(root: Path, res: ReadResult) -> None:
    """National series: small-boat arrivals by year, asylum claims and returns by quarter (ALL only)."""
    rep, data = _load(root, "route-dashboard.json")
    rel = rep.path
    rows: list[tuple[str, str, str, float]] = []
    for fam in data.get("routeFamilies", []):
        if fam.get("id") == "small_boats":
            for s in fam.get("series", []):
                rows.append(("ALL", str(s["periodLabel"]), "arrivals.small_boat", float(s["value"])))
    nsd = data["nationalSystemDynamics"]
    quarterly: list[tuple[str, str, str, float]] = []
    for s in nsd["flowSeries"]["claims"]:
        quarterly.append(("ALL", s["periodLabel"].replace(" ", ""), "asylum.claims", float(s["value"])))
    ret_map = {
        "total": "returns.total",
        "voluntary": "returns.voluntary",
        "enforced": "returns.enforced",
        "refusedEntryDeparted": "returns.refused_at_port",
    }
    for key, ind in ret_map.items():
        for s in nsd["postDecisionPath"]["returns"]["series"][key]:
            quarterly.append(("ALL", s["periodLabel"].replace(" ", ""), ind, float(s["value"])))
    years = complete_years([q[1] for q in quarterly])
    annual: dict[tuple[str, str], float] = {}
    for _, p, ind, v in quarterly:
        if p[:4] in years:
            annual[(p[:4], ind)] = annual.get((p[:4], ind), 0.0) + v
    rep.rows_read = rep.rows_kept = len(rows) + len(quarterly)
    rows += quarterly + [("ALL", p, ind, v) for (p, ind), v in sorted(annual.items())]
    res.frames.append(
        _frame(rows, unit="people", source=f"{rel}#national series (Irr_D01, Asy_D01, Ret_D01)")
    )
    res.files.append(rep)


def scan_education(root: Path, res: ReadResult) -> None:
    rep, data = _load(root, "education-visas.json")
    rep.rows_read = len(data.get("top_nationalities_2025", []))
    rep.reject("not used for indicators: overlaps visa-routes.json Study (incl. dependants)", rep.rows_read)
    rep.note = "labels checked only"
    map_labels(
        sorted(
            {r["nationality"] for r in data["top_nationalities_2025"]}
            | set(data.get("level_by_top_nationalities_2025", {}))
        ),
        "ukdemographics",
        rep.path,
        res,
    )
    res.files.append(rep)


def read(root: Path) -> ReadResult:
    res = ReadResult()
    read_visa_routes(root, res)
    read_asylum_bridge(root, res)
    read_grant_rates(root, res)
    read_route_dashboard(root, res)
    scan_education(root, res)
    return res
