"""decide(application, policy) -> Decision: one dict lookup in the cached measures table plus the
per-application adjustments (exemptions, class/group-limited measures, priority, dates).

The adjustments are the same, field for field, as the expressions in `replay`; a property test holds
the two to the same answers.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from visalever.errors import InputError
from visalever.policy.loader import Policy
from visalever.policy.models import (
    OUTCOME_SEVERITY,
    Application,
    Decision,
    LegalReference,
    MoneyOut,
    PolicyRef,
    Reason,
)
from visalever.policy.resolve import FIELD_COLUMNS, MeasuresTable, Row, resolve

_ONE_DAY = dt.timedelta(days=1)


def exempt_fields(policy: Policy, exemptions: Any) -> frozenset[str]:
    """The row fields an application's exemptions revert to base; unknown exemptions are user errors."""
    fields: set[str] = set()
    for e in exemptions:
        ex = policy.exemptions.get(e)
        if ex is None:
            raise InputError(
                f"unknown exemption {e!r}; this policy knows {sorted(policy.exemptions)}",
                location="exemptions",
            )
        fields.update(ex.exempt_from)
    return frozenset(fields)


def _variant(table: MeasuresTable, row: Row, exemptions: tuple[str, ...]) -> tuple[Any, ...]:
    """Row values after exemptions, plus the reasons that still apply (cached per row and exemption set)."""
    key = (row.iso3, row.category, exemptions)
    hit = table._variants.get(key)
    if hit is not None:
        return hit
    policy = table.policy
    fields = exempt_fields(policy, exemptions)
    values = dict(row.values)
    for f in fields:
        for col in FIELD_COLUMNS[f]:
            values[col] = row.base[col]
    reasons = [r for f, r in row.reasons if f not in fields or f == "fee" and r.measure == "base_fee"]
    if fields:
        exempted = {f for f, r in row.reasons if f in fields and r.measure != "base_fee"}
        if exempted or (row.scoped is not None and "outcome" in fields):
            for e in exemptions:
                ex = policy.exemptions[e]
                reasons.append(
                    Reason(
                        measure=f"exemption:{e}",
                        source="application",
                        legal_reference=LegalReference(
                            title=ex.reference.title, url=ex.reference.url, instrument=ex.reference.instrument
                        ),
                        evidence=f"Exemption claimed on the application: {e}",
                        text=f"{ex.title}: measures on {', '.join(sorted(fields))} do not apply.",
                    )
                )
    scoped = row.scoped if (row.scoped is not None and "outcome" not in fields) else None
    fee = MoneyOut.model_construct(amount=values["fee_amount"], currency=values["fee_currency"])
    surcharge = MoneyOut.model_construct(
        amount=values["surcharge_amount"], currency=values["surcharge_currency"]
    )
    out = (values, reasons, scoped, fee, surcharge)
    table._variants[key] = out
    return out


def _policy_ref(table: MeasuresTable) -> PolicyRef:
    ref = table._variants.get(("policy",))
    if ref is None:
        p = table.policy
        ref = PolicyRef.model_construct(
            id=p.id,
            revision=p.revision,
            status=p.status,
            note=p.note,
            designations_version=table.designations_version,
        )
        table._variants[("policy",)] = ref
    return ref


def decide(
    application: Application,
    policy: Policy,
    as_of: dt.date | None = None,
    *,
    designations: Any = None,
    contexts: Mapping[str, Any] | None = None,
) -> Decision:
    """Decide one application under `policy` on `as_of` (default: the application date)."""
    date = application.application_date
    table = resolve(policy, as_of or date, contexts, designations)
    row = table.lookup(application.nationality, application.category)
    values, reasons, scoped, fee, surcharge = _variant(table, row, tuple(application.exemptions))
    outcome = values["outcome"]
    if (
        scoped is not None
        and (scoped.visa_classes is None or application.visa_class in scoped.visa_classes)
        and (scoped.applicant_groups is None or application.applicant_group in scoped.applicant_groups)
    ):
        if OUTCOME_SEVERITY[scoped.outcome] > OUTCOME_SEVERITY[outcome]:
            outcome = scoped.outcome
        reasons = [*reasons, scoped.reason]
    priority_allowed = values["priority_allowed"]
    if outcome == "proceed":
        earliest = date + values["slowdown_days"] * _ONE_DAY
        days = values["processing_days"]
        if (
            application.priority_service
            and priority_allowed
            and values["priority_processing_days"] is not None
        ):
            days = values["priority_processing_days"]
        due = None if days is None else max(date + days * _ONE_DAY, earliest)
    else:
        earliest = due = None
    return Decision.model_construct(
        decision_id=uuid.uuid4().hex,
        application_id=application.application_id,
        outcome=outcome,
        fee=fee,
        surcharge=surcharge,
        earliest_decision_date=earliest,
        decision_due_by=due,
        multiple_entry_allowed=values["multiple_entry_allowed"],
        priority_service_allowed=priority_allowed,
        quota=values["quota"],
        reasons=reasons,
        policy=_policy_ref(table),
    )
