"""Meta-test of the law's coverage: every packaged policy has a cited in-force window, and inside it
every decision either knows each money value or says which one it does not know and why.

Checked at the window's first day, at today's date and at each parameter change inside the window,
for every category, with a nationality that needs a visa (the visa requirement list decides which).
"""

from __future__ import annotations

import datetime as dt

import pytest

from visalever.errors import InputError
from visalever.policy import Application, decide, list_policies, load_policy
from visalever.policy.models import CATEGORIES

POLICIES = [p["id"] for p in list_policies()]
CANDIDATES = ["COD", "IND", "PAK", "NGA", "CHN", "GMB", "ERI", "AFG", "SDN", "BGD"]


def _days(policy_id: str) -> list[dt.date]:
    policy = load_policy(policy_id)
    window = policy.in_force
    assert window is not None
    today = dt.date.today()
    end = min(window.to - dt.timedelta(days=1), today) if window.to else today
    days = {window.from_, end}
    for param in policy.parameters.values():
        days.update(d for d in param.values if window.from_ <= d <= end)
    return sorted(days)


@pytest.mark.parametrize("policy_id", POLICIES)
def test_every_policy_has_a_cited_window(policy_id: str) -> None:
    policy = load_policy(policy_id)
    assert policy.in_force is not None, f"{policy_id}: no in_force window"
    ref = policy.in_force.reference
    assert ref.title and (ref.url or ref.instrument)
    with pytest.raises(InputError, match="^application_date: .*outside the window"):
        decide(Application(application_id="x", nationality="COD", category="visit",
                           application_date=policy.in_force.from_ - dt.timedelta(days=1)), policy)


@pytest.mark.parametrize("policy_id", POLICIES)
def test_money_is_known_or_said_to_be_unknown_inside_the_window(policy_id: str) -> None:
    policy = load_policy(policy_id)
    checked = 0
    for day in _days(policy_id):
        for category in CATEGORIES:
            for iso3 in CANDIDATES:
                vr = policy.visa_requirements
                if vr.is_own_national(iso3) or vr.visa_free(iso3, category, day):
                    continue
                app_ = Application(application_id="x", nationality=iso3, category=category,
                                   application_date=day, visa_class=None, applicant_group=None)
                d = decide(app_, policy)
                body = d.model_dump(mode="json")
                for field in ("fee", "surcharge"):
                    money = body[field]
                    assert money is None or money["amount"] is not None, (policy_id, day, field)
                if d.fee is None:
                    unknown = {u.field: u.reason for u in d.unknown}
                    assert "fee" in unknown and unknown["fee"], (policy_id, day, category, iso3)
                checked += 1
                break
    assert checked >= len(CATEGORIES)


def test_a_date_far_ahead_is_refused_not_answered_with_todays_fee() -> None:
    policy = load_policy("uk-statutory")
    with pytest.raises(InputError, match="^application_date: .*more than a year ahead"):
        decide(Application(application_id="x", nationality="COD", category="visit",
                           application_date=dt.date(2099, 1, 1)), policy)
