"""`visalever scenario new|check` end to end: the written file checks, simulates, and gives the same
totals as the in-memory reform the service runs (`simulate(..., policies=...)`); a bad file exits 2 with
file:line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from visalever.cli import app

runner = CliRunner()


def test_new_check_and_simulate_equal_the_in_memory_reform(tmp_path: Path) -> None:
    out = tmp_path / "reform.yaml"
    res = runner.invoke(app, ["scenario", "new", "--base", "uk-statutory", "--designate",
                              "PAK:s70_surcharge:visit:2025-01-01", "--set", "fees.visit=150@2026-04-01",
                              "--output", str(out)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["scenario", "check", str(out)])
    assert res.exit_code == 0 and res.stdout.startswith("ok: policy scenario-"), res.output

    res = runner.invoke(app, ["simulate", "--policy", str(out), "--format", "json"])
    assert res.exit_code == 0, res.output
    from_file = json.loads(res.stdout)

    from visalever.policy.loader import load_policy_text
    from visalever.simulate.run import SimulationRequest, simulate

    policy = load_policy_text(out.read_text(encoding="utf-8"), "upload")
    in_memory = simulate(SimulationRequest(policy="rf_scenario"), policies={"rf_scenario": policy})
    assert from_file["totals"] == in_memory["totals"]
    assert from_file["totals"]["applications_affected"] > 0
    pak = [c for c in from_file["countries"] if c.get("applications_affected")]
    assert [c["iso3"] for c in pak] == ["PAK"]


def test_bad_rows_and_bad_files_exit_2_naming_where(tmp_path: Path) -> None:
    res = runner.invoke(app, ["scenario", "new", "--designate", "XXX:s70_surcharge:visit:2025-01-01",
                              "--set", "fees.visit=abc@2026-04-01"])
    assert res.exit_code == 2
    assert "--designate #1 target" in res.output and "--set #1 value" in res.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nextends: uk-statutory\nstatus: scenario\nnote: test\ndesignations:\n"
                   "  - id: x1\n    jurisdiction: uk\n    iso3: PAK\n    kind: measures\n    title: t\n"
                   "    start: 2025-01-01\n    hypothetical: true\n    sources: [{title: t, instrument: i}]\n"
                   "    measures:\n      - measure: nope\n", encoding="utf-8")
    res = runner.invoke(app, ["scenario", "check", str(bad)])
    assert res.exit_code == 2
    where = f"{bad}:15: designations.0.measures.0.measure: unknown measure 'nope'"
    assert where in " ".join(res.output.split())
