"""Options appraisal and least-cost packages: what each rung of a regime's ladder would cost and achieve.

`options.appraise(iso3, jurisdiction, year)` lists every rung (and incentive) with its simulated cost,
the pool it could help return and the expected response (evidence from `visalever.effects` or a
labelled assumption from `responses.yaml`); `package` chooses the least-cost set of rungs for a target.
"""

from __future__ import annotations

from visalever.appraise.options import appraise, appraise_many, ladder, responses

__all__ = ["appraise", "appraise_many", "ladder", "responses"]
