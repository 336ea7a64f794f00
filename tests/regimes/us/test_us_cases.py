"""US regime claims beyond the shared case runner (tests/regimes/test_cases.py, which also replays them).

Every suspended case must carry the caseworker wording "discontinued for this class and group" from
the sanction it cites, and the ERI done-when names the 2017 order and the law.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from visalever.policy import Application, decide, load_policy

CASES = yaml.safe_load(Path(__file__).with_name("cases.yaml").read_text())["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"][:70] for c in CASES])
def test_discontinued_wording(case: dict[str, Any]) -> None:
    decision = decide(Application(application_id="case", **case["application"]), load_policy(case["policy"]))
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
