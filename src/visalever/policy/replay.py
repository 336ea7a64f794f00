"""replay(frame, policy, as_of): the measures table joined over a Polars frame of applications.

Vectorised: one join on (nationality, category) and column expressions that mirror `decide`'s
per-application adjustments; no Python runs per record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import polars as pl

from visalever.errors import InputError
from visalever.policy.loader import Policy
from visalever.policy.models import OUTCOME_SEVERITY
from visalever.policy.resolve import FIELD_COLUMNS, ROW_FIELDS, resolve

OUTPUT_COLUMNS = (
    "outcome",
    "fee_amount",
    "fee_currency",
    "surcharge_amount",
    "surcharge_currency",
    "earliest_decision_date",
    "decision_due_by",
    "multiple_entry_allowed",
    "priority_service_allowed",
)
_REQUIRED = ("application_id", "nationality", "category", "application_date")


def _check(frame: pl.DataFrame, policy: Policy) -> None:
    missing = [c for c in _REQUIRED if c not in frame.columns]
    if missing:
        raise InputError(f"replay frame lacks column(s) {missing}", location="frame")
    if frame.schema["application_date"] != pl.Date:
        raise InputError(
            f"application_date must be a Date column, got {frame.schema['application_date']}",
            location="frame.application_date",
        )
    if "exemptions" in frame.columns:
        used = frame.get_column("exemptions").explode().drop_nulls().unique().to_list()
        unknown = sorted(set(used) - set(policy.exemptions))
        if unknown:
            raise InputError(
                f"unknown exemption(s) {unknown}; this policy knows {sorted(policy.exemptions)}",
                location="frame.exemptions",
            )


def replay(
    frame: pl.DataFrame | pl.LazyFrame,
    policy: Policy,
    as_of: dt.date,
    *,
    designations: Any = None,
    contexts: Mapping[str, Any] | None = None,
) -> pl.DataFrame:
    """Add outcome, fee, surcharge, dates and permissions to every application in `frame`."""
    if isinstance(frame, pl.LazyFrame):
        frame = frame.collect()
    _check(frame, policy)
    table = resolve(policy, as_of, contexts, designations)
    measures = table.frame.select(
        pl.col("iso3").alias("__iso3"),
        pl.col("category").alias("__category"),
        *[pl.col(c).alias(f"__m_{c}") for c in ROW_FIELDS],
        *[pl.col(f"base_{c}").alias(f"__b_{c}") for c in ROW_FIELDS],
        pl.col("scoped_outcome").alias("__s_outcome"),
        pl.col("scoped_visa_classes").alias("__s_classes"),
        pl.col("scoped_groups").alias("__s_groups"),
    )
    cat_dtype = frame.schema["category"]
    nat_dtype = frame.schema["nationality"]
    measures = measures.with_columns(pl.col("__iso3").cast(nat_dtype), pl.col("__category").cast(cat_dtype))
    joined = frame.join(
        measures,
        left_on=["nationality", "category"],
        right_on=["__iso3", "__category"],
        how="left",
        coalesce=True,
    )
    if joined.get_column("__m_outcome").null_count():
        bad = (
            joined.filter(pl.col("__m_outcome").is_null())
            .select("application_id", "nationality", "category")
            .row(0)
        )
        raise InputError(
            f"application {bad[0]!r}: unknown nationality {bad[1]!r} or category {bad[2]!r}", location="frame"
        )

    # which exemptable fields each record is exempt from
    has_ex = "exemptions" in frame.columns and bool(policy.exemptions)
    exempt: dict[str, pl.Expr] = {}
    for f in FIELD_COLUMNS:
        ids = sorted(e for e, ex in policy.exemptions.items() if f in ex.exempt_from)
        if has_ex and ids:
            exempt[f] = (
                pl.col("exemptions")
                .list.set_intersection(pl.lit(ids, dtype=pl.List(pl.String)))
                .list.len()
                .fill_null(0)
                > 0
            )
        else:
            exempt[f] = pl.lit(False)
    vals: dict[str, pl.Expr] = {c: pl.col(f"__m_{c}") for c in ROW_FIELDS}
    for f, cols in FIELD_COLUMNS.items():
        for c in cols:
            vals[c] = pl.when(exempt[f]).then(pl.col(f"__b_{c}")).otherwise(pl.col(f"__m_{c}"))

    sev = {k: v for k, v in OUTCOME_SEVERITY.items()}
    visa_class = pl.col("visa_class") if "visa_class" in frame.columns else pl.lit(None, dtype=pl.String)
    group = pl.col("applicant_group") if "applicant_group" in frame.columns else pl.lit(None, dtype=pl.String)
    scoped_hit = (
        pl.col("__s_outcome").is_not_null()
        & ~exempt["outcome"]
        & (pl.col("__s_classes").is_null() | pl.col("__s_classes").list.contains(visa_class).fill_null(False))
        & (pl.col("__s_groups").is_null() | pl.col("__s_groups").list.contains(group).fill_null(False))
    )
    base_sev = vals["outcome"].replace_strict(sev, return_dtype=pl.Int8)
    s_sev = pl.col("__s_outcome").replace_strict(sev, default=0, return_dtype=pl.Int8)
    outcome = pl.when(scoped_hit & (s_sev > base_sev)).then(pl.col("__s_outcome")).otherwise(vals["outcome"])

    priority = (
        pl.col("priority_service").fill_null(False) if "priority_service" in frame.columns else pl.lit(False)
    )
    date = pl.col("application_date")
    out = joined.with_columns(__outcome=outcome, __pa=vals["priority_allowed"])
    proceed = pl.col("__outcome") == "proceed"
    earliest = date + pl.duration(days=vals["slowdown_days"])
    days = (
        pl.when(priority & pl.col("__pa") & vals["priority_processing_days"].is_not_null())
        .then(vals["priority_processing_days"])
        .otherwise(vals["processing_days"])
    )
    due = pl.max_horizontal(date + pl.duration(days=days), earliest)
    out = out.with_columns(
        outcome=pl.col("__outcome"),
        fee_amount=vals["fee_amount"],
        fee_currency=vals["fee_currency"],
        surcharge_amount=vals["surcharge_amount"],
        surcharge_currency=vals["surcharge_currency"],
        earliest_decision_date=pl.when(proceed).then(earliest).otherwise(None),
        decision_due_by=pl.when(proceed & days.is_not_null()).then(due).otherwise(None),
        multiple_entry_allowed=vals["multiple_entry_allowed"],
        priority_service_allowed=pl.col("__pa"),
        quota=vals["quota"],
    )
    return out.drop([c for c in out.columns if c.startswith("__")])
