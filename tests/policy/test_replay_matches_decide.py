"""One law, two paths: `replay` over a frame and `decide` per application agree on every field.

Hypothesis draws applications around the real designation edges (DRC Dec 2025 - Feb 2026), a test
designation with class/group-limited suspension, exemptions, priority and assessed tiers.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from visalever.policy import (
    Application,
    Designation,
    build_contexts,
    decide,
    load_designations,
    load_policy,
    replay,
)

EDGES = [
    dt.date(2025, 11, 17),
    dt.date(2025, 12, 27),
    dt.date(2025, 12, 28),
    dt.date(2026, 2, 6),
    dt.date(2026, 1, 31),
    dt.date(2025, 4, 9),
]
COUNTRIES = ["COD", "AGO", "NAM", "IND", "PAK", "ERI", "FRA", "IRQ", "BRA", "UKR"]
EXEMPTIONS = ["diplomatic", "humanitarian", "refugee_family_reunion", "ukraine_scheme", "bno"]
TEST_DESIGNATION = Designation.model_validate(
    {
        "id": "test-eri-scoped",
        "jurisdiction": "uk",
        "iso3": "ERI",
        "kind": "penalty",
        "hypothetical": True,
        "title": "TEST ONLY - hypothetical",
        "start": "2025-12-28",
        "end": "2026-02-06",
        "sources": [{"title": "test fixture", "instrument": "tests/policy"}],
        "measures": [
            {"measure": "s70_slowdown"},
            {"measure": "s70_surcharge", "categories": ["visit"]},
            {"measure": "s70_suspension", "visa_classes": ["visitor"], "applicant_groups": ["official"]},
            {"measure": "priority_withdrawal", "overrides_exemptions": ["diplomatic"]},
        ],
    }
)
ASSESSMENTS = {
    "AGO": {"tier": "non_cooperating"},
    "PAK": {"tier": "non_cooperating"},
    "IND": {"tier": "cooperating"},
}
FIELDS = [
    "outcome",
    "fee_amount",
    "fee_currency",
    "surcharge_amount",
    "surcharge_currency",
    "earliest_decision_date",
    "decision_due_by",
    "multiple_entry_allowed",
    "priority_service_allowed",
]

dates = st.one_of(
    st.sampled_from(EDGES).flatmap(lambda d: st.integers(-1, 1).map(lambda k: d + dt.timedelta(days=k))),
    st.dates(dt.date(2025, 1, 1), dt.date(2026, 11, 30)),
)
#: visa classes of the UK vocabulary by the category they belong to (any spelling the vocabulary lists)
CLASSES = {
    "visit": [None, "visitor", "Standard Visitor"],
    "study": [None, "student"],
    "work": [None, "skilled_worker", "Young Professionals Scheme"],
    "family": [None],
    "other": [None],
}
applications = st.sampled_from(["visit", "study", "work", "family", "other"]).flatmap(
    lambda category: st.builds(
        dict,
        nationality=st.sampled_from(COUNTRIES),
        category=st.just(category),
        application_date=dates,
        priority_service=st.booleans(),
        exemptions=st.lists(st.sampled_from(EXEMPTIONS), max_size=2, unique=True),
        visa_class=st.sampled_from(CLASSES[category]),
        applicant_group=st.sampled_from([None, "official", "private"]),
    )
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    policy_id=st.sampled_from(["uk-statutory", "uk-transactional-2025"]),
    as_of=dates,
    apps=st.lists(applications, min_size=1, max_size=25),
)
def test_replay_and_decide_agree(policy_id: str, as_of: dt.date, apps: list[dict]) -> None:
    """Replay by application date (as_of=None) equals decide for every application; the contexts are
    fixed (test assessments), so the answers depend on the application date alone."""
    policy = load_policy(policy_id)
    start = policy.in_force.from_ if policy.in_force else dt.date.min
    apps = [
        dict(a, exemptions=[e for e in a["exemptions"] if e in policy.exemptions],
             application_date=max(a["application_date"], start))
        for a in apps
    ]
    designations = [*load_designations("uk"), TEST_DESIGNATION]
    contexts = build_contexts("uk", as_of, assessments=ASSESSMENTS, designations=designations)
    frame = pl.DataFrame(
        [{"application_id": f"a{i}", **a} for i, a in enumerate(apps)],
        schema={
            "application_id": pl.String,
            "nationality": pl.String,
            "category": pl.String,
            "application_date": pl.Date,
            "priority_service": pl.Boolean,
            "exemptions": pl.List(pl.String),
            "visa_class": pl.String,
            "applicant_group": pl.String,
        },
    )
    out = replay(frame, policy, None, designations=designations, contexts=contexts)
    assert out.height == len(apps)
    for i, row in enumerate(out.iter_rows(named=True)):
        d = decide(
            Application(application_id=f"a{i}", **apps[i]),
            policy,
            as_of,
            designations=designations,
            contexts=contexts,
        )
        got = {
            "outcome": d.outcome,
            "fee_amount": d.fee.amount if d.fee else None,
            "fee_currency": d.fee.currency if d.fee else None,
            "surcharge_amount": d.surcharge.amount if d.surcharge else None,
            "surcharge_currency": d.surcharge.currency if d.surcharge else None,
            "earliest_decision_date": d.earliest_decision_date,
            "decision_due_by": d.decision_due_by,
            "multiple_entry_allowed": d.multiple_entry_allowed,
            "priority_service_allowed": d.priority_service_allowed,
        }
        # replay's currency columns are read with their amounts (meaningless where the amount is null)
        for money in ("fee", "surcharge"):
            if row[f"{money}_amount"] is None:
                row[f"{money}_currency"] = None
        assert {k: row[k] for k in FIELDS} == got, apps[i]


def test_scoped_suspension_hits_only_its_class_and_group() -> None:
    """The draws above can miss it: a class/group-limited measure suspends only the matching applicants."""
    policy = load_policy("uk-statutory")
    designations = [*load_designations("uk"), TEST_DESIGNATION]
    day = dt.date(2026, 1, 5)
    hit = Application(
        application_id="x",
        nationality="ERI",
        category="visit",
        application_date=day,
        visa_class="visitor",
        applicant_group="official",
    )
    miss = hit.model_copy(update={"applicant_group": "private"})
    unknown = hit.model_copy(update={"applicant_group": None})
    assert decide(hit, policy, designations=designations).outcome == "suspended"
    assert decide(miss, policy, designations=designations).outcome == "proceed"
    assert decide(unknown, policy, designations=designations).outcome == "needs_information"
    frame = pl.DataFrame(
        {
            "application_id": ["h", "m", "u"],
            "nationality": ["ERI"] * 3,
            "category": ["visit"] * 3,
            "application_date": [day] * 3,
            "visa_class": ["visitor", "Standard Visitor", "visitor"],
            "applicant_group": ["official", "private", None],
        }
    )
    assert replay(frame, policy, day, designations=designations)["outcome"].to_list() == [
        "suspended",
        "proceed",
        "needs_information",
    ]


def test_enum_typed_columns_replay_like_strings() -> None:
    """Enum-typed nationality/category (any category order or subset) give the same answers as strings."""
    policy = load_policy("uk-statutory")
    as_of = dt.date(2026, 1, 10)
    nats = ["COD", "AGO", "NAM", "IND", "COD", "FRA"]
    cats = ["visit", "study", "work", "family", "other", "visit"]
    plain = pl.DataFrame(
        {
            "application_id": [f"a{i}" for i in range(len(nats))],
            "nationality": nats,
            "category": cats,
            "application_date": [as_of] * len(nats),
            "priority_service": [True, False, True, False, True, True],
        }
    )
    enum = plain.with_columns(
        pl.col("nationality").cast(pl.Enum(["NAM", "IND", "FRA", "COD", "AGO"])),
        pl.col("category").cast(pl.Enum(["work", "visit", "other", "study", "family"])),
    )
    a = replay(plain, policy, as_of).select(FIELDS)
    b = replay(enum, policy, as_of).select(FIELDS)
    assert a.equals(b)
    assert a.filter(pl.col("outcome").is_null()).height == 0


def test_frames_without_class_or_group_columns_agree_with_decide() -> None:
    """Frames that carry no visa_class, applicant_group or exemptions take replay's shortcut (each
    table row's answer for an application that says neither): it must equal decide's answer."""
    cases = [
        ("uk-transactional-2025", "IND", "work", dt.date(2025, 7, 1)),  # route-limited quota
        ("uk-transactional-2025", "IND", "visit", dt.date(2025, 7, 1)),
        ("us-243d", "ERI", "visit", dt.date(2018, 1, 1)),  # class-limited suspension
        ("us-243d", "KHM", "visit", dt.date(2018, 1, 1)),  # group-limited
        ("us-243d", "FRA", "visit", dt.date(2018, 1, 1)),  # no visa needed
        ("uk-statutory", "GBR", "visit", dt.date(2025, 7, 1)),  # own nationals
    ]
    for policy_id, iso3, category, day in cases:
        policy = load_policy(policy_id)
        frame = pl.DataFrame({"application_id": ["a"], "nationality": [iso3], "category": [category],
                              "application_date": [day]})
        row = replay(frame, policy).to_dicts()[0]
        d = decide(Application(application_id="a", nationality=iso3, category=category,
                               application_date=day), policy)
        assert (row["outcome"], row["quota"], row["fee_amount"]) == (
            d.outcome, d.quota, d.fee.amount if d.fee else None), (policy_id, iso3, category)
