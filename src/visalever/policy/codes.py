"""The country codes the engine knows: the project's countries registry (`visalever.countries`).

Kept behind one function so the measures table always has one row per known country, and an unknown
code in a regime file or an application is reported instead of silently producing no row.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def known_iso3() -> tuple[str, ...]:
    """Sorted ISO 3166-1 alpha-3 codes of every country the registry knows."""
    from visalever.countries import all_countries

    return tuple(sorted({c["iso3"] for c in all_countries()}))


def is_known(iso3: str) -> bool:
    return iso3 in _known_set()


@lru_cache(maxsize=1)
def _known_set() -> frozenset[str]:
    return frozenset(known_iso3())
