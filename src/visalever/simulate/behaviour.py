"""Behavioural parameters of the simulator: loading, validation and seeded Monte Carlo draws.

The law says what a measure is; how people respond to it (apply less when it costs more, stop applying
when grants are suspended) is not law and not an official figure. These responses live in
`regimes/<jurisdiction>/simulation/behaviour.yaml`, each with a source or an explicit assumption, so
that no constant is hidden in code and every output can list what it assumed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from visalever.errors import InputError
from visalever.paths import REGIMES_DIR

CATEGORIES: tuple[str, ...] = ("visit", "study", "work", "family", "other")

REQUIRED_PARAMETERS: tuple[str, ...] = (
    "surcharge_elasticity",
    "slowdown_response_per_30_days",
    "suspension_application_share",
    "invalid_application_share",
    "refusal_rate",
    "priority_service_share",
)


class Source(BaseModel):
    """A reference a parameter rests on (or is bounded by)."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1)
    url: str = Field(min_length=1)
    note: str | None = None


class Band(BaseModel):
    """Central value and Monte Carlo range for one category override."""

    model_config = ConfigDict(extra="forbid")
    central: float | None = None
    low: float | None = None
    high: float | None = None


class Parameter(BaseModel):
    """One behavioural parameter: central value, range, distribution, and where it comes from."""

    model_config = ConfigDict(extra="forbid")
    description: str = Field(min_length=1)
    unit: str
    central: float
    low: float
    high: float
    distribution: Literal["triangular", "uniform"] = "triangular"
    by_category: dict[str, Band] = Field(default_factory=dict)
    assumption: bool = False
    reasoning: str | None = None
    sources: list[Source] = Field(default_factory=list)

    @model_validator(mode="after")
    def _provenance_and_order(self) -> Parameter:
        if not self.sources and not self.assumption:
            raise ValueError("needs `sources` or `assumption: true` with `reasoning`")
        if self.assumption and not (self.reasoning and self.reasoning.strip()):
            raise ValueError("`assumption: true` needs a `reasoning`")
        for cat in self.by_category:
            if cat not in CATEGORIES:
                expected = ", ".join(CATEGORIES)
                raise ValueError(f"by_category: unknown category {cat!r} (expected one of {expected})")
        for cat in (None, *CATEGORIES):
            lo, c, hi = self.band(cat)
            if not lo <= c <= hi:
                where = f"by_category.{cat}" if cat else "central"
                raise ValueError(f"{where}: need low <= central <= high, got {lo} <= {c} <= {hi}")
        return self

    def band(self, category: str | None = None) -> tuple[float, float, float]:
        """(low, central, high) for `category`, with the category override applied."""
        o = self.by_category.get(category) if category else None
        low = o.low if o and o.low is not None else self.low
        central = o.central if o and o.central is not None else self.central
        high = o.high if o and o.high is not None else self.high
        return float(low), float(central), float(high)


class Behaviour(BaseModel):
    """All behavioural parameters for one jurisdiction, as read from its behaviour.yaml."""

    model_config = ConfigDict(extra="forbid")
    jurisdiction: str
    currency: str
    parameters: dict[str, Parameter]
    path: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> Behaviour:
        missing = [p for p in REQUIRED_PARAMETERS if p not in self.parameters]
        if missing:
            raise ValueError(f"parameters: missing {', '.join(missing)}")
        return self

    def central(self, name: str, category: str | None = None) -> float:
        """Central value of parameter `name` (for `category` if given)."""
        return self.parameters[name].band(category)[1]

    def per_category_central(self, name: str) -> np.ndarray:
        """Central values of `name` for each of CATEGORIES, shape (K,)."""
        return np.array([self.central(name, c) for c in CATEGORIES])

    def assumptions(self) -> list[dict[str, Any]]:
        """Every parameter as a plain dict for output metadata: value, range, assumption or sources."""
        out = []
        for name, p in self.parameters.items():
            out.append(
                {
                    "parameter": name,
                    "unit": p.unit,
                    "central": p.central,
                    "range": [p.low, p.high],
                    "distribution": p.distribution,
                    "by_category": {k: v.model_dump(exclude_none=True) for k, v in p.by_category.items()},
                    "assumption": p.assumption,
                    "reasoning": " ".join((p.reasoning or "").split()) or None,
                    "sources": [s.model_dump(exclude_none=True) for s in p.sources],
                }
            )
        return out


def default_behaviour_path(jurisdiction: str = "uk") -> Path:
    """Where the packaged behaviour file of `jurisdiction` lives."""
    return REGIMES_DIR / jurisdiction / "simulation" / "behaviour.yaml"


def load_behaviour(path: str | Path | None = None, jurisdiction: str = "uk") -> Behaviour:
    """Read and validate a behaviour file (all or nothing); errors name the file and key path."""
    p = Path(path) if path else default_behaviour_path(jurisdiction)
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("behaviour file not found", location=str(p)) from None
    except yaml.YAMLError as err:
        raise InputError(f"not valid YAML: {err}".replace("\n", " "), location=str(p)) from None
    if not isinstance(raw, dict):
        raise InputError("expected a mapping at the top level", location=str(p))
    try:
        beh = Behaviour.model_validate({**raw, "path": str(p)})
    except ValidationError as err:
        e = err.errors()[0]
        key = ".".join(str(x) for x in e["loc"]) or "(top)"
        raise InputError(f"{e['msg']}", location=f"{p}: {key}") from None
    return beh


def _sample(rng: np.random.Generator, dist: str, lo: float, c: float, hi: float, n: int) -> np.ndarray:
    """n draws from the parameter's distribution; a zero-width range gives the constant."""
    if hi <= lo:
        return np.full(n, c)
    if dist == "uniform":
        return rng.uniform(lo, hi, n)
    return rng.triangular(lo, c, hi, n)


def draw_parameters(behaviour: Behaviour, draws: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Per-draw values of every parameter, shape (draws, K) over CATEGORIES.

    With `draws == 1` the central values are returned, so a single run is deterministic and equals the
    documented central case. Draws are independent across parameters; one uniform stream per parameter
    and category keeps them reproducible for a given seed whatever else changes.
    """
    if draws < 1:
        raise InputError(f"draws must be >= 1, got {draws}", location="draws")
    out: dict[str, np.ndarray] = {}
    if draws == 1:
        for name in behaviour.parameters:
            out[name] = behaviour.per_category_central(name)[None, :]
        return out
    rng = np.random.default_rng(seed)
    for name in sorted(behaviour.parameters):
        p = behaviour.parameters[name]
        cols = [_sample(rng, p.distribution, *p.band(cat), draws) for cat in CATEGORIES]
        out[name] = np.stack(cols, axis=1)
    return out
