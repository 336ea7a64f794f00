"""Run the method: observations -> inputs -> metrics -> score/tier -> explained `Assessment`s.

All periods asked for are computed in one vectorised pass (the whole UK history in well under a
second); only the per-country explanation (reasons, coverage, confidence) is a Python loop.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import polars as pl

from visalever.assess.config import AssessmentConfig, config_path, load_config
from visalever.assess.inputs import build_inputs, col_partial, col_status, col_value, jurisdiction_rows
from visalever.assess.metrics import (
    CompiledMetric,
    all_refs,
    compile_metrics,
    compute_metrics,
    den_col,
    metric_col,
    num_col,
)
from visalever.assess.model import Assessment
from visalever.assess.periods import available_on, parse_period, shift
from visalever.assess.scoring import INSUFFICIENT, ScoringParams, concern_col, score_frame
from visalever.errors import InputError

ConfigArg = AssessmentConfig | str | Path | None

ANALYST_NOTE = (
    "Metrics, scores and tiers are analyst constructions from official statistics, not official "
    "statistics; an assessment recommends, it is not a designation."
)


def resolve_config(jurisdiction: str, config: ConfigArg) -> AssessmentConfig:
    if isinstance(config, AssessmentConfig):
        return config
    return load_config(jurisdiction, config)


def default_observations() -> pl.DataFrame:
    """The committed snapshot (imported lazily: the assessment core is pure and testable without it)."""
    from visalever import snapshot

    return snapshot.load()


def _fmt(x: float | None) -> str:
    if x is None:
        return "null"
    if x == int(x) and abs(x) >= 1:
        return f"{int(x):,}"
    return f"{x:.3g}"


class _Explainer:
    """Builds reasons, coverage and confidence for one scored row."""

    def __init__(self, cfg: AssessmentConfig, compiled: list[CompiledMetric], params: ScoringParams) -> None:
        self.cfg = cfg
        self.compiled = {c.name: c for c in compiled}
        self.params = params
        self.refs = sorted(all_refs(compiled))
        self.scored_refs = sorted(set().union(*(self.compiled[n].refs for n in params.specs)))
        self.tier_min = dict(params.tiers)

    @functools.lru_cache(maxsize=256)  # noqa: B019 - one explainer per run, few distinct indicators
    def gap_note(self, indicator: str) -> str:
        best = ""
        for prefix, _note in self.cfg.known_gaps.items():
            if indicator.startswith(prefix) and len(prefix) > len(best):
                best = prefix
        return f" ({self.cfg.known_gaps[best]})" if best else ""

    def why_null(self, name: str, row: dict[str, Any], period: str) -> str:
        c = self.compiled[name]
        missing = [
            f"{ind}@{shift(period, lag)}"
            for ind, lag in sorted(c.refs)
            if row[col_status(ind, lag)] == "missing"
        ]
        if missing:
            notes = dict.fromkeys(self.gap_note(m.split("@")[0]) for m in missing)
            return "missing " + ", ".join(missing) + "".join(n for n in notes if n)
        spec = c.spec
        num, den = row.get(num_col(name)), row.get(den_col(name))
        if den is not None and den <= 0:
            return f"not applicable: denominator is {_fmt(den)}"
        volume = max(num or 0.0, den or 0.0) if spec.volume == "max" else (den or 0.0)
        what = "max(numerator, denominator)" if spec.volume == "max" else "denominator"
        return f"{what} {_fmt(volume)} below minimum volume {_fmt(spec.min_volume)}"

    def explain(self, row: dict[str, Any]) -> Assessment:
        period = row["period"]
        metrics = {n: row[metric_col(n)] for n in self.cfg.metrics}
        score = row["score"]
        reasons: list[str] = []
        specs = self.params.specs
        avail = {n: row[concern_col(n)] for n in specs if row[concern_col(n)] is not None}
        avail_w = sum(specs[n].weight for n in avail)
        points = {n: 100.0 * specs[n].weight * c / avail_w for n, c in avail.items()} if avail_w else {}
        if score is not None:
            tid = row["tier"]
            reasons.append(f"tier {tid}: score {score:.1f} >= {_fmt(self.tier_min[tid])}")
        for n in sorted(points, key=lambda k: -points[k]):
            v = metrics[n]
            ratio = ""
            if self.compiled[n].spec.is_ratio:
                ratio = f" ({_fmt(row[num_col(n)])} / {_fmt(row[den_col(n)])})"
            reasons.append(
                f"{n} = {_fmt(v)}{ratio}: concern {avail[n]:.2f} "
                f"(bad {_fmt(specs[n].bad)}, good {_fmt(specs[n].good)})"
                f", {points[n]:.1f} points"
            )
        for n in specs:
            if n not in avail:
                reasons.append(f"{n} not computed: {self.why_null(n, row, period)}")
        if score is None:
            core_ok = any(metrics[n] is not None for n in self.params.core)
            if not core_ok:
                why = "no core metric (" + ", ".join(self.params.core) + ") could be computed"
            else:
                why = (
                    f"computed metrics carry {row['weight_share']:.0%} of the weight, "
                    f"below the minimum {self.params.min_weight_share:.0%}"
                )
            reasons.insert(0, f"{INSUFFICIENT}: {why}")
        coverage: dict[str, list[str]] = {"present": [], "zero": [], "missing": [], "partial": []}
        any_partial = False
        for ind, lag in self.refs:
            key = f"{ind}@{shift(period, lag)}"
            coverage[row[col_status(ind, lag)]].append(key)
            if row[col_partial(ind, lag)]:
                coverage["partial"].append(key)
                any_partial = any_partial or (ind, lag) in self.scored_refs
        if any_partial:
            reasons.append("partial inputs (fewer than four quarters): " + ", ".join(coverage["partial"]))
        confidence = self.confidence(row, avail, any_partial)
        return Assessment(
            iso3=row["iso3"],
            period=period,
            metrics=metrics,
            score=None if score is None else round(score, 2),
            tier=row["tier"],
            reasons=reasons,
            coverage=coverage,
            confidence=confidence,
        )

    def confidence(self, row: dict[str, Any], avail: dict[str, float], partial: bool) -> str:
        if row["score"] is None:
            return "low"
        dens = [row[den_col(n)] for n in avail if self.compiled[n].spec.is_ratio]
        min_den = min(dens) if dens else 0.0
        share = row["weight_share"]
        hi, med = self.cfg.confidence.high, self.cfg.confidence.medium
        if not partial and share >= hi.min_weight_share - 1e-12 and min_den >= hi.min_denominator:
            return "high"
        if share >= med.min_weight_share - 1e-12 and min_den >= med.min_denominator:
            return "medium"
        return "low"


def _sort_key(a: Assessment) -> tuple[int, float, str]:
    return (a.score is None, -(a.score or 0.0), a.iso3)


def metric_table(
    jurisdiction: str,
    periods: Iterable[str],
    observations: pl.DataFrame | None = None,
    config: ConfigArg = None,
) -> tuple[pl.DataFrame, AssessmentConfig, list[CompiledMetric]]:
    """The vectorised part: inputs and metric columns for every (iso3, period) asked for."""
    cfg = resolve_config(jurisdiction, config)
    obs = default_observations() if observations is None else observations
    periods = [str(parse_period(p)) for p in periods]
    compiled = compile_metrics(cfg)
    inputs = build_inputs(obs, cfg, periods, all_refs(compiled))
    return compute_metrics(inputs, compiled), cfg, compiled


def assess_periods(
    jurisdiction: str,
    periods: Iterable[str],
    *,
    observations: pl.DataFrame | None = None,
    config: ConfigArg = None,
) -> dict[str, list[Assessment]]:
    """Assess several periods in one pass; each list sorted by score (highest concern first)."""
    periods = list(periods)
    table, cfg, compiled = metric_table(jurisdiction, periods, observations, config)
    params = ScoringParams.from_config(cfg)
    scored = score_frame(table, params)
    explainer = _Explainer(cfg, compiled, params)
    out: dict[str, list[Assessment]] = {str(parse_period(p)): [] for p in periods}
    for row in scored.iter_rows(named=True):
        out[row["period"]].append(explainer.explain(row))
    for lst in out.values():
        lst.sort(key=_sort_key)
    return out


def assess(
    jurisdiction: str,
    period: str,
    *,
    observations: pl.DataFrame | None = None,
    config: ConfigArg = None,
    sensitivity: int = 0,
    seed: int = 0,
) -> list[Assessment]:
    """Assess every nationality with data in `period`, sorted by score (highest concern first).

    `sensitivity` > 0 re-scores that many seeded perturbations of the method and attaches each
    country's tier-change rate. Raises `InputError` when the snapshot holds no observation for the period.
    """
    cfg = resolve_config(jurisdiction, config)
    obs = default_observations() if observations is None else observations
    key = str(parse_period(period))
    rows = jurisdiction_rows(obs, cfg)
    if rows.filter(pl.col("period") == key).is_empty():
        have = sorted(set(rows.get_column("period").to_list()), key=parse_period)
        span = f"{have[0]}..{have[-1]}" if have else "none"
        raise InputError(
            f"no {jurisdiction} observations for period {key} (periods with data: {span})", location="period"
        )
    base = assess_periods(jurisdiction, [key], observations=obs, config=cfg)[key]
    if sensitivity > 0:
        from visalever.assess.sensitivity import run_sensitivity

        table, _, _ = metric_table(jurisdiction, [key], obs, cfg)
        base = run_sensitivity(table, cfg, base, sensitivity, seed)
    return base


def method_metadata(cfg: AssessmentConfig, path: Path | None = None) -> dict[str, Any]:
    """What every output carries about the method: basis, attribution, file and its hash."""
    p = path or config_path(cfg.jurisdiction)
    digest = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else None
    return {
        "title": cfg.title,
        "version": cfg.version,
        "changes": [c.model_dump(mode="json") for c in cfg.changes],
        "basis": cfg.basis.strip(),
        "note": ANALYST_NOTE,
        "attribution": cfg.attribution,
        "method_file": f"regimes/{cfg.jurisdiction}/assessment.yaml" if path is None else str(p),
        "method_sha256": digest,
        "score": "0 (no concern) .. 100 (greatest concern on returns cooperation); sorted highest first",
        "tiers": [{"id": t.id, "min_score": t.min_score, "label": t.label} for t in cfg.tiers_desc()],
        "metrics": {n: m.label for n, m in cfg.metrics.items()},
    }


def payload(
    jurisdiction: str,
    period: str,
    results: list[Assessment],
    cfg: AssessmentConfig,
    observations: pl.DataFrame | None = None,
) -> dict[str, Any]:
    """The JSON document the CLI and the API both return.

    Besides the assessments it says which releases the figures come from (`vintage`) and which is
    the latest period that can be scored, with the reason the next one cannot (`latest_scorable`),
    so a page can open on that period and say why.
    """
    obs = default_observations() if observations is None else observations
    return {
        "jurisdiction": jurisdiction,
        "period": period,
        "method": method_metadata(cfg),
        "count": len(results),
        "scored": sum(1 for a in results if a.score is not None),
        "vintage": input_releases(cfg, period, obs),
        "latest_scorable": latest_scorable(jurisdiction, observations=obs, config=cfg),
        "assessments": [a.model_dump(mode="json", exclude_none=False) for a in results],
    }


def input_releases(cfg: AssessmentConfig, period: str, observations: pl.DataFrame) -> dict[str, Any]:
    """The releases of the country figures a period's assessment reads: newest first, with counts."""
    if "release" not in observations.columns:
        return {"newest_release": None, "data_to": None, "releases": []}
    refs = all_refs(compile_metrics(cfg))
    wanted = pl.DataFrame(
        [(ind, shift(period, lag)) for ind, lag in sorted(refs)],
        schema={"indicator": pl.String, "period": pl.String},
        orient="row",
    )
    rows = (
        observations.filter(
            (pl.col("jurisdiction") == cfg.jurisdiction)
            & ~pl.col("iso3").is_in(list(cfg.observations.exclude_codes))
        )
        .join(wanted, on=["indicator", "period"])
        .group_by("release")
        .agg(pl.len().alias("figures"), pl.col("indicator").unique().sort().alias("indicators"))
        .sort("release", descending=True)
    )
    releases = [
        {"release": r, "data_to": r[:7], "figures": n, "indicators": inds} for r, n, inds in rows.iter_rows()
    ]
    newest = releases[0]["release"] if releases else None
    return {"newest_release": newest, "data_to": newest[:7] if newest else None, "releases": releases}


def latest_scorable(
    jurisdiction: str, *, observations: pl.DataFrame | None = None, config: ConfigArg = None
) -> dict[str, Any]:
    """The latest annual period with at least one country scored, and why the next one has none.

    The reason is read off the data: the commonest `insufficient_data` reason when the next period has
    observations, else which non-annual figures exist for it (quarters, years ending June), else that
    the snapshot holds nothing for it yet.
    """
    cfg = resolve_config(jurisdiction, config)
    obs = default_observations() if observations is None else observations
    results = all_annual(jurisdiction, observations=obs, config=cfg)
    counts = {p: sum(1 for a in lst if a.score is not None) for p, lst in results.items()}
    scored = sorted((p for p, n in counts.items() if n), key=parse_period)
    if not scored:
        return {"period": None, "scored": 0, "next_period": None, "why_not_next": "no period can be scored"}
    latest = scored[-1]
    nxt = shift(latest, -1)
    if nxt in results:
        reasons: dict[str, int] = {}
        for a in results[nxt]:
            reasons[a.reasons[0]] = reasons.get(a.reasons[0], 0) + 1
        top = max(reasons.items(), key=lambda kv: kv[1])
        why = f"no country can be scored in {nxt}: {top[1]} of {len(results[nxt])} say '{top[0]}'"
    else:
        year = str(parse_period(nxt).year)
        rows = jurisdiction_rows(obs, cfg).filter(pl.col("period").str.contains(year))
        other = rows.group_by("period").agg(pl.col("indicator").unique().sort()).sort("period")
        if other.height:
            parts = [f"{p} ({', '.join(inds)})" for p, inds in other.iter_rows()]
            why = f"no {nxt} figures by nationality for a whole year yet; only " + "; ".join(parts)
        else:
            why = f"no {nxt} figures by nationality in the snapshot yet"
    return {"period": latest, "scored": counts[latest], "next_period": nxt, "why_not_next": why}


_CACHE: dict[tuple[str, int, str], tuple[pl.DataFrame, dict[str, list[Assessment]]]] = {}


def all_annual(
    jurisdiction: str, *, observations: pl.DataFrame | None = None, config: ConfigArg = None
) -> dict[str, list[Assessment]]:
    """Every annual period with data, cached per snapshot frame and method file."""
    from visalever.assess.inputs import periods_with_data

    cfg = resolve_config(jurisdiction, config)
    obs = default_observations() if observations is None else observations
    key = (jurisdiction, id(obs), cfg.model_dump_json())
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is obs:
        return hit[1]
    periods = periods_with_data(obs, cfg, "annual")
    result = assess_periods(jurisdiction, periods, observations=obs, config=cfg) if periods else {}
    if len(_CACHE) > 8:
        _CACHE.clear()
    _CACHE[key] = (obs, result)
    return result


def context_for(
    jurisdiction: str, as_of: dt.date, *, observations: pl.DataFrame | None = None, config: ConfigArg = None
) -> dict[str, dict[str, Any]]:
    """iso3 -> {tier, score, period, metrics, confidence} for the policy engine's CEL context.

    Uses only annual periods published by `as_of` (period end + the method's publication lag). Each
    country gets its latest such period in which it was scored; a country never scored gets its latest
    `insufficient_data` result, so conditions can tell "assessed, not enough data" from "not assessed".
    """
    cfg = resolve_config(jurisdiction, config)
    results = all_annual(jurisdiction, observations=observations, config=cfg)
    usable = [p for p in results if available_on(p, cfg.publication_lag_days) <= as_of]
    usable.sort(key=parse_period, reverse=True)
    out: dict[str, dict[str, Any]] = {}
    fallback: dict[str, Assessment] = {}
    for p in usable:
        for a in results[p]:
            if a.iso3 in out:
                continue
            if a.score is None:
                fallback.setdefault(a.iso3, a)
                continue
            out[a.iso3] = _context_entry(a)
    for iso3, a in fallback.items():
        out.setdefault(iso3, _context_entry(a))
    return out


def _context_entry(a: Assessment) -> dict[str, Any]:
    return {
        "tier": a.tier,
        "score": a.score,
        "period": a.period,
        "metrics": dict(a.metrics),
        "confidence": a.confidence,
        "basis": "analyst assessment (recommendation, not a designation)",
    }


__all__ = ["assess", "assess_periods", "all_annual", "context_for", "payload", "method_metadata", "col_value"]
