"""US tables: State Department NIV issuances FY1997-FY2018; DHS Yearbook removals and returns.

Periods are US fiscal years ("FY2018"). NIV: continent header rows and "Totals for ..." rows are
skipped, "Grand Totals" is the national total; `visas.issued.niv_total` is the sheet's Grand Total
column (all classes plus border crossing cards), `visas.issued.b1b2` is B-1 + B-2 + B-1,2 +
B-1,2/BCC (visitor visas for business and tourism). DHS: `removals_reg.csv` (1993-2008) gives
`removals.total`; `removals_reg_curr.csv` is mislabelled by its origin and holds *returns* (Yearbook
table 39, 2009-2013), read as `returns.total`; `removed.csv` gives the national series.
"""

from __future__ import annotations

import csv
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
)

NIV = "us/state_niv_issuances_fy1997_2018/FYs97-18_NIVDetailTable.xlsx"
DHS = "us/dhs_yearbook_removals_1993_2013"
B_CLASSES = ("B-1", "B-2", "B-1,2", "B-1,2/BCC")


def _num(x: object) -> float | None:
    if x is None:
        return None
    if isinstance(x, int | float):
        return float(x)
    s = str(x).strip().replace(",", "")
    if s in ("", "-", "D", "X"):
        return None
    try:
        return float(s)
    except ValueError:
        return None


def read_niv(root: Path, res: ReadResult) -> None:
    import warnings

    import openpyxl

    warnings.filterwarnings("ignore", module="openpyxl")

    rep = new_report(root, NIV)
    wb = openpyxl.load_workbook(root / NIV, read_only=True, data_only=True)
    rows: list[tuple[str, str, str, float]] = []
    for ws in wb.worksheets:
        it = ws.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(it)]
        fy = "FY" + header[0].split()[-1]
        try:
            gt = header.index("Grand Total")
        except ValueError:
            gt = max(i for i, h in enumerate(header) if h)  # FY97: last titled column is the grand total
        bcols = [header.index(c) for c in B_CLASSES if c in header]
        for r in it:
            label = r[0]
            if label is None or str(label).strip() == "":
                continue
            label = str(label).strip()
            rep.rows_read += 1
            try:
                code = map_labels([label], "state_dept", NIV, res)[label]
            except KeyError:
                code = None
            if code is None:
                rep.reject("unmapped nationality label")
                continue
            if label == "Grand Totals":
                code = "ALL"
            elif is_noncountry(code):
                rep.reject(f"{code.split(':', 1)[1]} row (continent header, subtotal or non-country)")
                continue
            total = _num(r[gt])
            if total is None:
                rep.reject("missing total")
                continue
            rep.rows_kept += 1
            rows.append((code, fy, "visas.issued.niv_total", total))
            rows.append((code, fy, "visas.issued.b1b2", sum(_num(r[i]) or 0.0 for i in bcols)))
            if label == "Grand Totals":
                break
    wb.close()
    df = pl.DataFrame(
        rows,
        schema={"iso3": pl.String, "period": pl.String, "indicator": pl.String, "value": pl.Float64},
        orient="row",
    )
    dup = df.group_by("iso3", "period", "indicator").len().filter(pl.col("len") > 1)
    if dup.height:
        res.findings.append(
            Finding(
                "duplicate_summed",
                "warning",
                NIV,
                f"{dup.height // 2} country-years appear on two rows of a sheet: summed",
                dup.height // 2,
            )
        )
    df = df.group_by("iso3", "period", "indicator").agg(pl.col("value").sum())
    res.frames.append(obs_frame(df, jurisdiction="us", unit="visas", source=f"{NIV}#FY sheets", priority=50))
    res.files.append(rep)


def _wide(root: Path, rel: str, indicator: str, res: ReadResult, row_filter: str | None, source: str) -> None:
    """Read a DHS wide table (years down, nationalities across) into observations."""
    rep = new_report(root, rel)
    with open(root / rel, newline="", encoding="utf-8") as fh:
        table = list(csv.reader(fh))
    header = table[0]
    first_data = 2 if row_filter else 1
    long: list[tuple[str, str, float | None]] = []
    for r in table[1:]:
        if not r or not r[0].strip():
            continue
        if row_filter and r[1].strip() != row_filter:
            continue
        year = r[0].strip()
        for i in range(first_data, len(header)):
            label = header[i].strip()
            long.append((label, "FY" + year, _num(r[i]) if i < len(r) else None))
    df = pl.DataFrame(
        long, schema={"label": pl.String, "period": pl.String, "value": pl.Float64}, orient="row"
    )
    df = df.with_columns(pl.lit(indicator).alias("indicator"))
    mapping = map_labels(df["label"].unique().sort().to_list(), "dhs", rel, res)
    # Duplicate spellings (e.g. "Bahamas" / "Bahamas, The"): one value per country-year, never summed twice.
    df = df.with_columns(pl.col("label").replace_strict(mapping, default=None).alias("code"))
    both = (
        df.filter(pl.col("value").is_not_null() & ~pl.col("code").str.starts_with("NONCOUNTRY:"))
        .group_by("code", "period")
        .agg(pl.len().alias("n"), pl.col("value").n_unique().alias("u"))
        .filter(pl.col("n") > 1)
    )
    if both.height:
        res.findings.append(
            Finding(
                "duplicate_spelling",
                "warning",
                rel,
                f"{both.height} country-years published under two spellings: values summed "
                f"({both.filter(pl.col('u') == 1).height} of them identical)",
                both.height,
            )
        )
    totals = (
        df.filter(pl.col("code") == "NONCOUNTRY:total")
        .select(pl.lit("ALL").alias("iso3"), "period", "indicator", "value")
        .drop_nulls("value")
    )
    blanks = df.filter(pl.col("value").is_null()).height
    rep.reject("blank or suppressed cell", blanks)
    df = df.filter(pl.col("value").is_not_null(), pl.col("code") != "NONCOUNTRY:total")
    agg = aggregate_by_nationality(
        df.drop("code"),
        label_col="label",
        family="dhs",
        rep=rep,
        res=ReadResult(),
        group=["period", "indicator"],
        with_all=False,
    )
    rep.rows_read += blanks
    res.frames.append(
        obs_frame(
            pl.concat([agg, totals.select(agg.columns)]),
            jurisdiction="us",
            unit="people",
            source=source,
            priority=50,
        )
    )
    res.files.append(rep)


def read_dhs(root: Path, res: ReadResult) -> None:
    _wide(
        root,
        f"{DHS}/removals_reg.csv",
        "removals.total",
        res,
        "Total",
        f"{DHS}/removals_reg.csv#removals by country of nationality (Total rows)",
    )
    res.findings.append(
        Finding(
            "mislabelled_file",
            "warning",
            f"{DHS}/removals_reg_curr.csv",
            "named 'removals' but holds returns (Yearbook table 39, 2009-2013): read as returns.total",
        )
    )
    _wide(
        root,
        f"{DHS}/removals_reg_curr.csv",
        "returns.total",
        res,
        None,
        f"{DHS}/removals_reg_curr.csv#Yearbook table 39 returns (mislabelled 'removals')",
    )
    _wide(
        root,
        f"{DHS}/apprehended_reg.csv",
        "apprehensions.total",
        res,
        None,
        f"{DHS}/apprehended_reg.csv#aliens apprehended by country of nationality",
    )
    _wide(
        root,
        f"{DHS}/inadmissable_reg.csv",
        "inadmissibles.total",
        res,
        None,
        f"{DHS}/inadmissable_reg.csv#inadmissible aliens by country of nationality",
    )
    rel = f"{DHS}/removed.csv"
    rep = new_report(root, rel)
    rows = []
    with open(root / rel, newline="", encoding="utf-8") as fh:
        table = list(csv.reader(fh))
    for r in table[1:]:
        if not r or not r[0].strip():
            continue
        rep.rows_read += 1
        year = r[0].strip()
        if not year.isdigit():
            rep.reject("multi-year range (e.g. 1892-1900), not a fiscal year")
            continue
        rep.rows_kept += 1
        for col, ind in ((1, "removals.total"), (2, "returns.total")):
            v = _num(r[col]) if col < len(r) else None
            if v is not None:
                rows.append(("ALL", "FY" + year, ind, v))
    df = pl.DataFrame(
        rows,
        schema={"iso3": pl.String, "period": pl.String, "indicator": pl.String, "value": pl.Float64},
        orient="row",
    )
    res.frames.append(
        obs_frame(
            df, jurisdiction="us", unit="people", source=f"{rel}#national removals and returns", priority=60
        )
    )
    res.files.append(rep)
    for name in ("Table43D.xls", "table37d_1.xls", "table39_3.xls", "table40d_1.xls"):
        r2 = new_report(root, f"{DHS}/{name}")
        r2.note = "raw yearbook table (BIFF): the CSV extracts above are read instead"
        res.files.append(r2)


def read(root: Path) -> ReadResult:
    res = ReadResult()
    read_niv(root, res)
    read_dhs(root, res)
    return res
