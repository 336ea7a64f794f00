"""Small-boat arrivals by nationality, Home Office table IER_02b (June 2026 release), transcribed.

The CSV is a transcription (not the Home Office's .ods), so every calendar year's rows are checked
against the national totals the README quotes from the release before anything is used. Calendar
years become periods "2018".."2025"; the two rolling years ending June become "YE2025-06" and
"YE2026-06" (labelled as such: they are not calendar years and never enter an annual assessment).
The table names 21 nationalities plus "All other nationalities" (Albania is inside it in this table),
"Refugee", "Stateless" and "Not currently recorded": those count in the national total only, and
a nationality absent from the table is MISSING, not zero.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from visalever.errors import InputError
from visalever.sources.common import (
    Finding,
    ReadResult,
    aggregate_by_nationality,
    new_report,
    obs_frame,
    release_id,
)

DIR = "uk/small_boats_by_nationality_2018_2026"
CSV = f"{DIR}/uk_small_boat_arrivals_by_nationality_IER02b_2018_2025_YEjun2026.csv"
RELEASE = release_id(
    "2026-06", "Home Office", "Illegal entry routes to the UK, year ending June 2026 (published 2026-08-27)"
)
# National totals of the release for the years the README quotes (the transcription's check).
PUBLISHED_TOTALS = {"2022": 45_774, "2023": 29_437, "2024": 36_816, "2025": 41_472}


def period_of(text: str, kind: str, row: int) -> str:
    """ "2024" (calendar_year) -> "2024"; "Year ending June 2026" -> "YE2026-06"."""
    t = text.strip()
    if kind == "calendar_year" and re.fullmatch(r"\d{4}", t):
        return t
    m = re.fullmatch(r"Year ending June (\d{4})", t)
    if kind == "year_ending_june" and m:
        return f"YE{m.group(1)}-06"
    raise InputError(
        f"period {text!r} ({kind}) is neither a calendar year nor 'Year ending June YYYY'",
        location=f"{CSV} row {row}",
    )


def read(root: Path) -> ReadResult:
    res = ReadResult()
    rep = new_report(root, CSV)
    raw = pl.read_csv(root / CSV, infer_schema_length=0)
    periods = [
        period_of(p, k, i + 2) for i, (p, k) in enumerate(zip(raw["period"], raw["period_type"], strict=True))
    ]
    df = raw.select(
        pl.col("nationality").alias("label"),
        pl.Series("period", periods),
        pl.lit("arrivals.small_boat").alias("indicator"),
        pl.col("people").str.replace_all(",", "").cast(pl.Float64, strict=False).alias("value"),
    )
    agg = aggregate_by_nationality(
        df, label_col="label", family="home_office", rep=rep, res=res, group=["period", "indicator"]
    )
    totals = {r["period"]: r["value"] for r in agg.filter(iso3="ALL").iter_rows(named=True)}
    for year, published in PUBLISHED_TOTALS.items():
        got = totals.get(year, 0.0)
        if abs(got - published) > 0.5:
            res.findings.append(
                Finding(
                    "unreconciled_total",
                    "error",
                    CSV,
                    f"{year}: rows sum to {got:,.0f}, the release's national total is {published:,}",
                )
            )
    res.findings.append(
        Finding(
            "transcribed_file",
            "warning",
            CSV,
            "IER_02b transcribed into CSV by a third party (not byte-identical to the Home Office .ods): "
            "calendar-year sums checked against the published totals "
            + ", ".join(f"{y} {v:,}" for y, v in PUBLISHED_TOTALS.items()),
        )
    )
    res.findings.append(
        Finding(
            "top_n_table",
            "warning",
            CSV,
            "21 named nationalities only; 'All other nationalities' (which includes Albania in this table), "
            "'Refugee', 'Stateless' and 'Not currently recorded' count in ALL only; an absent nationality is "
            "missing, not zero. Years ending June are periods YE2025-06 and YE2026-06",
        )
    )
    res.frames.append(
        obs_frame(
            agg,
            jurisdiction="uk",
            unit="people",
            source=f"{CSV}#IER_02b small-boat arrivals by nationality "
            "(transcribed by webtrackerxy/across-the-channel)",
            priority=50,
            release=RELEASE,
        )
    )
    res.files.append(rep)
    return res
