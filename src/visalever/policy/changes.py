"""A changelog of the law, derived from the dated regime YAML itself (never a hand-written list).

Every dated fact the regime files hold becomes an event: a designation started or ended (a proposal is
"proposed"), an agreement was signed, came into force or ended, a parameter took a new value, a visa
requirement was imposed or lifted, a policy's in-force window opened or closed, and a tracked instrument was
proposed, adopted, published, applied or ended. `changes_between` lists those in a window, each with its
source, so a brief can say what changed since the last one and where to read it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from visalever.errors import InputError
from visalever.policy.in_force import (
    PROPOSAL_KINDS,
    agreement_id,
    check_jurisdiction,
    designation_files,
    load_designation_file,
    load_visa_requirement_file,
)
from visalever.policy.instruments import load_instruments
from visalever.policy.loader import load_agreements, load_parameters, regime_dir
from visalever.policy.models import Reference
from visalever.policy.yamlio import read_yaml

#: Columns of the table and CSV forms, in order.
COLUMNS = (
    "date",
    "jurisdiction",
    "kind",
    "event",
    "iso3",
    "id",
    "title",
    "ground",
    "source_title",
    "source_url",
)


@dataclass(frozen=True)
class Change:
    """One dated change of the law and where it is recorded and sourced."""

    date: dt.date
    jurisdiction: str
    kind: str  # designation | agreement | parameter | visa_requirement | policy | instrument
    #: started | ended | superseded | proposed | adopted | published | signed | changed | imposed | lifted
    event: str
    id: str
    title: str
    iso3: str | None
    ground: str | None
    source_title: str
    source_url: str | None
    verified: bool = True
    detail: str | None = None

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["date"] = self.date.isoformat()
        return d


def _src(refs: list[Reference | None]) -> tuple[str, str | None]:
    """The first reference with a URL, else the first one at all."""
    present = [r for r in refs if r is not None]
    for r in present:
        if r.url:
            return r.title, r.url
    return (present[0].title, present[0].url) if present else ("", None)


def _designation_events(j: str) -> list[Change]:
    out: list[Change] = []
    for path in designation_files(j):
        for d in load_designation_file(path):
            if d.hypothetical:
                continue
            title, url = _src([*d.sources, d.legal_reference])
            proposal = d.kind in PROPOSAL_KINDS
            base = {
                "jurisdiction": j,
                "kind": "designation",
                "id": d.id,
                "title": d.title,
                "iso3": d.iso3,
                "ground": d.ground,
                "source_title": title,
                "source_url": url,
            }
            detail = f"{d.kind}; file {path.name}" + (
                "; approximate date" if d.date_precision != "exact" else ""
            )
            out.append(
                Change(date=d.start, event="proposed" if proposal else "started", detail=detail, **base)
            )
            if d.end is not None:
                ended = "superseded" if d.status == "superseded" else "ended"
                out.append(Change(date=d.end, event=ended, detail=f"{detail}; status {d.status}", **base))
    return out


def _agreement_events(j: str) -> list[Change]:
    if not (regime_dir(j) / "agreements.yaml").is_file():
        return []
    out: list[Change] = []
    for a in load_agreements(j):
        title, url = _src(list(a.sources))
        base = {
            "jurisdiction": j,
            "kind": "agreement",
            "id": agreement_id(j, a),
            "title": a.title,
            "iso3": a.iso3,
            "ground": "returns",
            "source_title": title,
            "source_url": url,
            "verified": a.verified,
        }
        if a.signed is not None and a.signed != a.in_force_from:
            out.append(Change(date=a.signed, event="signed", detail=a.kind, **base))
        if a.in_force_from is not None:
            event = "signed and in force" if a.signed == a.in_force_from else "started"
            out.append(Change(date=a.in_force_from, event=event, detail=a.kind, **base))
        if a.in_force_until is not None:
            out.append(Change(date=a.in_force_until, event="ended", detail=a.kind, **base))
    return out


def _parameter_events(j: str) -> list[Change]:
    out: list[Change] = []
    params, _ = load_parameters(j)
    for pid, p in params.items():
        previous: Any = None
        for i, (day, pv) in enumerate(sorted(p.values.items())):
            unit = (
                f" {p.currency}"
                if p.currency
                else ("" if p.unit in ("number", "count", "text", "bool") else f" {p.unit}")
            )
            value = "unknown" if pv.value is None else f"{pv.value}{unit}"
            detail = f"{previous} -> {value}" if i else f"first recorded value {value}"
            previous = value
            out.append(
                Change(
                    date=day,
                    jurisdiction=j,
                    kind="parameter",
                    event="changed" if i else "set",
                    id=pid,
                    title=p.description,
                    iso3=None,
                    ground=None,
                    source_title=pv.reference.title,
                    source_url=pv.reference.url,
                    verified=pv.verified,
                    detail=detail,
                )
            )
    return out


def _visa_requirement_events(j: str) -> list[Change]:
    vr = load_visa_requirement_file(j)
    if vr is None:
        return []
    out: list[Change] = []
    for e in vr.visa_free:
        base = {
            "jurisdiction": j,
            "kind": "visa_requirement",
            "id": f"{j}-visa-free-{e.iso3.lower()}",
            "iso3": e.iso3,
            "ground": None,
            "source_title": e.reference.title,
            "source_url": e.reference.url,
            "verified": e.verified,
        }
        cats = ", ".join(e.categories)
        if e.from_ is not None:
            out.append(
                Change(
                    date=e.from_,
                    event="lifted",
                    title=f"Visa requirement lifted for {e.iso3} ({cats})",
                    detail=e.note,
                    **base,
                )
            )
        if e.until is not None:
            out.append(
                Change(
                    date=e.until,
                    event="imposed",
                    title=f"Visa requirement imposed on {e.iso3} ({cats})",
                    detail=e.note,
                    **base,
                )
            )
    return out


def _policy_events(j: str) -> list[Change]:
    out: list[Change] = []
    for path in sorted((regime_dir(j) / "policies").glob("*.yaml")):
        data = read_yaml(path)
        window = data.get("in_force") if isinstance(data, dict) else None
        if not isinstance(window, dict) or "from" not in window:
            continue
        ref = window.get("reference") or {}
        base = {
            "jurisdiction": j,
            "kind": "policy",
            "id": str(data.get("id")),
            "iso3": None,
            "ground": None,
            "source_title": str(ref.get("title", "")),
            "source_url": ref.get("url"),
        }
        title = str(data.get("title") or data.get("id"))
        out.append(
            Change(
                date=_as_date(window["from"], path),
                event="started",
                title=title,
                detail="policy in-force window opens",
                **base,
            )
        )
        if window.get("to"):
            out.append(
                Change(
                    date=_as_date(window["to"], path),
                    event="ended",
                    title=title,
                    detail="policy in-force window closes",
                    **base,
                )
            )
    return out


def _as_date(value: Any, path: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"not a date: {value!r}", location=f"{path}:in_force") from None


def _instrument_events(j: str) -> list[Change]:
    out: list[Change] = []
    for ins in load_instruments(j):
        title, url = _src([*ins.sources, ins.reference])
        base = {
            "jurisdiction": j,
            "kind": "instrument",
            "id": ins.id,
            "title": ins.title,
            "iso3": ",".join(ins.countries) or None,
            "ground": ins.ground,
            "source_title": title,
            "source_url": url,
            "verified": ins.verified,
        }
        for event, day in (
            ("proposed", ins.proposed),
            ("adopted", ins.adopted),
            ("published", ins.published),
            ("started", ins.in_force_from),
            ("ended", ins.in_force_to),
        ):
            if day is not None:
                out.append(Change(date=day, event=event, detail=f"{ins.kind}; status {ins.status}", **base))
    return out


def all_changes(jurisdiction: str | None = None) -> list[Change]:
    """Every dated change the regime files record, oldest first (recomputed when a regime file changes)."""
    names = tuple(check_jurisdiction(jurisdiction))
    stamp = tuple(
        (str(f), f.stat().st_mtime_ns) for j in names for f in sorted(regime_dir(j).rglob("*.yaml"))
    )
    return list(_all_changes_cached(names, stamp))


@lru_cache(maxsize=8)
def _all_changes_cached(names: tuple[str, ...], stamp: tuple[tuple[str, int], ...]) -> tuple[Change, ...]:
    out: list[Change] = []
    for j in names:
        for collect in (
            _designation_events,
            _agreement_events,
            _parameter_events,
            _visa_requirement_events,
            _policy_events,
            _instrument_events,
        ):
            out += collect(j)
    return tuple(sorted(out, key=lambda c: (c.date, c.jurisdiction, c.kind, c.id, c.event)))


def changes_between(
    since: dt.date, until: dt.date | None = None, jurisdiction: str | None = None
) -> list[Change]:
    """Changes dated within [since, until] (both inclusive; no `until` = up to the last recorded date)."""
    if until is not None and until < since:
        raise InputError(f"until {until} is before since {since}", location="until")
    return [c for c in all_changes(jurisdiction) if c.date >= since and (until is None or c.date <= until)]
