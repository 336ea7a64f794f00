"""The `Assessment` result: one country in one period, with the reasons and coverage behind it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Sensitivity(BaseModel):
    """How often the tier changes when weights, anchors and thresholds are perturbed."""

    runs: int
    tier_change_rate: float = Field(
        description="share of perturbed runs whose tier differs from the base tier"
    )
    tiers: dict[str, int] = Field(description="tier -> number of runs")
    score_range: tuple[float, float] | None = None


class Assessment(BaseModel):
    """An analyst's assessment of one country's cooperation on returns: a recommendation, not an act.

    `metrics` are analyst constructions from official statistics (null when not computable);
    `reasons` say which metrics drove the score, or why the country is `insufficient_data`;
    `coverage` lists the inputs (`indicator@period`) present, read as zero, missing or partial.
    """

    iso3: str
    period: str
    metrics: dict[str, float | None]
    score: float | None
    tier: str
    reasons: list[str]
    coverage: dict[str, list[str]]
    confidence: Literal["high", "medium", "low"]
    sensitivity: Sensitivity | None = None
