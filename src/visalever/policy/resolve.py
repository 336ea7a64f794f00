"""resolve(policy, as_of) -> the one measures table both `decide` and `replay` read.

For every known country and category: start from the policy's base row, apply the first tier whose CEL
condition holds over the country's context, then the designations in force (by start date). Each field
combines by the rule in `models.EFFECT_FIELDS`. The table keeps, per row, the base values (for
exemptions), one class/group-limited outcome (applied per application) and the reasons.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from visalever.errors import InputError
from visalever.policy.loader import Policy, validate_designation
from visalever.policy.models import (
    CATEGORIES,
    OUTCOME_SEVERITY,
    ActRef,
    Designation,
    Effects,
    LegalReference,
    Measure,
    MeasureUse,
    Money,
    Reason,
    ValueRef,
)

ROW_FIELDS = (
    "outcome",
    "fee_amount",
    "fee_currency",
    "surcharge_amount",
    "surcharge_currency",
    "slowdown_days",
    "processing_days",
    "priority_processing_days",
    "multiple_entry_allowed",
    "priority_allowed",
    "quota",
)
#: exemptable field -> the row fields it covers
FIELD_COLUMNS: dict[str, tuple[str, ...]] = {
    "outcome": ("outcome",),
    "fee": ("fee_amount", "fee_currency"),
    "surcharge": ("surcharge_amount", "surcharge_currency"),
    "slowdown_days": ("slowdown_days",),
    "processing_days": ("processing_days",),
    "multiple_entry_allowed": ("multiple_entry_allowed",),
    "priority_allowed": ("priority_allowed",),
    "quota": ("quota",),
}


class DesignationSet:
    """An immutable set of designations with a content version (the cache key for resolved tables)."""

    __slots__ = ("items", "version")

    def __init__(self, designations: Sequence[Designation]) -> None:
        self.items: tuple[Designation, ...] = tuple(designations)
        payload = json.dumps([d.model_dump(mode="json") for d in self.items], sort_keys=True)
        self.version = hashlib.sha256(payload.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Scoped:
    """A measure limited to some visa classes and/or applicant groups (None = any), applied per
    application: an outcome (most severe wins) and/or a quota. Classes and groups are canonical."""

    outcome: str
    visa_classes: frozenset[str] | None
    applicant_groups: frozenset[str] | None
    reason: Reason
    quota: int | None = None
    act: str | None = None

    def needs(self) -> tuple[str, ...]:
        """The application fields this measure's scope reads."""
        out = []
        if self.visa_classes is not None:
            out.append("visa_class")
        if self.applicant_groups is not None:
            out.append("applicant_group")
        return tuple(out)

    def matches(self, visa_class: str | None, group: str | None) -> bool:
        return (self.visa_classes is None or visa_class in self.visa_classes) and (
            self.applicant_groups is None or group in self.applicant_groups
        )


@dataclass(slots=True)
class Row:
    """One (country, category) row: values, base values, reasons keyed by the field they explain.

    `final`: the visa requirement list decided the row (own nationals, no visa needed), so no measure,
    exemption or class-limited measure changes it. `unknown`: fields the law as data cannot give."""

    iso3: str
    category: str
    values: dict[str, Any]
    base: dict[str, Any]
    reasons: list[tuple[str, Reason]]
    tier: str | None
    scoped: tuple[Scoped, ...]
    measure_ids: list[str]
    final: bool = False
    unknown: tuple[tuple[str, str], ...] = ()
    #: exemptable field -> exemptions that do not revert it (a measure use's `overrides_exemptions`)
    immune: dict[str, frozenset[str]] | None = None


class MeasuresTable:
    """The resolved law for one policy, date and designation set: rows by (iso3, category)."""

    def __init__(
        self, policy: Policy, as_of: dt.date, rows: dict[tuple[str, str], Row], designations_version: str
    ) -> None:
        self.policy = policy
        self.as_of = as_of
        self.rows = rows
        self.designations_version = designations_version
        self._frame: pl.DataFrame | None = None
        self._variants: dict[tuple[Any, ...], Any] = {}

    def lookup(self, iso3: str, category: str) -> Row:
        """The row for a nationality and category; an unknown code is a user error."""
        try:
            return self.rows[(iso3, category)]
        except KeyError:
            if category not in CATEGORIES:
                raise InputError(
                    f"unknown category {category!r}; expected one of {list(CATEGORIES)}", location="category"
                ) from None
            raise InputError(
                f"unknown nationality {iso3!r} (not an ISO 3166-1 alpha-3 code the registry knows)",
                location="nationality",
            ) from None

    @property
    def frame(self) -> pl.DataFrame:
        """One row per (iso3, category), with base_* columns for exemptions and scoped_* columns."""
        if self._frame is None:
            self._frame = _to_frame(self)
        return self._frame

    def to_records(self) -> list[dict[str, Any]]:
        return self.frame.drop([c for c in self.frame.columns if c.startswith("base_")]).to_dicts()


def _money_fields(name: str, value: Any, policy: Policy, as_of: dt.date) -> tuple[Any, Any]:
    if isinstance(value, Money):
        return value.amount, value.currency
    if isinstance(value, ValueRef) and value.parameter is not None:
        param = policy.parameters[value.parameter]
        amount, _ = param.at(as_of)
        return (float(amount) if amount is not None else None), param.currency
    raise InputError(f"{name} must be a Money {{amount, currency}} or a parameter reference")


def _value(value: Any, policy: Policy, as_of: dt.date, ctx: Mapping[str, Any], key: str) -> Any:
    if isinstance(value, ValueRef):
        if value.parameter is not None:
            return policy.parameters[value.parameter].at(as_of)[0]
        cond = policy.context_exprs.get(key)
        if cond is None:  # defined in a parent file: compile on demand (already validated there)
            from visalever.policy.conditions import Condition

            cond = policy.context_exprs.setdefault(key, Condition(value.context or "", key))
        return cond.evaluate(dict(ctx))
    return value


def _merge_effects(measure: Measure, use: MeasureUse | None) -> dict[str, Any]:
    out = measure.effects.set_fields()
    if use is not None and use.effects is not None:
        out.update(use.effects.set_fields())
    return out


def _apply(
    values: dict[str, Any],
    effects: dict[str, Any],
    policy: Policy,
    as_of: dt.date,
    ctx: Mapping[str, Any],
    keyprefix: str,
) -> list[str]:
    """Apply effects to a row's values; return the fields touched."""
    touched = []
    for fname, raw in effects.items():
        if raw is None and fname in ("outcome", "fee", "surcharge"):
            continue  # an explicit null (e.g. a designation round-tripped through JSON) sets nothing
        if fname in ("fee", "surcharge"):
            amount, currency = _money_fields(fname, raw, policy, as_of)
            values[f"{fname}_amount"], values[f"{fname}_currency"] = amount, currency
        elif fname == "outcome":
            if OUTCOME_SEVERITY[raw] >= OUTCOME_SEVERITY[values["outcome"]]:
                values["outcome"] = raw
        elif fname == "slowdown_days":
            v = _value(raw, policy, as_of, ctx, f"{keyprefix}.{fname}.context")
            values[fname] = max(int(values[fname] or 0), int(v or 0))
        else:
            v = _value(raw, policy, as_of, ctx, f"{keyprefix}.{fname}.context")
            values[fname] = v
        touched.append(fname)
    return touched


def _legal(ref: Any) -> LegalReference:
    return LegalReference(title=ref.title, url=ref.url, instrument=ref.instrument)


def _base_values(
    policy: Policy, category: str, as_of: dt.date, ctx: Mapping[str, Any]
) -> tuple[dict, list, tuple[tuple[str, str], ...]]:
    values: dict[str, Any] = {
        "outcome": "proceed",
        "fee_amount": None,
        "fee_currency": None,
        "surcharge_amount": 0.0,
        "surcharge_currency": None,
        "slowdown_days": 0,
        "processing_days": None,
        "priority_processing_days": None,
        "multiple_entry_allowed": True,
        "priority_allowed": True,
        "quota": None,
    }
    reasons: list[tuple[str, Reason]] = []
    base = policy.base
    effects = dict(base.all.set_fields())
    effects.update(base.categories.get(category, Effects()).set_fields())  # type: ignore[call-overload]
    _apply(values, effects, policy, as_of, ctx, "base")
    if values["surcharge_currency"] is None:
        values["surcharge_currency"] = values["fee_currency"]
    fee = effects.get("fee")
    unknown: list[tuple[str, str]] = []
    if values["fee_amount"] is None:
        unknown.append(("fee", _unknown_fee(policy, fee, category, as_of)))
    if isinstance(fee, ValueRef) and fee.parameter:
        _, pv = policy.parameters[fee.parameter].at(as_of)
        if pv is not None:
            amount = values["fee_amount"]
            shown = f"{values['fee_currency']} {amount:g}" if amount is not None else "not known"
            if pv.hypothetical:
                verified = " (HYPOTHETICAL scenario value, not law)"
            elif not pv.verified:
                verified = " (figure not verified against the primary source)"
            else:
                verified = ""
            reasons.append(
                (
                    "fee",
                    Reason(
                        measure="base_fee",
                        source=f"parameter:{fee.parameter}",
                        legal_reference=_legal(pv.reference),
                        evidence=pv.note,
                        text=f"The {category} visa fee on {as_of.isoformat()} is {shown}{verified}.",
                    ),
                )
            )
    return values, reasons, tuple(unknown)


def _unknown_fee(policy: Policy, fee: Any, category: str, as_of: dt.date) -> str:
    """Why the fee is not known: the parameter has no value yet, or its value is deliberately null."""
    if isinstance(fee, ValueRef) and fee.parameter:
        param = policy.parameters[fee.parameter]
        _, pv = param.at(as_of)
        if pv is None:
            first = min(param.values)
            return (
                f"parameter {fee.parameter} has no value before {first.isoformat()}; the {category} fee on "
                f"{as_of.isoformat()} is not in the law as data"
            )
        why = f": {pv.note}" if pv.note else ""
        return f"parameter {fee.parameter} is deliberately unset from its date in the law as data{why}"
    return f"the policy sets no {category} fee"


def _act(d: Designation) -> ActRef:
    """The act a designation is: its id, title, first URL (its instrument's, else its first source's)."""
    ref = d.legal_reference
    url = (ref.url if ref is not None else None) or next((s.url for s in d.sources if s.url), None)
    return ActRef(
        id=d.id,
        title=d.title,
        url=url,
        instrument=ref.instrument if ref is not None else None,
        start=d.start,
        end=d.end,
        hypothetical=d.hypothetical,
    )


def _group_act(g: Any) -> ActRef:
    url = next((s.url for s in g.sources if s.url), None)
    return ActRef(id=g.id, title=g.title, url=url, start=g.start, end=g.end, hypothetical=True)


def _use_reason(
    measure_id: str,
    measure: Measure,
    source: str,
    provision: Any,
    evidence: str | None,
    use: MeasureUse,
    act: ActRef | None,
) -> Reason:
    text = measure.text
    if use.note:
        text = f"{text} {use.note}"
    legal = _legal(provision)
    return Reason(
        measure=measure_id,
        source=source,
        legal_reference=legal,
        provision=legal,
        act=act,
        evidence=evidence,
        text=text,
    )


def _requirement_row(
    policy: Policy, iso3: str, category: str, as_of: dt.date, values: dict[str, Any]
) -> tuple[str, Reason] | None:
    """The visa requirement list's answer for the row, if it decides it (own national, no visa needed)."""
    vr = policy.visa_requirements
    if vr.is_own_national(iso3):
        own = vr.own
        assert own is not None
        text = own.text or (
            f"Nationals of {iso3} are the regime's own nationals: they need no visa, and a visa application "
            "from them cannot be decided."
        )
        return "invalid", Reason(
            measure="own_nationals",
            source="visa_requirements",
            legal_reference=_legal(own.reference),
            provision=_legal(own.reference),
            evidence=vr.description,
            text=text,
        )
    entry = vr.visa_free(iso3, category, as_of)
    if entry is None:
        return None
    window = f"from {entry.from_.isoformat()}" if entry.from_ else "on the list"
    until = f" until {entry.until.isoformat()}" if entry.until else ""
    unverified = " (entry not verified against the primary source)" if not entry.verified else ""
    return "not_required", Reason(
        measure="visa_not_required",
        source="visa_requirements",
        legal_reference=_legal(entry.reference),
        provision=_legal(entry.reference),
        evidence=(entry.note or vr.description),
        text=(
            f"Nationals of {iso3} need no visa for {category} on {as_of.isoformat()} ({window}{until})"
            f"{unverified}; no visa fee is due."
        ),
    )


def _designation_evidence(d: Designation) -> str:
    srcs = "; ".join(s.title + (f" <{s.url}>" if s.url else "") for s in d.sources)
    approx = " (date approximate)" if d.date_precision == "approximate" else ""
    end = f" until {d.end.isoformat()}" if d.end else ""
    hyp = "HYPOTHETICAL designation from a scenario file. " if d.hypothetical else ""
    return f"{hyp}{d.title}: in force from {d.start.isoformat()}{approx}{end}. Sources: {srcs}"


def _scoped(
    policy: Policy,
    use: MeasureUse,
    effects: dict[str, Any],
    reason: Reason,
    source: str,
    key: str,
    as_of: dt.date,
    ctx: Mapping[str, Any],
    act: ActRef | None,
) -> Scoped:
    """A class/group-limited use with canonical classes and groups (unknown spellings are errors)."""
    voc = policy.vocabulary
    classes = None
    if use.visa_classes is not None:
        classes = frozenset(voc.visa_class(v, f"{source}.visa_classes") for v in use.visa_classes)
    groups = None
    if use.applicant_groups is not None:
        groups = frozenset(voc.applicant_group(g, f"{source}.applicant_groups") for g in use.applicant_groups)
    quota = effects.get("quota")
    return Scoped(
        effects.get("outcome", "proceed"),
        classes,
        groups,
        reason,
        None if quota is None else _value(quota, policy, as_of, ctx, f"{key}.quota.context"),
        act.id if act is not None else None,
    )


def resolve_rows(
    policy: Policy,
    as_of: dt.date,
    contexts: Mapping[str, Mapping[str, Any]],
    designations: Sequence[Designation],
) -> dict[tuple[str, str], Row]:
    """The pure core of `resolve`: contexts and designations given, no I/O."""
    by_country: dict[str, list[Designation]] = {}
    if policy.apply_designations:
        for d in sorted(designations, key=lambda d: (d.start, d.id)):
            if d.in_force(as_of) and d.measures:
                by_country.setdefault(d.iso3, []).append(d)
    base_cache: dict[str, tuple[dict, list, tuple[tuple[str, str], ...]]] = {}
    groups_in_force = [
        g for g in policy.designation_groups if policy.apply_designations and g.in_force(as_of)
    ]
    base_has_context = any(
        isinstance(v, ValueRef) and v.context
        for eff in [policy.base.all, *policy.base.categories.values()]
        for v in eff.set_fields().values()
    )
    rows: dict[tuple[str, str], Row] = {}
    for iso3, ctx in contexts.items():
        tier_id = None
        tier = None
        for t in policy.tiers:
            if policy.conditions[t.id].test(dict(ctx)):
                tier, tier_id = t, t.id
                break
        applied: list[tuple[str, str, Any, str | None, MeasureUse, str, ActRef | None]] = []
        if tier is not None:
            evidence = f"Tier '{tier.title}': condition `{tier.condition}` holds for {iso3}"
            if tier.assumption:
                evidence += f". Modelling assumption: {tier.assumption}"
            for j, use in enumerate(tier.measures):
                m = policy.measures[use.measure]
                applied.append(
                    (
                        use.measure,
                        f"tier:{tier.id}",
                        m.legal_reference,
                        evidence,
                        use,
                        f"tier.{tier.id}.{j}",
                        None,
                    )
                )
        for g in groups_in_force:
            if not g.matches(ctx):
                continue
            act = _group_act(g)
            evidence = (
                f"HYPOTHETICAL group designation from a scenario: group {g.group} holds for {iso3} on "
                f"{as_of.isoformat()} (resolved from the agreements register and the assessment of that date)"
            )
            for j, use in enumerate(g.measures):
                m = policy.measures[use.measure]
                key = f"group.{g.id}.{j}"
                applied.append((use.measure, g.id, m.legal_reference, evidence, use, key, act))
        for d in by_country.get(iso3, []):
            act = _act(d)
            for j, use in enumerate(d.measures):
                m = policy.measures[use.measure]
                applied.append(
                    (
                        use.measure,
                        d.id,
                        m.legal_reference,
                        _designation_evidence(d),
                        use,
                        f"designation.{d.id}.{j}",
                        act,
                    )
                )
        for category in CATEGORIES:
            if base_has_context:
                base_vals, base_reasons, unknown = _base_values(policy, category, as_of, ctx)
            else:
                if category not in base_cache:
                    base_cache[category] = _base_values(policy, category, as_of, ctx)
                base_vals, base_reasons, unknown = base_cache[category]
            values = dict(base_vals)
            decided = _requirement_row(policy, iso3, category, as_of, values)
            if decided is not None:
                # The row keeps the base values underneath (so that the frame's columns stay constant
                # where the law is, which keeps replay's gathers few); `final` tells decide and replay
                # that no fee, date or permission applies.
                values.update(outcome=decided[0], slowdown_days=0)
                if values["surcharge_amount"] is None:
                    values["surcharge_amount"] = 0.0
                rows[(iso3, category)] = Row(
                    iso3, category, values, dict(values), [("outcome", decided[1])], tier_id, (), [],
                    final=True,
                )
                continue
            reasons = list(base_reasons)
            scoped: list[Scoped] = []
            mids: list[str] = []
            immune: dict[str, frozenset[str]] = {}
            for mid, source, legal, evidence, use, key, act in applied:
                if use.categories is not None and category not in use.categories:
                    continue
                m = policy.measures[mid]
                effects = _merge_effects(m, use)
                reason = _use_reason(mid, m, source, legal, evidence, use, act)
                mids.append(mid)
                if use.visa_classes is not None or use.applicant_groups is not None:
                    scoped.append(_scoped(policy, use, effects, reason, source, key, as_of, ctx, act))
                    continue
                fields = list(_apply(values, effects, policy, as_of, ctx, key))
                if use.overrides_exemptions:
                    for f in fields:
                        immune[f] = immune.get(f, frozenset()) | frozenset(use.overrides_exemptions)
                # A measure with no field effect (e.g. suspending a document waiver) still binds the
                # caseworker: it is explained under the pseudo-field "procedure".
                reasons.extend((fname, reason) for fname in fields or ["procedure"])
            if values["surcharge_amount"] is None:
                values["surcharge_amount"] = 0.0
            rows[(iso3, category)] = Row(
                iso3, category, values, base_vals, reasons, tier_id, tuple(scoped), mids, False, unknown,
                immune or None,
            )
    return rows


def group_members(table: MeasuresTable) -> dict[str, dict[str, Any]]:
    """Which countries each of the policy's designation groups became on the table's date."""
    out: dict[str, dict[str, Any]] = {}
    for g in table.policy.designation_groups:
        members = sorted(
            {row.iso3 for row in table.rows.values() if any(r.source == g.id for _, r in row.reasons)}
            | {row.iso3 for row in table.rows.values() for s in row.scoped if s.act == g.id}
        )
        out[g.id] = {
            "group": g.group,
            "title": g.title,
            "as_of": table.as_of.isoformat(),
            "in_force": g.in_force(table.as_of),
            "countries": members,
        }
    return out


def apply_scoped(
    outcome: str, quota: Any, scoped: Sequence[Scoped], visa_class: str | None, group: str | None
) -> tuple[str, Any, list[tuple[Scoped, tuple[str, ...]]], list[Scoped]]:
    """The per-application rule for class/group-limited measures, shared by `decide` and the table's
    "no class, no group given" columns that `replay` reads: (outcome, quota, lacking, hits).

    A measure whose scope needs a field the application lacks, and which could change the answer (a
    more severe outcome, or a quota on an application that would proceed), makes the outcome
    `needs_information`; otherwise every matching measure applies (most severe outcome, its quota)."""
    severity = OUTCOME_SEVERITY[outcome]
    lacking_all: list[tuple[Scoped, tuple[str, ...]]] = []
    hits: list[Scoped] = []
    for s in scoped:
        lacking = tuple(f for f in s.needs() if (visa_class if f == "visa_class" else group) is None)
        could_change = OUTCOME_SEVERITY[s.outcome] > severity or (s.quota is not None and severity == 0)
        if lacking and could_change:
            lacking_all.append((s, lacking))
            hits.append(s)
        elif not lacking and s.matches(visa_class, group):
            hits.append(s)
    if lacking_all:
        return "needs_information", quota, lacking_all, hits
    for s in hits:
        if OUTCOME_SEVERITY[s.outcome] > OUTCOME_SEVERITY[outcome]:
            outcome = s.outcome
        if s.quota is not None:
            quota = s.quota
    return outcome, quota, [], hits


#: class/group-limited measures per row whose scope bits fit in the `flags` column (5 + 2 x 13 < 32)
FLAG_SLOTS = 13


def scoped_slots(table: MeasuresTable) -> int:
    """How many class/group-limited measures the busiest row carries (the replay's slot count)."""
    return max((len(r.scoped) for r in table.rows.values()), default=0)


def covering_class(policy: Policy, category: str) -> str | None:
    """The visa class that covers a whole category in the regime's vocabulary (e.g. B-1/B-2 for US
    visits), or None: the simulator, which has no visa classes, applies a class-limited measure to a
    whole cell only through such a class."""
    for name, entry in policy.vocabulary.visa_classes.items():
        if entry.category == category and entry.covers_category:
            return name
    return None


def _to_frame(table: MeasuresTable) -> pl.DataFrame:
    slots = scoped_slots(table)
    covering = {c: covering_class(table.policy, c) for c in CATEGORIES}
    records = []
    for (iso3, category), row in table.rows.items():
        rec: dict[str, Any] = {"iso3": iso3, "category": category}
        rec.update({k: row.values[k] for k in ROW_FIELDS})
        rec["tier"] = row.tier
        rec["measure_ids"] = row.measure_ids
        rec["final"] = row.final
        rec["unknown_fields"] = [f for f, _ in row.unknown]
        rec.update({f"base_{k}": row.base[k] for k in ROW_FIELDS})
        rec["sev"] = OUTCOME_SEVERITY.get(row.values["outcome"], 0)
        rec["base_sev"] = OUTCOME_SEVERITY.get(row.base["outcome"], 0)
        # the per-row facts replay needs as bits of one small integer: one gather instead of several
        flags = int(row.final) | rec["sev"] << 1 | rec["base_sev"] << 3
        for i, sc in enumerate(row.scoped[:FLAG_SLOTS]):
            flags |= (sc.visa_classes is not None) << (5 + 2 * i)
            flags |= (sc.applicant_groups is not None) << (6 + 2 * i)
        rec["flags"] = flags
        # the answer for an application that gives neither class nor group (and no exemption): what
        # replay reads for frames without those columns, instead of evaluating every measure per record
        if row.scoped and not row.final:
            out_ni, quota_ni, _, _ = apply_scoped(
                row.values["outcome"], row.values["quota"], row.scoped, None, None
            )
        else:
            out_ni, quota_ni = row.values["outcome"], row.values["quota"]
        rec["outcome_noinfo"], rec["quota_noinfo"] = out_ni, quota_ni
        for f in FIELD_COLUMNS:
            imm = (row.immune or {}).get(f)
            rec[f"immune_{f}"] = sorted(imm) if imm else None
        for i in range(slots):
            sc = row.scoped[i] if i < len(row.scoped) else None
            rec[f"scoped{i}_outcome"] = sc.outcome if sc else None
            rec[f"scoped{i}_visa_classes"] = (
                sorted(sc.visa_classes) if sc and sc.visa_classes is not None else None
            )
            rec[f"scoped{i}_groups"] = (
                sorted(sc.applicant_groups) if sc and sc.applicant_groups is not None else None
            )
            rec[f"scoped{i}_quota"] = sc.quota if sc else None
            rec[f"scoped{i}_sev"] = OUTCOME_SEVERITY[sc.outcome] if sc else 0
            rec[f"scoped{i}_has_classes"] = bool(sc and sc.visa_classes is not None)
            rec[f"scoped{i}_has_groups"] = bool(sc and sc.applicant_groups is not None)
            cover = covering[category]
            rec[f"scoped{i}_covers_cell"] = bool(
                sc
                and sc.applicant_groups is None
                and (sc.visa_classes is None or (cover is not None and cover in sc.visa_classes))
            )
        records.append(rec)
    schema: dict[str, Any] = {"iso3": pl.String, "category": pl.String}
    for prefix in ("", "base_"):
        schema.update(
            {
                f"{prefix}outcome": pl.String,
                f"{prefix}fee_amount": pl.Float64,
                f"{prefix}fee_currency": pl.String,
                f"{prefix}surcharge_amount": pl.Float64,
                f"{prefix}surcharge_currency": pl.String,
                f"{prefix}slowdown_days": pl.Int64,
                f"{prefix}processing_days": pl.Int64,
                f"{prefix}priority_processing_days": pl.Int64,
                f"{prefix}multiple_entry_allowed": pl.Boolean,
                f"{prefix}priority_allowed": pl.Boolean,
                f"{prefix}quota": pl.Int64,
            }
        )
        if prefix == "":
            schema.update(
                {
                    "tier": pl.String,
                    "measure_ids": pl.List(pl.String),
                    "final": pl.Boolean,
                    "sev": pl.Int8,
                    "base_sev": pl.Int8,
                    "flags": pl.Int32,
                    "outcome_noinfo": pl.String,
                    "quota_noinfo": pl.Int64,
                    "unknown_fields": pl.List(pl.String),
                    **{f"immune_{f}": pl.List(pl.String) for f in FIELD_COLUMNS},
                }
            )
    for i in range(slots):
        schema.update(
            {
                f"scoped{i}_outcome": pl.String,
                f"scoped{i}_visa_classes": pl.List(pl.String),
                f"scoped{i}_groups": pl.List(pl.String),
                f"scoped{i}_quota": pl.Int64,
                f"scoped{i}_sev": pl.Int8,
                f"scoped{i}_has_classes": pl.Boolean,
                f"scoped{i}_has_groups": pl.Boolean,
                f"scoped{i}_covers_cell": pl.Boolean,
            }
        )
    return pl.DataFrame(records, schema=schema)


# --------------------------------------------------------------------------- caching front door

_TABLES: dict[tuple[Any, ...], MeasuresTable] = {}
_MEMO: dict[int, tuple[Any, str]] = {}
_MAX_TABLES = 256


def _memo_version(obj: Any, make: Any) -> str:
    """Version of a caller-supplied collection, memoised by identity (callers must not mutate it)."""
    hit = _MEMO.get(id(obj))
    if hit is not None and hit[0] is obj:
        return hit[1]
    version = make(obj)
    if len(_MEMO) > 1024:
        _MEMO.clear()
    _MEMO[id(obj)] = (obj, version)
    return version


def _contexts_version(contexts: Mapping[str, Any]) -> str:
    payload = json.dumps(contexts, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def designation_set(policy: Policy, designations: Any) -> tuple[tuple[Designation, ...], str]:
    """The designations to apply and their version: packaged (None), a DesignationSet, or a sequence."""
    if designations is None:
        return tuple(policy.designations), "packaged"
    if isinstance(designations, DesignationSet):
        ds = designations
    else:
        ds = _memo_version(designations, lambda obj: DesignationSet(obj))  # type: ignore[assignment]
    # A policy's own scenario designations (reform files) always apply on top of the supplied set.
    own = tuple(d for d in policy.designations if d.hypothetical)
    return ds.items + own, ds.version  # type: ignore[union-attr]


def resolve(
    policy: Policy,
    as_of: dt.date,
    contexts: Mapping[str, Mapping[str, Any]] | None = None,
    designations: Any = None,
) -> MeasuresTable:
    """The measures table of `policy` on `as_of` (cached per revision, designation set, contexts, date).

    `designations`: None = the packaged ones; else a sequence of `Designation` or a `DesignationSet`
    (the service keeps them in its database). `contexts`: None = `build_contexts` for the jurisdiction.
    """
    items, dversion = designation_set(policy, designations)
    ckey = "default" if contexts is None else _memo_version(contexts, _contexts_version)
    key = (policy.id, policy.revision, dversion, ckey, as_of)
    table = _TABLES.get(key)
    if table is not None:
        return table
    if designations is not None:
        for d in items:
            validate_designation(d, policy)
    if contexts is None:
        from visalever.policy.context import build_contexts

        contexts = build_contexts(
            policy.jurisdiction, as_of, agreements=policy.agreements, designations=items
        )
    rows = resolve_rows(policy, as_of, contexts, items)
    table = MeasuresTable(policy, as_of, rows, dversion)
    if len(_TABLES) >= _MAX_TABLES:
        _TABLES.pop(next(iter(_TABLES)))
    _TABLES[key] = table
    return table
