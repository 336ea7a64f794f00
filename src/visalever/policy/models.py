"""Schemas of the law as data (regime files) and of applications and decisions.

Everything a regime file may say is declared here with pydantic so that a file is either valid as a
whole or rejected with the key path of the first problem; nothing in these models is jurisdiction
specific: the UK, EU and US regimes are all expressed with the same vocabulary of measure effects.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Category = Literal["visit", "study", "work", "family", "other"]
CATEGORIES: tuple[str, ...] = ("visit", "study", "work", "family", "other")
#: Every outcome a decision can have. `needs_information`: a measure in force depends on a fact the
#: application lacks (visa class, applicant group); `not_required`: the national needs no visa for the
#: category on that date (the visa requirement list); `invalid` also covers the regime's own nationals.
#: `refused`: the Rules require the application to be refused (e.g. the 2026 visa brake), as distinct
#: from `suspended` (the power to grant is suspended; the application waits) and `invalid`.
Outcome = Literal[
    "proceed", "suspended", "refused", "invalid", "quota_exhausted", "needs_information", "not_required"
]
OUTCOMES: tuple[str, ...] = (
    "proceed", "suspended", "refused", "invalid", "quota_exhausted", "needs_information", "not_required"
)
MeasureOutcome = Literal["proceed", "suspended", "refused", "invalid"]
#: Severity order used when several measures set an outcome: the most severe wins.
OUTCOME_SEVERITY: dict[str, int] = {"proceed": 0, "suspended": 1, "refused": 2, "invalid": 3}
#: Grounds of an act, so that returns-linked levers can be told from asylum- or security-based ones.
Ground = Literal["returns", "asylum", "security", "other"]
PolicyStatus = Literal["enacted", "announced_direction", "proposed", "scenario", "repealed"]

#: Fields of a measures-table row that a measure may set, and how two measures on the same row combine.
#: "severity": the most severe outcome wins; "max": the largest value wins; "last": later measures win
#: (order: policy base, tier, then designations by start date).
EFFECT_FIELDS: dict[str, str] = {
    "outcome": "severity",
    "fee": "last",
    "surcharge": "last",
    "slowdown_days": "max",
    "processing_days": "last",
    "priority_processing_days": "last",
    "multiple_entry_allowed": "last",
    "priority_allowed": "last",
    "quota": "last",
}
#: Exemption targets: the row fields an exemption can revert to the policy's base value.
EXEMPTABLE = (
    "outcome",
    "fee",
    "surcharge",
    "slowdown_days",
    "processing_days",
    "multiple_entry_allowed",
    "priority_allowed",
    "quota",
)


class Strict(BaseModel):
    """Base for regime-file models: unknown keys are errors (a typo must not silently drop law)."""

    model_config = ConfigDict(extra="forbid")


class Reference(Strict):
    """A citation: a title plus a URL or the name of an instrument (Act, section, decision number)."""

    title: str = Field(min_length=1)
    url: str | None = None
    instrument: str | None = None
    accessed: dt.date | None = None

    @model_validator(mode="after")
    def _url_or_instrument(self) -> Reference:
        if not (self.url or self.instrument):
            raise ValueError("a reference needs a url or an instrument")
        return self

    @field_validator("url")
    @classmethod
    def _web_link(cls, v: str | None) -> str | None:
        """A citation is a web link: http(s) with a host (a `javascript:` or `file:` link is refused)."""
        if v is None:
            return v
        scheme, sep, rest = v.partition("://")
        if not sep or scheme.lower() not in ("http", "https") or not rest.split("/", 1)[0]:
            raise ValueError(f"a url must be an http(s) link with a host, got {v[:80]!r}")
        return v


class ParameterValue(Strict):
    """One dated value of a parameter. `value: null` means "no value from this date" (e.g. repealed)."""

    value: Any
    reference: Reference
    verified: bool = True
    note: str | None = None
    #: A scenario's value (a reform file's what-if), not law: said as such in every reason that uses it.
    hypothetical: bool = False


class Parameter(Strict):
    """A concept's values keyed by the date they take effect (OpenFisca style)."""

    description: str
    unit: Literal["currency", "days", "months", "bool", "count", "number", "text"]
    currency: str | None = None
    values: dict[dt.date, ParameterValue] = Field(min_length=1)

    @model_validator(mode="after")
    def _currency(self) -> Parameter:
        if self.unit == "currency" and not self.currency:
            raise ValueError("a currency parameter needs `currency`")
        return self

    def at(self, as_of: dt.date) -> tuple[Any, ParameterValue | None]:
        """The value in effect on `as_of` (latest start date not after it), or (None, None)."""
        best: dt.date | None = None
        for start in self.values:
            if start <= as_of and (best is None or start > best):
                best = start
        if best is None:
            return None, None
        pv = self.values[best]
        return pv.value, pv


class ParameterFile(Strict):
    """A file under parameters/: one concept holding one or more named parameters."""

    description: str
    parameters: dict[str, Parameter] = Field(min_length=1)


class Money(Strict):
    """An amount in a currency, as a measure effect or a decision field."""

    amount: float | None
    currency: str


class ValueRef(Strict):
    """An effect value taken from a parameter (`parameter: fees.visit`) or a CEL expression over the
    country context (`context: "agreement.mobility_quota"`), evaluated at resolve time."""

    parameter: str | None = None
    context: str | None = None

    @model_validator(mode="after")
    def _one(self) -> ValueRef:
        if (self.parameter is None) == (self.context is None):
            raise ValueError("give exactly one of `parameter` or `context`")
        return self


EffectValue = ValueRef | Money | bool | int | float | str | None


class Effects(Strict):
    """What a measure does to a (country, category) row; unset fields are left alone."""

    outcome: MeasureOutcome | None = None
    fee: ValueRef | Money | None = None
    surcharge: ValueRef | Money | None = None
    slowdown_days: ValueRef | int | None = None
    processing_days: ValueRef | int | None = None
    priority_processing_days: ValueRef | int | None = None
    multiple_entry_allowed: ValueRef | bool | None = None
    priority_allowed: ValueRef | bool | None = None
    quota: ValueRef | int | None = None

    def set_fields(self) -> dict[str, Any]:
        """The fields this measure sets (those written in the file)."""
        return {k: getattr(self, k) for k in self.model_fields_set}


class Measure(Strict):
    """A named measure in a policy's catalogue: legal basis, caseworker text and effects."""

    title: str
    text: str
    legal_reference: Reference
    effects: Effects = Field(default_factory=Effects)
    positive: bool = False


class MeasureUse(Strict):
    """A use of a catalogue measure by a tier or designation, limited in scope, with overrides."""

    measure: str
    categories: list[Category] | None = None
    visa_classes: list[str] | None = None
    applicant_groups: list[str] | None = None
    effects: Effects | None = None
    note: str | None = None
    #: Exemptions claimed on an application that do NOT undo this use: e.g. the DRC measure withdrew
    #: preferential treatment from VIPs and decision-makers, so a `diplomatic` exemption must not
    #: restore priority service for them.
    overrides_exemptions: list[str] | None = None

    @field_validator("effects", mode="before")
    @classmethod
    def _drop_nulls(cls, v: Any) -> Any:
        """A designation stored as JSON comes back with every unset effect as null; an override of a
        designation never means "set to null", so nulls are dropped rather than applied."""
        if isinstance(v, dict):
            return {k: x for k, x in v.items() if x is not None}
        return v


class Tier(Strict):
    """A tier: a CEL condition over the country context; the first matching tier's measures apply."""

    id: str
    title: str
    condition: str
    measures: list[MeasureUse] = Field(default_factory=list)
    reference: Reference | None = None
    assumption: str | None = None


class Exemption(Strict):
    """An application-level exemption: the listed row fields revert to the policy's base values."""

    title: str
    reference: Reference
    exempt_from: list[str] = Field(default_factory=lambda: list(EXEMPTABLE))

    @field_validator("exempt_from")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        bad = [f for f in v if f not in EXEMPTABLE]
        if bad:
            raise ValueError(f"unknown field(s) {bad}; expected some of {list(EXEMPTABLE)}")
        return v


class Base(Strict):
    """The policy's default row: `all` applies to every category, then the category's own block."""

    all: Effects = Field(default_factory=Effects)
    categories: dict[Category, Effects] = Field(default_factory=dict)
    reference: Reference | None = None


class Designation(BaseModel):
    """A legal act naming a country (the thing a decision service applies; assessments only recommend).

    In force on day d when start <= d and (end is None or d < end): `end` is the day it was lifted, the
    first day it no longer applies. `review_due` is the next review date; when absent it is computed from
    the regime's review interval.
    """

    model_config = ConfigDict(extra="forbid")

    id: str
    jurisdiction: str
    iso3: str
    kind: Literal["warning", "penalty", "measures", "positive", "sanction", "proposal_not_adopted"]
    title: str
    start: dt.date
    end: dt.date | None = None
    review_due: dt.date | None = None
    status: str = "in_force"
    measures: list[MeasureUse] = Field(default_factory=list)
    sources: list[Reference] = Field(min_length=1)
    legal_reference: Reference | None = None
    date_precision: Literal["exact", "approximate"] = "exact"
    note: str | None = None
    hypothetical: bool = False
    ground: Ground = "returns"

    @model_validator(mode="after")
    def _dates(self) -> Designation:
        if self.end is not None and self.end < self.start:
            raise ValueError("end is before start")
        return self

    def in_force(self, as_of: dt.date) -> bool:
        """True when the act applies on `as_of` (end is exclusive: the lift day is free of it)."""
        return self.start <= as_of and (self.end is None or as_of < self.end)


#: Groups a scenario's act can name instead of a country, resolved for every date the law is read.
GROUP_KINDS = ("all", "no_agreement", "tier:<tier>")


class DesignationGroup(Strict):
    """A scenario's act for a group of countries, resolved when the law is read, not when written.

    `group`: `all`, `no_agreement` (no returns arrangement in force on the date) or `tier:<tier>` (the
    latest cooperation assessment published by the date puts the country in that tier). Always
    hypothetical: groups are a modelling device, and a real act names its country."""

    id: str
    title: str
    group: str
    start: dt.date
    end: dt.date | None = None
    measures: list[MeasureUse] = Field(min_length=1)
    sources: list[Reference] = Field(min_length=1)
    hypothetical: Literal[True] = True
    note: str | None = None

    @field_validator("group")
    @classmethod
    def _known_group(cls, v: str) -> str:
        if v in ("all", "no_agreement") or (v.startswith("tier:") and len(v) > 5 and "@" not in v):
            return v
        raise ValueError(f"unknown group {v!r}; expected one of {list(GROUP_KINDS)}")

    @model_validator(mode="after")
    def _dates(self) -> DesignationGroup:
        if self.end is not None and self.end <= self.start:
            raise ValueError("end must be after start")
        return self

    def in_force(self, as_of: dt.date) -> bool:
        return self.start <= as_of and (self.end is None or as_of < self.end)

    def matches(self, ctx: dict[str, Any]) -> bool:
        """Whether a country's context (agreement, assessment) on the date puts it in the group."""
        if self.group == "all":
            return True
        if self.group == "no_agreement":
            return not bool((ctx.get("agreement") or {}).get("in_force"))
        assessment = ctx.get("assessment") or {}
        return assessment.get("tier") == self.group[len("tier:"):]


class DesignationsFile(Strict):
    description: str | None = None
    review_interval: str | None = None
    designations: list[Designation]


class Agreement(Strict):
    """A returns arrangement in a jurisdiction's register."""

    iso3: str
    kind: Literal[
        "readmission_treaty",
        "agreement",
        "mou",
        "standard_operating_procedures",
        "exchange_of_letters",
        "joint_communique",
        "mobility_partnership",
        "arrangement",
    ]
    title: str
    signed: dt.date | None = None
    in_force_from: dt.date | None = None
    in_force_until: dt.date | None = None
    known_in_force_by: dt.date | None = None
    status: Literal["in_force", "signed", "ended", "not_implemented", "unknown"] = "in_force"
    date_precision: Literal["exact", "approximate", "month", "year", "unknown"] = "exact"
    verified: bool = True
    sources: list[Reference] = Field(min_length=1)
    notes: str | None = None
    mobility_quota: dict[str, int] | None = None

    def effective_from(self) -> dt.date | None:
        """The first day we can show it applied: in_force_from, else the date a source says it existed."""
        return self.in_force_from or self.known_in_force_by

    def in_force(self, as_of: dt.date) -> bool:
        start = self.effective_from()
        if start is None or start > as_of or self.status in ("signed", "not_implemented"):
            return False
        return self.in_force_until is None or as_of < self.in_force_until


class AgreementsFile(Strict):
    description: str | None = None
    agreements: list[Agreement]


class InForce(Strict):
    """The window in which a policy is law (or, for a modelled direction, may be applied at all).

    A decision for an application made outside [from, to) is refused with the window, never answered
    with a neighbouring year's law."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: dt.date = Field(alias="from")
    to: dt.date | None = None
    reference: Reference
    note: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> InForce:
        if self.to is not None and self.to <= self.from_:
            raise ValueError("`to` must be after `from`")
        return self

    def contains(self, day: dt.date) -> bool:
        return self.from_ <= day and (self.to is None or day < self.to)

    def describe(self) -> str:
        end = f"before {self.to.isoformat()}" if self.to else "with no end date"
        return f"from {self.from_.isoformat()} {end}"


class Timing(Strict):
    """Which date's law applies to an application: the regime's own rule, with its source.

    `measures: application_date` means a measure applies only to applications made while it is in force
    (NABA 2022 s.70(5)); a later `as_of` then cannot bring in measures made after the application."""

    measures: Literal["application_date"] = "application_date"
    fees: Literal["application_date"] = "application_date"
    reference: Reference
    note: str | None = None


class VocabularyEntry(Strict):
    """A visa class or applicant group as the regime names it, with the spellings callers may use."""

    title: str
    aliases: list[str] = Field(default_factory=list)
    #: For a visa class: the category it belongs to (used by the simulator to apply class-limited
    #: measures to the whole category only when the class covers it).
    category: Category | None = None
    covers_category: bool = False
    reference: Reference | None = None


class VocabularyFile(Strict):
    """Per-regime published vocabulary of visa classes and applicant groups (`vocabulary.yaml`)."""

    description: str | None = None
    visa_classes: dict[str, VocabularyEntry] = Field(default_factory=dict)
    applicant_groups: dict[str, VocabularyEntry] = Field(default_factory=dict)


class OwnNationals(Strict):
    iso3: list[str] = Field(min_length=1)
    reference: Reference
    text: str | None = None


class VisaFree(Strict):
    """Nationals who need no visa for the listed categories within [from, until)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    iso3: str
    categories: list[Category] = Field(min_length=1)
    from_: dt.date | None = Field(default=None, alias="from")
    until: dt.date | None = None
    reference: Reference
    verified: bool = True
    note: str | None = None

    def applies(self, day: dt.date) -> bool:
        return (self.from_ is None or self.from_ <= day) and (self.until is None or day < self.until)


class VisaRequirementsFile(Strict):
    """Who needs a visa for which category, dated (`visa_requirements.yaml`); absent = visa required."""

    description: str
    own_nationals: OwnNationals | None = None
    visa_free: list[VisaFree] = Field(default_factory=list)


class PolicySpec(Strict):
    """A policy file as written: either a full policy or a reform that `extends` another by a diff."""

    id: str
    jurisdiction: str | None = None
    title: str | None = None
    status: PolicyStatus | None = None
    note: str | None = None
    extends: str | None = None
    legal_basis: Reference | None = None
    base: Base | None = None
    measures: dict[str, Measure] = Field(default_factory=dict)
    tiers: list[Tier] | None = None
    exemptions: dict[str, Exemption] | None = None
    apply_designations: bool | None = None
    parameters: dict[str, Parameter] = Field(default_factory=dict)
    designations: list[Designation] = Field(default_factory=list)
    designation_groups: list[DesignationGroup] = Field(default_factory=list)
    #: The designations file of the regime this policy applies (default `designations.yaml`), so that
    #: two instruments of one jurisdiction (e.g. INA 243(d) and 212(f)) each apply only their own acts.
    designations_file: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]+\.yaml$")
    in_force: InForce | None = None
    timing: Timing | None = None


class Application(BaseModel):
    """One visa application as the decision service receives it."""

    model_config = ConfigDict(extra="forbid")

    application_id: str = Field(min_length=1, max_length=200)
    nationality: str = Field(min_length=3, max_length=3)
    category: Category
    application_date: dt.date
    priority_service: bool = False
    exemptions: list[str] = Field(default_factory=list)
    visa_class: str | None = None
    applicant_group: str | None = None


class LegalReference(BaseModel):
    title: str
    url: str | None = None
    instrument: str | None = None


class ActRef(BaseModel):
    """The legal act (designation) that applied a measure: its id, title and where to read it."""

    id: str
    title: str
    url: str | None = None
    instrument: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    hypothetical: bool = False


class Reason(BaseModel):
    """Why a field of a decision has its value: measure, source (designation or tier), law, evidence.

    `provision` is the statutory provision the measure rests on (e.g. NABA 2022 s.70(2)(b)); `act` the
    designation that applied it to this country, when one did. `legal_reference` repeats the provision
    for clients written before the two were separated."""

    measure: str
    source: str
    legal_reference: LegalReference
    provision: LegalReference | None = None
    act: ActRef | None = None
    evidence: str | None = None
    text: str


class Unknown(BaseModel):
    """A decision field the law as data cannot give for this date, and why (instead of a null amount)."""

    field: str
    reason: str


class MissingInformation(BaseModel):
    """A fact the application lacks that a measure in force needs (outcome `needs_information`)."""

    field: str
    allowed: list[str]
    measure: str
    act: str | None = None


class PolicyRef(BaseModel):
    id: str
    revision: str
    status: str
    note: str | None = None
    designations_version: str | None = None


class MoneyOut(BaseModel):
    """An amount that is known: a decision never carries a Money with a null amount (see `unknown`)."""

    amount: float
    currency: str


class Decision(BaseModel):
    """The engine's answer for one application (the body of POST /v1/decisions)."""

    decision_id: str
    application_id: str
    outcome: Outcome
    fee: MoneyOut | None
    surcharge: MoneyOut | None
    earliest_decision_date: dt.date | None
    decision_due_by: dt.date | None
    multiple_entry_allowed: bool | None
    priority_service_allowed: bool | None
    quota: int | None = None
    reasons: list[Reason]
    policy: PolicyRef
    missing: list[MissingInformation] = Field(default_factory=list)
    unknown: list[Unknown] = Field(default_factory=list)
    visa_class: str | None = None
    applicant_group: str | None = None
