"""The country brief as data: everything an official preparing a negotiation needs on one country.

Agreement status and history, acts (designations) and the measures in force, cooperation evidence with
trends and the assessment's reasons, evidence from past acts (this country's and the comparable cases
behind each expected response), the options table, this country's part of the least-cost package, and
every source with its hash. Modelled policies, hypothetical options and assumptions are listed in
`labels` and flagged where they appear, so every rendering (HTML, PDF, Markdown) can repeat them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from visalever.errors import InputError

#: Cooperation indicators shown per jurisdiction (first = the returns measure charted).
EVIDENCE: dict[str, list[str]] = {
    "uk": [
        "returns.total",
        "returns.enforced",
        "returns.voluntary",
        "asylum.claims",
        "asylum.refusals",
        "arrivals.small_boat",
        "visas.granted.total",
    ],
    "eu": ["returns.to_third_country", "illegally_present.total", "visas.issued", "visas.refusal_rate"],
    "us": ["removals.total", "returns.total", "visas.issued.niv_total", "visas.issued.b1b2"],
}
YEARS_SHOWN = 10
DEFAULT_TARGET = ("returns", 200.0)


def _annual(obs: pl.DataFrame, j: str, iso3: str, indicators: list[str]) -> pl.DataFrame:
    fiscal = j == "us"
    return obs.filter(
        (pl.col("jurisdiction") == j)
        & (pl.col("iso3") == iso3)
        & pl.col("indicator").is_in(indicators)
        & pl.col("period").str.contains(r"^FY\d{4}$" if fiscal else r"^\d{4}$")
    )


def _grant_year(obs: pl.DataFrame, j: str, as_of: dt.date) -> int:
    rows = obs.filter((pl.col("jurisdiction") == j) & pl.col("indicator").str.starts_with("visas.granted."))
    years = [int(p) for p in rows["period"].unique().to_list() if p.isdigit() and int(p) <= as_of.year]
    return max(years) if years else as_of.year - 1


def _ref(r: Any) -> dict[str, Any]:
    d = r.model_dump(mode="json", exclude_none=True) if hasattr(r, "model_dump") else dict(r)
    return {k: d.get(k) for k in ("title", "url", "instrument")}


def _measures_in_force(j: str, iso3: str, as_of: dt.date) -> dict[str, Any]:
    from visalever import policy as law
    from visalever.appraise.options import _policy
    from visalever.policy.context import build_contexts

    pol = _policy(j)
    ctx = build_contexts(j, as_of, agreements=pol.agreements, designations=pol.designations)
    if iso3 not in ctx:
        return {"policy": pol.id, "rows": [], "status": f"{iso3} is not in the {j} country contexts"}
    try:
        frame = law.resolve(pol, as_of, contexts={iso3: ctx[iso3]}).frame
    except InputError as err:
        return {"policy": pol.id, "rows": [], "status": f"not resolved: {err}"}
    cols = [
        c
        for c in (
            "category",
            "outcome",
            "fee_amount",
            "fee_currency",
            "surcharge_amount",
            "slowdown_days",
            "priority_allowed",
            "multiple_entry_allowed",
            "tier",
            "measure_ids",
        )
        if c in frame.columns
    ]
    rows = frame.filter(pl.col("iso3") == iso3).select(cols).to_dicts()
    return {
        "policy": pol.id,
        "policy_status": getattr(pol, "status", None),
        "rows": rows,
        "context": {k: ctx[iso3].get(k) for k in ("agreement", "assessment")},
        "status": "resolved",
    }


def _levers_and_changes(j: str, iso3: str, day: dt.date) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every lever touching the nationality on the day, and the law's dated changes naming the country."""
    from visalever.policy.changes import all_changes
    from visalever.policy.in_force import measures_for

    levers = [lv.as_dict() for lv in measures_for(iso3, day, j)]
    changes = [c.as_dict() for c in all_changes(j) if c.iso3 == iso3 and c.date <= day]
    return levers, changes


def build_brief(
    iso3: str,
    jurisdiction: str = "uk",
    *,
    as_of: dt.date | None = None,
    target: tuple[str, float] = DEFAULT_TARGET,
    observations: pl.DataFrame | None = None,
) -> dict[str, Any]:
    """The brief document for one country and regime (what `visalever brief --format json` prints)."""
    from visalever import snapshot
    from visalever.appraise.options import appraise
    from visalever.appraise.package import optimise
    from visalever.assess import all_annual, load_config
    from visalever.assess.engine import method_metadata
    from visalever.countries import country_name, is_country_code
    from visalever.effects.acts import INDICATORS, effects
    from visalever.policy import load_agreements, load_designations

    code = iso3.upper()
    if not is_country_code(code):
        raise InputError(f"unknown country code {iso3!r}", location="country")
    j = jurisdiction.lower()
    if j not in EVIDENCE:
        raise InputError(
            f"unknown jurisdiction {jurisdiction!r} (known: uk, eu, us)", location="jurisdiction"
        )
    day = as_of or dt.date.today()
    if not 1991 <= day.year <= 2100:
        raise InputError(f"as of {day}: outside 1991-2100", location="as_of")
    from_snapshot = observations is None
    obs = snapshot.load() if observations is None else observations
    year = _grant_year(obs, j, day)
    labels: list[dict[str, str]] = []

    agreements = (
        [
            {
                **a.model_dump(mode="json", exclude={"sources"}),
                "in_force_on_as_of": a.in_force(day),
                "sources": [_ref(s) for s in a.sources],
            }
            for a in load_agreements(j)
            if a.iso3 == code
        ]
        if j != "eu" or True
        else []
    )
    acts = [
        {
            "id": d.id,
            "kind": d.kind,
            "title": d.title,
            "start": d.start.isoformat(),
            "end": d.end.isoformat() if d.end else None,
            "status": d.status,
            "in_force_on_as_of": d.in_force(day),
            "measures": [m.measure for m in d.measures],
            "date_precision": d.date_precision,
            "note": d.note,
            "legal_reference": _ref(d.legal_reference) if d.legal_reference else None,
            "sources": [_ref(s) for s in d.sources],
        }
        for d in sorted(load_designations(j), key=lambda d: d.start)
        if d.iso3 == code
    ]
    measures = _measures_in_force(j, code, day)
    levers, changelog = _levers_and_changes(j, code, day)

    # cooperation evidence: annual figures, the assessment per year and its latest reasons
    ind = EVIDENCE[j]
    rows = _annual(obs, j, code, ind)
    periods = sorted(set(rows["period"].to_list()), key=lambda p: int(p[-4:]))[-YEARS_SHOWN:]
    table = {i: {p: None for p in periods} for i in ind}
    sources: dict[str, set[str]] = {}  # source -> releases (vintages) the figures shown come from
    for r in rows.filter(pl.col("period").is_in(periods)).iter_rows(named=True):
        table[r["indicator"]][r["period"]] = r["value"]
        sources.setdefault(r["source"], set()).update([r["release"]] if r.get("release") else [])
    cfg = load_config(j)
    results = all_annual(j, config=cfg)
    trend = []
    latest = None
    for p in sorted(results, key=lambda p: int(p[-4:])):
        a = next((x for x in results[p] if x.iso3 == code), None)
        if a is None:
            continue
        trend.append({"period": p, "score": a.score, "tier": a.tier, "confidence": a.confidence})
        if a.score is not None:
            latest = a
    assessment = {
        "method": {
            k: v
            for k, v in method_metadata(cfg).items()
            if k in ("title", "note", "method_file", "method_sha256", "basis")
        },
        "trend": trend[-YEARS_SHOWN:],
        "latest_scored": None if latest is None else latest.model_dump(mode="json"),
    }
    labels.append({"where": "assessment", "label": "ANALYST ASSESSMENT: " + assessment["method"]["note"]})

    # past-lever evidence: acts on this country in any regime, and the comparable cases behind responses
    options = appraise(
        code, j, year, as_of=min(day, dt.date(year, 12, 31)), observations=None if from_snapshot else obs
    )
    comparable = sorted(
        {a for o in options["options"] for a in (o["response_pct"] or {}).get("comparable_acts", [])}
    )
    past: list[dict[str, Any]] = []
    for jj in INDICATORS:
        for act in effects(jj, observations=None if from_snapshot else obs)["acts"]:
            if act["iso3"] == code or act["id"] in comparable:
                r = act["returns"]
                past.append(
                    {
                        "jurisdiction": jj,
                        "id": act["id"],
                        "iso3": act["iso3"],
                        "start": act["start"],
                        "title": act["title"],
                        "this_country": act["iso3"] == code,
                        "status": r["status"],
                        "before": r["before"],
                        "after": r["after"],
                        "estimate": r.get("estimate"),
                        "caveats": r.get("caveats", []),
                        "source": act["source"],
                        "visas_status": act["visas"]["status"],
                    }
                )
    labels.append(
        {
            "where": "past acts",
            "label": "ANALYST ESTIMATES: difference in differences against other "
            "nationalities; one case each, not proof of effect (docs/EFFECTS.md)",
        }
    )
    labels.append({"where": "options", "label": "MODELLED: " + options["label"]})
    for o in options["options"]:
        r = o["response_pct"] or {}
        if r.get("basis") == "assumption":
            labels.append({"where": f"options: {o['id']}", "label": r["note"]})
        if o.get("status") and o["status"] != "enacted":
            labels.append(
                {
                    "where": f"options: {o['id']}",
                    "label": f"MODELLED POLICY: {o['policy']} is {o['status']}, not enacted law",
                }
            )

    # the least-cost package and this country's part in it
    pkg: dict[str, Any]
    if options["currency"] is None or all(o["cost"] is None for o in options["options"]):
        pkg = {"status": f"not computed: no grant flows by category for {j} {year} in the snapshot"}
    else:
        full = optimise(j, year, target[0], target[1], as_of=min(day, dt.date(year, 12, 31)))
        part = [p for p in full["package"] if p["iso3"] == code]
        flagged = code in full["flagged_countries"]
        pkg = {
            "status": "computed",
            "target": full["target"],
            "cost": full["cost"],
            "feasible": full["feasible"],
            "package_size": len(full["package"]),
            "package_cost": full["package_cost"],
            "package_benefit": full["package_benefit"],
            "flagged": flagged,
            "flag": full["flagged_countries"].get(code),
            "this_country": part[0] if part else None,
            "why_not": None
            if part
            else (
                "not flagged by the assessment"
                if not flagged
                else "a cheaper combination of other countries reaches the target"
            ),
            "sensitivity": {
                k: {"in_package": any(x.startswith(code + ":") for x in v["package"]), "cost": v["cost"]}
                for k, v in full["sensitivity"].items()
            },
            "method": full["method"],
        }
        labels.append(
            {
                "where": "package",
                "label": "MODELLED: least-cost package of hypothetical rungs for a "
                f"target of {target[1]:g} {target[0]} (user parameter), not a recommendation of law",
            }
        )

    manifest = snapshot.manifest()
    by_path = {f["path"]: f.get("sha256") for f in manifest.get("files", [])}
    data_sources = []
    for src in sorted(sources):
        data_sources.append(
            {"source": src, "sha256": by_path.get(src.split("#")[0]), "releases": sorted(sources[src])}
        )
    law_sources: list[dict[str, Any]] = []
    for a in agreements:
        law_sources += a["sources"]
    for d in acts:
        law_sources += d["sources"] + ([d["legal_reference"]] if d["legal_reference"] else [])
    for lv in levers:
        law_sources.append({"title": lv["source_title"], "url": lv["source_url"], "instrument": None})
    for c in changelog:
        law_sources.append({"title": c["source_title"], "url": c["source_url"], "instrument": None})
    for o in options["options"]:
        law_sources.append(_ref(o["legal_reference"]))
    seen: set[str] = set()
    law_unique = []
    for r in law_sources:
        key = r.get("url") or r.get("instrument") or r.get("title", "")
        if key not in seen:
            seen.add(key)
            law_unique.append(r)
    return {
        "iso3": code,
        "country": country_name(code),
        "jurisdiction": j,
        "as_of": day.isoformat(),
        "year": year,
        "snapshot": {"observations_sha256": manifest.get("observations_sha256")},
        "attribution": (manifest.get("attribution") or {}).get(j),
        "labels": labels,
        "agreements": agreements,
        "acts": acts,
        "measures_in_force": measures,
        "levers": levers,
        "changelog": changelog,
        "evidence": {"indicators": ind, "periods": periods, "table": table, "returns_indicator": ind[0]},
        "assessment": assessment,
        "past_acts": past,
        "options": options,
        "package": pkg,
        "sources": {
            "data": data_sources,
            "law": law_unique,
            "methods": [
                {
                    "title": assessment["method"]["title"],
                    "file": assessment["method"]["method_file"],
                    "sha256": assessment["method"]["method_sha256"],
                },
                {
                    "title": "Expected responses (assumptions and comparable acts)",
                    "file": "appraise/responses.yaml",
                },
                {
                    "title": "Behavioural parameters of the simulator",
                    "file": f"regimes/{j}/simulation/behaviour.yaml",
                },
                {"title": "Effects of past acts", "file": "docs/EFFECTS.md"},
            ],
        },
    }
