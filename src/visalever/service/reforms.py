"""Reform YAML uploaded by callers: validated in memory, stored in the database with its owner and
hash, and named by id (never by a file path) in `POST /v1/simulations`.

Why: the simulator used to take `policy`/`baseline` as file paths, so a caller could make the server
open any `.yaml` file (or probe for others), and the dashboard's upload wrote every file to a temp
folder before checking it. Now an upload is size-limited, parsed by the strict YAML reader (which
refuses deep nesting and alias bombs with a one-line error), checked for non-http(s) URLs, built and
validated as a whole policy by `visalever.policy.loader.load_policy_text`, and only then stored.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from collections import OrderedDict
from typing import Any

from sqlalchemy import Engine

from visalever.errors import InputError
from visalever.service.canonical import now_iso
from visalever.service.db import Tx, read_tx, write_tx
from visalever.service.errors import ServiceError, Unprocessable
from visalever.service.urls import check_urls

MAX_REFORM_BYTES = 256 * 1024
REFORM_ID = re.compile(r"^rf_[0-9a-f]{20}$")
UPLOAD_ORIGIN = "reform file"
_LIST_COLUMNS = "reform_id, policy_id, extends, sha256, size, created_at, owner"


class TooLarge(ServiceError):
    """A body over the limit of its endpoint."""

    status = 413


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())


def validate(raw: bytes, origin: str = UPLOAD_ORIGIN) -> tuple[str, Any]:
    """Check an uploaded reform entirely in memory; returns (text, Policy) or raises 413/422."""
    if len(raw) > MAX_REFORM_BYTES:
        raise TooLarge(f"{origin}: larger than {MAX_REFORM_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise Unprocessable(f"{origin}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    from visalever.policy.loader import load_policy_text
    from visalever.policy.yamlio import parse_yaml_text

    try:
        data = parse_yaml_text(text, origin)
    except InputError as err:
        raise Unprocessable(_one_line(err)) from None
    if not isinstance(data, dict):
        raise Unprocessable(f"{origin}: expected a YAML mapping (id, extends, ...)")
    if "designations_file" in data:  # names a file on the server: not for callers
        raise Unprocessable(f"{origin}:designations_file: not allowed in an upload; list designations "
                            "in the reform itself")
    problem = check_urls(data)
    if problem is not None:
        raise Unprocessable(f"{origin}:{problem}")
    try:
        policy = load_policy_text(text, origin)
    except InputError as err:
        raise Unprocessable(_one_line(err)) from None
    except (ValueError, TypeError, KeyError, RecursionError) as err:  # a rule the schema did not catch
        raise Unprocessable(f"{origin}: {_one_line(err)}") from None
    return text, policy


def store(engine: Engine, owner: str, text: str, policy: Any) -> tuple[bool, dict[str, Any]]:
    """Keep a validated reform for `owner`; the same text from the same owner is the same reform.

    Returns (created, row)."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    for _ in range(3):
        with write_tx(engine) as tx:
            row = _find(tx, "owner = ? AND sha256 = ?", (owner, digest))
            if row is not None:
                return False, row
            reform_id = "rf_" + secrets.token_hex(10)
            tx.run("INSERT INTO reforms (reform_id, owner, sha256, policy_id, extends, size, body, "
                   "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   (reform_id, owner, digest, policy.id, policy.extends, len(text.encode("utf-8")), text,
                    now_iso()))
            return True, _find(tx, "reform_id = ?", (reform_id,))  # type: ignore[return-value]
    raise RuntimeError("could not allocate a reform id")  # pragma: no cover - 80 random bits


def _view(row: tuple[Any, ...]) -> dict[str, Any]:
    reform_id, policy_id, extends, digest, size, created, owner = row
    return {"id": reform_id, "policy_id": policy_id, "extends": extends, "sha256": digest, "size": size,
            "created": created, "owner": owner}


def _find(tx: Tx, where: str, params: tuple[Any, ...]) -> dict[str, Any] | None:
    row = tx.first(f"SELECT {_LIST_COLUMNS} FROM reforms WHERE {where}", params)
    return _view(row) if row is not None else None


def list_for(engine: Engine, owner: str) -> list[dict[str, Any]]:
    """The reforms `owner` uploaded, oldest first (no bodies)."""
    with read_tx(engine) as tx:
        rows = tx.all(f"SELECT {_LIST_COLUMNS} FROM reforms WHERE owner = ? ORDER BY created_at, reform_id",
                      (owner,))
    return [_view(r) for r in rows]


_CACHE: OrderedDict[tuple[str, str], Any] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def load_for(engine: Engine, reform_id: str, owner: str, field: str) -> Any:
    """The Policy of reform `reform_id` uploaded by `owner` (422 naming `field` otherwise)."""
    if not REFORM_ID.match(reform_id):
        raise Unprocessable(f"{field}: {reform_id!r} is not a reform id")
    with read_tx(engine) as tx:
        row = tx.first("SELECT body, sha256 FROM reforms WHERE reform_id = ? AND owner = ?",
                       (reform_id, owner))
    if row is None:
        raise Unprocessable(f"{field}: no reform {reform_id!r} uploaded with this token "
                            "(see GET /v1/reforms)")
    key = (reform_id, row[1])
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    from visalever.policy.loader import load_policy_text

    try:
        policy = load_policy_text(row[0], f"reform {reform_id}")
    except InputError as err:  # valid when stored; the packaged policy it extends changed since
        raise Unprocessable(f"{field}: reform {reform_id} no longer loads: {_one_line(err)}") from None
    with _CACHE_LOCK:
        _CACHE[key] = policy
        while len(_CACHE) > 32:
            _CACHE.popitem(last=False)
    return policy
