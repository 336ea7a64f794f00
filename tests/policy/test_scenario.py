"""Scenario builder: rows -> a reform the loader accepts, groups expanded from the register and the
assessment (checked against those sources, not against hard-coded lists), errors at row and field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from visalever.errors import InputError
from visalever.policy import agreements_in_force, load_policy, resolve
from visalever.policy.codes import known_iso3
from visalever.policy.scenario import (
    DesignationRow,
    ParameterRow,
    ScenarioSpec,
    build,
    check_file,
    line_of,
    parse_designate,
    parse_set,
)


def _write(tmp_path: Path, text: str, name: str = "reform.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_country_row_and_parameter_build_a_loadable_hypothetical_reform(tmp_path: Path) -> None:
    spec = ScenarioSpec(base="uk-statutory",
                        designations=[parse_designate("PAK:s70_surcharge:visit:2025-01-01")],
                        parameters=[parse_set("fees.visit=150@2026-04-01")])
    result = build(spec)
    assert result.ok, result.errors
    reform = load_policy(_write(tmp_path, result.yaml))  # the file, not the in-memory text
    base = load_policy("uk-statutory")
    assert reform.status == "scenario" and reform.extends == "uk-statutory" and reform.note
    added = [d for d in reform.designations if d.id not in {b.id for b in base.designations}]
    assert [(d.iso3, d.hypothetical, d.start) for d in added] == [("PAK", True, dt.date(2025, 1, 1))]
    assert all(s.instrument and result.id in s.title for d in added for s in d.sources)
    assert reform.parameters["fees.visit"].at(dt.date(2026, 4, 1))[0] == 150
    assert reform.parameters["fees.visit"].at(dt.date(2026, 3, 31)) == base.parameters["fees.visit"].at(
        dt.date(2026, 3, 31))
    day = dt.date(2025, 6, 1)
    frame = resolve(reform, day).frame
    surcharge = base.parameters["s70.surcharge"].at(day)[0]
    pak = frame.filter((frame["iso3"] == "PAK") & (frame["category"] == "visit"))
    assert pak["surcharge_amount"].to_list() == [surcharge]
    base_frame = resolve(base, day).frame
    assert frame.filter(frame["iso3"] != "PAK").equals(base_frame.filter(base_frame["iso3"] != "PAK"))
    # the same rows give the same id and the same text (a saved scenario is reproducible)
    assert build(spec).yaml == result.yaml


def test_no_agreement_group_is_the_register_complement_on_the_start_date() -> None:
    start = dt.date(2025, 1, 1)
    result = build(ScenarioSpec(base="uk-statutory", designations=[
        DesignationRow("no_agreement", "s70_surcharge", ["visit"], start.isoformat())]))
    assert result.ok, result.errors
    (group,) = result.groups
    base = load_policy("uk-statutory")
    own = set(base.visa_requirements.own.iso3)
    having = {a.iso3 for a in agreements_in_force("uk", start)}
    assert having and set(group.countries) == set(known_iso3()) - own - having
    assert set(group.excluded) == own | having
    assert result.policy is not None
    # the group is not frozen into countries: the engine resolves it on every law date
    (act,) = result.policy.designation_groups
    assert act.group == "no_agreement" and act.start == start
    from visalever.policy import resolve
    from visalever.policy.resolve import group_members

    members = set(group_members(resolve(result.policy, start))[act.id]["countries"])
    visa_free = {c for c in group.countries if base.visa_requirements.visa_free(c, "visit", start)}
    assert members == set(group.countries) - visa_free  # no surcharge on a visa nobody needs
    later = dt.date(2025, 9, 1)  # the UK-Iraq returns agreement (Aug 2025) takes Iraq out of the group
    members_later = set(group_members(resolve(result.policy, later))[act.id]["countries"])
    now_having = {a.iso3 for a in agreements_in_force("uk", later)} - having
    assert now_having and not (members_later & now_having)


def test_tier_group_follows_the_assessment() -> None:
    from visalever.assess import assess

    result = build(ScenarioSpec(base="uk-statutory",
                                designations=[parse_designate("tier:non_cooperating@2025:s70_slowdown:all:2025-06-01")]))
    assert result.ok, result.errors
    expected = sorted(a.iso3 for a in assess("uk", "2025") if a.tier == "non_cooperating")
    assert result.groups[0].countries == expected


def test_errors_name_row_and_field() -> None:
    result = build(ScenarioSpec(base="uk-statutory", designations=[
        DesignationRow("PAK", "s70_surcharge", ["visit"], "2025-01-01"),
        DesignationRow("XXX", "s70_nope", ["visits"], "2025-02-30"),
        DesignationRow("IND", "s70_surcharge", None, "2025-01-01", "2024-01-01"),
        DesignationRow("tier:friendly@2025", "s70_surcharge", None, "2025-01-01"),
    ], parameters=[ParameterRow("fees.visit", "abc", "2026-04-01"),
                   ParameterRow("fees.nope", "1", "2026-01-01")]))
    assert result.yaml is None
    got = {(e.section, e.row, e.field) for e in result.errors}
    assert got == {("designations", 1, "target"), ("designations", 1, "measure"),
                   ("designations", 1, "categories"), ("designations", 1, "start"),
                   ("designations", 2, "end"), ("designations", 3, "target"),
                   ("parameters", 0, "value"), ("parameters", 1, "parameter")}
    assert build(ScenarioSpec(base="no-such-policy")).errors[0].field == "base"


def test_cli_forms_parse_and_refuse() -> None:
    row = parse_designate("tier:non_cooperating@2025:s70_surcharge:visit+study:2025-01-01:2026-01-01")
    assert (row.target, row.categories) == ("tier:non_cooperating@2025", ["visit", "study"])
    assert row.end == "2026-01-01"
    assert parse_designate("PAK:s70_surcharge:all:2025-01-01").categories is None
    assert parse_set("fees.visit=150@2026-04-01") == ParameterRow("fees.visit", "150", "2026-04-01")
    with pytest.raises(InputError, match="--designate"):
        parse_designate("PAK:s70_surcharge")
    with pytest.raises(InputError, match="--set"):
        parse_set("fees.visit=150")


def test_check_file_gives_file_and_line(tmp_path: Path) -> None:
    text = build(ScenarioSpec(base="uk-statutory",
                              designations=[parse_designate("PAK:s70_surcharge:visit:2025-01-01")])).yaml
    assert text is not None
    good = _write(tmp_path, text, "good.yaml")
    summary, problems = check_file(good)
    assert problems == [] and "1 hypothetical" in summary
    bad = _write(tmp_path, text.replace("measure: s70_surcharge", "measure: s70_nope"), "bad.yaml")
    _, problems = check_file(bad)
    line = next(i for i, t in enumerate(bad.read_text().splitlines(), 1) if "s70_nope" in t)
    assert len(problems) == 1 and problems[0].startswith(f"{bad}:{line}: designations.0.measures.0.measure:")
    unflagged = _write(tmp_path, text.replace("hypothetical: true", "hypothetical: false"), "unflagged.yaml")
    _, problems = check_file(unflagged)
    assert len(problems) == 1 and "hypothetical" in problems[0]
    assert line_of("a:\n  b: [1, 2]\n", "a.b") == 2


def test_check_notes_a_group_that_resolves_differently_now() -> None:
    from visalever.policy.scenario import group_drift

    row = parse_designate("tier:non_cooperating@2025:s70_slowdown:all:2025-06-01")
    text = build(ScenarioSpec(base="uk-statutory", designations=[row])).yaml
    assert text is not None and group_drift(text) == []
    first = text.index("\n- id: ")  # drop the first designation, as if the assessment had changed since
    second = text.index("\n- id: ", first + 1)
    dropped = text[first:second].split("iso3: ")[1].split("\n")[0]
    drift = group_drift(text[:first] + text[second:])
    assert len(drift) == 1 and f"added ['{dropped}']" in drift[0]
