"""US regime decision cases (tests/regimes/us/cases.yaml) through `decide` and `replay`."""

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
    for designation in case.get("cites", []):
        citing = [r for r in decision["reasons"] if r["source"] == designation]
        assert citing, f"{case['name']}: no reason cites {designation} (got {sorted(sources)})"
        if decision["outcome"] == "suspended":
            assert any("discontinued for this class and group" in r["text"] for r in citing), case["name"]
    for designation in case.get("not_cited", []):
        assert designation not in sources, f"{case['name']}: {designation} is cited but should not apply"


@pytest.mark.parametrize("case", SPEC["cases"], ids=[c["name"][:70] for c in SPEC["cases"]])
def test_case(case: dict[str, Any]) -> None:
    _check(case)


def test_eritrea_reason_names_the_2017_order_and_the_law() -> None:
    """The done-when case: the reason carries the sanction's evidence (13 Sep 2017) and INA 243(d)."""
    policy = load_policy(SPEC["policy"])
    app = _application({"nationality": "ERI", "category": "visit", "visa_class": "B1/B2",
                        "date": dt.date(2018, 1, 1)})
    decision = decide(app, policy)
    (reason,) = [r for r in decision.reasons if r.source == "us-eri-2017"]
    assert "2017-09-13" in (reason.evidence or "")
    assert "243(d)" in reason.legal_reference.title


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
