"""Who a rung could help return: each nationality's annual returns and the pool of refused, unreturned claims.

The pool comes from the Home Office outcome analysis of asylum claim cohorts (claims, initial refusals and
returns of each claim year) when the snapshot holds it: pool = sum over claim cohorts of (refusals at the
latest outcome, else initial refusals, - returns of the cohort), floored at zero per cohort. The
indicators are found by their ids (`cohort` with `refus` or `return`), so the figures are used as soon
as the snapshot carries them. Without them the pool is the simulator's labelled proxy
(`simulate.leverage.people_not_returned`) for the year, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from visalever.effects.acts import INDICATORS


@dataclass(frozen=True)
class Pool:
    """Returns base and pool for one nationality, with where each came from."""

    returns_base: float | None
    returns_period: str | None
    pool: float | None
    pool_method: str
    pool_detail: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "returns_base": self.returns_base,
            "returns_base_period": self.returns_period,
            "pool": None if self.pool is None else round(self.pool, 1),
            "pool_method": self.pool_method,
            "pool_detail": self.pool_detail,
        }


def cohort_indicators(obs: pl.DataFrame, jurisdiction: str) -> dict[str, list[str]]:
    """Cohort indicator ids in the snapshot: {"refusals": [...], "returns": [...], "claims": [...]}."""
    ids = obs.filter(pl.col("jurisdiction") == jurisdiction)["indicator"].unique().to_list()
    coh = sorted(i for i in ids if "cohort" in i)
    # latest outcome first: an initial refusal overturned on appeal is not someone to return
    refusals = sorted((i for i in coh if "refus" in i), key=lambda i: (".latest." not in i, i))
    returns = [i for i in coh if "return" in i and "refus" not in i]
    totals = [i for i in returns if i.endswith(".total")]
    return {
        "refusals": refusals[:1],
        "returns": totals[:1] if totals else returns,
        "claims": [i for i in coh if "claim" in i and i not in refusals and i not in returns][:1],
    }


def _latest_annual(obs: pl.DataFrame, jurisdiction: str, indicator: str, year: int) -> pl.DataFrame:
    fiscal = INDICATORS.get(jurisdiction, {}).get("fiscal", False)
    rows = obs.filter(
        (pl.col("jurisdiction") == jurisdiction)
        & (pl.col("indicator") == indicator)
        & (pl.col("iso3") != "ALL")
        & pl.col("period").str.contains(r"^FY\d{4}$" if fiscal else r"^\d{4}$")
    ).with_columns(pl.col("period").str.slice(-4).cast(pl.Int64).alias("_y"))
    return (
        rows.filter(pl.col("_y") <= year)
        .sort("_y")
        .group_by("iso3")
        .agg(pl.col("value").last(), pl.col("period").last())
    )


def pools(obs: pl.DataFrame, jurisdiction: str, iso3: list[str], year: int) -> dict[str, Pool]:
    """Pool per nationality (every iso3 asked for gets an entry, with None where unknown)."""
    base_ind = INDICATORS[jurisdiction]["returns"] if jurisdiction in INDICATORS else None
    base = _latest_annual(obs, jurisdiction, base_ind, year) if base_ind else pl.DataFrame()
    base_map = {r[0]: (float(r[1]), r[2]) for r in base.iter_rows()} if base.height else {}
    coh = cohort_indicators(obs, jurisdiction)
    out: dict[str, Pool] = {}
    if coh["refusals"] and coh["returns"]:
        rows = obs.filter(
            (pl.col("jurisdiction") == jurisdiction)
            & pl.col("indicator").is_in(coh["refusals"] + coh["returns"])
            & pl.col("iso3").is_in(iso3)
            & (pl.col("period").str.slice(0, 4).cast(pl.Int64, strict=False) <= year)
        )
        per = (
            rows.with_columns(
                pl.when(pl.col("indicator").is_in(coh["refusals"]))
                .then(pl.lit("ref"))
                .otherwise(pl.lit("ret"))
                .alias("kind")
            )
            .group_by("iso3", "period", "kind")
            .agg(pl.col("value").sum())
            .pivot(on="kind", index=["iso3", "period"], values="value")
        )
        for col in ("ref", "ret"):
            if col not in per.columns:
                per = per.with_columns(pl.lit(None, pl.Float64).alias(col))
        per = per.with_columns(
            (pl.col("ref") - pl.col("ret").fill_null(0.0)).clip(lower_bound=0.0).alias("gap")
        )
        agg = per.group_by("iso3").agg(
            pl.col("gap").sum(),
            pl.col("period").min().alias("first"),
            pl.col("period").max().alias("last"),
            pl.col("ref").sum(),
            pl.col("ret").sum(),
        )
        cmap = {r["iso3"]: r for r in agg.iter_rows(named=True)}
        for c in iso3:
            b = base_map.get(c, (None, None))
            r = cmap.get(c)
            detail = {"indicators": coh["refusals"] + coh["returns"]}
            if r is not None:
                detail.update(
                    cohorts=f"{r['first']}-{r['last']}", initial_refusals=r["ref"], cohort_returns=r["ret"]
                )
            out[c] = Pool(
                b[0],
                b[1],
                None if r is None else float(r["gap"]),
                f"claim cohorts: sum of ({coh['refusals'][0]} - returns of the cohort), "
                "floored at 0 per cohort",
                detail,
            )
        return out
    from visalever.simulate.leverage import DENOMINATOR_DEFINITION, people_not_returned

    found: dict[str, tuple[float, int]] = {}
    note: dict[str, Any] = {}
    for y in (year, year - 1, year - 2):  # the latest year with every component published
        values, note = people_not_returned(obs, iso3, y, jurisdiction)
        for c, v in zip(iso3, values, strict=True):
            if c not in found and not np.isnan(v):
                found[c] = (float(v), y)
    for c in iso3:
        b = base_map.get(c, (None, None))
        v, y = found.get(c, (None, None))
        out[c] = Pool(
            b[0],
            b[1],
            v,
            "PROXY (no claim-cohort figures in the snapshot): " + DENOMINATOR_DEFINITION,
            {"indicators": note.get("indicators", []), "year": y},
        )
    return out
