"""Reusable test harness: throwaway PostgreSQL servers and `visalever serve` subprocesses.

Import as `from tests.support.postgres import PostgresServer`, `from tests.support.servers import
ServeProcess` and `from tests.support.load import run_load` (the repository root is on sys.path under
`python -m pytest`).
"""
