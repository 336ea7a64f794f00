"""One reader per table family in the raw data folder; each returns a `ReadResult`.

Order matters only for progress display; overlaps between families are resolved by release (the
newest wins) and then priority in `visalever.snapshot.resolve_overlaps`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from visalever.sources import eu, uk_2025, uk_explorer, uk_home_office, uk_ier02b, us
from visalever.sources.common import ReadResult

READERS: list[tuple[str, Callable[[Path], ReadResult]]] = [
    ("uk/home_office_2001_2024", uk_home_office.read),
    ("uk/home_office_2025", uk_2025.read),
    ("uk/asylum_data_explorer_2025_2026", uk_explorer.read),
    ("uk/small_boats_by_nationality_2018_2026", uk_ier02b.read),
    ("eu (Eurostat, Schengen)", eu.read),
    ("us (State Department, DHS, ICE)", us.read),
]
