"""The policy engine as the decision service sees it: one loaded policy plus the designations stored
in the database, re-read whenever the designations version counter moves.

Why a runtime object: loading and resolving a policy is far slower than deciding, so each process
keeps the policy with the database's designations applied and replaces it only when the version
counter (read inside the decision transaction) changes, which is how an amendment made through any
process applies immediately in all of them.
"""

from __future__ import annotations

import threading
from typing import Any

from pydantic import ValidationError

from visalever.errors import InputError
from visalever.service import designations as store
from visalever.service.db import Tx
from visalever.service.errors import Unprocessable
from visalever.service.schemas import DecisionRequest


def _iso(day: Any) -> str | None:
    return day.isoformat() if day is not None else None


def _validation_error(err: ValidationError, prefix: str = "") -> Unprocessable:
    from visalever.service.http import validation_message

    message, detail = validation_message([{**e, "loc": (prefix, *e["loc"]) if prefix else e["loc"]}
                                          for e in err.errors(include_url=False)])
    return Unprocessable(message, detail=detail)


class DesignationsMoved(Exception):
    """The designations this process applies changed while a caller decided without a transaction:
    load them (`designations_for` with a transaction) and decide again."""


class PolicyRuntime:
    """One policy, with the database's designations applied, cached per designations version."""

    def __init__(self, policy_id: str) -> None:
        from visalever.policy import load_policy

        self.policy_id = policy_id
        self.base_policy = load_policy(policy_id)
        self._lock = threading.Lock()
        self._version: int | None = None
        self._designations: Any = None
        self._dumps: dict[int, tuple[Any, Any]] = {}
        self._build_lock = threading.Lock()
        self._built: set[tuple[Any, Any]] = set()

    @property
    def jurisdiction(self) -> str:
        """The policy's jurisdiction (uk, eu, us)."""
        return self.base_policy.jurisdiction

    def packaged_designations(self) -> list[dict[str, Any]]:
        """The designations shipped with the regime (seed for a fresh database); a reform's own
        hypothetical designations stay with the policy and are never stored as acts."""
        return [d.model_dump(mode="json") for d in self.base_policy.designations if not d.hypothetical]

    def validate_designation(self, data: Any, prefix: str = "") -> dict[str, Any]:
        """Validate a designation body against the engine's schema and this policy's measures."""
        from visalever.policy.loader import validate_designation
        from visalever.policy.models import Designation

        try:
            designation = Designation.model_validate(data)
        except ValidationError as err:
            raise _validation_error(err, prefix) from None
        try:
            validate_designation(designation, self.base_policy)
        except InputError as err:
            raise Unprocessable(str(err)) from None
        return designation.model_dump(mode="json")

    def designations_for(self, tx: Tx | None, version: int | None = None) -> Any:
        """The stored designations as the engine's `DesignationSet`, refreshed when the version moved.

        `version` is the counter when the caller already read it in this transaction (one statement
        fewer on the hot path)."""
        current = store.version(tx) if version is None else int(version)
        if current == self._version:
            return self._designations
        if tx is None:  # a caller deciding outside a transaction (PostgreSQL group commit)
            raise DesignationsMoved(f"designations version {current} is not the one loaded ({self._version})")
        with self._lock:
            if current != self._version:
                from visalever.policy.models import Designation
                from visalever.policy.resolve import DesignationSet

                stored = [Designation.model_validate(b) for b in store.list_all(tx)]
                stored = [d for d in stored if d.jurisdiction == self.base_policy.jurisdiction]
                self._designations = DesignationSet(stored)
                self._version = current
        return self._designations

    def measures(self, tx: Tx, as_of: Any) -> Any:
        """The engine's measures table on `as_of` with the stored designations."""
        from visalever.policy import resolve

        return resolve(self.base_policy, as_of, designations=self.designations_for(tx))

    @property
    def designations_version(self) -> int | None:
        """The version of the designations currently applied in this process."""
        return self._version

    def decide(self, tx: Tx | None, req: DecisionRequest, version: int | None = None) -> dict[str, Any]:
        """The engine's Decision for `req` as a JSON-ready dict (decision_id filled in by the caller)."""
        from visalever.policy import Application, decide

        policy = self.base_policy
        designations = self.designations_for(tx, version)
        self._ensure_table(designations, req.application_date)
        unknown = [e for e in req.exemptions if e not in policy.exemptions]
        if unknown:
            known = ", ".join(sorted(policy.exemptions)) or "none"
            raise Unprocessable(f"exemptions: unknown exemption {unknown[0]!r} (this policy knows: {known})")
        application = Application.model_construct(
            application_id=req.application_id, nationality=req.nationality, category=req.category,
            application_date=req.application_date, priority_service=req.priority_service,
            exemptions=list(req.exemptions), visa_class=req.visa_class, applicant_group=req.applicant_group)
        return self._to_json(decide(application, policy, designations=designations))

    def _ensure_table(self, designations: Any, as_of: Any) -> None:
        """Build the measures table for (designations, date) once, in one thread at a time.

        Why: the first table of a process costs about 1 s of CPU (assessments for every country) and
        later dates ~30 ms. On PostgreSQL decisions run in worker threads; without this lock all 16
        concurrent requests built the same table at once, fighting for the GIL, so nothing finished
        for seconds and even the event loop (/healthz) starved (the PostgreSQL bench anomaly). The
        others now wait on the lock (GIL released) and then find the table in the engine's cache.
        """
        key = (getattr(designations, "version", None), as_of)
        if key in self._built:
            return
        from visalever.policy import resolve

        with self._build_lock:
            if key in self._built:
                return
            resolve(self.base_policy, as_of, designations=designations)
            if len(self._built) >= 128:  # the engine keeps 256 tables; forgetting only costs a lock trip
                self._built.clear()
            self._built.add(key)

    def _cached_dump(self, obj: Any) -> Any:
        """model_dump(mode="json") of an immutable engine object, cached by identity (reasons and policy
        references are shared by every decision of a measures-table row)."""
        hit = self._dumps.get(id(obj))
        if hit is not None and hit[0] is obj:
            return hit[1]
        dumped = obj.model_dump(mode="json")
        if len(self._dumps) > 50_000:
            self._dumps.clear()
        self._dumps[id(obj)] = (obj, dumped)
        return dumped

    def _to_json(self, d: Any) -> dict[str, Any]:
        """The Decision as plain JSON values through the engine's one serialisation (shared parts cached)."""
        from visalever.policy.decide import decision_json

        return decision_json(d, self._cached_dump)
