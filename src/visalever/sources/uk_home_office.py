"""Home Office immigration statistics 2001-2024 (via the R package `asylum`): returns, asylum, arrivals.

Quarterly tables by nationality become quarterly observations ("2023Q4") plus calendar-year totals
("2023") for every year the file covers in full, so annual assessment is a simple filter. `ALL` is
the sum of every row of the table, including Stateless / Other and unknown, i.e. the national total
the Home Office publishes for that table.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from visalever.sources.common import (
    FileReport,
    Finding,
    ReadResult,
    add_annual,
    aggregate_by_nationality,
    complete_years,
    map_labels,
    new_report,
    obs_frame,
    release_id,
)

DIR = "uk/home_office_2001_2024"
_VIA = "via R package asylum (release not stated by the origin; cut-off = last period in the file)"


def _release(data_to: str, table: str) -> str:
    """The R package does not say which Home Office release it bundled: the cut-off stands for it."""
    return release_id(data_to, "Home Office", f"{table} {_VIA}")


RETURN_GROUPS = {
    "Enforced return": "returns.enforced",
    "Voluntary return": "returns.voluntary",
    "Refused entry at port and subsequently departed": "returns.refused_at_port",
}


def _read_rda(path: Path) -> pl.DataFrame:
    import pyreadr

    return next(iter(pyreadr.read_r(str(path), output_format="polars").values()))


def _quarterly(
    res: ReadResult,
    df: pl.DataFrame,
    rep,
    *,
    source: str,
    unit: str = "people",
    partial_note: str | None = None,
    release: str,
) -> None:
    """Aggregate a (label, period, indicator, value) frame into quarterly + complete-year observations."""
    agg = aggregate_by_nationality(
        df, label_col="label", family="home_office", rep=rep, res=res, group=["period", "indicator"]
    )
    years = complete_years(agg["period"].unique().to_list())
    partial = sorted({p[:4] for p in agg["period"].unique().to_list()} - years)
    if partial:
        quarters = sorted(p for p in agg["period"].unique().to_list() if p[:4] in partial)
        res.findings.append(
            Finding(
                "partial_period",
                "warning",
                rep.path,
                f"{', '.join(partial)} covered only by {', '.join(quarters)}"
                + (f" ({partial_note})" if partial_note else "")
                + ": no calendar-year total emitted",
                len(partial),
            )
        )
    res.frames.append(
        obs_frame(
            add_annual(agg, years), jurisdiction="uk", unit=unit, source=source, priority=50, release=release
        )
    )


def read_returns(root: Path, res: ReadResult) -> None:
    rel = f"{DIR}/returns.rda"
    rep = new_report(root, rel)
    raw = _read_rda(root / rel)
    df = raw.select(
        pl.col("Nationality").alias("label"),
        (pl.col("Year").cast(pl.Int32).cast(pl.String) + "Q" + pl.col("Quarter").cast(pl.String)).alias(
            "period"
        ),
        pl.col("Return type group").replace_strict(RETURN_GROUPS, default=None).alias("indicator"),
        pl.col("Number of returns").alias("value"),
    )
    bad = df.filter(pl.col("indicator").is_null()).height
    rep.reject("unknown return type group", bad)
    df = df.filter(pl.col("indicator").is_not_null())
    total = df.with_columns(pl.lit("returns.total").alias("indicator"))
    release = _release("2023-12", "Ret_D01")
    _quarterly(res, df, rep, source=f"{rel}#Ret_D01", release=release)
    # returns.total re-reads the same rows; do not double count them in the manifest.
    tmp = FileReport(path=rel)
    _quarterly(res, total, tmp, source=f"{rel}#Ret_D01 (sum of return type groups)", release=release)
    res.files.append(rep)


def read_applications(root: Path, res: ReadResult) -> None:
    rel = f"{DIR}/applications.rda"
    rep = new_report(root, rel)
    raw = _read_rda(root / rel)
    df = raw.select(
        pl.col("Nationality").alias("label"),
        pl.col("Quarter").str.replace(" ", "").alias("period"),
        pl.lit("asylum.claims").alias("indicator"),
        pl.col("Applications").alias("value"),
    )
    _quarterly(
        res,
        df,
        rep,
        source=f"{rel}#Asy_D01 (main applicants and dependants)",
        partial_note="the table stops at 2024Q3",
        release=_release("2024-09", "Asy_D01"),
    )
    res.files.append(rep)


def read_irregular(root: Path, res: ReadResult) -> None:
    rel = f"{DIR}/irregular_migration.csv"
    rep = new_report(root, rel)
    raw = pl.read_csv(root / rel, infer_schema_length=0)
    base = raw.select(
        pl.col("Nationality").alias("label"),
        (pl.col("Year") + "Q" + pl.col("Quarter")).alias("period"),
        pl.col("Method of entry").alias("method"),
        pl.col("Number of detections").cast(pl.Float64, strict=False).alias("value"),
    )
    small = (
        base.filter(pl.col("method") == "Small boat arrivals")
        .with_columns(pl.lit("arrivals.small_boat").alias("indicator"))
        .drop("method")
    )
    total = base.with_columns(pl.lit("arrivals.irregular_total").alias("indicator")).drop("method")
    release = _release("2023-12", "Irr_D01")
    _quarterly(res, total, rep, source=f"{rel}#Irr_D01 (all methods of entry)", release=release)
    tmp = FileReport(path=rel)
    _quarterly(res, small, tmp, source=f"{rel}#Irr_D01 (Small boat arrivals)", release=release)
    res.files.append(rep)


def read_offenders(root: Path, res: ReadResult) -> None:
    rel = f"{DIR}/returns_offenders_by_nationality.csv"
    rep = new_report(root, rel)
    raw = pl.read_csv(root / rel, infer_schema_length=0)
    df = raw.select(
        pl.col("Nationality").alias("label"),
        (pl.col("Year") + "Q" + pl.col("Quarter")).alias("period"),
        pl.lit("returns.fno").alias("indicator"),
        pl.col("Number of foreign national offender returns").cast(pl.Float64, strict=False).alias("value"),
    )
    _quarterly(
        res,
        df,
        rep,
        source=f"{rel}#Ret_D03 (foreign national offender returns)",
        release=_release("2023-12", "Ret_D03"),
    )
    res.files.append(rep)


def read_grant_rates(root: Path, res: ReadResult) -> None:
    """Initial decisions by year: grants, refusals and the grant rate grants / (grants + refusals)."""
    rel = f"{DIR}/grant_rates_initial_annual.csv"
    rep = new_report(root, rel)
    raw = pl.read_csv(root / rel, infer_schema_length=0)
    df = raw.select(
        pl.col("Nationality").alias("label"),
        pl.col("Year").alias("period"),
        pl.col("Grant").cast(pl.Float64, strict=False).alias("grants"),
        pl.col("Refused").cast(pl.Float64, strict=False).alias("refusals"),
    )
    wide = aggregate_by_nationality(
        df,
        label_col="label",
        family="home_office",
        rep=rep,
        res=res,
        group=["period"],
        values=("grants", "refusals"),
    )
    agg = wide.unpivot(
        on=["grants", "refusals"], index=["iso3", "period"], variable_name="indicator", value_name="value"
    ).with_columns(("asylum." + pl.col("indicator")).alias("indicator"))
    decided = pl.col("grants") + pl.col("refusals")
    rate = wide.filter(decided > 0).select(
        "iso3",
        "period",
        pl.lit("asylum.initial_grant_rate").alias("indicator"),
        (pl.col("grants") / decided).alias("value"),
    )
    src = f"{rel}#Asy_D02 (initial decisions)"
    release = _release("2024-12", "Asy_D02 (annual; cut-off read as the end of its last year, 2024)")
    res.frames.append(
        obs_frame(agg, jurisdiction="uk", unit="decisions", source=src, priority=50, release=release)
    )
    res.frames.append(
        obs_frame(
            rate,
            jurisdiction="uk",
            unit="ratio (grants / (grants + refusals))",
            source=src,
            priority=50,
            release=release,
        )
    )
    res.files.append(rep)


def scan_label_only(root: Path, res: ReadResult) -> None:
    """Tables not turned into indicators: their nationality labels are still checked for mappings."""
    for name, col, why in [
        ("returns_by_destination.csv", "Return destination", "Ret_D02 by destination, not nationality"),
        ("small_boat_asylum_applications.csv", "Nationality", "Irr_D02 subset of small-boat arrivals"),
        ("returns_asylum.csv", "Nationality", "Ret_04 latest-year summary, top nationalities only"),
    ]:
        rel = f"{DIR}/{name}"
        rep = new_report(root, rel)
        raw = pl.read_csv(root / rel, infer_schema_length=0)
        rep.rows_read = raw.height
        rep.reject(f"not used for indicators: {why}", raw.height)
        rep.note = "labels checked only"
        map_labels(raw[col].drop_nulls().unique().sort().to_list(), "home_office", rel, res)
        res.files.append(rep)


def read(root: Path) -> ReadResult:
    res = ReadResult()
    read_returns(root, res)
    read_applications(root, res)
    read_irregular(root, res)
    read_offenders(root, res)
    read_grant_rates(root, res)
    scan_label_only(root, res)
    return res
