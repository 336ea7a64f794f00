"""EU tables: Eurostat returns and illegally present TCNs; DG HOME Schengen short-stay visas.

Eurostat `third_country_nationals_ordered_to_leave.csv` is mislabelled by its origin: it holds
`migr_eirtn` (third-country nationals *returned* to a third country), read as
`returns.to_third_country`, summed over reporting states and also kept per reporting state as
`returns.to_third_country.reported_by.<ISO3>`. Schengen visa figures are by the country where the
consulate is, a proxy for nationality (weak in hubs such as the UAE or the UK): the unit says so.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from visalever.countries import is_noncountry
from visalever.sources.common import (
    Finding,
    ReadResult,
    aggregate_by_nationality,
    map_labels,
    new_report,
    obs_frame,
    release_id,
)

EUROSTAT = "eu/eurostat_returns_2014_2023"
SCHENGEN = "eu/schengen_visas_2005_2024"
VISA_UNIT = "visas (by consulate country: proxy for nationality)"
RELEASE_EIRTN = release_id(
    "2023-12", "Eurostat", "migr_eirtn extract via natix-x (extraction date not stated)"
)
RELEASE_EIPRE = release_id(
    "2023-12", "Eurostat", "migr_eipre extract via natix-x (extraction date not stated)"
)


def _schengen_release(year: str, what: str) -> str:
    return release_id(f"{year}-12", "DG HOME", what)


def read_eurostat_returns(root: Path, res: ReadResult) -> None:
    rel = f"{EUROSTAT}/third_country_nationals_ordered_to_leave.csv"
    rep = new_report(root, rel)
    raw = pl.read_csv(root / rel, infer_schema_length=0)
    res.findings.append(
        Finding(
            "mislabelled_file",
            "warning",
            rel,
            "file name says 'ordered to leave' but it holds Eurostat migr_eirtn (TCNs returned to a third "
            "country): "
            "read as returns.to_third_country; orders to leave (migr_eiord) are absent, so no EU return rate",
        )
    )
    df = raw.select(
        pl.col("citizen").alias("label"),
        pl.col("geo"),
        pl.col("year").alias("period"),
        pl.col(raw.columns[3]).cast(pl.Float64, strict=False).alias("value"),
    )
    geo_map = map_labels(df["geo"].unique().sort().to_list(), "eurostat", rel, res)
    agg = aggregate_by_nationality(
        df.with_columns(pl.lit("returns.to_third_country").alias("indicator")),
        label_col="label",
        family="eurostat",
        rep=rep,
        res=res,
        group=["period", "indicator"],
    )
    per_state = df.with_columns(pl.col("geo").replace_strict(geo_map, default=None).alias("geo_iso3")).filter(
        pl.col("geo_iso3").is_not_null()
    )
    per_state = per_state.with_columns(
        ("returns.to_third_country.reported_by." + pl.col("geo_iso3")).alias("indicator")
    )
    tmp = type(rep)(path=rel)
    agg_state = aggregate_by_nationality(
        per_state.drop("geo", "geo_iso3"),
        label_col="label",
        family="eurostat",
        rep=tmp,
        res=ReadResult(),
        group=["period", "indicator"],
    )
    src = f"{rel}#migr_eirtn (mislabelled 'ordered to leave'; returned to a third country)"
    res.frames.append(
        obs_frame(
            pl.concat([agg, agg_state]),
            jurisdiction="eu",
            unit="people",
            source=src,
            priority=50,
            release=RELEASE_EIRTN,
        )
    )
    res.findings.append(
        Finding(
            "zero_rows_dropped",
            "warning",
            rel,
            "zero rows were dropped by the publisher's extract: a missing citizen x state x "
            "year means 0 or not reported (indistinguishable)",
        )
    )
    res.files.append(rep)


def read_eurostat_illegal(root: Path, res: ReadResult) -> None:
    rel = f"{EUROSTAT}/illegally_present_third_country_nationals.csv"
    rep = new_report(root, rel)
    raw = pl.read_csv(root / rel, infer_schema_length=0)
    map_labels(raw["geo"].unique().sort().to_list(), "eurostat", rel, res)
    df = raw.select(
        pl.col("citizen").alias("label"),
        pl.col("year").alias("period"),
        pl.lit("illegally_present.total").alias("indicator"),
        pl.col(raw.columns[4]).cast(pl.Float64, strict=False).alias("value"),
    )
    agg = aggregate_by_nationality(
        df, label_col="label", family="eurostat", rep=rep, res=res, group=["period", "indicator"]
    )
    res.frames.append(
        obs_frame(
            agg,
            jurisdiction="eu",
            unit="people",
            source=f"{rel}#migr_eipre (all reasons, summed over reporting states)",
            priority=50,
            release=RELEASE_EIPRE,
        )
    )
    res.files.append(rep)


def _schengen_frame(df: pl.DataFrame, rep, res: ReadResult, source: str, release: str) -> None:
    """df: label, period, applied, issued, not_issued -> applied/issued/not_issued/refusal_rate by country."""
    long = pl.concat(
        [
            df.select("label", "period", pl.lit(ind).alias("indicator"), pl.col(col).alias("value"))
            for ind, col in [
                ("visas.applied", "applied"),
                ("visas.issued", "issued"),
                ("visas.not_issued", "not_issued"),
            ]
        ]
    )
    agg = aggregate_by_nationality(
        long, label_col="label", family="schengen", rep=rep, res=res, group=["period", "indicator"]
    )
    wide = agg.pivot(on="indicator", index=["iso3", "period"], values="value")
    rate = wide.filter((pl.col("visas.issued") + pl.col("visas.not_issued")) > 0).select(
        "iso3",
        "period",
        pl.lit("visas.refusal_rate").alias("indicator"),
        (pl.col("visas.not_issued") / (pl.col("visas.issued") + pl.col("visas.not_issued"))).alias("value"),
    )
    res.frames.append(
        obs_frame(agg, jurisdiction="eu", unit=VISA_UNIT, source=source, priority=50, release=release)
    )
    res.frames.append(
        obs_frame(
            rate,
            jurisdiction="eu",
            unit="ratio not issued / (issued + not issued), by consulate country: proxy for nationality",
            source=source,
            priority=50,
            release=release,
        )
    )


def read_schengen(root: Path, res: ReadResult) -> None:
    import warnings

    import openpyxl

    warnings.filterwarnings("ignore", module="openpyxl")

    rel = f"{SCHENGEN}/schengen-visa.csv"
    rep = new_report(root, rel)
    raw = pl.read_csv(root / rel, infer_schema_length=0)
    map_labels(raw["schengen_state"].unique().sort().to_list(), "schengen", rel, res)
    df = raw.select(
        pl.col("origin_country").alias("label"),
        pl.col("year").alias("period"),
        *(
            pl.col(c).cast(pl.Float64, strict=False).alias(a)
            for c, a in [
                ("visas_applied", "applied"),
                ("visas_issued", "issued"),
                ("visas_not_issued", "not_issued"),
            ]
        ),
    )
    _schengen_frame(
        df,
        rep,
        res,
        f"{rel}#C visas by consulate (proxy for nationality)",
        _schengen_release("2022", "schengen-visa.csv 2005-2022 via mogenshobolth/eu-visa-policy"),
    )
    for k in list(rep.rejected):
        rep.rejected[k] //= 3
    rep.rows_read //= 3
    rep.rows_kept //= 3
    res.files.append(rep)
    res.findings.append(
        Finding(
            "proxy_nationality",
            "warning",
            f"{SCHENGEN}/",
            "Schengen visa figures are by consulate country, a proxy for nationality "
            "(weak in hubs: UAE, UK, ...): unit says 'proxy for nationality'",
        )
    )
    for year in (2023, 2024):
        rel = f"{SCHENGEN}/{year}-schengen-visa-statistics-consulates_en.xlsx"
        rep = new_report(root, rel)
        wb = openpyxl.load_workbook(root / rel, read_only=True, data_only=True)
        rows = []
        states = set()
        for i, r in enumerate(wb["Data for consulates"].iter_rows(values_only=True)):
            if i == 0 or r[0] is None:
                continue
            states.add(str(r[0]))

            def num(x: object) -> float | None:
                try:
                    return float(str(x).replace(",", "").strip()) if x not in (None, "") else 0.0
                except ValueError:
                    return None

            rows.append((str(r[1]), str(year), num(r[8]), num(r[9]), num(r[13])))
        wb.close()
        map_labels(sorted(states), "schengen", rel, res)
        df = pl.DataFrame(
            rows,
            schema={
                "label": pl.String,
                "period": pl.String,
                "applied": pl.Float64,
                "issued": pl.Float64,
                "not_issued": pl.Float64,
            },
            orient="row",
        )
        _schengen_frame(
            df,
            rep,
            res,
            f"{rel}#Data for consulates (uniform C visas; proxy for nationality)",
            _schengen_release(str(year), f"{year} visa statistics for consulates (workbook)"),
        )
        for k in list(rep.rejected):
            rep.rejected[k] //= 3
        rep.rows_read //= 3
        rep.rows_kept //= 3
        res.files.append(rep)
    for name, col in [
        ("visitor-visa-statistics-2018to2022-country-refusal-rate.csv", "consulate_country"),
        ("visitor-visa-statistics-notissued-sum-year.csv", None),
    ]:
        rel = f"{SCHENGEN}/{name}"
        rep = new_report(root, rel)
        raw = pl.read_csv(root / rel, infer_schema_length=0)
        rep.rows_read = raw.height
        rep.reject("not used for indicators: derived summary of schengen-visa.csv", raw.height)
        if col:
            map_labels(raw[col].unique().sort().to_list(), "schengen", rel, res)
        res.files.append(rep)
    rel = f"{SCHENGEN}/worldbank-classification-2023.xlsx"
    rep = new_report(root, rel)
    rep.note = "World Bank income classification (CC BY 4.0): not an indicator source"
    res.files.append(rep)


def read(root: Path) -> ReadResult:
    res = ReadResult()
    read_eurostat_returns(root, res)
    read_eurostat_illegal(root, res)
    read_schengen(root, res)
    return res


__all__ = ["read", "is_noncountry"]
