"""YAML decision cases beside the law: every file under tests/regimes/<jurisdiction>/ is a list of cases.

One runner for every jurisdiction with regime files. A case gives an application (and optionally the
law's date, test-only hypothetical designations and test assessments) and the fields the decision must
have; the expectations are written by hand. Optional per-case claims: `explains` (decision field ->
the designation whose measure sets it) and `no_designation_reasons` (only the standard law applies).
Every case also goes through replay, the CLI and HTTP in `test_conformance.py` (one law, every path).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from visalever.errors import InputError
from visalever.policy import (
    Application,
    Designation,
    build_contexts,
    decide,
    jurisdictions,
    load_designations,
    load_policy,
)

HERE = Path(__file__).parent
CASE_DIRS = [HERE / j for j in jurisdictions()]


def _cases() -> list[Any]:
    out = []
    for d in CASE_DIRS:
        for f in sorted(d.glob("*.yaml")):
            doc = yaml.safe_load(f.read_text())
            for case in doc["cases"]:
                out.append(pytest.param(doc, case, id=f"{d.name}/{f.stem}/{case['name'][:70]}"))
    return out


CASES = _cases()


def _date(v: Any) -> Any:
    return v if v is None or isinstance(v, dt.date) else dt.date.fromisoformat(str(v))


def _inputs(doc: dict[str, Any], case: dict[str, Any]) -> tuple[Application, Any, dt.date, dict[str, Any]]:
    """The application, policy, law date and designation/context overrides a case describes."""
    policy = load_policy(case["policy"])
    application = Application(application_id=case["name"], **case["application"])
    as_of = _date(case.get("as_of")) or application.application_date
    designations = None
    if doc.get("designations"):
        designations = load_designations(policy.jurisdiction) + [
            Designation.model_validate(d) for d in doc["designations"]
        ]
    contexts = None
    if doc.get("assessments"):
        contexts = build_contexts(policy.jurisdiction, as_of, assessments=doc["assessments"])
    return application, policy, as_of, {"designations": designations, "contexts": contexts}


@pytest.mark.parametrize(("doc", "case"), CASES)
def test_case(doc: dict[str, Any], case: dict[str, Any]) -> None:
    application, policy, as_of, overrides = _inputs(doc, case)
    if "expect_error" in case:  # the law cannot answer: a one-line error naming the field
        with pytest.raises(InputError, match=f"^{case['expect_error']}: "):
            decide(application, policy, as_of, **overrides)
        return
    decision = decide(application, policy, as_of, **overrides)
    got = decision.model_dump()
    for key, want in case["expect"].items():
        if key == "fee":
            assert (got["fee"] or {}).get("amount") == want, key
        elif key == "fee_currency":
            assert (got["fee"] or {}).get("currency") == want, key
        elif key == "surcharge":
            assert (got["surcharge"] or {}).get("amount") == want, key
        elif key == "surcharge_currency":
            assert (got["surcharge"] or {}).get("currency") == want, key
        elif key == "missing":
            assert [m["field"] for m in got["missing"]] == want, key
        elif key == "unknown":
            assert [u["field"] for u in got["unknown"]] == want, key
        elif key in ("earliest_decision_date", "decision_due_by"):
            assert got[key] == _date(want), key
        elif key == "reason_sources":
            sources = [r["source"] for r in got["reasons"]]
            assert all(s in sources for s in want), (want, sources)
        elif key == "reason_sources_exclude":
            sources = [r["source"] for r in got["reasons"]]
            assert not any(s in sources for s in want), (want, sources)
        elif key == "reason_measures":
            measures = [r["measure"] for r in got["reasons"]]
            assert all(m in measures for m in want), (want, measures)
        elif key == "policy_status":
            assert got["policy"]["status"] == want
        else:
            assert got[key] == want, key
    for reason in got["reasons"]:
        assert reason["text"].strip() and reason["legal_reference"]["title"]
    sources = sorted({r["source"] for r in got["reasons"]})
    for field, designation in case.get("explains", {}).items():
        explaining = [r for r in got["reasons"] if r["source"] == designation
                      and field in policy.measures[r["measure"]].effects.set_fields()]
        assert explaining, f"no reason from {designation} explains {field}: {sources}"
        assert all(r["legal_reference"]["instrument"] for r in explaining)
    if case.get("no_designation_reasons"):
        assert all(s.startswith("parameter:") for s in sources), sources


def test_enough_cases_per_jurisdiction() -> None:
    """The UK pack carries at least 40 hand-written cases (issue 3); every other jurisdiction has some."""
    assert {d.name for d in CASE_DIRS} >= {"uk", "eu", "us"}
    for d in CASE_DIRS:
        n = sum(1 for c in CASES if c.id.startswith(f"{d.name}/"))
        assert n >= (40 if d.name == "uk" else 1), (d.name, n)
