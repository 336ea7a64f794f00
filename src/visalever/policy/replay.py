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
from visalever.policy.models import CATEGORIES, OUTCOME_SEVERITY
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


def _code_index(frame: pl.DataFrame, column: str, codes: list[str]) -> pl.Expr:
    """Position of each value of `column` in `codes` (null when unknown), as an integer expression.

    An Enum column is remapped through its own (small) category list, so millions of rows are never
    cast to strings and back: that cast was half of replay's time on Enum-typed frames.
    """
    dtype = frame.schema[column]
    if isinstance(dtype, pl.Enum):
        position = {c: i for i, c in enumerate(codes)}
        own = dtype.categories.to_list()
        if own == codes:
            return pl.col(column).to_physical()
        mapping = pl.Series([position.get(c) for c in own], dtype=pl.Int64)
        return pl.col(column).to_physical().map_batches(lambda s: mapping.gather(s), return_dtype=pl.Int64)
    return pl.col(column).cast(pl.String).cast(pl.Enum(codes), strict=False).to_physical()


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
    # The join is a gather: (nationality, category) -> row number via Enum codes (no string hash join).
    measures = table.frame
    codes = sorted(set(measures.get_column("iso3").to_list()))
    cats = list(CATEGORIES)
    order = {
        (c, k): i
        for i, (c, k) in enumerate(
            zip(measures["iso3"].to_list(), measures["category"].to_list(), strict=True)
        )
    }
    perm = [order.get((c, k)) for c in codes for k in cats]
    measures = measures[perm] if None not in perm else measures
    nat_idx = _code_index(frame, "nationality", codes)
    cat_idx = _code_index(frame, "category", cats)
    key = frame.select((nat_idx.cast(pl.Int64) * len(cats) + cat_idx.cast(pl.Int64)).alias("k")).get_column(
        "k"
    )
    if key.null_count():
        bad = frame.filter(key.is_null()).select("application_id", "nationality", "category").row(0)
        raise InputError(
            f"application {bad[0]!r}: unknown nationality {bad[1]!r} or category {bad[2]!r}", location="frame"
        )
    has_ex = "exemptions" in frame.columns and bool(policy.exemptions)
    has_scoped = measures.get_column("scoped_outcome").null_count() < measures.height
    # Columns constant over the table become literals, not 3.5M-row gathers.
    cols: dict[str, pl.Series] = {f"__m_{c}": measures.get_column(c) for c in ROW_FIELDS}
    if has_ex:
        cols.update({f"__b_{c}": measures.get_column(f"base_{c}") for c in ROW_FIELDS})
    if has_scoped:
        cols.update(
            {
                "__s_outcome": measures.get_column("scoped_outcome"),
                "__s_classes": measures.get_column("scoped_visa_classes"),
                "__s_groups": measures.get_column("scoped_groups"),
            }
        )
    exprs = []
    for name, s in cols.items():
        if s.n_unique() == 1:
            exprs.append(pl.lit(s[0], dtype=s.dtype).alias(name))
        else:
            exprs.append(s.gather(key).alias(name))
    if not has_scoped:
        exprs += [
            pl.lit(None, dtype=pl.String).alias("__s_outcome"),
            pl.lit(None, dtype=pl.List(pl.String)).alias("__s_classes"),
            pl.lit(None, dtype=pl.List(pl.String)).alias("__s_groups"),
        ]
    joined = frame.with_columns(exprs)

    # which exemptable fields each record is exempt from
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
            if has_ex:
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
