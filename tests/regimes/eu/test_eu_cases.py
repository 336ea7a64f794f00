"""EU regime decision cases (tests/regimes/eu/cases.yaml) through `decide` and `replay`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from visalever.policy import Application, decide, load_policy, replay

CASES_FILE = Path(__file__).with_name("cases.yaml")
SPEC = yaml.safe_load(CASES_FILE.read_text())


def _application(raw: dict[str, Any]) -> Application:
    return Application(application_id="case", nationality=raw["nationality"], category=raw["category"],
                       application_date=raw["date"], visa_class=raw.get("visa_class"),
                       applicant_group=raw.get("applicant_group"), exemptions=raw.get("exemptions", []))


def _frame(app: Application) -> pl.DataFrame:
    """A one-row replay frame for an application."""
    return pl.DataFrame(
        {"application_id": ["case"], "nationality": [app.nationality], "category": [app.category],
         "application_date": [app.application_date], "visa_class": [app.visa_class],
         "applicant_group": [app.applicant_group], "exemptions": [app.exemptions]},
        schema_overrides={"exemptions": pl.List(pl.String), "visa_class": pl.String,
                          "applicant_group": pl.String})


def _check(case: dict[str, Any]) -> None:
    policy = load_policy(SPEC["policy"])
    decision = decide(_application(case["application"]), policy).model_dump(mode="python")
    for field, want in case.get("expect", {}).items():
        got = decision[field]
        if isinstance(want, dt.date) or want is None or isinstance(want, (bool, str, int, float)):
            assert got == want, f"{case['name']}: {field} is {got!r}, expected {want!r}"
        else:
            assert got == {k: (float(v) if isinstance(v, int) else v) for k, v in want.items()}, (
                f"{case['name']}: {field} is {got!r}, expected {want!r}")
    sources = {r["source"] for r in decision["reasons"]}
    for field, designation in case.get("cites", {}).items():
        # The reason must come from the designation AND from a measure that sets this field.
        explaining = [r for r in decision["reasons"] if r["source"] == designation
                      and field in policy.measures[r["measure"]].effects.set_fields()]
        assert explaining, f"{case['name']}: no reason from {designation} explains {field}: {sorted(sources)}"
        assert all(r["legal_reference"]["instrument"] or r["legal_reference"]["url"] for r in explaining)
    for designation in case.get("not_cited", []):
        assert designation not in sources, f"{case['name']}: {designation} is cited but no longer in force"
    if case.get("no_designation_reasons"):
        assert not [s for s in sources if not s.startswith("parameter:")], (
            f"{case['name']}: unexpected designation reasons {sorted(sources)}")


@pytest.mark.parametrize("case", SPEC["cases"], ids=[c["name"][:70] for c in SPEC["cases"]])
def test_case(case: dict[str, Any]) -> None:
    _check(case)


def test_cited_field_is_the_one_the_designation_sets() -> None:
    """The fee reason of the 2023 Gambia case comes from 2022/2459 and names that instrument."""
    policy = load_policy(SPEC["policy"])
    app = _application({"nationality": "GMB", "category": "visit", "date": dt.date(2023, 6, 1)})
    reasons = decide(app, policy).reasons
    fee_reasons = [r for r in reasons if r.measure == "art25a_5b_fee_lower"]
    assert len(fee_reasons) == 1
    assert "2022/2459" in (fee_reasons[0].legal_reference.instrument or "")
    processing = [r for r in reasons if r.measure == "art25a_5a_processing"]
    assert processing and "2021/1781" in (processing[0].legal_reference.instrument or "")


def test_replay_agrees_with_decide() -> None:
    """The same cases through `replay` give the same outcome, fee and due date (one law, two paths)."""
    policy = load_policy(SPEC["policy"])
    rows = [c["application"] for c in SPEC["cases"]]
    for raw in rows:
        app = _application(raw)
        frame = _frame(app)
        out = replay(frame, policy, app.application_date).to_dicts()[0]
        d = decide(app, policy)
        assert out["outcome"] == d.outcome
        assert out["fee_amount"] == d.fee.amount
        assert out["decision_due_by"] == d.decision_due_by
