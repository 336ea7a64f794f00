"""replay(frame, policy, as_of): the measures table joined over a Polars frame of applications.

Vectorised: one join on (nationality, category) and column expressions that mirror `decide`'s
per-application adjustments (exemptions, class/group-limited measures and `needs_information`,
priority, dates); no Python runs per record. With `as_of=None` each application is decided by the law
of its own date, as `decide` does: the frame is split at the dates on which the law changes and each
part joined with its own table. With a date, that date's law applies to every application (the
simulator's "this year's flows under the law of D" scenario).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import polars as pl

from visalever.errors import InputError
from visalever.policy.loader import Policy
from visalever.policy.models import CATEGORIES, OUTCOME_SEVERITY
from visalever.policy.resolve import (
    FIELD_COLUMNS,
    FLAG_SLOTS,
    ROW_FIELDS,
    designation_set,
    resolve,
    scoped_slots,
)

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


def _check_window(frame: pl.DataFrame, policy: Policy, as_of: dt.date | None) -> None:
    """Every application (or the scenario's law date) must fall in the policy's window."""
    w = policy.in_force
    if w is None:
        return
    if as_of is not None:
        policy.check_in_force(as_of, location="as_of")
        return
    outside = frame.filter(
        (pl.col("application_date") < w.from_)
        | (pl.lit(w.to is not None) & (pl.col("application_date") >= pl.lit(w.to or w.from_)))
    )
    if outside.height:
        app_id, day = outside.select("application_id", "application_date").row(0)
        try:
            policy.check_in_force(day, location=f"frame.application_date (application {app_id!r})")
        except InputError as err:
            raise InputError(f"{err} ({outside.height} application(s) outside)") from None


def _canonical(frame: pl.DataFrame, policy: Policy) -> pl.DataFrame:
    """visa_class and applicant_group columns mapped to the vocabulary's canonical values (unknown ->
    InputError naming the first application), and each class checked against its category."""
    voc = policy.vocabulary
    for column, lookup in (("visa_class", voc.visa_class), ("applicant_group", voc.applicant_group)):
        if column not in frame.columns:
            continue
        values = frame.get_column(column).cast(pl.String).drop_nulls().unique().to_list()
        mapping = {}
        for v in values:
            try:
                mapping[v] = lookup(v)
            except InputError as err:
                app_id = frame.filter(pl.col(column) == v).get_column("application_id")[0]
                raise InputError(f"{err} (application {app_id!r})") from None
        if any(k != v for k, v in mapping.items()):
            frame = frame.with_columns(
                pl.col(column).cast(pl.String).replace_strict(mapping, default=None, return_dtype=pl.String)
            )
    if "visa_class" in frame.columns:
        pairs = frame.select(
            pl.col("visa_class").cast(pl.String), pl.col("category").cast(pl.String)
        ).unique()
        for vc, cat in pairs.drop_nulls().iter_rows():
            entry = voc.visa_classes.get(vc)
            if entry is not None and entry.category is not None and entry.category != cat:
                app_id = frame.filter(
                    (pl.col("visa_class") == vc) & (pl.col("category").cast(pl.String) == cat)
                ).get_column("application_id")[0]
                raise InputError(
                    f"visa class {vc!r} belongs to the category {entry.category!r}, not {cat!r} "
                    f"(application {app_id!r})",
                    location="frame.visa_class",
                )
    return frame


def change_dates(policy: Policy, designations: Any = None) -> list[dt.date]:
    """Every date on which the policy's law can change (acts, parameter values, visa list, window)."""
    out: set[dt.date] = set()
    items, _ = designation_set(policy, designations)
    for d in items:
        out.add(d.start)
        if d.end is not None:
            out.add(d.end)
    for g in policy.designation_groups:
        out.add(g.start)
        if g.end is not None:
            out.add(g.end)
    for param in policy.parameters.values():
        out.update(param.values)
    out.update(policy.visa_requirements.change_dates())
    for a in policy.agreements:
        for day in (a.in_force_from, a.known_in_force_by, a.in_force_until):
            if day is not None:
                out.add(day)
    return sorted(out)


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
    as_of: dt.date | None = None,
    *,
    designations: Any = None,
    contexts: Mapping[str, Any] | None = None,
) -> pl.DataFrame:
    """Add outcome, fee, surcharge, dates and permissions to every application in `frame`.

    `as_of=None`: each application under the law of its own date (as `decide`); a date: that date's
    law for every application (a scenario). Row order is kept."""
    if isinstance(frame, pl.LazyFrame):
        frame = frame.collect()
    _check(frame, policy)
    _check_window(frame, policy, as_of)
    frame = _canonical(frame, policy)
    if as_of is not None:
        return _replay_at(frame, policy, as_of, designations, contexts)
    if frame.height == 0:
        raise InputError("replay by application date needs at least one application", location="frame")
    lo, hi = frame.select(
        pl.col("application_date").min().alias("lo"), pl.col("application_date").max().alias("hi")
    ).row(0)
    if lo == hi:
        return _replay_at(frame, policy, lo, designations, contexts)
    # The law changes on the listed dates; assessments (tier conditions) change with their annual
    # period, so every 1 January in the range is a cut too.
    years = {dt.date(y, 1, 1) for y in range(lo.year + 1, hi.year + 1)}
    cuts = sorted({d for d in change_dates(policy, designations) if lo < d <= hi} | years)
    if not cuts:
        return _replay_at(frame, policy, lo, designations, contexts)
    bounds = [lo, *cuts]
    indexed = frame.with_row_index("_replay_order")
    parts = []
    for i, start in enumerate(bounds):
        end = bounds[i + 1] if i + 1 < len(bounds) else None
        cond = pl.col("application_date") >= start
        if end is not None:
            cond = cond & (pl.col("application_date") < end)
        part = indexed.filter(cond)
        if part.height:
            parts.append(_replay_at(part, policy, start, designations, contexts))
    return pl.concat(parts, how="vertical_relaxed").sort("_replay_order").drop("_replay_order")


def _replay_at(
    frame: pl.DataFrame,
    policy: Policy,
    as_of: dt.date,
    designations: Any,
    contexts: Mapping[str, Any] | None,
) -> pl.DataFrame:
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
    slots = scoped_slots(table)
    # Columns constant over the table become literals, not 3.5M-row gathers.
    cols: dict[str, pl.Series] = {f"__m_{c}": measures.get_column(c) for c in ROW_FIELDS}
    has_class_col = "visa_class" in frame.columns
    has_group_col = "applicant_group" in frame.columns
    if slots and not (has_class_col or has_group_col or has_ex):
        # no class, group or exemption on any record: the table already holds each row's answer
        cols["__m_outcome"] = measures.get_column("outcome_noinfo")
        cols["__m_quota"] = measures.get_column("quota_noinfo")
        slots = 0
    # final / severities / scope bits, packed by resolve into one integer column (one gather)
    cols["__flags"] = measures.get_column("flags")
    immune_fields = []
    if has_ex:
        cols.update({f"__b_{c}": measures.get_column(f"base_{c}") for c in ROW_FIELDS})
        for f in FIELD_COLUMNS:
            column = measures.get_column(f"immune_{f}")
            if column.null_count() < column.len():
                cols[f"__imm_{f}"] = column
                immune_fields.append(f)
    if slots:
        if slots > FLAG_SLOTS:
            raise InputError(
                f"more than {FLAG_SLOTS} class/group-limited measures on one row", location="policy"
            )
    for i in range(slots):
        parts = ["sev", "quota"]
        parts += ["visa_classes"] if has_class_col else []
        parts += ["groups"] if has_group_col else []
        for part in parts:
            cols[f"__s{i}_{part}"] = measures.get_column(f"scoped{i}_{part}")
    exprs = []
    for name, s in cols.items():
        if not isinstance(s.dtype, pl.List) and s.n_unique() == 1:
            exprs.append(pl.lit(s[0], dtype=s.dtype).alias(name))
        else:
            exprs.append(s.gather(key).alias(name))
    joined = frame.with_columns(exprs)
    flags = pl.col("__flags")
    final_flag = flags % 2 == 1

    # which exemptable fields each record is exempt from (a row the visa list decided has none)
    exempt: dict[str, pl.Expr] = {}
    for f in FIELD_COLUMNS:
        ids = sorted(e for e, ex in policy.exemptions.items() if f in ex.exempt_from)
        if has_ex and ids:
            claimed = pl.col("exemptions").list.set_intersection(pl.lit(ids, dtype=pl.List(pl.String)))
            if f in immune_fields:  # exemptions a measure on this row overrides do not count
                none: pl.Expr = pl.lit([], pl.List(pl.String))
                claimed = claimed.list.set_difference(pl.col(f"__imm_{f}").fill_null(none))
            exempt[f] = (claimed.list.len().fill_null(0) > 0) & ~final_flag
        else:
            exempt[f] = pl.lit(False)
    vals: dict[str, pl.Expr] = {c: pl.col(f"__m_{c}") for c in ROW_FIELDS}
    for f, fcols in FIELD_COLUMNS.items():
        for c in fcols:
            if has_ex:
                vals[c] = pl.when(exempt[f]).then(pl.col(f"__b_{c}")).otherwise(pl.col(f"__m_{c}"))

    visa_class = pl.col("visa_class") if has_class_col else pl.lit(None, dtype=pl.String)
    group = pl.col("applicant_group") if has_group_col else pl.lit(None, dtype=pl.String)
    outcome = vals["outcome"]
    quota = vals["quota"]
    if slots:
        # Severities are integers precomputed per table row (no string work over millions of records),
        # and each intermediate is materialised once: an expression used by several others would
        # otherwise be evaluated again inside each of them.
        base_sev = (flags // 2) % 4
        if has_ex:
            base_sev = pl.when(exempt["outcome"]).then((flags // 8) % 4).otherwise(base_sev)
        joined = joined.with_columns(
            __bsev=base_sev.cast(pl.Int8),
            __ex_out=exempt["outcome"],
            __ex_quota=exempt["quota"],
        )
        base_sev = pl.col("__bsev")
        needs_cols, raise_cols = [], []
        best_sev: pl.Expr = base_sev
        for i in range(slots):
            s_sev, s_q = pl.col(f"__s{i}_sev"), pl.col(f"__s{i}_quota")
            s_has_cls = (flags // (2 ** (5 + 2 * i))) % 2 == 1
            s_has_grp = (flags // (2 ** (6 + 2 * i))) % 2 == 1
            live = ((s_sev > 0) & ~pl.col("__ex_out")) | (s_q.is_not_null() & ~pl.col("__ex_quota"))
            lacking = (s_has_cls & visa_class.is_null()) | (s_has_grp & group.is_null())
            could = (s_sev > base_sev) | (s_q.is_not_null() & (base_sev == 0))
            hit = live & ~lacking
            if has_class_col:
                listed = pl.col(f"__s{i}_visa_classes").list.contains(visa_class).fill_null(False)
                hit = hit & (~s_has_cls | listed)
            if has_group_col:
                hit = hit & (~s_has_grp | pl.col(f"__s{i}_groups").list.contains(group).fill_null(False))
            joined = joined.with_columns(**{f"__live{i}": live, f"__lack{i}": lacking, f"__could{i}": could})
            joined = joined.with_columns(**{
                f"__need{i}": pl.col(f"__live{i}") & pl.col(f"__lack{i}") & pl.col(f"__could{i}"),
                f"__hit{i}": hit.fill_null(False),
            })
            raise_out = pl.col(f"__hit{i}") & (s_sev > best_sev)
            joined = joined.with_columns(**{f"__raise{i}": raise_out})
            joined = joined.with_columns(
                __best=pl.when(pl.col(f"__raise{i}")).then(s_sev).otherwise(best_sev).cast(pl.Int8)
            )
            best_sev = pl.col("__best")
            quota = pl.when(pl.col(f"__hit{i}") & s_q.is_not_null()).then(s_q).otherwise(quota)
            needs_cols.append(f"__need{i}")
            raise_cols.append(f"__raise{i}")
        needs = pl.any_horizontal(needs_cols)
        raised = pl.any_horizontal(raise_cols)
        by_sev = (
            pl.when(best_sev == OUTCOME_SEVERITY["invalid"]).then(pl.lit("invalid"))
            .when(best_sev == OUTCOME_SEVERITY["refused"]).then(pl.lit("refused"))
            .otherwise(pl.lit("suspended"))
        )
        outcome = (
            pl.when(needs).then(pl.lit("needs_information")).when(raised).then(by_sev).otherwise(outcome)
        )

    priority = (
        pl.col("priority_service").fill_null(False) if "priority_service" in frame.columns else pl.lit(False)
    )
    date = pl.col("application_date")
    out = joined.with_columns(__outcome=outcome, __pa=vals["priority_allowed"]).with_columns(
        __proceed=pl.col("__outcome") == "proceed"  # once, not once per output column
    )
    proceed = pl.col("__proceed")
    earliest = date + pl.duration(days=vals["slowdown_days"])
    days = (
        pl.when(priority & pl.col("__pa") & vals["priority_processing_days"].is_not_null())
        .then(vals["priority_processing_days"])
        .otherwise(vals["processing_days"])
    )
    due = pl.max_horizontal(date + pl.duration(days=days), earliest)
    fee_amount, fee_currency = vals["fee_amount"], vals["fee_currency"]
    s_amount, s_currency = vals["surcharge_amount"], vals["surcharge_currency"]
    permissions = {"multiple_entry_allowed": vals["multiple_entry_allowed"], "priority_service_allowed":
                   pl.col("__pa"), "quota": quota}
    # A currency column is read together with its amount: where the amount is null (an unknown fee, no
    # visa needed, own nationals) the currency means nothing. It stays the table's literal rather than
    # millions of materialised strings (which cost more than the rest of the output together).
    if measures.get_column("final").any():  # own nationals / no visa needed: nothing else applies
        final = final_flag
        fee_amount, s_amount = (pl.when(~final).then(e) for e in (fee_amount, s_amount))
        permissions = {k: pl.when(~final).then(e) for k, e in permissions.items()}
    if cols["__m_quota"].null_count() < measures.height or slots:
        permissions["quota"] = pl.when(proceed | (pl.col("__outcome") == "needs_information")).then(
            permissions["quota"]
        )
    out = out.with_columns(
        outcome=pl.col("__outcome"),
        fee_amount=fee_amount,
        fee_currency=fee_currency,
        surcharge_amount=s_amount,
        surcharge_currency=s_currency,
        earliest_decision_date=pl.when(proceed).then(earliest).otherwise(None),
        decision_due_by=pl.when(proceed & days.is_not_null()).then(due).otherwise(None),
        **permissions,
    )
    return out.drop([c for c in out.columns if c.startswith("__")])
