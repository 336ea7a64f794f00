"""Fixtures for the decision service tests: real `visalever serve` subprocesses on SQLite files and a
throwaway PostgreSQL cluster (tests/support), with a token per role.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.conftest import missing
from tests.service.helpers import Service, tokens_for
from tests.support.postgres import PostgresServer, postgres_bin
from tests.support.servers import ServeProcess


@pytest.fixture(scope="session")
def pg() -> Iterator[PostgresServer]:
    """A PostgreSQL 15 cluster for the whole session (skipped locally, failed under CI, if missing)."""
    if postgres_bin() is None:
        missing("postgresql server binaries (apt-get install postgresql)")
    with PostgresServer() as server:
        yield server


@pytest.fixture(scope="module")
def sqlite_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """One server on a fresh SQLite file, shared by a test module."""
    db_url = f"sqlite:///{tmp_path_factory.mktemp('svc') / 'service.db'}"
    tokens = tokens_for(db_url)
    with ServeProcess(db_url) as server:
        yield Service(server, db_url, tokens)
