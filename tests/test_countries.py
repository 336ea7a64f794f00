"""Country registry: reviewed aliases resolve, non-countries are classed, unknown labels raise."""

from __future__ import annotations

import pytest

from visalever.countries import all_countries, country_name, is_country_code, resolve_label
from visalever.errors import InputError


@pytest.mark.parametrize(
    ("label", "family", "code"),
    [
        ("Congo (Democratic Republic)", "home_office", "COD"),
        ("CONGO (BRAZZAVILLE)", "schengen", "COG"),
        ("Korea (South)", "home_office", "KOR"),
        ("Korea, North", "state_dept", "PRK"),
        ("Korea", "dhs", "KOR"),
        ("Gambia, The", "home_office", "GMB"),
        ("American Samoa (United States)", "home_office", "ASM"),
        ("Bahamas, The", "dhs", "BHS"),
        ("Kosovo*", "eurostat", "XKX"),
        ("HONG KONG S.A.R.", "schengen", "HKG"),
        ("China - Taiwan", "state_dept", "TWN"),
        ("Occupied Palestinian Territories", "home_office", "PSE"),
        ("France", "eurostat", "FRA"),
        ("  United   Kingdom ", "eurostat", "GBR"),
        ("Congo, Democratic Republic of the", "state_dept", "COD"),
        ("Congo, Republic of the", "state_dept", "COG"),
        # ICE country keys: ISO3 codes stand for themselves, the rest are mapped explicitly.
        ("GIN", "ice", "GIN"),
        ("XKX", "ice", "XKX"),
        ("YUG", "ice", "YUG"),
        ("CSK", "ice", "CSK"),
        ("XUN", "ice", "NONCOUNTRY:unknown"),
        ("XST", "ice", "NONCOUNTRY:stateless"),
        ("XKO", "ice", "NONCOUNTRY:ambiguous"),
        ("All other nationalities", "home_office", "NONCOUNTRY:other_nationalities"),
    ],
)
def test_aliases_resolve(label: str, family: str, code: str) -> None:
    assert resolve_label(label, family) == code


@pytest.mark.parametrize(
    ("label", "marker"),
    [
        ("Stateless", "NONCOUNTRY:stateless"),
        ("Other and unknown", "NONCOUNTRY:unknown"),
        ("Refugee", "NONCOUNTRY:refugee"),
        ("Totals for Africa", "NONCOUNTRY:total"),
        ("Asia", "NONCOUNTRY:region"),
    ],
)
def test_noncountries_are_classified(label: str, marker: str) -> None:
    assert resolve_label(label, "state_dept") == marker


def test_unknown_label_names_label_and_family() -> None:
    with pytest.raises(InputError, match=r"'Atlantis'.*'home_office'"):
        resolve_label("Atlantis", "home_office")


def test_family_scoped_alias_does_not_leak() -> None:
    # "Korea" is only South Korea in DHS tables; elsewhere it is ambiguous and must not resolve.
    with pytest.raises(InputError):
        resolve_label("Korea", "home_office")


def test_registry() -> None:
    codes = {c["iso3"] for c in all_countries()}
    assert {"GBR", "XKX", "TWN", "PSE", "HKG", "MAC"} <= codes
    assert is_country_code("XKX") and is_country_code("FRA") and not is_country_code("ALL")
    assert not is_country_code("fra")
    assert country_name("XKX") == "Kosovo"
    with pytest.raises(InputError):
        country_name("ZZZ")


@pytest.mark.parametrize("key", ["XXX", "Mexico", "mex", "ZZZ"])
def test_unknown_ice_keys_raise(key: str) -> None:
    with pytest.raises(InputError, match="ICE_KEYS"):
        resolve_label(key, "ice")
