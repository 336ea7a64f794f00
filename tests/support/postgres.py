"""A throwaway PostgreSQL 15 cluster in a temp dir: initdb, pg_ctl start on a free port, tear down.

Why real PostgreSQL and not a mock: caps and the audit chain depend on row locks and transactions
across processes, which only the real server exercises. As root, initdb and postgres must run as
the `postgres` user, hence `runuser -u postgres --`.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from .servers import free_port


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL server bin dir (Debian layout), or None."""
    override = os.environ.get("VISALEVER_PG_BIN")
    if override:
        return Path(override)
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    for d in reversed(dirs):
        if (Path(d) / "initdb").exists() and (Path(d) / "pg_ctl").exists():
            return Path(d)
    return None


def _as_postgres(cmd: list[str]) -> list[str]:
    """Run as `postgres` when we are root (PostgreSQL refuses to run as root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


class PostgresServer:
    """`with PostgresServer() as pg: pg.url` -> postgresql+psycopg URL of a fresh cluster."""

    def __init__(self, *, fsync: bool = False, max_connections: int = 200, port: int = 0) -> None:
        self.bin = postgres_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin)")
        self.fsync = fsync
        self.max_connections = max_connections
        self.port = port
        self.root: Path | None = None
        self._dbs = 0

    @property
    def url(self) -> str:
        """URL of the default `postgres` database."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> PostgresServer:
        """initdb + pg_ctl start; waits until the server accepts connections."""
        self.root = Path(tempfile.mkdtemp(prefix="visalever-pg-"))
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        data = self.root / "data"
        subprocess.run(_as_postgres([str(self.bin / "initdb"), "-D", str(data), "-U", "postgres",
                                     "--auth=trust", "-E", "UTF8", "--no-sync"]),
                       check=True, capture_output=True)
        self.port = self.port or free_port()
        self._pg_ctl_start()
        return self

    def _pg_ctl_start(self) -> None:
        assert self.root is not None
        opts = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                f"-c max_connections={self.max_connections} -c fsync={'on' if self.fsync else 'off'} "
                "-c synchronous_commit=on -c shared_buffers=64MB")
        subprocess.run(_as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-o", opts,
                                     "-l", str(self.root / "server.log"), "-w", "-t", "60", "start"]),
                       check=True, capture_output=True)
        self._wait_ready()

    def kill(self) -> None:
        """SIGKILL the postmaster (a crash: no shutdown checkpoint; children exit when it is gone)."""
        assert self.root is not None
        pid = int((self.root / "data" / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        time.sleep(0.3)  # let the backends notice the postmaster died and exit

    def restart(self) -> None:
        """Start the same cluster again on the same port (crash recovery runs if it was killed)."""
        deadline = time.monotonic() + 30
        while True:
            try:
                self._pg_ctl_start()
                return
            except subprocess.CalledProcessError:  # old backends still hold shared memory
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

    def _wait_ready(self) -> None:
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres"):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def create_database(self, name: str | None = None) -> str:
        """A fresh database on this cluster; returns its URL (one per test keeps tests independent)."""
        import psycopg

        self._dbs += 1
        name = name or f"t{self._dbs}_{os.getpid()}"
        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        """pg_ctl stop (fast) and remove the cluster directory."""
        if self.root is None:
            return
        data = self.root / "data"
        subprocess.run(_as_postgres([str(self.bin / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                       capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
