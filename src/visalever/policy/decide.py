"""decide(application, policy) -> Decision: one dict lookup in the cached measures table plus the
per-application adjustments (exemptions, class/group-limited measures, priority, dates).

The one decision function: the CLI, the HTTP service (both its fast path and its routed endpoint),
batch decisions and the simulator's cells all answer through it or through `replay`, whose column
expressions mirror it field for field (a conformance test holds every path to the same answers).

Fail closed: a date outside the policy's window, or a visa class or applicant group outside the
regime's vocabulary, is an `InputError`; a class/group-limited measure that could change the answer
when the application does not say its class or group gives `needs_information`, never `proceed`.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Mapping
from typing import Any

from visalever.errors import InputError
from visalever.policy.loader import Policy
from visalever.policy.models import (
    Application,
    Decision,
    LegalReference,
    MissingInformation,
    MoneyOut,
    PolicyRef,
    Reason,
    Unknown,
)
from visalever.policy.resolve import FIELD_COLUMNS, MeasuresTable, Row, Scoped, apply_scoped, resolve

_ONE_DAY = dt.timedelta(days=1)


def exempt_fields(
    policy: Policy, exemptions: Any, immune: dict[str, frozenset[str]] | None = None
) -> frozenset[str]:
    """The row fields an application's exemptions revert to base; unknown exemptions are user errors.

    A field set by a measure that overrides a claimed exemption (`immune`) is not reverted by it."""
    fields: set[str] = set()
    for e in exemptions:
        ex = policy.exemptions.get(e)
        if ex is None:
            raise InputError(
                f"unknown exemption {e!r}; this policy knows {sorted(policy.exemptions)}",
                location="exemptions",
            )
        fields.update(f for f in ex.exempt_from if not immune or e not in immune.get(f, ()))
    return frozenset(fields)


def law_date(policy: Policy, application_date: dt.date, as_of: dt.date | None = None) -> dt.date:
    """The date whose law decides an application: the application date, by each regime's rule.

    UK: a penalty does not affect applications made before it commenced (NABA 2022 s.70(5)); EU: the
    Art. 25a implementing act applies to applications lodged while it applies; US: 243(d) orders bind
    consular officers from their effective date. No packaged regime lets a later `as_of` change the
    measures or fees of an earlier application, so `as_of` is accepted for compatibility and does not
    move the law date (see `policy.timing`).
    """
    return application_date


#: How far ahead of today an application may be dated: the law as data is today's; further ahead it
#: would silently reuse today's fees and acts for years nobody has legislated yet.
FUTURE_HORIZON = dt.timedelta(days=366)
_HORIZON: list[Any] = [0.0, dt.date.min]  # [monotonic time to refresh at, latest acceptable date]


def _latest_date() -> dt.date:
    """Today + FUTURE_HORIZON, refreshed once a minute (date.today() per decision costs ~10% of it)."""
    now = time.monotonic()
    if now >= _HORIZON[0]:
        _HORIZON[0], _HORIZON[1] = now + 60.0, dt.date.today() + FUTURE_HORIZON
    return _HORIZON[1]


def check_application(policy: Policy, application: Application) -> tuple[str | None, str | None]:
    """Refuse what the law cannot answer; return the canonical (visa_class, applicant_group)."""
    day = application.application_date
    window = policy.in_force
    if window is not None and (day < window.from_ or (window.to is not None and day >= window.to)):
        policy.check_in_force(day)
    limit = _HORIZON[1] if time.monotonic() < _HORIZON[0] else _latest_date()
    if day > limit:
        raise InputError(
            f"{application.application_date.isoformat()} is more than a year ahead; the law as data is "
            f"today's and is not projected past {limit.isoformat()}",
            location="application_date",
        )
    if application.visa_class is None and application.applicant_group is None:
        return None, None
    voc = policy.vocabulary
    visa_class = voc.visa_class(application.visa_class)
    group = voc.applicant_group(application.applicant_group)
    if visa_class is not None:
        entry = voc.visa_classes[visa_class]
        if entry.category is not None and entry.category != application.category:
            raise InputError(
                f"visa class {visa_class!r} belongs to the category {entry.category!r}, "
                f"not {application.category!r}",
                location="visa_class",
            )
    return visa_class, group


def _money(amount: Any, currency: Any) -> MoneyOut | None:
    if amount is None or currency is None:
        return None
    return MoneyOut.model_construct(amount=float(amount), currency=currency)


def _variant(table: MeasuresTable, row: Row, exemptions: tuple[str, ...]) -> tuple[Any, ...]:
    """Row values after exemptions, plus the reasons that still apply (cached per row and exemption set)."""
    key = (row.iso3, row.category, exemptions)
    hit = table._variants.get(key)
    if hit is not None:
        return hit
    policy = table.policy
    fields = exempt_fields(policy, exemptions, row.immune)  # unknown exemptions are errors on every row
    if row.final:  # no visa needed / own nationals: no measure for an exemption to lift
        fields = frozenset()
    values = dict(row.values)
    for f in fields:
        for col in FIELD_COLUMNS[f]:
            values[col] = row.base[col]
    reasons = [r for f, r in row.reasons if f not in fields or f == "fee" and r.measure == "base_fee"]
    if fields:
        exempted = {f for f, r in row.reasons if f in fields and r.measure != "base_fee"}
        if exempted or (row.scoped and ("outcome" in fields or "quota" in fields)):
            for e in exemptions:
                ex = policy.exemptions[e]
                ref = LegalReference(
                    title=ex.reference.title, url=ex.reference.url, instrument=ex.reference.instrument
                )
                reasons.append(
                    Reason(
                        measure=f"exemption:{e}",
                        source="application",
                        legal_reference=ref,
                        provision=ref,
                        evidence=f"Exemption claimed on the application: {e}",
                        text=f"{ex.title}: measures on {', '.join(sorted(fields))} do not apply.",
                    )
                )
    scoped = tuple(s for s in row.scoped if _scoped_applies(s, fields))
    unknown = [Unknown.model_construct(field=f, reason=r) for f, r in row.unknown]
    if row.final:  # own nationals, or no visa needed: no fee, date, permission or quota applies
        values.update(
            multiple_entry_allowed=None, priority_allowed=None, quota=None, processing_days=None,
            priority_processing_days=None,
        )
        out = (values, reasons, (), None, None, [])
    else:
        out = (
            values,
            reasons,
            scoped,
            _money(values["fee_amount"], values["fee_currency"]),
            _money(values["surcharge_amount"], values["surcharge_currency"]),
            unknown,
        )
    table._variants[key] = out
    return out


def _scoped_applies(s: Scoped, exempt: frozenset[str]) -> bool:
    """A class/group-limited measure survives the exemptions unless every field it sets is exempt."""
    sets_outcome = s.outcome != "proceed"
    sets_quota = s.quota is not None
    return (sets_outcome and "outcome" not in exempt) or (sets_quota and "quota" not in exempt)


_DECISION_FIELDS = frozenset(Decision.model_fields)


def _decision(**values: Any) -> Decision:
    """A Decision from values the engine built itself (no validation), as `model_construct` does but
    without its per-field default handling, which cost a third of a warm `decide`. Every field is given;
    `tests/policy/test_decision_construction.py` holds it equal to `model_construct`."""
    d = Decision.__new__(Decision)
    object.__setattr__(d, "__dict__", values)
    object.__setattr__(d, "__pydantic_fields_set__", set(_DECISION_FIELDS))
    object.__setattr__(d, "__pydantic_extra__", None)
    object.__setattr__(d, "__pydantic_private__", None)
    return d


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


def _missing(scoped: Scoped, fields: tuple[str, ...], policy: Policy) -> list[MissingInformation]:
    voc = policy.vocabulary
    out = []
    for f in fields:
        if f == "visa_class":
            allowed, every = sorted(scoped.visa_classes or ()), sorted(voc.visa_classes)
        else:
            allowed, every = sorted(scoped.applicant_groups or ()), sorted(voc.applicant_groups)
        out.append(
            MissingInformation.model_construct(
                field=f, allowed=every or allowed, measure=scoped.reason.measure, act=scoped.act
            )
        )
    return out


def decide(
    application: Application,
    policy: Policy,
    as_of: dt.date | None = None,
    *,
    designations: Any = None,
    contexts: Mapping[str, Any] | None = None,
) -> Decision:
    """Decide one application under `policy` (law of the application date; see `law_date`)."""
    date = application.application_date
    visa_class, group = check_application(policy, application)
    table = resolve(policy, law_date(policy, date, as_of), contexts, designations)
    row = table.lookup(application.nationality, application.category)
    values, reasons, scoped, fee, surcharge, unknown = _variant(table, row, tuple(application.exemptions))
    outcome = values["outcome"]
    quota = values["quota"]
    missing: list[MissingInformation] = []
    if scoped:
        outcome, quota, lacking, hits = apply_scoped(outcome, quota, scoped, visa_class, group)
        for s, fields in lacking:
            missing.extend(_missing(s, fields, policy))
        if hits:
            reasons = [*reasons, *(s.reason for s in hits)]
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
    return _decision(
        decision_id=os.urandom(16).hex(),
        application_id=application.application_id,
        outcome=outcome,
        fee=fee,
        surcharge=surcharge,
        earliest_decision_date=earliest,
        decision_due_by=due,
        multiple_entry_allowed=values["multiple_entry_allowed"],
        priority_service_allowed=priority_allowed,
        quota=quota if outcome in ("proceed", "needs_information") else None,
        reasons=reasons,
        policy=_policy_ref(table),
        missing=missing,
        unknown=unknown,
        visa_class=visa_class,
        applicant_group=group,
    )


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def decision_json(d: Decision, dump: Any = None) -> dict[str, Any]:
    """A Decision as plain JSON values (without decision_id/application_id), the one serialisation the
    service, the CLI and batch decisions share. `dump` may cache model_dump of shared parts."""
    dump = dump or (lambda obj: obj.model_dump(mode="json"))
    out: dict[str, Any] = {
        "outcome": d.outcome,
        "fee": None if d.fee is None else {"amount": d.fee.amount, "currency": d.fee.currency},
        "surcharge": None
        if d.surcharge is None
        else {"amount": d.surcharge.amount, "currency": d.surcharge.currency},
        "earliest_decision_date": _iso(d.earliest_decision_date),
        "decision_due_by": _iso(d.decision_due_by),
        "multiple_entry_allowed": d.multiple_entry_allowed,
        "priority_service_allowed": d.priority_service_allowed,
        "quota": d.quota,
        "reasons": [dump(r) for r in d.reasons],
        "policy": dump(d.policy),
    }
    if d.visa_class is not None:
        out["visa_class"] = d.visa_class
    if d.applicant_group is not None:
        out["applicant_group"] = d.applicant_group
    if d.missing:
        out["missing"] = [m.model_dump(mode="json") for m in d.missing]
    if d.unknown:
        out["unknown"] = [u.model_dump(mode="json") for u in d.unknown]
    return out
