"""Country registry: publisher labels -> ISO 3166-1 alpha-3, with non-country labels kept apart.

Why explicit tables: every publisher spells countries its own way ("Congo (Democratic Republic)",
"Korea, South", "Gambia, The", "CONGO (BRAZZAVILLE)"). A fuzzy matcher would silently join the two
Congos or the two Koreas; here a label resolves only by (1) an exact, case-insensitive match with an
ISO 3166-1 name in `pycountry` (name, official name, common name) or (2) a reviewed alias row below.
Anything else raises `InputError` naming the label and the family, so a new spelling is a visible
failure, never a guess.

Non-country labels (Stateless, Other and unknown, continent headers, totals) resolve to a marker
string `NONCOUNTRY:<class>`; readers keep those rows out of country series but still count them in
national totals. Kosovo (XKX, a user-assigned code widely used by the EU and the World Bank) and
dissolved states (ISO 3166-3: SCG, SUN, CSK, YUG, ANT) are handled explicitly.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from visalever.errors import InputError

NONCOUNTRY = "NONCOUNTRY:"
FAMILIES = ("home_office", "ukdemographics", "eurostat", "schengen", "state_dept", "dhs", "ice")

# Codes outside ISO 3166-1 that we accept as country codes, with the reason.
EXTRA_CODES: dict[str, dict[str, str]] = {
    # Kosovo: not in ISO 3166-1; XKX is the user-assigned code used by the EU and World Bank.
    "XKX": {"iso2": "XK", "numeric": "", "name": "Kosovo"},
}
# Dissolved states (ISO 3166-3), kept because historic tables report them as nationalities.
HISTORIC_CODES = ("SCG", "SUN", "CSK", "YUG", "ANT")

# Reviewed aliases valid in every family (label, casefolded after whitespace collapse -> code).
COMMON_ALIASES: dict[str, str] = {
    "bahamas, the": "BHS",
    "gambia, the": "GMB",
    "the gambia": "GMB",
    "gambia": "GMB",
    "brunei": "BRN",
    "burma": "MMR",
    "myanmar (burma)": "MMR",
    "myanmar/burma": "MMR",
    "cape verde": "CPV",
    "cote d'ivoire": "CIV",
    "côte d’ivoire": "CIV",
    "ivory coast": "CIV",
    "east timor": "TLS",
    "kosovo": "XKX",
    "kosovo*": "XKX",  # Eurostat footnote star: "without prejudice to positions on status"
    "macau": "MAC",
    "macedonia": "MKD",
    "former yugoslav republic of macedonia": "MKD",
    "russia": "RUS",
    "turkey": "TUR",
    "swaziland": "SWZ",
    "vatican city": "VAT",
    "holy see": "VAT",
    "são tomé and príncipe": "STP",
    "st kitts and nevis": "KNA",
    "st lucia": "LCA",
    "st. lucia": "LCA",
    "st vincent and the grenadines": "VCT",
    "st vincent & grenadines": "VCT",
    "st. vincent": "VCT",
    "serbia and montenegro": "SCG",
    "soviet union": "SUN",
    "soviet union, former": "SUN",
    "czechoslovakia": "CSK",
    "czechoslovakia, former": "CSK",
    "former yugoslavia": "YUG",
    "netherlands antilles": "ANT",
    "palestine": "PSE",
    "palestine*": "PSE",
    "occupied palestinian territories": "PSE",
    "palestinian authority": "PSE",
    "palestinian authority travel document": "PSE",
    "west bank and gaza": "PSE",
    "congo (democratic republic)": "COD",
    "congo (democratic republic of)": "COD",
    "democratic republic of the congo": "COD",
    "congo, dem. rep.": "COD",
    "congo, democratic republic": "COD",
    "congo, dem. rep. of the (congo kinshasa)": "COD",
    "congo, dem. rep. of the (kinshasa)": "COD",
    "congo (brazzaville)": "COG",
    "congo, rep.": "COG",
    "congo, republic": "COG",
    "congo, rep. of the (brazzaville)": "COG",
    "congo, rep. of the (congo brazzaville)": "COG",
    "korea (south)": "KOR",
    "korea, south": "KOR",
    "korea, rep.": "KOR",
    "korea (north)": "PRK",
    "korea, north": "PRK",
    "korea, dem. people's rep.": "PRK",
    "hong kong s.a.r.": "HKG",
    "hong kong sar": "HKG",
    "macao s.a.r.": "MAC",
    "macao sar": "MAC",
    "macau s.a.r.": "MAC",
    "taiwan, china": "TWN",
    "china - taiwan": "TWN",
    "china - mainland": "CHN",
    "china, people's republic": "CHN",
    "great britain and northern ireland": "GBR",
    "libyan arab jamahiriya": "LBY",
    "egypt, arab rep.": "EGY",
    "iran, islamic rep.": "IRN",
    "lao pdr": "LAO",
    "venezuela, rb": "VEN",
    "yemen, rep.": "YEM",
    "micronesia, federated states": "FSM",
    "falkland islands": "FLK",
    "trinidad & tobago": "TTO",
    "dominican rep": "DOM",
}

# Reviewed aliases that only hold within one publisher's tables.
FAMILY_ALIASES: dict[str, dict[str, str]] = {
    "home_office": {
        # Home Office appends the sovereign in brackets for territories; the territory has its own code.
        "american samoa (united states)": "ASM",
        "anguilla (british)": "AIA",
        "aruba (dutch)": "ABW",
        "bermuda (british)": "BMU",
        "cayman islands (british)": "CYM",
        "christmas island (australian)": "CXR",
        "curacao (dutch)": "CUW",
        "french guiana (french)": "GUF",
        "french polynesia (french)": "PYF",
        "french southern & antarctic territories": "ATF",
        "gibraltar (british)": "GIB",
        "guadeloupe (french)": "GLP",
        "martinique (french)": "MTQ",
        "mayotte (french)": "MYT",
        "montserrat (british)": "MSR",
        "new caledonia (french)": "NCL",
        "norfolk island (australian)": "NFK",
        "northern mariana islands (united states)": "MNP",
        "pitcairn islands (british)": "PCN",
        "puerto rico (united states)": "PRI",
        "reunion (french)": "REU",
        "south georgia and the south sandwich islands (british)": "SGS",
        "st helena, ascension and tristan da cunha (british)": "SHN",
        "st maarten (dutch part)": "SXM",
        "st martin (french part)": "MAF",
        "st pierre and miquelon (french)": "SPM",
        "svalbard and jan mayen islands (norwegian)": "SJM",
        "tokelau (new zealand)": "TKL",
        "turks and caicos islands (british)": "TCA",
        "virgin islands (british)": "VGB",
        "virgin islands (united states)": "VIR",
    },
    "dhs": {
        # DHS Yearbook 1993-2008 tables use "Korea" for the Republic of Korea (North Korea is separate).
        "korea": "KOR",
        "antigua-barbuda": "ATG",
        "bosnia-herzegovina": "BIH",
        "cook island": "COK",
        "saint kitts-nevis": "KNA",
        "st- kitts-nevis": "KNA",
        "st- lucia": "LCA",
        "st- vincent and the grenadines": "VCT",
    },
    "schengen": {
        "usa": "USA",  # 2023/2024 DG HOME workbooks abbreviate the United States
    },
    "state_dept": {
        # FY2019-FY2024 sheets of FYs97-24_NIVDetailTable.xlsx
        "congo, democratic republic of the": "COD",
        "congo, republic of the": "COG",
        "bosnia-herzegovina": "BIH",
        "micronesia": "FSM",
    },
}
# ukdemographics JSONs are reshaped Home Office tables and carry the same territory spellings.
FAMILY_ALIASES["ukdemographics"] = FAMILY_ALIASES["home_office"]

# ICE removals tables (as transcribed by corbett-hobbs/congress-ideology) carry the origin's ISO3-like
# `country_key`, not a name. A key that is an ISO 3166-1 alpha-3 code stands for itself; every other
# key the origin uses is mapped here, explicitly. "Korea" (XKO) is printed by ICE beside "South
# Korea" (KOR) without saying which Korea it is, so it is not a country series.
ICE_KEYS: dict[str, str] = {
    "XKX": "XKX",
    "ANT": "ANT",
    "CSK": "CSK",
    "SCG": "SCG",
    "SUN": "SUN",
    "YUG": "YUG",
    "XKO": NONCOUNTRY + "ambiguous",
    "XST": NONCOUNTRY + "stateless",
    "XUN": NONCOUNTRY + "unknown",
}

# Labels that are not countries, classified explicitly (marker without the NONCOUNTRY: prefix).
NONCOUNTRY_LABELS: dict[str, str] = {
    "stateless": "stateless",
    "no nationality": "stateless",
    "recognised non-citizens": "stateless",
    "refugee": "refugee",
    "other and unknown": "unknown",
    "other": "unknown",
    "unknown": "unknown",
    "not currently recorded": "unknown",
    "british overseas citizens": "british_overseas",
    "british overseas countries and territories": "british_overseas",
    "cyprus (northern part of)": "unrecognised_territory",
    "united nations laissez-passer": "travel_document",
    "africa": "region",
    "asia": "region",
    "europe": "region",
    "north america": "region",
    "south america": "region",
    "central america": "region",
    "caribbean": "region",
    "oceania": "region",
    "total": "total",
    "grand totals": "total",
    "grand total": "total",
    # IER_02b and Irr_02b: the Home Office's own "Other" bucket of a top-N table (not "unknown")
    "all other nationalities": "other_nationalities",
    "totals for africa": "total",
    "totals for asia": "total",
    "totals for europe": "total",
    "totals for north america": "total",
    "totals for oceania": "total",
    "totals for south america": "total",
    "totals for unknown": "total",
}


def _norm(label: str) -> str:
    """Whitespace-collapsed, case-folded label: the only normalisation applied before lookup."""
    return re.sub(r"\s+", " ", str(label)).strip().casefold()


@lru_cache(maxsize=1)
def _iso_index() -> dict[str, str]:
    """Exact ISO 3166-1 names (name, official name, common name) -> alpha-3."""
    import pycountry

    index: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(c, attr, None)
            if value:
                index.setdefault(_norm(value), c.alpha_3)
    return index


@cache
def resolve_label(label: str, family: str) -> str:
    """Resolve a publisher's label to ISO3 or `NONCOUNTRY:<class>`; unknown labels raise InputError."""
    if family not in FAMILIES:
        raise InputError(f"unknown label family {family!r} (known: {', '.join(FAMILIES)})")
    if family == "ice":
        return _resolve_ice_key(str(label))
    key = _norm(label)
    if key in NONCOUNTRY_LABELS:
        return NONCOUNTRY + NONCOUNTRY_LABELS[key]
    fam = FAMILY_ALIASES.get(family, {})
    if key in fam:
        return fam[key]
    if key in COMMON_ALIASES:
        return COMMON_ALIASES[key]
    code = _iso_index().get(key)
    if code:
        return code
    raise InputError(
        f"unknown country label {str(label)!r} in family {family!r}: add a reviewed alias "
        "in visalever.countries"
    )


def _resolve_ice_key(key: str) -> str:
    """An ICE `country_key`: the explicit table first, then an exact ISO 3166-1 alpha-3 code."""
    import pycountry

    k = key.strip()
    if k in ICE_KEYS:
        return ICE_KEYS[k]
    if re.fullmatch(r"[A-Z]{3}", k) and pycountry.countries.get(alpha_3=k) is not None:
        return k
    raise InputError(f"unknown country key {key!r} in family 'ice': add it to visalever.countries.ICE_KEYS")


def is_noncountry(code: str) -> bool:
    """True for a `NONCOUNTRY:` marker returned by `resolve_label`."""
    return code.startswith(NONCOUNTRY)


@lru_cache(maxsize=1)
def _registry() -> dict[str, dict[str, str]]:
    import pycountry

    reg = {
        c.alpha_3: {"iso3": c.alpha_3, "iso2": c.alpha_2, "numeric": c.numeric, "name": c.name}
        for c in pycountry.countries
    }
    for code, info in EXTRA_CODES.items():
        reg[code] = {"iso3": code, **info}
    for code in HISTORIC_CODES:
        h = pycountry.historic_countries.get(alpha_3=code)
        reg[code] = {"iso3": code, "iso2": h.alpha_2, "numeric": h.numeric, "name": h.name + " (former)"}
    return reg


def is_country_code(s: str) -> bool:
    """True if `s` is an ISO 3166-1 alpha-3 code, XKX (Kosovo) or a dissolved state we carry."""
    return isinstance(s, str) and s.upper() == s and s in _registry()


def country_name(iso3: str) -> str:
    """English short name for an ISO3 code; `ALL` is the national total."""
    if iso3 == "ALL":
        return "All nationalities (national total)"
    try:
        return _registry()[iso3]["name"]
    except KeyError:
        raise InputError(f"unknown country code {iso3!r}") from None


def all_countries() -> list[dict[str, str]]:
    """Every country code visalever knows, sorted by ISO3: iso3, iso2, numeric, name."""
    return [dict(_registry()[k]) for k in sorted(_registry())]
