"""The engine's fast Decision constructor builds exactly what pydantic's `model_construct` builds."""

from __future__ import annotations

import datetime as dt

from visalever.policy import Application, decide, load_policy
from visalever.policy.models import Decision


def test_fast_decision_equals_model_construct() -> None:
    app = Application(application_id="x", nationality="COD", category="visit",
                      application_date=dt.date(2026, 1, 10), visa_class="visitor")
    d = decide(app, load_policy("uk-statutory"))
    assert set(d.__dict__) == set(Decision.model_fields)
    ref = Decision.model_construct(**d.__dict__)
    assert d.model_dump(mode="json") == ref.model_dump(mode="json")
    assert d.model_fields_set == ref.model_fields_set
    assert Decision.model_validate(d.model_dump()).model_dump() == d.model_dump()
    assert d.model_dump_json() == ref.model_dump_json()
