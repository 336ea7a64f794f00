"""Merge the Home Office's own published workbooks into the snapshot (`visalever data ingest`).

Reads sheets Data_Ret_D01 (returns), Data_Asy_D01 (asylum claims), Data_Irr_D01 (irregular
arrivals) and Data_Vis_D02 (entry clearance visas). The header row is found by looking for the
expected column names, never assumed. In Vis_D02, Work and Study publish Main applicant and
Dependant rows while other groups publish "All": where a visa type has an "All" row, only that row
counts, otherwise Main applicant + Dependant, so nothing is counted twice. Only "Issued" outcomes
are grants.

All files are read and validated before anything is written; any defect raises `InputError` naming
file, sheet, row and column, and the snapshot stays byte-identical. Figures from an ingested file
replace snapshot figures for the same (indicator, country, period): a newer release wins. Each
ingested figure carries the release "<data to YYYY-MM> Home Office: <file> (ingested)", the cut-off
being the last quarter in the workbook, and every figure it changes is added to the revisions.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import polars as pl

from visalever.errors import InputError

SHEETS: dict[str, list[str]] = {
    "Data_Ret_D01": ["Year", "Quarter", "Nationality", "Return type group", "Number of returns"],
    "Data_Asy_D01": ["Year", "Quarter", "Nationality", "Applications"],
    "Data_Irr_D01": ["Year", "Quarter", "Method of entry", "Nationality", "Number of detections"],
    "Data_Vis_D02": [
        "Year",
        "Quarter",
        "Nationality",
        "Visa type group",
        "Visa type",
        "Applicant type",
        "Case outcome",
        "Decisions",
    ],
}
RETURN_GROUPS = {
    "Enforced return": "returns.enforced",
    "Voluntary return": "returns.voluntary",
    "Refused entry at port and subsequently departed": "returns.refused_at_port",
}
VISA_GROUPS = {"visitor": "visitor", "work": "work", "study": "study", "family": "family"}


def _quarter(year: Any, quarter: Any, where: str) -> str:
    """Year + quarter cells ("2025", "Q1" / "2025 Q1" / 1) -> "2025Q1"."""
    try:
        y = int(float(str(year).strip()))
    except ValueError:
        raise InputError(f"year {year!r} is not a year", location=where) from None
    m = re.search(r"([1-4])\s*$", str(quarter).strip())
    if not m or not 1900 < y < 2200:
        raise InputError(f"quarter {quarter!r} is not Q1-Q4", location=where)
    return f"{y}Q{m.group(1)}"


def _count(value: Any, where: str) -> float:
    if isinstance(value, bool) or value is None or value == "":
        raise InputError(f"count {value!r} is not a number", location=where)
    try:
        v = float(str(value).replace(",", "").strip()) if not isinstance(value, int | float) else float(value)
    except ValueError:
        raise InputError(f"count {value!r} is not a number", location=where) from None
    if v < 0 or v != v:
        raise InputError(f"count {value!r} is negative", location=where)
    return v


def _find_header(rows: list[tuple[Any, ...]], needed: list[str], where: str) -> tuple[int, dict[str, int]]:
    """Index of the header row and column positions; the first row holding 'Nationality' and 'Year'."""
    for i, r in enumerate(rows[:50]):
        cells = [str(c).strip() if c is not None else "" for c in r]
        if "Nationality" in cells and "Year" in cells:
            missing = [c for c in needed if c not in cells]
            if missing:
                raise InputError(f"missing column {missing[0]!r} in header row {i + 1}", location=where)
            return i, {c: cells.index(c) for c in needed}
    raise InputError("no header row with 'Year' and 'Nationality' in the first 50 rows", location=where)


def read_workbook(path: Path) -> pl.DataFrame:
    """One workbook -> quarterly observations (iso3, period, indicator, value, unit, source)."""
    import warnings
    import zipfile

    import openpyxl

    from visalever.countries import is_noncountry, resolve_label

    warnings.filterwarnings("ignore", module="openpyxl")
    name = path.name
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as err:
        raise InputError(
            f"not a readable .xlsx workbook ({type(err).__name__}: {err})", location=str(path)
        ) from None
    present = [s for s in SHEETS if s in wb.sheetnames]
    if not present:
        raise InputError(
            f"missing sheet: none of {', '.join(SHEETS)} (found {', '.join(wb.sheetnames)})",
            location=str(path),
        )
    out: list[tuple[str, str, str, float, str]] = []
    for sheet in present:
        where_sheet = f"{path} sheet {sheet}"
        rows = list(wb[sheet].iter_rows(values_only=True))
        h, col = _find_header(rows, SHEETS[sheet], where_sheet)
        seen: dict[tuple[Any, ...], int] = {}
        vis: dict[tuple[str, str, str, str], dict[str, float]] = {}
        for j in range(h + 1, len(rows)):
            r = rows[j]
            if r is None or all(c is None or str(c).strip() == "" for c in r):
                continue
            row_no = j + 1

            def at(c: str, ws_loc: str = where_sheet, row_no: int = row_no) -> str:
                return f"{ws_loc} row {row_no} column {c!r}"

            cells = {c: (r[i] if i < len(r) else None) for c, i in col.items()}
            key = tuple(
                str(v).strip() if v is not None else ""
                for c, v in cells.items()
                if c not in ("Number of returns", "Applications", "Number of detections", "Decisions")
            )
            extra = tuple(str(x).strip() for i, x in enumerate(r) if i not in col.values() and x is not None)
            key = key + extra
            if key in seen:
                raise InputError(
                    f"same period and categories twice (first at row {seen[key]})", location=at("Quarter")
                )
            seen[key] = row_no
            period = _quarter(cells["Year"], cells["Quarter"], at("Quarter"))
            label = str(cells["Nationality"] or "").strip()
            try:
                code = resolve_label(label, "home_office")
            except InputError:
                raise InputError(f"unknown nationality {label!r}", location=at("Nationality")) from None
            iso = "ALL*" + code if is_noncountry(code) else code
            if sheet == "Data_Ret_D01":
                grp = str(cells["Return type group"]).strip()
                if grp not in RETURN_GROUPS:
                    raise InputError(f"unknown return type group {grp!r}", location=at("Return type group"))
                v = _count(cells["Number of returns"], at("Number of returns"))
                out.append((iso, period, RETURN_GROUPS[grp], v, f"{name}#{sheet}"))
                out.append((iso, period, "returns.total", v, f"{name}#{sheet} (sum of return type groups)"))
            elif sheet == "Data_Asy_D01":
                v = _count(cells["Applications"], at("Applications"))
                out.append(
                    (iso, period, "asylum.claims", v, f"{name}#{sheet} (main applicants and dependants)")
                )
            elif sheet == "Data_Irr_D01":
                v = _count(cells["Number of detections"], at("Number of detections"))
                out.append(
                    (iso, period, "arrivals.irregular_total", v, f"{name}#{sheet} (all methods of entry)")
                )
                if str(cells["Method of entry"]).strip() == "Small boat arrivals":
                    out.append(
                        (iso, period, "arrivals.small_boat", v, f"{name}#{sheet} (Small boat arrivals)")
                    )
            else:
                v = _count(cells["Decisions"], at("Decisions"))
                if str(cells["Case outcome"]).strip() != "Issued":
                    continue
                group = VISA_GROUPS.get(str(cells["Visa type group"]).strip().casefold(), "other")
                applicant = str(cells["Applicant type"]).strip()
                bucket = vis.setdefault((iso, period, group, str(cells["Visa type"]).strip()), {})
                bucket[applicant] = bucket.get(applicant, 0.0) + v
        for (iso, period, group, _vt), by_app in vis.items():
            v = by_app["All"] if "All" in by_app else sum(by_app.values())
            src = f"{name}#{sheet} (Issued; All, else Main applicant + Dependant)"
            out.append((iso, period, f"visas.granted.{group}", v, src))
            out.append((iso, period, "visas.granted.total", v, src))
            if group != "visitor":
                out.append((iso, period, "visas.granted.non_visitor", v, src))
    wb.close()
    df = pl.DataFrame(
        out,
        schema={
            "iso3": pl.String,
            "period": pl.String,
            "indicator": pl.String,
            "value": pl.Float64,
            "source": pl.String,
        },
        orient="row",
    )
    return df


def to_observations(df: pl.DataFrame, name: str = "workbook") -> pl.DataFrame:
    """Quarterly rows -> country and ALL observations, plus calendar years the file covers in full."""
    from visalever.sources.common import complete_years, release_id

    countries = df.filter(~pl.col("iso3").str.starts_with("ALL*"))
    allrows = df.with_columns(pl.lit("ALL").alias("iso3"))
    q = (
        pl.concat([countries, allrows])
        .group_by("iso3", "period", "indicator")
        .agg(pl.col("value").sum(), pl.col("source").first())
    )
    years = complete_years(q["period"].unique().to_list())
    annual = (
        q.with_columns(pl.col("period").str.slice(0, 4))
        .filter(pl.col("period").is_in(sorted(years)))
        .group_by("iso3", "period", "indicator")
        .agg(pl.col("value").sum(), pl.col("source").first())
    )
    last = max(q["period"].unique().to_list(), default="1900Q4")
    data_to = f"{last[:4]}-{int(last[-1]) * 3:02d}"
    obs = pl.concat([q, annual]).with_columns(
        pl.lit("uk").alias("jurisdiction"),
        pl.lit(release_id(data_to, "Home Office", f"{name} (ingested)")).alias("release"),
        pl.when(pl.col("indicator").str.starts_with("visas."))
        .then(pl.lit("visas"))
        .otherwise(pl.lit("people"))
        .alias("unit"),
    )
    return obs


def ingest_files(paths: list[Path]) -> dict[str, int]:
    """Validate every file, merge into the snapshot (ingested figures replace older ones), write once."""
    import hashlib

    from visalever import snapshot as snap

    frames = []
    for p in paths:
        p = Path(p)
        if not p.is_file():
            raise InputError("file not found", location=str(p))
        frames.append(to_observations(read_workbook(p), p.name))
    new = snap.canonical(pl.concat(frames).unique(subset=snap.KEY, keep="last", maintain_order=True))
    old = snap.load()
    replaced = old.join(new.select(snap.KEY), on=snap.KEY, how="semi").height
    merged = pl.concat([old.join(new.select(snap.KEY), on=snap.KEY, how="anti"), new])
    changed = old.join(new, on=snap.KEY, how="inner", suffix="_new").filter(
        (pl.col("value_new") - pl.col("value")).abs() > 1e-9
    )
    added_revisions = changed.select(
        *snap.KEY,
        pl.col("value").alias("old_value"),
        pl.col("value_new").alias("new_value"),
        (pl.col("value_new") - pl.col("value")).alias("difference"),
        "unit",
        pl.col("release").alias("old_release"),
        pl.col("release_new").alias("new_release"),
        pl.col("source").alias("old_source"),
        pl.col("source_new").alias("new_source"),
    )
    try:
        previous = snap.revisions()
    except InputError:
        previous = added_revisions.clear()
    all_revisions = pl.concat([snap.canonical_revisions(previous), snap.canonical_revisions(added_revisions)])
    m = snap.manifest()
    m.setdefault("ingested", [])
    for p in paths:
        m["ingested"].append(
            {"file": Path(p).name, "sha256": hashlib.sha256(Path(p).read_bytes()).hexdigest()}
        )
    m["indicators"] = sorted(merged["indicator"].unique().to_list())
    snap.write_snapshot(
        merged,
        {k: v for k, v in m.items() if not k.startswith(("observations_", "revisions_"))},
        snap.quality(),
        revisions_data=all_revisions,
    )
    return {"rows": new.height, "replaced": replaced, "added": new.height - replaced}
