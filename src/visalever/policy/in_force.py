"""What is in force for one nationality on one day, across every regime: the levers a user asks about first.

Reads the dated regime YAML directly (visa-requirement lists, every designations file, agreements, tracked
instruments) rather than building decision tables, so that it answers in milliseconds and lists acts that no
decision applies (warnings, proposals, agreements). Each lever carries its act, its stated ground and a
source.
A proposal is listed as `proposed`, never as in force.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from visalever.errors import InputError
from visalever.policy.codes import is_known
from visalever.policy.instruments import load_instruments
from visalever.policy.loader import jurisdictions, load_agreements, regime_dir
from visalever.policy.models import Agreement, Designation, DesignationsFile, Reference, VisaRequirementsFile
from visalever.policy.yamlio import read_yaml

#: Designation kinds that are not (yet) law: listed with status `proposed`, never as in force.
PROPOSAL_KINDS = frozenset({"proposal_not_adopted"})


@dataclass(frozen=True)
class Lever:
    """One lever touching a nationality on a day: what it is, whether it is law, and where to read it."""

    jurisdiction: str
    #: visa_requirement | warning | penalty | measures | sanction | proposal | agreement | quota | instrument
    lever: str
    id: str
    title: str
    status: str  # in_force | proposed | visa_required | visa_free | own_national | published
    in_force: bool
    ground: str | None
    start: dt.date | None
    end: dt.date | None
    act: str
    source_title: str
    source_url: str | None
    policies: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()
    verified: bool = True
    note: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["start"] = self.start.isoformat() if self.start else None
        d["end"] = self.end.isoformat() if self.end else None
        d["policies"] = list(self.policies)
        d["measures"] = list(self.measures)
        return d


def check_jurisdiction(jurisdiction: str | None) -> list[str]:
    """The regimes to search: all, or the one named (an unknown name is a one-line input error)."""
    known = jurisdictions()
    if jurisdiction is None:
        return known
    if jurisdiction not in known:
        raise InputError(
            f"unknown jurisdiction {jurisdiction!r}; known: {', '.join(known)}", location="jurisdiction"
        )
    return [jurisdiction]


def designation_files(jurisdiction: str) -> list[Path]:
    """Every designations file of a regime (`designations.yaml` and `designations_*.yaml`)."""
    return sorted(regime_dir(jurisdiction).glob("designations*.yaml"))


@lru_cache(maxsize=64)
def _designations_cached(path_str: str, mtime: float) -> tuple[Designation, ...]:
    path = Path(path_str)
    doc = DesignationsFile.model_validate(read_yaml(path))
    return tuple(doc.designations)


def load_designation_file(path: Path) -> list[Designation]:
    """The designations of one file (cached by modification time)."""
    try:
        return list(_designations_cached(str(path), path.stat().st_mtime))
    except InputError:
        raise
    except Exception as exc:  # pydantic ValidationError: report the file, not a traceback
        raise InputError(
            f"invalid designations file: {str(exc).splitlines()[0]}", location=str(path)
        ) from None


@lru_cache(maxsize=8)
def _policies_by_file(jurisdiction: str, stamp: float) -> dict[str, tuple[str, ...]]:
    """Designations file name -> ids of the packaged policies that apply it (their `designations_file`)."""
    out: dict[str, list[str]] = {}
    for p in sorted((regime_dir(jurisdiction) / "policies").glob("*.yaml")):
        data = read_yaml(p)
        if not isinstance(data, dict) or "id" not in data or data.get("extends"):
            continue
        if data.get("apply_designations") is False:
            continue
        out.setdefault(data.get("designations_file") or "designations.yaml", []).append(str(data["id"]))
    return {k: tuple(v) for k, v in out.items()}


def policies_applying(jurisdiction: str) -> dict[str, tuple[str, ...]]:
    pdir = regime_dir(jurisdiction) / "policies"
    stamp = max((p.stat().st_mtime for p in pdir.glob("*.yaml")), default=0.0) if pdir.is_dir() else 0.0
    return _policies_by_file(jurisdiction, stamp)


@lru_cache(maxsize=8)
def _visa_requirements_cached(path_str: str, mtime: float) -> VisaRequirementsFile:
    return VisaRequirementsFile.model_validate(read_yaml(Path(path_str)))


def load_visa_requirement_file(jurisdiction: str) -> VisaRequirementsFile | None:
    path = regime_dir(jurisdiction) / "visa_requirements.yaml"
    if not path.is_file():
        return None
    return _visa_requirements_cached(str(path), path.stat().st_mtime)


def _first_source(sources: list[Reference], fallback: Reference | None = None) -> tuple[str, str | None]:
    for s in [*(sources or []), *([fallback] if fallback else [])]:
        if s.url:
            return s.title, s.url
    first = (sources or [fallback])[0]
    return (first.title, first.url) if first else ("", None)


def _list_reference(vr: VisaRequirementsFile) -> Reference | None:
    """The list's own citation: the reference most of its entries share (the list itself, not a change)."""
    counts = Counter(e.reference.title for e in vr.visa_free)
    if not counts:
        return None
    title = counts.most_common(1)[0][0]
    return next(e.reference for e in vr.visa_free if e.reference.title == title)


def _visa_requirement_lever(jurisdiction: str, iso3: str, day: dt.date) -> Lever | None:
    vr = load_visa_requirement_file(jurisdiction)
    if vr is None:
        return None
    if vr.own_nationals and iso3 in vr.own_nationals.iso3:
        ref = vr.own_nationals.reference
        return Lever(
            jurisdiction,
            "visa_requirement",
            f"{jurisdiction}-own-nationals",
            f"Own national of the {jurisdiction.upper()} regime: no visa applies",
            "own_national",
            True,
            None,
            None,
            None,
            ref.title,
            ref.title,
            ref.url,
        )
    entries = [e for e in vr.visa_free if e.iso3 == iso3 and e.applies(day)]
    if not entries:
        ref = _list_reference(vr)
        return Lever(
            jurisdiction,
            "visa_requirement",
            f"{jurisdiction}-visa-required-{iso3.lower()}",
            "Visa required for every category (not on the regime's visa-free list on this date)",
            "visa_required",
            True,
            None,
            None,
            None,
            ref.title if ref else vr.description,
            ref.title if ref else vr.description,
            ref.url if ref else None,
        )
    e = entries[0]
    cats = ", ".join(e.categories)
    return Lever(
        jurisdiction,
        "visa_requirement",
        f"{jurisdiction}-visa-free-{iso3.lower()}",
        f"No visa required for: {cats}; a visa is required for the other categories",
        "visa_free",
        True,
        None,
        e.from_,
        e.until,
        e.reference.title,
        e.reference.title,
        e.reference.url,
        verified=e.verified,
        note=e.note,
    )


def _scope(use: Any) -> str:
    """A measure use as one readable line: measure, categories, visa classes, applicant groups."""
    parts = [use.measure]
    if use.categories:
        parts.append("categories " + ", ".join(use.categories))
    if use.visa_classes:
        parts.append("classes " + ", ".join(use.visa_classes))
    if use.applicant_groups:
        parts.append("groups " + ", ".join(use.applicant_groups))
    return "; ".join(parts)


def _designation_levers(jurisdiction: str, iso3: str, day: dt.date) -> list[Lever]:
    applying = policies_applying(jurisdiction)
    out: list[Lever] = []
    for path in designation_files(jurisdiction):
        for d in load_designation_file(path):
            if d.iso3 != iso3 or d.hypothetical:
                continue
            proposal = d.kind in PROPOSAL_KINDS
            active = d.start <= day and (d.end is None or day < d.end)
            if not active:
                continue
            title, url = _first_source(d.sources, d.legal_reference)
            act = d.legal_reference.title if d.legal_reference else d.title
            out.append(
                Lever(
                    jurisdiction,
                    "proposal" if proposal else d.kind,
                    d.id,
                    d.title,
                    "proposed" if proposal else "in_force",
                    not proposal,
                    d.ground,
                    d.start,
                    d.end,
                    act,
                    title,
                    url,
                    policies=() if proposal else applying.get(path.name, ()),
                    measures=tuple(_scope(u) for u in d.measures),
                    note=d.note,
                    extra={
                        "designations_file": path.name,
                        "status_in_file": d.status,
                        "date_precision": d.date_precision,
                    },
                )
            )
    return out


def agreement_id(jurisdiction: str, a: Agreement) -> str:
    """A stable id for an agreement (the register has none): regime, country, kind and first date."""
    first = a.effective_from() or a.signed
    return f"{jurisdiction}-agreement-{a.iso3.lower()}-{a.kind}-{first.isoformat() if first else 'undated'}"


def _agreement_levers(jurisdiction: str, iso3: str, day: dt.date) -> list[Lever]:
    out: list[Lever] = []
    agreements = (
        load_agreements(jurisdiction) if (regime_dir(jurisdiction) / "agreements.yaml").is_file() else []
    )
    for a in agreements:
        if a.iso3 != iso3 or not a.in_force(day):
            continue
        title, url = _first_source(a.sources)
        lever = "quota" if a.mobility_quota else "agreement"
        out.append(
            Lever(
                jurisdiction,
                lever,
                agreement_id(jurisdiction, a),
                a.title,
                "in_force",
                True,
                "returns",
                a.effective_from(),
                a.in_force_until,
                f"{a.kind.replace('_', ' ')}: {a.title}",
                title,
                url,
                verified=a.verified,
                note=a.notes,
                extra={"mobility_quota": a.mobility_quota} if a.mobility_quota else {},
            )
        )
    return out


def _instrument_levers(jurisdiction: str, iso3: str, day: dt.date) -> list[Lever]:
    out: list[Lever] = []
    for ins in load_instruments(jurisdiction):
        if iso3 not in ins.countries:
            continue
        first = min(d for d in (ins.proposed, ins.adopted, ins.published, ins.in_force_from) if d)
        if first > day or (ins.in_force_to is not None and day >= ins.in_force_to):
            continue
        title, url = _first_source(ins.sources, ins.reference)
        out.append(
            Lever(
                jurisdiction,
                "instrument",
                ins.id,
                ins.title,
                ins.status,
                ins.in_force(day),
                ins.ground,
                ins.in_force_from or first,
                ins.in_force_to,
                ins.reference.title,
                title,
                url,
                verified=ins.verified,
                note=ins.note,
            )
        )
    return out


def measures_for(iso3: str, day: dt.date, jurisdiction: str | None = None) -> list[Lever]:
    """Every lever that touches nationals of `iso3` on `day`, in every regime (or the one named).

    Order: per regime, the visa requirement first, then acts (in force before proposed), agreements and
    instruments. Unknown codes are input errors, never an empty answer.
    """
    code = (iso3 or "").strip().upper()
    if not is_known(code):
        raise InputError(
            f"unknown country code {iso3!r} (ISO 3166-1 alpha-3 expected)", location="nationality"
        )
    out: list[Lever] = []
    for j in check_jurisdiction(jurisdiction):
        vr = _visa_requirement_lever(j, code, day)
        acts = sorted(
            _designation_levers(j, code, day),
            key=lambda lv: (not lv.in_force, lv.start or dt.date.min, lv.id),
        )
        out += (
            ([vr] if vr else []) + acts + _agreement_levers(j, code, day) + _instrument_levers(j, code, day)
        )
    return out
