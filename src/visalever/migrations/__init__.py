"""Alembic migrations for the decision service database, packaged with visalever.

Applied programmatically by `visalever.service.db.migrate` (no alembic.ini at the repo root), so
every command that opens a database brings it to the current schema first.
"""
