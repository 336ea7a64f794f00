"""Effects of past acts: returns (or removals) and visas around each real act, against other nationalities.

For every designation a regime file records (Council decisions, 243(d) orders, UK warnings and
measures; Commission proposals that were never adopted are not acts and are left out), the figures
of the last `WINDOW` whole periods before the act and the first `WINDOW` whole periods from it are
compared with the same periods of every other nationality (see `estimator` for the method). A period
that straddles the act is left out of both windows. Countries under any act or proposal in the same
years are left out of the comparison. Everything is read through `snapshot.query`, so indicators
added to the snapshot later are used as soon as they are there; an act whose figures are not
published yet is reported as `insufficient data`, with the periods that are missing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from visalever.assess.periods import Period, parse_period
from visalever.effects.estimator import METHOD, caveats, did, window_means

WINDOW = 2  # whole periods on each side of an act
#: What is measured per jurisdiction: the returns-type indicator, the visas indicator, their labels.
INDICATORS: dict[str, dict[str, Any]] = {
    "uk": {
        "returns": "returns.total",
        "returns_label": "returns from the UK by nationality (all types, Home Office Ret_D01)",
        "visas": "visas.granted.total",
        "visas_label": "entry clearance visas granted (Home Office, 2025 only in the snapshot)",
        "fiscal": False,
    },
    "eu": {
        "returns": "returns.to_third_country",
        "returns_label": "third-country nationals returned following an order to leave (Eurostat migr_eirtn)",
        "visas": "visas.issued",
        "visas_label": "Schengen short-stay visas issued at consulates in the country (nationality proxy)",
        "fiscal": False,
    },
    "us": {
        "returns": "removals.total",
        "returns_label": "removals by country of nationality (DHS Yearbook to FY2013, ICE from FY2014)",
        "visas": "visas.issued.niv_total",
        "visas_label": "nonimmigrant visas issued (Department of State)",
        "fiscal": True,
    },
}
MIN_VOLUME = {"returns": 20.0, "visas": 100.0}
ANALYST_NOTE = (
    "Analyst estimates from official statistics, not official statistics. An act is one case: the "
    "estimate is what the figures moved by against other nationalities, not proof that the act moved them."
)


def period_start(p: Period) -> dt.date:
    """First day of an annual or fiscal period."""
    return dt.date(p.year - 1, 10, 1) if p.fiscal else dt.date(p.year, 1, 1)


def windows(start: dt.date, fiscal: bool, width: int = WINDOW) -> tuple[list[str], str | None, list[str]]:
    """(before, straddling period or None, after) around an act taking effect on `start`."""
    year = start.year + (1 if fiscal and start.month >= 10 else 0)
    cands = [Period(y, None, fiscal) for y in range(year - width - 1, year + width + 1)]
    before = [str(p) for p in cands if p.end() < start][-width:]
    after = [str(p) for p in cands if period_start(p) >= start][:width]
    straddle = next((str(p) for p in cands if period_start(p) < start <= p.end()), None)
    return before, straddle, after


def annual_series(obs: pl.DataFrame, jurisdiction: str, indicator: str) -> pl.DataFrame:
    """iso3, period, value, source of an indicator's annual (or fiscal) figures by nationality."""
    pattern = r"^FY\d{4}$" if INDICATORS[jurisdiction]["fiscal"] else r"^\d{4}$"
    return obs.filter(
        (pl.col("jurisdiction") == jurisdiction)
        & (pl.col("indicator") == indicator)
        & (pl.col("iso3") != "ALL")
        & pl.col("period").str.contains(pattern)
    ).select("iso3", "period", "value", "source")


def _acts(jurisdiction: str) -> list[Any]:
    from visalever.policy import load_designations

    out = []
    for d in load_designations(jurisdiction):
        if d.kind == "proposal_not_adopted" or d.hypothetical:
            continue
        if getattr(d, "ground", "returns") not in (None, "returns"):
            continue
        out.append(d)
    return sorted(out, key=lambda d: (d.start, d.iso3, d.id))


def _every_designation(jurisdiction: str, fallback: Any) -> list[Any]:
    """Every designation in every designations file of the regime (e.g. also travel bans on other
    grounds): a country under any of them in the window is no clean comparison."""
    from visalever.policy.in_force import designation_files, load_designation_file

    out: dict[str, Any] = {}
    for path in designation_files(jurisdiction):
        for d in load_designation_file(path):
            out.setdefault(d.id, d)
    for d in fallback(jurisdiction):
        out.setdefault(d.id, d)
    return list(out.values())


def _touching(designations: list[Any], first: dt.date, last: dt.date) -> set[str]:
    """Countries with any designation (act or proposal) in force at some point in [first, last]."""
    return {d.iso3 for d in designations if d.start <= last and (d.end is None or d.end > first)}


def _series_block(
    series: pl.DataFrame,
    iso3: str,
    before: list[str],
    straddle: str | None,
    after: list[str],
    exclude: set[str],
    min_volume: float,
) -> dict[str, Any]:
    """Figures and estimate for one indicator around one act (or why there is none)."""
    own = series.filter(pl.col("iso3") == iso3)
    values = {p: v for p, v in zip(own["period"].to_list(), own["value"].to_list(), strict=True)}
    latest = max(series["period"].to_list(), key=parse_period, default=None)
    block: dict[str, Any] = {
        "before": {p: values.get(p) for p in before},
        "straddling_period": {straddle: values.get(straddle)} if straddle else {},
        "after": {p: values.get(p) for p in after},
        "latest_period_in_snapshot": latest,
    }
    missing_before = [p for p in before if p not in values]
    have_after = [p for p in after if p in values]
    if series.is_empty():
        block["status"] = "insufficient data: indicator not in the snapshot for this jurisdiction"
        return block
    if own.is_empty():
        block["status"] = f"insufficient data: no figure for {iso3} under this indicator in the snapshot"
        return block
    if not have_after:  # the more basic gap first: nothing after the act to compare with
        published = [p for p in after if latest is not None and not parse_period(latest) < parse_period(p)]
        why = "no figure for this nationality" if published else "not yet in the snapshot"
        also = f"; also no figure for {', '.join(missing_before)} before it" if missing_before else ""
        block["status"] = f"insufficient data: after the act ({', '.join(after)}): {why}{also}"
        return block
    if missing_before:
        block["status"] = f"insufficient data: no figure for {', '.join(missing_before)} before the act"
        return block
    means = window_means(series.select("iso3", "period", "value"), before, have_after)
    res = did(means, iso3, exclude=exclude, min_volume=min_volume)
    if res is None:
        block["status"] = "insufficient data: no comparison country complete in the same periods"
        return block
    block["periods_used"] = {"before": before, "after": have_after}
    block["estimate"] = res.as_dict()
    notes = caveats(res)
    if len(have_after) < len(after):
        notes.insert(0, f"after window cut short: {len(have_after)} of {len(after)} periods published")
    if res.treated_before < min_volume:
        notes.insert(0, f"small numbers: {res.treated_before:.0f} a period before the act")
    used = own.filter(pl.col("period").is_in(before + have_after))
    src_b = set(used.filter(pl.col("period").is_in(before))["source"].to_list())
    src_a = set(used.filter(pl.col("period").is_in(have_after))["source"].to_list())
    if {s.split("#")[0] for s in src_b} != {s.split("#")[0] for s in src_a}:
        notes.append("series break: the periods before and after come from different source files")
    block["caveats"] = notes
    block["sources"] = sorted(src_b | src_a)
    block["status"] = "estimated"
    return block


def effects(
    jurisdiction: str, *, observations: pl.DataFrame | None = None, only: set[str] | None = None
) -> dict[str, Any]:
    """The effects document of one jurisdiction (what `visalever effects --format json` prints).

    `only` limits the acts evaluated to those designation ids (the options appraisal needs a few).
    """
    from visalever.errors import InputError

    if jurisdiction not in INDICATORS:
        raise InputError(
            f"unknown jurisdiction {jurisdiction!r} (known: {', '.join(INDICATORS)})", location="jurisdiction"
        )
    if observations is None:  # the committed snapshot: the answer is cached until an input file changes
        from visalever import snapshot
        from visalever.appraise.cache import cached

        obs = snapshot.load()
        key = ("effects", jurisdiction, None if only is None else frozenset(only))
        return cached(key, lambda: _effects(jurisdiction, obs, only))
    return _effects(jurisdiction, observations, only)


def _effects(jurisdiction: str, observations: pl.DataFrame, only: set[str] | None) -> dict[str, Any]:
    from visalever.countries import country_name
    from visalever.policy import load_designations

    spec = INDICATORS[jurisdiction]
    every = _every_designation(jurisdiction, load_designations)
    series = {
        "returns": annual_series(observations, jurisdiction, spec["returns"]),
        "visas": annual_series(observations, jurisdiction, spec["visas"]),
    }
    acts_out = []
    for d in _acts(jurisdiction):
        if only is not None and d.id not in only:
            continue
        before, straddle, after = windows(d.start, spec["fiscal"])
        first = period_start(parse_period(before[0]))
        last = parse_period(after[-1]).end()
        exclude = _touching(every, first, last)
        others = sorted(
            o.id
            for o in every
            if o.iso3 == d.iso3 and o.id != d.id and o.start <= last and (o.end is None or o.end > first)
        )
        entry: dict[str, Any] = {
            "id": d.id,
            "iso3": d.iso3,
            "country": country_name(d.iso3),
            "kind": d.kind,
            "title": d.title,
            "start": d.start.isoformat(),
            "end": d.end.isoformat() if d.end else None,
            "date_precision": d.date_precision,
            "measures": [m.measure for m in d.measures],
            "source": (d.legal_reference.url or d.legal_reference.instrument)
            if d.legal_reference
            else (d.sources[0].url or d.sources[0].instrument),
            "windows": {"before": before, "straddling_act": straddle, "after": after},
            "excluded_from_comparison": sorted(exclude - {d.iso3}),
            "other_acts_on_country_in_window": others,
        }
        for key in ("returns", "visas"):
            entry[key] = {
                "indicator": spec[key],
                **_series_block(series[key], d.iso3, before, straddle, after, exclude, MIN_VOLUME[key]),
            }
        acts_out.append(entry)
    estimated = [a for a in acts_out if a["returns"]["status"] == "estimated"]
    intervals = [a["returns"]["estimate"]["interval_pct"] for a in estimated]
    clear = [iv for iv in intervals if iv is not None and not iv[0] <= 0 <= iv[1]]
    return {
        "jurisdiction": jurisdiction,
        "note": ANALYST_NOTE,
        "method": METHOD,
        "window_periods": WINDOW,
        "window_rule": (
            f"before = the last {WINDOW} whole {'fiscal years' if spec['fiscal'] else 'years'} ending "
            f"before the act took effect; after = the first {WINDOW} beginning on or after that day; the "
            "period straddling the act is in neither. Comparison countries: every other nationality with "
            "figures in all those "
            f"periods and a mean before of at least {MIN_VOLUME['returns']:.0f} (returns) or "
            f"{MIN_VOLUME['visas']:.0f} (visas), except countries under any act or proposal in those years."
        ),
        "indicators": {k: {"id": spec[k], "label": spec[f"{k}_label"]} for k in ("returns", "visas")},
        "acts": acts_out,
        "summary": {
            "acts": len(acts_out),
            "with_returns_estimate": len(estimated),
            "interval_excludes_no_change": len(clear),
            "insufficient_data": len(acts_out) - len(estimated),
        },
    }


def all_effects(
    jurisdictions: list[str] | None = None, observations: pl.DataFrame | None = None
) -> list[dict[str, Any]]:
    """Effects documents for several jurisdictions (default: every one with an indicator spec)."""
    return [effects(j, observations=observations) for j in (jurisdictions or list(INDICATORS))]
