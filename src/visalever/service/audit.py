"""Append-only audit log: every decision, quota and designation change, chained, keyed and checkpointed.

Each entry's hash covers its sequence number, time, kind, subject, actor, payload and the previous
entry's hash, so altering, deleting or reordering any row breaks the chain at that row. The chain
head (last seq and hash) lives in the `counters` table; appends lock it (`FOR UPDATE` on PostgreSQL,
`BEGIN IMMEDIATE` on SQLite), which both serialises appends and lets `verify` notice a lost tail.

Why a key and checkpoints: a plain SHA-256 chain only shows accidents. Someone who can write to the
database can recompute every hash with this very code, or cut the tail and reset the head. With an
audit key (HMAC-SHA256, held OUTSIDE the database: `VISALEVER_AUDIT_KEY_FILE` or
`VISALEVER_AUDIT_KEY`, made by `visalever audit keygen`) a rewritten entry no longer verifies, and the
service appends signed checkpoints (head seq + hash) to a file outside the database
(`VISALEVER_AUDIT_CHECKPOINTS`), so a truncated log no longer reaches a checkpoint it once had.
`verify` also cross-checks the decisions, idempotency and quota tables against the log, which an
insider would otherwise edit instead of the log.
"""

from __future__ import annotations

import atexit
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from visalever.errors import InputError
from visalever.service import db
from visalever.service.canonical import canonical_json, canonical_json_fast, now_iso, sha256_hex
from visalever.service.db import Tx

GENESIS = "0" * 64
KEY_FILE_ENV = "VISALEVER_AUDIT_KEY_FILE"
KEY_ENV = "VISALEVER_AUDIT_KEY"
CHECKPOINTS_ENV = "VISALEVER_AUDIT_CHECKPOINTS"
CHECKPOINT_INTERVAL_ENV = "VISALEVER_AUDIT_CHECKPOINT_INTERVAL"
DEFAULT_CHECKPOINT_INTERVAL_S = 1.0
UNKEYED_WARNING = ("UNKEYED: no audit key configured; the chain is a plain SHA-256 chain, tamper-evident "
                   "only against accidents: anyone who can write to the database can rewrite it "
                   f"undetected (create a key with `visalever audit keygen`, give it with {KEY_FILE_ENV})")
NO_CHECKPOINTS_WARNING = ("no checkpoint file given: a log cut short together with its head, decisions, "
                          "keys and quotas cannot be told from a shorter history "
                          f"(give --checkpoints or {CHECKPOINTS_ENV})")


# --- the key ---------------------------------------------------------------------------------------


def read_key(path: str | Path) -> bytes:
    """The 32-byte audit key from a file holding 64 hex digits (as written by `audit keygen`)."""
    try:
        text = Path(path).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read the audit key: {err}", location=KEY_FILE_ENV) from None
    return _parse_key(text, f"{KEY_FILE_ENV} ({path})")


def _parse_key(text: str, where: str) -> bytes:
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 32:
        raise InputError("the audit key must be at least 64 hex digits (32 bytes); "
                         "make one with `visalever audit keygen --out FILE`", location=where)
    return key


def write_new_key(path: str | Path) -> Path:
    """Create a new random key file readable only by its owner; refuses to overwrite an existing key
    (losing the key of a running log makes every later entry unverifiable)."""
    target = Path(path)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InputError(f"{target} already exists; an audit key is never overwritten",
                         location="--out") from None
    except OSError as err:
        raise InputError(f"cannot create {target}: {err}", location="--out") from None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return target


@dataclass
class Settings:
    """Where the key and the checkpoint file come from in this process."""

    key: bytes | None = None
    checkpoints: Path | None = None
    interval: float = DEFAULT_CHECKPOINT_INTERVAL_S


_SETTINGS: Settings | None = None


def settings_from_env() -> Settings:
    """Read the key and checkpoint settings from the environment (what `serve` passes to workers)."""
    key = None
    if os.environ.get(KEY_FILE_ENV):
        key = read_key(os.environ[KEY_FILE_ENV])
    elif os.environ.get(KEY_ENV):
        key = _parse_key(os.environ[KEY_ENV].strip(), KEY_ENV)
    path = os.environ.get(CHECKPOINTS_ENV) or None
    interval = float(os.environ.get(CHECKPOINT_INTERVAL_ENV) or DEFAULT_CHECKPOINT_INTERVAL_S)
    if path and key is None:
        raise InputError("signed checkpoints need the audit key; give it too", location=CHECKPOINTS_ENV)
    return Settings(key, Path(path) if path else None, interval)


def settings() -> Settings:
    """This process's settings (read from the environment on first use)."""
    global _SETTINGS
    if _SETTINGS is None:
        configure(settings_from_env())
    return _SETTINGS  # type: ignore[return-value]


def configure(new: Settings) -> None:
    """Use `new` from now on (the environment is read by default; tests and the CLI call this)."""
    global _SETTINGS, _KEY, _CHECKPOINTER
    _SETTINGS = new
    _KEY = new.key
    old, _CHECKPOINTER = _CHECKPOINTER, (Checkpointer(new.checkpoints, new.key, new.interval)
                                         if new.checkpoints is not None and new.key is not None else None)
    if old is not None:
        old.flush()


_KEY: bytes | None = None


def entry_hash(prev_hash: str, seq: int, recorded_at: str, kind: str, subject: str, actor: str | None,
               payload: str, key: bytes | None | bool = True) -> str:
    """The hash of one entry, chained to the previous one: HMAC-SHA256 under the audit key when one is
    configured (`key=True`, the default), plain SHA-256 with `key=None`.

    orjson gives the same canonical text as the stdlib encoder for these strings and integers, at a
    fraction of the cost on the decision path."""
    body = canonical_json_fast({"seq": seq, "recorded_at": recorded_at, "kind": kind, "subject": subject,
                                "actor": actor, "payload": payload})
    if key is True:
        if _SETTINGS is None:
            settings()
        key = _KEY
    if key:
        return hmac.new(key, (prev_hash + "\n" + body).encode("utf-8"), hashlib.sha256).hexdigest()
    return sha256_hex(prev_hash + "\n" + body)


# --- appending ---------------------------------------------------------------------------------------

_INSERT_SQL = ("INSERT INTO audit_log (seq, recorded_at, kind, subject, actor, payload, prev_hash, "
               "entry_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
_HEAD_UPDATE_SQL = "UPDATE counters SET value = ?, text_value = ? WHERE name = 'audit_head'"


def append(tx: Tx, kind: str, subject: str, actor: str | None, payload: dict[str, Any] | None = None, *,
           payload_text: str | None = None) -> int:
    """Append one entry inside the caller's write transaction; returns its sequence number.

    `payload_text` (canonical JSON) may be given instead of `payload` when the caller already has it.
    """
    head_seq, head_hash = tx.first(  # type: ignore[misc]
        "SELECT value, text_value FROM counters WHERE name = 'audit_head'" + tx.for_update())
    seq = int(head_seq) + 1
    at = now_iso()
    if payload_text is None:
        payload_text = canonical_json(payload)
    digest = entry_hash(head_hash, seq, at, kind, subject, actor, payload_text)
    tx.run(_INSERT_SQL, (seq, at, kind, subject, actor, payload_text, head_hash, digest))
    tx.run(_HEAD_UPDATE_SQL, (seq, digest))
    tx.head = (seq, digest)
    return seq


# --- checkpoints -------------------------------------------------------------------------------------


def checkpoint_mac(key: bytes, seq: int, entry: str, at: str) -> str:
    """The signature of one checkpoint line."""
    return hmac.new(key, f"checkpoint\n{seq}\n{entry}\n{at}".encode(), hashlib.sha256).hexdigest()


class Checkpointer:
    """Appends `{"seq", "hash", "at", "mac"}` lines for committed chain heads to a file outside the DB.

    Heads are noted after COMMIT only (a rolled-back head would be a false alarm). With interval 0
    every commit writes its line at once; otherwise a daemon thread writes the newest head at most
    once per interval, and the last one at exit. One `write` of one short line on an O_APPEND file
    descriptor, so several processes can share the file on one machine.
    """

    def __init__(self, path: Path, key: bytes, interval: float) -> None:
        self.path = path
        self.key = key
        self.interval = max(0.0, interval)
        self._lock = threading.Lock()
        self._latest: tuple[int, str] | None = None
        self._written = 0
        self._fd: int | None = None
        self._thread: threading.Thread | None = None
        atexit.register(self.flush)

    def note(self, seq: int, digest: str) -> None:
        """Remember a committed head (called by the transaction runner after COMMIT)."""
        with self._lock:
            if self._latest is None or seq > self._latest[0]:
                self._latest = (seq, digest)
        if self.interval == 0:
            self.flush()
        elif self._thread is None:
            self._thread = threading.Thread(target=self._run, name="audit-checkpoint", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            time.sleep(self.interval)
            self.flush()

    def flush(self) -> None:
        """Write the newest noted head if no line for it was written yet."""
        with self._lock:
            if self._latest is None or self._latest[0] <= self._written:
                return
            seq, digest = self._latest
            at = now_iso()
            line = json.dumps({"seq": seq, "hash": digest, "at": at,
                               "mac": checkpoint_mac(self.key, seq, digest, at)}, separators=(",", ":"))
            if self._fd is None:
                self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            os.write(self._fd, (line + "\n").encode("ascii"))
            self._written = seq


_CHECKPOINTER: Checkpointer | None = None


def flush_checkpoints() -> None:
    """Write the newest committed head now (at shutdown), if checkpoints are configured."""
    if _CHECKPOINTER is not None:
        _CHECKPOINTER.flush()


def _after_commit(tx: Tx) -> None:
    """Hook run by `db` after each COMMIT of a transaction that appended to the chain."""
    if _SETTINGS is None:
        settings()
    if _CHECKPOINTER is not None and tx.head is not None:
        _CHECKPOINTER.note(*tx.head)


db.AFTER_COMMIT.append(_after_commit)


def read_checkpoints(path: str | Path, key: bytes | None) -> dict[int, tuple[str, int]]:
    """seq -> (hash, line number) of every checkpoint line; a malformed or unsigned line is an error."""
    out: dict[int, tuple[str, int]] = {}
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise InputError(f"cannot read the checkpoint file: {err}", location="--checkpoints") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            seq, digest, at, mac = int(item["seq"]), str(item["hash"]), str(item["at"]), str(item["mac"])
        except (ValueError, KeyError, TypeError):
            raise CheckpointError(f"checkpoint line {number} is not a checkpoint "
                                  "(expected {seq, hash, at, mac})") from None
        if key is not None and not hmac.compare_digest(mac, checkpoint_mac(key, seq, digest, at)):
            raise CheckpointError(f"checkpoint line {number} (entry {seq}) does not carry a valid "
                                  "signature under the audit key: the file was edited, or another key")
        out[seq] = (digest, number)
    return out


class CheckpointError(Exception):
    """A checkpoint file that cannot be trusted as it is."""


# --- verification ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """The result of walking the chain: `ok`, how many entries, and the first broken link if any.

    `keyed` says whether the chain was checked under the audit key; `checkpoints` how many checkpoint
    lines were checked (None: no file given); `warnings` what the result does NOT show."""

    ok: bool
    entries: int
    first_broken_seq: int | None = None
    reason: str | None = None
    keyed: bool = False
    checkpoints: int | None = None
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON form for the API and the CLI."""
        return asdict(self)


def _rows(tx: Tx, batch: int) -> Iterator[list[tuple[Any, ...]]]:
    """All entries in sequence order, in batches (keyset pagination: bounded memory)."""
    last = -(2**62)  # also finds rows whose seq was altered to zero or below
    while True:
        rows = tx.all("SELECT seq, recorded_at, kind, subject, actor, payload, prev_hash, entry_hash "
                      f"FROM audit_log WHERE seq > ? ORDER BY seq LIMIT {int(batch)}", (last,))
        if not rows:
            return
        yield rows
        last = int(rows[-1][0])


class _Broken(Exception):
    def __init__(self, seq: int | None, reason: str) -> None:
        super().__init__(reason)
        self.seq = seq
        self.reason = reason


def verify(tx: Tx, batch: int = 5000, *, key: bytes | None | bool = True,
           checkpoints: str | Path | list[str | Path] | None | bool = True,
           tables: bool = True) -> Verification:
    """Walk the whole chain in sequence order and report the first thing that does not check out.

    `key=True` / `checkpoints=True` use this process's settings (environment); `checkpoints` may
    name several files (one per host when several hosts serve one database); `tables`
    cross-checks decisions, idempotency keys and quotas against the log.
    """
    conf = settings()
    key = conf.key if key is True else (key or None)
    chosen = conf.checkpoints if checkpoints is True else (checkpoints or None)
    paths = [] if chosen is None else ([chosen] if isinstance(chosen, (str, Path)) else list(chosen))
    path = paths or None
    warnings = [] if key else [UNKEYED_WARNING]
    if path is None:
        warnings.append(NO_CHECKPOINTS_WARNING)
    progress = [0]
    marks: dict[int, tuple[str, int]] = {}
    try:
        if path is not None:
            if key is None:
                raise _Broken(None, "checkpoints are signed: verifying them needs the audit key")
            for one in paths:
                try:
                    for seq, (digest, line) in read_checkpoints(one, key).items():
                        if marks.get(seq, (digest,))[0] != digest:
                            raise _Broken(seq, f"two checkpoint files disagree on entry {seq}")
                        marks[seq] = (digest, line)
                except CheckpointError as err:
                    raise _Broken(None, f"{one}: {err}") from None
        _walk(tx, batch, key, marks, tables, progress)
    except _Broken as err:
        return Verification(False, progress[0], err.seq, err.reason,
                            keyed=key is not None, checkpoints=len(marks) if path is not None else None,
                            warnings=warnings)
    return Verification(True, progress[0], keyed=key is not None,
                        checkpoints=len(marks) if path is not None else None, warnings=warnings)


def _walk(tx: Tx, batch: int, key: bytes | None, marks: dict[int, tuple[str, int]], tables: bool,
          progress: list[int]) -> None:
    """Check every entry, then the head, the checkpoints beyond the log, and the tables; `progress[0]`
    counts the entries that checked out."""
    expected_seq = 1
    prev = GENESIS
    cross = _CrossCheck(tx) if tables else None
    for rows in _rows(tx, batch):
        for seq, at, kind, subject, actor, payload, prev_hash, stored in rows:
            seq = int(seq)
            if seq != expected_seq:
                if seq > expected_seq:
                    raise _Broken(expected_seq,
                                  f"entry {expected_seq} is missing (next entry found is {seq})")
                raise _Broken(seq, f"entry {seq} appears out of order")
            if prev_hash != prev:
                raise _Broken(seq, f"entry {seq} does not link to entry {seq - 1} (prev_hash differs): rows "
                                   "deleted, reordered or altered")
            if entry_hash(prev_hash, seq, at, kind, subject, actor, payload, key) != stored:
                raise _Broken(seq, _mismatch(key, seq, (prev_hash, seq, at, kind, subject, actor, payload),
                                             stored))
            mark = marks.get(seq)
            if mark is not None and mark[0] != stored:
                raise _Broken(seq, f"entry {seq} differs from the signed checkpoint on line {mark[1]}: "
                                   "the log was rewritten from there on")
            if cross is not None and kind == "decision":
                cross.add(seq, subject, actor, payload)
            prev = stored
            progress[0] = expected_seq
            expected_seq += 1
        if cross is not None:
            cross.check_batch()
    count = expected_seq - 1
    head_seq, head_hash = tx.first(  # type: ignore[misc]
        "SELECT value, text_value FROM counters WHERE name = 'audit_head'")
    if int(head_seq) != count or head_hash != prev:
        raise _Broken(count + 1, f"the chain head records {int(head_seq)} entries but only {count} link up: "
                                 f"entries after {count} are missing (or the head altered)")
    beyond = [s for s in marks if s > count]
    if beyond:
        seq = max(beyond)
        raise _Broken(count + 1, f"the log ends at entry {count} but the signed checkpoint on line "
                                 f"{marks[seq][1]} records entry {seq}: the log was cut short")
    if cross is not None:
        cross.check_totals()


def _mismatch(key: bytes | None, seq: int, parts: tuple[Any, ...], stored: str) -> str:
    if key is not None and entry_hash(*parts, key=None) == stored:
        return (f"entry {seq} is not keyed: its hash is a plain SHA-256, written by someone without the "
                "audit key (or before the key was introduced)")
    if key is None:
        return (f"entry {seq} was altered (its hash does not match its contents); if the service writes "
                f"with an audit key, verify with the same key ({KEY_FILE_ENV})")
    return f"entry {seq} was altered (its keyed hash does not match its contents)"


_DECISION_COLUMNS = ("decision_id, application_id, nationality, category, application_date, outcome, "
                     "quota_id, policy_id, policy_revision, idempotency_key, token_id, created_at, body")


class _CrossCheck:
    """Decisions, idempotency keys and quota usage must be exactly what the log says."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx
        self.pending: list[tuple[int, str, str | None, str]] = []
        self.decisions = 0
        self.grants: Counter[str] = Counter()

    def add(self, seq: int, subject: str, actor: str | None, payload: str) -> None:
        self.pending.append((seq, subject, actor, payload))

    def _in(self, sql: str, values: list[Any]) -> list[tuple[Any, ...]]:
        marks = ", ".join("?" for _ in values)
        return self.tx.all(sql.replace("(?*)", f"({marks})"), values) if values else []

    def check_batch(self) -> None:
        from visalever.service.idempotency import fingerprint_text

        if not self.pending:
            return
        rows = {r[0]: r for r in self._in(f"SELECT {_DECISION_COLUMNS} FROM decisions "
                                          "WHERE decision_id IN (?*)", [p[1] for p in self.pending])}
        keys_wanted = []
        parsed = []
        for seq, subject, actor, payload in self.pending:
            try:
                data = json.loads(payload)
                decision, key, request = data["decision"], data["idempotency_key"], data["input"]
            except (ValueError, KeyError, TypeError):
                raise _Broken(seq, f"entry {seq}: the decision payload is not a recorded decision") from None
            row = rows.get(subject)
            if row is None:
                raise _Broken(seq, f"entry {seq}: decision {subject!r} is in the log but not in the "
                                   "decisions table (row deleted)")
            _compare(seq, row, decision, key, actor, request)
            ledger = decision.get("quota_ledger") or {}
            if decision.get("outcome") == "proceed" and ledger.get("quota_id"):
                self.grants[ledger["quota_id"]] += 1
            if key is not None:
                keys_wanted.append(key)
                parsed.append((seq, key, row[12], fingerprint_text("POST", "/v1/decisions",
                                                                    canonical_json_fast(request))))
        stored_keys = {r[0]: r for r in self._in(
            "SELECT idem_key, fingerprint, status_code, response FROM idempotency_keys "
            "WHERE idem_key IN (?*)",
            keys_wanted)}
        for seq, key, body, fp in parsed:
            hit = stored_keys.get(key)
            if hit is None:
                raise _Broken(seq, f"entry {seq}: the Idempotency-Key {key!r} of this decision is missing "
                                   "from idempotency_keys (a retry would be granted again)")
            if hit[1] != fp or int(hit[2]) != 200 or hit[3] != body:
                raise _Broken(seq, f"entry {seq}: the stored answer for Idempotency-Key {key!r} differs "
                                   "from the logged decision (idempotency_keys row altered)")
        self.decisions += len(self.pending)
        self.pending = []

    def check_totals(self) -> None:
        total = int(self.tx.first("SELECT count(*) FROM decisions")[0])  # type: ignore[index]
        if total != self.decisions:
            raise _Broken(None, f"the decisions table holds {total} rows but the log records "
                                f"{self.decisions} decisions (rows inserted without an audit entry)")
        created = {}
        for seq, payload in self.tx.all("SELECT seq, payload FROM audit_log WHERE kind = 'quota.created'"):
            quota = json.loads(payload).get("quota", {})
            created[quota.get("quota_id")] = (int(seq), quota)
        for quota_id, nat, cat, start, end, limit, used in self.tx.all(
                "SELECT quota_id, nationality, category, start_date, end_date, quota_limit, used FROM quotas "
                "ORDER BY quota_id"):
            logged = created.get(quota_id)
            if logged is None:
                raise _Broken(None, f"quota {quota_id!r} has no quota.created entry in the log")
            seq, spec = logged
            now = {"nationality": nat, "category": cat, "start": _day(start), "end": _day(end),
                   "limit": int(limit)}
            if any(spec.get(k) != v for k, v in now.items()):
                raise _Broken(seq, f"quota {quota_id!r} differs from its quota.created entry {seq} "
                                   "(nationality, category, dates or limit altered)")
            if int(used) != self.grants.get(quota_id, 0):
                raise _Broken(None, f"quota {quota_id!r} records used = {int(used)} but the log records "
                                    f"{self.grants.get(quota_id, 0)} grants under it")


def _day(value: Any) -> str:
    return value if isinstance(value, str) else value.isoformat()


def _compare(seq: int, row: tuple[Any, ...], decision: dict[str, Any], key: str | None,
             actor: str | None, request: dict[str, Any]) -> None:
    """The decisions row must say what the logged decision says, column by column and in its body."""
    (decision_id, application_id, nationality, category, day, outcome, quota_id, policy_id, revision,
     idem_key, token_id, _created, body) = row
    try:
        stored = json.loads(body)
    except ValueError:
        stored = None
    ledger = decision.get("quota_ledger") or {}
    policy = decision.get("policy") or {}
    expected = {
        "body": decision, "outcome": decision.get("outcome"),
        "application_id": decision.get("application_id"),
        "quota_id": ledger.get("quota_id"), "policy_id": policy.get("id"),
        "policy_revision": policy.get("revision"), "idempotency_key": key, "token_id": actor,
        "nationality": request.get("nationality"), "category": request.get("category"),
        "application_date": request.get("application_date"),
    }
    actual = {"body": stored, "outcome": outcome, "application_id": application_id, "quota_id": quota_id,
              "policy_id": policy_id, "policy_revision": revision, "idempotency_key": idem_key,
              "token_id": token_id, "nationality": nationality, "category": category,
              "application_date": _day(day)}
    for column, value in expected.items():
        if actual[column] != value:
            raise _Broken(seq, f"entry {seq}: decisions.{column} of {decision_id!r} differs from the logged "
                               "decision (decisions row altered)")
