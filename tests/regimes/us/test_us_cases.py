"""US regime checks beyond the shared case runner: a discontinued decision says so and cites its order.

tests/regimes/test_cases.py checks each case's `expect`; here every suspended case must carry the
caseworker wording "discontinued for this class and group" from the sanction it cites, and `replay`
(class- and group-limited outcomes applied per row) must agree with `decide`.
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
def test_discontinued_wording(case: dict[str, Any]) -> None:
    decision = decide(_application(case), load_policy(case["policy"]))
    cited = [r for r in decision.reasons if r.source in case["expect"].get("reason_sources", [])]
    if decision.outcome == "suspended":
        assert cited, "a suspended decision must cite its sanction"
        assert any("discontinued for this class and group" in r.text for r in cited)
        assert decision.decision_due_by is None


def test_eritrea_reason_names_the_2017_order_and_the_law() -> None:
    """Done-when: ERI B1/B2 on 2018-01-01 is discontinued, citing the 13 September 2017 sanction."""
    app = Application(application_id="x", nationality="ERI", category="visit", visa_class="B1/B2",
                      application_date=dt.date(2018, 1, 1))
    decision = decide(app, load_policy("us-243d"))
    assert decision.outcome == "suspended"
    (reason,) = [r for r in decision.reasons if r.source == "us-eri-2017"]
    assert "2017-09-13" in (reason.evidence or "")
    assert "243(d)" in reason.legal_reference.title


def test_replay_agrees_with_decide() -> None:
    """The cases through `replay` give decide's outcome and fee."""
    policy = load_policy("us-243d")
    for case in CASES:
        app = _application(case)
        out = replay(_frame(app), policy, app.application_date).to_dicts()[0]
        d = decide(app, policy)
        assert (out["outcome"], out["fee_amount"]) == (d.outcome, d.fee.amount), case["name"]
