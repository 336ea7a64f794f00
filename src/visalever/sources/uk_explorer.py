"""Home Office tables to 2025 / 2026Q1 as reshaped by Asylum-data-explorer (JavaScript files).

Each file holds `window.NAME = <json>;` statements; the JSON is read as is. The files come from two
Home Office releases (the datasets named "dec-2025" and "mar-2026", i.e. data to December 2025 and
to March 2026), which each file's META names; every observation carries that release, so the two
vintages of the 2025 returns by nationality are both kept: the newer one is what queries return and
the differences are listed by `visalever data revisions`.

What each file becomes (indicator ids say what the figure is, so nothing is silently mixed):
- returns-data*.js: `returns.enforced|voluntary|refused_at_port|total`, calendar 2025, by nationality;
  the national total of 2024 (`priorYearTotal`, the only 2024 returns figure: no 2024 nationality rows).
- nat-full / nat-series / nat-quarterly: `asylum.claims.main_applicants` (MAIN APPLICANTS ONLY, unlike
  `asylum.claims`, which counts main applicants and dependants).
- nat-grant-annual: `asylum.grant_rate.incl_withdrawals`: the third party's grant rate, whose
  denominator includes withdrawals (not the Home Office's grants / (grants + refusals)).
- outcome-cohort: `asylum.cohort.*`, per year of claim: claims, initial and latest outcomes, and the
  enforced and voluntary returns of that claim cohort (Home Office outcome analysis).
- irregular-data.js: `arrivals.small_boat` by nationality from Irr_02b (data to September 2025);
  its partial 2025 column is not used (the June 2026 IER_02b table covers 2025 in full).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from visalever.errors import InputError
from visalever.sources.common import (
    FileReport,
    Finding,
    ReadResult,
    aggregate_by_nationality,
    new_report,
    obs_frame,
    release_id,
)

DIR = "uk/asylum_data_explorer_2025_2026"
PRIORITY = 40
VIA = "via chocolatetriflesgit/Asylum-data-explorer"
# The Home Office releases the files name (datasets "dec-2025" = the year ending December 2025 release).
# The same release reshaped by ukdemographics carries the same id, so the two are one release there.
REL_DEC_2025 = release_id(
    "2025-12", "Home Office", "Immigration system statistics, year ending December 2025"
)
REL_MAR_2026 = release_id("2026-03", "Home Office", "Immigration system statistics, year ending March 2026")
REL_SEP_2025 = release_id(
    "2025-09", "Home Office", "Irregular migration to the UK, year ending September 2025"
)
RETURN_COLUMNS = {
    "enforced": "returns.enforced",
    "voluntary": "returns.voluntary",
    "refused": "returns.refused_at_port",
    "total": "returns.total",
}
OUTCOMES = {
    "protection": "protection",
    "otherLeave": "other_leave",
    "refusals": "refusals",
    "withdrawals": "withdrawals",
    "admin": "admin",
    "notYet": "not_yet_decided",
}
CLAIMS_MAIN = "asylum.claims.main_applicants"
GRANT_INCL_WITHDRAWALS = "asylum.grant_rate.incl_withdrawals"


def load_js(path: Path) -> dict[str, Any]:
    """`window.NAME = <json>;` statements -> {NAME: value}; a statement that is not JSON is an error."""
    text = path.read_text(encoding="utf-8")
    out: dict[str, Any] = {}
    for i, part in enumerate(text.split("window.")[1:], start=1):
        name, sep, rest = part.partition("=")
        body = rest.strip()
        if body.endswith(";"):
            body = body[:-1]
        try:
            if not sep:
                raise ValueError("no '='")
            out[name.strip()] = json.loads(body)
        except ValueError as err:
            raise InputError(
                f"statement {i} ({name.strip()!r}) is not JSON: {err}", location=str(path)
            ) from None
    return out


def release_of(meta: dict[str, Any], rel: str) -> str:
    """The release a file's META names (`source` file name with dec-2025 / mar-2026 / sep-2025)."""
    src = str(meta.get("source", "")) + " " + str(meta.get("sourceFile", ""))
    for tag, release in (("mar-2026", REL_MAR_2026), ("dec-2025", REL_DEC_2025), ("sep-2025", REL_SEP_2025)):
        if tag in src:
            return release
    raise InputError(f"META names no known release (source {src.strip()!r})", location=rel)


def _frame(df: pl.DataFrame, *, unit: str, source: str, release: str) -> pl.DataFrame:
    return obs_frame(df, jurisdiction="uk", unit=unit, source=source, priority=PRIORITY, release=release)


def _long(rows: list[tuple[str, str, str, float | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={"label": pl.String, "period": pl.String, "indicator": pl.String, "value": pl.Float64},
        orient="row",
    )


def _account(rep: FileReport, names: list[str]) -> None:
    """Manifest accounting per record (one nationality row of the file), whatever columns it carries."""
    from visalever.countries import is_noncountry, resolve_label

    for name in names:
        rep.rows_read += 1
        try:
            code = resolve_label(name, "home_office")
        except InputError:
            rep.reject("unmapped nationality label")
            continue
        if code in ("NONCOUNTRY:region", "NONCOUNTRY:total"):
            rep.reject(f"aggregate label ({code.split(':', 1)[1]}): not a nationality, not summed")
        elif is_noncountry(code):
            rep.reject(f"non-country label ({code.split(':', 1)[1]}): counted in ALL only")
        else:
            rep.rows_kept += 1


def _aggregate(df: pl.DataFrame, res: ReadResult, rel: str, *, with_all: bool = True) -> pl.DataFrame:
    """Nationality rows -> country (+ ALL) figures; null values are dropped and reported."""
    nulls = df.filter(pl.col("value").is_null()).height
    if nulls:
        res.findings.append(
            Finding(
                "missing_value", "warning", rel, f"{nulls} figures are null in the file: not stored", nulls
            )
        )
    return aggregate_by_nationality(
        df.drop_nulls("value"),
        label_col="label",
        family="home_office",
        rep=FileReport(path=rel),
        res=res,
        group=["period", "indicator"],
        with_all=with_all,
    )


def read_returns(root: Path, res: ReadResult, name: str) -> None:
    rel = f"{DIR}/{name}"
    rep = new_report(root, rel)
    data = load_js(root / rel)
    meta, rows = data["RETURNS_META"], data["RETURNS_BY_NATIONALITY"]
    release = release_of(meta, rel)
    year = str(meta["year"])
    long: list[tuple[str, str, str, float | None]] = []
    bad_rows = []
    for r in rows:
        parts = [r.get(k) for k in ("enforced", "voluntary", "refused")]
        if None not in parts and r.get("total") is not None and abs(sum(parts) - r["total"]) > 0.5:
            bad_rows.append(r["name"])
        long += [(r["name"], year, ind, r.get(col)) for col, ind in RETURN_COLUMNS.items()]
    if bad_rows:
        res.findings.append(
            Finding(
                "unreconciled_total",
                "warning",
                rel,
                f"rows whose types do not sum to their total: {', '.join(bad_rows)}",
                len(bad_rows),
            )
        )
    _account(rep, [r["name"] for r in rows])
    agg = _aggregate(_long(long), res, rel)
    total = agg.filter(iso3="ALL", indicator="returns.total")["value"].sum()
    if abs(total - float(meta["totalYear"])) > 0.5:
        res.findings.append(
            Finding(
                "unreconciled_total",
                "warning",
                rel,
                f"{year} nationality rows sum to {total:,.0f}, META total {meta['totalYear']:,}",
            )
        )
    prior = pl.DataFrame(
        {
            "iso3": ["ALL"],
            "period": [str(meta["priorYear"])],
            "indicator": ["returns.total"],
            "value": [float(meta["priorYearTotal"])],
        }
    )
    src = f"{rel}#RETURNS_BY_NATIONALITY (Ret_D01 {meta.get('source', '')}, {VIA})"
    res.frames.append(_frame(agg, unit="people", source=src, release=release))
    res.frames.append(
        _frame(
            prior, unit="people", source=f"{rel}#RETURNS_META.priorYearTotal (national only)", release=release
        )
    )
    res.findings.append(
        Finding(
            "national_total_only",
            "warning",
            rel,
            f"{meta['priorYear']} returns are published here as a national total only "
            f"({meta['priorYearTotal']:,}): no {meta['priorYear']} returns by nationality",
        )
    )
    res.files.append(rep)


def read_claims(root: Path, res: ReadResult) -> None:
    """2025 claims by nationality, quarterly and yearly series: main applicants only, a distinct indicator."""
    rel = f"{DIR}/nat-full-data.js"
    rep = new_report(root, rel)
    data = load_js(root / rel)
    meta = data["NAT_FULL_META"]
    release = release_of(meta, rel)
    year = str(meta["year"])
    full = _long([(r["name"], year, CLAIMS_MAIN, r.get("v")) for r in data["NAT_FULL"]])
    _account(rep, [r["name"] for r in data["NAT_FULL"]])
    agg = _aggregate(full, res, rel)
    rep.note = "the per-nationality 'grant' field is not used: the file does not define it"
    res.frames.append(
        _frame(
            agg,
            unit="people (main applicants only)",
            source=f"{rel}#NAT_FULL (Asy_D01, main applicants)",
            release=release,
        )
    )
    res.files.append(rep)
    res.findings.append(
        Finding(
            "main_applicants_only",
            "warning",
            rel,
            f"{year} claims by nationality count MAIN APPLICANTS ONLY "
            f"({agg.filter(iso3='ALL')['value'].sum():,.0f} in all): stored as {CLAIMS_MAIN}, "
            "never mixed with asylum.claims (main applicants and dependants)",
        )
    )
    by_nat = {r["name"]: float(r["v"]) for r in data["NAT_FULL"]}

    rel = f"{DIR}/nat-quarterly-data.js"
    rep = new_report(root, rel)
    q = load_js(root / rel)
    release_q = release_of(q["NAT_QUARTERLY_META"], rel)
    quarters = [s.replace(" ", "") for s in q["NAT_QUARTERLY"]["quarters"]]
    long = []
    mismatch = []
    for s in q["NAT_QUARTERLY"]["series"]:
        long += [(s["name"], p, CLAIMS_MAIN, v) for p, v in zip(quarters, s["data"], strict=True)]
        in_year = [v for p, v in zip(quarters, s["data"], strict=True) if p.startswith(year)]
        if len(in_year) == 4 and s["name"] in by_nat and abs(sum(in_year) - by_nat[s["name"]]) > 0.5:
            mismatch.append(s["name"])
    if mismatch:
        res.findings.append(
            Finding(
                "unreconciled_total",
                "warning",
                rel,
                f"quarters of {year} differ from NAT_FULL: {', '.join(mismatch)}",
                len(mismatch),
            )
        )
    _account(rep, [s["name"] for s in q["NAT_QUARTERLY"]["series"]])
    qagg = _aggregate(_long(long), res, rel, with_all=False)
    rep.note = "top nationalities only (no national total); main applicants"
    res.frames.append(
        _frame(
            qagg,
            unit="people (main applicants only)",
            source=f"{rel}#NAT_QUARTERLY (top nationalities)",
            release=release_q,
        )
    )
    res.files.append(rep)

    rel = f"{DIR}/nat-series-data.js"
    rep = new_report(root, rel)
    s = load_js(root / rel)
    release_s = release_of(s["NAT_SERIES_META"], rel)
    years = [str(y) for y in s["NAT_SERIES_LATEST"]["years"]]
    long = [
        (ser["name"], y, CLAIMS_MAIN, v)
        for ser in s["NAT_SERIES_LATEST"]["series"]
        for y, v in zip(years, ser["data"], strict=True)
    ]
    _account(rep, [ser["name"] for ser in s["NAT_SERIES_LATEST"]["series"]])
    sagg = _aggregate(_long(long), res, rel, with_all=False)
    rep.note = "top five nationalities only; main applicants"
    res.frames.append(
        _frame(
            sagg,
            unit="people (main applicants only)",
            source=f"{rel}#NAT_SERIES_LATEST (top nationalities)",
            release=release_s,
        )
    )
    res.files.append(rep)


def read_grant_annual(root: Path, res: ReadResult) -> None:
    rel = f"{DIR}/nat-grant-annual-data.js"
    rep = new_report(root, rel)
    data = load_js(root / rel)
    meta, body = data["NAT_GRANT_ANNUAL_META"], data["NAT_GRANT_ANNUAL"]
    release = release_of(meta, rel)
    years = [str(y) for y in body["years"]]
    long = [
        (ser["name"], y, GRANT_INCL_WITHDRAWALS, v)
        for ser in body["series"]
        for y, v in zip(years, ser["data"], strict=True)
    ]
    _account(rep, [ser["name"] for ser in body["series"]])
    # A rate is never summed: ALL is not formed, non-country series are kept out.
    agg = _aggregate(_long([x for x in long if x[3] is not None]), res, rel, with_all=False)
    rep.note = f"{sum(1 for x in long if x[3] is None)} nation-years without a rate (blank in the file)"
    res.frames.append(
        _frame(
            agg,
            unit="ratio (grants / all decisions INCLUDING withdrawals; "
            "third party's definition, main applicants)",
            source=f"{rel}#NAT_GRANT_ANNUAL",
            release=release,
        )
    )
    res.findings.append(
        Finding(
            "nonstandard_definition",
            "warning",
            rel,
            "grant rate whose denominator includes withdrawals (the origin's note: '"
            + str(meta.get("notes", ""))
            + "'), not the Home Office's grants / (grants + refusals): stored only as "
            + GRANT_INCL_WITHDRAWALS,
        )
    )
    res.files.append(rep)


def read_cohorts(root: Path, res: ReadResult) -> None:
    """Outcome analysis: one row per (claim year, nationality) -> `asylum.cohort.*` for that claim year."""
    rel = f"{DIR}/outcome-cohort-data.js"
    rep = new_report(root, rel)
    data = load_js(root / rel)
    meta, rows = data["OUTCOME_COHORT_META"], data["OUTCOME_COHORT_ANNUAL"]
    release = release_of(meta, rel)
    long: list[tuple[str, str, str, float | None]] = []
    for r in rows:
        y = str(r["year"])
        long.append((r["nationality"], y, "asylum.cohort.claims", r.get("claims")))
        for stage in ("initial", "latest"):
            for k, ind in OUTCOMES.items():
                long.append(
                    (r["nationality"], y, f"asylum.cohort.{stage}.{ind}", (r.get(stage) or {}).get(k))
                )
        for k in ("enforced", "voluntary"):
            long.append((r["nationality"], y, f"asylum.cohort.returns.{k}", (r.get("returns") or {}).get(k)))
    _account(rep, [r["nationality"] for r in rows])
    agg = _aggregate(_long(long), res, rel)
    res.frames.append(
        _frame(
            agg,
            unit="people (claim-year cohort)",
            source=f"{rel}#OUTCOME_COHORT_ANNUAL (Home Office outcome analysis {meta.get('source', '')})",
            release=release,
        )
    )
    res.findings.append(
        Finding(
            "cohort_period",
            "warning",
            rel,
            "asylum.cohort.* periods are YEARS OF CLAIM, counted to the release date "
            "(data to December 2025): a recent cohort has had less time to be decided and returned "
            "than an old one",
        )
    )
    res.files.append(rep)


def read_irregular(root: Path, res: ReadResult) -> None:
    rel = f"{DIR}/irregular-data.js"
    rep = new_report(root, rel)
    data = load_js(root / rel)
    meta, rows = data["IRR_BOATS_META"], data["IRR_BOATS_BY_NATIONALITY"]
    release = release_of(meta, rel)
    full = [r for r in rows if not r.get("partial")]
    partial = len(rows) - len(full)
    long = [(r["nationality"], str(r["year"]), "arrivals.small_boat", r.get("count")) for r in full]
    _account(rep, [r["nationality"] for r in full])
    agg = _aggregate(_long(long), res, rel)
    # The table's own "Total" row per year must equal the sum of its nationality rows.
    sums = {p: v for p, v in agg.filter(iso3="ALL").select("period", "value").iter_rows()}
    for r in full:
        if r["nationality"] == "Total" and abs(sums.get(str(r["year"]), 0.0) - float(r["count"])) > 0.5:
            res.findings.append(
                Finding(
                    "unreconciled_total",
                    "warning",
                    rel,
                    f"{r['year']}: rows sum to {sums.get(str(r['year']), 0.0):,.0f}, "
                    f"its Total row {r['count']:,}",
                )
            )
    rep.rows_read += partial
    rep.reject("partial year (part of the calendar year only)", partial)
    res.frames.append(
        _frame(
            agg,
            unit="people",
            source=f"{rel}#IRR_BOATS_BY_NATIONALITY (Irr_02b, top nationalities)",
            release=release,
        )
    )
    res.findings.append(
        Finding(
            "partial_period",
            "warning",
            rel,
            f"{partial} rows cover part of 2025 only: not used (IER_02b of June 2026 gives 2025 in full)",
            partial,
        )
    )
    res.files.append(rep)


def scan_decisions(root: Path, res: ReadResult) -> None:
    rel = f"{DIR}/decisions-data.js"
    rep = new_report(root, rel)
    data = load_js(root / rel)
    rep.rows_read = len(data["DECISIONS_LATEST"])
    rep.reject(
        "not used for indicators: national totals whose applicant basis the file does not state",
        rep.rows_read,
    )
    res.files.append(rep)


def read(root: Path) -> ReadResult:
    res = ReadResult()
    read_returns(root, res, "returns-data.js")
    read_returns(root, res, "returns-data.dec-2025-vintage.js")
    read_claims(root, res)
    read_grant_annual(root, res)
    read_cohorts(root, res)
    read_irregular(root, res)
    scan_decisions(root, res)
    lic = new_report(root, f"{DIR}/LICENSE")
    lic.note = "the origin's code licence (MIT); data OGL v3.0"
    res.files.append(lic)
    return res
