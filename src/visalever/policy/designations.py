"""Which designations are due for review: the UK reviews a penalty every 2 months (the regime's
`review_interval`); a designation with an explicit `review_due` uses that date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from visalever.policy.models import Designation


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar month arithmetic with the month end made explicit: 31 Dec + 2 months = 28/29 Feb."""
    import calendar

    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_review(d: Designation, as_of: dt.date, interval_months: int | None) -> dt.date | None:
    """The first review date on or after the start that is not before `as_of`'s cycle.

    Explicit `review_due` wins; else start + k * interval for the smallest k >= 1 with the date >= as_of
    minus one interval (so an overdue review is still reported as due).
    """
    if d.review_due is not None:
        return d.review_due
    if not interval_months:
        return None
    k = 1
    due = add_months(d.start, interval_months)
    while add_months(due, interval_months) <= as_of:
        k += 1
        due = add_months(d.start, interval_months * k)
    return due


def due_for_review(
    designations: Sequence[Designation], as_of: dt.date, interval_months: int | None = 2
) -> list[tuple[Designation, dt.date]]:
    """Designations in force on `as_of` whose next review date is on or before `as_of`."""
    out = []
    for d in designations:
        if not d.in_force(as_of):
            continue
        due = next_review(d, as_of, interval_months)
        if due is not None and due <= as_of:
            out.append((d, due))
    return sorted(out, key=lambda t: (t[1], t[0].id))
