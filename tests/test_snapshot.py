"""Snapshot: a rebuild from raw data gives the committed rows; contract columns; known defects reported;
release vintages (newest wins, revisions listed); the readers of the 2025-2026 folders."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from visalever import snapshot as snap
from visalever.paths import SNAPSHOT_DIR


@pytest.fixture(scope="module")
def raw(raw_root: Path) -> tuple:
    """The raw folder read once for the module (the build and the label check share it)."""
    return snap.read_raw(raw_root)


@pytest.fixture(scope="module")
def rebuilt(raw_root: Path, raw: tuple, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("snap")
    report = snap.build(raw_root, directory=out, raw=raw)
    return out, report


def test_rebuild_matches_committed_snapshot(rebuilt: tuple[Path, dict]) -> None:
    out, _ = rebuilt
    fresh = pl.read_parquet(out / snap.OBS_FILE)
    committed = pl.read_parquet(SNAPSHOT_DIR / snap.OBS_FILE)
    assert fresh.columns == snap.COLUMNS
    assert fresh.equals(committed)
    manifest = json.loads((out / snap.MANIFEST_FILE).read_text())
    assert manifest["observations_rows"] == fresh.height
    revs = pl.read_parquet(out / snap.REVISIONS_FILE)
    assert revs.columns == snap.REVISION_COLUMNS
    assert revs.equals(pl.read_parquet(SNAPSHOT_DIR / snap.REVISIONS_FILE))
    assert manifest["revisions_rows"] == revs.height
    assert fresh["release"].null_count() == 0


def test_manifest_accounts_for_every_raw_file(rebuilt: tuple[Path, dict], raw_root: Path) -> None:
    out, _ = rebuilt
    files = {f["path"]: f for f in json.loads((out / snap.MANIFEST_FILE).read_text())["files"]}
    raw = {
        str(p.relative_to(raw_root))
        for p in raw_root.rglob("*")
        if p.is_file() and p.parts[len(raw_root.parts)] in ("uk", "eu", "us") and p.suffix not in (".md",)
    }
    assert raw == set(files)
    for f in files.values():
        assert len(f["sha256"]) == 64
        assert f["rows_kept"] + f["rows_rejected"] == f["rows_read"], f["path"]


def test_published_figures(rebuilt: tuple[Path, dict]) -> None:
    out, _ = rebuilt
    df = pl.read_parquet(out / snap.OBS_FILE)

    def value(j: str, iso: str, period: str, ind: str) -> float:
        hit = df.filter(jurisdiction=j, iso3=iso, period=period, indicator=ind)
        assert hit.height == 1, (j, iso, period, ind)
        return hit["value"][0]

    assert value("us", "ALL", "FY2018", "visas.issued.niv_total") == 9_028_026
    assert value("uk", "ALL", "2025", "visas.granted.visitor") == 2_239_582
    # Two vintages of 2025 returns: the March 2026 release wins, December 2025 is a revision.
    assert value("uk", "ALL", "2025", "returns.total") == 57_679
    assert value("uk", "ALB", "2025", "returns.enforced") == 2_439
    assert value("uk", "ALL", "2025", "arrivals.small_boat") == 41_472
    assert value("uk", "ALL", "2024", "arrivals.small_boat") == 36_816
    assert value("uk", "USA", "2025", "visas.granted.non_visitor") == 32_418
    # Quarterly series carry calendar-year totals equal to the sum of their quarters.
    q = df.filter(
        pl.col("period").str.starts_with("2023Q"), jurisdiction="uk", iso3="ALB", indicator="returns.enforced"
    )["value"].sum()
    assert value("uk", "ALB", "2023", "returns.enforced") == q
    # Asylum by nationality 2024 is partial (to Q3): no calendar-year total;
    # ALL comes from the full national series.
    assert df.filter(jurisdiction="uk", indicator="asylum.claims", period="2024", iso3="AFG").height == 0
    all24 = df.filter(jurisdiction="uk", indicator="asylum.claims", period="2024", iso3="ALL")
    assert all24["source"][0].startswith("uk/home_office_2025/route-dashboard.json")
    # No zero rows from the defective 2025 visa rows (Russia, United States).
    assert (
        df.filter(jurisdiction="uk", iso3="RUS", period="2025", indicator="visas.granted.visitor").height == 0
    )
    eu_sum = df.filter(
        pl.col("indicator").str.starts_with("returns.to_third_country.reported_by."),
        jurisdiction="eu",
        iso3="MAR",
        period="2023",
    )
    assert eu_sum["value"].sum() == value("eu", "MAR", "2023", "returns.to_third_country")
    assert all(c == "ALL" or len(c) == 3 for c in df["iso3"].unique())
    assert "proxy for nationality" in df.filter(jurisdiction="eu", indicator="visas.issued")["unit"][0]


def test_new_folders(rebuilt: tuple[Path, dict]) -> None:
    """The 2025-2026 readers: distinct indicators, labelled periods, reconciled national totals."""
    out, _ = rebuilt
    df = pl.read_parquet(out / snap.OBS_FILE)

    def one(j: str, iso: str, period: str, ind: str) -> dict:
        hit = df.filter(jurisdiction=j, iso3=iso, period=period, indicator=ind)
        assert hit.height == 1, (j, iso, period, ind)
        return hit.row(0, named=True)

    # Main applicants only: a distinct indicator, never asylum.claims.
    assert one("uk", "PAK", "2025", "asylum.claims.main_applicants")["value"] == 7_851
    assert one("uk", "ALL", "2025", "asylum.claims")["value"] == 100_625
    # Outcome-analysis cohorts are their own indicators, by year of claim.
    assert one("uk", "AFG", "2007", "asylum.cohort.claims")["value"] == 2_227
    assert one("uk", "AFG", "2007", "asylum.cohort.returns.enforced")["value"] == 793
    assert df.filter(indicator="asylum.cohort.initial.refusals", period="2024").height > 100
    # The third party's grant rate only under a name saying withdrawals are in the denominator.
    g = one("uk", "YEM", "2025", "asylum.grant_rate.incl_withdrawals")
    assert "INCLUDING withdrawals" in g["unit"]
    # IER_02b: calendar years sum to the published totals; years ending June are labelled as such.
    assert one("uk", "ALL", "2022", "arrivals.small_boat")["value"] == 45_774
    assert one("uk", "ALL", "2025", "arrivals.small_boat")["value"] == 41_472
    assert one("uk", "ERI", "YE2026-06", "arrivals.small_boat")["release"].startswith("2026-06 Home Office")
    # US: NIV to FY2024 from the new workbook; ICE removals FY2014-2024 with ICE's printed totals.
    niv = one("us", "ALL", "FY2024", "visas.issued.niv_total")
    assert niv["source"].startswith("us/state_niv_issuances_fy1997_2024/")
    assert one("us", "ALL", "FY2018", "visas.issued.niv_total")["release"].startswith("2024-09")
    assert one("us", "ALL", "FY2014", "removals.total")["value"] == 315_943
    assert one("us", "ALL", "FY2024", "removals.total")["value"] == 271_484
    assert one("us", "GIN", "FY2016", "removals.total")["value"] > 0
    # Historic keys stay their own series; unknown / stateless / ambiguous "Korea" are ALL only.
    assert df.filter(jurisdiction="us", iso3="YUG", indicator="removals.total").height > 0
    assert set(df.filter(jurisdiction="us")["iso3"].unique()).isdisjoint({"XUN", "XST", "XKO"})


def test_revisions_list_the_2025_national_revision(rebuilt: tuple[Path, dict]) -> None:
    out, report = rebuilt
    revs = pl.read_parquet(out / snap.REVISIONS_FILE)
    hit = revs.filter(jurisdiction="uk", iso3="ALL", period="2025", indicator="returns.total")
    assert hit.height == 1
    r = hit.row(0, named=True)
    assert (r["old_value"], r["new_value"], r["difference"]) == (56_197, 57_679, 1_482)
    assert r["old_release"] < r["new_release"] and r["new_release"].startswith("2026-03")
    # Newest wins: no kept observation comes from a release older than a revision's new release.
    kept = pl.read_parquet(out / snap.OBS_FILE)
    joined = revs.join(kept, on=snap.KEY)
    assert (joined["release"] >= joined["new_release"]).all()
    assert report["summary"]["revised_by_newer_release"] == revs.height


def test_quality_report_lists_known_defects(rebuilt: tuple[Path, dict]) -> None:
    _, report = rebuilt
    text = json.dumps(report["findings"])
    assert report["errors"] == 0
    for kind in (
        "zero_duplicate",
        "duplicate_removed",
        "suspicious_zero",
        "unreconciled_total",
        "partial_period",
        "mislabelled_period",
        "mislabelled_file",
        "proxy_nationality",
    ):
        assert report["summary"].get(kind, 0) >= 1, kind
    for needle in ("RUS", "USA", "COD", "June 2026", "2024Q3", "migr_eirtn", "table 39", "gap"):
        assert needle in text, needle
    # The new folders' defects are reported, each by kind.
    for kind in (
        "main_applicants_only",
        "nonstandard_definition",
        "transcribed_file",
        "needs_review",
        "national_total_only",
        "top_n_table",
        "cohort_period",
        "revised_by_newer_release",
    ):
        assert report["summary"].get(kind, 0) >= 1, kind
    niv = [f for f in report["findings"] if f["file"].startswith("us/state_niv_issuances_fy1997_2024/")]
    assert any(f["kind"] in ("release_agrees", "release_differs") for f in niv)
    assert report["summary"]["zero_duplicate"] == 8


def test_no_unmapped_labels_in_any_file(raw_root: Path, raw: tuple) -> None:
    from visalever.commands.data import unmapped_labels

    assert unmapped_labels(raw_root, raw) == []


def test_query_filters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VISALEVER_SNAPSHOT_DIR", raising=False)
    df = snap.query(jurisdiction="uk", country="alb", period="2023", indicator="returns.total")
    assert df.height == 1 and df.columns == snap.COLUMNS
    revs = snap.revisions(indicator="returns.")
    assert revs.height and revs["indicator"].str.starts_with("returns.").all()
    assert set(snap.query(country="ALL")["iso3"].unique()) == {"ALL"}
    assert "files" in snap.manifest()
