"""Load regime files (agreements, parameters, policies, designations) all or nothing.

A policy is either a packaged id (`uk-statutory`) or a path to a user's YAML file that `extends` a
packaged policy with a diff. The whole merged policy is validated (pydantic schemas, parameter and
measure references, CEL syntax, country codes) before it is returned, so a reform is never
half-applied; every error is one line `file:key.path: reason`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from visalever.errors import InputError
from visalever.paths import REGIMES_DIR
from visalever.policy.codes import is_known
from visalever.policy.conditions import Condition
from visalever.policy.models import (
    Agreement,
    AgreementsFile,
    Base,
    Designation,
    DesignationGroup,
    DesignationsFile,
    Effects,
    Exemption,
    InForce,
    Measure,
    MeasureUse,
    Parameter,
    ParameterFile,
    PolicySpec,
    Reference,
    Tier,
    Timing,
    ValueRef,
    VisaRequirementsFile,
    VocabularyFile,
)
from visalever.policy.visa_requirement import VisaRequirements
from visalever.policy.vocabulary import Vocabulary
from visalever.policy.yamlio import parse_yaml_text, pydantic_error, read_yaml


@dataclass
class Policy:
    """A fully merged, validated policy ready to resolve. Treat as immutable."""

    id: str
    jurisdiction: str
    title: str
    status: str
    note: str | None
    revision: str
    base: Base
    measures: dict[str, Measure]
    tiers: list[Tier]
    exemptions: dict[str, Exemption]
    apply_designations: bool
    parameters: dict[str, Parameter]
    designations: list[Designation]
    agreements: list[Agreement]
    legal_basis: Reference | None = None
    extends: str | None = None
    review_interval_months: int | None = None
    files: list[str] = field(default_factory=list)
    designation_origin: dict[str, str] = field(default_factory=dict, repr=False)
    conditions: dict[str, Condition] = field(default_factory=dict, repr=False)
    context_exprs: dict[str, Condition] = field(default_factory=dict, repr=False)
    in_force: InForce | None = None
    timing: Timing | None = None
    vocabulary: Vocabulary = field(default_factory=Vocabulary, repr=False)
    visa_requirements: VisaRequirements = field(default_factory=VisaRequirements, repr=False)
    designation_groups: list[DesignationGroup] = field(default_factory=list)

    @property
    def enacted(self) -> bool:
        return self.status == "enacted"

    def check_in_force(self, day: dt.date, location: str = "application_date") -> None:
        """Refuse a date outside the policy's window (never answer with a neighbouring year's law)."""
        w = self.in_force
        if w is not None and not w.contains(day):
            raise InputError(
                f"{day.isoformat()} is outside the window of policy {self.id!r}: in force "
                f"{w.describe()} ({w.reference.title})",
                location=location,
            )

    def summary(self) -> dict[str, Any]:
        """What every output that uses this policy carries about it."""
        return {
            "id": self.id,
            "jurisdiction": self.jurisdiction,
            "title": self.title,
            "status": self.status,
            "note": self.note,
            "revision": self.revision,
            "extends": self.extends,
            "in_force": (
                None
                if self.in_force is None
                else {
                    "from": self.in_force.from_.isoformat(),
                    "to": self.in_force.to.isoformat() if self.in_force.to else None,
                    "reference": self.in_force.reference.model_dump(mode="json", exclude_none=True),
                    "note": self.in_force.note,
                }
            ),
        }

    def parameter_value(self, pid: str, as_of: dt.date) -> tuple[Any, Any]:
        return self.parameters[pid].at(as_of)


def _validate(model: Any, data: Any, path: Path | str, prefix: str = "") -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise pydantic_error(path, err, prefix) from None


def regime_dir(jurisdiction: str) -> Path:
    d = REGIMES_DIR / jurisdiction
    if not d.is_dir():
        raise InputError(f"unknown jurisdiction {jurisdiction!r}; known: {jurisdictions()}")
    return d


def jurisdictions() -> list[str]:
    """Jurisdictions that have regime files (a folder with policies/)."""
    return sorted(p.name for p in REGIMES_DIR.iterdir() if (p / "policies").is_dir())


def _hash_files(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in sorted(set(paths)):
        h.update(p.name.encode())
        h.update(b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:16]


def load_parameters(jurisdiction: str) -> tuple[dict[str, Parameter], list[Path]]:
    """All parameters of a jurisdiction, keyed `<file stem>.<name>`."""
    out: dict[str, Parameter] = {}
    files = sorted((regime_dir(jurisdiction) / "parameters").glob("*.yaml"))
    for path in files:
        pf: ParameterFile = _validate(ParameterFile, read_yaml(path), path)
        for name, param in pf.parameters.items():
            out[f"{path.stem}.{name}"] = param
    return out, files


def _agreements_path(jurisdiction: str) -> Path:
    return regime_dir(jurisdiction) / "agreements.yaml"


def _designations_path(jurisdiction: str, name: str | None = None) -> Path:
    return regime_dir(jurisdiction) / (name or "designations.yaml")


@lru_cache(maxsize=16)
def _vocabulary_cached(jurisdiction: str, mtime: float) -> Vocabulary:
    path = regime_dir(jurisdiction) / "vocabulary.yaml"
    if not path.is_file():
        return Vocabulary()
    return Vocabulary.from_file(_validate(VocabularyFile, read_yaml(path), path), str(path))


def load_vocabulary(jurisdiction: str) -> Vocabulary:
    """The regime's published visa classes and applicant groups (empty when it scopes no measure)."""
    path = regime_dir(jurisdiction) / "vocabulary.yaml"
    return _vocabulary_cached(jurisdiction, path.stat().st_mtime if path.is_file() else 0.0)


@lru_cache(maxsize=16)
def _visa_requirements_cached(jurisdiction: str, mtime: float) -> VisaRequirements:
    path = regime_dir(jurisdiction) / "visa_requirements.yaml"
    if not path.is_file():
        return VisaRequirements()
    vf: VisaRequirementsFile = _validate(VisaRequirementsFile, read_yaml(path), path)
    for i, e in enumerate(vf.visa_free):
        if not is_known(e.iso3):
            raise InputError(f"unknown country {e.iso3!r}", location=f"{path}:visa_free.{i}.iso3")
    if vf.own_nationals is not None:
        for code in vf.own_nationals.iso3:
            if not is_known(code):
                raise InputError(f"unknown country {code!r}", location=f"{path}:own_nationals.iso3")
    return VisaRequirements.from_file(vf)


def load_visa_requirements(jurisdiction: str) -> VisaRequirements:
    """The regime's dated visa requirement list (empty when the regime has none)."""
    path = regime_dir(jurisdiction) / "visa_requirements.yaml"
    return _visa_requirements_cached(jurisdiction, path.stat().st_mtime if path.is_file() else 0.0)


@lru_cache(maxsize=16)
def _load_agreements_cached(jurisdiction: str, mtime: float) -> tuple[Agreement, ...]:
    path = _agreements_path(jurisdiction)
    if not path.is_file():
        return ()
    af: AgreementsFile = _validate(AgreementsFile, read_yaml(path), path)
    for i, a in enumerate(af.agreements):
        if not is_known(a.iso3):
            raise InputError(f"unknown country {a.iso3!r}", location=f"{path}:agreements.{i}.iso3")
    return tuple(af.agreements)


def load_agreements(jurisdiction: str) -> list[Agreement]:
    """The returns-arrangement register of a jurisdiction."""
    path = _agreements_path(jurisdiction)
    return list(_load_agreements_cached(jurisdiction, path.stat().st_mtime if path.is_file() else 0.0))


def agreements_in_force(jurisdiction: str, as_of: dt.date) -> list[Agreement]:
    """Arrangements that applied on `as_of` (a source shows them in force by then and not ended)."""
    return [a for a in load_agreements(jurisdiction) if a.in_force(as_of)]


def _read_designations_file(path: Path) -> tuple[list[Designation], str | None]:
    df: DesignationsFile = _validate(DesignationsFile, read_yaml(path), path)
    seen: set[str] = set()
    for i, d in enumerate(df.designations):
        if not is_known(d.iso3):
            raise InputError(f"unknown country {d.iso3!r}", location=f"{path}:designations.{i}.iso3")
        if d.id in seen:
            raise InputError(f"duplicate designation id {d.id!r}", location=f"{path}:designations.{i}.id")
        seen.add(d.id)
    return list(df.designations), df.review_interval


def load_designations(jurisdiction: str | None = None, path: str | Path | None = None) -> list[Designation]:
    """The packaged designations of a jurisdiction (or of every jurisdiction), or those in `path`."""
    if path is not None:
        return _read_designations_file(Path(path))[0]
    juris = [jurisdiction] if jurisdiction else jurisdictions()
    out: list[Designation] = []
    for j in juris:
        p = _designations_path(j)
        if p.is_file():
            out.extend(_read_designations_file(p)[0])
    return out


def review_interval_months(jurisdiction: str) -> int | None:
    """The regime's review interval for designations (e.g. 2 for the UK), or None if it sets none."""
    dpath = _designations_path(jurisdiction)
    if not dpath.is_file():
        return None
    return _review_months(_read_designations_file(dpath)[1], f"{dpath}:review_interval")


def _review_months(text: str | None, location: str) -> int | None:
    if text is None:
        return None
    parts = text.split()
    if len(parts) == 2 and parts[0].isdigit() and parts[1] in ("month", "months"):
        return int(parts[0])
    raise InputError(f"review_interval must read like '2 months', got {text!r}", location=location)


def _policy_files() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for j in jurisdictions():
        for p in sorted((REGIMES_DIR / j / "policies").glob("*.yaml")):
            out[p.stem] = p
    return out


def list_policies() -> list[dict[str, Any]]:
    """Summaries (id, jurisdiction, title, status, note, revision) of every packaged policy."""
    return [load_policy(pid).summary() for pid in sorted(_policy_files())]


def _read_spec(path: Path, text: str | None = None) -> PolicySpec:
    return _validate(PolicySpec, read_yaml(path) if text is None else parse_yaml_text(text, str(path)), path)


def _merge_parameters(
    base: dict[str, Parameter], diff: dict[str, Parameter], path: Path
) -> dict[str, Parameter]:
    """A reform's parameter diff: new dated values merge into the parent's; new ids are added."""
    out = dict(base)
    for pid, p in diff.items():
        if pid in out:
            parent = out[pid]
            if parent.unit != p.unit or (parent.currency or None) != (p.currency or None):
                raise InputError(
                    f"unit/currency {p.unit}/{p.currency} differs from the parent's "
                    f"{parent.unit}/{parent.currency}",
                    location=f"{path}:parameters.{pid}",
                )
            out[pid] = parent.model_copy(update={"values": {**parent.values, **p.values}})
        else:
            out[pid] = p
    return out


def load_policy(ref: str | Path) -> Policy:
    """Load a packaged policy by id, or a user's policy/reform YAML by path; validated as a whole."""
    path = Path(ref)
    files = _policy_files()
    if str(ref) in files and not path.suffix:
        path = files[str(ref)]
    elif not path.is_file():
        raise InputError(f"no such policy id or file {str(ref)!r}; packaged policies: {sorted(files)}")
    return _load_policy_cached(str(path.resolve()), path.stat().st_mtime)


@lru_cache(maxsize=64)
def _load_policy_cached(path_str: str, mtime: float) -> Policy:
    return _build(Path(path_str), depth=0)


def _build(path: Path, depth: int, text: str | None = None) -> Policy:
    if depth > 8:
        raise InputError("`extends` chain deeper than 8 (a cycle?)", location=f"{path}:extends")
    spec = _read_spec(path, text)
    parent: Policy | None = None
    if spec.extends:
        files = _policy_files()
        if spec.extends not in files:
            raise InputError(
                f"unknown policy {spec.extends!r}; packaged policies: {sorted(files)}",
                location=f"{path}:extends",
            )
        parent = _build(files[spec.extends], depth + 1)
    if parent is None:
        for key in ("jurisdiction", "title", "status", "base"):
            if getattr(spec, key) is None:
                raise InputError(
                    "required in a policy that does not `extends` another", location=f"{path}:{key}"
                )
    jurisdiction = spec.jurisdiction or parent.jurisdiction  # type: ignore[union-attr]
    if parent is not None and jurisdiction != parent.jurisdiction:
        raise InputError(
            f"cannot change jurisdiction from {parent.jurisdiction!r}", location=f"{path}:jurisdiction"
        )
    rdir = regime_dir(jurisdiction)

    if parent is None:
        params, param_files = load_parameters(jurisdiction)
        agreements = load_agreements(jurisdiction)
        dpath = _designations_path(jurisdiction, spec.designations_file)
        if spec.designations_file and not dpath.is_file():
            raise InputError(
                f"no such designations file {str(dpath)!r}", location=f"{path}:designations_file"
            )
        packaged, interval = _read_designations_file(dpath) if dpath.is_file() else ([], None)
        review = _review_months(interval, f"{dpath}:review_interval")
        dep_files = [
            *param_files,
            *([dpath] if dpath.is_file() else []),
            *([_agreements_path(jurisdiction)] if _agreements_path(jurisdiction).is_file() else []),
        ]
        designations = list(packaged)
        measures: dict[str, Measure] = {}
        tiers: list[Tier] = []
        exemptions: dict[str, Exemption] = {}
        base = spec.base
        apply_designations = True
        legal_basis = spec.legal_basis
        in_force, timing = spec.in_force, spec.timing
        vr_path = rdir / "visa_requirements.yaml"
        voc_path = rdir / "vocabulary.yaml"
        dep_files += [p for p in (vr_path, voc_path) if p.is_file()]
    else:
        if spec.designations_file:
            raise InputError(
                "a reform applies its parent's designations file; add designations in the reform instead",
                location=f"{path}:designations_file",
            )
        params, agreements, review = parent.parameters, parent.agreements, parent.review_interval_months
        dep_files = [Path(f) for f in parent.files]
        designations = list(parent.designations)
        measures, tiers, exemptions = dict(parent.measures), list(parent.tiers), dict(parent.exemptions)
        base = spec.base or parent.base
        apply_designations = parent.apply_designations
        legal_basis = spec.legal_basis or parent.legal_basis
        in_force = spec.in_force or parent.in_force
        timing = spec.timing or parent.timing

    params = _merge_parameters(params, spec.parameters, path)
    measures.update(spec.measures)
    if spec.tiers is not None:
        tiers = list(spec.tiers)
    if spec.exemptions is not None:
        exemptions.update(spec.exemptions)
    if spec.apply_designations is not None:
        apply_designations = spec.apply_designations
    for i, d in enumerate(spec.designations):
        if not is_known(d.iso3):
            raise InputError(f"unknown country {d.iso3!r}", location=f"{path}:designations.{i}.iso3")
    known_ids = {d.id for d in designations}
    for i, d in enumerate(spec.designations):
        if d.id in known_ids:
            raise InputError(f"duplicate designation id {d.id!r}", location=f"{path}:designations.{i}.id")
    designations = designations + list(spec.designations)
    groups = (list(parent.designation_groups) if parent is not None else []) + list(spec.designation_groups)
    seen_ids = {d.id for d in designations}
    for i, g in enumerate(spec.designation_groups):
        if g.id in seen_ids:
            raise InputError(
                f"duplicate designation id {g.id!r}", location=f"{path}:designation_groups.{i}.id"
            )
        seen_ids.add(g.id)
    origin = dict(parent.designation_origin) if parent is not None else {}
    if parent is None:
        dfile = _designations_path(jurisdiction, spec.designations_file)
        origin.update({d.id: f"{dfile}:designations.{i}" for i, d in enumerate(designations)})
    origin.update({d.id: f"{path}:designations.{i}" for i, d in enumerate(spec.designations)})
    origin.update({g.id: f"{path}:designation_groups.{i}" for i, g in enumerate(spec.designation_groups)})

    status = spec.status or parent.status  # type: ignore[union-attr]
    note = spec.note if spec.note is not None else (parent.note if parent else None)
    if status != "enacted" and not note:
        raise InputError(
            f"a policy with status {status!r} needs a `note` saying it is not enacted law",
            location=f"{path}:note",
        )
    all_files = [*dep_files, path] if text is None else list(dep_files)
    policy = Policy(
        id=spec.id,
        jurisdiction=jurisdiction,
        title=spec.title or parent.title,  # type: ignore[union-attr]
        status=status,
        note=note,
        revision=_hash_files(all_files),
        base=base,  # type: ignore[arg-type]
        measures=measures,
        tiers=tiers,
        exemptions=exemptions,
        apply_designations=apply_designations,
        parameters=params,
        designations=designations,
        agreements=agreements,
        legal_basis=legal_basis,
        extends=spec.extends,
        review_interval_months=review,
        files=[str(f) for f in all_files],
        designation_origin=origin,
        in_force=in_force,
        timing=timing,
        vocabulary=load_vocabulary(jurisdiction),
        visa_requirements=load_visa_requirements(jurisdiction),
        designation_groups=groups,
    )
    _check_references(policy, path, rdir)
    return policy


def _check_value_refs(effects: Effects | None, policy: Policy, location: str) -> None:
    if effects is None:
        return
    for fname, value in effects.set_fields().items():
        if isinstance(value, ValueRef):
            if value.parameter is not None and value.parameter not in policy.parameters:
                raise InputError(
                    f"unknown parameter {value.parameter!r}", location=f"{location}.{fname}.parameter"
                )
            if value.context is not None:
                key = f"{location}.{fname}.context"
                policy.context_exprs[key] = Condition(value.context, key)


def check_measure_use(use: MeasureUse, policy: Policy, location: str) -> None:
    """A tier's or designation's use of a measure must name a catalogue measure; class- or group-limited
    uses may only set the outcome or a quota (they are applied per application, not per row), and name
    classes and groups of the regime's published vocabulary."""
    if use.measure not in policy.measures:
        raise InputError(
            f"unknown measure {use.measure!r}; the policy's measures: {sorted(policy.measures)}",
            location=f"{location}.measure",
        )
    _check_value_refs(use.effects, policy, f"{location}.effects")
    for i, e in enumerate(use.overrides_exemptions or []):
        if e not in policy.exemptions:
            raise InputError(
                f"unknown exemption {e!r}; the policy's exemptions: {sorted(policy.exemptions)}",
                location=f"{location}.overrides_exemptions.{i}",
            )
    for i, vc in enumerate(use.visa_classes or []):
        policy.vocabulary.visa_class(vc, f"{location}.visa_classes.{i}")
    for i, g in enumerate(use.applicant_groups or []):
        policy.vocabulary.applicant_group(g, f"{location}.applicant_groups.{i}")
    if use.visa_classes is not None or use.applicant_groups is not None:
        fields = set(policy.measures[use.measure].effects.set_fields())
        if use.effects is not None:
            fields |= set(use.effects.set_fields())
        if fields - {"outcome", "quota"}:
            raise InputError(
                f"a measure limited by visa class or applicant group may only set `outcome` or `quota`, "
                f"this one sets {sorted(fields)}",
                location=location,
            )


def validate_designation(designation: Designation, policy: Policy) -> None:
    """Check a designation (e.g. one posted to the service) against a policy's measure catalogue."""
    if not is_known(designation.iso3):
        raise InputError(f"unknown country {designation.iso3!r}", location="iso3")
    if designation.jurisdiction != policy.jurisdiction:
        raise InputError(
            f"jurisdiction {designation.jurisdiction!r} is not the policy's {policy.jurisdiction!r}",
            location="jurisdiction",
        )
    for i, use in enumerate(designation.measures):
        check_measure_use(use, policy, f"measures.{i}")


def _check_references(policy: Policy, path: Path, rdir: Path) -> None:
    loc = str(path)
    if policy.base is not None:
        _check_value_refs(policy.base.all, policy, f"{loc}:base.all")
        for cat, eff in policy.base.categories.items():
            _check_value_refs(eff, policy, f"{loc}:base.categories.{cat}")
    for mid, m in policy.measures.items():
        _check_value_refs(m.effects, policy, f"{loc}:measures.{mid}.effects")
    seen: set[str] = set()
    for i, tier in enumerate(policy.tiers):
        if tier.id in seen:
            raise InputError(f"duplicate tier id {tier.id!r}", location=f"{loc}:tiers.{i}.id")
        seen.add(tier.id)
        key = f"{loc}:tiers.{i}.condition"
        policy.conditions[tier.id] = Condition(tier.condition, key)
        for j, use in enumerate(tier.measures):
            check_measure_use(use, policy, f"{loc}:tiers.{i}.measures.{j}")
    for i, d in enumerate(policy.designations):
        where = policy.designation_origin.get(d.id, f"{rdir / 'designations.yaml'}:designations.{i}")
        if d.jurisdiction != policy.jurisdiction:
            raise InputError(
                f"jurisdiction {d.jurisdiction!r} is not {policy.jurisdiction!r}",
                location=f"{where}.jurisdiction",
            )
        for j, use in enumerate(d.measures):
            check_measure_use(use, policy, f"{where}.measures.{j}")
    for i, g in enumerate(policy.designation_groups):
        where = policy.designation_origin.get(g.id, f"{loc}:designation_groups.{i}")
        for j, use in enumerate(g.measures):
            check_measure_use(use, policy, f"{where}.measures.{j}")


def check_file(path: str | Path) -> str:
    """Validate any regime file by its shape (policy, parameters, agreements, designations).

    Returns a one-line description of what was validated; raises InputError otherwise.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError("no such file", location=str(p))
    data = read_yaml(p)
    if not isinstance(data, dict):
        raise InputError("expected a mapping at the top level", location=str(p))
    if "agreements" in data:
        af: AgreementsFile = _validate(AgreementsFile, data, p)
        for i, a in enumerate(af.agreements):
            if not is_known(a.iso3):
                raise InputError(f"unknown country {a.iso3!r}", location=f"{p}:agreements.{i}.iso3")
        return f"agreements file with {len(af.agreements)} arrangements"
    if "designations" in data and "id" not in data:
        ds, _ = _read_designations_file(p)
        return f"designations file with {len(ds)} designations"
    if "parameters" in data and "id" not in data:
        pf: ParameterFile = _validate(ParameterFile, data, p)
        return f"parameters file with {len(pf.parameters)} parameters"
    if "visa_free" in data or "own_nationals" in data:
        vf: VisaRequirementsFile = _validate(VisaRequirementsFile, data, p)
        for i, e in enumerate(vf.visa_free):
            if not is_known(e.iso3):
                raise InputError(f"unknown country {e.iso3!r}", location=f"{p}:visa_free.{i}.iso3")
        return f"visa requirement list with {len(vf.visa_free)} visa-free entries"
    if "visa_classes" in data or "applicant_groups" in data:
        voc = Vocabulary.from_file(_validate(VocabularyFile, data, p), str(p))
        return f"vocabulary with {len(voc.visa_classes)} visa classes and {len(voc.applicant_groups)} groups"
    if "instruments" in data:
        from visalever.policy.instruments import InstrumentsFile

        inst = _validate(InstrumentsFile, data, p)
        return f"instruments file with {len(inst.instruments)} instruments"
    pol = _build(p, 0)
    return f"policy {pol.id} ({pol.status}) revision {pol.revision}"


def load_policy_text(text: str, origin: str) -> Policy:
    """A policy or reform from YAML text (e.g. uploaded to the service), validated like a file.

    `origin` names the text in error locations (`origin:key.path: reason`) and in `files`; the
    revision hashes the packaged files it builds on and the text itself. Nothing touches the disk.
    """
    policy = _build(Path(origin), 0, text)
    digest = hashlib.sha256(policy.revision.encode() + b"\0" + text.encode("utf-8")).hexdigest()
    policy.revision = digest[:16]
    policy.files = [*policy.files, origin]
    return policy
