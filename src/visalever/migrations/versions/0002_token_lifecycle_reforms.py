"""Token lifecycle (expiry, revocation, last use) and uploaded reforms stored in the database.

Revision ID: 0002_token_lifecycle_reforms
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_token_lifecycle_reforms"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the token lifecycle columns (existing tokens keep working: no expiry) and `reforms`."""
    with op.batch_alter_table("tokens") as batch:
        batch.add_column(sa.Column("expires_at", sa.String(40), nullable=True))
        batch.add_column(sa.Column("revoked_at", sa.String(40), nullable=True))
        batch.add_column(sa.Column("last_used_at", sa.String(40), nullable=True))
    op.create_table(
        "reforms",
        sa.Column("reform_id", sa.String(40), primary_key=True),
        sa.Column("owner", sa.String(40), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("policy_id", sa.String(200), nullable=False),
        sa.Column("extends", sa.String(200), nullable=True),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.UniqueConstraint("owner", "sha256", name="uq_reforms_owner_sha256"),
    )


def downgrade() -> None:
    """Drop `reforms` and the token lifecycle columns (development only)."""
    op.drop_table("reforms")
    with op.batch_alter_table("tokens") as batch:
        batch.drop_column("last_used_at")
        batch.drop_column("revoked_at")
        batch.drop_column("expires_at")
