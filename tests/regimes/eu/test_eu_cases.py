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

    def act_text(r: object) -> str:
        act = r.act  # type: ignore[attr-defined]
        return f"{act.id} {act.title} {act.instrument or ''}" if act is not None else ""

    # each reason cites both the provision (Visa Code Art. 25a) and the act (the implementing decision)
    assert "25a(5)(b)" in (by_measure["art25a_5b_fee_lower"].provision.instrument or "")
    assert "2022/2459" in act_text(by_measure["art25a_5b_fee_lower"])
    assert "25a" in (by_measure["art25a_5a_processing"].provision.instrument or "")
    assert "2021/1781" in act_text(by_measure["art25a_5a_processing"])
    assert "2021/1781" in act_text(by_measure["art25a_5a_multiple_entry"])
