"""Cooperation assessment: per-country metrics, transparent scoring and tiers from official statistics.

Everything here is an analyst's construction from official figures, configured per jurisdiction in
`regimes/<jurisdiction>/assessment.yaml`; it recommends, it never designates. Public entry points:
`assess`, `assess_periods`, `context_for` (the policy engine's CEL context), `load_config`.
"""

from __future__ import annotations

from visalever.assess.config import AssessmentConfig, load_config
from visalever.assess.engine import all_annual, assess, assess_periods, context_for, payload
from visalever.assess.model import Assessment

__all__ = [
    "Assessment",
    "AssessmentConfig",
    "all_annual",
    "assess",
    "assess_periods",
    "context_for",
    "load_config",
    "payload",
]
