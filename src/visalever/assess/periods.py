"""Statistical periods ("2023", "2023Q4", "FY2018"): parse, shift by whole years, and date their end.

Lags in the method are in years so that one regime file serves annual and quarterly runs: a quarter
is compared with the same quarter a year earlier.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from visalever.errors import InputError

_PATTERN = re.compile(r"^(?P<fy>FY)?(?P<year>\d{4})(?:Q(?P<q>[1-4]))?$")


@dataclass(frozen=True)
class Period:
    """A calendar year, a calendar quarter or a (US federal) fiscal year."""

    year: int
    quarter: int | None = None
    fiscal: bool = False

    def sort_key(self) -> tuple[bool, int, int]:
        """Chronological within a kind; a year sorts before its quarters."""
        return (self.fiscal, self.year, self.quarter or 0)

    def __lt__(self, other: Period) -> bool:
        return self.sort_key() < other.sort_key()

    @property
    def kind(self) -> str:
        return "fiscal" if self.fiscal else ("quarter" if self.quarter else "annual")

    def __str__(self) -> str:
        if self.fiscal:
            return f"FY{self.year}"
        return f"{self.year}Q{self.quarter}" if self.quarter else str(self.year)

    def shift_years(self, years: int) -> Period:
        """The same kind of period `years` earlier (positive = back in time)."""
        return Period(self.year - years, self.quarter, self.fiscal)

    def end(self) -> dt.date:
        """Last day of the period (US fiscal year ends 30 September)."""
        if self.fiscal:
            return dt.date(self.year, 9, 30)
        if self.quarter:
            month = self.quarter * 3
            nxt = dt.date(self.year + (month == 12), (month % 12) + 1, 1)
            return nxt - dt.timedelta(days=1)
        return dt.date(self.year, 12, 31)


@lru_cache(maxsize=4096)
def parse_period(text: str) -> Period:
    """Parse a period string; raise `InputError` naming the field otherwise."""
    m = _PATTERN.match(str(text).strip())
    if not m:
        raise InputError(f"period: {text!r} is not a period like 2023, 2023Q4 or FY2018")
    if m.group("fy") and m.group("q"):
        raise InputError(f"period: {text!r}: fiscal quarters are not supported")
    return Period(int(m.group("year")), int(m.group("q")) if m.group("q") else None, bool(m.group("fy")))


@lru_cache(maxsize=8192)
def shift(text: str, years: int) -> str:
    return str(parse_period(text).shift_years(years))


def available_on(text: str, publication_lag_days: int) -> dt.date:
    """The first date the period's figures are published, by the method's publication lag."""
    return parse_period(text).end() + dt.timedelta(days=publication_lag_days)
