"""Initial schema: tokens, quotas, decisions, idempotency keys, designations, audit log, counters.

Revision ID: 0001_initial
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def upgrade() -> None:
    """Create every table the decision service uses, and the counter rows it locks."""
    op.create_table(
        "tokens",
        sa.Column("token_id", sa.String(40), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("label", sa.String(200), nullable=True),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "quotas",
        sa.Column("quota_id", sa.String(100), primary_key=True),
        sa.Column("nationality", sa.String(3), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date, nullable=False),
        sa.Column("quota_limit", sa.BigInteger, nullable=False),
        sa.Column("used", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.CheckConstraint("used >= 0 AND used <= quota_limit", name="ck_quotas_used_within_limit"),
    )
    op.create_index("ix_quotas_match", "quotas", ["nationality", "category", "start_date"])
    op.create_table(
        "decisions",
        sa.Column("decision_id", sa.String(40), primary_key=True),
        sa.Column("application_id", sa.String(200), nullable=False),
        sa.Column("nationality", sa.String(3), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("application_date", sa.Date, nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("quota_id", sa.String(100), nullable=True),
        sa.Column("policy_id", sa.String(100), nullable=False),
        sa.Column("policy_revision", sa.String(80), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("token_id", sa.String(40), nullable=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index("ix_decisions_quota", "decisions", ["quota_id", "outcome"])
    op.create_table(
        "idempotency_keys",
        sa.Column("idem_key", sa.String(200), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=False),
        sa.Column("response", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "designations",
        sa.Column("designation_id", sa.String(100), primary_key=True),
        sa.Column("jurisdiction", sa.String(10), nullable=False),
        sa.Column("iso3", sa.String(3), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("recorded_at", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("actor", sa.String(40), nullable=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
    )
    counters = op.create_table(
        "counters",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
        sa.Column("text_value", sa.String(200), nullable=False),
        sa.Column("flag", sa.Boolean, nullable=False),
    )
    op.bulk_insert(
        counters,
        [
            {"name": "audit_head", "value": 0, "text_value": GENESIS, "flag": False},
            {"name": "designations", "value": 0, "text_value": "", "flag": False},
        ],
    )


def downgrade() -> None:
    """Drop everything (only for development; production databases are never downgraded)."""
    for name in ("counters", "audit_log", "designations", "idempotency_keys", "decisions", "quotas",
                 "tokens"):
        op.drop_table(name)
