"""Baseline visa flows for the simulator: grants by nationality and category from the snapshot.

The baseline is real: the published grants of one year, by nationality, as the snapshot holds them.
Published nationality rows do not sum to the published national totals (rows missing, zeroed or
duplicated in the source), so the gap is carried as an explicit, unallocated remainder that the
simulator reports and never attributes to any country.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from visalever.errors import InputError
from visalever.simulate.behaviour import CATEGORIES

# Snapshot indicator id -> simulator category (the policy engine's category names).
GRANT_INDICATORS: dict[str, str] = {
    "visas.granted.visitor": "visit",
    "visas.granted.study": "study",
    "visas.granted.work": "work",
    "visas.granted.family": "family",
    "visas.granted.other": "other",
}
NATIONAL = "ALL"
NON_VISITOR = "visas.granted.non_visitor"


@dataclass(frozen=True)
class Flows:
    """Grants of one year by nationality (rows) and category (columns, in CATEGORIES order)."""

    jurisdiction: str
    year: str
    iso3: list[str]
    grants: np.ndarray  # (C, K) float64, published nationality rows
    national: np.ndarray  # (K,) published national totals (NaN where none is published)
    sources: list[str] = field(default_factory=list)
    # Nationalities published with a non-visitor total but no category split (counted in the gap).
    unsplit: dict[str, float] = field(default_factory=dict)

    @property
    def by_nationality(self) -> np.ndarray:
        """Sum of the nationality rows per category, shape (K,)."""
        return self.grants.sum(axis=0)

    @property
    def gap(self) -> np.ndarray:
        """Published national total minus the sum of nationality rows, per category (K,)."""
        return np.where(np.isnan(self.national), 0.0, self.national - self.by_nationality)

    def gap_report(self) -> dict[str, Any]:
        """The published gap per category, in words and numbers, for every output's metadata."""
        cats = {}
        for k, cat in enumerate(CATEGORIES):
            nat = None if np.isnan(self.national[k]) else float(self.national[k])
            cats[cat] = {
                "national_total": nat,
                "sum_of_nationality_rows": float(self.by_nationality[k]),
                "gap": float(self.gap[k]) if nat is not None else None,
            }
        return {
            "nationalities_without_category_split": {
                "grants": self.unsplit,
                "note": "published with only a Work/Study/Family/Other total, so they sit in the gap",
            },
            "explanation": (
                "Published nationality rows do not sum to the published national totals (rows missing, "
                "zeroed or duplicated in the source table). The gap is shown as `unallocated`: it is part of "
                "the baseline totals, but no country measure is applied to it because its nationality is "
                "unknown."
            ),
            "by_category": cats,
        }


def flows_from_observations(obs: pl.DataFrame, year: str | int, jurisdiction: str = "uk") -> Flows:
    """Build the grants matrix from snapshot observations (pure: no I/O).

    Raises InputError naming the missing indicators when the year has no grant figures.
    """
    period = str(year)
    wanted = list(GRANT_INDICATORS)
    rows = obs.filter(
        (pl.col("jurisdiction") == jurisdiction)
        & (pl.col("period") == period)
        & pl.col("indicator").is_in(wanted)
    )
    if rows.height == 0:
        raise InputError(
            f"no visa grant figures ({', '.join(wanted)}) for {jurisdiction} {period} in the snapshot",
            location="snapshot",
        )
    rows = rows.with_columns(
        pl.col("indicator").replace_strict(GRANT_INDICATORS, return_dtype=pl.String).alias("category")
    )
    nat = rows.filter(pl.col("iso3") == NATIONAL).group_by("category").agg(pl.col("value").sum())
    national = np.full(len(CATEGORIES), np.nan)
    for cat, val in nat.iter_rows():
        national[CATEGORIES.index(cat)] = float(val)
    ctry = (
        rows.filter(pl.col("iso3") != NATIONAL)
        .group_by("iso3", "category")
        .agg(pl.col("value").sum())
        .pivot(on="category", index="iso3", values="value")
        .sort("iso3")
    )
    for cat in CATEGORIES:
        if cat not in ctry.columns:
            ctry = ctry.with_columns(pl.lit(0.0).alias(cat))
    grants = ctry.select([pl.col(c).fill_null(0.0).cast(pl.Float64) for c in CATEGORIES]).to_numpy()
    sources = sorted(set(rows["source"].to_list())) if "source" in rows.columns else []
    split = set(ctry["iso3"].to_list())
    unsplit_rows = obs.filter(
        (pl.col("jurisdiction") == jurisdiction)
        & (pl.col("period") == period)
        & (pl.col("indicator") == NON_VISITOR)
        & (pl.col("iso3") != NATIONAL)
        & ~pl.col("iso3").is_in(list(split))
    )
    unsplit = {r["iso3"]: float(r["value"]) for r in unsplit_rows.iter_rows(named=True)}
    return Flows(
        jurisdiction=jurisdiction,
        year=period,
        iso3=ctry["iso3"].to_list(),
        grants=np.ascontiguousarray(grants, dtype=np.float64),
        national=national,
        sources=sources,
        unsplit=unsplit,
    )


def load_flows(year: str | int, jurisdiction: str = "uk") -> Flows:
    """Baseline flows of `year` from the packaged snapshot (the I/O edge of this module)."""
    from visalever import snapshot

    return flows_from_observations(snapshot.load(), year, jurisdiction)
