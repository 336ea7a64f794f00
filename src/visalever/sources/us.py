"""US tables: State Department NIV issuances FY1997-FY2024; DHS Yearbook removals and returns.

Periods are US fiscal years ("FY2018"). NIV: continent header rows and "Totals for ..." rows are
skipped, "Grand Totals" is the national total; `visas.issued.niv_total` is the sheet's Grand Total
column (all classes plus border crossing cards), `visas.issued.b1b2` is B-1 + B-2 + B-1,2 +
B-1,2/BCC (visitor visas for business and tourism; from FY2022 the sheets spell them B1, B2, B1/B2,
BBBCC). Two workbooks are read: FY1997-2018 and its superset FY1997-2024; the newer one is the newer
release, so it wins in queries, and every figure where the two differ is a finding of `data check`
(and a revision). DHS: `removals_reg.csv` (1993-2008) gives
`removals.total`; `removals_reg_curr.csv` is mislabelled by its origin and holds *returns* (Yearbook
table 39, 2009-2013), read as `returns.total`; `removed.csv` gives the national series.
"""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl

from visalever.countries import is_noncountry
from visalever.errors import InputError
from visalever.sources.common import (
    Finding,
    ReadResult,
    aggregate_by_nationality,
    map_labels,
    new_report,
    obs_frame,
    release_id,
)

NIV = "us/state_niv_issuances_fy1997_2018/FYs97-18_NIVDetailTable.xlsx"
NIV24 = "us/state_niv_issuances_fy1997_2024/FYs97-24_NIVDetailTable.xlsx"
NIV_RELEASES = {
    NIV: release_id("2018-09", "State Department", "FYs97-18_NIVDetailTable.xlsx"),
    NIV24: release_id("2024-09", "State Department", "FYs97-24_NIVDetailTable.xlsx"),
}
DHS = "us/dhs_yearbook_removals_1993_2013"
DHS_RELEASE = release_id("2013-09", "DHS", "Yearbook of Immigration Statistics extracts FY1993-2013")
B_CLASSES = ("B-1", "B-2", "B-1,2", "B-1,2/BCC")
# FY2022 onwards the sheets drop the hyphens and name the combined classes differently.
CLASS_SPELLINGS = {"B1": "B-1", "B2": "B-2", "B1/B2": "B-1,2", "BBBCC": "B-1,2/BCC"}


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


def read_niv(root: Path, res: ReadResult, rel: str = NIV) -> pl.DataFrame:
    """One NIV workbook -> observations (also returned, so the two workbooks can be compared).

    Read with calamine (the cached values of formula cells, like openpyxl's `data_only=True`): the
    two workbooks hold 50 sheets, and openpyxl spent most of the build's time on them.
    """
    from python_calamine import CalamineWorkbook

    rep = new_report(root, rel)
    try:
        wb = CalamineWorkbook.from_path(str(root / rel))
    except Exception as err:  # noqa: BLE001 - calamine raises its own error types; one line naming the file
        raise InputError(f"not a readable workbook ({type(err).__name__}: {err})", location=rel) from None
    rows: list[tuple[str, str, str, float]] = []
    for name in wb.sheet_names:
        it = iter(wb.get_sheet_by_name(name).to_python())
        header = [str(h).strip() if h is not None else "" for h in next(it)]
        fy = "FY" + header[0].split()[-1]
        try:
            gt = header.index("Grand Total")
        except ValueError:
            gt = max(i for i, h in enumerate(header) if h)  # FY97: last titled column is the grand total
        header = [CLASS_SPELLINGS.get(h, h) for h in header]
        bcols = [header.index(c) for c in B_CLASSES if c in header]
        for r in it:
            label = r[0]
            if label is None or str(label).strip() == "":
                continue
            label = str(label).strip()
            rep.rows_read += 1
            try:
                code = map_labels([label], "state_dept", rel, res)[label]
            except KeyError:
                code = None
            if code is None:
                rep.reject("unmapped nationality label")
                continue
            is_total = label in ("Grand Totals", "Grand Total")
            if is_total:
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
            if is_total:
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
                rel,
                f"{dup.height // 2} country-years appear on two rows of a sheet: summed",
                dup.height // 2,
            )
        )
    df = df.group_by("iso3", "period", "indicator").agg(pl.col("value").sum())
    res.frames.append(
        obs_frame(
            df,
            jurisdiction="us",
            unit="visas",
            source=f"{rel}#FY sheets",
            priority=50,
            release=NIV_RELEASES[rel],
        )
    )
    res.files.append(rep)
    return df


def compare_niv(old: pl.DataFrame, new: pl.DataFrame, res: ReadResult) -> None:
    """Every FY1997-2018 figure where the FY1997-2024 workbook differs from the older one: a finding each.

    The newer workbook is preferred (it is the newer release); the comparison is the check the
    README asks for, since the older file's years should be identical in the superset.
    """
    key = ["iso3", "period", "indicator"]
    both = old.join(new, on=key, how="full", suffix="_new", coalesce=True).filter(
        pl.col("period").str.slice(2).cast(pl.Int32) <= 2018
    )
    differ = both.filter(
        pl.col("value").is_null()
        | pl.col("value_new").is_null()
        | ((pl.col("value") - pl.col("value_new")).abs() > 1e-9)
    ).sort(key)
    if differ.is_empty():
        res.findings.append(
            Finding(
                "release_agrees",
                "warning",
                NIV24,
                f"FY1997-FY2018: all {both.height:,} figures equal those of {NIV}",
                both.height,
            )
        )
        return
    for r in differ.iter_rows(named=True):
        old_v = "absent" if r["value"] is None else f"{r['value']:,.0f}"
        new_v = "absent" if r["value_new"] is None else f"{r['value_new']:,.0f}"
        res.findings.append(
            Finding(
                "release_differs",
                "warning",
                NIV24,
                f"{r['iso3']} {r['period']} {r['indicator']}: {old_v} in FYs97-18, {new_v} in FYs97-24 "
                "(the FY1997-2024 workbook is used)",
            )
        )


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
            release=DHS_RELEASE,
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
            df,
            jurisdiction="us",
            unit="people",
            source=f"{rel}#national removals and returns",
            priority=60,
            release=DHS_RELEASE,
        )
    )
    res.files.append(rep)
    for name in ("Table43D.xls", "table37d_1.xls", "table39_3.xls", "table40d_1.xls"):
        r2 = new_report(root, f"{DHS}/{name}")
        r2.note = "raw yearbook table (BIFF): the CSV extracts above are read instead"
        res.files.append(r2)


def read(root: Path) -> ReadResult:
    from visalever.sources import us_ice

    res = ReadResult()
    old = read_niv(root, res, NIV)
    new = read_niv(root, res, NIV24)
    compare_niv(old, new, res)
    read_dhs(root, res)
    us_ice.read_ice(root, res)
    return res
