"""Helpers for the decision service tests: a running service with a token per role, direct database
access outside the service (for checks and tampering), request bodies."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from tests.support.servers import ServeProcess

from visalever.service.tokens import ROLES


@dataclass
class Service:
    """A running server, its database URL, and a token per role."""

    server: ServeProcess
    db_url: str
    tokens: dict[str, str]

    @property
    def url(self) -> str:
        return self.server.base_url

    def client(self, role: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def sql(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run SQL directly on the database (tampering and checks), committing."""
        return run_sql(self.db_url, query, params)


def run_sql(db_url: str, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Direct access to the service's database, outside the service (SQLite file or PostgreSQL)."""
    if db_url.startswith("sqlite"):
        conn = sqlite3.connect(db_url.split("///", 1)[1], timeout=30)
        try:
            cur = conn.execute(query, params)
            rows = cur.fetchall()
            conn.commit()
            return rows
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(db_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        cur = conn.execute(query.replace("?", "%s"), params)
        return cur.fetchall() if cur.description else []


def tokens_for(db_url: str) -> dict[str, str]:
    """One token per role (library call in this process: one CLI start-up per role would cost seconds;
    test_cli covers `visalever token create` itself)."""
    from visalever.service.db import open_database
    from visalever.service.tokens import create_token as create

    engine = open_database(db_url)
    try:
        return {role: create(engine, role, "test") for role in ROLES}
    finally:
        engine.dispose()


def fresh_sqlite_url(tmp_path: Path) -> str:
    """A database URL on a new SQLite file."""
    return f"sqlite:///{tmp_path / 'service.db'}"


def application(app_id: str, nationality: str = "FRA", category: str = "work", day: str = "2026-03-10",
                **extra: Any) -> dict[str, Any]:
    """A decision request body."""
    return {"application_id": app_id, "nationality": nationality, "category": category,
            "application_date": day, **extra}
