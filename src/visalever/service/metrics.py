"""Prometheus metrics of the decision service: decisions by outcome, group-commit batch sizes and
decision latency, served at `/metrics` (routes_ops).

Why these three: outcomes show what the service is deciding (a jump in `quota_exhausted` or
`needs_information` is a policy or data event), batch sizes show whether group commit is working
under load, and the latency histogram is the service-level objective. Outcomes are counted after
COMMIT (a rolled-back decision was never made). With several worker processes (`serve --workers N`)
`serve` points `PROMETHEUS_MULTIPROC_DIR` at a fresh directory so that a scrape of any worker sums
all of them.
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from visalever.service import db

DECISIONS = Counter("visalever_decisions", "Decisions recorded (committed), by outcome", ["outcome"])
BATCH_SIZE = Histogram("visalever_decision_batch_size",
                       "Decisions recorded per write transaction (group commit)",
                       buckets=(1, 2, 4, 8, 16, 32, 64))
LATENCY = Histogram("visalever_decision_seconds",
                    "Time from the request's arrival to its answer, POST /v1/decisions",
                    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
_BY_OUTCOME: dict[str, Any] = {}


def _count(tx: db.Tx) -> None:
    for outcome in tx.outcomes or ():
        child = _BY_OUTCOME.get(outcome)
        if child is None:
            child = _BY_OUTCOME[outcome] = DECISIONS.labels(outcome=outcome)
        child.inc()


db.AFTER_COMMIT.append(_count)


def observe_batch(size: int) -> None:
    """One write transaction carried `size` decisions."""
    BATCH_SIZE.observe(size)


def observe_latency(seconds: float) -> None:
    """One decision request answered after `seconds`."""
    LATENCY.observe(seconds)


def exposition() -> tuple[bytes, str]:
    """The text exposition format (all worker processes when multiprocess mode is on)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    from prometheus_client import REGISTRY

    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
