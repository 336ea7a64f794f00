"""The assessment method as data: the schema of `regimes/<jurisdiction>/assessment.yaml`.

Weights, anchors, minimum volumes, lags and tiers live in the regime file, not in code, so that EU and
US methods are added as files and a reviewer reads the whole method in one place. Loading is
all-or-nothing: a bad file raises `InputError` naming the file and key.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from visalever.errors import InputError
from visalever.paths import REGIMES_DIR

SeriesExpr = Any  # str | {sum|product|first: [...]} | {sub: [a, b]} | {complement|clip_min0: x} | {lag, of}
OPERATORS = {"sum", "sub", "product", "first", "complement", "clip_min0", "lag"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScoreSpec(_Strict):
    """How a metric becomes a concern in [0, 1]: `bad` maps to 1, `good` to 0, clipped between."""

    weight: float = Field(ge=0)
    scale: Literal["linear", "log"] = "linear"
    bad: float
    good: float

    @model_validator(mode="after")
    def _anchors(self) -> ScoreSpec:
        if self.bad == self.good:
            raise ValueError("score anchors 'bad' and 'good' must differ")
        if self.scale == "log" and (self.bad <= 0 or self.good <= 0):
            raise ValueError("log-scale anchors must be > 0")
        return self


class MetricSpec(_Strict):
    """A metric: a descriptive `value`, or a `numerator`/`denominator` ratio with a minimum volume."""

    label: str
    value: SeriesExpr | None = None
    numerator: SeriesExpr | None = None
    denominator: SeriesExpr | None = None
    min_volume: float = 0
    volume: Literal["max", "denominator"] = "denominator"
    score: ScoreSpec | None = None

    @model_validator(mode="after")
    def _shape(self) -> MetricSpec:
        is_ratio = self.numerator is not None or self.denominator is not None
        if is_ratio and (self.numerator is None or self.denominator is None):
            raise ValueError("a ratio needs both 'numerator' and 'denominator'")
        if is_ratio == (self.value is not None):
            raise ValueError("give either 'value' or 'numerator' + 'denominator'")
        return self

    @property
    def is_ratio(self) -> bool:
        return self.numerator is not None


class SeriesSpec(_Strict):
    label: str
    expr: SeriesExpr


class ObservationRules(_Strict):
    exclude_codes: list[str] = ["ALL"]
    complete_sources: list[str] = []
    zero_fill_units: list[str] = ["people"]


class Eligibility(_Strict):
    core_metrics: list[str]
    min_weight_share: float = Field(ge=0, le=1)


class Tier(_Strict):
    id: str
    min_score: float
    label: str = ""


class ConfidenceLevel(_Strict):
    min_weight_share: float = Field(ge=0, le=1)
    min_denominator: float = Field(ge=0)


class Confidence(_Strict):
    high: ConfidenceLevel
    medium: ConfidenceLevel


class Sensitivity(_Strict):
    weight_jitter: float = Field(0.25, ge=0, lt=1)
    anchor_jitter: float = Field(0.25, ge=0, lt=1)
    threshold_jitter: float = Field(5.0, ge=0)


class Act(_Strict):
    iso3: str = Field(pattern=r"^[A-Z]{3}$")
    date: dt.date
    act: str
    source: str


class Backtest(_Strict):
    top_k: int = Field(10, ge=1)
    acts: list[Act] = []


class MethodChange(_Strict):
    """One entry of the method's change log: what changed in a version and why."""

    version: int = Field(ge=1)
    date: dt.date
    change: str


class AssessmentConfig(_Strict):
    """The whole method for one jurisdiction, versioned (`version`, `changes`)."""

    jurisdiction: str
    version: int = Field(1, ge=1)
    changes: list[MethodChange] = []
    title: str
    basis: str
    attribution: str = ""
    observations: ObservationRules = ObservationRules()
    publication_lag_days: int = Field(0, ge=0)
    known_gaps: dict[str, str] = {}
    series: dict[str, SeriesSpec] = {}
    metrics: dict[str, MetricSpec]
    eligibility: Eligibility
    tiers: list[Tier]
    confidence: Confidence
    sensitivity: Sensitivity = Sensitivity()
    backtest: Backtest = Backtest()

    @model_validator(mode="after")
    def _references(self) -> AssessmentConfig:
        for name in self.eligibility.core_metrics:
            if name not in self.metrics:
                raise ValueError(f"eligibility.core_metrics: unknown metric {name!r}")
            if self.metrics[name].score is None:
                raise ValueError(f"eligibility.core_metrics: metric {name!r} has no score")
        if self.changes and max(c.version for c in self.changes) != self.version:
            raise ValueError("changes: the latest entry must describe the current version")
        if not any(m.score and m.score.weight > 0 for m in self.metrics.values()):
            raise ValueError("metrics: at least one metric needs a score with weight > 0")
        if not self.tiers or min(t.min_score for t in self.tiers) > 0:
            raise ValueError("tiers: the lowest tier must start at min_score 0")
        if len({t.id for t in self.tiers}) != len(self.tiers) or "insufficient_data" in {
            t.id for t in self.tiers
        }:
            raise ValueError("tiers: ids must be unique and not 'insufficient_data'")
        for name, s in self.series.items():
            if "." in name:
                raise ValueError(
                    f"series.{name}: series names must not contain '.' (reserved for indicators)"
                )
            _check_expr(s.expr, f"series.{name}.expr", self.series, set())
        for name, m in self.metrics.items():
            for part in ("value", "numerator", "denominator"):
                expr = getattr(m, part)
                if expr is not None:
                    _check_expr(expr, f"metrics.{name}.{part}", self.series, set())
        return self

    def tiers_desc(self) -> list[Tier]:
        """Tiers from the highest threshold down (first match wins)."""
        return sorted(self.tiers, key=lambda t: t.min_score, reverse=True)

    def scored_metrics(self) -> dict[str, ScoreSpec]:
        """Metrics that carry a positive weight in the score."""
        return {n: m.score for n, m in self.metrics.items() if m.score is not None and m.score.weight > 0}


def _check_expr(expr: SeriesExpr, where: str, series: dict[str, SeriesSpec], seen: set[str]) -> None:
    """Reject unknown operators, bad arities and cycles between named series."""
    if isinstance(expr, str):
        if expr in series:
            if expr in seen:
                raise ValueError(f"{where}: series {expr!r} refers to itself")
            _check_expr(series[expr].expr, where, series, seen | {expr})
        elif "." not in expr:
            raise ValueError(
                f"{where}: {expr!r} is neither a series nor an indicator id (indicator ids contain '.')"
            )
        return
    if not isinstance(expr, dict) or len(expr) != (2 if "lag" in expr else 1):
        raise ValueError(f"{where}: expected a name or one operator mapping, got {expr!r}")
    if "lag" in expr:
        if set(expr) != {"lag", "of"} or not isinstance(expr["lag"], int) or expr["lag"] < 0:
            raise ValueError(f"{where}: lag needs {{lag: <int >= 0>, of: <series>}}")
        _check_expr(expr["of"], where, series, seen)
        return
    ((op, arg),) = expr.items()
    if op not in OPERATORS:
        raise ValueError(f"{where}: unknown operator {op!r} (known: {', '.join(sorted(OPERATORS))})")
    if op in ("sum", "product", "sub", "first"):
        if not isinstance(arg, list) or len(arg) < 2 or (op == "sub" and len(arg) != 2):
            raise ValueError(f"{where}: {op} needs a list of {'2' if op == 'sub' else '2 or more'} series")
        for a in arg:
            _check_expr(a, where, series, seen)
    else:
        _check_expr(arg, where, series, seen)


def config_path(jurisdiction: str) -> Path:
    return REGIMES_DIR / jurisdiction / "assessment.yaml"


def parse_config(data: Any, source: str) -> AssessmentConfig:
    """Validate a mapping as an assessment method; errors name `source` and the key."""
    try:
        return AssessmentConfig.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise InputError(f"{loc}: {first['msg']}", location=source) from None


def load_config(jurisdiction: str, path: str | Path | None = None) -> AssessmentConfig:
    """Read and validate `regimes/<jurisdiction>/assessment.yaml` (or `path`)."""
    import yaml

    p = Path(path) if path is not None else config_path(jurisdiction)
    if not p.is_file():
        raise InputError(f"no assessment method for jurisdiction {jurisdiction!r}", location=str(p))
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise InputError(f"invalid YAML: {err}".replace("\n", " "), location=str(p)) from None
    cfg = parse_config(data, str(p))
    if cfg.jurisdiction != jurisdiction:
        raise InputError(
            f"jurisdiction: file says {cfg.jurisdiction!r}, asked for {jurisdiction!r}", location=str(p)
        )
    return cfg
