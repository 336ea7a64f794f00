"""Tracked instruments: dated legal acts and proposals that name no single country.

Designations record acts against a country and agreements a country's arrangements; a proposal such as the
EU Return Regulation, a mechanism such as the revised visa-suspension regulation or a policy statement such
as the UK's CP 1418 changes the law (or may) without naming one. They are kept per regime in
`regimes/<j>/instruments.yaml` so the changelog of the law can list them from the same dated YAML.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator

from visalever.errors import InputError
from visalever.policy.loader import regime_dir
from visalever.policy.models import Ground, Reference, Strict
from visalever.policy.yamlio import read_yaml

InstrumentStatus = Literal["proposed", "adopted", "in_force", "published", "withdrawn", "expired"]


class Instrument(Strict):
    """One tracked act or proposal with the dates it was proposed, adopted, applied and ended."""

    id: str
    title: str
    kind: Literal["proposal", "regulation", "policy_statement", "proclamation", "executive_order", "other"]
    status: InstrumentStatus
    ground: Ground = "returns"
    countries: list[str] = Field(default_factory=list)
    proposed: dt.date | None = None
    adopted: dt.date | None = None
    published: dt.date | None = None
    in_force_from: dt.date | None = None
    in_force_to: dt.date | None = None
    reference: Reference
    sources: list[Reference] = Field(min_length=1)
    verified: bool = True
    note: str | None = None

    @model_validator(mode="after")
    def _dated(self) -> Instrument:
        if not any((self.proposed, self.adopted, self.published, self.in_force_from)):
            raise ValueError(
                "an instrument needs at least one date (proposed, adopted, published, in_force_from)"
            )
        if self.in_force_to and self.in_force_from and self.in_force_to <= self.in_force_from:
            raise ValueError("in_force_to must be after in_force_from")
        if not self.verified and not (self.note or "").strip():
            raise ValueError("an unverified instrument needs a note saying what was searched")
        return self

    def in_force(self, day: dt.date) -> bool:
        """True when the instrument applies on `day` (never for a proposal or a withdrawn act)."""
        if self.in_force_from is None or self.status in ("proposed", "withdrawn"):
            return False
        return self.in_force_from <= day and (self.in_force_to is None or day < self.in_force_to)


class InstrumentsFile(Strict):
    description: str
    instruments: list[Instrument]


def instruments_path(jurisdiction: str) -> Path:
    return regime_dir(jurisdiction) / "instruments.yaml"


@lru_cache(maxsize=16)
def _cached(path_str: str, mtime: float) -> tuple[Instrument, ...]:
    path = Path(path_str)
    data = read_yaml(path)
    try:
        doc = InstrumentsFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err["loc"])
        raise InputError(err["msg"], location=f"{path}:{loc}") from None
    return tuple(doc.instruments)


def load_instruments(jurisdiction: str) -> list[Instrument]:
    """The regime's tracked instruments (empty when it keeps none)."""
    path = instruments_path(jurisdiction)
    if not path.is_file():
        return []
    return list(_cached(str(path), path.stat().st_mtime))
