"""Observations -> one row per (nationality, period) with each input indicator, its status and lag.

The assessment must say which inputs were present, read as zero or missing, so this step keeps a
status beside every value: `present`, `zero` (the nationality has no row in a source that publishes
every nationality: the Home Office omits zero rows) or `missing` (no data for the period, or a
partial top-N source). Annual figures built from fewer than four quarters are flagged `partial`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import polars as pl

from visalever.assess.config import AssessmentConfig
from visalever.assess.periods import parse_period, shift

_ISO3 = re.compile(r"^[A-Z]{3}$")


def col_value(indicator: str, lag: int) -> str:
    return f"v|{indicator}|{lag}"


def col_status(indicator: str, lag: int) -> str:
    return f"s|{indicator}|{lag}"


def col_partial(indicator: str, lag: int) -> str:
    return f"p|{indicator}|{lag}"


def jurisdiction_rows(obs: pl.DataFrame, cfg: AssessmentConfig) -> pl.DataFrame:
    """Country rows of the jurisdiction (national totals and non-ISO codes set apart)."""
    excluded = set(cfg.observations.exclude_codes)
    return obs.filter(
        (pl.col("jurisdiction") == cfg.jurisdiction)
        & ~pl.col("iso3").is_in(list(excluded))
        & pl.col("iso3").str.contains(r"^[A-Z]{3}$")
    ).select("iso3", "period", "indicator", "value", "unit", "source")


def _with_period_parts(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(
        pl.col("period").str.extract(r"^(?:FY)?(\d{4})", 1).cast(pl.Int32).alias("_year"),
        pl.col("period").str.contains("Q").alias("_is_q"),
    )


def periods_with_data(obs: pl.DataFrame, cfg: AssessmentConfig, kind: str = "annual") -> list[str]:
    """Periods of a kind with any country observation, oldest first.

    "annual" means any whole year, calendar or US fiscal: a jurisdiction publishes one or the other.
    """
    rows = jurisdiction_rows(obs, cfg)
    out = []
    for p in rows.get_column("period").unique().to_list():
        try:
            pk = parse_period(p).kind
            if pk == kind or (kind == "annual" and pk == "fiscal"):
                out.append(p)
        except Exception:  # noqa: BLE001 - unknown period formats are not ours to judge here
            continue
    return sorted(out, key=parse_period)


def build_inputs(
    obs: pl.DataFrame,
    cfg: AssessmentConfig,
    periods: Iterable[str],
    refs: set[tuple[str, int]],
) -> pl.DataFrame:
    """One row per (iso3, period) in `periods`; value/status/partial columns per (indicator, lag)."""
    periods = list(dict.fromkeys(periods))
    indicators = sorted({ind for ind, _ in refs})
    lags = sorted({lag for _, lag in refs})
    rows = jurisdiction_rows(obs, cfg)
    universe = rows.get_column("iso3").unique().sort()
    needed_periods = sorted({shift(p, lag) for p in periods for lag in lags} | set(periods))
    data = rows.filter(pl.col("indicator").is_in(indicators))
    # One figure per key: a duplicate (two sources) keeps the first source in sort order.
    data = data.sort("source").unique(
        subset=["iso3", "period", "indicator"], keep="first", maintain_order=True
    )
    data = _with_period_parts(data)

    # Annual figures from quarters where a year has quarterly country rows but no annual ones.
    annual = data.filter(~pl.col("_is_q"))
    quarters = data.filter(pl.col("_is_q"))
    zero_units = list(cfg.observations.zero_fill_units)
    n_quarters = quarters.group_by("indicator", "_year").agg(pl.col("period").n_unique().alias("_nq"))
    derived = (
        quarters.filter(pl.col("unit").is_in(zero_units))
        .group_by("iso3", "indicator", "_year")
        .agg(pl.col("value").sum(), pl.col("unit").first(), pl.col("source").first())
        .join(annual.select("indicator", "_year").unique(), on=["indicator", "_year"], how="anti")
        .with_columns(pl.col("_year").cast(pl.String).alias("period"), pl.lit(False).alias("_is_q"))
    )
    data = pl.concat([data, derived.select(data.columns)], how="vertical")

    # Coverage of each (indicator, period) by its sources: complete tables let absence mean zero.
    prefixes = tuple(cfg.observations.complete_sources)
    cover = data.group_by("indicator", "period").agg(
        pl.col("source")
        .map_elements(lambda s: bool(prefixes) and s.startswith(prefixes), return_dtype=pl.Boolean)
        .all()
        .alias("_complete"),
        pl.col("unit").first().alias("_unit"),
    )
    cover = cover.with_columns((pl.col("_complete") & pl.col("_unit").is_in(zero_units)).alias("_zero_fill"))
    partial = n_quarters.filter(pl.col("_nq") < 4).with_columns(
        pl.col("_year").cast(pl.String).alias("period"), pl.lit(True).alias("_partial")
    )

    grid = (
        pl.DataFrame({"iso3": universe})
        .join(pl.DataFrame({"period": needed_periods}), how="cross")
        .join(pl.DataFrame({"indicator": indicators}), how="cross")
    )
    long = (
        grid.join(
            data.select("iso3", "period", "indicator", "value"),
            on=["iso3", "period", "indicator"],
            how="left",
        )
        .join(cover.select("indicator", "period", "_zero_fill"), on=["indicator", "period"], how="left")
        .join(partial.select("indicator", "period", "_partial"), on=["indicator", "period"], how="left")
        .with_columns(
            pl.when(pl.col("value").is_not_null())
            .then(pl.lit("present"))
            .when(pl.col("_zero_fill").fill_null(False))
            .then(pl.lit("zero"))
            .otherwise(pl.lit("missing"))
            .alias("status"),
            pl.col("_partial").fill_null(False).alias("partial"),
        )
        .with_columns(
            pl.when(pl.col("status") == "zero").then(0.0).otherwise(pl.col("value")).alias("value"),
        )
    )
    wide = long.pivot(on="indicator", index=["iso3", "period"], values=["value", "status", "partial"])
    # Polars names pivoted columns "<values>_<on>" when several value columns are pivoted.
    targets = pl.DataFrame({"period": periods}).join(pl.DataFrame({"iso3": universe}), how="cross")
    out = targets.select("iso3", "period")
    for lag in lags:
        mapping = {p: shift(p, lag) for p in periods}
        renames = {}
        for ind in indicators:
            renames[f"value_{ind}"] = col_value(ind, lag)
            renames[f"status_{ind}"] = col_status(ind, lag)
            renames[f"partial_{ind}"] = col_partial(ind, lag)
        keep = [c for c in renames if c in wide.columns]
        lagged = wide.select("iso3", pl.col("period").alias("_src"), *keep).rename(
            {k: renames[k] for k in keep}
        )
        out = (
            out.with_columns(pl.col("period").replace_strict(mapping, return_dtype=pl.String).alias("_src"))
            .join(lagged, on=["iso3", "_src"], how="left")
            .drop("_src")
        )
        wanted = [ind for ind, lg in refs if lg == lag]
        out = out.drop(
            [
                c
                for ind in indicators
                if ind not in wanted
                for c in (col_value(ind, lag), col_status(ind, lag), col_partial(ind, lag))
                if c in out.columns
            ]
        )
    return out
