"""Synthetic application-level microdata, calibrated exactly to published grants (labelled synthetic).

The Home Office publishes counts, not applications. Per-application rules (exemptions, priority service,
dates across a slow-down) can only be replayed on records, so this module makes records that reproduce
the published grants exactly per nationality and category, with refused applications added by the
refusal-rate parameter. Every record carries `synthetic = True`; nothing here is an observed application.
Generation is seeded and vectorised (NumPy), so the same seed gives the same frame.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import numpy as np
import polars as pl

from visalever.errors import InputError
from visalever.simulate.behaviour import CATEGORIES
from visalever.simulate.flows import Flows

CATEGORY_DTYPE = pl.Enum(list(CATEGORIES))


def nationality_codes(iso3: list[str]) -> list[str]:
    """Categories of the nationality Enum: the flows' codes plus every code the policy engine knows.

    A superset, so that replay can cast its measures table (one row per known country) to this Enum.
    """
    from visalever.policy.codes import known_iso3

    return sorted(set(iso3) | set(known_iso3()))


SYNTHETIC_LABEL = (
    "SYNTHETIC microdata: application records generated from published grant totals "
    "(seeded, calibrated to the published nationality x category grants); not observed applications"
)


def cell_counts(flows: Flows, refusal_rate: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(granted, refused) integer counts per cell, shape (C, K) each.

    granted equals the published grants exactly (they are integers); refused = round(grants * r / (1 - r)).
    """
    r = np.asarray(refusal_rate, dtype=np.float64).reshape(1, len(CATEGORIES))
    if np.any((r < 0) | (r >= 1)):
        raise InputError(f"refusal rate must be in [0, 1), got {r.ravel().tolist()}", location="refusal_rate")
    granted = np.rint(flows.grants).astype(np.int64)
    refused = np.rint(granted * r / (1.0 - r)).astype(np.int64)
    return granted, refused


def _frame(
    nat_idx: np.ndarray,
    cat_idx: np.ndarray,
    granted: np.ndarray,
    iso3: list[str],
    year: int,
    priority_share: float,
    rng: np.random.Generator,
    id_offset: int,
    with_exemptions: bool = False,
) -> pl.DataFrame:
    n = nat_idx.shape[0]
    start = date(year, 1, 1)
    days_in_year = (date(year + 1, 1, 1) - start).days
    day = rng.integers(0, days_in_year, n, dtype=np.int32)
    epoch = (start - date(1970, 1, 1)).days
    # Enum columns: one small dictionary per batch instead of millions of strings, and a join on
    # integer codes in replay. The categories cover every code the flows can produce.
    nat = pl.Series("nationality", iso3, dtype=pl.Enum(nationality_codes(iso3))).gather(nat_idx)
    cat = pl.Series("category", list(CATEGORIES), dtype=CATEGORY_DTYPE).gather(cat_idx)
    columns = [
        pl.Series("application_id", np.arange(id_offset, id_offset + n, dtype=np.int64)),
        nat,
        cat,
        pl.Series("application_date", (day + epoch).astype(np.int32)).cast(pl.Date),
        pl.Series("priority_service", rng.random(n) < priority_share),
    ]
    if with_exemptions:
        columns.append(pl.Series("exemptions", [[]], dtype=pl.List(pl.String)).new_from_index(0, n))
    columns += [pl.Series("baseline_granted", granted), pl.Series("synthetic", np.ones(n, dtype=bool))]
    return pl.DataFrame(columns)


def synthesise(
    flows: Flows,
    refusal_rate: np.ndarray,
    *,
    priority_share: float,
    seed: int = 0,
    with_exemptions: bool = False,
) -> pl.DataFrame:
    """One synthetic record per application of the year, calibrated exactly to the published grants.

    Columns: application_id, nationality and category (Enum), application_date, priority_service,
    baseline_granted, synthetic (always True); with `with_exemptions`, an `exemptions` list column
    (always empty: no exemption shares are published, so no record is given one).
    """
    granted, refused = cell_counts(flows, refusal_rate)
    c, k = granted.shape
    cell_nat = np.repeat(np.arange(c), k)
    cell_cat = np.tile(np.arange(k), c)
    g = granted.ravel()
    rf = refused.ravel()
    counts = g + rf
    nat_idx = np.repeat(cell_nat, counts)
    cat_idx = np.repeat(cell_cat, counts)
    # Within each cell the first `granted` records are the granted ones.
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    pos = np.arange(nat_idx.shape[0]) - starts
    is_granted = pos < np.repeat(g, counts)
    rng = np.random.default_rng(seed)
    return _frame(nat_idx, cat_idx, is_granted, flows.iso3, int(flows.year), priority_share, rng, 0,
                  with_exemptions)


def stream(
    flows: Flows,
    refusal_rate: np.ndarray,
    *,
    records: int,
    batch_size: int,
    priority_share: float,
    seed: int = 0,
    with_exemptions: bool = False,
) -> Iterator[pl.DataFrame]:
    """`records` synthetic applications in batches, drawn in proportion to the year's applications.

    For scaling runs beyond one year of records (e.g. 100 million): each batch is a multinomial draw over
    the cells with the same shares as `synthesise`, so aggregates scale with the record count. Labelled
    synthetic like every microdata record.
    """
    if records < 0 or batch_size < 1:
        raise InputError("records must be >= 0 and batch_size >= 1", location="stream")
    granted, refused = cell_counts(flows, refusal_rate)
    counts = (granted + refused).ravel().astype(np.float64)
    if counts.sum() <= 0:
        raise InputError("no applications to draw from", location="flows")
    p_cell = counts / counts.sum()
    cdf = np.cumsum(p_cell)
    p_grant = np.divide(granted.ravel(), counts, out=np.zeros_like(counts), where=counts > 0)
    k = len(CATEGORIES)
    rng = np.random.default_rng(seed)
    done = 0
    while done < records:
        n = min(batch_size, records - done)
        cell = np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), cdf.shape[0] - 1)
        is_granted = rng.random(n) < p_grant[cell]
        yield _frame(cell // k, cell % k, is_granted, flows.iso3, int(flows.year), priority_share, rng, done,
                     with_exemptions)
        done += n
