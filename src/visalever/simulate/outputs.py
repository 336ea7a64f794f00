"""Shape simulation figures for people and machines: JSON (totals + countries), table rows and CSV rows.

Every output carries the same metadata: the policies with their legal status (an announced direction is
never presented as enacted law), the data sources and attribution, the synthetic label when microdata
was used, every behavioural assumption, and the published gap between nationality rows and national totals.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from visalever.simulate.montecarlo import FIGURES, DrawResult, bands

ATTRIBUTION_UK = (
    "Contains public sector information licensed under the Open Government Licence v3.0 "
    "(Home Office, Immigration system statistics)."
)

COUNTRY_FIGURES: tuple[str, ...] = (
    "published_grants",
    *FIGURES,
    "people_not_returned",
    "leverage",
)


def _num(x: float) -> float | None:
    """JSON-safe number: NaN becomes null; 2 decimals, or 4 significant digits below 1 (ratios)."""
    if x is None or math.isnan(float(x)):
        return None
    v = float(x)
    if v == 0 or abs(v) >= 1:
        return round(v, 2)
    return float(f"{v:.4g}")


def _figure(values: np.ndarray, draws: int) -> Any:
    """A scalar for a single run, {p5, p50, p95} when there are several draws."""
    if draws == 1:
        return _num(float(values.reshape(-1)[0]))
    p = bands(values)
    return {"p5": _num(p[0]), "p50": _num(p[1]), "p95": _num(p[2])}


def _leverage(num: np.ndarray, den: float) -> np.ndarray:
    if math.isnan(den) or den <= 0:
        return np.full(num.shape, np.nan)
    return num / den


def shape_result(
    result: DrawResult,
    *,
    iso3: list[str],
    published: np.ndarray,
    not_returned: np.ndarray,
    unallocated: np.ndarray,
    metadata: dict[str, Any],
) -> dict[str, Any]:
    """The JSON document of one simulation: `label`, `metadata`, `totals`, `countries`."""
    d = result.draws
    countries = []
    for c, code in enumerate(iso3):
        row: dict[str, Any] = {"iso3": code, "published_grants": _num(published[c].sum())}
        for name in FIGURES:
            row[name] = _figure(result.by_country[name][:, c], d)
        row["people_not_returned"] = _num(not_returned[c])
        row["leverage"] = _figure(_leverage(result.by_country["visas_not_issued"][:, c], not_returned[c]), d)
        countries.append(row)
    totals: dict[str, Any] = {"published_grants": _num(published.sum() + unallocated.sum())}
    for name in FIGURES:
        totals[name] = _figure(result.totals[name], d)
    covered = ~np.isnan(not_returned)
    den = float(not_returned[covered].sum()) if covered.any() else float("nan")
    num_cov = result.by_country["visas_not_issued"][:, covered].sum(axis=1) if covered.any() else np.zeros(d)
    totals["people_not_returned"] = _num(den)
    totals["leverage"] = _figure(_leverage(num_cov, den), d)
    totals["unallocated"] = {
        "published_grants": _num(unallocated.sum()),
        "note": (
            "national total minus nationality rows; in baseline and reform totals, no country measure applied"
        ),
    }
    label = metadata.get("label", "")
    return {"label": label, "metadata": metadata, "totals": totals, "countries": countries}


def _flat(value: Any, name: str) -> dict[str, Any]:
    if isinstance(value, dict) and "p50" in value:
        return {f"{name}_p5": value["p5"], f"{name}_p50": value["p50"], f"{name}_p95": value["p95"]}
    return {name: value}


def flat_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """One flat row per country plus a TOTAL row (bands as _p5/_p50/_p95 columns), for CSV and tables."""
    rows = []
    for entry in [*doc["countries"], {"iso3": "TOTAL", **doc["totals"]}]:
        row: dict[str, Any] = {"iso3": entry["iso3"]}
        for name in COUNTRY_FIGURES:
            row.update(_flat(entry.get(name), name))
        row["label"] = doc["label"]
        rows.append(row)
    return rows


def _p50(value: Any) -> float:
    if isinstance(value, dict):
        value = value.get("p50")
    return float(value) if value is not None else 0.0


def table_rows(doc: dict[str, Any], limit: int = 25) -> list[dict[str, Any]]:
    """The countries most affected (by visas not issued, then applications affected), plus TOTAL."""

    def short(x: float) -> str:
        a = abs(x)
        if a >= 1e9:
            return f"{x / 1e9:.2f}bn"
        if a >= 1e6:
            return f"{x / 1e6:.2f}m"
        if a >= 1e4:
            return f"{x / 1e3:.1f}k"
        return f"{x:,.0f}" if a >= 10 or x == 0 else f"{x:.3g}"

    def fmt(v: Any) -> str:
        if v is None:
            return ""
        if isinstance(v, dict):
            if v.get("p50") is None:
                return ""
            if v["p5"] == v["p95"]:
                return short(v["p50"])
            return f"{short(v['p50'])} [{short(v['p5'])}; {short(v['p95'])}]"
        return short(v)

    cols = {
        "baseline_visas": "baseline visas",
        "applications_affected": "apps affected",
        "visas_not_issued": "not issued",
        "fee_revenue_change": "fee change",
        "surcharge_revenue": "surcharge",
        "people_not_returned": "not returned",
        "leverage": "leverage",
    }
    ranked = sorted(
        doc["countries"],
        key=lambda r: (-abs(_p50(r["visas_not_issued"])), -_p50(r["applications_affected"]), r["iso3"]),
    )
    chosen = [r for r in ranked if _p50(r["applications_affected"]) or _p50(r["visas_not_issued"])][:limit]
    out = []
    for r in [*chosen, {"iso3": "TOTAL", **doc["totals"]}]:
        out.append({"iso3": r["iso3"], **{label: fmt(r.get(c)) for c, label in cols.items()}})
    return out
