"""Conformance: every YAML decision case gives the same answer on every decision path.

The paths: the library (`decide`), a one-row `replay` by application date, the CLI (`visalever decide
--format json`, run in-process through Typer's runner: the command's own code) and HTTP
(`POST /v1/decisions` on a real `visalever serve` process over loopback, one per policy, SQLite).
Compared: outcome, fee and surcharge (amount and currency, or absent), dates, flags, quota, the
fields a `needs_information` answer asks for, and the cited sources (measure, source, provision, act).

Cases whose file supplies hypothetical designations go to HTTP through the designations API (as a
policy administrator would create them) and to the CLI as a reform file extending the policy. Cases
whose file supplies *test assessments* (uk/transactional) cannot be given to the CLI or the service,
which always use the real assessment: those run on the library and replay paths only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest
import yaml
from tests.regimes.test_cases import CASES, _inputs
from tests.support.servers import ServeProcess, create_token
from typer.testing import CliRunner

from visalever.cli import app as cli_app
from visalever.errors import InputError
from visalever.policy import decide, replay

HERE = Path(__file__).parent


def _summary(d: dict[str, Any]) -> dict[str, Any]:
    """The fields every path must agree on, from a decision as JSON."""

    def money(m: Any) -> Any:
        return None if m is None else (round(float(m["amount"]), 2), m["currency"])

    reasons = d.get("reasons") or []
    return {
        "outcome": d["outcome"],
        "fee": money(d.get("fee")),
        "surcharge": money(d.get("surcharge")),
        "earliest_decision_date": d.get("earliest_decision_date"),
        "decision_due_by": d.get("decision_due_by"),
        "multiple_entry_allowed": d.get("multiple_entry_allowed"),
        "priority_service_allowed": d.get("priority_service_allowed"),
        "quota": d.get("quota"),
        "missing": sorted(m["field"] for m in d.get("missing") or []),
        "sources": sorted(
            (
                r["measure"],
                r["source"],
                (r.get("provision") or r["legal_reference"])["title"],
                (r.get("act") or {}).get("id"),
            )
            for r in reasons
        ),
    }


def _replay_summary(row: dict[str, Any]) -> dict[str, Any]:
    def money(a: Any, c: Any) -> Any:
        return None if a is None or c is None else (round(float(a), 2), c)

    def day(v: Any) -> Any:
        return None if v is None else v.isoformat()

    return {
        "outcome": row["outcome"],
        "fee": money(row["fee_amount"], row["fee_currency"]),
        "surcharge": money(row["surcharge_amount"], row["surcharge_currency"]),
        "earliest_decision_date": day(row["earliest_decision_date"]),
        "decision_due_by": day(row["decision_due_by"]),
        "multiple_entry_allowed": row["multiple_entry_allowed"],
        "priority_service_allowed": row["priority_service_allowed"],
        "quota": row["quota"],
    }


def _slug(case_id: str) -> str:
    """An application id the service accepts, unique per case."""
    return "case-" + hashlib.sha256(case_id.encode()).hexdigest()[:16]


def _case_doc_path(case_id: str) -> str:
    j, stem = case_id.split("/")[:2]
    return f"{j}/{stem}"


def _reform_for(doc: dict[str, Any], policy_id: str, tmp: Path, name: str) -> Path:
    """A reform file carrying a case file's hypothetical designations (the CLI's way to take them)."""
    path = tmp / f"{name.replace('/', '-')}-{policy_id}.yaml"
    if not path.exists():
        path.write_text(
            yaml.safe_dump(
                {
                    "id": f"conformance-{name.replace('/', '-')}",
                    "extends": policy_id,
                    "status": "scenario",
                    "note": "TEST ONLY: the case file's hypothetical designations as a reform.",
                    "designations": [{**d, "hypothetical": True} for d in doc["designations"]],
                },
                sort_keys=False,
            )
        )
    return path


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One real server per (policy, case file with designations), started lazily."""
    tmp = tmp_path_factory.mktemp("conformance")
    running: dict[tuple[str, str | None], tuple[ServeProcess, str]] = {}

    def get(policy_id: str, doc: dict[str, Any], doc_name: str) -> tuple[ServeProcess, str]:
        key = (policy_id, doc_name if doc.get("designations") else None)
        if key not in running:
            db = f"sqlite:///{tmp / ('db-' + str(len(running)) + '.sqlite')}"
            proc = ServeProcess(db, policy=policy_id).start()
            token = create_token(db, "caseworker")
            if doc.get("designations"):
                admin = create_token(db, "policy_admin")
                for d in doc["designations"]:
                    body = json.loads(json.dumps({**d, "hypothetical": True}, default=str))
                    r = httpx.post(proc.base_url + "/v1/designations", json=body,
                                   headers={"Authorization": f"Bearer {admin}"}, timeout=30)
                    assert r.status_code in (200, 201), r.text
            running[key] = (proc, token)
        return running[key]

    yield get
    for proc, _ in running.values():
        proc.stop()


def _library(case: Any) -> tuple[Any, Any, dict[str, Any]]:
    doc, c = case.values
    application, policy, _as_of, overrides = _inputs(doc, c)
    d = decide(application, policy, None, **overrides)
    return application, policy, {**overrides, "decision": d.model_dump(mode="json")}


def _refused_everywhere(case: Any, servers: Any) -> None:
    """A case the law cannot answer: the library and replay raise, the CLI exits 2, HTTP says 422,
    each naming the same field."""
    doc, c = case.values
    application, policy, _as_of, overrides = _inputs(doc, c)
    field = c["expect_error"]
    with pytest.raises(InputError, match=f"^{field}: "):
        decide(application, policy, None, **overrides)
    frame = pl.DataFrame([application.model_dump()], schema_overrides={
        "exemptions": pl.List(pl.String), "visa_class": pl.String, "applicant_group": pl.String,
        "application_date": pl.Date})
    with pytest.raises(InputError, match=field):
        replay(frame, policy, None, **overrides)
    if doc.get("assessments") or doc.get("designations"):
        return
    result = CliRunner().invoke(cli_app, ["decide", "--policy", c["policy"], "--nationality",
                                          application.nationality, "--category", application.category,
                                          "--date", application.application_date.isoformat()])
    assert result.exit_code == 2 and f"{field}:" in result.output, result.output
    proc, token = servers(c["policy"], doc, _case_doc_path(case.id))
    body = {k: v for k, v in json.loads(application.model_dump_json()).items() if v is not None}
    body["application_id"] = _slug(case.id)
    r = httpx.post(proc.base_url + "/v1/decisions", json=body,
                   headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 422 and field in r.json()["error"], r.text


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_every_path_agrees(case: Any, servers: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    doc, c = case.values
    if "expect_error" in c:
        _refused_everywhere(case, servers)
        return
    application, policy, info = _library(case)
    want = _summary(info["decision"])

    # replay: one row, each application under the law of its own date
    frame = pl.DataFrame(
        [application.model_dump()],
        schema_overrides={"exemptions": pl.List(pl.String), "visa_class": pl.String,
                          "applicant_group": pl.String, "application_date": pl.Date})
    row = replay(frame, policy, None, designations=info["designations"],
                 contexts=info["contexts"]).to_dicts()[0]
    assert _replay_summary(row) == {k: v for k, v in want.items() if k not in ("missing", "sources")}

    if doc.get("assessments"):
        return  # test assessments cannot reach the CLI or the service (see the module docstring)

    # CLI
    args = ["decide", "--policy", c["policy"], "--nationality", application.nationality,
            "--category", application.category, "--date", application.application_date.isoformat(),
            "--format", "json"]
    if doc.get("designations"):
        reform = _reform_for(doc, c["policy"], tmp_path_factory.getbasetemp(), _case_doc_path(case.id))
        args[2] = str(reform)
    if application.priority_service:
        args.append("--priority")
    for e in application.exemptions:
        args += ["--exemption", e]
    if application.visa_class:
        args += ["--visa-class", application.visa_class]
    if application.applicant_group:
        args += ["--applicant-group", application.applicant_group]
    result = CliRunner().invoke(cli_app, args)
    assert result.exit_code == 0, result.output
    assert _summary(json.loads(result.stdout)) == want

    # HTTP
    proc, token = servers(c["policy"], doc, _case_doc_path(case.id))
    body = json.loads(application.model_dump_json())
    body = {k: v for k, v in body.items() if v is not None}
    body["application_id"] = _slug(case.id)
    r = httpx.post(proc.base_url + "/v1/decisions", json=body,
                   headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 200, r.text
    assert _summary(r.json()) == want


def test_eritrea_b1b2_without_a_class_needs_information_on_every_path(servers: Any) -> None:
    """The issue's own example: ERI visit on 2018-01-01 under us-243d without a class is never `proceed`."""
    from visalever.policy import Application, load_policy

    policy = load_policy("us-243d")
    app_ = Application(application_id="eri", nationality="ERI", category="visit",
                       application_date=dt.date(2018, 1, 1))
    lib = decide(app_, policy)
    assert lib.outcome == "needs_information" and [m.field for m in lib.missing] == ["visa_class"]
    frame = pl.DataFrame([app_.model_dump()], schema_overrides={
        "exemptions": pl.List(pl.String), "visa_class": pl.String, "applicant_group": pl.String,
        "application_date": pl.Date})
    assert replay(frame, policy).get_column("outcome").to_list() == ["needs_information"]
    cli = CliRunner().invoke(cli_app, ["decide", "--policy", "us-243d", "--nationality", "ERI", "--category",
                                       "visit", "--date", "2018-01-01", "--format", "json"])
    assert cli.exit_code == 0 and json.loads(cli.stdout)["outcome"] == "needs_information"
    proc, token = servers("us-243d", {}, "eri")
    r = httpx.post(proc.base_url + "/v1/decisions", headers={"Authorization": f"Bearer {token}"}, json={
        "application_id": "eri-1", "nationality": "ERI", "category": "visit",
        "application_date": "2018-01-01"})
    assert r.status_code == 200 and r.json()["outcome"] == "needs_information", r.text
    assert r.json()["missing"][0]["field"] == "visa_class"
    for spelling in ("B1/B2", "b2", "B-1/B-2"):
        r = httpx.post(proc.base_url + "/v1/decisions", headers={"Authorization": f"Bearer {token}"}, json={
            "application_id": f"eri-{spelling}", "nationality": "ERI", "category": "visit",
            "application_date": "2018-01-01", "visa_class": spelling})
        assert r.status_code == 200 and r.json()["outcome"] == "suspended", (spelling, r.text)
    r = httpx.post(proc.base_url + "/v1/decisions", headers={"Authorization": f"Bearer {token}"}, json={
        "application_id": "eri-bad", "nationality": "ERI", "category": "visit",
        "application_date": "2018-01-01", "visa_class": "Z9"})
    assert r.status_code == 422 and "B-1/B-2" in r.json()["error"], r.text
