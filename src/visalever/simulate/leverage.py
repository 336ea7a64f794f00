"""The leverage denominator: people not returned, estimated from the snapshot's asylum and returns figures.

Leverage is what a measure puts at stake against what it is meant to move: visas not issued per person
not returned. No official table counts "people who should have been returned and were not" by
nationality, so the denominator is an explicit, labelled estimate from published figures, and is null
wherever a component is missing rather than guessed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

DENOMINATOR_DEFINITION = (
    "people_not_returned = max(0, asylum claims x (1 - initial grant rate) - returns excluding refusals at "
    "port), for the simulated year (the grant rate from the latest period published up to that year). "
    "A proxy from published figures: claims, decisions and returns are different cohorts, and returns "
    "include people who never claimed asylum. Null where a component is not published for the country."
)


def _latest(obs: pl.DataFrame, indicator: str, year: str, jurisdiction: str) -> pl.DataFrame:
    """Latest yearly value per iso3 of `indicator` with period <= year (periods compared as text)."""
    rows = obs.filter(
        (pl.col("jurisdiction") == jurisdiction)
        & (pl.col("indicator") == indicator)
        & (pl.col("iso3") != "ALL")
    )
    if rows.height == 0:
        schema = {"iso3": pl.String, "value": pl.Float64, "period": pl.String, "unit": pl.String}
        return pl.DataFrame(schema=schema)
    rows = rows.with_columns(pl.col("period").str.slice(0, 4).alias("_y")).filter(pl.col("_y") <= year)
    if indicator != "asylum.initial_grant_rate":  # pooled rates may carry a multi-year period
        rows = rows.filter(pl.col("period").str.len_chars() == 4)
    return (
        rows.sort("period")
        .group_by("iso3")
        .agg(pl.col("value").last(), pl.col("period").last(), pl.col("unit").last(),
             pl.col("source").last() if "source" in rows.columns else pl.lit(None, pl.String).alias("source"))
    )


def people_not_returned(
    obs: pl.DataFrame, iso3: list[str], year: str | int, jurisdiction: str = "uk"
) -> tuple[np.ndarray, dict[str, Any]]:
    """Estimated people not returned per nationality (C,), NaN where unknown, and the denominator note."""
    y = str(year)
    claims = _latest(obs, "asylum.claims", y, jurisdiction).filter(pl.col("period") == y)
    rate = _latest(obs, "asylum.initial_grant_rate", y, jurisdiction)
    total = _latest(obs, "returns.total", y, jurisdiction).filter(pl.col("period") == y)
    port = _latest(obs, "returns.refused_at_port", y, jurisdiction).filter(pl.col("period") == y)
    frame = (
        pl.DataFrame({"iso3": iso3})
        .join(claims.select("iso3", pl.col("value").alias("claims")), on="iso3", how="left")
        .join(rate.select("iso3", pl.col("value").alias("rate"), pl.col("unit").alias("rate_unit")),
              on="iso3", how="left")
        .join(total.select("iso3", pl.col("value").alias("returns")), on="iso3", how="left")
        .join(port.select("iso3", pl.col("value").alias("port")), on="iso3", how="left")
    )
    rate_share = (
        pl.when((pl.col("rate_unit").str.contains("(?i)percent|%")) | (pl.col("rate") > 1.0))
        .then(pl.col("rate") / 100.0)
        .otherwise(pl.col("rate"))
    )
    frame = frame.with_columns(
        ((pl.col("claims") * (1.0 - rate_share)) - (pl.col("returns") - pl.col("port").fill_null(0.0)))
        .clip(lower_bound=0.0)
        .alias("not_returned")
    )
    values = frame["not_returned"].cast(pl.Float64).fill_null(float("nan")).to_numpy()
    used = [t for t in (claims, rate, total, port) if "source" in t.columns]
    sources = sorted({s for t in used for s in t["source"].drop_nulls().to_list()})
    covered = int(np.sum(~np.isnan(values)))
    note = {
        "definition": DENOMINATOR_DEFINITION,
        "indicators": [
            "asylum.claims", "asylum.initial_grant_rate", "returns.total", "returns.refused_at_port"
        ],
        "countries_with_denominator": covered,
        "sources": sources,
        "leverage": "visas_not_issued / people_not_returned (visas withheld per person not returned)",
    }
    return values, note
