"""Differences between two policies on a date: parameters and resolved measures, row by row."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from visalever.policy.loader import Policy
from visalever.policy.resolve import ROW_FIELDS, resolve


def diff_policies(a: Policy, b: Policy, as_of: dt.date) -> dict[str, Any]:
    """{parameters: [...], measures: [...]}: parameter values and table cells that differ on `as_of`."""
    params = []
    for pid in sorted(set(a.parameters) | set(b.parameters)):
        va = a.parameters[pid].at(as_of)[0] if pid in a.parameters else None
        vb = b.parameters[pid].at(as_of)[0] if pid in b.parameters else None
        if va != vb:
            params.append({"parameter": pid, "a": va, "b": vb})
    fa = resolve(a, as_of).frame.select("iso3", "category", *ROW_FIELDS, "tier")
    fb = resolve(b, as_of).frame.select("iso3", "category", *ROW_FIELDS, "tier")
    joined = fa.join(fb, on=["iso3", "category"], suffix="_b")
    changes = []
    for col in (*ROW_FIELDS, "tier"):
        diff = joined.filter(~pl.col(col).eq_missing(pl.col(f"{col}_b"))).select(
            "iso3",
            "category",
            pl.lit(col).alias("field"),
            pl.col(col).cast(pl.String).alias("a"),
            pl.col(f"{col}_b").cast(pl.String).alias("b"),
        )
        changes.extend(diff.to_dicts())
    changes.sort(key=lambda r: (r["iso3"], r["category"], r["field"]))
    return {
        "as_of": as_of.isoformat(),
        "a": a.summary(),
        "b": b.summary(),
        "parameters": params,
        "measures": changes,
    }
