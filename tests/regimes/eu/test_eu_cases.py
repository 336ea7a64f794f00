"""EU regime claims beyond the shared case runner (tests/regimes/test_cases.py).

The shared runner checks each case's `expect`, `explains` (which implementing decision sets which field)
and replay; here the done-when of the EU pack: each field of a GMB decision cites its own instrument.
"""

from __future__ import annotations

import datetime as dt

from visalever.policy import Application, decide, load_policy


def test_done_when_fee_reason_names_its_implementing_decision() -> None:
    """GMB visit in 2023: the EUR 120 cites 2022/2459, the 45 days and single entry cite 2021/1781."""
    policy = load_policy("eu-art25a")
    app = Application(application_id="x", nationality="GMB", category="visit",
                      application_date=dt.date(2023, 6, 1))
    by_measure = {r.measure: r for r in decide(app, policy).reasons}
    assert "2022/2459" in (by_measure["art25a_5b_fee_lower"].legal_reference.instrument or "")
    assert "2021/1781" in (by_measure["art25a_5a_processing"].legal_reference.instrument or "")
    assert "2021/1781" in (by_measure["art25a_5a_multiple_entry"].legal_reference.instrument or "")
