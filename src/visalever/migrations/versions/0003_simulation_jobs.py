"""Simulation jobs kept in the database, so that every server process (and host) answers for them.

Revision ID: 0003_simulation_jobs
Revises: 0002_token_lifecycle_reforms
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_simulation_jobs"
down_revision = "0002_token_lifecycle_reforms"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """`simulation_jobs`: one row per job, its owner (token id), state, request and result (JSON text)."""
    op.create_table(
        "simulation_jobs",
        sa.Column("job_id", sa.String(40), primary_key=True),
        sa.Column("owner", sa.String(40), nullable=False),
        sa.Column("runner", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("progress", sa.Float, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("request", sa.Text, nullable=False),
        sa.Column("result", sa.Text, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("finished_at", sa.String(40), nullable=True),
        sa.Column("seen_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    """Drop `simulation_jobs` (development only)."""
    op.drop_table("simulation_jobs")
