"""Flows from snapshot observations (with the published gap) and synthetic microdata calibrated exactly."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from visalever.errors import InputError
from visalever.simulate.behaviour import CATEGORIES
from visalever.simulate.flows import flows_from_observations
from visalever.simulate.microdata import cell_counts, stream, synthesise


def test_flows_matrix_and_gap(small_obs) -> None:
    f = flows_from_observations(small_obs, 2025)
    assert f.iso3 == ["AAA", "BBB"]
    assert f.grants.shape == (2, len(CATEGORIES))
    assert f.grants[0, CATEGORIES.index("visit")] == 1000
    gap = dict(zip(CATEGORIES, f.gap, strict=True))
    assert gap["visit"] == 100 and gap["work"] == 10 and gap["study"] == 0
    report = f.gap_report()["by_category"]["visit"]
    assert report == {"national_total": 1600.0, "sum_of_nationality_rows": 1500.0, "gap": 100.0}


def test_flows_missing_year_is_a_one_line_error(small_obs) -> None:
    with pytest.raises(InputError, match="2019"):
        flows_from_observations(small_obs, 2019)


def test_microdata_reproduces_published_grants_exactly_and_is_labelled(small_obs) -> None:
    f = flows_from_observations(small_obs, 2025)
    r = np.array([0.2, 0.1, 0.05, 0.25, 0.0])
    df = synthesise(f, r, priority_share=0.1, seed=3)
    assert df["synthetic"].all()
    got = (
        df.filter(pl.col("baseline_granted")).group_by("nationality", "category").len()
        .pivot(on="category", index="nationality", values="len").fill_null(0).sort("nationality")
    )
    for k, cat in enumerate(CATEGORIES):
        col = got[cat].to_list() if cat in got.columns else [0, 0]
        assert col == f.grants[:, k].astype(int).tolist(), cat
    granted, refused = cell_counts(f, r)
    assert df.height == int((granted + refused).sum())
    assert df["application_id"].n_unique() == df.height
    assert df["application_date"].dt.year().unique().to_list() == [2025]
    again = synthesise(f, r, priority_share=0.1, seed=3)
    assert again.equals(df)
    assert not synthesise(f, r, priority_share=0.1, seed=4).equals(df)


def test_stream_batches_cover_requested_records(small_obs) -> None:
    f = flows_from_observations(small_obs, 2025)
    r = np.full(len(CATEGORIES), 0.1)
    sizes = [b.height for b in stream(f, r, records=2_500, batch_size=1_000, priority_share=0.0, seed=1)]
    assert sizes == [1_000, 1_000, 500]
    with pytest.raises(InputError):
        synthesise(f, np.full(len(CATEGORIES), 1.0), priority_share=0.0)
