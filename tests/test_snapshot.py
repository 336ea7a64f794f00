"""Snapshot: a rebuild from raw data gives the committed rows; contract columns; known defects reported."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from visalever import snapshot as snap
from visalever.paths import SNAPSHOT_DIR


@pytest.fixture(scope="module")
def rebuilt(raw_root: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("snap")
    report = snap.build(raw_root, directory=out)
    return out, report


def test_rebuild_matches_committed_snapshot(rebuilt: tuple[Path, dict]) -> None:
    out, _ = rebuilt
    fresh = pl.read_parquet(out / snap.OBS_FILE)
    committed = pl.read_parquet(SNAPSHOT_DIR / snap.OBS_FILE)
    assert fresh.columns == snap.COLUMNS
    assert fresh.equals(committed)
    manifest = json.loads((out / snap.MANIFEST_FILE).read_text())
    assert manifest["observations_rows"] == fresh.height


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
    assert value("uk", "ALL", "2025", "returns.total") == 56_197
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
    assert report["summary"]["zero_duplicate"] == 8


def test_no_unmapped_labels_in_any_file(raw_root: Path) -> None:
    from visalever.commands.data import unmapped_labels

    assert unmapped_labels(raw_root) == []


def test_query_filters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VISALEVER_SNAPSHOT_DIR", raising=False)
    df = snap.query(jurisdiction="uk", country="alb", period="2023", indicator="returns.total")
    assert df.height == 1 and df.columns == snap.COLUMNS
    assert set(snap.query(country="ALL")["iso3"].unique()) == {"ALL"}
    assert "files" in snap.manifest()
