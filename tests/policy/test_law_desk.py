"""The law desk (issue 12 items 2-3): what is in force for a nationality on a day, and the changelog of
the law, both derived from the dated regime YAML. Expectations name acts and dates written by hand from
the sources; structural claims are checked against the YAML itself (every dated designation is a change)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from visalever.cli import app
from visalever.errors import InputError
from visalever.policy.changes import all_changes, changes_between
from visalever.policy.in_force import designation_files, load_designation_file, measures_for
from visalever.policy.loader import jurisdictions

D = dt.date.fromisoformat


def _ids(levers: list) -> dict[str, object]:
    return {lv.id: lv for lv in levers}


def test_afghan_on_1_april_2026_sees_the_uk_visa_brake_with_its_source() -> None:
    got = _ids(measures_for("AFG", D("2026-04-01")))
    for act in ("uk-2026-brake-study-afg", "uk-2026-brake-skilled-afg"):
        lv = got[act]
        assert lv.in_force and lv.ground == "asylum" and lv.source_url and lv.start == D("2026-03-26")
        assert "uk-visa-brake-2026" in lv.policies
    assert got["us-212f-p10998-afg"].ground == "security"
    assert "uk-2026-brake-study-afg" not in _ids(measures_for("AFG", D("2026-03-25")))


def test_congolese_on_10_january_2026_sees_the_drc_measure() -> None:
    lv = _ids(measures_for("COD", D("2026-01-10"), "uk"))["uk-2025-cod-priority"]
    assert lv.in_force and lv.ground == "returns" and lv.measures == ("priority_withdrawal",)
    assert set(lv.policies) >= {"uk-statutory"}
    assert "uk-2025-cod-priority" not in _ids(measures_for("COD", D("2026-02-06"), "uk"))


def test_guinea_proposal_is_listed_as_proposed_not_in_force() -> None:
    levers = measures_for("GIN", D("2025-09-01"), "eu")
    lv = _ids(levers)["eu-gin-2025-proposal"]
    assert lv.status == "proposed" and not lv.in_force and lv.policies == ()
    assert {x.jurisdiction for x in levers} == {"eu"}
    assert "eu-gin-2025-proposal" not in _ids(measures_for("GIN", D("2025-07-14"), "eu"))


def test_visa_requirement_is_the_first_lever_per_regime() -> None:
    levers = measures_for("FRA", D("2025-09-01"), "uk")
    assert levers[0].lever == "visa_requirement" and levers[0].status == "visa_free"
    assert measures_for("GBR", D("2025-09-01"), "uk")[0].status == "own_national"
    assert measures_for("BWA", D("2025-10-14"), "uk")[0].status == "visa_required"
    assert measures_for("BWA", D("2025-10-13"), "uk")[0].status == "visa_free"


@pytest.mark.parametrize(
    ("iso3", "jurisdiction", "location"), [("XXX", None, "nationality"), ("AFG", "au", "jurisdiction")]
)
def test_bad_input_is_an_input_error(iso3: str, jurisdiction: str | None, location: str) -> None:
    with pytest.raises(InputError) as err:
        measures_for(iso3, D("2025-01-01"), jurisdiction)
    assert err.value.location == location


def test_every_dated_designation_is_a_change() -> None:
    """Built from the YAML: each designation's start (and end) is an event with a source."""
    changes = {(c.id, c.date, c.event) for c in all_changes()}
    n = 0
    for j in jurisdictions():
        for path in designation_files(j):
            for d in load_designation_file(path):
                if d.hypothetical:
                    continue
                assert (
                    d.id,
                    d.start,
                    "proposed" if d.kind == "proposal_not_adopted" else "started",
                ) in changes
                if d.end:
                    assert {(d.id, d.end, "ended"), (d.id, d.end, "superseded")} & changes, d.id
                n += 1
    assert n > 50
    assert all(c.source_title for c in all_changes())


def test_changes_since_17_june_2025_list_the_2025_2026_acts() -> None:
    got = {(c.id, c.event) for c in changes_between(D("2025-06-17"))}
    for want in [
        ("uk-2025-ago-warning", "started"),
        ("uk-2025-cod-priority", "started"),
        ("uk-2026-brake-study-afg", "started"),
        ("eu-gin-2025-proposal", "proposed"),
        ("eu-visa-suspension-mechanism-2025", "adopted"),
        ("us-212f-p10998-afg", "started"),
        ("us-212f-p10949-afg", "superseded"),
        ("uk-visa-free-bwa", "imposed"),
        ("uk-visa-free-lca", "imposed"),
    ]:
        assert want in got, want
    kinds = {c.kind for c in changes_between(D("2025-06-17"))}
    assert {"designation", "agreement", "parameter", "visa_requirement", "instrument"} <= kinds
    window = changes_between(D("2025-08-01"), D("2025-08-31"), "uk")
    assert window and all(
        D("2025-08-01") <= c.date <= D("2025-08-31") and c.jurisdiction == "uk" for c in window
    )
    with pytest.raises(InputError):
        changes_between(D("2025-08-01"), D("2025-07-01"))


def test_cli_measures_and_changes() -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["measures", "--nationality", "AFG", "--date", "2026-04-01", "--format", "json"])
    assert res.exit_code == 0, res.output
    ids = {m["id"] for m in json.loads(res.output)["measures"]}
    assert {"uk-2026-brake-study-afg", "uk-2026-brake-skilled-afg"} <= ids
    res = runner.invoke(app, ["changes", "--since", "2025-06-17", "--format", "csv"])
    assert res.exit_code == 0 and res.output.splitlines()[0].startswith("date,jurisdiction,kind,event")
    assert "eu-gin-2025-proposal" in res.output
    bad = runner.invoke(app, ["changes", "--since", "17/06/2025"])
    assert bad.exit_code == 2
    bad = runner.invoke(app, ["measures", "--nationality", "ZZZ", "--date", "2026-01-01"])
    assert bad.exit_code == 2
