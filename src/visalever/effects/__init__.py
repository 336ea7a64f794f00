"""Effects of past acts: what returns and visas did around each real act, against other nationalities.

Analyst estimates from the snapshot's official figures (difference in differences with a placebo
interval, see `estimator`); `acts.effects(jurisdiction)` is the document that `visalever effects` and
`GET /v1/effects` return and `report` renders into docs/EFFECTS.md.
"""

from __future__ import annotations

from visalever.effects.acts import INDICATORS, all_effects, effects
from visalever.effects.estimator import METHOD, did, window_means

__all__ = ["INDICATORS", "METHOD", "all_effects", "did", "effects", "window_means"]
