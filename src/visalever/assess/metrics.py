"""Metrics: the regime file's series expressions compiled to Polars, ratios with minimum volumes.

Every metric is an analyst's construction from official counts (for example returns per estimated
refused claim), never an official statistic. A ratio whose volume is below the minimum is null, so
that small numbers never rank; a zero denominator makes it not applicable (null) rather than infinite.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from visalever.assess.config import AssessmentConfig, MetricSpec, SeriesExpr
from visalever.assess.inputs import col_value


@dataclass(frozen=True)
class Compiled:
    """A series as a Polars expression and the (indicator, lag) inputs it reads."""

    expr: pl.Expr
    refs: frozenset[tuple[str, int]]


def compile_series(expr: SeriesExpr, cfg: AssessmentConfig, lag: int = 0) -> Compiled:
    """Turn a series expression into a Polars expression over the input columns (nulls propagate)."""
    if isinstance(expr, str):
        if expr in cfg.series:
            return compile_series(cfg.series[expr].expr, cfg, lag)
        return Compiled(pl.col(col_value(expr, lag)), frozenset({(expr, lag)}))
    if "lag" in expr:
        return compile_series(expr["of"], cfg, lag + int(expr["lag"]))
    ((op, arg),) = expr.items()
    if op == "first":
        # The first series that has a value (e.g. a published count, else an estimate of it).
        parts = [compile_series(a, cfg, lag) for a in arg]
        return Compiled(pl.coalesce([p.expr for p in parts]), frozenset().union(*(p.refs for p in parts)))
    if op in ("sum", "product", "sub"):
        parts = [compile_series(a, cfg, lag) for a in arg]
        out = parts[0].expr
        for p in parts[1:]:
            out = out + p.expr if op == "sum" else (out * p.expr if op == "product" else out - p.expr)
        return Compiled(out, frozenset().union(*(p.refs for p in parts)))
    inner = compile_series(arg, cfg, lag)
    if op == "complement":
        return Compiled(1.0 - inner.expr, inner.refs)
    if op == "clip_min0":
        return Compiled(inner.expr.clip(lower_bound=0.0), inner.refs)
    raise AssertionError(f"operator {op!r} passed validation but is not compiled")


@dataclass(frozen=True)
class CompiledMetric:
    name: str
    spec: MetricSpec
    exprs: dict[str, pl.Expr]  # output column -> expression
    refs: frozenset[tuple[str, int]]


def metric_col(name: str) -> str:
    return f"m|{name}"


def num_col(name: str) -> str:
    return f"n|{name}"


def den_col(name: str) -> str:
    return f"d|{name}"


def compile_metrics(cfg: AssessmentConfig) -> list[CompiledMetric]:
    """All metrics of the method, in file order."""
    out = []
    for name, spec in cfg.metrics.items():
        if not spec.is_ratio:
            c = compile_series(spec.value, cfg)
            out.append(CompiledMetric(name, spec, {metric_col(name): c.expr.cast(pl.Float64)}, c.refs))
            continue
        n = compile_series(spec.numerator, cfg)
        d = compile_series(spec.denominator, cfg)
        num, den = n.expr.cast(pl.Float64), d.expr.cast(pl.Float64)
        volume = pl.max_horizontal(num, den) if spec.volume == "max" else den
        value = (
            pl.when(num.is_null() | den.is_null() | (den <= 0) | (volume < spec.min_volume))
            .then(None)
            .otherwise(num / den)
        )
        out.append(
            CompiledMetric(
                name, spec, {metric_col(name): value, num_col(name): num, den_col(name): den}, n.refs | d.refs
            )
        )
    return out


def all_refs(compiled: list[CompiledMetric]) -> set[tuple[str, int]]:
    return set().union(*(c.refs for c in compiled))


def compute_metrics(inputs: pl.DataFrame, compiled: list[CompiledMetric]) -> pl.DataFrame:
    """Add metric (and numerator/denominator) columns to the inputs frame."""
    return inputs.with_columns(**{col: e for c in compiled for col, e in c.exprs.items()})
