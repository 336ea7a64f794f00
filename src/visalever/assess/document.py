"""The assessment document: the same JSON for `visalever assess --format json` and `GET /v1/assessments`
(served by `visalever.service.routes_assess`)."""

from __future__ import annotations

from typing import Any


def assessment_document(
    jurisdiction: str, period: str, sensitivity: int = 0, seed: int = 0
) -> dict[str, Any]:
    """Run the assessment and wrap it with the method's metadata (shared with the CLI)."""
    from visalever.assess.config import load_config
    from visalever.assess.engine import assess, payload
    from visalever.assess.periods import parse_period

    cfg = load_config(jurisdiction)
    key = str(parse_period(period))
    results = assess(jurisdiction, key, config=cfg, sensitivity=sensitivity, seed=seed)
    return payload(jurisdiction, key, results, cfg)
