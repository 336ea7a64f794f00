"""Reusable test harness: throwaway PostgreSQL servers and `visalever serve` subprocesses.

Import as `from support.postgres import PostgresServer` and `from support.servers import ServeProcess`
(pytest puts `tests/` on sys.path because `tests/conftest.py` has no package).
"""
