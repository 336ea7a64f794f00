"""One reader per table family in the raw data folder; each returns a `ReadResult`.

Order matters only for progress display; overlaps between families are resolved by priority in
`visalever.snapshot.resolve_overlaps`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from visalever.sources import eu, uk_2025, uk_home_office, us
from visalever.sources.common import ReadResult

READERS: list[tuple[str, Callable[[Path], ReadResult]]] = [
    ("uk/home_office_2001_2024", uk_home_office.read),
    ("uk/home_office_2025", uk_2025.read),
    ("eu (Eurostat, Schengen)", eu.read),
    ("us (State Department, DHS)", us.read),
]
