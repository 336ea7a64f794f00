"""Canonical JSON, hashes and timestamps shared by every record the service writes.

Canonical JSON (sorted keys, no spaces, UTF-8) is what the audit chain hashes and what idempotency
fingerprints compare, so two byte-different but equal bodies are the same request.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import orjson


def now_iso() -> str:
    """UTC time with microseconds, ISO 8601 (sortable as text on both backends)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def canonical_json(data: Any) -> str:
    """Deterministic JSON text for hashing and storage."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical_json_fast(data: Any) -> str:
    """`canonical_json` through orjson (sorted keys, compact, UTF-8) for the decision hot path, where the
    stdlib encoder was a tenth of the CPU; falls back to the stdlib for values orjson does not know."""
    try:
        return orjson.dumps(data, option=orjson.OPT_SORT_KEYS).decode("utf-8")
    except TypeError:
        return canonical_json(data)


def sha256_hex(text: str) -> str:
    """Hex SHA-256 of UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
