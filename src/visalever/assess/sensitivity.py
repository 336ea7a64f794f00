"""Sensitivity: re-score under seeded random perturbations of weights, anchors and tier thresholds.

A ranking that flips under small changes of the analyst's choices must say so: each country gets the
share of perturbed runs whose tier differs from the base tier. Metric values and minimum volumes are
not perturbed (they are data and the small-numbers rule, not scoring choices).
"""

from __future__ import annotations

import random
from collections import Counter

import polars as pl

from visalever.assess.config import AssessmentConfig
from visalever.assess.model import Assessment, Sensitivity
from visalever.assess.scoring import ScoringParams, score_frame


def perturbed(params: ScoringParams, cfg: AssessmentConfig, rng: random.Random) -> ScoringParams:
    """One perturbed copy of the scoring parameters (the lowest tier keeps its 0 floor)."""
    s = cfg.sensitivity
    specs = {}
    for name, spec in params.specs.items():
        bad = spec.bad * rng.uniform(1 - s.anchor_jitter, 1 + s.anchor_jitter)
        good = spec.good * rng.uniform(1 - s.anchor_jitter, 1 + s.anchor_jitter)
        if bad == good:
            good = spec.good
        weight = spec.weight * rng.uniform(1 - s.weight_jitter, 1 + s.weight_jitter)
        specs[name] = spec.model_copy(update={"bad": bad, "good": good, "weight": weight})
    tiers = [
        (
            tid,
            threshold if threshold <= 0 else threshold + rng.uniform(-s.threshold_jitter, s.threshold_jitter),
        )
        for tid, threshold in params.tiers
    ]
    tiers.sort(key=lambda t: t[1], reverse=True)
    return ScoringParams(
        specs=specs,
        tiers=tiers,
        core=params.core,
        min_weight_share=params.min_weight_share,
        eligibility_weights={n: sp.weight for n, sp in params.specs.items()},
    )


def run_sensitivity(
    table: pl.DataFrame, cfg: AssessmentConfig, base: list[Assessment], runs: int, seed: int = 0
) -> list[Assessment]:
    """Attach a `Sensitivity` to each assessment of one period (same order as `base`)."""
    if runs <= 0:
        return base
    params = ScoringParams.from_config(cfg)
    rng = random.Random(seed)
    tiers: dict[tuple[str, str], Counter[str]] = {}
    scores: dict[tuple[str, str], list[float]] = {}
    for _ in range(runs):
        out = score_frame(table, perturbed(params, cfg, rng)).select("iso3", "period", "score", "tier")
        for iso3, period, score, tier in out.iter_rows():
            tiers.setdefault((iso3, period), Counter())[tier] += 1
            if score is not None:
                scores.setdefault((iso3, period), []).append(score)
    result = []
    for a in base:
        counts = tiers.get((a.iso3, a.period), Counter())
        changed = sum(n for t, n in counts.items() if t != a.tier)
        sc = scores.get((a.iso3, a.period))
        sens = Sensitivity(
            runs=runs,
            tier_change_rate=round(changed / runs, 4),
            tiers=dict(sorted(counts.items())),
            score_range=(round(min(sc), 2), round(max(sc), 2)) if sc else None,
        )
        if changed / runs > 0.2:
            reasons = [*a.reasons, f"unstable: tier changes in {changed / runs:.0%} of {runs} perturbed runs"]
        else:
            reasons = list(a.reasons)
        result.append(a.model_copy(update={"sensitivity": sens, "reasons": reasons}))
    return result
