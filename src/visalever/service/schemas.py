"""Request and response shapes of the HTTP API (pydantic v2), strict where a caseworker's system
could otherwise slip a wrong type through: unknown fields are refused, strings are not coerced from
numbers, booleans are real booleans, dates are real calendar dates given as YYYY-MM-DD.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)

Category = Literal["visit", "study", "work", "family", "other"]
Outcome = Literal[
    "proceed", "suspended", "refused", "invalid", "quota_exhausted", "needs_information", "not_required"
]


def _iso_date_text(value: Any) -> Any:
    """Only `YYYY-MM-DD` text is a date here (pydantic would also take Unix timestamps)."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError("must be a date string YYYY-MM-DD")
    if len(value) != 10:
        raise ValueError(f"{value!r} is not a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError as err:
        raise ValueError(f"{value!r} is not a real calendar date ({err})") from None


IsoDate = Annotated[date, BeforeValidator(_iso_date_text)]


def _plausible_day(value: date) -> date:
    if not (date(1900, 1, 1) <= value <= date(2200, 12, 31)):
        raise ValueError(f"{value.isoformat()} is outside the years 1900-2200")
    return value


# `?as_of=` and other dates in query strings: YYYY-MM-DD only (pydantic alone took `0` as 1970-01-01).
QueryDate = Annotated[date, BeforeValidator(_iso_date_text), AfterValidator(_plausible_day)]


def known_country(value: str) -> str:
    """An ISO 3166-1 alpha-3 code that visalever knows (visalever.countries, else pycountry)."""
    from visalever.countries import is_country_code

    if not is_country_code(value):
        raise ValueError(f"unknown nationality {value!r}: expected an ISO 3166-1 alpha-3 code such as 'AGO'")
    return value


Iso3 = Annotated[StrictStr, Field(min_length=3, max_length=3, examples=["AGO"])]
Ident = Annotated[StrictStr, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")]


class Strict(BaseModel):
    """Base: unknown properties are an error that names them."""

    model_config = ConfigDict(extra="forbid")


class DecisionRequest(Strict):
    """One visa application to decide."""

    application_id: Ident
    nationality: Iso3
    category: Category
    application_date: IsoDate
    priority_service: StrictBool = False
    exemptions: list[Annotated[StrictStr, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=20)
    visa_class: Annotated[StrictStr, Field(min_length=1, max_length=40)] | None = Field(
        default=None,
        description="Visa class in the regime's vocabulary (GET /v1/policies/{id}); e.g. B-1/B-2")
    applicant_group: Annotated[StrictStr, Field(min_length=1, max_length=60)] | None = Field(
        default=None, description="Applicant group in the regime's vocabulary, e.g. government_official")

    _check_nationality = field_validator("nationality")(classmethod(lambda cls, v: known_country(v)))

    @field_validator("application_date")
    @classmethod
    def _plausible(cls, v: date) -> date:
        if not (date(1900, 1, 1) <= v <= date(2200, 12, 31)):
            raise ValueError(f"{v.isoformat()} is outside the years 1900-2200")
        return v


class Money(BaseModel):
    """An amount in a currency (GBP, EUR, USD); never null: an unknown amount is listed in `unknown`."""

    amount: float
    currency: str


class PolicyRef(BaseModel):
    """Which policy and which exact revision (content hash) produced a decision."""

    id: str
    revision: str
    status: str | None = None
    note: str | None = None
    designations_version: str | None = None


class DecisionOut(BaseModel):
    """The engine's Decision (see the law/engine issue), plus the cap it was counted against if any."""

    decision_id: str
    application_id: str
    outcome: Outcome
    fee: Money | None = None
    surcharge: Money | None = None
    earliest_decision_date: str | None = None
    decision_due_by: str | None = None
    multiple_entry_allowed: bool | None = None
    priority_service_allowed: bool | None = None
    quota: int | None = None
    reasons: list[dict[str, Any]]
    policy: PolicyRef
    visa_class: str | None = None
    applicant_group: str | None = None
    missing: list[dict[str, Any]] | None = Field(
        default=None, description="With needs_information: the fields the application lacks and the measure")
    unknown: list[dict[str, Any]] | None = Field(
        default=None, description="Fields the law as data cannot give for this date, and why")
    quota_ledger: dict[str, Any] | None = Field(
        default=None, description="The cap this decision was counted against (limit, used, remaining)")


class QuotaRequest(Strict):
    """A cap on decisions that proceed for one nationality and category over a date range."""

    quota_id: Ident
    nationality: Iso3
    category: Category
    start: IsoDate
    end: IsoDate
    limit: Annotated[StrictInt, Field(ge=0, le=10**12)]

    _check_nationality = field_validator("nationality")(classmethod(lambda cls, v: known_country(v)))

    @model_validator(mode="after")
    def _ordered(self) -> QuotaRequest:
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self


class QuotaOut(BaseModel):
    """A cap and how much of it is used."""

    quota_id: str
    nationality: str
    category: str
    start: str
    end: str
    limit: int
    used: int
    remaining: int


class AuditVerification(BaseModel):
    """The result of walking the audit chain."""

    ok: bool
    entries: int
    first_broken_seq: int | None = None
    reason: str | None = None
    keyed: bool | None = Field(default=None, description="Whether entries were checked under the HMAC key")
    checkpoints: int | None = Field(default=None, description="Signed checkpoints checked (from the files)")
    warnings: list[str] = Field(default_factory=list, description="e.g. UNKEYED: the chain has no key")


class ErrorOut(BaseModel):
    """Every 4xx body: one line naming the property and what is wrong."""

    error: str
    detail: Any = None


ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "Bad request header (e.g. an Idempotency-Key over 200 characters)",
    401: "No bearer token, or one that is unknown, revoked or expired",
    403: "The token's role lacks the permission this route declares",
    404: "The resource named in the path does not exist",
    409: "Conflicts with stored state (idempotency key reused with another body, duplicate id)",
    413: "Request body over the limit",
    422: "Invalid input; the message names the property",
    503: "A component or the database is unavailable; retry later",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for the error statuses a route can return (each an `ErrorOut` body)."""
    return {code: {"model": ErrorOut, "description": ERROR_DESCRIPTIONS[code]} for code in codes}


class SimulationJobOut(BaseModel):
    """A simulation job: status, progress in 0..1 and, once done, the result document."""

    id: str
    status: Literal["queued", "running", "done", "failed"]
    progress: float
    message: str
    request: dict[str, Any]
    created: str
    finished: str | None = None
    error: str | None = None
    result: dict[str, Any] | None = None


class ReformOut(BaseModel):
    """An uploaded reform (its text is kept in the database, never in a file)."""

    id: str = Field(description="Name it as `policy` or `baseline` in POST /v1/simulations")
    policy_id: str = Field(description="The `id` inside the YAML")
    extends: str | None = None
    sha256: str
    size: int
    created: str
    owner: str = Field(description="The id of the token that uploaded it")
