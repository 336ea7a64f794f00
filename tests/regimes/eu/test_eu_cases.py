"""EU regime checks beyond the shared case runner: which designation explains which field, and replay.

tests/regimes/test_cases.py checks each case's `expect`; here the same cases are held to the stricter
claims a lawyer would make (the fee is explained by 2022/2459, the 45 days by 2021/1781) and run through
`replay` to confirm the one-law-two-paths invariant for this regime.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from visalever.policy import Application, decide, load_policy, replay

CASES = yaml.safe_load(Path(__file__).with_name("cases.yaml").read_text())["cases"]


def _application(case: dict[str, Any]) -> Application:
    return Application(application_id="case", **case["application"])


def _frame(app: Application) -> pl.DataFrame:
    """A one-row replay frame for an application."""
    return pl.DataFrame(
        {"application_id": ["case"], "nationality": [app.nationality], "category": [app.category],
         "application_date": [app.application_date], "visa_class": [app.visa_class],
         "applicant_group": [app.applicant_group], "exemptions": [app.exemptions]},
        schema_overrides={"exemptions": pl.List(pl.String), "visa_class": pl.String,
                          "applicant_group": pl.String})


@pytest.mark.parametrize("case", CASES, ids=[c["name"][:70] for c in CASES])
def test_explanations(case: dict[str, Any]) -> None:
    policy = load_policy(case["policy"])
    decision = decide(_application(case), policy).model_dump()
    sources = sorted({r["source"] for r in decision["reasons"]})
    for field, designation in case.get("explains", {}).items():
        explaining = [r for r in decision["reasons"] if r["source"] == designation
                      and field in policy.measures[r["measure"]].effects.set_fields()]
        assert explaining, f"no reason from {designation} explains {field}: {sources}"
        assert all(r["legal_reference"]["instrument"] for r in explaining)
    if case.get("no_designation_reasons"):
        assert all(s.startswith("parameter:") for s in sources), sources


def test_done_when_fee_reason_names_its_implementing_decision() -> None:
    """GMB visit in 2023: the EUR 120 cites 2022/2459, the 45 days and single entry cite 2021/1781."""
    policy = load_policy("eu-art25a")
    app = Application(application_id="x", nationality="GMB", category="visit",
                      application_date=dt.date(2023, 6, 1))
    by_measure = {r.measure: r for r in decide(app, policy).reasons}
    assert "2022/2459" in (by_measure["art25a_5b_fee_lower"].legal_reference.instrument or "")
    assert "2021/1781" in (by_measure["art25a_5a_processing"].legal_reference.instrument or "")
    assert "2021/1781" in (by_measure["art25a_5a_multiple_entry"].legal_reference.instrument or "")


def test_replay_agrees_with_decide() -> None:
    """The cases through `replay` give decide's outcome, fee, dates and multiple-entry flag."""
    policy = load_policy("eu-art25a")
    for case in CASES:
        app = _application(case)
        out = replay(_frame(app), policy, app.application_date).to_dicts()[0]
        d = decide(app, policy)
        assert (out["outcome"], out["fee_amount"], out["decision_due_by"], out["multiple_entry_allowed"]) == (
            d.outcome, d.fee.amount, d.decision_due_by, d.multiple_entry_allowed), case["name"]
