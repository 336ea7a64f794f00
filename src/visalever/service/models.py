"""The decision service's tables: one SQLAlchemy Core metadata shared by the app and the migrations.

Kept as Core tables (not ORM classes) because the hot path issues a handful of hand-written
statements per decision and the ORM's unit of work would only add latency; the migrations in
`visalever.migrations` create exactly these tables.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

tokens = Table(
    "tokens",
    metadata,
    Column("token_id", String(40), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("label", String(200), nullable=True),
    Column("created_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=True),  # ISO UTC; NULL never expires
    Column("revoked_at", String(40), nullable=True),
    Column("last_used_at", String(40), nullable=True),  # to the minute (written at most once a minute)
)

quotas = Table(
    "quotas",
    metadata,
    Column("quota_id", String(100), primary_key=True),
    Column("nationality", String(3), nullable=False),
    Column("category", String(20), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("quota_limit", BigInteger, nullable=False),
    Column("used", BigInteger, nullable=False),
    Column("created_at", String(40), nullable=False),
    Index("ix_quotas_match", "nationality", "category", "start_date"),
)

decisions = Table(
    "decisions",
    metadata,
    Column("decision_id", String(40), primary_key=True),
    Column("application_id", String(200), nullable=False),
    Column("nationality", String(3), nullable=False),
    Column("category", String(20), nullable=False),
    Column("application_date", Date, nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("quota_id", String(100), nullable=True),
    Column("policy_id", String(100), nullable=False),
    Column("policy_revision", String(80), nullable=False),
    Column("idempotency_key", String(200), nullable=True),
    Column("token_id", String(40), nullable=True),
    Column("created_at", String(40), nullable=False),
    Column("body", Text, nullable=False),
    Index("ix_decisions_quota", "quota_id", "outcome"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("idem_key", String(200), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
)

designations = Table(
    "designations",
    metadata,
    Column("designation_id", String(100), primary_key=True),
    Column("jurisdiction", String(10), nullable=False),
    Column("iso3", String(3), nullable=False),
    Column("body", Text, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("source", String(20), nullable=False),  # "seed" (packaged regime file) or "api"
    Column("updated_at", String(40), nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("recorded_at", String(40), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("actor", String(40), nullable=True),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
)

# Reform YAML uploaded by a caller (POST /v1/reforms): validated in memory, kept here with its owner
# (token id) and hash, named by `reform_id` in POST /v1/simulations. Never written to a file.
reforms = Table(
    "reforms",
    metadata,
    Column("reform_id", String(40), primary_key=True),
    Column("owner", String(40), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("policy_id", String(200), nullable=False),
    Column("extends", String(200), nullable=True),
    Column("size", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
    UniqueConstraint("owner", "sha256", name="uq_reforms_owner_sha256"),
)

# One row per counter: `audit_head` (value = last seq, text = last hash) serialises audit appends
# on PostgreSQL (SELECT ... FOR UPDATE); `designations` is the version every process checks per
# request so a designation change applies at once everywhere.
counters = Table(
    "counters",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", BigInteger, nullable=False),
    Column("text_value", String(200), nullable=False),
    Column("flag", Boolean, nullable=False, default=False),
)
