"""ICE removals by country of citizenship, FY2014-FY2024 (transcribed from ICE's annual reports).

The CSV is a transcription by the repository corbett-hobbs/congress-ideology, so before a figure is
used each fiscal year is reconciled with the row count and total ICE printed (the origin's
`removals_by_country_report.json`); rows the origin flagged `needs_review` (name matching) are kept,
since they are part of the printed total, and listed in `data check`. Countries are identified by
the origin's `country_key`, mapped explicitly (`visalever.countries.ICE_KEYS`): historic keys
(YUG, CSK, SUN, SCG, ANT) stay their own series, unknown / stateless / the ambiguous "Korea" count in
the national total only. The release of each figure is the ICE report it was read from (its as-of
date): FY2021-FY2023 come from the FY2024 annual report.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from visalever.sources.common import (
    Finding,
    ReadResult,
    aggregate_by_nationality,
    new_report,
    obs_frame,
    release_id,
)

DIR = "us/ice_removals_fy2014_2024"
CSV = f"{DIR}/ice_removals_by_country_of_citizenship_fy2014_2024.csv"
REPORT = f"{DIR}/removals_by_country_report.json"


def _release(source_doc: str, as_of: str) -> str:
    return release_id(
        as_of[:7], "ICE", f"{source_doc} (as of {as_of}), transcribed by corbett-hobbs/congress-ideology"
    )


def read_ice(root: Path, res: ReadResult) -> None:
    rep = new_report(root, CSV)
    raw = pl.read_csv(root / CSV, infer_schema_length=0)
    printed = new_report(root, REPORT)
    with open(root / REPORT, encoding="utf-8") as fh:
        report = json.load(fh)
    printed.note = "ICE's printed row counts and totals per fiscal year: used to reconcile the CSV"
    res.files.append(printed)
    df = raw.select(
        pl.col("country_key").alias("label"),
        ("FY" + pl.col("fiscal_year")).alias("period"),
        pl.lit("removals.total").alias("indicator"),
        pl.col("removals").cast(pl.Float64, strict=False).alias("value"),
        pl.col("source_doc"),
        pl.col("as_of"),
        pl.col("needs_review"),
        pl.col("ice_name"),
    )
    # Reconcile every fiscal year with what ICE printed before anything is used.
    per_year = df.group_by("period").agg(pl.len().alias("rows"), pl.col("value").sum().alias("sum"))
    got = {r["period"]: r for r in per_year.iter_rows(named=True)}
    for fy in report["fiscal_years"]:
        p = f"FY{fy['fiscal_year']}"
        g = got.get(p)
        if g is None or g["rows"] != fy["rows"] or abs(g["sum"] - fy["printed_total"]) > 0.5:
            res.findings.append(
                Finding(
                    "unreconciled_total",
                    "error",
                    CSV,
                    f"{p}: {g['rows'] if g else 0} rows summing to {g['sum'] if g else 0:,.0f}; ICE printed "
                    f"{fy['rows']} rows, total {fy['printed_total']:,}",
                )
            )
    res.findings.append(
        Finding(
            "transcribed_file",
            "warning",
            CSV,
            "transcribed from ICE's annual reports by a third party, not ICE's own file: "
            "every fiscal year's row count and sum were checked against the totals ICE printed "
            "(FY2014 315,943 ... FY2024 271,484)",
        )
    )
    review = df.filter(pl.col("needs_review").str.to_lowercase() == "true").sort("period", "label")
    if review.height:
        res.findings.append(
            Finding(
                "needs_review",
                "warning",
                CSV,
                "rows the origin flagged for name review, kept (they are part of ICE's printed totals): "
                + "; ".join(
                    f"{r['period']} {r['label']} {r['ice_name']!r} {r['value']:,.0f}"
                    for r in review.iter_rows(named=True)
                ),
                review.height,
            )
        )
    for gap in report.get("uncovered_fiscal_years", []):
        res.findings.append(
            Finding("missing_period", "warning", CSV, f"FY{gap['fiscal_year']}: {gap['reason']}")
        )
    releases = df.select("period", "source_doc", "as_of").unique()
    mixed = releases.group_by("period").len().filter(pl.col("len") > 1)
    if mixed.height:
        res.findings.append(
            Finding(
                "conflicting_duplicate",
                "error",
                CSV,
                f"fiscal years read from more than one report: {', '.join(mixed['period'].to_list())}",
                mixed.height,
            )
        )
    for (source_doc, as_of), grp in df.group_by(["source_doc", "as_of"], maintain_order=True):
        sub = grp.select("label", "period", "indicator", "value")
        dup = sub.group_by("label", "period").len().filter(pl.col("len") > 1)
        if dup.height:
            res.findings.append(
                Finding(
                    "duplicate_summed",
                    "warning",
                    CSV,
                    f"{dup.height} country keys appear twice in one fiscal year of {source_doc}: summed",
                    dup.height,
                )
            )
        agg = aggregate_by_nationality(
            sub, label_col="label", family="ice", rep=rep, res=res, group=["period", "indicator"]
        )
        res.frames.append(
            obs_frame(
                agg,
                jurisdiction="us",
                unit="people",
                source=f"{CSV}#ICE removals by country of citizenship ({source_doc})",
                priority=50,
                release=_release(str(source_doc), str(as_of)),
            )
        )
    res.files.append(rep)
