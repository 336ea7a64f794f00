"""The UK method pinned on a small hand-computed example: every metric, the score, the tier, the
insufficient-data rule, zero-filling from complete sources, missing periods, and the context feed.

Expected figures are worked out by hand below from the regime file's anchors and weights
(uk/assessment.yaml), not taken from the code's output.
"""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest

from visalever.assess import assess, context_for, load_config
from visalever.assess.config import parse_config
from visalever.errors import InputError

COMPLETE = "uk/home_office_2001_2024/hand.csv"


def _obs(rows: list[tuple[str, str, str, float]], source: str = COMPLETE) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "jurisdiction": ["uk"] * len(rows),
            "iso3": [r[0] for r in rows],
            "period": [r[1] for r in rows],
            "indicator": [r[2] for r in rows],
            "value": [float(r[3]) for r in rows],
            "unit": ["ratio" if "rate" in r[2] else "people" for r in rows],
            "source": [source] * len(rows),
        }
    )


@pytest.fixture(scope="module")
def obs() -> pl.DataFrame:
    return _obs(
        [
            # AAA: a full record.
            ("AAA", "2023", "returns.enforced", 40),
            ("AAA", "2023", "returns.voluntary", 60),
            ("AAA", "2023", "returns.total", 120),
            ("AAA", "2023", "returns.fno", 10),
            ("AAA", "2022", "returns.enforced", 50),
            ("AAA", "2022", "returns.voluntary", 150),
            ("AAA", "2022", "asylum.claims", 1000),
            ("AAA", "2022", "asylum.initial_grant_rate", 0.5),
            ("AAA", "2022", "arrivals.irregular_total", 400),
            ("AAA", "2022", "arrivals.small_boat", 100),
            # BBB: small numbers only.
            ("BBB", "2023", "returns.enforced", 2),
            ("BBB", "2023", "returns.voluntary", 3),
            ("BBB", "2022", "asylum.claims", 10),
            ("BBB", "2022", "asylum.initial_grant_rate", 0.5),
            ("BBB", "2022", "arrivals.irregular_total", 4),
            # CCC: refused claims but no row in the (complete) returns table in 2023 or 2022 -> zero returns.
            ("CCC", "2022", "asylum.claims", 300),
            ("CCC", "2022", "asylum.initial_grant_rate", 0.0),
            # 2024: only asylum figures exist (returns end 2023 in this frame).
            ("AAA", "2024", "asylum.claims", 900),
        ]
    )


def _by_iso(results):
    return {a.iso3: a for a in results}


def test_hand_computed_metrics_score_and_tier(obs: pl.DataFrame) -> None:
    a = _by_iso(assess("uk", "2023", observations=obs))["AAA"]
    m = a.metrics
    # In-country returns 40 + 60 = 100; refused claims 2022 = 1000 x (1 - 0.5) = 500.
    assert m["returns_in_country"] == 100
    assert m["refused_claims_prev_year"] == pytest.approx(500)  # no cohort refusals for 2022: the estimate
    assert m["returns_per_refused_claim"] == pytest.approx(0.2)
    assert m["returns_per_irregular_arrival"] == pytest.approx(0.25)
    assert m["returns_per_small_boat_arrival"] == pytest.approx(1.0)
    assert m["enforced_share"] == pytest.approx(0.4)
    assert m["returns_trend"] == pytest.approx(0.5)
    assert m["fno_share_of_returns"] == pytest.approx(10 / 120)
    assert m["visas_granted"] is None and m["leverage"] is None
    # Concerns (log anchors bad 0.05 / good 1; enforced share linear 0.05 / 0.5; trend log 0.5 / 1);
    # small boats 1.0 -> concern 0. No cohort figures: the cohort metric (weight 0.25) is missing, so
    # the score averages over the other 0.75 of the weight (method v2 weights).
    c_refused = math.log(5) / math.log(20)  # ln(1/0.2) / ln(1/0.05)
    c_irregular = math.log(4) / math.log(20)
    c_enforced = (0.5 - 0.4) / (0.5 - 0.05)
    c_trend = 1.0
    expected = 100 * (0.35 * c_refused + 0.15 * c_irregular + 0.1 * 0.0 + 0.1 * c_enforced + 0.05 * c_trend)
    assert a.score == pytest.approx(expected / 0.75, abs=0.01)  # about 44.0
    assert a.tier == "partially_cooperating"
    assert a.confidence == "medium"  # 75% of the weight computed (< 90%), smallest denominator 100
    assert a.reasons[0].startswith("tier partially_cooperating")
    assert a.reasons[1].startswith("returns_per_refused_claim")  # largest contribution comes first
    assert "visas.granted.total@2023" in a.coverage["missing"]


def test_small_numbers_are_insufficient_data_with_reasons(obs: pl.DataFrame) -> None:
    b = _by_iso(assess("uk", "2023", observations=obs))["BBB"]
    assert b.score is None and b.tier == "insufficient_data" and b.confidence == "low"
    assert b.reasons[0].startswith("insufficient_data: no core metric")
    assert any("below minimum volume 20" in r for r in b.reasons)


def test_absence_from_complete_table_is_zero(obs: pl.DataFrame) -> None:
    c = _by_iso(assess("uk", "2023", observations=obs))["CCC"]
    assert "returns.enforced@2023" in c.coverage["zero"]
    assert c.metrics["returns_per_refused_claim"] == 0.0
    assert c.metrics["returns_per_irregular_arrival"] is None  # zero arrivals: not applicable
    assert c.score == pytest.approx(100.0) and c.tier == "non_cooperating"
    assert c.confidence == "low"  # only 35% of the weight computed


def test_absence_from_partial_source_is_missing() -> None:
    obs = _obs([("AAA", "2023", "returns.enforced", 40)], source="uk/home_office_2025/top.json")
    obs = pl.concat(
        [obs, _obs([("BBB", "2022", "asylum.claims", 500), ("BBB", "2022", "asylum.initial_grant_rate", 0)])]
    )
    b = _by_iso(assess("uk", "2023", observations=obs))["BBB"]
    assert "returns.enforced@2023" in b.coverage["missing"]
    assert b.tier == "insufficient_data"


def test_missing_period_is_explicit(obs: pl.DataFrame) -> None:
    a = _by_iso(assess("uk", "2024", observations=obs))["AAA"]
    assert a.tier == "insufficient_data"
    text = " ".join(a.reasons)
    assert "missing returns.enforced@2024" in text
    assert "2024 is published only as a national total" in text  # the known-gap note


COHORT = "uk/asylum_data_explorer_2025_2026/outcome-cohort-data.js#hand"


def test_cohort_metric_scores_a_year_without_returns_by_nationality() -> None:
    """2024: returns of the 2024 claim cohort per its initial refusals; 2025 uses those refusals."""
    cohort = _obs(
        [
            ("DDD", "2024", "asylum.cohort.initial.refusals", 200),
            ("DDD", "2024", "asylum.cohort.returns.enforced", 4),
            ("DDD", "2024", "asylum.cohort.returns.voluntary", 6),
        ],
        source=COHORT,
    ).with_columns(pl.lit("people (claim-year cohort)").alias("unit"))
    returns = _obs(
        [("DDD", "2025", "returns.enforced", 20), ("DDD", "2025", "returns.voluntary", 20)],
        source="uk/asylum_data_explorer_2025_2026/returns-data.js#hand",
    )
    obs = pl.concat([cohort, returns])
    d24 = _by_iso(assess("uk", "2024", observations=obs))["DDD"]
    assert d24.metrics["cohort_returns_per_refusal"] == pytest.approx(0.05)
    # Only the cohort metric (weight 0.25 = the minimum share): concern ln(0.5/0.05) / ln(0.5/0.02).
    assert d24.score == pytest.approx(100 * math.log(10) / math.log(25), abs=0.01)  # about 71.5
    assert d24.tier == "non_cooperating" and d24.confidence == "low"
    d25 = _by_iso(assess("uk", "2025", observations=obs))["DDD"]
    assert d25.metrics["refused_claims_prev_year"] == 200  # the cohort's refusals, not an estimate
    assert d25.metrics["returns_per_refused_claim"] == pytest.approx(0.2)
    assert d25.score is not None


def test_sorted_by_score_then_insufficient(obs: pl.DataFrame) -> None:
    res = assess("uk", "2023", observations=obs)
    assert [a.iso3 for a in res] == ["CCC", "AAA", "BBB"]


def test_period_without_data_is_an_input_error(obs: pl.DataFrame) -> None:
    with pytest.raises(InputError, match="no uk observations for period 1999"):
        assess("uk", "1999", observations=obs)
    with pytest.raises(InputError, match="period"):
        assess("uk", "2023-Q4", observations=obs)


def test_context_uses_latest_published_period(obs: pl.DataFrame) -> None:
    cfg = load_config("uk")
    # 2023 figures are published 56 days after 31 Dec 2023 (25 Feb 2024).
    after = context_for("uk", dt.date(2024, 3, 1), observations=obs, config=cfg)
    assert after["AAA"]["period"] == "2023" and after["AAA"]["tier"] == "partially_cooperating"
    before = context_for("uk", dt.date(2024, 1, 15), observations=obs, config=cfg)
    assert before["AAA"]["period"] == "2022" and before["AAA"]["tier"] == "insufficient_data"


def test_sensitivity_is_seeded_and_counts_runs(obs: pl.DataFrame) -> None:
    one = assess("uk", "2023", observations=obs, sensitivity=30, seed=7)
    two = assess("uk", "2023", observations=obs, sensitivity=30, seed=7)
    assert [a.sensitivity for a in one] == [a.sensitivity for a in two]
    for a in one:
        assert sum(a.sensitivity.tiers.values()) == 30
        assert 0.0 <= a.sensitivity.tier_change_rate <= 1.0
    # Perturbations never change eligibility: small numbers stay insufficient in every run.
    assert _by_iso(one)["BBB"].sensitivity.tiers == {"insufficient_data": 30}


def test_bad_method_file_names_the_key() -> None:
    import yaml

    from visalever.assess.config import config_path

    data = yaml.safe_load(config_path("uk").read_text())
    data["series"]["returns_in_country"]["expr"] = {"mean": ["returns.enforced", "returns.voluntary"]}
    with pytest.raises(InputError, match=r"assessment.yaml.*unknown operator 'mean'"):
        parse_config(data, "regimes/uk/assessment.yaml")
    data = yaml.safe_load(config_path("uk").read_text())
    data["metrics"]["enforced_share"]["score"]["bad"] = 0.5
    with pytest.raises(InputError, match="metrics.enforced_share.score"):
        parse_config(data, "regimes/uk/assessment.yaml")
