"""Database engines for SQLite and PostgreSQL, schema migration on open, and write transactions.

Why this exists: caps must never over-issue, so every write (quota check + decision + audit append)
runs in one transaction that is serialised where it matters: on SQLite with WAL and `BEGIN
IMMEDIATE` (one writer at a time, readers never blocked), on PostgreSQL with row locks taken in a
fixed order (idempotency key, quota row, audit chain head) so that concurrent processes queue
instead of deadlocking.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from visalever.errors import InputError

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_PG_MIGRATION_LOCK = 72_627_001


def default_db_url() -> str:
    """The embedded SQLite database used when no `--db` is given (var/visalever.db under the cwd)."""
    return f"sqlite:///{Path.cwd() / 'var' / 'visalever.db'}"


def normalise_url(url: str | None) -> str:
    """Accept a SQLAlchemy URL, a bare `postgresql://` URL (psycopg 3 is used) or a SQLite file path."""
    if not url:
        return default_db_url()
    if "://" not in url:
        return f"sqlite:///{Path(url).resolve()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if not (url.startswith("sqlite") or url.startswith("postgresql+psycopg")):
        raise InputError(f"unsupported database URL {url!r}: use sqlite:///PATH or postgresql+psycopg://...",
                         location="--db")
    return url


def is_sqlite(engine: Engine) -> bool:
    """True for the embedded SQLite backend (BEGIN IMMEDIATE), False for PostgreSQL (row locks)."""
    return engine.dialect.name == "sqlite"


CHECKPOINT_INTERVAL_S = 0.25


def _checkpoint_forever(database: str) -> None:
    """Copy the WAL back into the database file from a background thread (PASSIVE: never blocks readers
    or writers; sqlite3 releases the GIL meanwhile), so that no request pays for a checkpoint."""
    import sqlite3
    import time

    conn = sqlite3.connect(database, timeout=30, isolation_level=None, check_same_thread=False)
    while True:
        time.sleep(CHECKPOINT_INTERVAL_S)
        # Busy or locked is normal under load: the next tick checkpoints instead.
        with contextlib.suppress(sqlite3.Error):
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


def _start_checkpointer(database: str) -> None:
    key = (os.getpid(), "checkpointer:" + database)
    if key in _WRITE_GATES:
        return
    _WRITE_GATES[key] = (threading.Lock(), -1)
    threading.Thread(target=_checkpoint_forever, args=(database,), name="sqlite-checkpoint",
                     daemon=True).start()


def make_engine(url: str | None, *, pool_size: int = 8, background_checkpoint: bool = False) -> Engine:
    """An engine tuned for the service: WAL + synchronous=NORMAL on SQLite, a small pool on PostgreSQL.

    synchronous=NORMAL in WAL mode keeps every committed transaction across a process crash (kill -9);
    only an operating-system crash or power loss may lose the last commits, never corrupt the file.
    With `background_checkpoint` (the server) SQLite's automatic checkpoint, which made every ~100th
    commit copy the WAL into the database with two fsyncs while holding the request, is switched off
    and a daemon thread checkpoints instead (about half of a decision's time on SQLite).
    """
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if not database or database == ":memory:":
            raise InputError("an in-memory SQLite database cannot be shared; give a file path",
                             location="--db")
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, pool_size=pool_size, max_overflow=16, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _sqlite_begin)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            if background_checkpoint:
                cur.execute("PRAGMA wal_autocheckpoint=0")
            cur.close()

        if background_checkpoint:
            _start_checkpointer(database)

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            immediate = conn.get_execution_options().get("write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    # No pool_pre_ping: it cost a round trip per transaction. Instead a connection idle for more than
    # IDLE_PING_S is pinged when checked out (under load none is), and a connection found dead in use
    # is dropped with the whole pool in `_raw_tx_inner`.
    engine = create_engine(url, pool_size=pool_size, max_overflow=16, pool_timeout=10,
                           connect_args={"connect_timeout": 5})

    @event.listens_for(engine, "connect")
    def _fresh(_dbapi_conn, record) -> None:  # type: ignore[no-untyped-def]
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _idle(_dbapi_conn, record) -> None:  # type: ignore[no-untyped-def]
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn, record, _proxy) -> None:  # type: ignore[no-untyped-def]
        if time.monotonic() - record.info.get("idle_since", 0.0) <= IDLE_PING_S:
            return
        try:
            dbapi_conn.execute("SELECT 1")
            dbapi_conn.rollback()
        except Exception as err:  # the pool reconnects on DisconnectionError
            from sqlalchemy import exc

            raise exc.DisconnectionError(str(err)) from err

    return engine


IDLE_PING_S = 1.0


class Tx:
    """A thin statement runner over a pooled DBAPI cursor (SQL written with `?` placeholders).

    The decision path issues about ten short statements per request; going through the DBAPI cursor
    directly instead of SQLAlchemy's execution machinery cuts the per-statement overhead several-fold,
    which is most of the service's latency on SQLite. SQLAlchemy still provides pooling, dialect
    set-up and migrations.
    """

    __slots__ = ("cursor", "dialect", "_pg", "head", "outcomes")

    def __init__(self, cursor: Any, dialect: str) -> None:
        self.cursor = cursor
        self.dialect = dialect
        self._pg = dialect == "postgresql"
        self.head: tuple[int, str] | None = None  # (seq, hash) of the audit chain head this tx wrote
        self.outcomes: list[str] | None = None  # decision outcomes recorded (metrics, after COMMIT)

    def _sql(self, sql: str) -> str:
        return _PG_SQL.get(sql) or _PG_SQL.setdefault(sql, sql.replace("?", "%s")) if self._pg else sql

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Execute; returns the row count."""
        self.cursor.execute(self._sql(sql), params)
        return int(self.cursor.rowcount)

    def first(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """The first row or None."""
        self.cursor.execute(self._sql(sql), params)
        return self.cursor.fetchone()

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Every row."""
        self.cursor.execute(self._sql(sql), params)
        return list(self.cursor.fetchall())

    def for_update(self) -> str:
        """The row-lock suffix: PostgreSQL locks rows; SQLite's BEGIN IMMEDIATE already serialises."""
        return " FOR UPDATE" if self._pg else ""

    def date(self, d: dt.date) -> Any:
        """Dates as ISO text on SQLite (compared as text), real dates on PostgreSQL."""
        return d if self._pg else d.isoformat()


_PG_SQL: dict[str, str] = {}
# Called with the Tx after each successful COMMIT (audit checkpoints, metrics): only committed state
# may be announced outside the database.
AFTER_COMMIT: list[Callable[[Tx], None]] = []
_WRITE_GATES: dict[tuple[int, str], tuple[threading.Lock, int]] = {}


@contextlib.contextmanager
def _sqlite_write_gate(database: str) -> Iterator[None]:
    """Queue SQLite writers of this machine on a lock file before BEGIN IMMEDIATE.

    Why: when two server processes (`--workers 2`) contend for SQLite's write lock, the loser's busy
    handler sleeps and polls (1 ms, 2 ms, 5 ms, ...), which wastes most of the time the lock is free.
    A blocking `flock` on `<db>.write.lock` makes the kernel hand the lock over the moment it is
    released. BEGIN IMMEDIATE with busy_timeout stays the real guarantee (other tools need not gate).
    """
    key = (os.getpid(), database)
    gate = _WRITE_GATES.get(key)
    if gate is None:
        fd = os.open(f"{database}.write.lock", os.O_RDWR | os.O_CREAT, 0o600)
        gate = _WRITE_GATES.setdefault(key, (threading.Lock(), fd))
    lock, fd = gate
    with lock:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)


@contextlib.contextmanager
def _raw_tx(engine: Engine, write: bool) -> Iterator[Tx]:
    sqlite = engine.dialect.name == "sqlite"
    if sqlite and write:
        with _sqlite_write_gate(engine.url.database or ""):
            with _raw_tx_inner(engine, write, sqlite) as tx:
                yield tx
        return
    with _raw_tx_inner(engine, write, sqlite) as tx:
        yield tx


@contextlib.contextmanager
def _raw_tx_inner(engine: Engine, write: bool, sqlite: bool) -> Iterator[Tx]:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if sqlite:
            cur.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        tx = Tx(cur, engine.dialect.name)
        try:
            yield tx
        except BaseException:
            if sqlite:
                cur.execute("ROLLBACK")
            else:
                with contextlib.suppress(Exception):  # a dead connection cannot roll back
                    raw.rollback()
            raise
        if sqlite:
            cur.execute("COMMIT")
        else:
            raw.commit()
        cur.close()
    except Exception as err:
        if not sqlite and database_unreachable(err):
            _drop_connections(engine, raw, err)
        raise
    finally:
        raw.close()  # back to the pool (a dropped connection is discarded)
    committed(tx)


def committed(tx: Tx) -> None:
    """After a COMMIT: note that the database answers again (after an outage) and announce what the
    transaction appended (audit checkpoints, metrics) through the `AFTER_COMMIT` hooks."""
    if _DOWN_SINCE:
        note_database_up()
    if tx.head is not None or tx.outcomes:
        for hook in AFTER_COMMIT:
            hook(tx)


def _drop_connections(engine: Engine, raw: Any, err: BaseException) -> None:
    """The database went away: discard this connection and, once per outage, every pooled one
    (they all point at the old server process), so that the first request after the database is
    back gets a fresh connection instead of a dead one."""
    first = not _DOWN_SINCE
    note_database_down(err)
    with contextlib.suppress(Exception):
        raw.invalidate()
    if first:
        engine.dispose(close=False)


# --- database outages -------------------------------------------------------------------------------

log = logging.getLogger("visalever.service")
_DOWN_SINCE: list[float] = []  # empty while the database answers; [monotonic time it went down] otherwise
_DOWN_LOCK = threading.Lock()


def database_error_types() -> tuple[type[BaseException], ...]:
    """The exception classes a lost database connection can surface as (SQLAlchemy's pool, psycopg)."""
    from sqlalchemy import exc

    kinds: list[type[BaseException]] = [exc.OperationalError, exc.InterfaceError, exc.TimeoutError]
    try:
        import psycopg

        kinds += [psycopg.OperationalError, psycopg.InterfaceError]
    except ImportError:  # pragma: no cover - psycopg is a dependency
        pass
    return tuple(kinds)


def database_unreachable(err: BaseException) -> bool:
    """True when `err` means the database cannot be reached (connection refused or lost, server
    shutting down, pool exhausted waiting for it), as opposed to a bad statement or a conflict."""
    from sqlalchemy import exc

    if isinstance(err, exc.TimeoutError):
        return True
    if isinstance(err, exc.DBAPIError):
        if err.connection_invalidated:
            return True
        err = err.orig if err.orig is not None else err
    try:
        import psycopg
    except ImportError:  # pragma: no cover
        return False
    if isinstance(err, psycopg.InterfaceError):
        return True
    if isinstance(err, psycopg.OperationalError):
        state = getattr(err, "sqlstate", None)
        return state is None or state.startswith("08") or state in {"57P01", "57P02", "57P03"}
    return False


def note_database_down(err: BaseException) -> None:
    """Log ONE line when the database becomes unreachable (not a traceback per request)."""
    with _DOWN_LOCK:
        if _DOWN_SINCE:
            return
        _DOWN_SINCE.append(time.monotonic())
    first_line = (str(err).strip().splitlines() or [type(err).__name__])[0]
    log.error("database unreachable (%s): answering 503 with Retry-After until it is back", first_line[:200])


def note_database_up() -> None:
    """Log ONE line when a transaction succeeds again after an outage."""
    with _DOWN_LOCK:
        if not _DOWN_SINCE:
            return
        since = _DOWN_SINCE.pop()
    log.warning("database reachable again after %.1f s", time.monotonic() - since)


def database_is_down() -> bool:
    """Whether the last attempt found the database unreachable (for /readyz)."""
    return bool(_DOWN_SINCE)


def wait_for_database(url: str | None, limit_s: float, *, say: Callable[[str], None] = print,
                      **engine_options: Any) -> Engine:
    """Open (and migrate) the database, retrying with exponential backoff (0.5 s doubling to 5 s) while
    it is unreachable, for at most `limit_s` seconds; then the last error propagates. `engine_options`
    go to `open_database` (pool size, background checkpoint)."""
    deadline = time.monotonic() + limit_s
    delay = 0.5
    attempt = 0
    while True:
        attempt += 1
        try:
            return open_database(url, **engine_options)
        except Exception as err:
            if not database_unreachable(err) or time.monotonic() + delay > deadline:
                raise
            first = (str(err).strip().splitlines() or [type(err).__name__])[0][:160]
            say(f"waiting for the database (attempt {attempt}, next in {delay:.1f} s): {first}")
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def write_tx(engine: Engine) -> contextlib.AbstractContextManager[Tx]:
    """One write transaction: BEGIN IMMEDIATE on SQLite; on PostgreSQL callers lock rows FOR UPDATE."""
    return _raw_tx(engine, True)


def read_tx(engine: Engine) -> contextlib.AbstractContextManager[Tx]:
    """A read transaction (deferred on SQLite: never blocks writers under WAL)."""
    return _raw_tx(engine, False)


def is_transient(engine: Engine, err: BaseException) -> bool:
    """Errors worth retrying a whole transaction for: a racing duplicate key, a lock timeout or
    serialization failure, a deadlock victim."""
    dbapi = engine.dialect.dbapi
    if isinstance(err, dbapi.IntegrityError):
        return True
    if isinstance(err, dbapi.OperationalError):
        code = getattr(err, "sqlstate", None)
        if code in {"40001", "40P01", "55P03"}:
            return True
        text_ = str(err).lower()
        return "locked" in text_ or "busy" in text_
    return False


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[Connection | None]:
    """Serialise migrations between processes starting at the same time on the same database."""
    if is_sqlite(engine):
        lock_path = f"{engine.url.database}.migrate.lock"
        with open(lock_path, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield None
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        conn.commit()
        try:
            yield conn
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_MIGRATION_LOCK})
            conn.commit()


def alembic_config():  # type: ignore[no-untyped-def]
    """An Alembic config pointing at the packaged migrations (no alembic.ini needed)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the database to the newest schema (idempotent; safe when several processes start at once)."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    cfg = alembic_config()
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with _migration_lock(engine):
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
        if current == head:
            return
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")


def open_database(url: str | None, *, pool_size: int = 8, background_checkpoint: bool = False) -> Engine:
    """Create the engine and apply pending migrations: a fresh path or empty database just works."""
    engine = make_engine(url, pool_size=pool_size, background_checkpoint=background_checkpoint)
    migrate(engine)
    return engine


def env_flag(name: str) -> bool:
    """Read a boolean environment switch (used by worker processes started by uvicorn)."""
    return os.environ.get(name, "").lower() in {"1", "true", "yes"}
