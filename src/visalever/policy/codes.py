"""The country codes the engine knows: the project's countries registry when present, else pycountry.

Kept behind one function so the measures table always has one row per known country, and an unknown
code in a regime file or an application is reported instead of silently producing no row.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def known_iso3() -> tuple[str, ...]:
    """Sorted ISO 3166-1 alpha-3 codes of every country the registry knows."""
    try:
        from visalever.countries import all_countries  # type: ignore[attr-defined]
    except ImportError:
        all_countries = None
    if all_countries is not None:
        codes: set[str] = set()
        for c in all_countries():
            code = c if isinstance(c, str) else (getattr(c, "iso3", None) or c.get("iso3"))  # type: ignore[union-attr]
            if code:
                codes.add(str(code))
        if codes:
            return tuple(sorted(codes))
    import pycountry

    return tuple(sorted(c.alpha_3 for c in pycountry.countries))


def is_known(iso3: str) -> bool:
    return iso3 in _known_set()


@lru_cache(maxsize=1)
def _known_set() -> frozenset[str]:
    return frozenset(known_iso3())
