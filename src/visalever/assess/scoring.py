"""Scoring and tiers: metric values -> concern per metric -> weighted score -> tier, vectorised.

Kept apart from the per-country explanation so that the sensitivity analysis can re-score hundreds of
perturbed methods over the same metric table in milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from visalever.assess.config import AssessmentConfig, ScoreSpec
from visalever.assess.metrics import den_col, metric_col

INSUFFICIENT = "insufficient_data"


@dataclass(frozen=True)
class ScoringParams:
    """The scoring part of a method: per-metric anchors and weights, tier thresholds, eligibility."""

    specs: Mapping[str, ScoreSpec]
    tiers: Sequence[tuple[str, float]]  # (id, min_score), highest first
    core: Sequence[str]
    min_weight_share: float
    # Weights that decide eligibility (the data rule); perturbed runs keep the method's own weights here.
    eligibility_weights: Mapping[str, float] | None = None

    @classmethod
    def from_config(cls, cfg: AssessmentConfig) -> ScoringParams:
        return cls(
            specs=cfg.scored_metrics(),
            tiers=[(t.id, t.min_score) for t in cfg.tiers_desc()],
            core=list(cfg.eligibility.core_metrics),
            min_weight_share=cfg.eligibility.min_weight_share,
        )


def concern(value: float | None, spec: ScoreSpec) -> float | None:
    """One value -> concern in [0, 1] (`bad` anchor -> 1, `good` -> 0); scalar twin of `concern_expr`."""
    if value is None:
        return None
    if spec.scale == "log":
        if value <= 0:
            t = -math.inf
        else:
            t = math.log(value)
        g, b = math.log(spec.good), math.log(spec.bad)
    else:
        t, g, b = value, spec.good, spec.bad
    raw = (g - t) / (g - b)
    return min(1.0, max(0.0, raw))


def concern_col(name: str) -> str:
    return f"c|{name}"


def concern_expr(name: str, spec: ScoreSpec) -> pl.Expr:
    v = pl.col(metric_col(name))
    if spec.scale == "log":
        t = pl.when(v.is_null()).then(None).when(v > 0).then(v.log()).otherwise(-math.inf)
        g, b = math.log(spec.good), math.log(spec.bad)
    else:
        t, g, b = v, spec.good, spec.bad
    return ((pl.lit(g) - t) / (g - b)).clip(0.0, 1.0)


def score_frame(df: pl.DataFrame, params: ScoringParams) -> pl.DataFrame:
    """Add `c|<metric>`, `weight_share`, `score` (null when not eligible) and `tier` columns."""
    names = list(params.specs)
    elig = params.eligibility_weights or {n: params.specs[n].weight for n in names}
    total = sum(elig[n] for n in names) or 1.0
    df = df.with_columns(**{concern_col(n): concern_expr(n, params.specs[n]) for n in names})
    avail_w = pl.sum_horizontal(
        *[pl.when(pl.col(concern_col(n)).is_not_null()).then(elig[n]).otherwise(0.0) for n in names]
    )
    weighted = pl.sum_horizontal(
        *[(pl.col(concern_col(n)) * params.specs[n].weight).fill_null(0.0) for n in names]
    )
    core_ok = (
        pl.any_horizontal(*[pl.col(metric_col(n)).is_not_null() for n in params.core])
        if params.core
        else pl.lit(True)
    )
    score_w = pl.sum_horizontal(
        *[
            pl.when(pl.col(concern_col(n)).is_not_null()).then(params.specs[n].weight).otherwise(0.0)
            for n in names
        ]
    )
    df = df.with_columns((avail_w / total).alias("weight_share"), (100.0 * weighted / score_w).alias("_raw"))
    eligible = (
        core_ok & (pl.col("weight_share") >= params.min_weight_share - 1e-12) & (pl.col("weight_share") > 0)
    )
    df = df.with_columns(pl.when(eligible).then(pl.col("_raw")).otherwise(None).alias("score")).drop("_raw")
    tier = pl.when(pl.col("score").is_null()).then(pl.lit(INSUFFICIENT))
    for tid, threshold in params.tiers:
        tier = tier.when(pl.col("score") >= threshold).then(pl.lit(tid))
    return df.with_columns(tier.otherwise(pl.lit(params.tiers[-1][0])).alias("tier"))


def min_denominator_expr(params: ScoringParams, ratio_names: set[str]) -> pl.Expr:
    """Smallest denominator among the scored ratio metrics that were computed (for confidence)."""
    parts = [
        pl.when(pl.col(metric_col(n)).is_not_null()).then(pl.col(den_col(n))).otherwise(None)
        for n in params.specs
        if n in ratio_names
    ]
    return pl.min_horizontal(*parts) if parts else pl.lit(None, dtype=pl.Float64)
