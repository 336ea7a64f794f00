"""Measures per (country x category) cell, as arrays aligned with the baseline flows.

The simulator never re-implements the law: it reads the measures table that `policy.resolve`
produces (aggregate path) or the per-record outcome of `policy.replay` over synthetic microdata
(microdata path), and reduces either to the same cell arrays, so one Monte Carlo serves both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from visalever.simulate.behaviour import CATEGORIES


@dataclass(frozen=True)
class CellMeasures:
    """Per-cell shares and means under one policy; every array has shape (C, K).

    proceed/suspended/invalid are shares of applications (sum to 1). fee is the mean fee per lodged
    valid application, surcharge the mean s.70 additional payment per proceeding application,
    slowdown_days the mean added days before a grant is allowed, priority the share allowed priority.
    """

    proceed: np.ndarray
    suspended: np.ndarray
    invalid: np.ndarray
    fee: np.ndarray
    surcharge: np.ndarray
    slowdown_days: np.ndarray
    priority: np.ndarray
    currency: str = "GBP"
    missing_iso3: tuple[str, ...] = ()
    #: class/group-limited measures the simulator could not apply to whole cells (it has no visa classes
    #: or applicant groups): "ISO3 category: outcome for classes/groups", said in every output.
    unsimulated: tuple[str, ...] = ()

    @property
    def restrictive(self) -> np.ndarray:
        """True where the policy withholds or burdens grants: not proceeding, a surcharge or a slow-down.

        Withdrawing priority service alone is not counted: it changes speed for the few who buy it,
        it puts no visa at stake.
        """
        return (self.proceed < 1.0) | (self.surcharge > 0) | (self.slowdown_days > 0)


def affected_share(
    base: CellMeasures, reform: CellMeasures, priority_share: float | np.ndarray
) -> np.ndarray:
    """Share of a cell's applications whose treatment differs between baseline and reform (aggregate path).

    1 where outcome, fee, surcharge or slow-down differ; where only priority service availability differs,
    only the applicants who buy priority service are affected (`priority_share`, a behaviour parameter).
    """
    main = (
        ~np.isclose(base.proceed, reform.proceed)
        | ~np.isclose(base.suspended, reform.suspended)
        | ~np.isclose(base.fee, reform.fee)
        | ~np.isclose(base.surcharge, reform.surcharge)
        | ~np.isclose(base.slowdown_days, reform.slowdown_days)
    )
    prio = ~np.isclose(base.priority, reform.priority)
    share = np.broadcast_to(np.asarray(priority_share, dtype=np.float64), main.shape)
    return np.where(main, 1.0, np.where(prio, share, 0.0))


def _grid(iso3: list[str]) -> pl.DataFrame:
    return pl.DataFrame({"iso3": iso3}).join(pl.DataFrame({"category": list(CATEGORIES)}), how="cross")


_ARRAYS = ("proceed", "suspended", "invalid", "fee", "surcharge", "slowdown_days", "priority")


def _cell_measures(
    grid: pl.DataFrame,
    n: int,
    currency: str,
    missing_iso3: tuple[str, ...] = (),
    unsimulated: tuple[str, ...] = (),
) -> CellMeasures:
    """CellMeasures from a `_grid`-ordered frame holding one column per array, named as the field."""
    arrays = {f: grid[f].to_numpy().astype(np.float64).reshape(n, len(CATEGORIES)) for f in _ARRAYS}
    return CellMeasures(**arrays, currency=currency, missing_iso3=missing_iso3, unsimulated=unsimulated)


_SEVERITY = {"proceed": 0, "suspended": 1, "refused": 2, "invalid": 3}


def _with_scoped(measures: pl.DataFrame) -> tuple[pl.DataFrame, tuple[str, ...]]:
    """Apply class/group-limited outcomes that cover a whole cell (the category's covering class, no
    group); list the others, which the simulator cannot apportion, as not simulated."""
    slots = sorted({int(c[6:].split("_")[0]) for c in measures.columns if c.startswith("scoped") and
                    c.endswith("_outcome")})
    if not slots:
        return measures, ()
    outcome = measures.get_column("outcome").to_list()
    notes: list[str] = []
    for i in slots:
        rows = measures.select(
            "iso3", "category", f"scoped{i}_outcome", f"scoped{i}_visa_classes", f"scoped{i}_groups",
            f"scoped{i}_covers_cell",
        ).rows()
        for k, (iso3, cat, out, classes, groups, covers) in enumerate(rows):
            if out is None or out == "proceed":
                continue
            if covers and outcome[k] in _SEVERITY and _SEVERITY[out] > _SEVERITY[outcome[k]]:
                outcome[k] = out
            elif not covers:
                scope = ", ".join(
                    x for x in (
                        f"classes {'/'.join(classes)}" if classes else "",
                        f"groups {'/'.join(groups)}" if groups else "",
                    ) if x
                )
                notes.append(f"{iso3} {cat}: {out} for {scope}")
    return measures.with_columns(pl.Series("outcome", outcome, dtype=pl.String)), tuple(sorted(set(notes)))


def cells_from_measures(measures: pl.DataFrame, iso3: list[str]) -> CellMeasures:
    """Reduce a `resolve` measures frame (one row per iso3 x category) to cell arrays.

    A nationality the measures table does not list gets no country measure: it proceeds, with the
    category's most common fee in the table. Such nationalities are returned in `missing_iso3` so the
    output can say so.
    """
    measures, unsimulated = _with_scoped(measures)
    m = measures.select(
        "iso3",
        "category",
        "outcome",
        pl.col("fee_amount").cast(pl.Float64).fill_null(0.0),
        pl.col("surcharge_amount").cast(pl.Float64),
        pl.col("slowdown_days").cast(pl.Float64),
        pl.col("priority_allowed").cast(pl.Boolean),
        pl.col("fee_currency"),
    )
    currencies = [c for c in m["fee_currency"].drop_nulls().unique().to_list() if c]
    currency = currencies[0] if currencies else "GBP"
    default_fee = m.group_by("category").agg(pl.col("fee_amount").mode().first().alias("default_fee"))
    g = (
        _grid(iso3)
        .join(m, on=["iso3", "category"], how="left")
        .join(default_fee, on="category", how="left")
    )
    missing = sorted(set(g.filter(pl.col("outcome").is_null())["iso3"].to_list()))
    # no visa needed: nobody applies, so nothing changes; treat as proceeding with no fee. A refusal
    # withholds the visa with the fee paid, as a suspension does: both count as not proceeding.
    as_proceed_or_suspended = {"not_required": "proceed", "refused": "suspended"}
    outcome = pl.col("outcome").fill_null("proceed").replace(as_proceed_or_suspended)
    g = g.with_columns(
        (outcome == "proceed").cast(pl.Float64).alias("proceed"),
        (outcome == "suspended").cast(pl.Float64).alias("suspended"),
        (outcome == "invalid").cast(pl.Float64).alias("invalid"),
        pl.coalesce("fee_amount", "default_fee", pl.lit(0.0)).alias("fee"),
        pl.col("surcharge_amount").fill_null(0.0).alias("surcharge"),
        pl.col("slowdown_days").fill_null(0.0),
        pl.col("priority_allowed").fill_null(True).cast(pl.Float64).alias("priority"),
    )
    return _cell_measures(g, len(iso3), currency, tuple(missing), unsimulated)


def with_covering_class(frame: pl.DataFrame, policy: object) -> pl.DataFrame:
    """Synthetic applications carry no visa class: give each the class covering its category, where
    the regime has one, so that the microdata path applies class-limited measures as the aggregate
    path does (and group-limited ones come back as `needs_information`, counted as not simulated)."""
    from visalever.policy.resolve import covering_class

    mapping = {c: covering_class(policy, c) for c in CATEGORIES}  # type: ignore[arg-type]
    if "visa_class" in frame.columns or not any(mapping.values()):
        return frame
    return frame.with_columns(
        pl.col("category").cast(pl.String).replace_strict(mapping, default=None, return_dtype=pl.String)
        .alias("visa_class")
    )


def replay_cell_aggregates(replayed: pl.DataFrame) -> pl.DataFrame:
    """Per (nationality, category) sums of a replayed frame, ready to be added across batches.

    Sums (not means) so that streamed batches combine exactly; `cells_from_replay_sums` turns them
    into shares and means.
    """
    return replayed.group_by("nationality", "category").agg(
        pl.len().alias("n"),
        # needs_information: a group-limited measure the synthetic records cannot be placed in; not
        # simulated (counted as proceeding) and reported by the caller
        pl.col("outcome").is_in(["proceed", "needs_information", "not_required"]).sum().alias("n_proceed"),
        pl.col("outcome").is_in(["suspended", "refused"]).sum().alias("n_suspended"),
        (pl.col("outcome") == "invalid").sum().alias("n_invalid"),
        pl.when(pl.col("outcome") != "invalid").then(pl.col("fee_amount")).otherwise(0.0).sum()
        .alias("fee_sum"),
        pl.when(pl.col("outcome") == "proceed").then(pl.col("surcharge_amount")).otherwise(0.0).sum()
        .alias("surcharge_sum"),
        (pl.col("earliest_decision_date") - pl.col("application_date")).dt.total_days().fill_null(0)
        .clip(lower_bound=0).sum().alias("slowdown_sum"),
        pl.col("priority_service_allowed").cast(pl.Int64).sum().alias("n_priority_allowed"),
    ).with_columns(pl.col("nationality", "category").cast(pl.String))


def cells_from_replay_sums(sums: pl.DataFrame, iso3: list[str], currency: str = "GBP") -> CellMeasures:
    """Cell arrays from summed replay aggregates (nationality, category, n, n_proceed, ...)."""
    s = sums.group_by("nationality", "category").agg(pl.all().sum())
    g = _grid(iso3).join(s.rename({"nationality": "iso3"}), on=["iso3", "category"], how="left").fill_null(0)
    n = pl.col("n").cast(pl.Float64)
    safe = pl.when(n > 0).then(n).otherwise(1.0)
    lodged = (pl.col("n_proceed") + pl.col("n_suspended")).cast(pl.Float64)
    g = g.with_columns(
        pl.when(n > 0).then(pl.col("n_proceed") / safe).otherwise(1.0).alias("proceed"),
        (pl.col("n_suspended") / safe).alias("suspended"),
        (pl.col("n_invalid") / safe).alias("invalid"),
        pl.when(lodged > 0).then(pl.col("fee_sum") / lodged).otherwise(0.0).alias("fee"),
        pl.when(pl.col("n_proceed") > 0).then(pl.col("surcharge_sum") / pl.col("n_proceed")).otherwise(0.0)
        .alias("surcharge"),
        (pl.col("slowdown_sum") / safe).alias("slowdown_days"),
        pl.when(n > 0).then(pl.col("n_priority_allowed") / safe).otherwise(1.0).alias("priority"),
    )
    return _cell_measures(g, len(iso3), currency)
