"""End to end on the bundled snapshot and the packaged UK policies: CLI and reform files (the HTTP
API is tested with the service, in tests/service/test_simulations.py).

No mocks: the real snapshot, the real policy engine. Assertions are identities the output must
satisfy (baseline = published national totals, labels carried), not stored numbers.
"""

from __future__ import annotations

import json

import polars as pl
import pytest
from typer.testing import CliRunner

from visalever.cli import app
from visalever.simulate.behaviour import CATEGORIES

runner = CliRunner()


def _national_2025() -> float:
    from visalever import snapshot

    obs = snapshot.load()
    ind = [f"visas.granted.{c}" for c in ("visitor", "study", "work", "family", "other")]
    rows = obs.filter(
        (pl.col("iso3") == "ALL") & (pl.col("period") == "2025") & pl.col("indicator").is_in(ind)
        & (pl.col("jurisdiction") == "uk")
    )
    assert rows.height == len(CATEGORIES)
    return float(rows["value"].sum())


def _run(*args: str) -> dict:
    res = runner.invoke(app, ["simulate", *args])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_done_when_baseline_totals_equal_published_national_figures() -> None:
    doc = _run("--policy", "uk-transactional-2025", "--baseline", "uk-statutory", "--year", "2025",
               "--format", "json")
    national = _national_2025()
    assert doc["totals"]["baseline_visas"] == pytest.approx(national)
    gap = doc["metadata"]["baseline_gap"]["by_category"]
    unallocated = doc["totals"]["unallocated"]["published_grants"]
    assert sum(v["gap"] for v in gap.values()) == pytest.approx(unallocated)
    assert sum(c["published_grants"] for c in doc["countries"]) + unallocated == pytest.approx(national)
    reform = next(p for p in doc["metadata"]["policies"] if p["role"] == "reform")
    assert reform["status"] != "enacted" and reform["note"]
    assert reform["status"] in doc["label"]
    assert all(a["assumption"] or a["sources"] for a in doc["metadata"]["assumptions"])
    assert doc["metadata"]["leverage_denominator"]["definition"]


def test_draws_give_ordered_bands_and_microdata_is_labelled_synthetic() -> None:
    doc = _run("--policy", "uk-transactional-2025", "--draws", "50", "--microdata", "--format", "json",
               "--seed", "3")
    assert doc["metadata"]["synthetic"]["synthetic"] is True
    assert "SYNTHETIC" in doc["label"]
    for name in ("visas_not_issued", "applications_affected", "fee_revenue_change"):
        b = doc["totals"][name]
        assert b["p5"] <= b["p50"] <= b["p95"], name
    assert all("iso3" in c for c in doc["countries"])


REFORM = """\
id: test-scenario-pak
extends: uk-statutory
title: Test scenario - s.70 surcharge on Pakistani visit visas
status: scenario
note: HYPOTHETICAL scenario written by a test; not law.
designations:
  - id: test-scenario-pak-surcharge
    jurisdiction: uk
    iso3: PAK
    kind: penalty
    title: Test scenario - s.70 surcharge on Pakistani visit visas
    start: 2025-01-01
    hypothetical: true
    sources: [{title: Test scenario, instrument: tests/simulate}]
    measures: [{measure: s70_surcharge, categories: [visit]}]
"""


def test_user_reform_file_changes_only_its_country(tmp_path) -> None:
    reform = tmp_path / "pak-surcharge.yaml"
    reform.write_text(REFORM)
    doc = _run("--policy", str(reform), "--baseline", "uk-statutory", "--format", "json")
    by = {c["iso3"]: c for c in doc["countries"]}
    assert by["PAK"]["surcharge_revenue"] > 0
    assert by["PAK"]["visas_not_issued"] >= 0
    assert 0 < by["PAK"]["visas_at_stake"] <= by["PAK"]["published_grants"]
    others = [c for code, c in by.items() if code != "PAK"]
    assert all(c["surcharge_revenue"] == 0 and c["visas_not_issued"] == 0 for c in others)
    assert "scenario" in doc["label"] and "HYPOTHETICAL" in doc["label"]


def test_bad_input_is_one_line_exit_2(tmp_path) -> None:
    bad = runner.invoke(app, ["simulate", "--policy", "no-such-policy", "--format", "json"])
    assert bad.exit_code == 2
    assert "no-such-policy" in bad.output
    broken = tmp_path / "broken.yaml"
    broken.write_text(REFORM.replace("status: scenario", "status: maybe"))
    res = runner.invoke(app, ["simulate", "--policy", str(broken), "--format", "json"])
    assert res.exit_code == 2 and "broken.yaml" in res.output and "status" in res.output
    res = runner.invoke(app, ["simulate", "--policy", "uk-statutory", "--as-of", "2025-13-01"])
    assert res.exit_code == 2 and "--as-of" in res.output


# The HTTP API (POST /v1/simulations) is tested with the service: tests/service/test_simulations.py


def test_own_behaviour_file_is_used(tmp_path) -> None:
    import yaml

    from visalever.simulate.behaviour import default_behaviour_path

    raw = yaml.safe_load(default_behaviour_path().read_text())
    for name in ("surcharge_elasticity", "slowdown_response_per_30_days"):
        raw["parameters"][name].update(central=0.0, low=0.0, high=0.0, by_category={})
    beh = tmp_path / "no-response.yaml"
    beh.write_text(yaml.safe_dump(raw))
    reform = tmp_path / "pak-surcharge.yaml"
    reform.write_text(REFORM)
    doc = _run("--policy", str(reform), "--behaviour", str(beh), "--format", "json")
    pak = next(c for c in doc["countries"] if c["iso3"] == "PAK")
    assert pak["visas_not_issued"] == pytest.approx(0.0)  # no demand response: every visa still issued
    assert pak["surcharge_revenue"] > 0
    assert doc["metadata"]["behaviour_file"] == str(beh)
