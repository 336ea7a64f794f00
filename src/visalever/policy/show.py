"""show_policy(policy, as_of): what a policy is on a date, as one JSON-ready document.

The one description the CLI (`visalever policy show`) and the API (`GET /v1/policies/{id}?as_of=`)
both print: metadata with the in-force window and timing rule, the parameters in effect with their
sources, tiers, exemptions, the published vocabulary of visa classes and applicant groups, the visa
requirement list's size, and the measures-table rows that carry a measure on that date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from visalever.policy.loader import Policy
from visalever.policy.resolve import resolve


def show_policy(policy: Policy, as_of: dt.date) -> dict[str, Any]:
    """The policy on `as_of` (a date outside its window is shown with `in_force_on_date: false`)."""
    params = []
    for pid, p in sorted(policy.parameters.items()):
        value, pv = p.at(as_of)
        params.append(
            {
                "parameter": pid,
                "value": value,
                "unit": p.currency or p.unit,
                "verified": pv.verified if pv else None,
                "reference": pv.reference.title if pv else None,
                "url": pv.reference.url if pv else None,
            }
        )
    table = resolve(policy, as_of)
    frame = table.frame.filter(pl.col("measure_ids").list.len() > 0)
    rows = frame.select(
        [c for c in frame.columns if not c.startswith(("base_", "immune_", "scoped"))]
    ).to_dicts()
    window = policy.in_force
    vr = policy.visa_requirements
    return {
        "policy": policy.summary(),
        "as_of": as_of.isoformat(),
        "in_force_on_date": window is None or window.contains(as_of),
        "timing": None if policy.timing is None else policy.timing.model_dump(mode="json", exclude_none=True),
        "parameters": params,
        "tiers": [t.model_dump(mode="json") for t in policy.tiers],
        "exemptions": sorted(policy.exemptions),
        "vocabulary": policy.vocabulary.summary(),
        "visa_requirements": {
            "description": vr.description,
            "own_nationals": sorted(vr.own.iso3) if vr.own else [],
            "visa_free_on_date": sorted(
                {iso3 for iso3, entries in vr.by_country.items() for e in entries if e.applies(as_of)}
            ),
        },
        "measures_applied": rows,
    }
