"""Group commit: several decisions in one write transaction keep every per-request guarantee.

Real SQLite file and real PostgreSQL database, in process (the batch is what the server builds from
the requests that arrive together): a repeated key replays, a reused key with another body and an
unknown exemption are rejected without leaving anything behind, the cap is applied one decision
after another, and the audit chain links and agrees with the tables.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from visalever.service import audit, group_commit, quotas
from visalever.service.db import read_tx, write_tx
from visalever.service.errors import Conflict, ServiceError
from visalever.service.schemas import DecisionRequest, QuotaRequest


def _req(app_id: str, **extra: object) -> DecisionRequest:
    return DecisionRequest.model_validate({"application_id": app_id, "nationality": "IND",
                                           "category": "work", "application_date": "2026-03-10", **extra})


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'batch.db'}"
    return request.getfixturevalue("pg").create_database()


def test_batch_keeps_idempotency_caps_and_audit(db_url: str) -> None:
    from visalever.service.app import create_app

    app = create_app(db_url)
    engine, runtime = app.state.engine, app.state.runtime
    with write_tx(engine) as tx:
        quotas.create(tx, QuotaRequest.model_validate(
            {"quota_id": "cap", "nationality": "IND", "category": "work", "start": "2026-01-01",
             "end": "2026-12-31", "limit": 2}), None)
    items = [
        (_req("a"), "k-a", "tok"),
        (_req("a"), "k-a", "tok"),                        # same key, same body: replays the first answer
        (_req("other"), "k-a", "tok"),                    # same key, another body: 409
        (_req("x", exemptions=["no-such-exemption"]), "k-x", "tok"),  # 422, nothing written
        (_req("b"), "k-b", "tok"),
        (_req("c"), "k-c", "tok"),                        # the cap of 2 is used up by a and b
        (_req("b"), "k-b", "tok"),                        # a repeat later in the batch replays too
    ]
    out = group_commit.record_batch(engine, runtime, items)
    assert out[1] == out[0] and isinstance(out[0], tuple)
    assert isinstance(out[2], Conflict)
    assert isinstance(out[3], ServiceError) and "exemptions" in out[3].message
    outcomes = [decisions_outcome(o) for o in (out[0], out[4], out[5])]
    assert outcomes == ["proceed", "proceed", "quota_exhausted"]
    assert out[6] == out[4]
    with read_tx(engine) as tx:
        assert tx.first("SELECT used FROM quotas WHERE quota_id = 'cap'") == (2,)
        assert tx.first("SELECT count(*) FROM decisions")[0] == 3  # type: ignore[index]
        assert tx.first("SELECT count(*) FROM idempotency_keys WHERE idem_key = 'k-x'")[0] == 0  # type: ignore[index]
        report = audit.verify(tx)
        assert report.ok, report
    again = group_commit.record_batch(engine, runtime, [(_req("a"), "k-a", "tok"), (_req("d"), "k-d", "tok")])
    assert again[0] == out[0] and decisions_outcome(again[1]) == "quota_exhausted"
    engine.dispose()


def decisions_outcome(result: object) -> str:
    import orjson

    assert isinstance(result, tuple) and result[0] == 200
    return orjson.loads(result[1])["outcome"]


def test_batch_redecides_when_designations_moved(db_url: str) -> None:
    """Another process amended the designations since this one last decided: the batch is decided
    again under the new version (PostgreSQL decides before taking its locks, then checks)."""
    from visalever.service.app import create_app

    app = create_app(db_url)
    engine, runtime = app.state.engine, app.state.runtime
    first = group_commit.record_batch(engine, runtime, [(_req("v1"), None, "tok"), (_req("v2"), None, "tok")])
    assert [decisions_outcome(o) for o in first] == ["proceed", "proceed"]
    before = runtime.designations_version
    with write_tx(engine) as tx:
        tx.run("UPDATE counters SET value = value + 1 WHERE name = 'designations'")
    again = group_commit.record_batch(engine, runtime, [(_req("v3"), None, "tok"), (_req("v4"), None, "tok")])
    assert [decisions_outcome(o) for o in again] == ["proceed", "proceed"]
    assert runtime.designations_version == before + 1
    engine.dispose()


def test_only_proceed_consumes_a_quota(db_url: str) -> None:
    """`not_required` (a visa-free national) and `invalid` (the regime's own nationals) never take a
    unit, even under a quota for their nationality and category; the audit cross-check agrees."""
    from visalever.service.app import create_app

    app = create_app(db_url)
    engine, runtime = app.state.engine, app.state.runtime
    with write_tx(engine) as tx:
        for quota_id, nat, cat in (("fra-visit", "FRA", "visit"), ("gbr-work", "GBR", "work")):
            quotas.create(tx, QuotaRequest.model_validate(
                {"quota_id": quota_id, "nationality": nat, "category": cat, "start": "2026-01-01",
                 "end": "2026-12-31", "limit": 1}), None)
    items = [(DecisionRequest.model_validate({"application_id": f"o{i}", "nationality": nat, "category": cat,
                                              "application_date": "2026-03-10"}), f"o{i}", "tok")
             for i, (nat, cat) in enumerate([("FRA", "visit"), ("FRA", "visit"), ("GBR", "work")])]
    out = group_commit.record_batch(engine, runtime, items)
    assert [decisions_outcome(o) for o in out] == ["not_required", "not_required", "invalid"]
    with read_tx(engine) as tx:
        used = tx.all("SELECT quota_id, used FROM quotas ORDER BY quota_id")
        assert used == [("fra-visit", 0), ("gbr-work", 0)]
        report = audit.verify(tx)
        assert report.ok, report
    engine.dispose()


def test_tokens_checked_inside_the_batch_postgres(pg) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL reads each caller's token in the batch's own transaction: in one batch a valid
    caseworker is recorded under its token_id, while a revoked, an expired, an unknown and a viewer
    token get 401/401/401/403 and leave nothing behind (no decision, no key, no audit entry)."""
    from fastapi import HTTPException

    from visalever.service.app import create_app
    from visalever.service.group_commit import BearerToken
    from visalever.service.tokens import create_token_with_id, revoke_token

    app = create_app(pg.create_database())
    engine, runtime, store = app.state.engine, app.state.runtime, app.state.tokens
    id_cw, caseworker = create_token_with_id(engine, "caseworker")
    id_rev, revoked = create_token_with_id(engine, "caseworker")
    _, expired = create_token_with_id(engine, "caseworker", expires_at="2020-01-01T00:00:00+00:00")
    _, viewer = create_token_with_id(engine, "viewer")
    revoke_token(engine, id_rev)
    callers = [caseworker, revoked, expired, "vl_unknown", viewer]
    items = [(_req(f"t{i}"), f"t{i}", BearerToken.of(token)) for i, token in enumerate(callers)]
    out = group_commit.record_batch(engine, runtime, items, store)
    assert decisions_outcome(out[0]) == "proceed"
    statuses = [o.status_code if isinstance(o, HTTPException) else o for o in out[1:]]
    assert statuses == [401, 401, 401, 403], out
    assert "revoked" in out[1].detail and "expired" in out[2].detail
    with read_tx(engine) as tx:
        assert tx.all("SELECT application_id, token_id FROM decisions") == [("t0", id_cw)]
        assert tx.all("SELECT idem_key FROM idempotency_keys") == [("t0",)]
        assert tx.first("SELECT count(*) FROM audit_log WHERE kind = 'decision'") == (1,)
        assert audit.verify(tx).ok
    engine.dispose()


def test_designations_loaded_meanwhile_decide_again_postgres(pg, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL decides a batch outside any transaction with the designations this process holds;
    when another request of the process loads newer ones in the middle, the batch is decided again
    under them (never with a half-known version, never a crash)."""
    from visalever.service.app import create_app
    from visalever.service.runtime import PolicyRuntime

    app = create_app(pg.create_database())
    engine, runtime = app.state.engine, app.state.runtime
    assert decisions_outcome(group_commit.record_batch(engine, runtime, [(_req("r0"), None, "tok")])[0]) \
        == "proceed"
    with write_tx(engine) as tx:
        tx.run("UPDATE counters SET value = value + 1 WHERE name = 'designations'")
    real = PolicyRuntime.decide
    calls: list[int] = []

    def racing(self, tx, req, version=None):  # type: ignore[no-untyped-def]
        if not calls:  # another request of this process loads the new version first
            with read_tx(engine) as other:
                self.designations_for(other)
        calls.append(1)
        return real(self, tx, req, version)

    monkeypatch.setattr(PolicyRuntime, "decide", racing)
    batches: list[int] = []
    real_record = group_commit.PgGroupCommit.record

    async def counted(self, items):  # type: ignore[no-untyped-def]
        batches.append(len(items))
        return await real_record(self, items)

    monkeypatch.setattr(group_commit.PgGroupCommit, "record", counted)
    out = group_commit.record_batch(engine, runtime, [(_req("r1"), None, "tok"), (_req("r2"), None, "tok")])
    assert [decisions_outcome(o) for o in out] == ["proceed", "proceed"]
    assert batches == [2]  # decided again inside the batch, not item by item after a failure
    with read_tx(engine) as tx:
        assert tx.first("SELECT count(*) FROM decisions")[0] == 3  # type: ignore[index]
        assert audit.verify(tx).ok
    engine.dispose()
