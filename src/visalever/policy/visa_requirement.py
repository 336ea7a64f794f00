"""Who needs a visa, dated: the regime's own nationals and the nationals who need none for a category.

Why: a fee for a visa nobody needs is a confident wrong answer. The list (`visa_requirements.yaml`:
UK Appendix Visitor: Visa National list, EU Regulation (EU) 2018/1806 Annex II, US Visa Waiver
Program) is law as data like any parameter: dated entries with citations. Absent from the list means
a visa is required.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from visalever.policy.models import OwnNationals, VisaFree, VisaRequirementsFile


@dataclass(frozen=True)
class VisaRequirements:
    """An index of a regime's visa requirement list by nationality."""

    description: str | None = None
    own: OwnNationals | None = None
    by_country: dict[str, tuple[VisaFree, ...]] = field(default_factory=dict)

    @classmethod
    def from_file(cls, vf: VisaRequirementsFile | None) -> VisaRequirements:
        if vf is None:
            return cls()
        by: dict[str, list[VisaFree]] = {}
        for entry in vf.visa_free:
            by.setdefault(entry.iso3, []).append(entry)
        return cls(vf.description, vf.own_nationals, {k: tuple(v) for k, v in by.items()})

    def is_own_national(self, iso3: str) -> bool:
        return self.own is not None and iso3 in self.own.iso3

    def visa_free(self, iso3: str, category: str, day: dt.date) -> VisaFree | None:
        """The entry that exempts `iso3` from a visa for `category` on `day`, or None (visa required)."""
        for entry in self.by_country.get(iso3, ()):
            if category in entry.categories and entry.applies(day):
                return entry
        return None

    def change_dates(self) -> set[dt.date]:
        """Dates on which some entry starts or ends (the replay splits a frame at these)."""
        out: set[dt.date] = set()
        for entries in self.by_country.values():
            for e in entries:
                if e.from_ is not None:
                    out.add(e.from_)
                if e.until is not None:
                    out.add(e.until)
        return out
