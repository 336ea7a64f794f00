"""Per-country contexts that tier conditions (CEL) read: agreement, assessment, designations.

Built at the edge of the pure engine: the agreement register is regime data, the assessment comes from
`visalever.assess.context_for` when that module exists (else no assessment: conditions must cope with
`assessment == null`), and designations are those in force on the date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from visalever.policy.codes import known_iso3
from visalever.policy.models import Agreement, Designation


def _agreement_context(rows: list[Agreement], as_of: dt.date) -> dict[str, Any]:
    """The strongest arrangement in force on `as_of`, or one saying there is none."""
    active = [a for a in rows if a.in_force(as_of)]
    if not active:
        return {
            "exists": bool(rows),
            "in_force": False,
            "kind": None,
            "in_force_from": None,
            "signed": None,
            "status": rows[0].status if rows else None,
            "mobility_quota": {},
            "count": 0,
        }
    best = sorted(active, key=lambda a: a.effective_from() or dt.date.min, reverse=True)[0]
    quota: dict[str, int] = {}
    for a in active:
        quota.update(a.mobility_quota or {})
    return {
        "exists": True,
        "in_force": True,
        "kind": best.kind,
        "in_force_from": (best.effective_from() or dt.date.min).isoformat(),
        "signed": best.signed.isoformat() if best.signed else None,
        "status": best.status,
        "mobility_quota": quota,
        "count": len(active),
        "kinds": sorted({a.kind for a in active}),
    }


def _designation_context(d: Designation) -> dict[str, Any]:
    return {
        "id": d.id,
        "kind": d.kind,
        "start": d.start.isoformat(),
        "end": d.end.isoformat() if d.end else None,
        "measures": [m.measure for m in d.measures],
    }


def _assessments_from_module(jurisdiction: str, as_of: dt.date) -> Mapping[str, Any] | None:
    from visalever.assess import context_for

    return context_for(jurisdiction, as_of)


def build_contexts(
    jurisdiction: str,
    as_of: dt.date,
    assessments: Mapping[str, Any] | None = None,
    *,
    agreements: Iterable[Agreement] | None = None,
    designations: Iterable[Designation] | None = None,
) -> dict[str, dict[str, Any]]:
    """{iso3: {iso3, agreement, assessment, designations}} for every known country.

    `assessments` maps iso3 to {tier, score, metrics, ...}; None asks `visalever.assess` (when present).
    """
    from visalever.policy.loader import load_agreements, load_designations

    if assessments is None:
        assessments = _assessments_from_module(jurisdiction, as_of) or {}
    by_country: dict[str, list[Agreement]] = {}
    for a in agreements if agreements is not None else load_agreements(jurisdiction):
        by_country.setdefault(a.iso3, []).append(a)
    des: dict[str, list[dict[str, Any]]] = {}
    for d in designations if designations is not None else load_designations(jurisdiction):
        if d.in_force(as_of):
            des.setdefault(d.iso3, []).append(_designation_context(d))
    out: dict[str, dict[str, Any]] = {}
    for iso3 in known_iso3():
        assessment = assessments.get(iso3)
        out[iso3] = {
            "iso3": iso3,
            "agreement": _agreement_context(by_country.get(iso3, []), as_of),
            "assessment": dict(assessment) if assessment is not None else None,
            "designations": des.get(iso3, []),
        }
    return out
