"""Scenarios without writing YAML: build a reform from rows (who, which measure, when) and dated values.

Why: a what-if used to need a hand-written reform file (measure ids, designation fields, date rules).
Here a scenario is a list of rows, each naming a nationality or a group, a measure of the base policy's
catalogue, categories and dates, plus parameter changes (`fees.visit=150@2026-04-01`). The output is the
same reform format the loader reads (`extends` + diff, `status: scenario`, a `note`, every designation
`hypothetical: true` citing the scenario as its only source), so the CLI, the API and the dashboard all
produce a file that `visalever simulate --policy file.yaml` reproduces.

Groups (`all`, `no_agreement`, `tier:<tier>[@<period>]`) are expanded into one designation per country
when the scenario is built, from the agreements register (arrangements in force on the row's start
date) and the cooperation assessment (the named period, or the latest one published by the start date).
The report lists which countries each group became, so the expansion is visible and the file, not a
later re-expansion, is what a simulation applies. Every problem is reported with the row index and
field it comes from (`designations[2].measure`), never as a stack trace.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from visalever.errors import InputError
from visalever.policy.models import CATEGORIES

#: Groups a row may name instead of a nationality.
GROUPS = ("all", "no_agreement", "tier:<tier>@<period>", "tier:<tier>")
SCENARIO_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
_ISO3 = re.compile(r"^[A-Z]{3}$")
_LOC_INDEX = re.compile(r"(?:^|:)designations\.(\d+)")
_LOC_PARAM = re.compile(r"(?:^|:)parameters\.([A-Za-z0-9_.]+?)(?:\.values|\.unit|\.currency|$)")


@dataclass
class DesignationRow:
    """One row: `target` (ISO3 or a group) gets `measure` on `categories` (None = all) from `start`."""

    target: str
    measure: str
    categories: list[str] | None = None
    start: str = ""
    end: str | None = None


@dataclass
class ParameterRow:
    """A new dated value of a base-policy parameter (`fees.visit` = 150 from 2026-04-01)."""

    parameter: str
    value: str
    start: str = ""


@dataclass
class ScenarioSpec:
    """What the builder needs: a base policy and rows. `id` and `title` are generated when empty."""

    base: str
    designations: list[DesignationRow] = field(default_factory=list)
    parameters: list[ParameterRow] = field(default_factory=list)
    id: str | None = None
    title: str | None = None


@dataclass
class RowError:
    """A problem located at a row and field (`section` is `designations`, `parameters` or `scenario`)."""

    section: str
    row: int | None
    field: str
    message: str

    def location(self) -> str:
        where = self.section if self.row is None else f"{self.section}[{self.row}]"
        return f"{where}.{self.field}" if self.field else where

    def as_dict(self) -> dict[str, Any]:
        return {"section": self.section, "row": self.row, "field": self.field, "message": self.message,
                "location": self.location()}


@dataclass
class GroupReport:
    """Which countries a group row became, resolved on `as_of` from `basis`."""

    row: int
    group: str
    as_of: str
    basis: str
    countries: list[str]
    excluded: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "group": self.group, "as_of": self.as_of, "basis": self.basis,
                "countries": self.countries, "count": len(self.countries), "excluded": self.excluded}


@dataclass
class ScenarioResult:
    """The built reform (`yaml` is None when there are errors) and what each group became."""

    id: str
    base: str
    yaml: str | None
    errors: list[RowError]
    groups: list[GroupReport]
    policy: Any = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "base": self.base, "ok": self.ok, "yaml": self.yaml,
                "errors": [e.as_dict() for e in self.errors], "groups": [g.as_dict() for g in self.groups]}


# ---- parsing the CLI's compact forms -------------------------------------------------------------------

def parse_designate(text: str) -> DesignationRow:
    """`TARGET:MEASURE:CATEGORIES:START[:END]`; TARGET may be `tier:<tier>@<period>`; CATEGORIES is
    `visit`, `visit+study` (or `,`) or `all`. Raises InputError naming the part at fault."""
    parts = text.split(":")
    if parts and parts[0] == "tier" and len(parts) > 1:
        parts = [f"tier:{parts[1]}", *parts[2:]]
    if len(parts) not in (4, 5):
        raise InputError(f"expected TARGET:MEASURE:CATEGORIES:START[:END], got {text!r}",
                         location="--designate")
    target, measure, cats, start = parts[:4]
    end = parts[4] if len(parts) == 5 and parts[4] else None
    categories = None if cats in ("", "all", "*") else [c for c in re.split(r"[+,]", cats) if c]
    return DesignationRow(target=target, measure=measure, categories=categories, start=start, end=end)


def parse_set(text: str) -> ParameterRow:
    """`PARAMETER=VALUE@START` (e.g. `fees.visit=150@2026-04-01`)."""
    name, eq, rest = text.partition("=")
    value, at, start = rest.rpartition("@")
    if not eq or not at or not name:
        raise InputError(f"expected PARAMETER=VALUE@YYYY-MM-DD, got {text!r}", location="--set")
    return ParameterRow(parameter=name.strip(), value=value.strip(), start=start.strip())


# ---- validation of rows --------------------------------------------------------------------------------

def _date(text: str | None, errors: list[RowError], section: str, row: int, name: str) -> dt.date | None:
    if text is None or str(text).strip() == "":
        if name in ("start",):
            errors.append(RowError(section, row, name, "required (YYYY-MM-DD)"))
        return None
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        errors.append(RowError(section, row, name, f"not a date YYYY-MM-DD: {text!r}"))
        return None


def _typed_value(raw: str, unit: str) -> Any:
    """The text of a value as its parameter's unit wants it (why: `150` must be a number, not text)."""
    text = str(raw).strip()
    if unit == "text":
        if not text:
            raise ValueError("empty value")
        return text
    if unit == "bool":
        if text.lower() in ("true", "yes", "1"):
            return True
        if text.lower() in ("false", "no", "0"):
            return False
        raise ValueError(f"expected true or false, got {raw!r}")
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"expected a number, got {raw!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"expected a finite number, got {raw!r}")
    if unit in ("days", "months", "count"):
        if number != int(number) or number < 0:
            raise ValueError(f"expected a whole number >= 0, got {raw!r}")
        return int(number)
    if unit == "currency" and number < 0:
        raise ValueError(f"an amount cannot be negative, got {raw!r}")
    return int(number) if number == int(number) else number


def _own_nationals(policy: Any) -> set[str]:
    vr = policy.visa_requirements
    return set(vr.own.iso3) if getattr(vr, "own", None) is not None else set()


def _resolve_group(policy: Any, target: str, start: dt.date, row: int,
                   errors: list[RowError]) -> GroupReport | None:
    """Countries of a group on `start` (all known countries but the regime's own nationals)."""
    from visalever.policy.codes import known_iso3

    own = _own_nationals(policy)
    universe = [c for c in known_iso3() if c not in own]
    excluded = {c: "the regime's own nationals (no visa)" for c in sorted(own)}
    if target == "all":
        basis = "every country the registry knows"
        return GroupReport(row, target, start.isoformat(), basis, universe, excluded)
    if target == "no_agreement":
        having = {a.iso3: a.title for a in policy.agreements if a.in_force(start)}
        excluded.update({c: f"returns arrangement in force: {t}" for c, t in sorted(having.items())})
        countries = [c for c in universe if c not in having]
        basis = (f"{policy.jurisdiction} agreements register: no returns arrangement in force on "
                 f"{start.isoformat()}")
        return GroupReport(row, target, start.isoformat(), basis, countries, excluded)
    if target.startswith("tier:"):
        return _tier_group(policy, target, start, row, errors)
    errors.append(RowError("designations", row, "target",
                           f"{target!r} is neither an ISO3 code nor a group ({', '.join(GROUPS)})"))
    return None


def _tier_group(policy: Any, target: str, start: dt.date, row: int,
                errors: list[RowError]) -> GroupReport | None:
    from visalever.assess import assess, context_for, load_config

    tier, _, period = target[len("tier:"):].partition("@")
    try:
        cfg = load_config(policy.jurisdiction)
    except InputError as err:
        errors.append(RowError("designations", row, "target",
                               f"no assessment for this regime: {_message(err)}"))
        return None
    tiers = [t.id for t in cfg.tiers] + ["insufficient_data"]
    if tier not in tiers:
        errors.append(RowError("designations", row, "target", f"unknown tier {tier!r}; tiers: {tiers}"))
        return None
    try:
        if period:
            scored = {a.iso3: a.tier for a in assess(policy.jurisdiction, period)}
            basis = (f"{policy.jurisdiction} cooperation assessment, period {period} "
                     "(a recommendation, not an act)")
        else:
            scored = {k: v["tier"] for k, v in context_for(policy.jurisdiction, start).items()}
            basis = (f"{policy.jurisdiction} cooperation assessment published by {start.isoformat()} "
                     "(each country's latest scored period; a recommendation, not an act)")
    except InputError as err:
        errors.append(RowError("designations", row, "target", _message(err)))
        return None
    own = _own_nationals(policy)
    countries = sorted(c for c, t in scored.items() if t == tier and c not in own)
    return GroupReport(row, target, start.isoformat(), basis, countries)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def scenario_id(spec: ScenarioSpec) -> str:
    """The scenario's id: the caller's, else one derived from its content (same rows, same id)."""
    if spec.id:
        return spec.id
    key = repr((spec.base, [vars(r) for r in spec.designations], [vars(p) for p in spec.parameters]))
    return "scenario-" + hashlib.sha256(key.encode()).hexdigest()[:10]


# ---- building -------------------------------------------------------------------------------------------

def build(spec: ScenarioSpec) -> ScenarioResult:
    """Validate the rows, expand groups, write the reform YAML and load it with the policy loader.

    Errors are collected for every row (an analyst fixes them all at once), each naming row and field;
    the YAML is returned only when the loader accepted the whole reform."""
    from visalever.policy.codes import is_known
    from visalever.policy.loader import load_policy

    errors: list[RowError] = []
    sid = scenario_id(spec)
    if not SCENARIO_ID.match(sid):
        errors.append(RowError("scenario", None, "id",
                               "lower-case letters, digits and '-' (1-60 characters)"))
    try:
        from visalever.policy.loader import list_policies

        packaged = sorted(p["id"] for p in list_policies())
        if spec.base not in packaged:  # never a path: the API passes this text through
            raise InputError(f"{spec.base!r} is not a packaged policy id; packaged policies: {packaged}")
        base = load_policy(spec.base)
    except InputError as err:
        errors.append(RowError("scenario", None, "base", _message(err)))
        return ScenarioResult(sid, spec.base, None, errors, [])
    if not spec.designations and not spec.parameters:
        errors.append(RowError("scenario", None, "designations", "add at least one row or parameter change"))

    groups: list[GroupReport] = []
    designations: list[dict[str, Any]] = []
    group_acts: list[dict[str, Any]] = []  # groups the engine resolves on every date (designation_groups)
    origin_row: list[int] = []  # designation index in the YAML -> row
    for i, row in enumerate(spec.designations):
        before = len(errors)
        target = (row.target or "").strip()
        measure = (row.measure or "").strip()
        if not target:
            errors.append(RowError("designations", i, "target", "required: an ISO3 code or a group"))
        if measure not in base.measures:
            known = f"the policy's measures: {sorted(base.measures)}"
            why = f"unknown measure {measure!r}; {known}" if measure else f"required; {known}"
            errors.append(RowError("designations", i, "measure", why))
        cats = row.categories or None
        bad = [c for c in cats or [] if c not in CATEGORIES]
        if bad:
            errors.append(RowError("designations", i, "categories",
                                   f"unknown categor{'ies' if len(bad) > 1 else 'y'} {bad}; expected some of "
                                   f"{list(CATEGORIES)}"))
        start = _date(row.start, errors, "designations", i, "start")
        end = _date(row.end, errors, "designations", i, "end")
        if start and end and end <= start:
            errors.append(RowError("designations", i, "end", "must be after start (the end day is the first "
                                   "day the measure no longer applies)"))
        if start and base.in_force is not None and end is not None and end <= base.in_force.from_:
            errors.append(RowError("designations", i, "end", f"before the base policy's window "
                                   f"({base.in_force.describe()})"))
        is_country = bool(_ISO3.match(target.upper())) and target not in ("all",)
        if is_country and not is_known(target.upper()):
            errors.append(RowError("designations", i, "target", f"unknown country {target.upper()!r}"))
            continue
        if not target or start is None:
            continue
        if is_country:
            iso3 = target.upper()
            if iso3 in _own_nationals(base):
                errors.append(RowError("designations", i, "target",
                                       f"{iso3} are the regime's own nationals: no visa to act on"))
                continue
            countries, note = [iso3], None
        else:
            report = _resolve_group(base, target, start, i, errors)
            if report is None:
                continue
            groups.append(report)
            if not report.countries:
                errors.append(RowError("designations", i, "target",
                                       f"group {target!r} has no country on {start.isoformat()}"))
                continue
            countries = report.countries
            note = f"Row {i + 1}: group {target} on {start.isoformat()} (see the header)."
        if len(errors) > before:
            continue
        m = base.measures[measure]
        scope = "+".join(cats) if cats else "all categories"
        if not is_country and dynamic_group(target):
            # resolved by the engine on every date the law is read (the simulation's law date), not
            # frozen here: the report above is a preview of what it gives on the row's start date
            g: dict[str, Any] = {
                "id": f"{sid}-r{i + 1}-group",
                "title": f"HYPOTHETICAL: {measure} for group {target} ({scope}), scenario row {i + 1}",
                "group": target,
                "start": start.isoformat(),
            }
            if end is not None:
                g["end"] = end.isoformat()
            g["sources"] = [{"title": f"visalever scenario {sid} (hypothetical)",
                             "instrument": f"row {i + 1}"}]
            use_g: dict[str, Any] = {"measure": measure}
            if cats:
                use_g["categories"] = list(cats)
            g["measures"] = [use_g]
            g["note"] = (f"Row {i + 1}: group {target}, resolved on each date from the agreements register "
                         "and the assessment published by then.")
            group_acts.append(g)
            continue
        for iso3 in countries:
            d: dict[str, Any] = {
                "id": f"{sid}-r{i + 1}-{iso3.lower()}",
                "jurisdiction": base.jurisdiction,
                "iso3": iso3,
                "kind": "positive" if m.positive else "measures",
                "title": f"HYPOTHETICAL: {measure} for {iso3} ({scope}), scenario row {i + 1}",
                "start": start.isoformat(),
            }
            if end is not None:
                d["end"] = end.isoformat()
            d["hypothetical"] = True
            if note:
                d["note"] = note
            d["sources"] = [{"title": f"visalever scenario {sid} (hypothetical)",
                             "instrument": f"row {i + 1}"}]
            use: dict[str, Any] = {"measure": measure}
            if cats:
                use["categories"] = list(cats)
            d["measures"] = [use]
            designations.append(d)
            origin_row.append(i)

    parameters: dict[str, Any] = {}
    param_row: dict[str, int] = {}
    for i, p in enumerate(spec.parameters):
        pid = (p.parameter or "").strip()
        start = _date(p.start, errors, "parameters", i, "start")
        if pid not in base.parameters:
            errors.append(RowError("parameters", i, "parameter", f"unknown parameter {pid!r}; "
                                   f"the policy's parameters: {sorted(base.parameters)}"))
            continue
        parent = base.parameters[pid]
        try:
            value = _typed_value(p.value, parent.unit)
        except ValueError as err:
            errors.append(RowError("parameters", i, "value", f"{err} ({parent.unit})"))
            continue
        if start is None:
            continue
        currency = {"currency": parent.currency} if parent.currency else {}
        entry = parameters.setdefault(pid, {"description": f"{parent.description} (scenario {sid})",
                                            "unit": parent.unit, **currency, "values": {}})
        if start.isoformat() in entry["values"]:
            errors.append(RowError("parameters", i, "start",
                                   f"{pid} already has a value from {start.isoformat()}"))
            continue
        entry["values"][start.isoformat()] = {
            "value": value,
            "reference": {"title": f"visalever scenario {sid} (hypothetical value; not law)",
                          "instrument": f"scenario {sid}, parameter row {i + 1}"},
            "hypothetical": True,
            "note": "Hypothetical scenario value: no primary source, by construction.",
        }
        param_row.setdefault(pid, i)

    if errors:
        return ScenarioResult(sid, spec.base, None, errors, groups)
    text = render_yaml(spec, sid, base, designations, parameters, groups, group_acts)
    from visalever.policy.loader import load_policy_text

    try:
        policy = load_policy_text(text, f"scenario {sid}")
    except InputError as err:
        return ScenarioResult(sid, spec.base, None, [_map_loader_error(err, origin_row, param_row)], groups)
    return ScenarioResult(sid, spec.base, text, [], groups, policy)


def _message(err: InputError) -> str:
    """The reason of an InputError without its location prefix."""
    text = str(err)
    prefix = f"{err.location}: " if err.location else ""
    return text[len(prefix):] if prefix and text.startswith(prefix) else text


def _map_loader_error(err: InputError, origin_row: list[int], param_row: dict[str, int]) -> RowError:
    """A loader error (`origin:designations.7.measures.0.measure: ...`) back at the row it came from."""
    loc = err.location or ""
    m = _LOC_INDEX.search(loc)
    if m and int(m.group(1)) < len(origin_row):
        tail = loc[m.end():].lstrip(".")
        fieldname = "measure" if "measure" in tail else (
            "categories" if "categor" in tail else tail or "target")
        return RowError("designations", origin_row[int(m.group(1))], fieldname, _message(err))
    m = _LOC_PARAM.search(loc)
    if m and m.group(1) in param_row:
        return RowError("parameters", param_row[m.group(1)], "value", _message(err))
    return RowError("scenario", None, "", str(err))


def dynamic_group(target: str) -> bool:
    """Groups the engine resolves on each date (`all`, `no_agreement`, `tier:<tier>`); a tier of a
    named period (`tier:<tier>@<period>`) is fixed, so it is expanded into countries here."""
    return target in ("all", "no_agreement") or (target.startswith("tier:") and "@" not in target)


def render_yaml(spec: ScenarioSpec, sid: str, base: Any, designations: list[dict[str, Any]],
                parameters: dict[str, Any], groups: list[GroupReport],
                group_acts: list[dict[str, Any]] | None = None) -> str:
    """The reform file: a header saying how to rebuild it, then the reform itself (loader format)."""
    rows = [f"{r.target}:{r.measure}:{'+'.join(r.categories) if r.categories else 'all'}:{r.start}"
            + (f":{r.end}" if r.end else "") for r in spec.designations]
    sets = [f"{p.parameter}={p.value}@{p.start}" for p in spec.parameters]
    def arg(text: str) -> str:  # one shell word on one comment line, whatever a value holds
        return shlex.quote(" ".join(str(text).split()))

    header = [
        f"# visalever scenario {sid}: HYPOTHETICAL, built from rows (not law, not announced).",
        f"# Rebuild: visalever scenario new --base {arg(spec.base)} --id {sid}"
        + "".join(f" --designate {arg(r)}" for r in rows) + "".join(f" --set {arg(s)}" for s in sets),
        "# Check:   visalever scenario check <this file>; run: visalever simulate --policy <this file>",
        ROWS_MARK + json.dumps(spec_dict(spec, sid), separators=(",", ":"), ensure_ascii=True),
    ]
    for g in groups:
        when = "resolved on each law date; on" if dynamic_group(g.group) else "on"
        header.append(f"# Row {g.row + 1}: group {g.group} {when} {g.as_of} -> {len(g.countries)} countries "
                      f"({g.basis}):")
        header.extend("#   " + " ".join(g.countries[k:k + 24]) for k in range(0, len(g.countries), 24))
    summary = "; ".join(rows + sets)
    doc: dict[str, Any] = {
        "id": sid,
        "extends": spec.base,
        "title": spec.title or f"Scenario {sid} on {spec.base}",
        "status": "scenario",
        "note": (f"HYPOTHETICAL scenario built with visalever scenario on {spec.base} ({summary}); "
                 "not law and not announced. Every designation in it is hypothetical."),
    }
    if parameters:
        doc["parameters"] = parameters
    if designations:
        doc["designations"] = designations
    if group_acts:
        doc["designation_groups"] = group_acts
    body = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=200, default_flow_style=None)
    return "\n".join(header) + "\n" + body


ROWS_MARK = "# scenario-rows: "


def spec_dict(spec: ScenarioSpec, sid: str | None = None) -> dict[str, Any]:
    """The rows as JSON (kept in the file's header so a saved scenario reopens in the builder)."""
    return {"base": spec.base, "id": sid or spec.id, "title": spec.title,
            "designations": [vars(r) for r in spec.designations],
            "parameters": [vars(p) for p in spec.parameters]}


def spec_from_yaml(text: str) -> ScenarioSpec | None:
    """The rows a builder-made file was made from (None for a hand-written reform)."""
    for line in text.splitlines()[:8]:
        if line.startswith(ROWS_MARK):
            try:
                data = json.loads(line[len(ROWS_MARK):])
                return ScenarioSpec(
                    base=str(data["base"]), id=data.get("id"), title=data.get("title"),
                    designations=[DesignationRow(**r) for r in data.get("designations", [])],
                    parameters=[ParameterRow(**p) for p in data.get("parameters", [])])
            except (ValueError, KeyError, TypeError):
                return None
    return None


def group_drift(text: str) -> list[str]:
    """Group rows whose countries differ today from those the file holds (the register or the
    assessment changed since it was built). Why: a file keeps what its groups were when built, so a
    rerun is reproducible; this says when rebuilding it would give another list."""
    from visalever.policy.loader import load_policy
    from visalever.policy.yamlio import parse_yaml_text

    spec = spec_from_yaml(text)
    if spec is None:
        return []
    data = parse_yaml_text(text, "scenario")
    held: dict[int, set[str]] = {}
    for d in (data or {}).get("designations") or []:
        m = re.search(r"-r(\d+)-([a-z]{3})$", str(d.get("id", "")) if isinstance(d, dict) else "")
        if m:
            held.setdefault(int(m.group(1)) - 1, set()).add(m.group(2).upper())
    base = load_policy(spec.base)
    out: list[str] = []
    for i, row in enumerate(spec.designations):
        if _ISO3.match(row.target.upper()) and row.target not in ("all",):
            continue
        if dynamic_group(row.target):  # resolved by the engine on every date: no frozen list to drift
            continue
        try:
            start = dt.date.fromisoformat(row.start)
        except ValueError:
            continue
        report = _resolve_group(base, row.target, start, i, [])
        if report is None:
            continue
        now, then = set(report.countries), held.get(i, set())
        if now != then:
            out.append(f"row {i + 1}: group {row.target} on {row.start} now gives {len(now)} countries, "
                       f"the file holds {len(then)} (added {sorted(now - then)}, "
                       f"dropped {sorted(then - now)}); "
                       "rebuild it (the header's command) to apply today's register and assessment")
    return out


# ---- checking a file -------------------------------------------------------------------------------------

def line_of(text: str, keypath: str) -> int | None:
    """The 1-based line of `designations.3.measures.0.measure` in YAML `text` (None if not found)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line = None
    for part in [p for p in keypath.split(".") if p]:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if str(k.value) == part), None)
            if match is None:
                break
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            line = node.start_mark.line + 1
        else:
            break
    return line


def check_file(path: str | Path) -> tuple[str, list[str]]:
    """Validate a reform/scenario file with the policy loader; returns (summary, problems).

    Problems read `file:line: key.path: reason` (the line found from the loader's key path). A file with
    `status: scenario` must also mark every designation it adds `hypothetical: true`."""
    from visalever.policy.loader import load_policy
    from visalever.policy.yamlio import parse_yaml_text

    p = Path(path)
    if not p.is_file():
        return "", [f"{p}: no such file"]
    text = p.read_text(encoding="utf-8")
    try:
        policy = load_policy(p)
    except InputError as err:
        loc = err.location or str(p)
        keypath = next((loc[len(f) + 1:] for f in (str(p.resolve()), str(p)) if loc.startswith(f + ":")), "")
        line = line_of(text, keypath) if keypath else None
        reason = _message(err)
        m = re.search(r"\(line (\d+)\)", reason)
        if line is None and m:
            line = int(m.group(1))
        where = f"{p}:{line}" if line else str(p)
        return "", [f"{where}: {keypath + ': ' if keypath else ''}{reason}"]
    problems: list[str] = []
    data = parse_yaml_text(text, str(p))
    if isinstance(data, dict) and data.get("status") == "scenario":
        for i, d in enumerate(data.get("designations") or []):
            if isinstance(d, dict) and d.get("hypothetical") is not True:
                line = line_of(text, f"designations.{i}")
                problems.append(f"{p}:{line}: designations.{i}.hypothetical: a scenario's designations must "
                                "say `hypothetical: true` (they are not acts)")
    hyp = sum(1 for d in policy.designations if d.hypothetical)
    return (f"policy {policy.id} ({policy.status}) extends {policy.extends}, revision {policy.revision}: "
            f"{hyp} hypothetical designations, {len(policy.designations) - hyp} from the base"), problems
